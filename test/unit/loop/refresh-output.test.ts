import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { REFRESH_DONE, RefreshStream } from '../../../src/loop/refresh-output.js';

function collect() {
  const seen: string[] = [];
  const stream = new RefreshStream((line) => seen.push(`line:${line}`), (data) => seen.push(`out:${data}`), () => seen.push('done'));
  return { seen, stream };
}

test('lines before the marker are the refresh\'s, everything after it the command\'s', () => {
  const { seen, stream } = collect();
  stream.push(`in-use 12 app /usr/bin/app\ntrigger ldconfig ok 30\n${REFRESH_DONE}hello\nwor`);
  stream.push('ld\n');
  assert.equal(seen, ['line:in-use 12 app /usr/bin/app', 'line:trigger ldconfig ok 30', 'done', 'out:hello\nwor', 'out:ld\n']);
  assert.ok(stream.done);
});

test('a marker split across chunks, and a line split before it', () => {
  const { seen, stream } = collect();
  const chunks = `trig${'ger x ok 1\n'}${REFRESH_DONE}out`.match(/.{1,5}/gs)!;
  for (const chunk of chunks) stream.push(chunk);
  assert.equal(seen.filter((s) => !s.startsWith('out:')), ['line:trigger x ok 1', 'done']);
  assert.is(seen.filter((s) => s.startsWith('out:')).map((s) => s.slice(4)).join(''), 'out');
});

test('no marker: every line is the refresh\'s, the last one at the end of the stream', () => {
  const { seen, stream } = collect();
  stream.push('sim: warning: x\nin-use 1 a /b');
  stream.flush();
  assert.equal(seen, ['line:sim: warning: x', 'line:in-use 1 a /b']);
  assert.not.ok(stream.done);
});

test.run();
