// The CLI as a few files (`npm run build` runs this after tsc): Node 20 resolves and compiles
// each of the ~60 files of yargs and sim's own modules one by one, which costs `sim --version`
// more than bundling them. Both files are CommonJS, and so is bin/sim.js (bin/package.json):
// Node starts an ES module entry through its module loader, about 15 ms more per command.
// - launcher.cjs: what `sim --version` and `sim ls` load, without the parser; the ls command in
//   it runs only when `sim ls` imports it.
// - main.cjs: the parser and every command, which src/cli/compiled-parser.ts runs through a V8
//   code cache (Node 20 has none for ES modules). Its dynamic imports stay lazy: esbuild runs a
//   module's top level only when the import() that names it runs.
// The library API (dist/index.js) and the simulator daemon (dist/simulators/daemon-main.js) stay tsc's output.
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { lazyStringWidth } from './lazy-string-width.js';
import { zodEnglishOnly } from './zod-english-only.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Two levels below the package root, like dist/core/: src/core/paths.ts finds the root (guest/,
// images/, fixtures/) from import.meta.url of whichever chunk holds it.
const outdir = path.join(root, 'dist', 'cli-bundle');

// Chunk names carry content hashes: a rebuild would leave the old ones behind.
rmSync(outdir, { recursive: true, force: true });
const common = {
  // The `// path` comment over each bundled module is relative to this (test/integration/cli-launcher.test.ts reads them).
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  // cpio-stream calls the deprecated Buffer() constructor, which Node lets pass silently only
  // from inside node_modules: bundled, a boot printed a DeprecationWarning.
  external: ['cpio-stream'],
  plugins: [lazyStringWidth, zodEnglishOnly],
};
const commonjs = {
  format: 'cjs',
  // import() of a builtin or of cpio-stream as require(): a vm.Script has no loader for import().
  supported: { 'dynamic-import': false },
  // src/core/paths.ts finds the package root from import.meta.url: here, from the file's own path.
  define: { 'import.meta.url': '__simImportMetaUrl' },
  banner: { js: "var __simImportMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
  metafile: true,
};
/**
 * esbuild's list of the modules bundled into `file`, written beside it (test/integration/cli-launcher.test.ts reads it).
 * @param {string} file
 * @param {import('esbuild').Metafile} metafile
 */
const writeModuleList = (file, metafile) => writeFileSync(`${file}.modules.json`, `${JSON.stringify(Object.keys(metafile.outputs[path.relative(root, file)].inputs), null, 1)}\n`);

const parser = path.join(outdir, 'main.cjs');
const { metafile } = await build({
  ...common,
  ...commonjs,
  entryPoints: [path.join(root, 'dist', 'cli', 'main.js')],
  outfile: parser,
  // V8 takes a third less time to load the code cache of the file without its whitespace (25
  // against 39 ms here); names stay, for stack traces (the source map has the lines).
  minifyWhitespace: true,
});
writeModuleList(parser, metafile);

// All ASCII, so that Node decodes the file on its fast path and V8 keeps it as a one-byte string
// (one non-ASCII character made decoding it 2-3x slower). esbuild escapes them in code; a
// comment it keeps (a legal one) is left: each UTF-16 unit of such a character becomes '?' (so
// the source map's columns still hold).
const text = readFileSync(parser, 'utf8');
const lines = text.split('\n');
const outside = lines.findIndex((line) => /[\u0080-\uffff]/.test(line) && !/^\s*(\/\/|\/\*|\*)/.test(line));
if (outside >= 0) throw new Error(`${parser}:${outside + 1}: a non-ASCII character outside a comment: ${lines[outside].slice(0, 200)}`);
const bytes = Buffer.from(text.replace(/[\u0080-\uffff]/g, '?'), 'latin1');
writeFileSync(parser, bytes);

const launcher = path.join(outdir, 'launcher.cjs');
const launcherBuild = await build({
  ...common,
  ...commonjs,
  entryPoints: [path.join(root, 'dist', 'cli', 'launcher.js')],
  outfile: launcher,
  define: {
    ...commonjs.define,
    // The name of main.cjs's code cache (src/cli/compiled-parser.ts): its hash, taken here rather
    // than at each start (node:crypto and the hash cost 9 ms).
    SIM_PARSER_BUNDLE_HASH: JSON.stringify(createHash('sha256').update(bytes).digest('hex').slice(0, 16)),
  },
});
writeModuleList(launcher, launcherBuild.metafile);
