/**
 * The built CLI (bin/sim.js -> dist/cli-bundle/) keeps the laziness of its sources: the files
 * `sim --version` and `sim ls` load, the entry chunk (launcher.js), the ls chunk and what they
 * import statically, hold none of zod, execa, the boot code or the parser. (test/unit/cli/launcher-imports.test.ts
 * checks the sources' module graph; this checks that bundling kept it apart.) Reads the chunks'
 * text: esbuild, unminified, heads each bundled module with a `// path` comment.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const BUNDLE = fileURLToPath(new URL('../../dist/cli-bundle/', import.meta.url));
const HEAVY = ['node_modules/zod/', 'node_modules/execa/', 'dist/boot/', 'dist/qemu/', 'dist/images/', 'dist/builders/'];

/** The chunk `file` and every chunk it imports statically, with their text. */
async function staticClosure(file: string, seen = new Map<string, string>()): Promise<Map<string, string>> {
  if (seen.has(file)) return seen;
  const text = await readFile(path.join(BUNDLE, file), 'utf8');
  seen.set(file, text);
  // `import {...} from "./x.js"`, `export {...} from "./x.js"` and `import "./x.js"`; not import("./x.js").
  for (const [, next] of text.matchAll(/^(?:import|export)\b[^;"(]*?"\.\/([^"]+)"/gm)) await staticClosure(next!, seen);
  return seen;
}

/** The modules bundled into these chunks, from esbuild's `// path` comments. */
const modulesIn = (chunks: Map<string, string>) => [...chunks.values()].flatMap((text) => [...text.matchAll(/^\/\/ (\S+\.[cm]?js)$/gm)].map((m) => m[1]!));

/** The entry chunk `entry`, and the modules it and the ls chunk it imports dynamically hold statically. */
async function withLsChunk(entry: string): Promise<{ text: string; modules: string[] }> {
  const closure = await staticClosure(entry);
  const text = closure.get(entry)!;
  const lsChunk = /import\("\.\/(ls-[^"]+\.js)"\)/.exec(text)?.[1];
  assert.ok(lsChunk, `${entry} does not import an ls chunk dynamically`);
  return { text, modules: modulesIn(await staticClosure(lsChunk, closure)) };
}

test('the chunks sim --version and sim ls load hold no zod, execa, boot code or parser', async () => {
  const { text, modules } = await withLsChunk('launcher.js');
  assert.ok(modules.some((m) => m.includes('dist/cli/commands/ls.js')), 'no ls seen: the chunks were not read right (the control)');
  assert.equal(modules.filter((m) => [...HEAVY, 'node_modules/yargs/', 'dist/cli/main.js'].some((part) => m.includes(part))), []);
  assert.match(text, /import\("\.\/main\.js"\)/, 'the parser, for every other argument list, is loaded only then');
});

test('the parser (main.js) and its ls chunk hold yargs, and still no zod, execa or boot code', async () => {
  const { modules } = await withLsChunk('main.js');
  assert.ok(modules.some((m) => m.includes('node_modules/yargs/')), 'no yargs seen: the chunks were not read right (the control)');
  assert.equal(modules.filter((m) => HEAVY.some((part) => m.includes(part))), []);
});

test('the boot chunk does hold them (the control: the check sees bundled modules)', async () => {
  const main = await readFile(path.join(BUNDLE, 'main.js'), 'utf8');
  const bootChunk = /import\("\.\/(boot-[^"]+\.js)"\)/.exec(main)?.[1];
  assert.ok(bootChunk);
  const modules = modulesIn(await staticClosure(bootChunk));
  assert.ok(modules.some((m) => m.includes('node_modules/zod/')));
  assert.ok(modules.some((m) => m.includes('dist/boot/')));
});

test.run();
