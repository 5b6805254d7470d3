/**
 * The cache's filesystem full during `image add`, `image build` and a boot.
 *
 * Without root: each cache is a small tmpfs mounted inside an unprivileged user + mount
 * namespace (`unshare --user --map-root-user --mount`) by a holder process that then sleeps.
 * sim itself runs outside the namespace, as the same user, and reaches the tmpfs through the
 * holder's root directory, /proc/PID/root/DIR (the namespace's owner may enter it).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, rm, statfs, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { assertClearError, bootWorks, faultEnv, survive, type FaultEnv } from '../helpers/faults.js';
import { buildFixtureImage, fixtureSkipReason, type FixtureImage } from '../helpers/fixture-image.js';
import { sim } from '../helpers/sim.js';
import { listImages } from '../../src/index.js';

let fixture: FixtureImage;
const holders: ResultPromise[] = [];

/** A fault env whose cache is a tmpfs of `size` (e.g. "24m"); the runtime dir stays on disk. */
async function fullEnv(size: string): Promise<FaultEnv> {
  const env = await faultEnv();
  const mountPoint = path.join(env.root, 'tmpfs');
  await mkdir(mountPoint);
  const holder = execa('unshare', ['--user', '--map-root-user', '--mount', 'sh', '-c',
    'mount -t tmpfs -o "size=$1,mode=0700" tmpfs "$2" && echo mounted && exec sleep 100000', 'sh', size, mountPoint], { reject: false });
  holders.push(holder);
  let stderr = '';
  holder.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    holder.stdout.once('data', () => resolve());
    holder.once('exit', () => reject(new Error(`could not mount a tmpfs in a user namespace: ${stderr}`)));
  });
  return { ...env, SIM_CACHE_DIR: path.join(`/proc/${holder.pid}/root`, mountPoint, 'cache') };
}

/** Fill the filesystem of `dir` up to `leave` bytes. */
async function fill(dir: string, leave: number): Promise<string> {
  const info = await statfs(dir);
  const filler = path.join(dir, 'filler');
  await writeFile(filler, Buffer.alloc(Math.max(0, info.bavail * info.bsize - leave)));
  return filler;
}

test.before(async () => {
  const skip = await fixtureSkipReason();
  if (skip) throw new Error(skip);
  fixture = await buildFixtureImage();
});

test.after(() => {
  for (const holder of holders) holder.kill('SIGKILL');
});

test('the cache fills up during image add', async () => {
  const env = await fullEnv('24m');
  await survive('disk full during add', env, async () => {
    const add = await sim(['image', 'add', fixture.disk, '--name', 'demo'], env);
    assertClearError(add, 73, /no space left/i);
    assert.equal(await listImages(env), [], 'nothing half-stored');
  });
});

test('the cache fills up before a boot can write its initramfs', async () => {
  const env = await fullEnv('200m');
  assert.is((await sim(['image', 'add', fixture.disk, '--name', 'demo'], env)).exitCode, 0);
  const filler = await fill(env.SIM_CACHE_DIR, 256 * 1024);
  await survive('disk full during boot', env, async () => {
    const boot = await sim(['boot', '--image', 'demo', '--no-init', '--', 'true'], env);
    assertClearError(boot, 73, /no space left/i);
    await rm(filler);
    await bootWorks(env, 'demo');
  });
});

test('the cache is too full for an image build', async () => {
  const env = await fullEnv('64m');
  const recipe = path.join(env.root, 'tiny.json');
  await writeFile(recipe, JSON.stringify({ name: 'tiny', suite: 'bookworm', packages: ['linux-image-amd64'], size: '1G' }));
  await survive('disk full during build', env, async () => {
    const build = await sim(['image', 'build', recipe], env);
    assertClearError(build, 65, /needs about .* free/);
    assert.equal(await listImages(env), []);
  });
});

test.run();
