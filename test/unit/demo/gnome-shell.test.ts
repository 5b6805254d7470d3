// The gnome-shell demo's pure parts: the visible change, the project file, the build dependencies.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile } from 'node:fs/promises';
import { ACTIVITIES_MARKER, GNOME_SHELL_HOST_REQUIREMENTS, GNOME_SHELL_MESON_OPTIONS, GNOME_SHELL_REQUIREMENTS, GNOME_SHELL_SOURCE, gnomeShellProjectFile, nextGnomeShellSteps, patchActivitiesLabel } from '../../../src/demo/gnome-shell.js';
import { parseProjectFile } from '../../../src/config/project.js';
import { demoComponent } from '../../../src/config/option-values.js';

const PANEL = `        this._label = new St.Label({
            text: _('Activities'),
            y_align: Clutter.ActorAlign.CENTER,
        });`;

test('the top bar says it was rebuilt; a file without the line is refused', () => {
  const patched = patchActivitiesLabel(PANEL);
  assert.ok(patched);
  assert.match(patched, `text: '${ACTIVITIES_MARKER}',`);
  assert.not.match(patched, "_('Activities')");
  assert.is(patchActivitiesLabel('nothing here'), undefined);
  assert.is(GNOME_SHELL_SOURCE.file, 'js/ui/panel.js');
  assert.is(GNOME_SHELL_SOURCE.package, 'gnome-shell');
});

test("the project: the gnome image, a meson library module (a rebuild reboots), Debian's options", () => {
  const source = { package: 'gnome-shell', version: '43.9-0+deb12u2', dir: 'src/gnome-shell-43.9-0+deb12u2' };
  const file = parseProjectFile(JSON.stringify(gnomeShellProjectFile(source)), '/c/demo/gnome-shell/sim.json');
  assert.is(file.image, 'gnome');
  const module = file.modules['gnome-shell'];
  assert.is(module?.buildSystem, 'meson');
  assert.is(module?.kind, 'library', 'a rebuild reboots: the running shell maps its private libraries');
  assert.is(module?.restart, undefined);
  for (const option of ['-Dtests=false', '-Dsystemd=true', '--wrap-mode=nodownload']) assert.ok(GNOME_SHELL_MESON_OPTIONS.includes(option), option);
  const steps = nextGnomeShellSteps({ configPath: '/c/sim.json', source: { ...source, path: '/c/src' } }).join('\n');
  assert.match(steps, /sim boot --detach --name gnome-shell --image gnome --overlay \/c\/prefix --memory 2G/);
  assert.match(steps, /sim rebuild-and-boot --config \/c\/sim.json gnome-shell/);
});

test('build dependencies name Debian packages', () => {
  const packages = new Set(GNOME_SHELL_REQUIREMENTS.map((r) => r.pkg));
  for (const pkg of ['libmutter-11-dev', 'libgjs-dev', 'sassc', 'meson']) assert.ok(packages.has(pkg), pkg);
  assert.ok(GNOME_SHELL_REQUIREMENTS.every((r) => r.need === 'build'));
});

test('the build needs no NetworkManager, extension tools, manuals or tests', () => {
  for (const option of ['-Dnetworkmanager=false', '-Dextensions_app=false', '-Dextensions_tool=false', '-Dman=false', '-Dtests=false']) assert.ok(GNOME_SHELL_MESON_OPTIONS.includes(option), option);
  const packages = new Set(GNOME_SHELL_REQUIREMENTS.map((r) => r.pkg));
  for (const pkg of ['libnm-dev', 'libsecret-1-dev', 'libgnome-autoar-0-dev', 'libjson-glib-dev']) assert.not.ok(packages.has(pkg), pkg);
});

test("scripts/setup-host.sh installs for the tests what sim doctor names for the gnome-shell build", async () => {
  const script = await readFile(new URL('../../../scripts/setup-host.sh', import.meta.url), 'utf8');
  const array = (name: string) => (script.match(new RegExp(`^${name}=\\(([^)]*)\\)`, 'm'))?.[1] ?? '').split(/\s+/).filter(Boolean);
  const listed = new Set([...array('run_packages'), ...array('test_packages'), ...array('gnome_shell_packages')]);
  const needed = new Set(GNOME_SHELL_HOST_REQUIREMENTS.filter((r) => r.need === 'source' || r.need === 'build').map((r) => r.pkg));
  needed.delete('apt');
  needed.delete('debian-archive-keyring');
  for (const pkg of needed) assert.ok(listed.has(pkg), `${pkg} is in scripts/setup-host.sh`);
  for (const pkg of array('gnome_shell_packages')) assert.ok(needed.has(pkg), `${pkg} (setup-host.sh) is a gnome-shell requirement`);
});

test('sim demo takes glib or gnome-shell', () => {
  assert.ok(demoComponent.safeParse('gnome-shell').success);
  assert.ok(demoComponent.safeParse('glib').success);
  assert.not.ok(demoComponent.safeParse('mutter').success);
});

test.run();
