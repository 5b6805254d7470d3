/**
 * Two versions of the fixture image as a team's nightly builds would differ, and a publisher's
 * OpenPGP key: the inputs of the pull/update/publish tests.
 *
 * Both carry a real Debian package, libglib2.0-0: version 1 an older build of it than version 2
 * (two versions Debian's archive has, fetched once with apt-get download and kept in the fixture
 * cache), and version 2 a changed file in /etc. The package's files are written into the ext4
 * root with debugfs (no root, no mounts).
 */
import { lstat, mkdir, mkdtemp, readdir, readlink, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { buildFixtureImage, fixtureCacheDir } from './fixture-image.js';

const PACKAGE = 'libglib2.0-0';

export interface PackageVersion {
  version: string;
  /** The unpacked package (dpkg-deb -x). */
  tree: string;
}

export interface PublishedInputs {
  dir: string;
  v1: string;
  v2: string;
  /** The package version in each image. */
  older: PackageVersion;
  newer: PackageVersion;
  /** GNUPGHOME holding the publisher's secret key. */
  gnupgHome: string;
  /** The publisher's public key (binary keyring), and another key's: a keyring that must not verify. */
  keyring: string;
  otherKeyring: string;
  keyId: string;
}

async function rootOffset(raw: string): Promise<number> {
  const { stdout } = await execa('sfdisk', ['--json', raw], { env: { PATH: `${process.env.PATH}:/usr/sbin:/sbin` } });
  const table = JSON.parse(stdout) as { partitiontable: { sectorsize?: number; partitions: { start: number; type: string }[] } };
  const root = table.partitiontable.partitions.find((p) => p.type.toUpperCase() === '4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709');
  if (!root) throw new Error('the fixture disk has no root partition');
  return root.start * (table.partitiontable.sectorsize ?? 512);
}

async function debugfs(device: string, commands: string[]): Promise<void> {
  const script = commands.join('\n');
  await execa('debugfs', ['-w', '-f', '-', device], { input: script, env: { PATH: `${process.env.PATH}:/usr/sbin:/sbin` } });
}

/** Two versions of the package from the archive, oldest first, unpacked (cached: no network after the first run). */
async function packageVersions(): Promise<[PackageVersion, PackageVersion]> {
  const cache = path.join(fixtureCacheDir(), 'published-debs');
  await mkdir(cache, { recursive: true });
  let debs = (await readdir(cache)).filter((name) => name.endsWith('.deb'));
  if (debs.length < 2) {
    const madison = await execa('apt-cache', ['madison', PACKAGE]);
    const versions = [...new Set(madison.stdout.split('\n').map((line) => line.split('|')[1]?.trim()).filter((v): v is string => Boolean(v)))];
    if (versions.length < 2) throw new Error(`the archive has one version of ${PACKAGE} (${versions.join(', ')}): run apt-get update`);
    const tmp = await mkdtemp(path.join(cache, '.download-'));
    // As root apt wants to drop to the _apt user, which cannot write our 0700 temp dir.
    const sandbox = process.getuid?.() === 0 ? ['-o', 'APT::Sandbox::User=root'] : [];
    await execa('apt-get', [...sandbox, 'download', '-q', ...versions.slice(0, 2).map((v) => `${PACKAGE}=${v}`)], { cwd: tmp });
    for (const name of await readdir(tmp)) await rename(path.join(tmp, name), path.join(cache, name));
    await rm(tmp, { recursive: true, force: true });
    debs = (await readdir(cache)).filter((name) => name.endsWith('.deb'));
  }
  const unpacked = await Promise.all(
    debs.map(async (name) => {
      const version = decodeURIComponent(name.split('_')[1]!);
      const tree = path.join(cache, `tree-${version}`);
      if (!(await lstat(tree).catch(() => undefined))) {
        await execa('dpkg-deb', ['-x', path.join(cache, name), `${tree}.tmp`]);
        await rename(`${tree}.tmp`, tree);
      }
      return { version, tree };
    }),
  );
  const [a, b] = unpacked as [PackageVersion, PackageVersion];
  // dpkg's version order.
  const aOlder = (await execa('dpkg', ['--compare-versions', a.version, 'lt', b.version], { reject: false })).exitCode === 0;
  return aOlder ? [a, b] : [b, a];
}

/** debugfs commands writing an unpacked package's directories, files and symlinks into the image. */
async function packageCommands(tree: string, dir = ''): Promise<string[]> {
  const commands: string[] = [];
  for (const name of (await readdir(path.join(tree, dir))).sort()) {
    const rel = path.join(dir, name);
    const info = await lstat(path.join(tree, rel));
    if (info.isDirectory()) commands.push(`mkdir /${rel}`, ...(await packageCommands(tree, rel)));
    else if (info.isSymbolicLink()) commands.push(`rm /${rel}`, `symlink /${rel} ${await readlink(path.join(tree, rel))}`);
    else commands.push(`rm /${rel}`, `write ${path.join(tree, rel)} /${rel}`);
  }
  return commands;
}

async function generateKey(home: string, uid: string): Promise<string> {
  await mkdir(home, { recursive: true, mode: 0o700 });
  const env = { ...process.env, GNUPGHOME: home };
  await execa('gpg', ['--batch', '--quiet', '--passphrase', '', '--quick-gen-key', uid, 'ed25519', 'sign', 'never'], { env });
  const { stdout } = await execa('gpg', ['--batch', '--with-colons', '--list-keys', uid], { env });
  return stdout.split('\n').find((line) => line.startsWith('fpr:'))!.split(':')[9]!;
}

export async function publishedInputs(): Promise<PublishedInputs> {
  const fixture = await buildFixtureImage();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sim-published-'));
  const v1 = path.join(dir, 'nightly-v1.raw');
  const v2 = path.join(dir, 'nightly-v2.raw');
  await execa('qemu-img', ['convert', '-f', 'qcow2', '-O', 'raw', fixture.disk, v1]);
  await execa('cp', ['--sparse=always', v1, v2]);
  const [older, newer] = await packageVersions();
  await writeFile(path.join(dir, 'sim-version'), 'nightly 2\n');
  await writeFile(path.join(dir, 'sim-version-1'), 'nightly 1\n');
  await debugfs(`${v1}?offset=${await rootOffset(v1)}`, [`write ${path.join(dir, 'sim-version-1')} /etc/sim-version`, ...(await packageCommands(older.tree))]);
  await debugfs(`${v2}?offset=${await rootOffset(v2)}`, [`write ${path.join(dir, 'sim-version')} /etc/sim-version`, ...(await packageCommands(newer.tree))]);

  const gnupgHome = path.join(dir, 'gnupg');
  const keyId = await generateKey(gnupgHome, 'Nightly Publisher <nightly@example.org>');
  const keyring = path.join(dir, 'publisher.gpg');
  await execa('gpg', ['--batch', '--export', '--output', keyring, keyId], { env: { ...process.env, GNUPGHOME: gnupgHome } });
  const otherHome = path.join(dir, 'gnupg-other');
  const otherId = await generateKey(otherHome, 'Someone Else <else@example.org>');
  const otherKeyring = path.join(dir, 'other.gpg');
  await execa('gpg', ['--batch', '--export', '--output', otherKeyring, otherId], { env: { ...process.env, GNUPGHOME: otherHome } });
  return { dir, v1, v2, older, newer, gnupgHome, keyring, otherKeyring, keyId };
}
