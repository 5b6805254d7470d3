/**
 * The systemd path of the hook, on the real default Debian image (built once into the cache:
 * $SIM_CACHE_DIR, else the normal cache location, so that later runs are cache hits).
 *
 * The fixture prefix holds a copy of the host's libglib-2.0.so.0 (Debian 12 like the image, so
 * ABI-identical) and sim-glib-probe, which prints the libglib file its own process mapped.
 * One boot with the prefix checks a systemd service, the command itself, PATH for services,
 * login shells and the command, the exit status and a clean power-off; one boot without it
 * checks that the image is used unchanged; a detached boot checks root's autologin on ttyS0.
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execa } from 'execa';
import type { ImageMeta } from '../../src/images/meta.js';
import { missingRequirements } from '../../src/demo/demo.js';
import type { SimEvent } from '../../src/core/events.js';
import { sha256File } from '../../src/images/hash.js';
import { imageFile } from '../../src/images/store.js';
import { resolveContext } from '../../src/core/context.js';
import { DEFAULT_IMAGE, findImage, listImages, resolveOrBuildImage } from '../../src/index.js';
import { which } from '../../src/core/process.js';
import { parseEvents, sim } from '../helpers/sim.js';

const HOST_GLIB = '/lib/x86_64-linux-gnu/libglib-2.0.so.0';
const LIBDIR = 'usr/lib/x86_64-linux-gnu';
const OVERLAY = '/run/sim/overlay';
const OVERLAY_GLIB = `${OVERLAY}/${LIBDIR}/libglib-2.0.so`;
const OVERLAY_BIN = `${OVERLAY}/usr/bin`;
const PROBE_SOURCE = fileURLToPath(new URL('../../fixtures/demo-glib-probe/glib-probe.c', import.meta.url));
const DEMO_LIB_SOURCE = fileURLToPath(new URL('../../fixtures/libdemo/demo.c', import.meta.url));
const DEMO_APP_SOURCE = fileURLToPath(new URL('../../fixtures/demo-app/main.c', import.meta.url));
/** The name of the detached simulator, unique to this run. */
const SIMULATOR = `debian-test-${process.pid}`;

let skip: string | undefined;
let image: ImageMeta;
let prefix: string;

/** Why these tests cannot run here; in CI that is a failure, never a skip. */
async function skipReason(): Promise<string | undefined> {
  const stored = await findImage(DEFAULT_IMAGE);
  const missing = (await missingRequirements(['boot', ...(stored ? [] : ['image' as const])])).map((r) => r.what);
  if (!(await which('gcc'))) missing.push('gcc');
  if (!(await realpath(HOST_GLIB).catch(() => undefined))) missing.push(`${HOST_GLIB} (libglib2.0-0)`);
  const reason = missing.length ? `missing: ${missing.join(', ')}` : undefined;
  if (reason && process.env.CI === 'true') throw new Error(`the Debian image tests cannot run in CI: ${reason}`);
  return reason;
}

function it(name: string, fn: () => Promise<void>): void {
  test(name, async () => {
    if (!skip) await fn();
  });
}

/** key=value lines the guest scripts print, from the `output` events of a --json run. */
function guestValues(events: SimEvent[]): Record<string, string> {
  const stdout = events.flatMap((e) => (e.type === 'output' && e.stream === 'stdout' ? [e.data] : [])).join('');
  return Object.fromEntries(stdout.split('\n').flatMap((line) => {
    const at = line.indexOf('=');
    return at > 0 ? [[line.slice(0, at), line.slice(at + 1)]] : [];
  }));
}

function phase(events: SimEvent[], name: string) {
  return events.find((e): e is Extract<SimEvent, { type: 'phase' }> => e.type === 'phase' && e.phase === name);
}

/** Prints the first libglib file mapped by a process. */
const MAPS_OF = `mapped() { awk '/libglib-2\\.0\\.so/ { print $6; exit }' "/proc/$1/maps" 2>/dev/null; }`;

test('setup: the default image (built once) and a prefix with libglib and a probe', async () => {
  skip = await skipReason();
  if (skip) {
    console.warn(`skipping the Debian image tests: ${skip}`);
    return;
  }
  const stored = await findImage(DEFAULT_IMAGE);
  const started = performance.now();
  image = await resolveOrBuildImage(DEFAULT_IMAGE);
  if (!stored) console.log(`  built the default image in ${((performance.now() - started) / 1000).toFixed(1)} s (${(image.disk.bytes / 2 ** 20).toFixed(0)} MiB qcow2)`);

  prefix = await mkdtemp(path.join(os.tmpdir(), 'sim-debian-prefix-'));
  await mkdir(path.join(prefix, LIBDIR), { recursive: true });
  await mkdir(path.join(prefix, 'usr/bin'), { recursive: true });
  const glib = await realpath(HOST_GLIB);
  await copyFile(glib, path.join(prefix, LIBDIR, 'libglib-2.0.so.0'));
  await execa('gcc', ['-O2', '-Wall', '-o', path.join(prefix, 'usr/bin/sim-glib-probe'), PROBE_SOURCE, '-Wl,--no-as-needed', glib]);
});

it('with the prefix: the overlay wins for a service, the command and PATH; status 3; clean power-off', async () => {
  const script = [
    MAPS_OF,
    // A service started by systemd: its MainPID's maps, once gio itself runs.
    'systemd-run --quiet --unit=sim-probe --collect gio monitor /tmp',
    'lib=; i=0',
    'while [ -z "$lib" ] && [ $i -lt 100 ]; do',
    '  pid=$(systemctl show -p MainPID --value sim-probe)',
    '  [ "${pid:-0}" != 0 ] && lib=$(mapped "$pid")',
    '  [ -n "$lib" ] || sleep 0.1; i=$((i + 1))',
    'done',
    'echo "service-glib=$lib"',
    'systemctl stop sim-probe',
    'echo "command-glib=$(sim-glib-probe)"',
    'echo "command-probe=$(command -v sim-glib-probe)"',
    `echo "image-gio-glib=$(ldd /usr/bin/gio | awk '$1 == "libglib-2.0.so.0" { print $3 }')"`,
    'echo "service-path=$(systemd-run --wait --pipe --quiet printenv PATH)"',
    `echo "login-path=$(sh -lc 'echo $PATH')"`,
    'echo "command-path=$PATH"',
    'exit 3',
  ].join('\n');
  // Path mode: this test checks the linker cache and PATH by the prefix's own paths (merge mode, the
  // default, is test/integration/merge.test.ts).
  const run = await sim(['boot', '--json', '--overlay', prefix, '--overlay-mode', 'path', '--', 'sh', '-c', script], {});
  const events = parseEvents(String(run.stdout));
  const values = guestValues(events);
  const context = `${String(run.stderr)}\n${JSON.stringify(values, null, 2)}`;

  assert.is(run.exitCode, 3, `sim exits with the command's status\n${context}`);
  const last = events.at(-1);
  assert.ok(last?.type === 'result' && last.exitCode === 3, 'the result event carries the status');
  assert.is(phase(events, 'guest-stopped')?.detail?.qemuExitCode, 0, 'the guest powered off cleanly');
  assert.ok(phase(events, 'overlay-mounted'), 'the overlay was mounted');

  assert.ok(values['service-glib']?.startsWith(OVERLAY_GLIB), `a systemd service maps the overlay's libglib\n${context}`);
  assert.ok(values['command-glib']?.startsWith(OVERLAY_GLIB), `the command's own process maps the overlay's libglib\n${context}`);
  assert.ok(values['image-gio-glib']?.startsWith(OVERLAY_GLIB), `the image's gio resolves the overlay's libglib\n${context}`);
  assert.is(values['command-probe'], `${OVERLAY_BIN}/sim-glib-probe`);
  for (const key of ['service-path', 'login-path', 'command-path']) {
    assert.ok(values[key]?.startsWith(`${OVERLAY_BIN}:`), `${key} starts with the overlay's bindir: ${values[key]}`);
    assert.ok(values[key]?.includes(':/usr/bin'), `${key} keeps the image's own dirs: ${values[key]}`);
  }
});

it("without a prefix: the image's own libglib, no linker-cache entry", async () => {
  const script = [
    `echo "image-gio-glib=$(ldd /usr/bin/gio | awk '$1 == "libglib-2.0.so.0" { print $3 }')"`,
    'echo "ldconf=$([ -e /etc/ld.so.conf.d/00-sim-overlay.conf ] && echo present || echo absent)"',
    `echo "overlay-mounts=$(grep -c ' ${OVERLAY} ' /proc/mounts)"`,
    'echo "command-path=$PATH"',
    // The command runs the image's own program for a bare name, not sim's busybox applet.
    'echo "shell=$(readlink -f /proc/$$/exe)"',
  ].join('\n');
  const run = await sim(['boot', '--json', '--', 'sh', '-c', script], {});
  const events = parseEvents(String(run.stdout));
  const values = guestValues(events);
  assert.is(run.exitCode, 0, String(run.stderr));
  assert.is(phase(events, 'guest-stopped')?.detail?.qemuExitCode, 0);
  assert.not.ok(phase(events, 'overlay-mounted'));
  assert.match(values['image-gio-glib'] ?? '', /^\/(usr\/)?lib\/x86_64-linux-gnu\/libglib-2\.0\.so\.0$/);
  assert.is(values.ldconf, 'absent');
  assert.is(values['overlay-mounts'], '0');
  assert.not.ok(values['command-path']?.includes(OVERLAY), values['command-path']);
  assert.is(values.shell, '/usr/bin/dash');
});

it('interactive login: root is logged in on the serial console without a password', async () => {
  const start = await sim(['boot', '--detach', '--name', SIMULATOR], {});
  try {
    assert.is(start.exitCode, 0, String(start.stderr));
    let who = '';
    let getty = '';
    // The agent reports ready after multi-user.target; the login itself may take a moment more.
    for (let i = 0; i < 30 && !/^root\s+ttyS0\b/m.test(who); i++) {
      if (i) await new Promise((resolve) => setTimeout(resolve, 1000));
      const exec = await sim(['exec', SIMULATOR, '--', 'sh', '-c', 'systemctl is-active serial-getty@ttyS0; who'], {});
      assert.is(exec.exitCode, 0, String(exec.stderr));
      const [first = '', ...lines] = String(exec.stdout).split('\n');
      getty = first;
      who = lines.join('\n');
    }
    assert.is(getty, 'active');
    assert.match(who, /^root\s+ttyS0\b/m, 'root has a login session on ttyS0');
  } finally {
    const stop = await sim(['stop', SIMULATOR], {});
    assert.is(stop.exitCode, 0, String(stop.stderr));
  }
});

it("a detached simulator settles the prefix's usr/ programs on the root's disk; those of /opt/NAME it copies into memory once ready (the hot layer), which then serves them; not its other files", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sim-prefetch-'));
  const name = `${SIMULATOR}-prefetch`;
  // A prefix installed in /opt/NAME: layered whole, so its programs and libraries get hot copies.
  const opt = 'opt/simprefetch';
  // 4 MiB each, more than any read-ahead of a header (ldconfig reads the library's at boot).
  const files = { lib: `${opt}/lib/libsimprefetch.so.1`, data: `${opt}/share/simprefetch/data` };
  for (const rel of Object.values(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), randomBytes(4 << 20));
  }
  // Programs of the prefix (the host's cat: Debian 12 like the image) that show their own mappings.
  for (const bin of ['usr/bin', `${opt}/bin`]) {
    await mkdir(path.join(dir, bin), { recursive: true });
    await copyFile('/bin/cat', path.join(dir, bin, bin === 'usr/bin' ? 'simcat' : 'simcat-opt'));
  }
  const start = await sim(['boot', '--detach', '--name', name, '--overlay', dir], {});
  try {
    assert.is(start.exitCode, 0, String(start.stderr));
    const guest = async (script: string) => {
      const run = await sim(['exec', name, '--', 'sh', '-c', script], {});
      assert.is(run.exitCode, 0, String(run.stderr));
      return String(run.stdout);
    };
    let done = '';
    for (let i = 0; i < 60 && !done.includes('prefetched'); i++) {
      if (i) await new Promise((resolve) => setTimeout(resolve, 1000));
      done = await guest('[ -e /run/sim/prefetched ] && echo prefetched || echo waiting');
    }
    assert.match(done, /prefetched/, 'the prefetch ended within a minute');
    assert.match(await guest(`grep ' /opt ' /proc/mounts`), /lowerdir=\/run\/sim\/hot\/opt:\/run\/sim\/overlay\/opt:\/opt,/, 'the hot layer above the share');
    assert.is(await guest(`grep -c ' /usr ' /proc/mounts || true`), '0', 'usr/ is settled, not layered');
    assert.is(await guest(`cmp /run/sim/hot/${files.lib} ${OVERLAY}/${files.lib} && echo same`), 'same', 'the library is in the hot layer, whole');
    assert.is(await guest(`[ -e /run/sim/hot/${files.data} ] || [ -e /run/sim/hot/${opt}/share ] || echo absent`), 'absent', 'the data file is not');
    const resident = await guest(`fincore --bytes --noheadings --output RES ${OVERLAY}/${files.data}`);
    assert.ok(Number(resident.trim()) < 1 << 20, `the data file was not read either\n${resident}`);
    // Each program maps its file from where it lives (maps give the real file's device): /opt's
    // from its copy in memory (/run's device), usr's from the root's own filesystem.
    const devices = await guest(`for m in / /run; do awk -v m=$m '$5 == m { print $3; exit }' /proc/self/mountinfo; done; simcat-opt /proc/self/maps | grep simcat-opt | head -n1; simcat /proc/self/maps | grep simcat | head -n1`);
    const [rootDev, runDev, optMapping, usrMapping] = devices.trim().split('\n');
    const hex = (dev: string) => dev.split(':').map((n) => Number(n).toString(16).padStart(2, '0')).join(':');
    assert.is(optMapping?.split(/\s+/)[3], hex(runDev!), `the /opt program is mapped from the hot layer\n${devices}`);
    assert.is(usrMapping?.split(/\s+/)[3], hex(rootDev!), `the usr/ program is mapped from the root's filesystem\n${devices}`);
    assert.match(usrMapping ?? '', / \/usr\/bin\/simcat$/, devices);
  } finally {
    const stop = await sim(['stop', name], {});
    assert.is(stop.exitCode, 0, String(stop.stderr));
    await rm(dir, { recursive: true, force: true });
  }
});

it('quick boot: every resume draws its own random bytes; a service whose program the prefix replaces restarts', async () => {
  const draw = async () => {
    const run = await sim(['boot', '--json', '--', 'od', '-An', '-tx1', '-N32', '/dev/urandom'], {});
    const events = parseEvents(String(run.stdout));
    assert.is(run.exitCode, 0, String(run.stderr));
    assert.ok(phase(events, 'snapshot-resumed'), 'a quick boot');
    const console = events.flatMap((e) => (e.type === 'console' ? [e.line] : [])).join('\n');
    assert.not.match(console, /no perl or python3 to reseed/);
    return events.flatMap((e) => (e.type === 'output' && e.stream === 'stdout' ? [e.data] : [])).join('').trim();
  };
  const [a, b] = [await draw(), await draw()];
  assert.match(a, /^[0-9a-f \n]{40,}$/);
  assert.is.not(a, b, 'two resumes of one snapshot draw different bytes');

  // The image's getty on tty1 runs agetty from the snapshot on; the prefix replaces agetty (the
  // host's copy: Debian 12 like the image). A cold boot starts the prefix's; so must a resume.
  const getty = await mkdtemp(path.join(os.tmpdir(), 'sim-getty-'));
  try {
    await mkdir(path.join(getty, 'usr/sbin'), { recursive: true });
    await copyFile('/sbin/agetty', path.join(getty, 'usr/sbin/agetty'));
    // Which file tty1's agetty runs: the prefix's, settled at /usr/sbin/agetty, or the image's,
    // which sim kept aside (the two may hold the same bytes: they are told apart by inode).
    // getty is Type=idle: its restart's job ends at the fork, before the child has exec'd agetty
    // (its exe is systemd's until then), so wait for the exec as a cold boot's test never has to.
    const script = 'for i in $(seq 50); do pid=$(systemctl show -p MainPID --value getty@tty1); [ "$(cat /proc/$pid/comm)" = agetty ] && break; sleep 0.1; done; echo "exe=$(stat -L -c %i /proc/$pid/exe) settled=$(stat -c %i /usr/sbin/agetty) kept=$(stat -c %i /usr/.sim/kept/usr/sbin/agetty)"';
    for (const args of [[], ['--cold']]) {
      const run = await sim(['boot', '--json', ...args, '--overlay', getty, '--', 'sh', '-c', script], {});
      const events = parseEvents(String(run.stdout));
      const logs = events.flatMap((e) => (e.type === 'log' ? [e.message] : [])).join('\n');
      assert.is(run.exitCode, 0, `${String(run.stderr)}\n${logs}`);
      const values = guestValues(events);
      const [, exe, settled, kept] = /^(\d+) settled=(\d+) kept=(\d+)$/.exec(values.exe ?? '') ?? [];
      assert.ok(exe && exe === settled && exe !== kept, `agetty runs the prefix's program (${args.join(' ') || 'quick'}): ${values.exe}\n${logs}`);
      if (!args.length) {
        assert.ok(phase(events, 'snapshot-resumed'), logs);
        assert.match(logs, /quick boot: restarted getty@tty1\.service, which maps a file the prefix replaces/);
      }
    }
  } finally {
    await rm(getty, { recursive: true, force: true });
  }
});

it("quick boot: no ldconfig before guest-ready when the saved cache finds the prefix's libraries; the cache ends as a cold boot's", async () => {
  // A library the image lacks, and a program that needs it: a cache miss finds it in the linker's
  // own search path, so ldconfig runs after guest-ready; the cache then lists it as a cold boot's.
  const fresh = await mkdtemp(path.join(os.tmpdir(), 'sim-debian-newlib-'));
  try {
    const libdir = path.join(fresh, LIBDIR);
    await mkdir(libdir, { recursive: true });
    await mkdir(path.join(fresh, 'usr/bin'), { recursive: true });
    await execa('gcc', ['-shared', '-fPIC', '-O2', '-Wl,-soname,libdemo.so.1', '-DDEMO_VERSION="2"', '-o', path.join(libdir, 'libdemo.so.1'), DEMO_LIB_SOURCE]);
    await execa('gcc', ['-O2', '-I', path.dirname(DEMO_LIB_SOURCE), '-o', path.join(fresh, 'usr/bin/demo-app'), DEMO_APP_SOURCE, path.join(libdir, 'libdemo.so.1')]);
    const script = [
      'demo-app',
      'for i in $(seq 100); do ldconfig -p | grep -q "libdemo.so.1 " && break; sleep 0.1; done',
      'echo "cache=$(ldconfig -p | grep "libdemo.so.1 " | sed "s/^[[:space:]]*//")"',
    ].join('\n');
    const outputs: string[] = [];
    for (const args of [[], ['--cold']]) {
      const run = await sim(['boot', '--json', ...args, '--overlay', fresh, '--', 'sh', '-c', script], {});
      const events = parseEvents(String(run.stdout));
      const logs = events.flatMap((e) => (e.type === 'log' ? [e.message] : [])).join('\n');
      assert.is(run.exitCode, 0, `${String(run.stderr)}\n${logs}`);
      const stdout = events.flatMap((e) => (e.type === 'output' && e.stream === 'stdout' ? [e.data] : [])).join('');
      assert.match(stdout, /^libdemo version 2$/m, stdout);
      assert.match(stdout, /^cache=libdemo\.so\.1 \(libc6,x86-64\) => \/.*libdemo\.so\.1$/m, stdout);
      const ldconfig = events.some((e) => e.type === 'trigger' && e.name === 'ldconfig');
      if (!args.length) {
        assert.ok(phase(events, 'snapshot-resumed'), logs);
        assert.not.ok(ldconfig, 'the quick boot runs ldconfig after guest-ready');
      } else assert.ok(ldconfig, 'a cold boot runs ldconfig before guest-ready');
      outputs.push(stdout);
    }
    assert.is(outputs[0], outputs[1], 'the quick boot ends with the cold boot\'s cache entry');

    // A prefix that only replaces the image's libglib: the saved cache already finds it there.
    const glib = await sim(['boot', '--json', '--overlay', prefix, '--', 'sim-glib-probe'], {});
    const events = parseEvents(String(glib.stdout));
    assert.is(glib.exitCode, 0, String(glib.stderr));
    assert.ok(phase(events, 'snapshot-resumed'));
    assert.not.ok(events.some((e) => e.type === 'trigger' && e.name === 'ldconfig'), 'no ldconfig for a library the cache finds');
    const mapped = events.flatMap((e) => (e.type === 'output' && e.stream === 'stdout' ? [e.data] : [])).join('').trim();
    // The prefix's file is libglib-2.0.so.0 itself; the image's is libglib-2.0.so.0.7400.x.
    assert.ok(mapped.endsWith('/libglib-2.0.so.0'), `the command maps the prefix's libglib: ${mapped}`);
  } finally {
    await rm(fresh, { recursive: true, force: true });
  }
});

it('the stored base image is unchanged by the boots', async () => {
  const meta = (await listImages()).find((m) => m.id === image.id);
  assert.ok(meta, 'the image is still in the store');
  assert.is(await sha256File(imageFile(resolveContext(), meta, meta.disk.file)), meta.disk.sha256);
});

test('cleanup', async () => {
  if (prefix) await rm(prefix, { recursive: true, force: true });
});

test.run();
