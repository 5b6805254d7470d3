/**
 * A real GNOME session, headless: the gnome recipe (GDM logs 'sim' in automatically, gnome-shell
 * is the Wayland compositor, drawn by Mesa's llvmpipe) is built once into the cache (keyed by the
 * recipe: a later run, or another test asking for it, is a cache hit), booted detached with a
 * virtual screen, and `sim screenshot` is polled until the shell is on it — told apart from a
 * blank or text-mode screen by its colours, not pixel by pixel. GNOME starts in the overview;
 * `sim input --key super` leaves it and enters it again, and a click on "Activities" leaves it
 * (the overview is told from the desktop by its grey margin left of the workspace).
 *
 * Then the developer's loop on that same simulator: it was booted with a gnome-shell project's
 * prefix, empty at first (the stock session above); `sim rebuild-and-boot gnome-shell` builds
 * Debian's gnome-shell with the demo's change (the Activities button says it was rebuilt) into
 * that prefix and reboots the simulator in place; the rebuilt shell's Activities button must
 * differ from the stock one's on screen, and what the running gnome-shell maps from its private
 * directory (/usr/lib/x86_64-linux-gnu/gnome-shell, found through its RUNPATH) must be the
 * prefix's files, byte for byte.
 *
 * Slow under TCG (minutes from guest-ready to the shell here), so each wait has a deadline
 * of its own and a failure shows the console's and the journal's tail.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ImageMeta } from '../../src/images/meta.js';
import { missingRequirements } from '../../src/demo/demo.js';
import { changedFraction, countColours, type DecodedPng } from '../../src/display/png.js';
import { buildImage, findImage } from '../../src/index.js';
import { loadRecipe } from '../../src/images/recipe.js';
import { activitiesLabelEnd, overviewShown, Screen, SHELL_COLOURS, topBarChange } from '../helpers/gnome-session.js';
import { gnomeShellBuildSkipReason, gnomeShellRun, type GnomeShellRun } from '../helpers/gnome-shell-project.js';
import { APP_ID, APP_MARKER, APP_MODULE, appModule, missingAppPackages } from '../helpers/gnome-app-project.js';
import { fixtureCacheDir } from '../helpers/fixture-image.js';
import { parseEvents, sim, SIM_BIN } from '../helpers/sim.js';
import { execa } from 'execa';
import { fileURLToPath } from 'node:url';

const IMAGE = 'gnome';
/** The desktop app the IDE verbs' test pushes, launches, terminates and opens a URI with. */
const IDE_APP = fileURLToPath(new URL('../../fixtures/ide-app/', import.meta.url));
const SIMULATOR = `gnome-test-${process.pid}`;
/** From guest-ready to the shell on screen: two to three minutes here under TCG; generous for a loaded CI host. */
const SHELL_DEADLINE_MS = 8 * 60_000;
/** `sim rebuild-and-boot`: a cold gnome-shell build (about a minute here, several on a loaded host), then a reboot in place. */
const REBUILD_DEADLINE_MS = 40 * 60_000;
/**
 * The rebuilt app test (Files, started by D-Bus activation) is opt-in: its build (about two
 * minutes here, 21 more packages) does not fit CI's time budget beside gnome-shell's.
 */
const APP_TEST = process.env.SIM_TEST_GNOME_APP === '1';
/** From `gapplication launch` to Files' window on screen: seconds here, minutes on a loaded host under TCG. */
const APP_WINDOW_DEADLINE_MS = 4 * 60_000;
/** gnome-shell's private libraries and typelibs, relative to the image's libdir. */
const SHELL_PRIVATE_DIR = 'gnome-shell';

let skip: string | undefined;
let shellSkip: string | undefined;
let image: ImageMeta;
let shots: string;
let runtime: string;
let project: GnomeShellRun | undefined;
/** The simulator booted once for both tests (a failed boot is not retried); the stock session's overview. */
let session: Promise<{ screen: Screen; stock: DecodedPng }> | undefined;
let booted = false;

/** The default cache (shared with sim's own use and other tests), a private runtime dir, no desktop. */
const env = () => ({ SIM_RUNTIME_DIR: runtime, DISPLAY: '', WAYLAND_DISPLAY: '' });

async function skipReason(): Promise<string | undefined> {
  const { key } = await loadRecipe(IMAGE);
  const stored = (await findImage(key)) ?? undefined;
  const missing = (await missingRequirements(['boot', ...(stored ? [] : ['image' as const])])).map((r) => r.what);
  const reason = missing.length ? `missing: ${missing.join(', ')}` : undefined;
  if (reason && process.env.CI === 'true') throw new Error(`the GNOME session tests cannot run in CI: ${reason}`);
  return reason;
}

function it(name: string, fn: () => Promise<void>): void {
  test(name, async () => {
    if (!skip) await fn();
  });
}

/** What the guest was doing: the console's tail and the journal's (GDM, the user's shell). */
async function diagnostics(): Promise<string> {
  const consoleLog = await readFile(path.join(runtime, 'sims', SIMULATOR, 'console.log'), 'utf8').catch(() => '(no console log)');
  const journal = await sim(['exec', SIMULATOR, '--', 'sh', '-c', 'journalctl -b --no-pager -n 60 -o cat; loginctl list-sessions --no-pager'], env(), { timeout: 60_000 });
  return `console (tail):\n${consoleLog.split('\n').slice(-40).join('\n')}\njournal (tail):\n${String(journal.stdout).slice(-6000)}${String(journal.stderr).slice(-1000)}`;
}

/** A command's output in the guest, as root. */
async function guest(script: string): Promise<string> {
  const result = await sim(['exec', SIMULATOR, '--', 'sh', '-c', script], env(), { timeout: 120_000 });
  assert.is(result.exitCode, 0, `${script}: ${String(result.stderr)}`);
  return String(result.stdout);
}

/** Waits for the shell on screen and for it to stop drawing; fails with the guest's tail. */
async function shellOnScreen(screen: Screen, what: string): Promise<DecodedPng> {
  const shell = await screen.waitForShell(SHELL_DEADLINE_MS);
  if (!shell.on) assert.unreachable(`no GNOME shell on screen ${SHELL_DEADLINE_MS / 60_000} min after ${what} (${shell.colours} colours, ${SHELL_COLOURS} wanted)\n${await diagnostics()}`);
  return screen.settled();
}

/**
 * Boots the simulator (with the gnome-shell project's prefix, still empty: the stock session)
 * and waits for the shell; the first test does it, the next one only when the first could not.
 */
function bootSession(): Promise<{ screen: Screen; stock: DecodedPng }> {
  session ??= boot();
  return session;
}

async function boot(): Promise<{ screen: Screen; stock: DecodedPng }> {
  const started = performance.now();
  const overlay = project ? ['--overlay', project.prefix] : [];
  const start = await sim(['boot', '--detach', '--image', image.id, '--name', SIMULATOR, ...overlay, '--display', 'none', '--memory', '2G', '--timeout', '600', '--json'], env());
  assert.is(start.exitCode, 0, String(start.stdout).slice(-3000) + String(start.stderr));
  booted = true;
  const readyS = (performance.now() - started) / 1000;
  const screen = new Screen(SIMULATOR, env(), shots);
  const stock = await shellOnScreen(screen, 'guest-ready');
  console.log(`  guest ready after ${readyS.toFixed(0)} s, the shell on screen and settled after ${((performance.now() - started) / 1000).toFixed(0)} s`);
  return { screen, stock };
}

test('setup: the GNOME image (built once, keyed by its recipe) and a gnome-shell project', async () => {
  skip = await skipReason();
  if (skip) {
    console.warn(`skipping the GNOME session tests: ${skip}`);
    return;
  }
  shots = await mkdtemp(path.join(os.tmpdir(), 'sim-gnome-shots-'));
  runtime = await mkdtemp(path.join(os.tmpdir(), 'sim-gnome-run-'));
  const started = performance.now();
  const { key } = await loadRecipe(IMAGE);
  const cached = await findImage(key);
  image = await buildImage({ recipe: IMAGE, name: IMAGE });
  if (!cached) console.log(`  built the GNOME image in ${((performance.now() - started) / 1000).toFixed(0)} s (${(image.disk.bytes / 2 ** 20).toFixed(0)} MiB qcow2)`);
  // In CI a missing build dependency throws; a host that cannot build Debian 12's gnome-shell skips.
  shellSkip = await gnomeShellBuildSkipReason();
  if (shellSkip) console.warn(`skipping the rebuilt gnome-shell test: ${shellSkip}`);
  else {
    const missingApp = APP_TEST ? await missingAppPackages() : [];
    if (missingApp.length) throw new Error(`SIM_TEST_GNOME_APP=1: the app's build needs: apt-get install --no-install-recommends ${missingApp.join(' ')}`);
    project = await gnomeShellRun(fixtureCacheDir(), APP_TEST ? await appModule(fixtureCacheDir()) : {});
  }
});

it('boots to the GNOME shell on screen; Super and a click on Activities toggle the overview', async () => {
  const { screen, stock: overview } = await bootSession();

  // The session is the user's, in gnome-shell, on Wayland, started by GDM.
  const who = await sim(['exec', SIMULATOR, '--', 'sh', '-c', 'loginctl show-session $(loginctl list-sessions --no-legend | awk \'$3 == "sim" { print $1; exit }\') -p Type -p Service -p Name; pgrep -u sim -x gnome-shell >/dev/null && echo shell=running'], env(), { timeout: 60_000 });
  assert.is(who.exitCode, 0, String(who.stderr));
  assert.match(String(who.stdout), /^Type=wayland$/m, String(who.stdout));
  assert.match(String(who.stdout), /^Service=gdm-autologin$/m, String(who.stdout));
  assert.match(String(who.stdout), /^shell=running$/m);

  // GNOME starts in the overview. Super leaves it for the desktop, and enters it again.
  assert.ok(overviewShown(overview), `the session starts in the overview\n${await diagnostics()}`);
  const key = await sim(['input', SIMULATOR, '--key', 'super'], env());
  assert.is(key.exitCode, 0, String(key.stderr));
  const desktop = await screen.settled();
  assert.not.ok(overviewShown(desktop), `Super left the overview (${(changedFraction(overview, desktop) * 100).toFixed(1)}% of the screen changed)\n${await diagnostics()}`);
  assert.is((await sim(['input', SIMULATOR, '--key', 'super'], env())).exitCode, 0);
  const back = await screen.settled();
  assert.ok(overviewShown(back), 'Super again: the overview again');

  // The pointer: a click on "Activities" (the top bar's left end) leaves the overview.
  const click = await sim(['input', SIMULATOR, '--click', '40,12'], env());
  assert.is(click.exitCode, 0, String(click.stderr));
  const clicked = await screen.settled();
  assert.not.ok(overviewShown(clicked), `a click on Activities left the overview\n${await diagnostics()}`);
});

it('a rebuilt gnome-shell: rebuild-and-boot into the session shows its Activities label and maps its private libraries', async () => {
  if (shellSkip || !project) return;
  const { screen, stock } = await bootSession();

  const started = performance.now();
  const rebuild = await sim(['rebuild-and-boot', '--config', project.configPath, 'gnome-shell', '--json'], env(), { timeout: REBUILD_DEADLINE_MS });
  const output = `${String(rebuild.stdout).slice(-4000)}${String(rebuild.stderr).slice(-2000)}`;
  assert.is(rebuild.exitCode, 0, output);
  const events = parseEvents(String(rebuild.stdout));
  // Into the running simulator (a library module: rebooted in place), not a second guest.
  assert.ok(events.some((e) => e.type === 'progress' && e.task === 'reload' && /rebooting/.test(e.message)), output);
  const rebuiltS = (performance.now() - started) / 1000;

  const rebuilt = await shellOnScreen(screen, 'the reboot in place');
  console.log(`  rebuild-and-boot (build, reboot in place) took ${rebuiltS.toFixed(0)} s, the rebuilt shell on screen and settled after ${((performance.now() - started) / 1000).toFixed(0)} s`);

  // Visible: both in the overview (the session starts there), the button's label is longer —
  // "Activities (rebuilt by sim)" — and the top bar's left end differs; compared by region, not pixel by pixel.
  assert.ok(overviewShown(rebuilt), `the rebuilt session starts in the overview\n${await diagnostics()}`);
  const [before, after] = [activitiesLabelEnd(stock), activitiesLabelEnd(rebuilt)];
  const change = topBarChange(stock, rebuilt);
  assert.ok(after > before + 40, `the Activities label ends at x=${after}, the stock one at x=${before}: no longer label on screen (${(change * 100).toFixed(1)}% of the top bar's left end changed)\n${await diagnostics()}`);
  assert.ok(change > 0.02, `the top bar's left end changed by ${(change * 100).toFixed(1)}%`);

  // What the running gnome-shell maps from its private directory is the prefix's, byte for byte:
  // read through /proc/PID/map_files (the very file mapped) and by path.
  const privateDir = `/${image.libdir}/${SHELL_PRIVATE_DIR}/`;
  const maps = await guest(
    `pid=$(pgrep -u sim -x gnome-shell | head -n 1); [ -n "$pid" ] || { echo 'no gnome-shell runs as sim' >&2; exit 1; }
     awk -v dir='${privateDir}' 'index($6, dir) == 1 { print $1, $6 }' /proc/$pid/maps | sort -u -k 2,2 | while read -r range file; do
       echo "$(sha256sum < /proc/$pid/map_files/$range | cut -d ' ' -f 1) $(sha256sum < "$file" | cut -d ' ' -f 1) $file"
     done`,
  );
  const mapped = maps.trim().split('\n').filter(Boolean).map((line) => line.split(' ') as [string, string, string]);
  const names = mapped.map(([, , file]) => path.basename(file));
  for (const lib of ['libgnome-shell.so', 'libst-1.0.so']) assert.ok(names.includes(lib), `gnome-shell maps ${lib} from ${privateDir}: ${names.join(', ')}`);
  for (const [mappedHash, pathHash, file] of mapped) {
    const prefixHash = createHash('sha256').update(await readFile(path.join(project.prefix, file))).digest('hex');
    assert.is(mappedHash, prefixHash, `${file}: the file gnome-shell maps is the prefix's`);
    assert.is(pathHash, prefixHash, `${file}: the guest's file at that path is the prefix's`);
  }
});

it("the IDE verbs in the session: push an app, launch it (as the session's user, in GNOME's scope), terminate it, open a URI with it, read the journal", async () => {
  await bootSession();
  const fixture = (file: string) => path.join(IDE_APP, file);
  for (const [file, to] of [['sim-test-opener', '/usr/local/bin/sim-test-opener'], ['sim.test.Opener.desktop', '/usr/local/share/applications/'], ['mimeapps.list', '/etc/xdg/mimeapps.list']] as const) {
    const push = await sim(['push', SIMULATOR, fixture(file), to], env());
    assert.is(push.exitCode, 0, String(push.stderr));
  }
  const launch = await sim(['launch', SIMULATOR, 'sim.test.Opener', '--json'], env(), { timeout: 120_000 });
  assert.is(launch.exitCode, 0, String(launch.stdout));
  const launched = parseEvents(String(launch.stdout)).find((e) => e.type === 'result');
  const pids = launched?.type === 'result' ? (launched.data?.pids as number[]) : [];
  assert.ok(pids.length > 0, `launch reports the app's pids: ${String(launch.stdout)}`);
  const seen = await guest(`for p in ${pids.join(' ')}; do [ -d /proc/$p ] && echo "$(stat -c %U /proc/$p) $(cat /proc/$p/cgroup)"; done; sleep 1; cat /tmp/sim-test-opener.log`);
  assert.match(seen, /^sim 0::\/user\.slice\/user-\d+\.slice\/user@\d+\.service\/app\.slice\/app-gnome-sim\.test\.Opener-\d+\.scope$/m, `the session's user, in GNOME's scope for the app\n${seen}`);
  assert.match(seen, /started uid=\d+ wayland=wayland-\d uri=none/, `with the session's Wayland display\n${seen}`);

  const terminate = await sim(['terminate', SIMULATOR, 'sim.test.Opener', '--json'], env(), { timeout: 120_000 });
  assert.is(terminate.exitCode, 0, String(terminate.stdout));
  assert.is(await guest(`for p in ${pids.join(' ')}; do [ -d /proc/$p ] && echo "$p left"; done; true`), '', 'no process of the app is left');

  const uri = `simtest:hello-${process.pid}`;
  const open = await sim(['open', SIMULATOR, uri], env(), { timeout: 120_000 });
  assert.is(open.exitCode, 0, String(open.stderr));
  const opened = await guest(`for i in $(seq 60); do grep -q 'uri=${uri}$' /tmp/sim-test-opener.log && break; sleep 1; done; cat /tmp/sim-test-opener.log`);
  assert.match(opened, new RegExp(`uri=${uri}$`, 'm'), `the session's handler for the scheme got the URI\n${opened}`);

  const marker = `sim-journal-${process.pid}`;
  await guest(`logger -t sim-test ${marker}`);
  const logs = await sim(['logs', SIMULATOR, '-n', '200', '--json'], env(), { timeout: 120_000 });
  assert.is(logs.exitCode, 0, String(logs.stderr));
  const entry = parseEvents(String(logs.stdout)).flatMap((e) => (e.type === 'journal' ? [e.entry] : [])).find((e) => e.message === marker);
  assert.ok(entry, "logger's line in the journal");
  assert.is(entry.source, 'journal');
  assert.is(entry.identifier, 'sim-test');

  // Following the journal: the last entries, then a line logged after it started.
  const follow = execa('node', [SIM_BIN, 'logs', SIMULATOR, '-f', '--json'], { env: { ...process.env, ...env() }, buffer: false, reject: false });
  let followed = '';
  follow.stdout.on('data', (chunk: Buffer) => (followed += chunk.toString('utf8')));
  const messages = () => parseEvents(followed.slice(0, followed.lastIndexOf('\n') + 1)).flatMap((e) => (e.type === 'journal' ? [e.entry.message] : []));
  for (let i = 0; i < 600 && messages().length < 10; i++) await new Promise((r) => setTimeout(r, 100));
  assert.is(messages().length, 10, `as journalctl -f: the last 10 entries first\n${followed.slice(-2000)}`);
  await guest(`logger -t sim-test ${marker}-followed`);
  for (let i = 0; i < 600 && !messages().includes(`${marker}-followed`); i++) await new Promise((r) => setTimeout(r, 100));
  follow.kill('SIGINT');
  assert.is((await follow).exitCode, 0);
  assert.ok(messages().includes(`${marker}-followed`), `the line logged while following\n${followed.slice(-2000)}`);
});

it('a rebuilt GNOME app (Files): rebuild-and-boot into the session, started by D-Bus activation, runs the rebuilt binary', async () => {
  if (!APP_TEST) {
    console.log('  (the rebuilt app test is opt-in: SIM_TEST_GNOME_APP=1)');
    return;
  }
  if (shellSkip || !project) return;
  const { screen } = await bootSession();

  // An app module: rebuilt into the prefix, the guest refreshes its lookups; no reboot.
  const rebuild = await sim(['rebuild-and-boot', '--config', project.configPath, APP_MODULE, '--json'], env(), { timeout: REBUILD_DEADLINE_MS });
  const output = `${String(rebuild.stdout).slice(-4000)}${String(rebuild.stderr).slice(-2000)}`;
  assert.is(rebuild.exitCode, 0, output);
  assert.not.ok(parseEvents(String(rebuild.stdout)).some((e) => e.type === 'progress' && e.task === 'reload' && /rebooting/.test(e.message)), `an app needs no reboot\n${output}`);

  // GNOME's way: the session bus activates org.gnome.Nautilus (its service file runs
  // /usr/bin/nautilus --gapplication-service); `gapplication launch` asks it as the session's user.
  // The session survived the app's rebuild (its refresh in the guest) and shows the shell.
  const before = await screen.settled();
  assert.ok(countColours(before) >= SHELL_COLOURS, `the shell is on screen before the app starts (${countColours(before)} colours)\n${await diagnostics()}`);
  await guest(
    `uid=$(id -u sim); runuser -u sim -- env XDG_RUNTIME_DIR=/run/user/$uid DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/$uid/bus timeout 120 gapplication launch ${APP_ID} || true`,
  );
  const started = await guest(
    `for i in $(seq 120); do pid=$(pgrep -u sim -x ${APP_MODULE} | head -n 1); [ -n "$pid" ] && break; sleep 1; done
     [ -n "$pid" ] || { echo 'no ${APP_MODULE} runs as sim' >&2; exit 1; }
     echo "exe $(sha256sum < /proc/$pid/exe | cut -d ' ' -f 1)"; echo "cmdline $(tr '\\0' ' ' < /proc/$pid/cmdline)"
     grep -c '${APP_MARKER}' /proc/$pid/exe | sed 's/^/marker /'`,
  );
  const field = (name: string) => new RegExp(`^${name} (.*)$`, 'm').exec(started)?.[1]?.trim();
  const prefixHash = createHash('sha256').update(await readFile(path.join(project.prefix, 'usr', 'bin', APP_MODULE))).digest('hex');
  assert.is(field('exe'), prefixHash, `the running ${APP_MODULE} is the prefix's binary\n${started}`);
  assert.match(field('cmdline') ?? '', /--gapplication-service/, 'started by D-Bus activation');
  assert.ok(Number(field('marker')) > 0, `the running binary carries '${APP_MARKER}'`);

  // Its window is on screen, in the session: the shell still draws (its top bar and colours), and the screen changed.
  const after = await screen.changedFrom(before, 0.05, APP_WINDOW_DEADLINE_MS);
  const colours = countColours(after);
  assert.ok(colours >= SHELL_COLOURS && activitiesLabelEnd(after) > 0, `the session is still on screen with the app (${colours} colours)\n${await diagnostics()}`);
  assert.ok(changedFraction(before, after) > 0.05, `the app's window changed the screen (${(changedFraction(before, after) * 100).toFixed(1)}%)\n${await diagnostics()}`);
});

test.after(async () => {
  if (booted) {
    const stop = await sim(['stop', SIMULATOR, '--timeout', '20'], env());
    if (stop.exitCode !== 0) console.warn(`sim stop ${SIMULATOR}: ${String(stop.stderr)}`);
  }
  await project?.remove();
  if (shots && !process.env.SIM_KEEP_SHOTS) await rm(shots, { recursive: true, force: true });
  if (runtime) await rm(runtime, { recursive: true, force: true });
});

test.run();
