import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import { boot } from '../../../src/index.js';
import * as assert from 'uvu/assert';
import { parseRecipe } from '../../../src/images/recipe.js';
import { accepted, cpuCount, diskSize, imageName, imageRef, memoryMiB, moduleName, sizeBytes, timeoutSeconds } from '../../../src/config/option-values.js';
import { checkBootValues } from '../../../src/boot/plan.js';
import { parseProjectFile } from '../../../src/config/project.js';
import { runCli } from '../../helpers/cli.js';
import { expectSimError } from '../../helpers/sim-error.js';

const ok = (schema: { safeParse(v: unknown): { success: boolean; data?: unknown } }, value: unknown) => {
  const result = schema.safeParse(value);
  assert.ok(result.success, `${JSON.stringify(value)} should be accepted`);
  return result.data;
};
const bad = (schema: { safeParse(v: unknown): { success: boolean } }, value: unknown) => assert.not.ok(schema.safeParse(value).success, `${JSON.stringify(value)} should be refused`);

test('memory: plain MiB as before, or a size with a unit; within 128M..1T', () => {
  assert.is(ok(memoryMiB, '2048'), 2048);
  assert.is(ok(memoryMiB, 2048), 2048);
  assert.is(ok(memoryMiB, '2G'), 2048);
  assert.is(ok(memoryMiB, '512m'), 512);
  assert.is(ok(memoryMiB, '1.5G'), 1536);
  assert.is(ok(memoryMiB, '1T'), 1024 * 1024);
  for (const value of ['abc', '-5', '0', '64', '100M', '2T', '1.3M', '', '2 G', '0x800']) bad(memoryMiB, value);
});

test('sizes: binary units; a bare number only where a unit is implied', () => {
  assert.is(sizeBytes('2G'), 2 * 1024 ** 3);
  assert.is(sizeBytes('5K'), 5 * 1024);
  assert.is(sizeBytes('2048', 'M'), 2048 * 1024 ** 2);
  assert.is(sizeBytes('2048'), undefined);
  assert.is(sizeBytes('2GB'), undefined);
  ok(diskSize, '2G');
  bad(diskSize, '2');
});

test('cpus and timeouts: whole CPUs from 1 to 255, seconds above 0', () => {
  assert.is(ok(cpuCount, '4'), 4);
  for (const value of ['0', '-1', '1.5', 'two', '256', '']) bad(cpuCount, value);
  assert.is(ok(timeoutSeconds, '0.5'), 0.5);
  assert.is(ok(timeoutSeconds, '600'), 600);
  for (const value of ['0', '-1', 'abc', '1e9', '', '999999']) bad(timeoutSeconds, value);
});

test('the CLI parses values with these schemas and hands over the parsed value', async () => {
  const run = await runCli(['boot', '--memory', '2G', '--cpus', '4', '--timeout', '30', '--kernel-arg', 'a=1', '--kernel-arg', 'b', '--display', 'VNC', '--', 'true']);
  assert.ok(run.reached, run.output);
  assert.is(run.reached.memory, 2048);
  assert.is(run.reached.cpus, 4);
  assert.is(run.reached.timeout, 30);
  assert.equal(run.reached['kernel-arg'], ['a=1', 'b']);
  assert.is(run.reached.display, 'vnc');
  const defaults = await runCli(['boot', '--', 'true']);
  assert.is(defaults.reached?.memory, 1024);
  // The boot decides: 2 CPUs, or 1 with SIM_ICOUNT (src/boot/boot.ts).
  assert.is(defaults.reached?.cpus, undefined);
  assert.is(defaults.reached?.timeout, 300);
  assert.is(defaults.reached?.['kernel-arg'], undefined);
  const include = await runCli(['image', 'build', '--include', 'strace,gdb', '--include', 'vim']);
  assert.equal(include.reached?.include, [['strace', 'gdb'], ['vim']]);
});

test('a wrong value is one sentence naming the option and what it takes, exit 64, before anything runs', async () => {
  const cases: [string[], string][] = [
    [['boot', '--memory', 'abc'], "--memory takes a memory size from 128M to 1T: MiB like 2048, or a number with a unit like 512M or 2G, not 'abc'."],
    [['boot', '-m', '-5'], "--memory takes a memory size from 128M to 1T"],
    [['boot', '--memory', '1', '--memory', '2'], "--memory is given 2 times ('1', '2'); give it once."],
    [['boot', '--cpus', '0'], "--cpus takes a whole number of CPUs from 1 to 255, not '0'."],
    [['boot', '--timeout', '-1'], "--timeout takes seconds, a number above 0"],
    [['stop', '--timeout', 'soon'], "--timeout takes seconds, a number above 0"],
    [['demo', '--timeout', '0'], "--timeout takes seconds, a number above 0"],
    [['boot', '--kernel-arg'], '--kernel-arg needs a value.'],
    [['boot', '--kernel-arg', '--', 'true'], '--kernel-arg needs a value.'],
    [['boot', '--kernel-arg', 'init=/bin/sh rw'], '--kernel-arg takes a plain kernel command-line word'],
    [['boot', '--init', 'my init'], '--init takes an absolute path in the image'],
    [['boot', '--overlay'], '--overlay needs a value: a path.'],
    [['boot', '--image', 'a/b'], "--image takes an image name or id"],
    [['boot', '--display', 'x11'], "--display takes one of gtk, sdl, vnc, spice, none, not 'x11'."],
    [['boot', '--resolution', '1280*800'], '--resolution takes WIDTHxHEIGHT'],
    [['boot', '--vnc-listen', '0.0.0.0:5901'], '--vnc-listen takes a loopback address'],
    [['boot', '--detach', '--name', 'a/b'], '--name takes a simulator name'],
    [['rebuild-and-boot', '--reboot', 'sometimes'], "--reboot takes auto, always or never, not 'sometimes'."],
    [['build', 'glib', '../x'], "MODULE takes a module name"],
    [['image', 'add', 'disk.qcow2', '--name', 'my image'], '--name takes an image name'],
    [['image', 'build', '--include', 'Vim'], '--include takes a Debian package name'],
    [['screenshot', 'x', '--output'], '--output needs a value'],
    [['exec', '../dev', '--', 'true'], 'NAME takes a simulator name'],
  ];
  for (const [argv, message] of cases) {
    const run = await runCli(argv);
    assert.is(run.code, 64, `${argv.join(' ')}: ${run.output}`);
    assert.not.ok(run.reached, `${argv.join(' ')} reached the handler`);
    assert.match(run.output, message, argv.join(' '));
  }
});

test('sim.json and recipes refuse a value with the same words as the option', async () => {
  const imageText = accepted(imageRef.safeParse('a/b').error!);
  const project = await expectSimError(() => parseProjectFile(JSON.stringify({ image: 'a/b', modules: {} }), 'sim.json'), 'CONFIG_INVALID');
  assert.match(project.message, `image: ${imageText}`);
  const cli = await runCli(['boot', '--image', 'a/b']);
  assert.match(cli.output, `--image takes ${imageText}`);

  const nameText = accepted(imageName.safeParse('my image').error!);
  const recipe = await expectSimError(() => parseRecipe({ name: 'my image', suite: 'bookworm' }, 'r.json'), 'RECIPE_INVALID');
  assert.match(recipe.message, nameText);
  assert.match((await runCli(['image', 'build', '--name', 'my image'])).output, `--name takes ${nameText}`);

  const moduleText = accepted(moduleName.safeParse('a/b').error!);
  const modules = await expectSimError(() => parseProjectFile(JSON.stringify({ modules: { 'a/b': { source: '.' } } }), 'sim.json'), 'CONFIG_INVALID');
  assert.match(modules.message, moduleText);
  assert.match((await runCli(['build', 'a/b'])).output, `MODULE takes ${moduleText}`);
});

test('the library API checks the same values before anything runs', async () => {
  checkBootValues({ memoryMiB: 1024, cpus: 2, timeoutMs: 1000, init: '/sbin/init', kernelArgs: ['quiet'] });
  assert.match((await expectSimError(() => checkBootValues({ memoryMiB: Number.NaN }), 'USAGE')).message, 'memoryMiB takes a memory size');
  await expectSimError(() => checkBootValues({ cpus: 0 }), 'USAGE');
  await expectSimError(() => checkBootValues({ timeoutMs: -1 }), 'USAGE');
  await expectSimError(() => checkBootValues({ init: 'init' }), 'USAGE');
  await expectSimError(() => checkBootValues({ kernelArgs: ['a b'] }), 'USAGE');
});

test('boot() refuses bad values and more memory than the host has before it looks for the image', async () => {
  const env = { SIM_CACHE_DIR: path.join(os.tmpdir(), 'sim-values-nonexistent-cache') };
  // A missing image would be IMAGE_NOT_FOUND: USAGE shows the values were checked first.
  await expectSimError(boot({ image: 'missing', cpus: 0, env }), 'USAGE');
  const hostMiB = Math.floor(os.totalmem() / 1024 ** 2);
  const tooMuch = await expectSimError(boot({ image: 'missing', memoryMiB: hostMiB + 1, env }), 'USAGE');
  assert.match(tooMuch.message, `more than this host has (${hostMiB} MiB)`);
  await expectSimError(boot({ image: 'missing', memoryMiB: 1024, env }), 'IMAGE_NOT_FOUND');
});

test.run();
