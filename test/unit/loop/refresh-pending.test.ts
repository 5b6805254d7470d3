// A refresh cut short (its client killed) is told again with the next one.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { clearPending, notePending } from '../../../src/loop/refresh-pending.js';

test('a refresh that did not finish is taken into the next; a finished one leaves nothing', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sim-pending-'));
  assert.equal(await notePending(dir, { changed: ['usr/bin/a'], steps: ['schemas'] }), { changed: ['usr/bin/a'], steps: ['schemas'] });
  // Not cleared: its client was killed mid-refresh.
  assert.equal(await notePending(dir, { changed: ['usr/lib/libb.so.1', 'usr/bin/a'], steps: [] }), { changed: ['usr/lib/libb.so.1', 'usr/bin/a'], steps: ['schemas'] });
  await clearPending(dir);
  assert.equal(await readdir(dir), []);
  assert.equal(await notePending(dir, { changed: [], steps: [] }), { changed: [], steps: [] });
  assert.equal(await readdir(dir), [], 'nothing to note, no file');
  await writeFile(path.join(dir, 'refresh-pending.json'), '{"changed": [1, "usr/bin/c"');
  assert.equal(await notePending(dir, { changed: ['usr/bin/d'], steps: [] }), { changed: ['usr/bin/d'], steps: [] }, 'a damaged note is dropped');
});

test.run();
