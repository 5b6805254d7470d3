/**
 * The page's files, read once from the package (dist/web-page, built by scripts/bundle-web.js) into
 * memory: the server answers from this table and never opens a path a request names.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { SimError } from '../core/errors.js';
import { packageRoot } from '../core/paths.js';

// Not dist/web: that is the server's own compiled code (src/web/), which the page must not replace.
export const WEB_ASSETS_DIR = path.join(packageRoot, 'dist', 'web-page');

export interface Asset {
  body: Buffer;
  type: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

export interface AssetTable {
  /** index.html with the token in its asset URLs. */
  page: Buffer;
  files: ReadonlyMap<string, Asset>;
}

export async function loadAssets(token: string, dir = WEB_ASSETS_DIR): Promise<AssetTable> {
  const names = await readdir(dir).catch(() => undefined);
  if (!names?.includes('index.html')) {
    throw new SimError('WEB_ASSETS_MISSING', `The web console's page is not built (${dir} has no index.html).`, 'Run `npm run build` in the sim checkout.');
  }
  const files = new Map<string, Asset>();
  for (const name of names) {
    const type = TYPES[path.extname(name)];
    if (type && name !== 'index.html') files.set(name, { body: await readFile(path.join(dir, name)), type });
  }
  const page = Buffer.from((await readFile(path.join(dir, 'index.html'), 'utf8')).replaceAll('%TOKEN%', encodeURIComponent(token)));
  return { page, files };
}
