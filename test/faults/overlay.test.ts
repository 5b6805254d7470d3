/**
 * Overlays that are hard to share: 20,000 files; odd characters (spaces, commas, quotes,
 * newlines, non-ASCII) in the overlay directory's own path and in the files inside; a symlink
 * loop; symlinks pointing outside the prefix, which must never show the guest a host file.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { assertClearError, demoEnv, survive, type FaultEnv } from '../helpers/faults.js';
import { buildFixturePrefix } from '../helpers/fixture-image.js';
import { sim } from '../helpers/sim.js';

const LIBDIR = 'usr/lib/x86_64-linux-gnu';
let env: FaultEnv;

test.before(async () => {
  env = await demoEnv();
});

test('an overlay of 20,000 files', async () => {
  const prefix = path.join(env.root, 'many');
  await buildFixturePrefix(prefix);
  for (let d = 0; d < 100; d++) {
    const dir = path.join(prefix, 'usr/share/many', `d${d}`);
    await mkdir(dir, { recursive: true });
    await Promise.all(Array.from({ length: 200 }, (_, f) => writeFile(path.join(dir, `f${f}`), `${d}/${f}\n`)));
  }
  await survive('20,000 overlay files', env, async () => {
    // Counted by globbing (readdir only): a stat per file over 9p takes minutes under TCG.
    const run = await sim(['boot', '--image', 'demo', '--overlay', prefix, '--no-init', '--', 'sh', '-c',
      'n=0; for d in /run/sim/overlay/usr/share/many/*; do set -- "$d"/*; n=$((n + $#)); done; echo $n; cat /run/sim/overlay/usr/share/many/d99/f199; demo-app'], env);
    assert.is(run.exitCode, 0, String(run.stderr));
    assert.equal(String(run.stdout).split('\n').map((l) => l.trim()), ['20000', '99/199', 'libdemo version 2']);
  });
});

test('odd characters in the overlay path and in its file names', async () => {
  const odd = "sp ace, comma \"dq\" 'sq'\nnewline é ü 日本";
  const prefix = path.join(env.root, odd);
  await buildFixturePrefix(prefix);
  const names = ['with space', 'a,b,,c', 'dq"', "sq'", 'new\nline', 'ünïcødé-日本', '-dash', '$(reboot)', '*'];
  await mkdir(path.join(prefix, 'usr/share/odd'), { recursive: true });
  for (const [i, name] of names.entries()) await writeFile(path.join(prefix, 'usr/share/odd', name), `file${i}\n`);
  await survive('odd overlay paths', env, async () => {
    const run = await sim(['boot', '--image', 'demo', '--overlay', prefix, '--no-init', '--', 'sh', '-c',
      'for f in /run/sim/overlay/usr/share/odd/*; do cat "$f"; done; demo-app; sim-hello'], env);
    assert.is(run.exitCode, 0, String(run.stderr));
    const lines = String(run.stdout).split('\n').map((l) => l.trim());
    assert.equal(lines.slice(0, names.length).sort(), names.map((_, i) => `file${i}`).sort(), 'every file arrives with its content');
    assert.equal(lines.slice(names.length), ['libdemo version 2', 'hello from the overlay']);
  });
});

test('symlink loops and symlinks out of the prefix never show the guest a host file', async () => {
  const prefix = path.join(env.root, 'links');
  await buildFixturePrefix(prefix);
  const token = `HOST-SECRET-${randomBytes(8).toString('hex')}`;
  const secretDir = path.join(env.root, 'host-only');
  const secret = path.join(secretDir, 'secret.txt');
  await mkdir(secretDir, { recursive: true });
  await writeFile(secret, `${token}\n`);
  const share = path.join(prefix, 'usr/share');
  await mkdir(share, { recursive: true });
  await symlink('loop', path.join(share, 'loop'));
  await symlink('ping', path.join(share, 'pong'));
  await symlink('pong', path.join(share, 'ping'));
  await symlink('libloop.so.1', path.join(prefix, LIBDIR, 'libloop.so.1'));
  await symlink(secret, path.join(share, 'secret'));
  await symlink(secretDir, path.join(share, 'secret-dir'));
  await symlink('../../../../../../..', path.join(share, 'up'));
  await symlink('/', path.join(prefix, LIBDIR, 'root'));
  assert.match(await readFile(path.join(share, 'secret'), 'utf8'), new RegExp(token), 'on the host the link does reach the secret');
  await survive('symlink loop and links out of the prefix', env, async () => {
    const o = '/run/sim/overlay/usr/share';
    const run = await sim(['boot', '--image', 'demo', '--overlay', prefix, '--no-init', '--', 'sh', '-c', [
      `cat ${o}/loop ${o}/ping; echo loops-done`,
      `cat ${o}/secret ${o}/secret-dir/secret.txt ${o}/up${secret} /run/sim/overlay/${LIBDIR}/root${secret}`,
      `ls ${o}/secret-dir/ ${o}/up${secretDir}/; grep -rs ${token.slice(0, 11)} /run/sim/overlay`,
      'demo-app',
    ].join('; ')], env);
    const all = `${String(run.stdout)}\n${String(run.stderr)}`;
    assert.not.match(all, new RegExp(token), 'the host file never reaches the guest');
    assert.match(String(run.stdout), /loops-done/);
    assert.match(String(run.stdout), /libdemo version 2/);
  });
  await survive('overlay that is a symlink loop', env, async () => {
    const loop = path.join(env.root, 'overlay-loop');
    await symlink(loop, loop);
    const run = await sim(['boot', '--image', 'demo', '--overlay', loop, '--', 'true'], env);
    assertClearError(run, 64);
    assert.match(String(run.stderr), /is a symbolic link that loops/);
  });
});

test.run();
