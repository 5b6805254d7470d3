import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getModule, loadProject, parseProjectFile } from '../../../src/config/project.js';
import { expectSimError } from '../../helpers/sim-error.js';

let dir = '';

test.before.each(async () => {
  dir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'sim-project-')));
});
test.after.each(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeConfig(value: unknown, at = dir): Promise<string> {
  await mkdir(at, { recursive: true });
  const file = path.join(at, 'sim.json');
  await writeFile(file, typeof value === 'string' ? value : JSON.stringify(value));
  return file;
}


test('finds sim.json upward and makes every path absolute', async () => {
  const configPath = await writeConfig({ image: 'debian', modules: { glib: { source: 'src/glib', options: ['-Dman=false'], env: { CFLAGS: '-O0' } } } });
  const nested = path.join(dir, 'src', 'glib', 'gio');
  await mkdir(nested, { recursive: true });
  const project = await loadProject({ cwd: nested });
  assert.equal(project, {
    configPath,
    root: dir,
    prefix: path.join(dir, '.sim/prefix'),
    buildRoot: path.join(dir, '.sim/build'),
    image: 'debian',
    modules: { glib: { name: 'glib', source: path.join(dir, 'src/glib'), buildSystem: undefined, options: ['-Dman=false'], env: { CFLAGS: '-O0' } } },
  });
});

test('prefix is relative to sim.json; absolute prefixes stay', async () => {
  await writeConfig({ prefix: 'out/prefix', modules: {} });
  assert.is((await loadProject({ cwd: dir })).prefix, path.join(dir, 'out/prefix'));
  await writeConfig({ prefix: '/opt/sim-prefix', modules: {} });
  assert.is((await loadProject({ cwd: dir })).prefix, '/opt/sim-prefix');
});

test('an explicit --config may be the file or its directory', async () => {
  const configPath = await writeConfig({ modules: {} }, path.join(dir, 'elsewhere'));
  assert.is((await loadProject({ cwd: '/', configPath })).configPath, configPath);
  assert.is((await loadProject({ cwd: dir, configPath: 'elsewhere' })).configPath, configPath);
});

test('CONFIG_NOT_FOUND: nothing upward, or a --config that does not exist', async () => {
  const error = await expectSimError(loadProject({ cwd: dir }), 'CONFIG_NOT_FOUND');
  assert.match(error.message, dir);
  assert.match(error.hint, '"modules"');
  await expectSimError(loadProject({ cwd: dir, configPath: 'nope.json' }), 'CONFIG_NOT_FOUND');
});

test('CONFIG_INVALID names the field path and what is expected', async () => {
  const cases: [unknown, string][] = [
    [{ modules: { glib: { source: '.', buildSystem: 'scons' } } }, 'modules.glib.buildSystem: Invalid option: expected one of "meson"|"cmake"|"autotools"|"make"|"commands"'],
    [{ modules: { glib: {} } }, 'modules.glib.source: Invalid input: expected string'],
    [{ modules: { glib: { source: '.', option: [] } } }, 'modules.glib: Unrecognized key: "option"'],
    [{ modules: { glib: { source: '.', options: '-Dx=y' } } }, 'modules.glib.options: Invalid input: expected array'],
    [{ modules: { glib: { source: '.', env: { CFLAGS: 3 } } } }, 'modules.glib.env.CFLAGS: Invalid input: expected string'],
    [{ modules: { 'a/b': { source: '.' } } }, 'modules.a/b: a module name: letters'],
    [{ modules: { x: { source: '.', buildSystem: 'commands' } } }, "modules.x.commands: required when buildSystem is 'commands'"],
    [{ modules: { x: { source: '.', buildSystem: 'meson', commands: { build: [['make']], install: [['make', 'install']] } } } }, "modules.x.commands: only used with buildSystem 'commands'"],
    [{ modules: { x: { source: '.', commands: { build: [[]], install: [] } } } }, 'modules.x.commands.build[0]: a command needs at least the program name'],
    [{ modules: { x: { source: '.', kind: 'daemon' } } }, 'modules.x.kind: Invalid option'],
    [{ modules: [] }, 'modules: Invalid input: expected record'],
    [{}, 'modules: Invalid input'],
  ];
  for (const [value, expected] of cases) {
    const configPath = await writeConfig(value);
    const error = await expectSimError(loadProject({ cwd: dir }), 'CONFIG_INVALID');
    assert.ok(error.message.startsWith(`${configPath} is invalid: `), error.message);
    assert.match(error.message, expected);
  }
});

test('CONFIG_INVALID for broken JSON', async () => {
  await writeConfig('{"modules": {');
  const error = await expectSimError(loadProject({ cwd: dir }), 'CONFIG_INVALID');
  assert.match(error.message, 'not valid JSON');
});

test('a prefix of / or the project directory itself is refused', async () => {
  for (const prefix of ['/', '.']) {
    await writeConfig({ prefix, modules: {} });
    const error = await expectSimError(loadProject({ cwd: dir }), 'CONFIG_INVALID');
    assert.match(error.message, 'prefix:');
  }
});

test('commands without a buildSystem mean buildSystem "commands"', () => {
  const file = parseProjectFile(JSON.stringify({ modules: { x: { source: '.', commands: { build: [['make']], install: [['make', 'install', 'DESTDIR={destdir}']] } } } }), 'sim.json');
  assert.equal(file.modules.x?.commands?.install, [['make', 'install', 'DESTDIR={destdir}']]);
});

test('getModule: MODULE_NOT_FOUND lists the known modules; a missing source names the field', async () => {
  await mkdir(path.join(dir, 'glib'));
  await writeConfig({ modules: { glib: { source: 'glib' }, gtk: { source: 'gtk' } } });
  const project = await loadProject({ cwd: dir });
  assert.is(getModule(project, 'glib').source, path.join(dir, 'glib'));
  const missing = await expectSimError(() => getModule(project, 'pango'), 'MODULE_NOT_FOUND');
  assert.match(missing.message, "'pango'");
  assert.match(missing.hint, 'Known modules: glib, gtk.');
  const noSource = await expectSimError(() => getModule(project, 'gtk'), 'CONFIG_INVALID');
  assert.match(noSource.message, `modules.gtk.source: the directory ${path.join(dir, 'gtk')} does not exist`);
  await expectSimError(() => getModule(project, 'toString'), 'MODULE_NOT_FOUND');
});

test.run();
