// The CLI as a few files (`npm run build` runs this after tsc): Node 20 resolves and compiles
// each of the ~60 files of yargs and sim's own modules one by one, which costs `sim --version`
// more than bundling them. Split at the dynamic imports of src/cli/launcher.ts and main.ts, so that a command's
// code stays a chunk of its own, loaded only when that command runs. The library API
// (dist/index.js) and the simulator daemon (dist/simulators/daemon-main.js) stay tsc's output.
import { rmSync } from 'node:fs';
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
await build({
  // launcher.js answers `sim ls` and `sim --version` without main.js (the parser, yargs).
  entryPoints: [path.join(root, 'dist', 'cli', 'launcher.js'), path.join(root, 'dist', 'cli', 'main.js')],
  // The `// path` comment over each bundled module is relative to this (test/integration/cli-launcher.test.ts reads them).
  absWorkingDir: root,
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  // cpio-stream calls the deprecated Buffer() constructor, which Node lets pass silently only
  // from inside node_modules: bundled, a boot printed a DeprecationWarning.
  external: ['cpio-stream'],
  plugins: [lazyStringWidth, zodEnglishOnly],
  // The CommonJS packages among the dependencies call require(); an ES module has none of its own.
  banner: { js: "import { createRequire as __simCreateRequire } from 'node:module'; const require = __simCreateRequire(import.meta.url);" },
});
