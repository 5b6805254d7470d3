import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createLineSplitter } from '../src/line-splitter';
import { nodeSpawner, runSim } from '../src/sim-process';
import type { SimEvent } from '../src/events';
import { createFakeSpawner } from './fake-spawner';

test('line splitter: lines split over chunks, CRLF, a UTF-8 character split between reads, no final newline', () => {
  const lines: string[] = [];
  const splitter = createLineSplitter((l) => lines.push(l));
  const bytes = Buffer.from('{"a":1}\r\n{"b":"é"}\nlast');
  const cut = bytes.indexOf(0xa9); // the second byte of é
  splitter.push(bytes.subarray(0, 3));
  splitter.push(bytes.subarray(3, cut));
  splitter.push(bytes.subarray(cut));
  assert.equal(lines, ['{"a":1}', '{"b":"é"}']);
  splitter.end();
  assert.equal(lines, ['{"a":1}', '{"b":"é"}', 'last']);
});

test('runSim: events, non-JSON lines and JSON that is not an event go their own ways; the result decides the exit code', async () => {
  const { spawner, children } = createFakeSpawner();
  const events: SimEvent[] = [];
  const texts: string[] = [];
  const process = runSim(spawner, '/opt/sim', ['stop', 'a b', '--json'], { cwd: '/p' }, { onEvent: (e) => events.push(e), onText: (l, s) => texts.push(`${s}:${l}`) });
  const child = children[0]!;
  assert.is(child.command, '/opt/sim');
  assert.equal(child.args, ['stop', 'a b', '--json']);
  assert.is(child.cwd, '/p');
  child.stdout.emit('data', '{"type":"log","level":"info","mess');
  child.stdout.emit('data', 'age":"hi"}\nnot json\n[1,2]\n\n{"type":"error","code":"x","message":"m","hint":"h"}\n');
  child.stderr.emit('data', 'Trace: boom\n');
  child.stdout.emit('data', '{"type":"result","exitCode":3}');
  child.exit(0);
  const outcome = await process.done;
  assert.equal(events.map((e) => e.type), ['log', 'error', 'result']);
  assert.equal(texts, ['stdout:not json', 'stdout:[1,2]', 'stderr:Trace: boom']);
  assert.is(outcome.exitCode, 3, 'the result event wins over the process status');
  assert.is(outcome.error?.hint, 'h');
  assert.equal(outcome.stderrTail, ['Trace: boom']);
});

test('runSim: without a result event the process status is the exit code; a signal is 1', async () => {
  const { spawner, children } = createFakeSpawner();
  const a = runSim(spawner, 'sim', ['ls'], {});
  children[0]!.exit(7);
  assert.is((await a.done).exitCode, 7);
  const b = runSim(spawner, 'sim', ['ls'], {});
  b.kill();
  assert.is(children[1]!.killed, 'SIGTERM');
  assert.is((await b.done).exitCode, 1);
});

test('runSim with the real spawner: an argument with shell characters arrives as one word', async () => {
  const events: SimEvent[] = [];
  const script = 'console.log(JSON.stringify({type:"log",level:"info",message:process.argv[1]})); console.log(JSON.stringify({type:"result",exitCode:0}))';
  const outcome = await runSim(nodeSpawner, process.execPath, ['-e', script, '$(echo no); `x` | y'], {}, { onEvent: (e) => events.push(e) }).done;
  assert.is(outcome.exitCode, 0);
  assert.equal(events[0], { type: 'log', level: 'info', message: '$(echo no); `x` | y' });
});

test('runSim with the real spawner: a sim that does not exist is an error event with the hint to set sim.path', async () => {
  const events: SimEvent[] = [];
  const outcome = await runSim(nodeSpawner, '/nonexistent/sim', ['ls'], {}, { onEvent: (e) => events.push(e) }).done;
  assert.is(outcome.exitCode, 1);
  assert.is(outcome.error?.code, 'sim-not-found');
  assert.match(outcome.error?.message ?? '', /\/nonexistent\/sim/);
  assert.match(outcome.error?.hint ?? '', /sim\.path/);
  assert.is(events[0]?.type, 'error');
});

test.run();
