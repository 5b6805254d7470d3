// Which foreground boots serve a prefix, and whether a build can tell them what it replaced:
// found by their session directories while their launcher lives.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { resolveContext } from '../../../src/core/context.js';
import { foregroundBootsServing, recordServing, staleForegroundWarning } from '../../../src/boot/serving.js';

test('a live boot that recorded the prefix serves it, by any spelling of its path; a gone one, another prefix, no record or a torn one does not', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'sim-serving-'));
  try {
    const ctx = resolveContext({ SIM_CACHE_DIR: path.join(root, 'cache'), SIM_RUNTIME_DIR: path.join(root, 'run') });
    assert.equal(await foregroundBootsServing(ctx, '/p'), [], 'no sessions directory at all');
    const session = async (pid: number, tag: string) => {
      const dir = path.join(ctx.dirs.sessions, `${pid}-${tag}`);
      await mkdir(dir, { recursive: true });
      return dir;
    };
    const gone = spawnSync('true').pid;
    const console = await session(process.pid, 'aaaa');
    await recordServing(console, path.join(root, 'prefix'), { told: true, accel: 'tcg', image: 'debian' });
    const command = await session(process.pid, 'ffff');
    await recordServing(command, path.join(root, 'prefix'), { told: false });
    await recordServing(await session(gone, 'bbbb'), path.join(root, 'prefix'), { told: true });
    await recordServing(await session(process.pid, 'cccc'), path.join(root, 'other'), { told: true });
    await session(process.pid, 'dddd');
    await writeFile(path.join(await session(process.pid, 'eeee'), 'serving.json'), '{"prefix": ');
    // A record from before `told` existed reads as a boot that is not told.
    const old = await session(process.pid, 'gggg');
    await writeFile(path.join(old, 'serving.json'), JSON.stringify({ prefix: path.join(root, 'prefix') }));
    assert.equal(await foregroundBootsServing(ctx, path.join(root, 'x', '..', 'prefix')), [
      { pid: process.pid, dir: console, told: true, accel: 'tcg', image: 'debian' },
      { pid: process.pid, dir: command, told: false },
      { pid: process.pid, dir: old, told: false },
    ]);
    assert.equal(await foregroundBootsServing(ctx, path.join(root, 'none')), []);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('the warning names the boots and the ways out', () => {
  assert.match(staleForegroundWarning([42]), /^a foreground simulator \('sim boot', pid 42\) serves this prefix with a command and is not told of builds: its guest may go on reading files from before this one\. Restart it, or boot at the console or with --detach .* or with --overlay-cache none\.$/);
  assert.match(staleForegroundWarning([7, 9]), /^foreground simulators \('sim boot', pids 7, 9\) serve this prefix with a command and are not told of builds: their guests .* Restart them,/);
});

test.run();
