import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createEventRenderer, formatDuration, renderEvent, renderJournalEntry } from '../src/events-render';

test('phases with their time and short ids', () => {
  assert.is(renderEvent({ type: 'phase', phase: 'guest-ready', ms: 1234, detail: { image: 'a'.repeat(64), quick: true, nested: {} } }), `✓ guest-ready (1.2 s) image=aaaaaaaaaaaa quick=true`);
  assert.is(formatDuration(125_000), '2 min 5 s');
});

test('progress, build output, logs (debug hidden), triggers (ok hidden)', () => {
  assert.is(renderEvent({ type: 'progress', task: 'build', message: 'Building glib' }), '… Building glib');
  assert.is(renderEvent({ type: 'progress', task: 'build', message: 'Built glib', done: true }), '✓ Built glib');
  assert.is(renderEvent({ type: 'build-output', module: 'glib', line: '[1/2] cc foo.c' }), '  [glib] [1/2] cc foo.c');
  assert.is(renderEvent({ type: 'log', level: 'warn', message: 'slow' }), 'warning: slow');
  assert.is(renderEvent({ type: 'log', level: 'info', message: 'hello' }), 'hello');
  assert.is(renderEvent({ type: 'log', level: 'debug', message: 'noise' }), null);
  assert.is(renderEvent({ type: 'trigger', name: 'ldconfig', status: 'ok' }), null);
  assert.is(renderEvent({ type: 'trigger', name: 'gio-modules', status: 'missing', tool: 'gio-querymodules' }), 'warning: trigger gio-modules missing (gio-querymodules)');
});

test('an error shows its message, its hint and its details', () => {
  assert.is(
    renderEvent({ type: 'error', code: 'build-failed', message: 'glib failed to build', hint: 'Fix the compile error above', details: ['foo.c:1: error'] }),
    'error: glib failed to build\n  Fix the compile error above\n  | foo.c:1: error',
  );
});

test('the result: success with the simulator, failure with the exit code', () => {
  assert.is(renderEvent({ type: 'result', exitCode: 0, data: { name: 'glib-1' } }), '✓ done: simulator glib-1');
  assert.is(renderEvent({ type: 'result', exitCode: 0 }), '✓ done');
  assert.is(renderEvent({ type: 'result', exitCode: 2 }), '✗ failed (exit code 2)');
});

test('unknown event types are not shown', () => {
  assert.is(renderEvent({ type: 'something-new' } as never), null);
});

test('journal entries like journalctl, with the level of the priority', () => {
  assert.is(renderJournalEntry({ message: 'started', identifier: 'gnome-shell', pid: 812, priority: 6, timestamp: '2026-12-03T18:00:01.123Z' }), '18:00:01 gnome-shell[812]: started');
  assert.is(renderJournalEntry({ message: 'oops', identifier: 'kernel', priority: 3 }), 'kernel: error: oops');
  assert.is(renderJournalEntry({ message: 'hmm', priority: 4 }), 'warning: hmm');
});

test('the stateful renderer drops a transfer\'s repeated progress messages', () => {
  const render = createEventRenderer();
  const lines = [
    render({ type: 'progress', task: 'pull', message: 'Downloading', bytes: { done: 1 } }),
    render({ type: 'progress', task: 'pull', message: 'Downloading', bytes: { done: 2 } }),
    render({ type: 'progress', task: 'pull', message: 'Downloaded', done: true }),
    render({ type: 'progress', task: 'pull', message: 'Downloading' }),
  ];
  assert.equal(lines, ['… Downloading', null, '✓ Downloaded', '… Downloading']);
});

test.run();
