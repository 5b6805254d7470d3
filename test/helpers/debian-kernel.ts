// Fetches Debian's current amd64 kernel package and extracts it, for the test fixtures.
//
// The .deb (~70 MB) is kept in the fixture cache so that later runs need neither apt nor
// the network. Only the first run asks apt which flavour package `linux-image-amd64`
// currently depends on.
import { mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';

const DEB_PATTERN = /^linux-image-(\d[^_]*-amd64)_.*_amd64\.deb$/;

export interface KernelDeb {
  /** Absolute path of the cached .deb. */
  path: string;
  /** File name only; part of the fixture cache key. */
  name: string;
  /** Kernel release, e.g. "6.1.0-56-amd64". */
  version: string;
}

/** Returns a cached kernel .deb, downloading the current one with apt if none is cached. */
export async function kernelDeb(cacheDir: string): Promise<KernelDeb> {
  const cached = await cachedKernelDeb(cacheDir);
  if (cached) return cached;
  const pkg = await currentKernelPackage();
  await downloadDeb(pkg, cacheDir);
  const fetched = await cachedKernelDeb(cacheDir);
  if (!fetched) throw new Error(`apt-get download ${pkg} did not leave a matching .deb in ${cacheDir}`);
  return fetched;
}

/** Newest kernel .deb already in the cache, if any (works offline). */
async function cachedKernelDeb(cacheDir: string): Promise<KernelDeb | undefined> {
  const names = (await readdir(cacheDir)).filter((n) => DEB_PATTERN.test(n));
  names.sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
  const name = names[0];
  if (!name) return undefined;
  const version = DEB_PATTERN.exec(name)![1]!;
  return { path: path.join(cacheDir, name), name, version };
}

/** Name of the flavour package, e.g. "linux-image-6.1.0-56-amd64". */
async function currentKernelPackage(): Promise<string> {
  let pkg = await dependencyOfMetaPackage();
  if (!pkg) {
    // A fresh container often has empty package lists: apt-cache then knows nothing.
    if (process.getuid?.() !== 0) throw new Error('apt-cache knows no linux-image-amd64: the package lists are empty; run sudo apt-get update once');
    await execa('apt-get', ['update', '-qq']);
    pkg = await dependencyOfMetaPackage();
  }
  if (!pkg) throw new Error('apt-cache depends linux-image-amd64 names no linux-image-*-amd64 package');
  return pkg;
}

async function dependencyOfMetaPackage(): Promise<string | undefined> {
  const result = await execa('apt-cache', ['depends', 'linux-image-amd64'], { reject: false });
  if (result.exitCode !== 0) return undefined;
  return /Depends:\s+(linux-image-\d\S*-amd64)/.exec(result.stdout)?.[1];
}

/** Downloads into a private temp dir, then renames into the cache: never a half-written .deb. */
async function downloadDeb(pkg: string, cacheDir: string): Promise<void> {
  const tmp = await mkdtemp(path.join(cacheDir, '.download-'));
  try {
    // As root apt wants to drop to the _apt user, which cannot write our 0700 temp dir.
    const sandbox = process.getuid?.() === 0 ? ['-o', 'APT::Sandbox::User=root'] : [];
    await execa('apt-get', [...sandbox, 'download', '-q', pkg], { cwd: tmp });
    for (const name of await readdir(tmp)) {
      if (DEB_PATTERN.test(name)) await rename(path.join(tmp, name), path.join(cacheDir, name));
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Unpacks the package's files (not its maintainer scripts) into dir. */
export async function extractDeb(deb: string, dir: string): Promise<void> {
  await execa('dpkg-deb', ['-x', deb, dir]);
}
