/**
 * Quick boot (issue #14) on the fixture image, real QEMU: the first boot saves a snapshot, the
 * next ones resume it and attach whatever prefix they are given; the exit status and the clock
 * are right; two resumes of one snapshot at once both work and leave it as it was; what cannot be
 * taken over in a running system (PID 1's files, the C library) and --cold boot cold and say
 * why; a damaged snapshot means a warning and a cold boot; another machine configuration never
 * resumes a snapshot that is not its own; detached simulators resume too, and a hot reload's
 * resume in place that its guest declines boots cold in place and stays up.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmod, copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { randomBytes, createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { buildFixturePrefix } from '../helpers/fixture-image.js';
import { fixtureImageEnv } from '../helpers/fixture-project.js';
import { sha256File } from '../../src/images/hash.js';
import type { SimEvent } from '../../src/core/events.js';
import { parseEvents, sim, type SimEnv } from '../helpers/sim.js';

let env: SimEnv;
let prefix: string;

interface Run {
  exitCode: number | undefined;
  events: SimEvent[];
  stdout: string;
  stderr: string;
}

async function boot(args: string[], command: string[]): Promise<Run> {
  const run = await sim(['boot', '--json', '--image', 'demo', ...args, '--', ...command], env);
  const events = parseEvents(String(run.stdout));
  const out = (stream: 'stdout' | 'stderr') => events.map((e) => (e.type === 'output' && e.stream === stream ? e.data : '')).join('');
  return { exitCode: run.exitCode, events, stdout: out('stdout'), stderr: out('stderr') + String(run.stderr) };
}

const phases = (run: Run) => run.events.flatMap((e) => (e.type === 'phase' ? [e.phase] : []));
const logs = (run: Run) => run.events.flatMap((e) => (e.type === 'log' ? [`${e.level}: ${e.message}`] : e.type === 'error' ? [`error ${e.code}: ${e.message}`] : [])).join('\n');
const describe = (run: Run) => `exit ${run.exitCode}\n${logs(run)}\n${run.stderr}\n${run.events.flatMap((e) => (e.type === 'console' ? [e.line] : [])).slice(-20).join('\n')}`;

interface Listed {
  type: string;
  key: string;
  dir: string;
  label: string;
  image: { name: string };
}

async function snapshots(): Promise<Listed[]> {
  const ls = await sim(['snapshot', 'ls', '--json'], env);
  return String(ls.stdout).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Listed).filter((l) => l.type === 'snapshot');
}

/** The key of the plain command boots' snapshot (1024 MiB, no extra kernel words). */
let plainKey = '';

test('setup: the fixture image in a fresh store, and a prefix', async () => {
  env = await fixtureImageEnv();
  prefix = await mkdtemp(path.join(os.tmpdir(), 'sim-prefix-'));
  await buildFixturePrefix(prefix);
});

test('the first boot saves a snapshot; the next resumes it and is ready sooner', async () => {
  const first = await boot([], ['true']);
  assert.is(first.exitCode, 0, describe(first));
  assert.ok(phases(first).includes('snapshot-saved'), describe(first));
  assert.match(logs(first), /quick boot: no snapshot of this image and machine yet/);
  const second = await boot([], ['true']);
  assert.is(second.exitCode, 0, describe(second));
  assert.not.ok(phases(second).includes('snapshot-saved'));
  assert.ok(phases(second).includes('snapshot-resumed'), describe(second));
  plainKey = /quick boot: resuming the snapshot ([0-9a-f]{24})/.exec(logs(second))?.[1] ?? '';
  assert.ok(plainKey, logs(second));
  const ready = (run: Run) => run.events.find((e) => e.type === 'phase' && e.phase === 'guest-ready')!;
  assert.ok(ready(second).type === 'phase' && ready(first).type === 'phase');
  const stored = await snapshots();
  assert.is(stored.length, 1);
  assert.is(stored[0]!.image.name, 'demo');
  assert.match(stored[0]!.label, /1024 MiB, 2 CPUs, (tcg|kvm), headless, command/);
  // The SNAPSHOTS column holds their size.
  const ls = String((await sim(['image', 'ls'], env)).stdout).split('\n');
  const column = ls[0]!.split('\t').indexOf('SNAPSHOTS');
  assert.match(ls.find((line) => line.startsWith('demo\t'))!.split('\t')[column]!, /^\d+(\.\d)? MiB$/);
});

test('a resumed guest runs the prefix it is given now: its library and program win, changed or absent', async () => {
  const withPrefix = await boot(['--overlay', prefix], ['sh', '-c', 'demo-app; sim-hello']);
  assert.is(withPrefix.exitCode, 0, describe(withPrefix));
  assert.ok(phases(withPrefix).includes('snapshot-resumed'));
  assert.is(withPrefix.stdout, 'libdemo version 2\nhello from the overlay\n');
  // The program changed on the host after the snapshot was saved (and after the last boot).
  await writeFile(path.join(prefix, 'usr/bin/sim-hello'), '#!/bin/sh\necho hello from the changed prefix\n');
  await chmod(path.join(prefix, 'usr/bin/sim-hello'), 0o755);
  const changed = await boot(['--overlay', prefix], ['sh', '-c', 'demo-app; sim-hello']);
  assert.is(changed.stdout, 'libdemo version 2\nhello from the changed prefix\n', describe(changed));
  // Path mode: the prefix's programs through PATH (its library loses to the image's glibc-hwcaps
  // copy in path mode, quick or cold: that is merge mode's to fix).
  const path_ = await boot(['--overlay', prefix, '--overlay-mode', 'path'], ['sh', '-c', 'sim-hello; cat /run/sim/overlay-mode']);
  assert.is(path_.stdout, 'hello from the changed prefix\npath\n', describe(path_));
  const without = await boot([], ['sh', '-c', 'demo-app; sim-hello']);
  assert.is(without.stdout, 'libdemo version 1\nhello from the image\n', describe(without));
  for (const run of [changed, path_, without]) assert.ok(phases(run).includes('snapshot-resumed'));
});

test("the command's exit status reaches the host, and the guest's clock is the host's", async () => {
  const run = await boot([], ['sh', '-c', 'date +%s; exit 7']);
  assert.is(run.exitCode, 7, describe(run));
  assert.ok(phases(run).includes('snapshot-resumed'));
  const guest = Number(run.stdout.trim());
  // The snapshot was saved minutes of tests ago; a resumed clock without the fix lags by that.
  assert.ok(Math.abs(guest - Date.now() / 1000) < 5, `guest clock ${guest}, host ${Date.now() / 1000}`);
});

test('two resumes of one snapshot at once both work, and leave it as it was', async () => {
  const [stored] = await snapshots();
  const files = ['ram', 'disk.qcow2', 'state'].map((f) => path.join(stored!.dir, f));
  const before = await Promise.all(files.map((f) => sha256File(f)));
  const runs = await Promise.all([boot(['--overlay', prefix], ['demo-app']), boot([], ['demo-app'])]);
  assert.equal(runs.map((r) => r.stdout), ['libdemo version 2\n', 'libdemo version 1\n'], runs.map(describe).join('\n---\n'));
  for (const run of runs) assert.ok(phases(run).includes('snapshot-resumed'));
  assert.equal(await Promise.all(files.map((f) => sha256File(f))), before);
});

test('a prefix whose file PID 1 maps boots cold, after the resumed guest said why', async () => {
  const init = await mkdtemp(path.join(os.tmpdir(), 'sim-prefix-'));
  await mkdir(path.join(init, 'usr/bin'), { recursive: true });
  // The fixture's init is busybox: a copy of the same binary is enough to be "replaced".
  await copyFile('/bin/busybox', path.join(init, 'usr/bin/busybox'));
  await chmod(path.join(init, 'usr/bin/busybox'), 0o755);
  const run = await boot(['--overlay', init], ['echo', 'booted']);
  assert.is(run.exitCode, 0, describe(run));
  assert.is(run.stdout, 'booted\n');
  // PID 1, the console's shell and the agent's helpers all map busybox: one of them is named.
  assert.match(logs(run), /warn: quick boot: .* maps \/usr\/bin\/busybox, which the prefix replaces; booting cold/, describe(run));
  assert.match(logs(run), /info: cold boot: .* maps \/usr\/bin\/busybox, which the prefix replaces/);
  assert.ok(phases(run).includes('snapshot-resumed'));
  assert.is(phases(run).filter((p) => p === 'qemu-started').length, 2, 'the resume, then the cold boot');
  assert.is((await snapshots()).length, 1, 'the snapshot is kept: it was not at fault');
});

test('a prefix with the C library boots cold at once; so does --cold; each says why', async () => {
  const libc = await mkdtemp(path.join(os.tmpdir(), 'sim-prefix-'));
  await mkdir(path.join(libc, 'usr/lib/x86_64-linux-gnu'), { recursive: true });
  await copyFile('/lib/x86_64-linux-gnu/libc.so.6', path.join(libc, 'usr/lib/x86_64-linux-gnu/libc.so.6'));
  const run = await boot(['--overlay', libc], ['echo', 'booted']);
  assert.is(run.stdout, 'booted\n', describe(run));
  assert.match(logs(run), /cold boot: the prefix replaces the C library \(usr\/lib\/x86_64-linux-gnu\/libc.so.6\)/);
  assert.not.ok(phases(run).includes('snapshot-resumed'));
  const cold = await boot(['--cold', '--overlay', prefix], ['demo-app']);
  assert.is(cold.stdout, 'libdemo version 2\n', describe(cold));
  assert.match(logs(cold), /cold boot: asked for \(--cold\)/);
  assert.not.ok(phases(cold).includes('snapshot-resumed'));
});

test('another machine configuration never resumes a snapshot that is not its own', async () => {
  const other = await boot(['--memory', '768'], ['sh', '-c', 'grep MemTotal /proc/meminfo']);
  assert.is(other.exitCode, 0, describe(other));
  assert.ok(phases(other).includes('snapshot-saved'), describe(other));
  const kb = Number(/(\d+) kB/.exec(other.stdout)?.[1]);
  assert.ok(kb > 600_000 && kb < 786_432, other.stdout);
  const args = await boot(['--kernel-arg', 'sim.test=1'], ['cat', '/proc/cmdline']);
  assert.ok(phases(args).includes('snapshot-saved'));
  assert.match(args.stdout, /sim\.test=1/);
  assert.is((await snapshots()).length, 3);
});

test('a damaged snapshot means a warning and a cold boot, never a crash or a hang; a new one is saved', async () => {
  const stored = (await snapshots()).find((s) => s.key === plainKey);
  const state = path.join(stored!.dir, 'state');
  // Bytes changed on disk: the recorded hash no longer matches.
  const bytes = await readFile(state);
  bytes[100] = bytes[100]! ^ 0xff;
  await writeFile(state, bytes);
  const damaged = await boot([], ['echo', 'booted']);
  assert.is(damaged.stdout, 'booted\n', describe(damaged));
  assert.match(logs(damaged), /warn: quick boot: the snapshot [0-9a-f]+ is damaged \(its saved state is not the bytes that were saved\)/);
  assert.ok(phases(damaged).includes('snapshot-saved'));

  // A state that matches its record but is not QEMU's: the load fails, the boot goes cold.
  const again = (await snapshots()).find((s) => s.key === plainKey);
  const garbage = randomBytes(4096);
  await writeFile(path.join(again!.dir, 'state'), garbage);
  const meta = JSON.parse(await readFile(path.join(again!.dir, 'meta.json'), 'utf8')) as { state: { size: number; sha256: string } };
  meta.state = { size: garbage.length, sha256: createHash('sha256').update(garbage).digest('hex') };
  await writeFile(path.join(again!.dir, 'meta.json'), JSON.stringify(meta));
  const failed = await boot([], ['echo', 'booted']);
  assert.is(failed.exitCode, 0, describe(failed));
  assert.is(failed.stdout, 'booted\n');
  assert.match(logs(failed), /warn: quick boot: Resuming the snapshot failed: .*; booting cold/, describe(failed));
  // The bad snapshot is gone; the next boot saves a good one and the one after resumes it.
  assert.ok(phases(await boot([], ['true'])).includes('snapshot-saved'));
  assert.ok(phases(await boot([], ['true'])).includes('snapshot-resumed'));
});

test('a detached simulator resumes too; a reboot in place boots its prefix cold; a hot reload resumes in a new QEMU', async () => {
  const name = `qb-${process.pid}`;
  const first = await sim(['boot', '--detach', '--name', name, '--image', 'demo', '--overlay', prefix], env);
  assert.is(first.exitCode, 0, String(first.stderr));
  assert.match(String(first.stderr), /quick boot: no snapshot of this image and machine yet/);
  assert.is(String((await sim(['exec', name, '--', 'demo-app'], env)).stdout), 'libdemo version 2');
  assert.is((await sim(['stop', name], env)).exitCode, 0);
  const second = await sim(['boot', '--detach', '--name', name, '--image', 'demo', '--overlay', prefix], env);
  assert.is(second.exitCode, 0, String(second.stderr));
  assert.match(String(second.stderr), /snapshot-resumed/);
  assert.is(String((await sim(['exec', name, '--', 'sh', '-c', 'demo-app; sim-hello'], env)).stdout), 'libdemo version 2\nhello from the changed prefix');
  const { rebootSimulator } = await import('../../src/index.js');
  const simEnv = { ...process.env, ...env };
  assert.ok((await rebootSimulator(name, { env: simEnv })) > 0);
  assert.is(String((await sim(['exec', name, '--', 'sh', '-c', 'demo-app; sim-hello'], env)).stdout), 'libdemo version 2\nhello from the changed prefix');

  // Hot reload of a library resumes the snapshot in a new QEMU with the prefix as it is now.
  const pid = async () => (JSON.parse(String((await sim(['ls', '--json'], env)).stdout).split('\n')[0]!) as { pid: number }).pid;
  const before = await pid();
  await writeFile(path.join(prefix, 'usr/bin/sim-hello'), '#!/bin/sh\necho hello after the resume in place\n');
  let resumed = false;
  assert.ok((await rebootSimulator(name, { env: simEnv, resume: true, onResumed: () => (resumed = true) })) > 0);
  assert.ok(resumed, 'resumed, not rebooted');
  assert.is.not(await pid(), before, 'a new QEMU');
  assert.is(String((await sim(['exec', name, '--', 'sh', '-c', 'demo-app; sim-hello'], env)).stdout), 'libdemo version 2\nhello after the resume in place');
  assert.is((await sim(['stop', name], env)).exitCode, 0);
  const left = String((await sim(['ls', '--json'], env)).stdout).split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string }).filter((l) => l.type !== 'result');
  assert.equal(left, [], 'nothing left running');
});

test('a hot reload whose resumed guest cannot take the prefix over boots cold in place, says why, and stays up past the resume\'s deadline', async () => {
  const name = `qb-cold-${process.pid}`;
  const own = await mkdtemp(path.join(os.tmpdir(), 'sim-prefix-'));
  await mkdir(path.join(own, 'usr/bin'), { recursive: true });
  await writeFile(path.join(own, 'usr/bin/sim-hello'), '#!/bin/sh\necho hello before\n');
  await chmod(path.join(own, 'usr/bin/sim-hello'), 0o755);
  // --timeout is also a resumed guest's deadline (at most 60 s): 3 s, which the cold boot that
  // replaces a declined resume outlasts here. The declined attempt's deadline must not end that
  // boot (it did: a GNOME simulator was gone when its cold boot took over a minute).
  const started = await sim(['boot', '--detach', '--name', name, '--image', 'demo', '--overlay', own, '--timeout', '3'], env);
  assert.is(started.exitCode, 0, String(started.stderr));
  assert.match(String(started.stderr), /snapshot-resumed/);
  try {
    // PID 1 maps busybox: a resumed guest cannot take a prefix that replaces it over.
    await copyFile('/bin/busybox', path.join(own, 'usr/bin/busybox'));
    await chmod(path.join(own, 'usr/bin/busybox'), 0o755);
    await writeFile(path.join(own, 'usr/bin/sim-hello'), '#!/bin/sh\necho hello after the cold boot in place\n');
    const { rebootSimulator } = await import('../../src/index.js');
    let resumed = false;
    let cold: string | undefined;
    const begun = performance.now();
    assert.ok((await rebootSimulator(name, { env: { ...process.env, ...env }, resume: true, onResumed: () => (resumed = true), onCold: (why) => (cold = why) })) > 0);
    console.log(`  the declined resume and the cold boot in place: ${((performance.now() - begun) / 1000).toFixed(1)} s`);
    assert.not.ok(resumed, 'said it resumed');
    assert.match(cold ?? '', /maps \/usr\/bin\/busybox, which the prefix replaces/);
    const run = await sim(['exec', name, '--', 'sim-hello'], env);
    assert.is(run.exitCode, 0, String(run.stderr));
    assert.is(String(run.stdout), 'hello after the cold boot in place');
  } finally {
    await sim(['stop', name], env);
  }
});

test.run();
