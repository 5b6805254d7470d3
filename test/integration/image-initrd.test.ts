/**
 * `--initrd image`: the image's own initrd mounts the root and sim's appended hook layers the
 * overlay before it switches root — under initramfs-tools (an init-bottom script, ORDER kept)
 * and under dracut's systemd initrd (sim-overlay.service). Both fixture images are Debian 12
 * recipes (fixtures/initrd-images/) whose initrd the distribution's own tool made; they are
 * built once into the normal image cache ($SIM_CACHE_DIR, else ~/.cache/sim), so later runs are
 * cache hits. Each boot checks that a program and a data file of the prefix win over the image's
 * own, that the root was mounted by the image's initrd, and that sim's readiness words came.
 * An image without an initrd of its own is refused before QEMU starts.
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SimEvent } from '../../src/core/events.js';
import { missingRequirements } from '../../src/demo/demo.js';
import { buildFixtureImage, fixtureSkipReason } from '../helpers/fixture-image.js';
import { freshEnv, parseEvents, sim } from '../helpers/sim.js';

const RECIPES = fileURLToPath(new URL('../../fixtures/initrd-images/', import.meta.url));
const KINDS = [
  { kind: 'initramfs-tools', image: 'initrd-initramfs-tools', recipe: 'initramfs-tools.json' },
  { kind: 'systemd', image: 'initrd-dracut', recipe: 'dracut.json' },
] as const;

let skip: string | undefined;
let prefix: string;

async function skipReason(): Promise<string | undefined> {
  const missing = (await missingRequirements(['boot', 'image'])).map((r) => r.what);
  const reason = missing.length ? `missing: ${missing.join(', ')}` : await fixtureSkipReason();
  if (reason && process.env.CI === 'true') throw new Error(`the image-initrd tests cannot run in CI: ${reason}`);
  return reason;
}

function it(name: string, fn: () => Promise<void>): void {
  test(name, async () => {
    if (!skip) await fn();
  });
}

function phases(events: SimEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'phase' ? [e.phase] : []));
}

test('setup: the two fixture images (built once, side by side) and a prefix', async () => {
  skip = await skipReason();
  if (skip) {
    console.warn(`skipping the image-initrd tests: ${skip}`);
    return;
  }
  const started = performance.now();
  const builds = await Promise.all(KINDS.map(({ recipe }) => sim(['image', 'build', path.join(RECIPES, recipe)], {})));
  for (const build of builds) assert.is(build.exitCode, 0, String(build.stderr));
  console.log(`  images ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  // The prefix replaces a program and a data file the image has.
  prefix = await mkdtemp(path.join(os.tmpdir(), 'sim-initrd-prefix-'));
  await mkdir(path.join(prefix, 'usr/bin'), { recursive: true });
  await mkdir(path.join(prefix, 'usr/share/sim-fixture'), { recursive: true });
  await writeFile(path.join(prefix, 'usr/bin/hostname'), '#!/bin/sh\necho "hostname from the overlay"\n');
  await chmod(path.join(prefix, 'usr/bin/hostname'), 0o755);
  await writeFile(path.join(prefix, 'usr/share/sim-fixture/which'), 'from the overlay\n');
});

for (const { kind, image } of KINDS) {
  it(`${kind}: the image's own initrd mounts the root, sim's hook layers the prefix, the guest gets ready`, async () => {
    const script = 'hostname; cat /usr/share/sim-fixture/which; grep -c "^sim-usr_share /usr/share overlay" /proc/mounts; stat -f -c %T /usr/bin/hostname; cat /proc/cmdline';
    const started = performance.now();
    const run = await sim(['boot', '--json', '--image', image, '--initrd', 'image', '--overlay', prefix, '--', 'sh', '-c', script], {});
    console.log(`  ${kind} boot: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const events = parseEvents(String(run.stdout));
    const stdout = events.flatMap((e) => (e.type === 'output' && e.stream === 'stdout' ? [e.data] : [])).join('');
    const context = `${String(run.stderr)}\n${stdout}`;
    assert.is(run.exitCode, 0, context);
    const [hostname, which, shareMounts, programFs, cmdline] = stdout.split('\n');
    assert.is(hostname, 'hostname from the overlay', context);
    assert.is(which, 'from the overlay');
    // Merge mode: usr/ settled (the program on the root's own filesystem), usr/share layered.
    assert.is(shareMounts, '1', `the prefix's usr/share is layered over /usr/share\n${context}`);
    assert.is(programFs, 'ext2/ext3', `the prefix's program is settled on the root's ext4\n${context}`);
    // The image's initrd found the root by root=, which sim's initramfs does not take.
    assert.match(cmdline ?? '', /^root=\/dev\/vda\d* rw /);
    const seen = phases(events);
    for (const phase of ['initramfs-ready', 'overlay-mounted', 'guest-ready', 'guest-stopped']) assert.ok(seen.includes(phase), `${phase} in ${seen.join(', ')}`);
    const session = events.find((e): e is Extract<SimEvent, { type: 'phase' }> => e.type === 'phase' && e.phase === 'session-ready');
    const detail = session?.detail?.initrd as { initrd?: string; kind?: string } | undefined;
    assert.is(detail?.initrd, 'image');
    assert.is(detail?.kind, kind);
  });
}

it('an image without an initrd of its own is refused before QEMU starts, naming --initrd sim', async () => {
  const fixture = await buildFixtureImage();
  const env = await freshEnv();
  try {
    assert.is((await sim(['image', 'add', fixture.disk, '--name', 'plain'], env)).exitCode, 0);
    const run = await sim(['boot', '--image', 'plain', '--initrd', 'image', '--', 'true'], env);
    assert.is(run.exitCode, 65, String(run.stderr));
    assert.match(String(run.stderr), /has no initrd of its own stored/);
    assert.match(String(run.stderr), /--initrd sim/);
    assert.not.match(String(run.stderr), /qemu-started/);
  } finally {
    await rm(path.dirname(env.SIM_CACHE_DIR), { recursive: true, force: true });
  }
});

test('cleanup', async () => {
  if (prefix) await rm(prefix, { recursive: true, force: true });
});

test.run();
