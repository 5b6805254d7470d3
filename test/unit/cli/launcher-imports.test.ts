/**
 * `sim --version`, `sim ls` and `sim ls --json` start at once (an IDE polls `sim ls`): they load
 * no command module but their own, none of the heavy packages and not the parser (yargs). Checked on what Node loads
 * (a resolve hook records every module), not on a timing: timings on a shared machine are noise.
 * Run from the sources: bin/sim.js runs a bundle of the same module graph, lazy at the same
 * dynamic imports (scripts/bundle-cli.js; test/integration/cli-launcher.test.ts reads it).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { standInSimulator } from '../../helpers/standin-simulator.js';

const LAUNCHER = pathToFileURL(fileURLToPath(new URL('../../../src/cli/launcher.ts', import.meta.url))).href;
/** The parser from the sources: the launcher's default is the built bundle (src/cli/compiled-parser.ts). */
const PARSER = pathToFileURL(fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url))).href;

/** Packages and source folders the launcher must not load for these commands. */
const HEAVY = ['/node_modules/zod/', '/node_modules/execa/', '/src/boot/', '/src/qemu/', '/src/images/', '/src/builders/', '/src/loop/', '/src/display/', '/src/demo/', '/src/initramfs/'];

// Runs in Node's loader thread: appends every resolved URL to the file named by SIM_LOADED_LOG.
const HOOKS = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(process.env.SIM_LOADED_LOG, result.url + '\\n');
  return result;
}`;
const dataUrl = (source: string) => `data:text/javascript,${encodeURIComponent(source)}`;
const REGISTER = dataUrl(`import { register } from 'node:module'; register(${JSON.stringify(dataUrl(HOOKS))});`);

let root: string;

test.before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'sim-launcher-'));
});

/** The modules `sim ARGV` loads, run from the sources (tsx) with a private runtime dir. */
async function loadedBy(argv: string[], runtime: string): Promise<{ modules: string[]; stdout: string; code: number }> {
  const log = path.join(root, `loaded-${argv.join('_')}-${Date.now()}.log`);
  await writeFile(log, '');
  const script = `import { run } from ${JSON.stringify(LAUNCHER)}; process.exitCode = await run(${JSON.stringify(argv)}, () => import(${JSON.stringify(PARSER)}));`;
  const { stdout, code } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--import', REGISTER, '--input-type=module', '-e', script], {
    env: { ...process.env, SIM_LOADED_LOG: log, SIM_RUNTIME_DIR: runtime, SIM_CACHE_DIR: path.join(root, 'cache') },
  }).then((r) => ({ ...r, code: 0 }), (error: { stdout: string; code: number }) => ({ stdout: error.stdout, code: error.code }));
  return { modules: [...new Set((await readFile(log, 'utf8')).split('\n').filter(Boolean))], stdout, code };
}

function assertLight(modules: string[], label: string): void {
  assert.ok(modules.some((url) => url.endsWith('/src/cli/version.ts') || url.endsWith('/src/cli/commands/ls.ts')), `${label}: the hook saw neither version.ts nor ls.ts, so it saw nothing`);
  // These exact argument lists are answered without the parser (src/cli/launcher.ts).
  const heavy = modules.filter((url) => [...HEAVY, '/node_modules/yargs/', '/src/cli/main.ts'].some((part) => url.includes(part)));
  assert.equal(heavy, [], `${label} loads what it does not need`);
  const commands = modules.filter((url) => url.includes('/src/cli/commands/')).map((url) => path.basename(url));
  assert.ok(commands.every((name) => name === 'ls.ts' || name === 'context.ts'), `${label} loads other commands' modules: ${commands.join(', ')}`);
}

test('sim --version, sim ls and sim ls --json load no heavy module, with no simulator running', async () => {
  const runtime = path.join(root, 'run-empty');
  for (const argv of [['--version'], ['ls'], ['ls', '--json']]) assertLight((await loadedBy(argv, runtime)).modules, `sim ${argv.join(' ')}`);
});

test('sim ls and sim ls --json load no heavy module with a simulator running, and list it', async () => {
  const runtime = path.join(root, 'run-one');
  const simulator = await standInSimulator(runtime, 'busy');
  try {
    for (const argv of [['ls'], ['ls', '--json']]) {
      const { modules, stdout } = await loadedBy(argv, runtime);
      assert.match(stdout, 'busy', `sim ${argv.join(' ')} did not list the simulator (the control)`);
      assertLight(modules, `sim ${argv.join(' ')}`);
    }
  } finally {
    simulator.stop();
  }
});

test('any other argument list goes to the parser, which checks it: a misspelled option is refused, not taken for ls', async () => {
  const { modules, code } = await loadedBy(['ls', '--jsn'], path.join(root, 'run-empty'));
  assert.is(code, 64);
  assert.ok(modules.some((url) => url.includes('/node_modules/yargs/')));
  assert.ok(modules.some((url) => url.endsWith('/src/cli/main.ts')));
});

/** The boot's code: QEMU, the initramfs, snapshots, the image import and builder. */
const BOOT_CODE = ['/src/boot/boot.ts', '/src/qemu/launch.ts', '/src/initramfs/', '/src/snapshots/', '/src/images/import.ts', '/src/images/build.ts', '/src/simulators/start.ts'];

test('the hot reload and sim exec load none of the boot\'s code until they boot (edit -> visible: every module costs each run)', async () => {
  for (const argv of [['rebuild-and-boot', '--help'], ['build', '--help'], ['exec', '--help']]) {
    const { modules } = await loadedBy(argv, path.join(root, 'run-empty'));
    const command = argv[0] === 'exec' ? '/src/cli/commands/simulators.ts' : '/src/cli/commands/build.ts';
    assert.ok(modules.some((url) => url.endsWith(command)), `sim ${argv.join(' ')} did not load ${command} (the control)`);
    const loaded = modules.filter((url) => BOOT_CODE.some((part) => url.includes(part)));
    assert.equal(loaded, [], `sim ${argv.join(' ')} loads the boot's code`);
  }
  // The control: the hook sees such a module where a command imports it (sim image imports).
  const { modules } = await loadedBy(['image', '--help'], path.join(root, 'run-empty'));
  assert.ok(modules.some((url) => url.includes('/src/images/import.ts')), 'the hook did not see image --help load the import');
});

test('sim boot --help loads the boot command (the control: the hook sees command modules)', async () => {
  const { modules } = await loadedBy(['boot', '--help'], path.join(root, 'run-empty'));
  assert.ok(modules.some((url) => url.endsWith('/src/cli/commands/boot.ts')));
  assert.ok(modules.some((url) => url.includes('/node_modules/zod/')));
});

test.run();
