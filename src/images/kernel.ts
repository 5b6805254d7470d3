/**
 * Extracting what sim needs from an image's root filesystem, once, at import: the kernel, the
 * kernel modules its initramfs loads (with their index files) and the image's libdir.
 */
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { SimError } from '../core/errors.js';
import { emit, type EventSink } from '../core/events.js';
import { displayModules } from '../display/contribution.js';
import { mergeModules } from '../boot/overlay-mode.js';
import { parseModuleIndex, requiredModules, resolveModules, withDependents, withoutModules } from '../initramfs/modules.js';
import { runBinary } from '../core/process.js';
import { programHeaders, PT_NOTE } from '../core/elf.js';
import type { ExtFs } from './debugfs.js';

export const MODULE_INDEX_FILES = ['modules.dep', 'modules.softdep', 'modules.alias', 'modules.builtin'] as const;

/** Compare kernel versions like `sort -V` would, enough for 6.1.0-18 vs 6.1.0-9. Pure. */
export function compareVersions(a: string, b: string): number {
  const split = (v: string) => v.split(/(\d+)/).map((part) => (/^\d+$/.test(part) ? Number(part) : part));
  const pa = split(a);
  const pb = split(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '';
    const y = pb[i] ?? '';
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}

export interface KernelLocation {
  version: string;
  /** Path of the kernel inside the image. */
  kernel: string;
  /** Module tree inside the image, e.g. /usr/lib/modules/6.1.0-18-amd64. */
  modulesDir: string;
}

/** Find the newest kernel: /boot/vmlinuz-<ver>, or /usr/lib/modules/<ver>/vmlinuz (Fedora-like). */
export async function findKernel(fs: ExtFs, label: string): Promise<KernelLocation> {
  const found: { version: string; kernel: string }[] = [];
  for (const entry of (await fs.list('/boot')) ?? []) {
    const m = /^vmlinuz-(.+)$/.exec(entry.name);
    if (m && (entry.mode & 0o170000) === 0o100000) found.push({ version: m[1]!, kernel: `/boot/${entry.name}` });
  }
  let moduleRoots = ['/usr/lib/modules', '/lib/modules'];
  for (const root of moduleRoots) {
    for (const entry of (await fs.list(root)) ?? []) {
      if (found.some((f) => f.version === entry.name)) continue;
      const inner = await fs.list(`${root}/${entry.name}`);
      if (inner?.some((e) => e.name === 'vmlinuz')) found.push({ version: entry.name, kernel: `${root}/${entry.name}/vmlinuz` });
    }
  }
  found.sort((a, b) => compareVersions(b.version, a.version));
  const newest = found[0];
  if (!newest) {
    throw new SimError('IMAGE_NO_KERNEL', `No kernel was found in ${label} (looked for /boot/vmlinuz-* and /usr/lib/modules/*/vmlinuz).`, 'Install a kernel package in the image (for Debian: linux-image-amd64).');
  }
  moduleRoots = moduleRoots.map((r) => `${r}/${newest.version}`);
  for (const modulesDir of moduleRoots) {
    if (await fs.isDirectory(modulesDir)) return { ...newest, modulesDir };
  }
  throw new SimError('KERNEL_NO_MODULES', `Kernel ${newest.version} in ${label} has no module directory (/usr/lib/modules/${newest.version}).`, 'Install the kernel package completely, including its modules, and run depmod in the image.');
}

/** The image's libdir relative to /: Debian multiarch, else lib64, else lib. */
export async function findLibdir(fs: ExtFs): Promise<string> {
  for (const candidate of ['usr/lib/x86_64-linux-gnu', 'usr/lib64']) {
    if (await fs.isDirectory(`/${candidate}`)) return candidate;
  }
  return 'usr/lib';
}

/**
 * Copy the kernel and the modules the initramfs needs (resolved from the image's own index)
 * into `destDir`: kernel/vmlinuz, kernel/modules/<index files and .ko files>.
 */
export async function extractKernel(fs: ExtFs, location: KernelLocation, fstype: string, destDir: string, label: string, events?: EventSink): Promise<{ kernel: string; modulesDir: string }> {
  const modulesDest = path.join(destDir, 'modules');
  await mkdir(modulesDest, { recursive: true });
  const index = new Map<string, string>([[location.kernel, 'vmlinuz']]);
  for (const file of MODULE_INDEX_FILES) index.set(`${location.modulesDir}/${file}`, `modules/${file}`);
  await fs.dumpMany(index, destDir);

  const read = async (file: string) => readFile(path.join(modulesDest, file), 'utf8').catch(() => undefined);
  const dep = await read('modules.dep');
  const builtin = await read('modules.builtin');
  if (dep === undefined && builtin === undefined) {
    throw new SimError('KERNEL_NO_MODULES', `Kernel ${location.version} in ${label} has no modules.dep or modules.builtin.`, `Run 'depmod ${location.version}' inside the image, then import it again.`);
  }
  const parsed = parseModuleIndex({ dep: dep ?? '', softdep: await read('modules.softdep'), alias: await read('modules.alias'), builtin });
  // The display and overlayfs modules too, when the kernel has them: the boots that use them load them.
  const { load, missing } = resolveModules(parsed, requiredModules(fstype), [...displayModules, ...mergeModules]);
  // What a boot cannot do without; the optional modules and their own needs are not.
  const required = new Set(resolveModules(parsed, requiredModules(fstype)).load.map((m) => m.name));
  if (missing.length) {
    throw new SimError('KERNEL_NO_MODULES', `Kernel ${location.version} in ${label} lacks modules sim needs: ${missing.join(', ')}.`, 'Use a kernel with virtio, virtio-blk, virtio-console, 9p and the root filesystem as modules or built in (Debian and Fedora kernels have them).');
  }
  const files = new Map(load.map((m) => [`${location.modulesDir}/${m.path}`, `modules/${m.path}`]));
  for (const to of files.values()) await mkdir(path.join(destDir, path.dirname(to)), { recursive: true });
  await fs.dumpMany(files, destDir);
  const missingFiles: string[] = [];
  for (const m of load) {
    const file = path.join(modulesDest, m.path);
    if (await nonEmpty(file)) await decompressModule(file);
    else if (required.has(m.name)) throw unreadableModule(m.name);
    else missingFiles.push(m.name);
  }
  if (missingFiles.length) {
    // An optional module listed in modules.dep but missing on disk: go on without it and what
    // needs it. Dropping them from the stored index makes every later resolution see them as
    // unavailable.
    const dropped = withDependents(parsed, load.map((m) => m.name), missingFiles);
    for (const m of load.filter((l) => dropped.includes(l.name))) await rm(path.join(modulesDest, m.path), { force: true });
    await writeFile(path.join(modulesDest, 'modules.dep'), withoutModules(dep ?? '', dropped));
    const dependents = dropped.filter((name) => !missingFiles.includes(name));
    emit(events, {
      type: 'log',
      level: 'warn',
      message: `kernel ${location.version} in ${label} lists ${missingFiles.join(', ')} in modules.dep, but the image lacks ${missingFiles.length === 1 ? 'its file' : 'their files'}: imported without ${dependents.length ? `them and ${dependents.join(', ')}` : missingFiles.length === 1 ? 'it' : 'them'} (optional; a boot with a screen may stay in text mode)`,
    });
  }
  return { kernel: 'vmlinuz', modulesDir: 'modules' };
}

async function nonEmpty(file: string): Promise<boolean> {
  return stat(file).then((info) => info.size > 0, () => false);
}

function unreadableModule(name: string): SimError {
  return new SimError('KERNEL_NO_MODULES', `The module ${name} could not be read from the image.`, 'Check that the image is not damaged (fsck it), then import it again.');
}

/** busybox insmod wants plain ELF: decompress .ko.xz/.ko.zst/.ko.gz in place (same name). */
async function decompressModule(file: string): Promise<void> {
  if (file.endsWith('.ko')) return;
  let plain: Buffer;
  if (file.endsWith('.gz')) plain = gunzipSync(await readFile(file));
  else if (file.endsWith('.xz')) plain = await runBinary('xz', ['-dc', file]);
  else plain = await runBinary('zstd', ['-dc', file]);
  await writeFile(`${file}.tmp`, plain);
  await rename(`${file}.tmp`, file);
}

/**
 * Extract the uncompressed vmlinux from a bzImage: booting it through its PVH entry point skips
 * the in-guest decompression, which dominates a TCG boot. Returns false when it cannot.
 */
export async function extractVmlinux(bzImage: string, dest: string): Promise<boolean> {
  const data = await readFile(bzImage);
  const magics: [Buffer, string[]][] = [
    [Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]), ['xz', '-dc', '--single-stream']],
    [Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), ['zstd', '-dc']],
  ];
  for (const [magic, [tool, ...args]] of magics) {
    const at = data.indexOf(magic);
    if (at < 0) continue;
    const tail = `${dest}.payload`;
    await writeFile(tail, data.subarray(at));
    try {
      const result = await runBinary(tool!, [...args, tail]).catch(() => undefined);
      if (result && isElfWithPvhNote(result)) {
        await writeFile(dest, result);
        return true;
      }
    } finally {
      await rm(tail, { force: true });
    }
  }
  return false;
}

/** An x86-64 ELF with a Xen PHYS32_ENTRY note (type 18), which QEMU boots via PVH. */
export function isElfWithPvhNote(elf: Buffer): boolean {
  for (const header of programHeaders(elf) ?? []) {
    if (header.type !== PT_NOTE) continue;
    const end = header.offset + header.fileSize;
    for (let n = header.offset; n + 12 <= end; ) {
      const namesz = elf.readUInt32LE(n);
      const descsz = elf.readUInt32LE(n + 4);
      const type = elf.readUInt32LE(n + 8);
      const name = elf.subarray(n + 12, n + 12 + namesz).toString('latin1').replace(/\0+$/, '');
      if (name === 'Xen' && type === 18) return true;
      n += 12 + Math.ceil(namesz / 4) * 4 + Math.ceil(descsz / 4) * 4;
    }
  }
  return false;
}
