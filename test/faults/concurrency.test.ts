/**
 * Races: four `image add` of the same file and of four different files at once, four boots of
 * one image at once (its initramfs not yet cached), and `sim stop` racing `sim exec`.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { faultEnv, survive, type FaultEnv } from '../helpers/faults.js';
import { buildFixtureImage, fixtureSkipReason, type FixtureImage } from '../helpers/fixture-image.js';
import { sim } from '../helpers/sim.js';
import { listImages } from '../../src/index.js';

let fixture: FixtureImage;
let env: FaultEnv;

test.before(async () => {
  const skip = await fixtureSkipReason();
  if (skip) throw new Error(skip);
  fixture = await buildFixtureImage();
  env = await faultEnv();
});

test('four concurrent image add of the same file', async () => {
  await survive('4 x add, same file', env, async () => {
    const runs = await Promise.all([0, 1, 2, 3].map(() => sim(['image', 'add', fixture.disk, '--name', 'demo'], env)));
    for (const run of runs) assert.is(run.exitCode, 0, String(run.stderr));
    const images = await listImages(env);
    assert.is(images.length, 1, 'one entry');
    assert.equal(images[0]!.names, ['demo']);
  });
});

test('four concurrent image add of different files', async () => {
  // Copies of the bare ext4 fixture that differ in one unused block at the end of the filesystem.
  const files = await Promise.all([0, 1, 2, 3].map(async (i) => {
    const file = path.join(env.root, `variant-${i}.ext4`);
    await execa('cp', ['--sparse=always', fixture.ext4, file]);
    const handle = await open(file, 'r+');
    await handle.write(Buffer.from(`variant ${i}`), 0, 9, (await stat(file)).size - 4096);
    await handle.close();
    return file;
  }));
  await survive('4 x add, different files', env, async () => {
    const runs = await Promise.all(files.map((file, i) => sim(['image', 'add', file, '--name', `v${i}`], env)));
    for (const run of runs) assert.is(run.exitCode, 0, String(run.stderr));
    const names = (await listImages(env)).flatMap((m) => m.names).sort();
    assert.equal(names, ['demo', 'v0', 'v1', 'v2', 'v3']);
  });
});

test('four concurrent boots of one image', async () => {
  await survive('4 x boot, one image', env, async () => {
    // v0 has never been booted: all four race to build its initramfs too.
    const runs = await Promise.all([0, 1, 2, 3].map((i) => sim(['boot', '--image', 'v0', '--no-init', '--', 'sh', '-c', `echo boot ${i}; demo-app`], env)));
    runs.forEach((run, i) => {
      assert.is(run.exitCode, 0, String(run.stderr));
      assert.is(String(run.stdout), `boot ${i}\nlibdemo version 1`);
    });
  });
});

test('sim stop racing sim exec', async () => {
  await survive('stop racing exec', env, async () => {
    const start = await sim(['boot', '--detach', '--image', 'demo', '--name', 'race'], env);
    assert.is(start.exitCode, 0, String(start.stderr));
    // exec first by a hair, stop first by a hair, and both at once.
    const execs = [sim(['exec', 'race', '--', 'sh', '-c', 'echo ran; sleep 1'], env)];
    await new Promise((r) => setTimeout(r, 200));
    const stop = sim(['stop', 'race', '--timeout', '5'], env);
    execs.push(sim(['exec', 'race', '--', 'echo', 'ran'], env));
    await new Promise((r) => setTimeout(r, 300));
    execs.push(sim(['exec', 'race', '--', 'echo', 'ran'], env));
    const stopped = await stop;
    assert.is(stopped.exitCode, 0, String(stopped.stderr));
    for (const run of await Promise.all(execs)) {
      // Either the command ran to the end, or a clear error says the simulator went away.
      if (run.exitCode === 0) assert.is(String(run.stdout), 'ran');
      else {
        assert.ok([64, 71].includes(run.exitCode!), `exit ${run.exitCode}: ${String(run.stderr)}`);
        assert.match(String(run.stderr), /^error: [^\n]+\.\n {2}\S/m);
      }
    }
  });
});

test.run();
