// Builds the default recipe for real (mmdebstrap from the Debian archive, ~30 s here) into the
// cache ($SIM_CACHE_DIR or ~/.cache/sim), so later runs on the same machine are cache hits.
// As root and as a normal user alike (then in a user namespace over the subordinate ids).
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ImageMeta } from '../../src/images/meta.js';
import { SimError } from '../../src/core/errors.js';
import type { SimEvent } from '../../src/core/events.js';
import { buildImage, findImage } from '../../src/index.js';
import { resolveContext } from '../../src/core/context.js';
import { mmdebstrapArgs, mmdebstrapStep, stagedFiles, summarizeFailure } from '../../src/images/build-debootstrap.js';
import { diskBytes, mke2fsArgs, sfdiskScript } from '../../src/images/build-disk.js';
import { loadRecipe, parseRecipe } from '../../src/images/recipe.js';
import { imageFile } from '../../src/images/store.js';
import { run, which } from '../../src/core/process.js';

const TOOLS = ['mmdebstrap', 'mke2fs', 'sfdisk', 'debugfs', 'qemu-img', 'tar'];
if (process.getuid?.() !== 0) TOOLS.push('unshare', 'newuidmap', 'newgidmap');

/** Why the real builds cannot run here; in CI that is a failure, never a skip. */
async function skipReason(): Promise<string | undefined> {
  const missing = [];
  for (const tool of TOOLS) if (!(await which(tool))) missing.push(tool);
  const reason = missing.length ? `missing tools: ${missing.join(', ')}` : undefined;
  if (reason && process.env.CI === 'true') throw new Error(`image-build tests cannot run in CI: ${reason}`);
  return reason;
}

let skip: string | undefined;
let dir: string;
test.before(async () => {
  skip = await skipReason();
  if (skip) console.warn(`skipping image builds: ${skip}`);
  dir = await mkdtemp(path.join(os.tmpdir(), 'sim-image-build-test-'));
});
test.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A test that needs the real tools (passes vacuously when they are missing, outside CI). */
function it(name: string, fn: () => Promise<void>): void {
  test(name, async () => {
    if (!skip) await fn();
  });
}

// --- pure parts ------------------------------------------------------------------------------

const recipe = parseRecipe({ name: 't', suite: 'bookworm', packages: ['udev'], hostname: 'box', files: { '/etc/motd': '$(reboot)\n' }, rootPassword: 'pw' }, 't.json');

test('mmdebstrap arguments: unshare mode, includes, fixed hooks; recipe data stays out of them', () => {
  const args = mmdebstrapArgs(recipe);
  assert.ok(args.includes('--mode=unshare'));
  assert.ok(args.includes('--variant=minbase'));
  assert.ok(args.includes('--include=udev'));
  assert.ok(args.includes('--customize-hook=tar-in files.tar /'));
  assert.equal(args.slice(-2), ['bookworm', 'tree']);
  assert.not.ok(args.some((a) => a.includes('reboot') || a.includes('box') || a.includes('pw\n')));
  assert.equal(mmdebstrapArgs({ ...recipe, mirror: 'http://mirror.example/debian' }).slice(-1), ['http://mirror.example/debian']);
});

test('staged files: hostname, hosts, recipe files and the password file', () => {
  const files = stagedFiles(recipe);
  assert.is(files.get('/etc/hostname')?.content, 'box\n');
  assert.match(files.get('/etc/hosts')!.content, /127\.0\.1\.1\tbox/);
  assert.is(files.get('/etc/motd')?.content, '$(reboot)\n');
  assert.equal(files.get('/root/.sim-root-password'), { content: 'root:pw\n', mode: 0o600 });
  assert.not.ok(stagedFiles({ ...recipe, rootPassword: '' }).has('/root/.sim-root-password'));
});

test('mmdebstrap progress lines map to phases; failures to their first E: line', () => {
  assert.equal(mmdebstrapStep('I: downloading packages with apt...'), { phase: 'debootstrap', message: 'downloading packages' });
  assert.is(mmdebstrapStep('I: running --customize-hook in shell: sh -c ...')?.phase, 'customize');
  assert.is(mmdebstrapStep('Setting up udev ...'), undefined);
  const summary = summarizeFailure(['Reading package lists...', 'E: Unable to locate package nope', 'E: mmdebstrap failed to run']);
  assert.equal(summary, { reason: 'Unable to locate package nope', details: ['E: mmdebstrap failed to run'] });
});

test('disk layout: root partition at 1 MiB with the x86-64 root type, ext4 at that offset', () => {
  const fs = 2 * 1024 ** 3;
  assert.is(diskBytes(fs), fs + 2 * 1024 * 1024);
  assert.is(sfdiskScript(fs), 'label: gpt\nstart=2048, size=4194304, type=4f68bce3-e8cd-4db1-96e7-fbcaf984b709, name="root"\n');
  assert.equal(mke2fsArgs('/t', '/d', fs).slice(-5), ['/t', '-E', 'offset=1048576', '/d', '524288']);
});

// --- real builds -----------------------------------------------------------------------------

let first: ImageMeta;

it('builds the default recipe into the store (or finds it there)', async () => {
  const events: SimEvent[] = [];
  first = await buildImage({ recipe: 'debian', events: (e) => events.push(e) });
  const { key } = await loadRecipe('debian');
  assert.is(first.id, key);
  assert.ok(first.names.includes('debian'));
  assert.is(first.source.kind, 'recipe');
  assert.match(first.kernel.version, /^\d+\.\d+\.\d+-\d+-amd64$/);
  assert.is(first.libdir, 'usr/lib/x86_64-linux-gnu');
  assert.equal(first.root, { partition: 1, offset: 1024 * 1024, fstype: 'ext4' });
  assert.is((await findImage('debian'))?.id, first.id);
  const progress = events.filter((e) => e.type === 'progress' && e.task === 'image-build');
  assert.ok(progress.length > 0);
  const last = progress.at(-1);
  assert.ok(last?.type === 'progress' && last.done);
});

it('files in the image belong to root (and their groups), not to the builder, with setuid bits kept', async () => {
  const raw = path.join(dir, 'debian.raw');
  await run('qemu-img', ['convert', '-f', 'qcow2', '-O', 'raw', imageFile(resolveContext(), first, first.disk.file), raw]);
  const stat = async (file: string) => (await run('debugfs', ['-R', `stat ${file}`, `${raw}?offset=${first.root.offset}`])).stdout;
  try {
    const su = await stat('/usr/bin/su');
    assert.match(su, /User:\s+0\s+Group:\s+0\b/, su);
    assert.match(su, /Mode:\s+04755/, su);
    const shadow = await stat('/etc/shadow');
    assert.match(shadow, /User:\s+0\s+Group:\s+42\b/, shadow); // group shadow
    assert.match(await stat('/'), /User:\s+0\s+Group:\s+0\b/);
  } finally {
    await rm(raw, { force: true });
  }
});

it('a second build is a cache hit: fast, same id', async () => {
  const events: SimEvent[] = [];
  const started = Date.now();
  const again = await buildImage({ recipe: 'debian', events: (e) => events.push(e) });
  const ms = Date.now() - started;
  assert.is(again.id, first.id);
  assert.ok(ms < 2000, `cache hit took ${ms} ms`);
  assert.ok(events.some((e) => e.type === 'progress' && /up to date/.test(e.message)));
  assert.not.ok(events.some((e) => e.type === 'log' && e.level === 'debug'), 'mmdebstrap did not run');
});

it('a package that does not exist fails during debootstrap, naming it, and leaves nothing behind', async () => {
  const file = path.join(dir, 'broken.json');
  await writeFile(file, JSON.stringify({ name: 'broken', suite: 'bookworm', packages: ['sim-no-such-package'] }));
  const before = await readdir(resolveContext().dirs.builds).catch(() => [] as string[]);
  try {
    await buildImage({ recipe: file });
    assert.unreachable('the build should fail');
  } catch (error) {
    assert.instance(error, SimError);
    const e = error as SimError;
    assert.is(e.code, 'IMAGE_BUILD_FAILED');
    assert.match(e.message, /during debootstrap/);
    assert.match(e.message, /sim-no-such-package/);
    assert.ok(e.hint);
  }
  const leftovers = (await readdir(resolveContext().dirs.builds)).filter((n) => n.startsWith('work-') && !before.includes(n));
  assert.equal(leftovers, []);
  assert.is(await findImage('broken'), undefined);
});

test.run();
