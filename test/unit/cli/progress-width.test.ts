/** The progress line on terminals of every width, as an IDE's terminal panel may report: 0 columns (a PTY never sized) is taken as 80, never as no room. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHumanRenderer } from '../../../src/cli/progress.js';

function renderOn(columns: number | undefined): string {
  let written = '';
  const stream = Object.assign(
    { write: (chunk: string) => ((written += chunk), true) },
    { isTTY: true, columns },
  ) as unknown as NodeJS.WritableStream & { isTTY: boolean; columns?: number };
  const render = createHumanRenderer(stream);
  render({ type: 'progress', task: 'build', message: 'building simmod', time: new Date().toISOString() });
  render.close();
  return written;
}

test('a PTY reporting 0 columns shows the message as an 80-column one does', () => {
  assert.match(renderOn(0), /building simmod/);
  assert.match(renderOn(undefined), /building simmod/);
});

test('a narrow terminal gets a shortened line that does not wrap', () => {
  const last = renderOn(20).split('\r\x1b[2K').filter(Boolean).find((l) => l.includes('…')) ?? '';
  assert.ok(last.length <= 20, JSON.stringify(last));
});

test.run();
