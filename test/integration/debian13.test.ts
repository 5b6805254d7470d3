/**
 * Debian 13 (trixie), the shipped `debian13` recipe: kernel 6.12 with xz-compressed modules,
 * systemd 257. Built once into the cache (a later run is a cache hit), then booted under
 * systemd with a prefix that must win in merge mode: a file the image has (/etc/motd), a
 * program started by its absolute path from a unit of the prefix that systemd runs at boot.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { missingRequirements } from '../../src/demo/demo.js';
import { findImage, resolveOrBuildImage } from '../../src/index.js';
import { loadRecipe } from '../../src/images/recipe.js';
import { sim } from '../helpers/sim.js';

const IMAGE = 'debian13';

let skip: string | undefined;
let prefix: string;

async function skipReason(): Promise<string | undefined> {
  const { key } = await loadRecipe(IMAGE);
  const stored = await findImage(key);
  const missing = (await missingRequirements(['boot', ...(stored ? [] : ['image' as const])])).map((r) => r.what);
  const reason = missing.length ? `missing: ${missing.join(', ')}` : undefined;
  if (reason && process.env.CI === 'true') throw new Error(`the Debian 13 tests cannot run in CI: ${reason}`);
  return reason;
}

/** key=value lines of the command's output. */
const values = (text: string) => Object.fromEntries(text.split('\n').flatMap((l) => (l.includes('=') ? [[l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]] : [])));

test('setup: the debian13 image from its recipe, and a prefix with a program, a unit and /etc/motd', async () => {
  skip = await skipReason();
  if (skip) return console.warn(`skipping the Debian 13 tests: ${skip}`);
  const started = Date.now();
  await resolveOrBuildImage(IMAGE);
  console.log(`      image: ${Date.now() - started} ms (a cache hit after the first run)`);
  prefix = await mkdtemp(path.join(os.tmpdir(), 'sim-debian13-'));
  const file = async (rel: string, text: string, mode = 0o644) => {
    await mkdir(path.dirname(path.join(prefix, rel)), { recursive: true });
    await writeFile(path.join(prefix, rel), text, { mode });
  };
  await file('usr/bin/sim-hello13', '#!/bin/sh\necho "hello from the prefix on $(. /etc/os-release; echo "$VERSION_CODENAME")"\n', 0o755);
  await file('usr/lib/systemd/system/sim-probe13.service', '[Unit]\nDescription=sim: a unit of the prefix\n[Service]\nType=oneshot\nExecStart=/bin/sh -c "/usr/bin/sim-hello13 > /run/sim-probe13"\n[Install]\nWantedBy=multi-user.target\n');
  await mkdir(path.join(prefix, 'usr/lib/systemd/system/multi-user.target.wants'), { recursive: true });
  await symlink('../sim-probe13.service', path.join(prefix, 'usr/lib/systemd/system/multi-user.target.wants/sim-probe13.service'));
  await file('etc/motd', 'motd from the prefix\n');
});

test('Debian 13 boots under systemd with the prefix merged: its unit ran its program, its /etc wins', async () => {
  if (skip) return;
  const script = [
    'echo "kernel=$(uname -r)"',
    'echo "xz-modules=$(find /usr/lib/modules/$(uname -r)/kernel -name "*.ko.xz" | wc -l)"',
    'echo "overlay-module=$(ls /usr/lib/modules/$(uname -r)/kernel/fs/overlayfs)"',
    'echo "systemd=$(systemctl --version | head -n 1 | cut -d" " -f2)"',
    'echo "usr=$(stat -f -c %T /usr)"',
    'echo "probe=$(cat /run/sim-probe13)"',
    'echo "motd=$(cat /etc/motd)"',
  ].join('\n');
  const started = Date.now();
  const run = await sim(['boot', '--image', IMAGE, '--overlay', prefix, '--', 'sh', '-c', script], {});
  console.log(`      boot: ${Date.now() - started} ms`);
  const v = values(String(run.stdout));
  const context = `${String(run.stderr).slice(-3000)}\n${JSON.stringify(v, null, 2)}`;
  assert.is(run.exitCode, 0, context);
  assert.match(v.kernel ?? '', /^6\.12\./, context);
  assert.ok(Number(v['xz-modules']) > 100, `the image's modules are xz-compressed\n${context}`);
  assert.is(v['overlay-module'], 'overlay.ko.xz', context);
  assert.ok(Number(v.systemd) >= 257, context);
  assert.is(v.usr, 'ext2/ext3', `merge mode with usr/ settled: /usr is the root's own\n${context}`);
  assert.is(v.probe, 'hello from the prefix on trixie', `systemd ran the prefix's unit and its program\n${context}`);
  assert.is(v.motd, 'motd from the prefix', context);
});

test('cleanup', async () => {
  if (prefix) await rm(prefix, { recursive: true, force: true });
});

test.run();
