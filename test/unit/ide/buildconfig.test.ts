/** The .buildconfig writer: GKeyFile escaping, argv quoting, an existing file kept byte for byte, default=true only when no other configuration has it. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { escapeValue, parseKeyFile, quoteArgv, unescapeValue } from '../../../src/ide/keyfile.js';
import { buildconfigTarget, planBuildconfig } from '../../../src/ide/buildconfig.js';
import { planInit, plainName, projectName } from '../../../src/config/init-plan.js';

const request = { group: 'sim', runCommand: ['sim', 'rebuild-and-boot', '--config', '/p/sim.json', '--follow'], force: false };

test('values are escaped as g_key_file_set_string does, and read back', () => {
  assert.is(escapeValue('a\\b\nc\td\re'), 'a\\\\b\\nc\\td\\re');
  assert.is(escapeValue(' lead and trail '), '\\slead and trail\\s');
  for (const value of ['a\\b\nc', ' x ', "it's; #not a comment"]) assert.is(unescapeValue(escapeValue(value)), value);
});

test('argv words are quoted only when needed, single quotes closed and reopened', () => {
  assert.is(quoteArgv(['sim', '--config', '/a/b.json']), 'sim --config /a/b.json');
  assert.is(quoteArgv(['sh', '-c', "echo 'hi'; sleep 1", '']), `sh -c 'echo '\\''hi'\\''; sleep 1' ''`);
  assert.is(quoteArgv(['$HOME', '~', 'a*b']), `'$HOME' '~' 'a*b'`);
});

test('a new file holds one default configuration', () => {
  const plan = planBuildconfig(undefined, request);
  assert.is(plan.action, 'created');
  assert.is(plan.text, '[sim]\nname=Run in simulator (sim)\nruntime=host\ntoolchain=default\ndefault=true\nrun-command=sim rebuild-and-boot --config /p/sim.json --follow\n');
});

const existing = '# team settings\n[default]\nname=Default\nruntime=host\ndefault=true\n\n[default.environment]\nCC=clang\n# trailing comment, no newline';

test('an existing file keeps every byte; default stays with the configuration that had it', () => {
  const plan = planBuildconfig(existing, request);
  assert.is(plan.action, 'added');
  assert.ok(plan.text!.startsWith(`${existing}\n\n[sim]\n`));
  assert.not.match(plan.text!.slice(existing.length), /default=true/);
  assert.is(plan.otherDefault, 'default');
  assert.is(plan.isDefault, false);
});

test('default=1 counts as default; sub-groups (with a dot) are not configurations', () => {
  assert.is(planBuildconfig('[a]\ndefault=1\n', request).otherDefault, 'a');
  assert.is(planBuildconfig('[sim.environment]\ndefault=true\n', request).isDefault, true);
});

test("sim's group is kept without --force, replaced in place with it (the next group's comment stays)", () => {
  const file = '[sim]\nname=old\nrun-command=old\n\n# about other\n[other]\nname=Other\n';
  const kept = planBuildconfig(file, request);
  assert.is(kept.action, 'kept');
  assert.is(kept.text, undefined);
  assert.is(kept.runCommand, 'old');
  const replaced = planBuildconfig(file, { ...request, force: true });
  assert.is(replaced.action, 'replaced');
  assert.match(replaced.text!, /^\[sim\]\nname=Run in simulator \(sim\)\n/);
  assert.ok(replaced.text!.endsWith('run-command=sim rebuild-and-boot --config /p/sim.json --follow\n\n# about other\n[other]\nname=Other\n'));
});

test('parsing keeps the exact text of every line', () => {
  const lines = parseKeyFile(existing);
  assert.is(lines.map((l) => l.text).join(''), existing);
  assert.equal(lines.filter((l) => l.kind === 'group').map((l) => (l as { name: string }).name), ['default', 'default.environment']);
});

test('sim init: the module is named after the project; the run command has the options', () => {
  assert.is(projectName('meson', "project('gnome-foo', 'c')"), 'gnome-foo');
  assert.is(projectName('cmake', 'cmake_minimum_required(VERSION 3.10)\nproject(Foo VERSION 1.0)'), 'Foo');
  assert.is(projectName('autotools', 'AC_INIT([my app], [1.0])'), 'my app');
  assert.is(plainName('my app++'), 'my-app');
  const input = { dir: '/src/proj', entries: ['meson.build'], buildFile: "project('demo', 'c')", hasConfig: false, sim: ['sim'], image: 'debian', detach: false, command: [] };
  const plan = planInit(input);
  assert.is(plan.module, 'demo');
  assert.equal(JSON.parse(plan.config!), { image: 'debian', modules: { demo: { source: '.' } } });
  assert.equal(plan.runCommand, ['sim', 'rebuild-and-boot', '--config', '/src/proj/sim.json', '--follow']);
  const detached = planInit({ ...input, detach: true, hasConfig: true, command: ['demo-app', '--x'] });
  assert.is(detached.config, undefined);
  assert.equal(detached.runCommand.slice(4), ['--detach', '--name', 'demo', '--follow', '--', 'demo-app', '--x']);
  assert.throws(() => planInit({ ...input, entries: ['README'] }), /no build sim knows/);
  assert.throws(() => planInit({ ...input, name: 'x' }), /--name names a detached simulator/);
});

test("the file: .buildconfig, unless the project has only Foundry's own (which a .buildconfig would hide from Foundry)", () => {
  assert.is(buildconfigTarget({ buildconfig: false, foundry: false }), '.buildconfig');
  assert.is(buildconfigTarget({ buildconfig: true, foundry: true }), '.buildconfig');
  assert.is(buildconfigTarget({ buildconfig: false, foundry: true }), '.foundry/project/buildconfig');
});

test.run();
