// Keys and pointer: the names a user writes mapped to QEMU's monitor commands.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { absoluteAxis, chordForChar, chordsForText, inputSteps, parseChord, parsePoint, qcodeOf } from '../../../src/display/input.js';
import { keyChord, mouseButton, screenPoint, typedText } from '../../../src/config/option-values.js';
import { isSimError } from '../../../src/core/errors.js';

const screen = { width: 1280, height: 800 };

function usageError(fn: () => unknown, message: RegExp): void {
  try {
    fn();
  } catch (error) {
    assert.ok(isSimError(error) && error.code === 'USAGE', String(error));
    assert.match((error as Error).message, message);
    return;
  }
  assert.unreachable('no error');
}

test('key names: QEMU qcodes, common aliases, any case', () => {
  assert.is(qcodeOf('super'), 'meta_l');
  assert.is(qcodeOf('Super'), 'meta_l');
  assert.is(qcodeOf('meta_l'), 'meta_l');
  assert.is(qcodeOf('win'), 'meta_l');
  assert.is(qcodeOf('Enter'), 'ret');
  assert.is(qcodeOf('return'), 'ret');
  assert.is(qcodeOf('space'), 'spc');
  assert.is(qcodeOf('Escape'), 'esc');
  assert.is(qcodeOf('control'), 'ctrl');
  assert.is(qcodeOf('F12'), 'f12');
  assert.is(qcodeOf('PageDown'), 'pgdn');
  assert.is(qcodeOf('a'), 'a');
  assert.is(qcodeOf('7'), '7');
  assert.is(qcodeOf('f13'), undefined);
  assert.is(qcodeOf('hyper'), undefined);
});

test('chords: joined by - or +, in the order written', () => {
  assert.equal(parseChord('super'), ['meta_l']);
  assert.equal(parseChord('ctrl-alt-f2'), ['ctrl', 'alt', 'f2']);
  assert.equal(parseChord('Ctrl+Shift+T'), ['ctrl', 'shift', 't']);
  assert.equal(parseChord('ctrl--'), ['ctrl', 'minus']);
  assert.equal(parseChord('ctrl++'), ['ctrl', 'equal']);
  usageError(() => parseChord('ctrl-hyper'), /'hyper' in 'ctrl-hyper' is not a key/);
  usageError(() => parseChord(''), /is not a key or a chord/);
  usageError(() => parseChord('ctrl-'), /is not a key or a chord/);
});

test('text: a US layout, shift for capitals and shifted symbols', () => {
  assert.equal(chordForChar('a'), ['a']);
  assert.equal(chordForChar('A'), ['shift', 'a']);
  assert.equal(chordForChar('!'), ['shift', '1']);
  assert.equal(chordForChar(' '), ['spc']);
  assert.equal(chordForChar('\n'), ['ret']);
  assert.equal(chordForChar('?'), ['shift', 'slash']);
  assert.equal(chordForChar('é'), undefined);
  assert.equal(chordsForText('Hi 2'), [['shift', 'h'], ['i'], ['spc'], ['2']]);
  usageError(() => chordsForText('naïve'), /"ï" cannot be typed/);
});

test('points and the absolute axis: 0 to 0x7fff across the screen', () => {
  assert.equal(parsePoint('640,400'), { x: 640, y: 400 });
  assert.equal(parsePoint(' 1 , 2 '), { x: 1, y: 2 });
  assert.is(parsePoint('640x400'), undefined);
  assert.is(parsePoint('-1,2'), undefined);
  assert.is(absoluteAxis(0, 1280), 0);
  assert.is(absoluteAxis(1279, 1280), 0x7fff);
  assert.is(absoluteAxis(640, 1281), 0x3fff + 1);
});

test('steps: a click is a move, the press and the release apart; then keys; then text', () => {
  const steps = inputSteps({ keys: ['super'], text: 'A', click: { x: 1279, y: 0 } }, screen);
  assert.equal(steps, [
    { command: 'input-send-event', arguments: { events: [{ type: 'abs', data: { axis: 'x', value: 0x7fff } }, { type: 'abs', data: { axis: 'y', value: 0 } }] } },
    { pauseMs: 50 },
    { command: 'input-send-event', arguments: { events: [{ type: 'btn', data: { button: 'left', down: true } }] } },
    { pauseMs: 80 },
    { command: 'input-send-event', arguments: { events: [{ type: 'btn', data: { button: 'left', down: false } }] } },
    { command: 'send-key', arguments: { keys: [{ type: 'qcode', data: 'meta_l' }], 'hold-time': 60 } },
    { command: 'send-key', arguments: { keys: [{ type: 'qcode', data: 'shift' }, { type: 'qcode', data: 'a' }], 'hold-time': 60 } },
  ]);
  assert.equal(inputSteps({}, screen), []);
  assert.equal((inputSteps({ click: { x: 1, y: 1, button: 'right' } }, screen)[2] as { arguments: unknown }).arguments, { events: [{ type: 'btn', data: { button: 'right', down: true } }] });
  usageError(() => inputSteps({ click: { x: 1280, y: 0 } }, screen), /outside the 1280x800 screen/);
  usageError(() => inputSteps({ click: { x: 1.5, y: 0 } }, screen), /outside/);
  usageError(() => inputSteps({ click: { x: 1, y: 1, button: 'back' as never } }, screen), /not a mouse button/);
  usageError(() => inputSteps({ keys: ['nope'] }, screen), /not a key sim knows/);
});

test('option values: the CLI refuses what the mapping cannot do', () => {
  assert.ok(keyChord.safeParse('ctrl-alt-f2').success);
  assert.not.ok(keyChord.safeParse('ctrl-alt-f99').success);
  assert.ok(typedText.safeParse('hello\n').success);
  assert.not.ok(typedText.safeParse('').success);
  assert.not.ok(typedText.safeParse('€').success);
  assert.equal(screenPoint.parse('10,20'), { x: 10, y: 20 });
  assert.not.ok(screenPoint.safeParse('10;20').success);
  assert.ok(mouseButton.safeParse('middle').success);
  assert.not.ok(mouseButton.safeParse('back').success);
});

test.run();
