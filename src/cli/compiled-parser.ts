/**
 * Loads the parser and every command (dist/cli-bundle/main.cjs, one CommonJS file: see
 * scripts/bundle-cli.js) through a V8 code cache kept in the user's cache directory. Node 20
 * compiles an ES module from its source at every start and offers no cache for it; compiling
 * the parser, zod, execa and the command's code was about a third of the time a `sim build` that
 * has nothing to do spends before ninja starts. A CommonJS file run through `vm.Script` takes
 * V8's code cache. Only the launcher's own argument lists (`--version`, `ls`) skip this file.
 *
 * The cache is an optimisation, never a requirement: a missing, unreadable or rejected cache
 * means the file is compiled from its source, as before, and the cache is written again once
 * the command is done (at the process's exit, so that it holds the functions the command ran).
 */
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';
import { writeFileAtomicSync } from '../core/atomic.js';
import { resolveContext } from '../core/context.js';

/** What main.cjs exports (src/cli/main.ts). */
export interface ParserModule {
  main(argv: string[]): Promise<number>;
}

/** Two levels below the package root, like this file's own place in dist/cli/ or dist/cli-bundle/. */
export const PARSER_BUNDLE = fileURLToPath(new URL('../../dist/cli-bundle/main.cjs', import.meta.url));

/** main.cjs's hash, written into the bundled launcher by scripts/bundle-cli.js (absent from tsc's output). */
declare const SIM_PARSER_BUNDLE_HASH: string | undefined;

const PREFIX = 'main-';
/** Caches of other builds kept (the newest written): two checkouts or versions used in turn each keep theirs. */
const OTHERS_KEPT = 3;

/**
 * The cache file for `source` under this Node: V8 checks its own version, its flags and the
 * source's length, not the source's bytes, so the name carries their hash (a rebuilt bundle of
 * the same length must not run the previous build's code). The bundled launcher knows the hash
 * of the main.cjs built with it; otherwise it is taken here.
 */
export async function codeCacheFile(dir: string, source: Buffer, knownHash = typeof SIM_PARSER_BUNDLE_HASH === 'string' ? SIM_PARSER_BUNDLE_HASH : undefined): Promise<string> {
  const hash = knownHash ?? (await import('node:crypto')).createHash('sha256').update(source).digest('hex').slice(0, 16);
  return path.join(dir, `${PREFIX}${hash}-${process.version}-${process.arch}.v8`);
}

/** Writes `data` as `file` (atomically: two sims may finish at once; a full disk leaves no part of it) and removes all but the newest caches of other builds. */
function saveCodeCache(file: string, data: Buffer): void {
  writeFileAtomicSync(file, data);
  const dir = path.dirname(file);
  const others = readdirSync(dir)
    .filter((name) => name.startsWith(PREFIX) && name.endsWith('.v8') && name !== path.basename(file))
    .map((name) => ({ name, written: statSync(path.join(dir, name), { throwIfNoEntry: false })?.mtimeMs ?? 0 }))
    .sort((a, b) => b.written - a.written);
  for (const { name } of others.slice(OTHERS_KEPT)) rmSync(path.join(dir, name), { force: true });
}

function readOptional(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** Runs the CommonJS file `file` as Node's require() would, through the code cache in `cacheDir`. */
export async function loadWithCodeCache<T>(file: string, cacheDir: string): Promise<T> {
  const source = readFileSync(file);
  const cacheFile = await codeCacheFile(cacheDir, source);
  const cachedData = readOptional(cacheFile);
  const script = new vm.Script(Module.wrap(source.toString('utf8')), { filename: file, cachedData });
  const module = { exports: {} as T };
  const wrapper = script.runInThisContext() as (exports: T, require: NodeJS.Require, module: { exports: T }, filename: string, dirname: string) => void;
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  if (!cachedData || script.cachedDataRejected) {
    process.once('exit', () => {
      try {
        saveCodeCache(cacheFile, script.createCachedData());
      } catch {
        // A read-only or full cache directory costs the next start its compile, nothing more.
      }
    });
  }
  return module.exports;
}

/** The parser of the built CLI, with its code cache in sim's cache directory ($SIM_CACHE_DIR, ...). */
export function loadCompiledParser(): Promise<ParserModule> {
  return loadWithCodeCache<ParserModule>(PARSER_BUNDLE, path.join(resolveContext().dirs.cache, 'code-cache'));
}
