// Keeps the rule of src/core/context.ts: only the context finds sim's directories from the environment.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

async function sources(dir = SRC): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : Promise.resolve(e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []))));
  return nested.flat();
}

/** Lines of src/ matching `pattern`, as "file:line: text", outside the files allowed. */
async function offenders(pattern: RegExp, allowed: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const file of await sources()) {
    const rel = path.relative(SRC, file);
    if (allowed.includes(rel)) continue;
    const lines = (await readFile(file, 'utf8')).split('\n');
    lines.forEach((line, i) => pattern.test(line) && found.push(`${rel}:${i + 1}: ${line.trim()}`));
  }
  return found;
}

test('no code outside core/context.ts and the library entry calls cacheDir() or runtimeDir()', async () => {
  assert.equal(await offenders(/\b(cacheDir|runtimeDir)\(/, ['core/context.ts', 'index.ts']), []);
});

test('no code outside core/context.ts reads the variables that place sim\'s directories', async () => {
  assert.equal(await offenders(/(\.|\[['"])(SIM_CACHE_DIR|SIM_RUNTIME_DIR|XDG_CACHE_HOME|XDG_RUNTIME_DIR)\b/, ['core/context.ts']), []);
});

test('no code computes a directory under the home directory itself', async () => {
  assert.equal(await offenders(/homedir\(\)/, ['core/context.ts']), []);
});

test.run();
