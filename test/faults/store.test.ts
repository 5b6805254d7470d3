/**
 * Damage to the store and to images being imported: a truncated and a corrupted stored qcow2
 * (bit rot keeps size and mtime, so only the full check sees it), an image file written to
 * while it is imported, and a kernel without the optional (display) modules.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmod, open, stat, truncate } from 'node:fs/promises';
import { execa } from 'execa';
import path from 'node:path';
import { imageWithoutDisplayModules } from '../helpers/fault-images.js';
import { assertClearError, bootWorks, demoEnv, survive, waitForEvent, type FaultEnv } from '../helpers/faults.js';
import { buildFixtureImage, type FixtureImage } from '../helpers/fixture-image.js';
import { sim } from '../helpers/sim.js';
import { listImages } from '../../src/index.js';

let fixture: FixtureImage;
let env: FaultEnv;

test.before(async () => {
  env = await demoEnv();
  fixture = await buildFixtureImage();
});

async function storedDisk(name: string): Promise<string> {
  const meta = (await listImages(env)).find((m) => m.names.includes(name));
  assert.ok(meta, `image ${name} is stored`);
  return path.join(env.SIM_CACHE_DIR, 'images', meta.id, meta.disk.file);
}

/**
 * Overwrite bytes of the stored disk as bit rot would: size and mtime stay as they were, so the
 * cheap check before a boot cannot see it (touch -r copies the exact timestamps).
 */
async function rot(disk: string, at: number, bytes: string): Promise<void> {
  const reference = `${env.root}/mtime-reference`;
  await execa('touch', ['-r', disk, reference]);
  await chmod(disk, 0o644);
  const handle = await open(disk, 'r+');
  await handle.write(Buffer.from(bytes), 0, bytes.length, at);
  await handle.close();
  await chmod(disk, 0o444);
  await execa('touch', ['-r', reference, disk]);
  const [after, before] = await Promise.all([stat(disk), stat(reference)]);
  assert.is(after.mtimeMs, before.mtimeMs, 'the mtime is unchanged');
}

/** Damage reported, not booted; once removed and added again the image works. */
async function reportedThenRepaired(name: string, source: string): Promise<void> {
  const boot = await sim(['boot', '--image', name, '--no-init', '--', 'true'], env);
  assertClearError(boot, 65, /cached base disk of image 'victim'/);
  assert.match(String(boot.stderr), /sim image rm victim/);
  assertClearError(await sim(['image', 'verify', name], env), 65, /does not match its recorded sha256|is missing/);
  assert.is((await sim(['image', 'rm', name], env)).exitCode, 0);
  assert.is((await sim(['image', 'add', source, '--name', name], env)).exitCode, 0);
  await bootWorks(env, name);
}

// The bare ext4 fixture: stored apart from the shared 'demo' (the GPT disk), which must not be hit.
test('a truncated qcow2 in the store', async () => {
  await survive('truncated stored disk', env, async () => {
    assert.is((await sim(['image', 'add', fixture.ext4, '--name', 'victim'], env)).exitCode, 0);
    const disk = await storedDisk('victim');
    await chmod(disk, 0o644);
    await truncate(disk, Math.floor((await stat(disk)).size / 2));
    await reportedThenRepaired('victim', fixture.ext4);
  });
});

test('a corrupted qcow2 in the store (size and mtime unchanged)', async () => {
  await survive('corrupted stored disk header', env, async () => {
    await rot(await storedDisk('victim'), 0, 'garbage!'); // the qcow2 header
    await reportedThenRepaired('victim', fixture.ext4);
  });
  await survive('corrupted stored disk data', env, async () => {
    const disk = await storedDisk('victim');
    await rot(disk, Math.floor((await stat(disk)).size / 2), 'bit rot');
    // Boots check size and mtime only; the full check finds it.
    assertClearError(await sim(['image', 'verify', 'victim'], env), 65, /does not match its recorded sha256/);
    assert.is((await sim(['image', 'rm', 'victim'], env)).exitCode, 0);
    assert.is((await sim(['image', 'add', fixture.ext4, '--name', 'victim'], env)).exitCode, 0);
  });
});

test('an image file that changes while it is imported', async () => {
  const file = path.join(env.root, 'changing.ext4');
  await execa('cp', ['--sparse=always', fixture.ext4, file]);
  await survive('image changed during import', env, async () => {
    const child = sim(['image', 'add', '--json', file, '--name', 'changing'], env);
    await waitForEvent(child, (e) => e.type === 'progress' && /hashing/.test(e.message));
    // Another program appends to the file while sim reads it.
    const handle = await open(file, 'a');
    await handle.write(Buffer.alloc(4096, 1));
    await handle.close();
    const result = await child;
    const error = String(result.stdout).split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((e) => e.type === 'error');
    assert.is(result.exitCode, 65, String(result.stdout));
    assert.match(error?.message ?? '', /changed while it was being imported/);
    assert.ok(error?.hint);
    assert.is((await listImages(env)).find((m) => m.names.includes('changing')), undefined, 'nothing stored');
  });
});

test('a kernel missing the files of its optional display modules imports with a warning', async () => {
  const image = await imageWithoutDisplayModules(fixture);
  await survive('optional modules missing', env, async () => {
    const add = await sim(['image', 'add', image, '--name', 'nodisplay'], env);
    assert.is(add.exitCode, 0, String(add.stderr));
    assert.match(String(add.stderr), /^warning: .*virtio_gpu/m, 'a warning names what is missing');
    await bootWorks(env, 'nodisplay');
  });
});

test.run();
