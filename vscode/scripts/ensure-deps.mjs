// Installs vscode/'s npm packages (npm ci) when they are missing or older than the lock file, as
// scripts/setup-host.sh does for the root: when they are there this costs nothing.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as path from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const installed = path.join(root, 'node_modules', '.package-lock.json');
const lock = path.join(root, 'package-lock.json');

if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  console.error('vscode/: installing its npm packages (npm ci)');
  // Under npm, npm_execpath is the npm that runs us; elsewhere the one on PATH.
  const npm = process.env.npm_execpath;
  const result = npm ? spawnSync(process.execPath, [npm, 'ci'], { cwd: root, stdio: 'inherit' }) : spawnSync('npm', ['ci'], { cwd: root, stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
