/**
 * SIGKILL of sim while `sim image build` runs mmdebstrap (a tiny recipe: minbase and a kernel).
 * Nothing of the build may run on, the store stays intact, and building the recipe again
 * works (the image boots) and leaves no work directory behind, nor anything in the temp dir
 * (mmdebstrap's keyring home there belonged to the namespace's root: the user could not delete it).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { bootWorks, faultEnv, processesUsing, survive, waitForEvent, waitUntil, type FaultEnv } from '../helpers/faults.js';
import { sim } from '../helpers/sim.js';
import { listImages } from '../../src/index.js';

let env: FaultEnv;
let recipe: string;

test.before(async () => {
  env = await faultEnv();
  recipe = path.join(env.root, 'tiny.json');
  await writeFile(recipe, JSON.stringify({ name: 'tiny', suite: 'bookworm', packages: ['linux-image-amd64'], size: '1G' }));
});

/** What mmdebstrap made in the temp dir sim's processes get (the tests' own). */
const mmdebstrapTemp = async () => (await readdir(os.tmpdir())).filter((e) => e.startsWith('mmdebstrap.'));

test('SIGKILL of sim while mmdebstrap runs; then the build again', async () => {
  await survive('kill during image build', env, async () => {
    const before = await mmdebstrapTemp();
    const child = sim(['image', 'build', '--json', recipe], env);
    await waitForEvent(child, (e) => e.type === 'progress' && /downloading packages|installing/.test(e.message));
    const workDirs = (await readdir(path.join(env.SIM_CACHE_DIR, 'build'))).filter((e) => e.startsWith('work-'));
    assert.is(workDirs.length, 1, 'mmdebstrap is working in the cache');
    child.kill('SIGKILL');
    await child;
    // mmdebstrap, apt and dpkg die with sim instead of building on into the cache.
    await waitUntil('the build tools to die', async () => (await processesUsing(env.root)).length === 0, 15_000, 100);
    const again = await sim(['image', 'build', recipe], env);
    assert.is(again.exitCode, 0, String(again.stderr));
    assert.ok((await listImages(env)).some((m) => m.names.includes('tiny')));
    await bootWorks(env, 'tiny');
    assert.equal((await mmdebstrapTemp()).filter((e) => !before.includes(e)), [], 'nothing of mmdebstrap left in the temp dir');
    const left = (await readdir(path.join(env.SIM_CACHE_DIR, 'build'))).filter((e) => e.startsWith('work-'));
    assert.equal(left, [], 'no work directory left');
  });
});

test.run();
