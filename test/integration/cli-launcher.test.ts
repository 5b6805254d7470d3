/**
 * The built CLI (bin/sim.js -> dist/cli-bundle/) keeps the laziness of its sources: the file
 * `sim --version` and `sim ls` load (launcher.cjs) holds none of zod, execa, the boot code or the
 * parser, and runs the ls command only when `sim ls` imports it; in the parser's one file
 * (main.cjs) those run only when a command imports them. (test/unit/cli/launcher-imports.test.ts
 * checks the sources' module graph; this checks that bundling kept it.) Reads the bundle: esbuild
 * writes the list of the modules of each file beside it, and names a module the file runs only on
 * demand as the key of its wrapper (`"path"() {`). Then the parser's code cache
 * (src/cli/compiled-parser.ts), through bin/sim.js.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { codeCacheFile, PARSER_BUNDLE } from '../../src/cli/compiled-parser.js';

const BUNDLE = fileURLToPath(new URL('../../dist/cli-bundle/', import.meta.url));
const HEAVY = ['node_modules/zod/', 'node_modules/execa/', 'dist/boot/', 'dist/qemu/', 'dist/images/', 'dist/builders/'];

/** The modules of a bundled file (esbuild's list, written beside it), and those it runs only when an import() or require() reaches them. */
async function bundled(file: string): Promise<{ text: string; modules: string[]; onDemand: Set<string> }> {
  const text = await readFile(path.join(BUNDLE, file), 'utf8');
  const modules = JSON.parse(await readFile(path.join(BUNDLE, `${file}.modules.json`), 'utf8')) as string[];
  return { text, modules, onDemand: new Set([...text.matchAll(/"([^"\s]+\.[cm]?js)"\(/g)].map((m) => m[1]!)) };
}

test('the file sim --version and sim ls load holds no zod, execa, boot code or parser, and runs ls only for sim ls', async () => {
  const { text, modules, onDemand } = await bundled('launcher.cjs');
  assert.ok(modules.some((m) => m.includes('dist/cli/commands/ls.js')), 'no ls seen: the list was not read right (the control)');
  assert.equal(modules.filter((m) => [...HEAVY, 'node_modules/yargs/', 'dist/cli/main.js'].some((part) => m.includes(part))), []);
  assert.ok(onDemand.has('dist/cli/commands/ls.js'), 'the ls command runs as the launcher loads');
  assert.not.ok(onDemand.has('dist/cli/launcher.js'), 'the launcher itself is on demand: the wrappers were not read right');
  assert.match(text, /dist\/cli-bundle\/main\.cjs/, 'the parser, for every other argument list, is loaded only then');
});

const parserBundle = () => bundled('main.cjs');

test('in the parser (main.cjs), zod, execa and the boot code run only when a command imports them', async () => {
  const { modules, onDemand } = await parserBundle();
  const heavy = modules.filter((m) => HEAVY.some((part) => m.includes(part)));
  assert.ok(heavy.some((m) => m.includes('dist/boot/')) && heavy.some((m) => m.includes('node_modules/zod/')), 'no boot code or zod seen: the bundle was not read right');
  assert.equal(heavy.filter((m) => !onDemand.has(m)), [], 'run as the parser loads');
});

test('the parser itself, yargs, runs as main.cjs loads (the control: the check tells the two apart)', async () => {
  const { modules, onDemand } = await parserBundle();
  const yargs = modules.filter((m) => m.includes('node_modules/yargs/'));
  assert.ok(yargs.length > 5);
  assert.equal(yargs.filter((m) => onDemand.has(m)), []);
});

test('main.cjs is all ASCII (decoded on the fast path, a one-byte string for V8)', async () => {
  const text = await readFile(path.join(BUNDLE, 'main.cjs'), 'latin1');
  assert.ok(text.length > 100_000);
  assert.is(/[\u0080-\uffff]/.exec(text)?.index, undefined);
});

const SIM = fileURLToPath(new URL('../../bin/sim.js', import.meta.url));

/** `sim ARGV` through bin/sim.js with its cache in `cache`. */
async function sim(argv: string[], cache: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return promisify(execFile)(process.execPath, [SIM, ...argv], { env: { ...process.env, SIM_CACHE_DIR: cache, SIM_RUNTIME_DIR: path.join(cache, 'run') } }).then(
    (r) => ({ code: 0, ...r }),
    (error: { code: number; stdout: string; stderr: string }) => ({ code: error.code, stdout: error.stdout, stderr: error.stderr }),
  );
}

const cacheFiles = async (cache: string) => (await readdir(path.join(cache, 'code-cache')).catch(() => [] as string[])).sort();

test("the parser's code cache: written by the first command, named by the bundle's bytes, and never in the way", async () => {
  const cache = await mkdtemp(path.join(os.tmpdir(), 'sim-code-cache-'));
  try {
    // Hashed here (from the sources) from the file's bytes: the bundled launcher was told the hash when it was built.
    const name = path.basename(await codeCacheFile(path.join(cache, 'code-cache'), await readFile(PARSER_BUNDLE)));
    // sim --version does not load the parser: no cache.
    assert.is((await sim(['--version'], cache)).code, 0);
    assert.equal(await cacheFiles(cache), []);
    const first = await sim(['build', '--help'], cache);
    assert.is(first.code, 0, first.stderr);
    assert.equal(await cacheFiles(cache), [name]);
    const data = await readFile(path.join(cache, 'code-cache', name));
    assert.ok(data.length > 100_000, `a code cache of ${data.length} bytes`);
    // Read, not rewritten, by the next command.
    const again = await sim(['build', '--help'], cache);
    assert.is(again.stdout, first.stdout);
    assert.ok((await readFile(path.join(cache, 'code-cache', name))).equals(data));
    // A damaged cache is refused by V8 and written again; of the caches of other builds, the
    // three written last are kept (two checkouts used in turn must not undo each other's).
    await writeFile(path.join(cache, 'code-cache', name), Buffer.alloc(data.length, 7));
    const others = [0, 1, 2, 3, 4].map((i) => `main-${String(i).repeat(16)}-v20.0.0-x64.v8`);
    for (const [i, other] of others.entries()) {
      await writeFile(path.join(cache, 'code-cache', other), 'another build');
      await utimes(path.join(cache, 'code-cache', other), 1_000_000 + i, 1_000_000 + i);
    }
    const damaged = await sim(['build', '--help'], cache);
    assert.is(damaged.stdout, first.stdout, damaged.stderr);
    assert.equal(await cacheFiles(cache), [...others.slice(2), name].sort());
    assert.not.ok((await readFile(path.join(cache, 'code-cache', name))).equals(Buffer.alloc(data.length, 7)));
    // A cache directory it cannot write costs the compile only.
    await rm(path.join(cache, 'code-cache'), { recursive: true });
    await writeFile(path.join(cache, 'code-cache'), 'not a directory');
    const unwritable = await sim(['build', '--help'], cache);
    assert.is(unwritable.code, 0, unwritable.stderr);
    assert.is(unwritable.stdout, first.stdout);
    assert.is(unwritable.stderr, '');
  } finally {
    await rm(cache, { recursive: true, force: true });
  }
});

test.run();
