/** The cache's filesystem full during `image add`, `image build`, a boot and the parser's code cache (test/helpers/full-cache.ts). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { assertClearError, bootWorks, survive } from '../helpers/faults.js';
import { fill, fullEnv, releaseFullEnvs } from '../helpers/full-cache.js';
import { buildFixtureImage, fixtureSkipReason, type FixtureImage } from '../helpers/fixture-image.js';
import { sim } from '../helpers/sim.js';
import { listImages } from '../../src/index.js';

let fixture: FixtureImage;

test.before(async () => {
  const skip = await fixtureSkipReason();
  if (skip) throw new Error(skip);
  fixture = await buildFixtureImage();
});

test.after(() => releaseFullEnvs());

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

test("the cache is full as the parser's code cache is written: the command works and leaves no part of it", async () => {
  const env = await fullEnv('8m');
  await mkdir(env.SIM_CACHE_DIR, { recursive: true });
  // Room for the code cache's directory, not for its ~1 MB.
  const filler = await fill(env.SIM_CACHE_DIR, 256 * 1024);
  await survive('disk full at the code cache', env, async () => {
    const ls = await sim(['snapshot', 'ls', '--json'], env);
    assert.is(ls.exitCode, 0, ls.stderr);
    assert.match(ls.stdout, /"type":"result","exitCode":0/);
    assert.is(ls.stderr, '');
    assert.equal(await readdir(path.join(env.SIM_CACHE_DIR, 'code-cache')).catch(() => []), [], 'a part of the code cache is left');
    // With room again, the next command writes it.
    await rm(filler);
    assert.is((await sim(['snapshot', 'ls', '--json'], env)).exitCode, 0);
    assert.is((await readdir(path.join(env.SIM_CACHE_DIR, 'code-cache'))).filter((name) => name.endsWith('.v8')).length, 1);
  });
});

test.run();
