/**
 * Two versions of the fixture image as a team's nightly builds would differ, and a publisher's
 * OpenPGP key: the inputs of the pull/update/publish tests.
 *
 * Version 2 is version 1 with one library's files replaced the way a package upgrade replaces
 * them (a new 1 MiB shared object) and a changed file in /etc, written into
 * the ext4 root with debugfs (no root, no mounts).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { buildFixtureImage } from './fixture-image.js';

export interface PublishedInputs {
  dir: string;
  v1: string;
  v2: string;
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
  const library = path.join(dir, 'libupgraded.so.2');
  await writeFile(library, randomBytes(1024 * 1024));
  await writeFile(path.join(dir, 'sim-version'), 'nightly 2\n');
  await writeFile(path.join(dir, 'sim-version-1'), 'nightly 1\n');
  await debugfs(`${v1}?offset=${await rootOffset(v1)}`, [`write ${path.join(dir, 'sim-version-1')} /etc/sim-version`]);
  await debugfs(`${v2}?offset=${await rootOffset(v2)}`, [
    `write ${path.join(dir, 'sim-version')} /etc/sim-version`,
    `write ${library} /usr/lib/x86_64-linux-gnu/libupgraded.so.2`,
  ]);

  const gnupgHome = path.join(dir, 'gnupg');
  const keyId = await generateKey(gnupgHome, 'Nightly Publisher <nightly@example.org>');
  const keyring = path.join(dir, 'publisher.gpg');
  await execa('gpg', ['--batch', '--export', '--output', keyring, keyId], { env: { ...process.env, GNUPGHOME: gnupgHome } });
  const otherHome = path.join(dir, 'gnupg-other');
  const otherId = await generateKey(otherHome, 'Someone Else <else@example.org>');
  const otherKeyring = path.join(dir, 'other.gpg');
  await execa('gpg', ['--batch', '--export', '--output', otherKeyring, otherId], { env: { ...process.env, GNUPGHOME: otherHome } });
  return { dir, v1, v2, gnupgHome, keyring, otherKeyring, keyId };
}
