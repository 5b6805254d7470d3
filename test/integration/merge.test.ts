/**
 * Merge mode (issue #11) on the real default Debian image under systemd, with a module shaped
 * like a GNOME application (fixtures/gnome-app, built with meson): a GSettings key added in this
 * build, a D-Bus-activatable service with an absolute Exec=, systemd units, a .desktop file
 * with an icon and a MIME type, a GIO module, a udev rule and a font. Each must win with the
 * prefix (merge, the default), also after a hot reload; without the prefix the image is itself
 * again; path mode keeps the old behaviour; the gnome image, which has the desktop's tools,
 * refreshes their caches. A file the host replaces by rename is what the running guest sees
 * within a second; a program a running process maps is restarted from the rebuilt file, or the
 * guest reboots in place when something undeclared still maps it.
 */
import { cp, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execa } from 'execa';
import { missingRequirements } from '../../src/demo/demo.js';
import type { SimEvent } from '../../src/core/events.js';
import { imageFile } from '../../src/images/store.js';
import { sha256File } from '../../src/images/hash.js';
import { resolveContext } from '../../src/core/context.js';
import { DEFAULT_IMAGE, findImage, listImages, resolveOrBuildImage } from '../../src/index.js';
import { which } from '../../src/core/process.js';
import { parseEvents, sim } from '../helpers/sim.js';

const FIXTURE = fileURLToPath(new URL('../../fixtures/gnome-app/', import.meta.url));
const SIMULATOR = `merge-test-${process.pid}`;
const DESKTOP = 'usr/share/applications/org.sim.GnomeApp.desktop';

let skip: string | undefined;
let project: string;
let prefix: string;
let imageId: string;

/** Why these tests cannot run here; in CI that is a failure, never a skip. */
async function skipReason(): Promise<string | undefined> {
  const stored = await findImage(DEFAULT_IMAGE);
  const missing = (await missingRequirements(['boot', ...(stored ? [] : ['image' as const])])).map((r) => r.what);
  for (const tool of ['meson', 'ninja', 'pkg-config']) if (!(await which(tool))) missing.push(tool);
  if ((await execa('pkg-config', ['--exists', 'gio-unix-2.0'], { reject: false })).exitCode !== 0) missing.push('gio-unix-2.0 (libglib2.0-dev)');
  const reason = missing.length ? `missing: ${missing.join(', ')}` : undefined;
  if (reason && process.env.CI === 'true') throw new Error(`the merge-mode tests cannot run in CI: ${reason}`);
  return reason;
}

function it(name: string, fn: () => Promise<void>): void {
  test(name, async () => {
    if (!skip) await fn();
  });
}

/** key=value lines from the `output` events (a --json boot) or plain stdout (sim exec). */
function values(text: string): Record<string, string> {
  return Object.fromEntries(text.split('\n').flatMap((line) => {
    const at = line.indexOf('=');
    return at > 0 ? [[line.slice(0, at), line.slice(at + 1)]] : [];
  }));
}
const stdoutOf = (events: SimEvent[]) => events.flatMap((e) => (e.type === 'output' && e.stream === 'stdout' ? [e.data] : [])).join('');

/** What the guest sees of each part of the module, as key=value lines. */
const CHECKS = [
  'sim-gnome-app --settings 2>&1 | sed "s/^/settings-/"',
  'rm -f /run/sim-gnome-app.activated; pkill -x sim-gnome-app; sleep 0.2',
  'busctl call org.sim.GnomeApp / org.freedesktop.DBus.Peer Ping > /dev/null 2>&1; echo "dbus-status=$?"',
  'sed "s/^/dbus-/" /run/sim-gnome-app.activated 2>/dev/null',
  'rm -f /run/sim-gnome-app.unit; systemctl restart sim-gnome-app.service 2>/dev/null; echo "unit-status=$?"',
  'sed "s/^/unit-/" /run/sim-gnome-app.unit 2>/dev/null',
  'sim-gnome-app --desktop 2>&1 | sed "s/^/desktop-/"',
  'sim-gnome-app --module 2>&1 | sed "s/^/module-/"',
  'echo "motd=$(head -n 1 /etc/motd)"',
  'echo "gio-cache=$(grep -c simfixture /usr/lib/x86_64-linux-gnu/gio/modules/giomodule.cache 2>/dev/null)"',
  'echo "schemas-cache-upper=$(ls /run/sim/merge/usr_share/upper/glib-2.0/schemas/gschemas.compiled 2>/dev/null)"',
  'echo "usr-fstype=$(stat -f -c %T /usr)"',
  'echo "app-fstype=$(stat -f -c %T /usr/bin/sim-gnome-app 2>/dev/null)"',
  'echo "share-fstype=$(stat -f -c %T /usr/share)"',
  'echo "udev=$(udevadm info -q property /sys/class/net/lo | sed -n s/^SIM_FIXTURE=//p)"',
].join('\n');

/** The caches of the triggers an image with a desktop has the tools for, as key=value lines. */
const DESKTOP_CHECKS = [
  'echo "mime=$(grep -c application/x-sim-fixture /usr/share/mime/globs2)"',
  'echo "mime-upper=$(ls /run/sim/merge/usr_share/upper/mime/globs2)"',
  'echo "desktop-db=$(grep -c org.sim.GnomeApp.desktop /usr/share/applications/mimeinfo.cache)"',
  'echo "icon-cache=$(grep -ac org.sim.GnomeApp /usr/share/icons/hicolor/icon-theme.cache)"',
  'echo "font=$(fc-list : family | grep -c SimFixture)"',
].join('\n');

async function buildModule(): Promise<void> {
  const run = await sim(['build', 'app'], {}, { cwd: project });
  assert.is(run.exitCode, 0, String(run.stderr));
}

test('setup: the default image and the GNOME-shaped module built with meson into a prefix', async () => {
  skip = await skipReason();
  if (skip) {
    console.warn(`skipping the merge-mode tests: ${skip}`);
    return;
  }
  imageId = (await resolveOrBuildImage(DEFAULT_IMAGE)).id;
  project = await mkdtemp(path.join(os.tmpdir(), 'sim-merge-'));
  await cp(FIXTURE, path.join(project, 'gnome-app'), { recursive: true });
  // The long-running unit restarts on hot reload; nothing else is declared.
  await writeFile(path.join(project, 'sim.json'), JSON.stringify({ modules: { app: { source: 'gnome-app', kind: 'app', restart: { unit: 'sim-gnome-app-daemon.service' } } } }));
  prefix = path.join(project, '.sim/prefix');
  await buildModule();
  // A file the image has too: the prefix's copy wins in merge mode, the image's without it.
  await mkdir(path.join(prefix, 'etc'), { recursive: true });
  await writeFile(path.join(prefix, 'etc/motd'), 'motd from the prefix\n');
});

it('merge (the default): every part of the module wins under systemd; caches land in the upper layer', async () => {
  const run = await sim(['boot', '--json', '--overlay', prefix, '--', 'sh', '-c', CHECKS], {});
  const events = parseEvents(String(run.stdout));
  const v = values(stdoutOf(events));
  const context = `${String(run.stderr)}\n${JSON.stringify(v, null, 2)}`;
  assert.is(run.exitCode, 0, context);
  const mounted = events.find((e) => e.type === 'phase' && e.phase === 'overlay-mounted');
  assert.is((mounted as { detail?: { mode?: string } } | undefined)?.detail?.mode, 'merge', 'the guest used merge mode');
  assert.ok(events.some((e) => e.type === 'log' && /^overlay: merge mode/.test(e.message)), 'sim says which mode it used');

  assert.is(v['settings-greeting'], 'hello from the rebuilt schema', context);
  assert.is(v['dbus-status'], '0', context);
  assert.is(v['dbus-version'], '2.0', context);
  assert.is(v['dbus-exe'], '/usr/bin/sim-gnome-app', context);
  assert.is(v['unit-status'], '0', context);
  assert.is(v['unit-version'], '2.0', context);
  assert.is(v['desktop-desktop'], `/${DESKTOP}`, context);
  assert.is(v['desktop-icon'], 'org.sim.GnomeApp', context);
  assert.is(v['module-module'], 'sim-fixture-module-2.0', context);
  assert.is(v.motd, 'motd from the prefix', context);
  assert.is(v['gio-cache'], '1', `gio-querymodules wrote the cache\n${context}`);
  assert.is(v['schemas-cache-upper'], '/run/sim/merge/usr_share/upper/glib-2.0/schemas/gschemas.compiled', context);
  // usr/ settled: the program on the root's own filesystem, /usr/share (no program or library of the prefix) layered whole.
  assert.is(v['usr-fstype'], 'ext2/ext3', context);
  assert.is(v['app-fstype'], 'ext2/ext3', context);
  assert.is(v['share-fstype'], 'overlayfs', context);
  assert.is(v.udev, 'rule-from-the-prefix', `udev applied the prefix's rule at coldplug\n${context}`);

  const triggers = events.filter((e): e is Extract<SimEvent, { type: 'trigger' }> => e.type === 'trigger');
  const byName = Object.fromEntries(triggers.map((t) => [t.name, t]));
  for (const name of ['ldconfig', 'gsettings-schemas', 'gio-modules']) {
    assert.is(byName[name]?.status, 'ok', `${name} ran: ${JSON.stringify(triggers)}`);
    assert.type(byName[name]?.ms, 'number');
  }
  // The default image has no desktop-file-utils or GTK: a warning naming the tool.
  assert.is(byName['desktop-database']?.status, 'missing');
  assert.ok(events.some((e) => e.type === 'log' && e.level === 'warn' && e.message.includes('update-desktop-database')), 'the missing tool is named');
  console.log(`      triggers: ${triggers.map((t) => `${t.name} ${t.status}${t.ms !== undefined ? ` ${t.ms} ms` : ''}`).join(', ')}`);
});

it("without the prefix the image's own files are back", async () => {
  const run = await sim(['boot', '--json', '--', 'sh', '-c', CHECKS], {});
  const events = parseEvents(String(run.stdout));
  const v = values(stdoutOf(events));
  const context = `${String(run.stderr)}\n${JSON.stringify(v, null, 2)}`;
  assert.is(run.exitCode, 0, context);
  assert.not.ok(v['settings-greeting'], context);
  assert.is.not(v['dbus-status'], '0', context);
  assert.is.not(v['unit-status'], '0', context);
  assert.not.ok(v['desktop-desktop'], context);
  assert.match(v.motd ?? '', /^This is a sim image/, context);
  assert.is(v['usr-fstype'], 'ext2/ext3', context);
  assert.is(v['share-fstype'], 'ext2/ext3', context);
  assert.is(v.udev, '', context);
});

it('an image with a desktop (the gnome image): the desktop, MIME, icon and font caches are refreshed for the prefix', async () => {
  const gnome = await resolveOrBuildImage('gnome');
  const run = await sim(['boot', '--json', '--image', gnome.id, '--no-init', '--overlay', prefix, '--', 'sh', '-c', DESKTOP_CHECKS], {});
  const events = parseEvents(String(run.stdout));
  const v = values(stdoutOf(events));
  const triggers = events.filter((e): e is Extract<SimEvent, { type: 'trigger' }> => e.type === 'trigger');
  const context = `${String(run.stderr)}\n${JSON.stringify(v, null, 2)}\n${JSON.stringify(triggers)}`;
  assert.is(run.exitCode, 0, context);
  for (const name of ['ldconfig', 'gsettings-schemas', 'gio-modules', 'desktop-database', 'mime-database', 'icon-cache', 'fontconfig']) {
    const trigger = triggers.find((t) => t.name === name);
    assert.is(trigger?.status, 'ok', `${name}\n${context}`);
    assert.type(trigger?.ms, 'number');
  }
  assert.is(v.mime, '1', `update-mime-database registered the prefix's type\n${context}`);
  assert.is(v['mime-upper'], '/run/sim/merge/usr_share/upper/mime/globs2', `the MIME cache is written in the upper layer\n${context}`);
  assert.is(v['desktop-db'], '1', `update-desktop-database listed the prefix's .desktop for its type\n${context}`);
  assert.ok(Number(v['icon-cache']) >= 1, `gtk-update-icon-cache indexed the prefix's icon\n${context}`);
  assert.ok(Number(v.font) >= 1, `fontconfig finds the prefix's font\n${context}`);
  console.log(`      triggers (gnome image): ${triggers.map((t) => `${t.name} ${t.ms ?? '?'} ms`).join(', ')}`);
});

it("path mode keeps the old behaviour: the prefix's program through PATH, nothing merged", async () => {
  const script = `${CHECKS}\necho "app=$(command -v sim-gnome-app)"`;
  const run = await sim(['boot', '--json', '--overlay', prefix, '--overlay-mode', 'path', '--', 'sh', '-c', script], {});
  const events = parseEvents(String(run.stdout));
  const v = values(stdoutOf(events));
  const context = `${String(run.stderr)}\n${JSON.stringify(v, null, 2)}`;
  assert.is(run.exitCode, 0, context);
  const mounted = events.find((e) => e.type === 'phase' && e.phase === 'overlay-mounted');
  assert.is((mounted as { detail?: { mode?: string } } | undefined)?.detail?.mode, 'path');
  assert.is(v.app, '/run/sim/overlay/usr/bin/sim-gnome-app', context);
  assert.is(v['settings-greeting'], '(no schema)', context);
  assert.match(v.motd ?? '', /^This is a sim image/, context);
  assert.not.ok(events.some((e) => e.type === 'trigger'), 'no triggers in path mode');
});

it('prefixes installed elsewhere work at their own paths: /usr/local, /opt/NAME (its bin in PATH), /etc', async () => {
  const other = path.join(project, 'elsewhere');
  const script = async (rel: string, text: string) => {
    await mkdir(path.dirname(path.join(other, rel)), { recursive: true });
    await writeFile(path.join(other, rel), `#!/bin/sh\necho ${text}\n`, { mode: 0o755 });
  };
  await script('usr/local/bin/sim-local-hello', 'local=yes');
  await script('opt/sim-opt/bin/sim-opt-hello', 'opt=yes');
  await mkdir(path.join(other, 'etc/xdg'), { recursive: true });
  await writeFile(path.join(other, 'etc/xdg/sim-etc.conf'), 'etc=yes\n');
  const checks = ['/usr/local/bin/sim-local-hello', 'sim-opt-hello', 'cat /etc/xdg/sim-etc.conf', 'echo "opt-path=$(command -v sim-opt-hello)"'].join('\n');
  const run = await sim(['boot', '--json', '--no-init', '--overlay', other, '--', 'sh', '-c', checks], {});
  const v = values(stdoutOf(parseEvents(String(run.stdout))));
  const context = `${String(run.stderr)}\n${JSON.stringify(v, null, 2)}`;
  assert.is(run.exitCode, 0, context);
  assert.equal([v.local, v.opt, v.etc, v['opt-path']], ['yes', 'yes', 'yes', '/opt/sim-opt/bin/sim-opt-hello'], context);
});

it('live edits and hot reload: a replaced file within a second; a rebuilt module wins after the reload', async () => {
  // --overlay-cache none: the live edit below is a file replaced behind sim's back (no sync to
  // announce it), which only an uncached share shows at once (the cached default is
  // test/integration/overlay-cache.test.ts).
  const start = await sim(['boot', '--detach', '--name', SIMULATOR, '--overlay', prefix, '--overlay-cache', 'none'], {});
  try {
    assert.is(start.exitCode, 0, String(start.stderr));
    const guest = async (script: string) => values(String((await sim(['exec', SIMULATOR, '--', 'sh', '-c', script], {})).stdout));
    // The long-running unit maps the program while it is rebuilt (the hot reload restarts it).
    // (A simple unit's start returns before its program has written the file: wait for it.)
    const daemon = 'systemctl start sim-gnome-app-daemon.service; for i in $(seq 100); do [ -s /run/sim-gnome-app.daemon ] && break; sleep 0.1; done; sed "s/^/daemon-/" /run/sim-gnome-app.daemon; echo "boot=$(cat /proc/sys/kernel/random/boot_id)"';
    const before = await guest(daemon);
    assert.is(before['daemon-version'], '2.0', JSON.stringify(before));
    const read = async () => String((await sim(['exec', SIMULATOR, '--', 'grep', '^Name=', `/${DESKTOP}`], {})).stdout);
    assert.is(await read(), 'Name=Sim GNOME App');

    // Replace the file on the host as sim's sync does (a temporary sibling renamed over it).
    const file = path.join(prefix, DESKTOP);
    const text = await readFile(file, 'utf8');
    await writeFile(`${file}.tmp`, text.replace('Name=Sim GNOME App', 'Name=Edited live'));
    await rename(`${file}.tmp`, file);
    // Read in the guest every 0.1 s for up to a second: how soon the overlay shows the new file.
    const watch = await sim(['exec', SIMULATOR, '--', 'sh', '-c', `i=0; while [ $i -lt 10 ] && ! grep -q '^Name=Edited live' /${DESKTOP}; do sleep 0.1; i=$((i + 1)); done; echo "polls=$i"; grep '^Name=' /${DESKTOP}`], {});
    const polls = values(String(watch.stdout)).polls;
    assert.is(values(String(watch.stdout)).Name, 'Edited live', `the guest sees the replaced file through the overlay within a second\n${String(watch.stdout)}`);
    console.log(`      live edit: the guest saw the replaced file after ${polls} polls of 0.1 s`);

    // A file new in the prefix that the guest looked up before it existed: overlayfs keeps that
    // negative lookup (9p with cache=none has no revalidation), so it appears after the refresh.
    const late = path.join(prefix, 'usr/share/sim-late/new.txt');
    assert.is.not((await sim(['exec', SIMULATOR, '--', 'cat', '/usr/share/sim-late/new.txt'], {})).exitCode, 0);
    await mkdir(path.dirname(late), { recursive: true });
    await writeFile(late, 'late=arrived\n');

    // Rebuild with a new version and a new schema default: hot reload (refresh, then the command).
    const meson = path.join(project, 'gnome-app/meson.build');
    await writeFile(meson, (await readFile(meson, 'utf8')).replace("version: '2.0'", "version: '3.0'"));
    const schema = path.join(project, 'gnome-app/org.sim.GnomeApp.gschema.xml');
    await writeFile(schema, (await readFile(schema, 'utf8')).replace('hello from the rebuilt schema', 'hello after the hot reload'));
    const run = await sim(['rebuild-and-boot', '--json', 'app', '--', 'sh', '-c', `${CHECKS}\ncat /usr/share/sim-late/new.txt`], {}, { cwd: project });
    const events = parseEvents(String(run.stdout));
    const v = values(stdoutOf(events));
    const context = `${String(run.stderr)}\n${JSON.stringify(v, null, 2)}`;
    assert.is(run.exitCode, 0, context);
    assert.ok(events.some((e) => e.type === 'trigger' && e.name === 'gsettings-schemas' && e.status === 'ok'), `the refresh compiled the schemas again\n${context}`);
    assert.is(v['settings-version'], '3.0', context);
    assert.is(v['settings-greeting'], 'hello after the hot reload', context);
    assert.is(v['dbus-version'], '3.0', context);
    assert.is(v['unit-version'], '3.0', context);
    assert.is(v['module-module'], 'sim-fixture-module-3.0', context);
    assert.is(v['desktop-desktop'], `/${DESKTOP}`, context);
    assert.is(v.late, 'arrived', `a new file is seen after the refresh\n${context}`);
    // The unit that mapped the previous build was stopped before the cached lookups were
    // dropped and started after: it runs the rebuilt program, without a reboot.
    // Up to 10 s for the restarted unit to write its file; a stale program writes 2.0 for ever.
    const after = await guest('for i in $(seq 100); do grep -q "^version=3.0" /run/sim-gnome-app.daemon && break; sleep 0.1; done; sed "s/^/daemon-/" /run/sim-gnome-app.daemon; echo "boot=$(cat /proc/sys/kernel/random/boot_id)"');
    assert.is(after['daemon-version'], '3.0', `the restarted unit runs the rebuilt program\n${JSON.stringify(after)}\n${context}`);
    assert.is(after.boot, before.boot, 'no reboot for an app module whose unit restarted');
    assert.not.ok(events.some((e) => e.type === 'phase' && e.phase === 'guest-ready'), 'no reboot');

    // Now the D-Bus service the checks activated (not named in sim.json) maps the program:
    // after the next rebuild it would keep the previous build, so sim reboots in place.
    assert.ok((await guest('pidof sim-gnome-app >/dev/null && echo "running=yes"')).running, 'the activated service runs');
    // With --reboot never the command runs at once, in the refresh's round trip, and sim warns
    // which process keeps the previous build.
    await writeFile(meson, (await readFile(meson, 'utf8')).replace("version: '3.0'", "version: '3.5'"));
    const never = await sim(['rebuild-and-boot', '--json', '--reboot', 'never', 'app', '--', 'sh', '-c', 'echo "ran=yes"; echo "boot=$(cat /proc/sys/kernel/random/boot_id)"'], {}, { cwd: project });
    const neverEvents = parseEvents(String(never.stdout));
    const n = values(stdoutOf(neverEvents));
    const neverContext = `${String(never.stderr)}\n${JSON.stringify(n, null, 2)}`;
    assert.is(never.exitCode, 0, neverContext);
    assert.is(n.ran, 'yes', neverContext);
    assert.is(n.boot, before.boot, `no reboot under --reboot never\n${neverContext}`);
    assert.ok(neverEvents.some((e) => e.type === 'log' && e.level === 'warn' && /sim-gnome-app \(pid \d+\) maps \/usr\/bin\/sim-gnome-app.*runs the previous build/.test(e.message)), `sim warns which process keeps the previous build\n${neverContext}`);
    assert.not.ok(neverEvents.some((e) => e.type === 'phase' && e.phase === 'guest-ready'), 'no reboot');
    await writeFile(meson, (await readFile(meson, 'utf8')).replace("version: '3.5'", "version: '4.0'"));
    const again = await sim(['rebuild-and-boot', '--json', 'app', '--', 'sh', '-c', CHECKS], {}, { cwd: project });
    const againEvents = parseEvents(String(again.stdout));
    const w = values(stdoutOf(againEvents));
    const againContext = `${String(again.stderr)}\n${JSON.stringify(w, null, 2)}`;
    assert.is(again.exitCode, 0, againContext);
    assert.ok(againEvents.some((e) => e.type === 'log' && /sim-gnome-app \(pid \d+\) maps \/usr\/bin\/sim-gnome-app.*rebooting in place/.test(e.message)), `sim says which process kept the previous build\n${againContext}`);
    assert.ok(againEvents.some((e) => e.type === 'phase' && e.phase === 'guest-ready'), `the guest rebooted in place\n${againContext}`);
    assert.is(w['dbus-version'], '4.0', againContext);
    assert.is(w['unit-version'], '4.0', againContext);
    assert.is((await guest('echo "boot=$(cat /proc/sys/kernel/random/boot_id)"')).boot === before.boot, false, 'a new boot');
  } finally {
    const stop = await sim(['stop', SIMULATOR], {});
    assert.is(stop.exitCode, 0, String(stop.stderr));
  }
});

it('the stored base image is unchanged and nothing was written to the prefix', async () => {
  const meta = (await listImages()).find((m) => m.id === imageId);
  if (!meta) throw new Error('the image is no longer in the store');
  assert.is(await sha256File(imageFile(resolveContext(), meta, meta.disk.file)), meta.disk.sha256);
  // The caches the triggers wrote live in the guest's upper layer, never in the share.
  const { stdout } = await execa('find', [prefix, '(', '-name', 'gschemas.compiled', '-o', '-name', 'giomodule.cache', '-o', '-name', 'ld.so.cache', '-o', '-name', 'icon-theme.cache', ')']);
  assert.is(stdout, '');
});

test('cleanup', async () => {
  if (project) await rm(project, { recursive: true, force: true });
});

test.run();
