/**
 * Two versions of a Debian disk one package apart, the way a nightly image changes: the stored
 * image converted to raw, then the package's files (and its dpkg records) written over the
 * image's copies with `debugfs -w` (no root, no loop devices) — in one copy from another version
 * of the package in the Debian archive (`apt-get download`), in the other from the version the
 * image has, so both copies went through the same rewrite and differ by the package's bytes
 * alone. Made once per image and cached in the bench cache.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../src/core/atomic.js';
import { run } from '../../src/core/process.js';

export interface PackageVersions {
  /** The older version: the image with the package at `from`. */
  v1: string;
  /** The newer version: the image with the package at `to` (the image's own). */
  v2: string;
  /** v2 as a qcow2 file: what a server offers for a plain download. */
  v2qcow2: string;
  pkg: string;
  from: string;
  to: string;
  /** How v2 was made: 'rewritten' (the image's version from the archive, like v1) or 'as stored' (that version is no longer in the archive). */
  v2Made: 'rewritten' | 'as stored';
  /** Size of the raw disks. */
  rawBytes: number;
}

export const PACKAGE = 'libglib2.0-0';

interface Source {
  /** The stored qcow2 disk. */
  disk: string;
  imageId: string;
  /** Byte offset of the root ext4 filesystem in the disk. */
  rootOffset: number;
}

const exists = (file: string) => stat(file).then(() => true, () => false);

/** The package's stanza in a dpkg status file, and its Version. */
function stanzaOf(status: string, pkg: string): { start: number; end: number; version: string } | undefined {
  let start = 0;
  for (const block of status.split(/\n\n/)) {
    const end = start + block.length;
    if (new RegExp(`^Package: ${pkg.replaceAll('.', '\\.')}$`, 'm').test(block) && /^Status: install ok installed$/m.test(block)) {
      const version = /^Version: (.+)$/m.exec(block)?.[1];
      if (version) return { start, end, version };
    }
    start = end + 2;
  }
  return undefined;
}

async function debugfs(image: string, offset: number, request: string): Promise<string> {
  return (await run('debugfs', ['-R', request, `${image}?offset=${offset}`])).stdout;
}

async function existsInImage(image: string, offset: number, file: string): Promise<boolean> {
  const result = await run('debugfs', ['-R', `stat "${file}"`, `${image}?offset=${offset}`], { allowFailure: true });
  return /Inode: \d+/.test(result.stdout);
}

async function filesUnder(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = path.join(prefix, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(dir, rel)));
    else if (entry.isFile()) out.push(rel);
  }
  return out;
}

const sha = async (file: string) => createHash('sha256').update(await readFile(file)).digest('hex');

/**
 * Write `deb`'s regular files, its control files kept in /var/lib/dpkg/info and its status
 * stanza's version over the copies in the raw disk `image` (only where the image has the file:
 * what dpkg's path excludes left out stays out).
 */
async function installInto(image: string, offset: number, deb: string, version: string, work: string): Promise<void> {
  const tree = path.join(work, 'tree');
  const control = path.join(work, 'control');
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  await run('dpkg-deb', ['-x', deb, tree]);
  await run('dpkg-deb', ['-e', deb, control]);
  const writes: [local: string, target: string][] = [];
  for (const rel of await filesUnder(tree)) writes.push([path.join(tree, rel), `/${rel}`]);
  const arch = (await run('dpkg-deb', ['-f', deb, 'Architecture'])).stdout.trim();
  for (const name of await readdir(control)) {
    if (name !== 'control') writes.push([path.join(control, name), `/var/lib/dpkg/info/${PACKAGE}:${arch}.${name}`]);
  }
  const status = await debugfs(image, offset, 'cat /var/lib/dpkg/status');
  const stanza = stanzaOf(status, PACKAGE);
  if (stanza) {
    const block = status.slice(stanza.start, stanza.end).replace(/^Version: .+$/m, `Version: ${version}`);
    await writeFile(path.join(work, 'status'), status.slice(0, stanza.start) + block + status.slice(stanza.end));
    writes.push([path.join(work, 'status'), '/var/lib/dpkg/status']);
  }
  const script: string[] = [];
  for (const [local, target] of writes) {
    if (!(await existsInImage(image, offset, target))) continue;
    script.push(`rm "${target}"`, `write "${local}" "${target}"`);
  }
  if (!script.length) throw new Error(`none of ${path.basename(deb)}'s files is in the image`);
  await writeFile(path.join(work, 'script'), `${script.join('\n')}\n`);
  await run('debugfs', ['-w', '-f', path.join(work, 'script'), `${image}?offset=${offset}`]);
  // Read back: the library and the status say the new version.
  const [local, target] = writes.find(([, t]) => /\/libglib-2\.0\.so\.0\.[\d.]+$/.test(t)) ?? writes[0]!;
  const back = path.join(work, 'back');
  await debugfs(image, offset, `dump "${target}" "${back}"`);
  if (!(await exists(back)) || (await sha(back)) !== (await sha(local))) throw new Error(`debugfs did not write ${target} into ${image}`);
  if (stanza && stanzaOf(await debugfs(image, offset, 'cat /var/lib/dpkg/status'), PACKAGE)?.version !== version) throw new Error(`the status in ${image} does not say ${PACKAGE} ${version}`);
}

/** v1 and v2 of the image, one package apart; cached in `cacheDir` by image id. */
export async function packageVersions(source: Source, cacheDir: string, log: (line: string) => void): Promise<PackageVersions> {
  const dir = path.join(cacheDir, `remote-${source.imageId.slice(0, 16)}`);
  const record = path.join(dir, 'versions.json');
  const cached = await readFile(record, 'utf8').then((text) => JSON.parse(text) as PackageVersions, () => undefined);
  if (cached && (await exists(cached.v1)) && (await exists(cached.v2)) && (await exists(cached.v2qcow2))) return cached;

  log(`two versions of the image one package apart (${PACKAGE} from the archive, written with debugfs; once)`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const work = await mkdtemp(path.join(dir, 'work-'));
  try {
    const base = path.join(work, 'base.raw');
    await run('qemu-img', ['convert', '-f', 'qcow2', '-O', 'raw', source.disk, base]);
    const installed = stanzaOf(await debugfs(base, source.rootOffset, 'cat /var/lib/dpkg/status'), PACKAGE)?.version;
    if (!installed) throw new Error(`the image has no ${PACKAGE} installed`);
    const madison = (await run('apt-cache', ['madison', PACKAGE])).stdout;
    const available = [...new Set(madison.split('\n').map((line) => line.split('|')[1]?.trim()).filter((v): v is string => !!v))];
    const other = available.find((v) => v !== installed);
    if (!other) throw new Error(`the archive has no other version of ${PACKAGE} than the image's ${installed} (apt-cache madison: ${available.join(', ') || 'none'}; apt-get update?)`);
    const fetchDeb = async (version: string) => {
      await run('apt-get', ['download', '-q', `${PACKAGE}=${version}`], { cwd: work });
      const name = (await readdir(work)).find((n) => n.startsWith(`${PACKAGE}_${version.replace(/:/g, '%3a')}_`) && n.endsWith('.deb'));
      if (!name) throw new Error(`apt-get download ${PACKAGE}=${version} left no .deb in ${work}`);
      return path.join(work, name);
    };

    const v1 = path.join(dir, 'v1.raw');
    const v2 = path.join(dir, 'v2.raw');
    await run('cp', ['--sparse=always', base, `${v1}.tmp`]);
    await installInto(`${v1}.tmp`, source.rootOffset, await fetchDeb(other), other, path.join(work, 'v1'));
    let v2Made: PackageVersions['v2Made'] = 'rewritten';
    if (available.includes(installed)) {
      await run('cp', ['--sparse=always', base, `${v2}.tmp`]);
      await installInto(`${v2}.tmp`, source.rootOffset, await fetchDeb(installed), installed, path.join(work, 'v2'));
      await rm(base);
    } else {
      v2Made = 'as stored';
      await rename(base, `${v2}.tmp`);
    }
    await rename(`${v1}.tmp`, v1);
    await rename(`${v2}.tmp`, v2);
    const v2qcow2 = path.join(dir, 'v2.qcow2');
    await run('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', v2, `${v2qcow2}.tmp`]);
    await rename(`${v2qcow2}.tmp`, v2qcow2);
    const versions: PackageVersions = { v1, v2, v2qcow2, pkg: PACKAGE, from: other, to: installed, v2Made, rawBytes: (await stat(v2)).size };
    await writeFileAtomic(record, `${JSON.stringify(versions, null, 2)}\n`);
    return versions;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
