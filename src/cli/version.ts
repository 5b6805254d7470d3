/**
 * sim's version, from its own package.json. yargs would guess one from where its own code lies,
 * which in the bundled CLI (scripts/bundle-cli.js) is nowhere near a node_modules: it would then
 * read the package.json of the current directory, the user's project.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../core/paths.js';

export function simVersion(): string {
  return (JSON.parse(readFileSync(path.join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
}
