/**
 * Cross-process locks (src/core/lock.ts) with real processes: a holder killed with SIGKILL (an
 * IDE's Stop in the middle of a build) is taken over within seconds, not after the 15 s
 * staleness; a live holder is waited for.
 */
import { mkdtemp, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execa } from 'execa';
import { ownerGone, ownerStamp, withLock } from '../../src/core/lock.js';

const LOCK_MODULE = fileURLToPath(new URL('../../src/core/lock.ts', import.meta.url));
let dir = '';

test.before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sim-lock-'));
});
test.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A process that takes the lock, says so, and holds it for `holdMs` (wrapped: the subprocess is a promise of its end). */
async function holder(lock: string, holdMs: number): Promise<{ child: ReturnType<typeof execa> }> {
  const script = path.join(dir, `hold-${Date.now()}.mts`);
  await writeFile(script, `import { withLock } from ${JSON.stringify(LOCK_MODULE)};\nawait withLock(${JSON.stringify(lock)}, async () => { console.log('locked'); await new Promise((r) => setTimeout(r, ${holdMs})); });\nconsole.log('released');\n`);
  const child = execa(process.execPath, ['--import', 'tsx', script], { reject: false, buffer: false });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && resolve());
    void child.then(() => reject(new Error('the holder ended before it took the lock')));
  });
  return { child };
}

test('the owner stamp: pid, start time and boot, from /proc/PID/stat (a command name may hold spaces and parentheses)', () => {
  const stat = '4242 (a (b) c) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 100';
  assert.is(ownerStamp(4242, stat, 'boot-id\n', 'pid:[4026531836]'), '4242 987654 boot-id pid:[4026531836]');
  assert.is(ownerStamp(1, '1 (x) S', 'b', 'pid:[1]'), undefined);
});

test('an owner file is trusted only for this pid namespace and boot', async () => {
  const file = path.join(dir, 'other.lock.owner');
  const [bootId, namespace] = [(await readFile('/proc/sys/kernel/random/boot_id', 'utf8')).trim(), await readlink('/proc/self/ns/pid')];
  // pid_max is at most 2^22: this pid exists nowhere.
  await writeFile(file, `4194305 1 ${bootId} ${namespace}\n`);
  assert.ok(await ownerGone(file), 'a pid that does not exist here: gone');
  await writeFile(file, `4194305 1 ${bootId} pid:[1]\n`);
  assert.not.ok(await ownerGone(file), 'a holder in another pid namespace (a container sharing the cache) cannot be looked up: not gone');
  await writeFile(file, 'garbage\n');
  assert.not.ok(await ownerGone(file));
});

test('a holder killed with SIGKILL is taken over within seconds, not after the 15 s staleness', async () => {
  const lock = path.join(dir, 'killed.lock');
  const { child } = await holder(lock, 60_000);
  child.kill('SIGKILL');
  await child;
  assert.ok(await ownerGone(`${lock}.owner`), 'the owner file names a process that is gone');
  const started = Date.now();
  await withLock(lock, () => Promise.resolve());
  const waited = Date.now() - started;
  assert.ok(waited < 7_000, `took the lock over after ${waited} ms`);
});

test('a live holder is waited for, and its lock is not taken over', async () => {
  const lock = path.join(dir, 'live.lock');
  const { child } = await holder(lock, 3_000);
  assert.not.ok(await ownerGone(`${lock}.owner`), 'the holder is alive');
  const started = Date.now();
  await withLock(lock, () => Promise.resolve());
  const waited = Date.now() - started;
  // The holder keeps it 3 s after it said so: taken before about that, it was taken from a live holder.
  assert.ok(waited >= 2_000, `took the lock after ${waited} ms, while its holder held it`);
  assert.is((await child).exitCode, 0);
});

test.run();
