/**
 * The foundation, proven by real QEMU boots (TCG) of a tiny image built from fixtures/: the
 * overlay's library and programs win, the exit status comes back, the base is never written,
 * the cache is reused, live prefix changes are seen, and bad input gets clear errors.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, mkdtemp, readFile, rm, writeFile, chmod, open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildFixtureImage, buildFixturePrefix, HWCAPS_DIR, type FixtureImage } from '../helpers/fixture-image.js';
import { isAlive } from '../../src/core/pids.js';
import { freshEnv, parseEvents, sessionsLeft, sim, type SimEnv } from '../helpers/sim.js';
import { boot, listImages } from '../../src/index.js';
import { sha256File } from '../../src/images/hash.js';

let fixture: FixtureImage;
let env: SimEnv;
let prefix: string;

test.before(async () => {
  fixture = await buildFixtureImage();
  env = await freshEnv();
  prefix = await mkdtemp(path.join(os.tmpdir(), 'sim-prefix-'));
  await buildFixturePrefix(prefix);
});

test('sim image add imports the GPT qcow2 image once', async () => {
  const first = await sim(['image', 'add', fixture.disk, '--name', 'demo'], env);
  assert.is(first.exitCode, 0, String(first.stderr));
  const [meta] = await listImages(env);
  assert.ok(meta);
  assert.equal(meta.names, ['demo']);
  assert.is(meta.root.partition, 2);
  assert.is(meta.kernel.version, fixture.kernelVersion);
  assert.is(meta.libdir, 'usr/lib/x86_64-linux-gnu');
  const again = await sim(['image', 'add', fixture.disk, '--name', 'demo'], env);
  assert.is(again.exitCode, 0);
  assert.match(String(again.stderr), /already in the store/);
  const ls = await sim(['image', 'ls'], env);
  assert.match(String(ls.stdout), /^demo\s+[0-9a-f]{12}\s+6\./m);
});

test('with the overlay: the library and the program of the prefix win', async () => {
  const run = await sim(['boot', '--image', 'demo', '--overlay', prefix, '--', 'sh', '-c', 'demo-app; sim-hello'], env);
  assert.is(run.exitCode, 0, String(run.stderr));
  assert.is(run.stdout, 'libdemo version 2\nhello from the overlay');
});

test('without the overlay the image is unchanged', async () => {
  const run = await sim(['boot', '--image', 'demo', '--', 'sh', '-c', 'demo-app; sim-hello; ls /etc/ld.so.conf.d'], env);
  assert.is(run.exitCode, 0, String(run.stderr));
  assert.is(run.stdout, 'libdemo version 1\nhello from the image\nx86_64-linux-gnu.conf');
});

test('a library the image keeps in glibc-hwcaps/ loses to the prefix too (merge mode hides it)', async () => {
  // The dynamic linker says which file it initialised: the image's hwcaps copy without the
  // prefix (so the fixture's hwcaps directory is really used), the prefix's plain copy with it.
  const loaded = async (args: string[]) => {
    const run = await sim(['boot', '--image', 'demo', '--no-init', ...args, '--', 'sh', '-c', 'LD_DEBUG=libs demo-app 2>&1 | grep -E "calling init: .*libdemo|^libdemo version"'], env);
    assert.is(run.exitCode, 0, String(run.stderr));
    // Without the linker cache's help the path is spelled /lib/... (merged /usr: the same file).
    return String(run.stdout).replace(/^\s*\d+:\s*/gm, '').replace(/^calling init: \/usr\/lib\//m, 'calling init: /lib/');
  };
  assert.is(await loaded([]), `calling init: /lib/x86_64-linux-gnu/${HWCAPS_DIR}/libdemo.so.1\nlibdemo version 1`);
  assert.is(await loaded(['--overlay', prefix]), 'calling init: /lib/x86_64-linux-gnu/libdemo.so.1\nlibdemo version 2');
});

test("the guest command's exit status is sim's", async () => {
  const run = await sim(['boot', '--image', 'demo', '--overlay', prefix, '--', 'demo-app', 'exit', '3'], env);
  assert.is(run.exitCode, 3, String(run.stderr));
  const missing = await sim(['boot', '--image', 'demo', '--no-init', '--', 'no-such-program'], env);
  assert.is(missing.exitCode, 127);
  assert.match(String(missing.stderr), /no-such-program/);
});

test('the second boot reuses the image and the cached initramfs; events parse against the schema', async () => {
  const run = await sim(['boot', '--json', '--image', 'demo', '--no-init', '--overlay', prefix, '--', 'demo-app'], env);
  assert.is(run.exitCode, 0, String(run.stderr));
  const events = parseEvents(String(run.stdout));
  const phases = events.filter((e) => e.type === 'phase').map((e) => (e as { phase: string }).phase);
  assert.equal(phases, ['image-ready', 'initramfs-ready', 'session-ready', 'qemu-started', 'overlay-mounted', 'guest-ready', 'command-started', 'guest-stopped']);
  const initramfs = events.find((e) => e.type === 'phase' && e.phase === 'initramfs-ready') as unknown as { detail: { cached: boolean } };
  assert.is(initramfs.detail.cached, true);
  assert.ok(!events.some((e) => e.type === 'progress' && e.task === 'image-import'), 'no re-extraction');
  const output = events.filter((e) => e.type === 'output').map((e) => (e as { data: string }).data).join('');
  assert.is(output, 'libdemo version 2\n');
  assert.equal(events.at(-1), { ...events.at(-1)!, type: 'result', exitCode: 0 });
});

test('a prefix file written on the host while the guest runs is visible at once', async () => {
  const late = path.join(prefix, 'usr/share/late.txt');
  await rm(late, { force: true });
  let wrote = false;
  const output: string[] = [];
  const result = await boot({
    image: 'demo',
    overlay: prefix,
    noInit: true,
    command: ['sh', '-c', 'while [ ! -e /run/sim/overlay/usr/share/late.txt ]; do sleep 0.1; done; cat /run/sim/overlay/usr/share/late.txt'],
    env: { ...process.env, ...env },
    events: (event) => {
      if (event.type === 'phase' && event.phase === 'command-started' && !wrote) {
        wrote = true;
        void mkdir(path.dirname(late), { recursive: true }).then(() => writeFile(late, 'written while running\n'));
      }
      if (event.type === 'output') output.push(event.data);
    },
  });
  assert.is(result.exitCode, 0);
  assert.is(output.join(''), 'written while running\n');
});

test('two boots of the same image at once both work', async () => {
  const [a, b] = await Promise.all([
    sim(['boot', '--image', 'demo', '--overlay', prefix, '--no-init', '--', 'demo-app'], env),
    sim(['boot', '--image', 'demo', '--no-init', '--', 'demo-app'], env),
  ]);
  assert.is(a.stdout, 'libdemo version 2');
  assert.is(b.stdout, 'libdemo version 1');
});

test('the base disk is unchanged after the boots and no session files are left', async () => {
  const [meta] = await listImages(env);
  const disk = path.join(env.SIM_CACHE_DIR, 'images', meta!.id, meta!.disk.file);
  assert.is(await sha256File(disk), meta!.disk.sha256);
  assert.equal(await sessionsLeft(env), []);
});

test('a bare ext4 image imports and boots', async () => {
  const add = await sim(['image', 'add', fixture.ext4, '--name', 'bare'], env);
  assert.is(add.exitCode, 0, String(add.stderr));
  const run = await sim(['boot', '--image', 'bare', '--no-init', '--', 'cat', '/proc/cmdline'], env);
  assert.is(run.exitCode, 0, String(run.stderr));
  assert.match(String(run.stdout), /console=ttyS0/);
});

test('SIGTERM stops the boot, kills QEMU and removes the session', async () => {
  const child = sim(['boot', '--json', '--image', 'demo', '--no-init', '--', 'sleep', '600'], env);
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('"command-started"')) resolve();
    });
  });
  child.kill('SIGTERM');
  const result = await child;
  assert.is(result.exitCode, 130);
  assert.equal(await sessionsLeft(env), []);
});

test('a killed launcher takes QEMU with it and the next run sweeps its session', async () => {
  const child = sim(['boot', '--json', '--image', 'demo', '--no-init', '--', 'sleep', '600'], env);
  let qemuPid = 0;
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        const event = JSON.parse(line);
        if (event.phase === 'qemu-started') qemuPid = event.detail.pid;
        if (event.phase === 'command-started') resolve();
      }
    });
  });
  child.kill('SIGKILL');
  await child;
  assert.ok(qemuPid > 0);
  for (let i = 0; i < 50 && isAlive(qemuPid); i++) await new Promise((r) => setTimeout(r, 100));
  assert.not.ok(isAlive(qemuPid), 'QEMU died with its launcher');
  assert.is((await sessionsLeft(env)).length, 1, 'the killed launcher could not clean up');
  const next = await sim(['boot', '--image', 'demo', '--no-init', '--', 'true'], env);
  assert.is(next.exitCode, 0);
  assert.equal(await sessionsLeft(env), []);
});


test('a guest that never gets ready fails after --timeout with the console lines', async () => {
  // A cold boot: a quick one is ready within the second.
  const run = await sim(['boot', '--image', 'demo', '--cold', '--timeout', '1', '--', 'true'], env);
  assert.is(run.exitCode, 72);
  assert.match(String(run.stderr), /did not become ready within 1 s/);
});

test("SIM_ICOUNT: the guest's time counts instructions, its idle time skipped, with one CPU", async () => {
  // A 30 s sleep in the guest: skipped when idle time is, 30 s of the host's otherwise.
  const script = 'grep -c ^processor /proc/cpuinfo; t0=$(date +%s); sleep 30; t1=$(date +%s); echo slept $((t1 - t0))';
  const started = Date.now();
  const run = await sim(['boot', '--image', 'demo', '--no-init', '--', 'sh', '-c', script], { ...env, SIM_ICOUNT: '3' });
  const hostS = (Date.now() - started) / 1000;
  assert.is(run.exitCode, 0, String(run.stderr));
  assert.match(String(run.stdout), /^1\nslept (3\d)$/);
  assert.ok(hostS < 25, `the host waited ${hostS} s for the guest's sleep`);
  assert.match(String(run.stderr), "accelerator: tcg, the guest's time counted in instructions (SIM_ICOUNT)");

  const twoCpus = await sim(['boot', '--image', 'demo', '--no-init', '--cpus', '2', '--', 'true'], { ...env, SIM_ICOUNT: '3' });
  assert.is(twoCpus.exitCode, 64);
  assert.match(String(twoCpus.stderr), /SIM_ICOUNT needs a guest with one CPU[\s\S]*--cpus 1/);
  const badShift = await sim(['boot', '--image', 'demo', '--no-init', '--', 'true'], { ...env, SIM_ICOUNT: 'fast' });
  assert.is(badShift.exitCode, 64);
  assert.match(String(badShift.stderr), /SIM_ICOUNT takes a shift from 0 to 10/);
  assert.equal(await sessionsLeft(env), []);
});

test('bad input: each error says what is wrong, with a stable exit code', async () => {
  const missingImage = await sim(['image', 'add', '/nonexistent.qcow2'], env);
  assert.is(missingImage.exitCode, 65);
  assert.match(String(missingImage.stderr), /does not exist/);

  const zeros = path.join(await mkdtemp(path.join(os.tmpdir(), 'sim-zeros-')), 'zeros.raw');
  await writeFile(zeros, Buffer.alloc(4 * 1024 * 1024));
  const noRoot = await sim(['image', 'add', zeros], env);
  assert.is(noRoot.exitCode, 65);
  assert.match(String(noRoot.stderr), /No root filesystem/);

  const unknown = await sim(['boot', '--image', 'nope', '--', 'true'], env);
  assert.is(unknown.exitCode, 65);
  assert.match(String(unknown.stderr), /no image named 'nope'.*\n.*demo/);

  const noOverlay = await sim(['boot', '--image', 'demo', '--overlay', '/nonexistent-prefix', '--', 'true'], env);
  assert.is(noOverlay.exitCode, 64);
  assert.match(String(noOverlay.stderr), /does not exist/);

  const fileOverlay = await sim(['boot', '--image', 'demo', '--overlay', zeros, '--', 'true'], env);
  assert.is(fileOverlay.exitCode, 64);
  assert.match(String(fileOverlay.stderr), /not a directory/);

  const noQemu = await sim(['boot', '--image', 'demo', '--', 'true'], { ...env, PATH: await pathWithout('qemu-system-x86_64') });
  assert.is(noQemu.exitCode, 69);
  assert.match(String(noQemu.stderr), /qemu-system-x86_64.*not installed[\s\S]*apt-get install qemu-system-x86/);
  assert.equal(await sessionsLeft(env), []);
});

test('a kernel without modules is refused at import', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sim-nomod-'));
  await mkdir(path.join(dir, 'tree/boot'), { recursive: true });
  await mkdir(path.join(dir, 'tree/usr/lib/modules/6.1.0-1-amd64'), { recursive: true });
  await writeFile(path.join(dir, 'tree/boot/vmlinuz-6.1.0-1-amd64'), 'not really a kernel');
  // sim's process wrapper: it finds mke2fs in /usr/sbin also with a normal user's PATH.
  const { run } = await import('../../src/core/process.js');
  await run('mke2fs', ['-q', '-F', '-t', 'ext4', '-d', path.join(dir, 'tree'), path.join(dir, 'nomod.ext4'), '8M']);
  const add = await sim(['image', 'add', path.join(dir, 'nomod.ext4')], env);
  assert.is(add.exitCode, 65);
  assert.match(String(add.stderr), /no modules\.dep/);
  assert.match(String(add.stderr), /depmod/);
});

test('a corrupted cache entry is reported and left in place', async () => {
  const own = await freshEnv(env);
  assert.is((await sim(['image', 'add', fixture.ext4, '--name', 'c'], own)).exitCode, 0);
  const [meta] = await listImages(own);
  const disk = path.join(own.SIM_CACHE_DIR, 'images', meta!.id, meta!.disk.file);
  await chmod(disk, 0o644);
  const handle = await open(disk, 'r+');
  await handle.write(Buffer.from('corrupt'), 0, 7, 1024 * 1024);
  await handle.close();
  const run = await sim(['boot', '--image', 'c', '--no-init', '--', 'true'], own);
  assert.is(run.exitCode, 65);
  assert.match(String(run.stderr), /does not match its recorded sha256/);
  assert.match(String(run.stderr), /sim image rm c/);
  assert.ok(await readFile(disk).then(() => true), 'the entry is still there');
});

/** A PATH holding links to every tool on this PATH except one. */
async function pathWithout(tool: string): Promise<string> {
  const { readdir, symlink } = await import('node:fs/promises');
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sim-path-'));
  for (const entry of (process.env.PATH ?? '').split(':')) {
    for (const name of await readdir(entry).catch(() => [] as string[])) {
      if (name === tool) continue;
      await symlink(path.join(entry, name), path.join(dir, name)).catch(() => undefined);
    }
  }
  return dir;
}

test.after(async () => {
  await rm(prefix, { recursive: true, force: true });
});

test.run();
