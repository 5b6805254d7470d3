import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (where guest/, images/ and fixtures/ live), from dist/core/ or src/core/. */
export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const guestScriptsDir = path.join(packageRoot, 'guest');
export const recipesDir = path.join(packageRoot, 'images');
