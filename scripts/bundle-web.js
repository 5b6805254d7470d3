// The web console's page (`sim web` serves dist/web-page/): web/src/main.ts bundled with noVNC and
// xterm.js into one module, and the page's HTML and styles beside it.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outdir = path.join(root, 'dist', 'web-page');

// Nothing of an older build may linger: the server serves what is there.
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
await build({
  entryPoints: [path.join(root, 'web', 'src', 'main.ts')],
  absWorkingDir: root,
  outfile: path.join(outdir, 'app.js'),
  tsconfig: path.join(root, 'web', 'tsconfig.json'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  // noVNC awaits at the top level of a module.
  target: 'es2022',
  minify: true,
  sourcemap: 'linked',
  logLevel: 'warning',
});
for (const [from, to] of [
  ['web/index.html', 'index.html'],
  ['web/app.css', 'app.css'],
  ['node_modules/@xterm/xterm/css/xterm.css', 'xterm.css'],
]) {
  copyFileSync(path.join(root, from), path.join(outdir, to));
}
