// Builds, from the sources in fixtures/, a tiny bootable OS disk image and an overlay prefix
// for integration tests that boot real QEMU.
//
// The image is a merged-/usr tree: busybox init and shell, the host's glibc, Debian's kernel
// with the modules an initramfs needs, libdemo v1 (also in glibc-hwcaps/) + demo-app, and
// sim-hello ("from the image").
// The prefix holds libdemo v2 and sim-hello ("from the overlay"), but not demo-app: the image's
// demo-app must find the overlay's library through the dynamic linker's cache.
//
// No root-only operations: `mke2fs -d` writes the tree into a file (at an offset for the GPT
// partition; `mkfs.btrfs -r` and `mkfs.xfs -p` into a file of their own, copied in), so no loop
// devices or mounts. Results are cached by a content hash of the inputs and published with an
// atomic rename, so concurrent test processes never see half a build.
import { createHash } from 'node:crypto';
import { constants, createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import {
  access, chmod, copyFile, cp, mkdir, mkdtemp, readFile, readdir, rename, rm, stat, symlink, truncate, writeFile,
} from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { extractDeb, kernelDeb } from './debian-kernel.js';
import { packNewc, type CpioEntry } from '../../src/initramfs/cpio.js';
import { parseModuleIndex, resolveModules } from '../../src/initramfs/modules.js';
import { probeAccelerator } from '../../src/qemu/accel.js';
import { resolveContext } from '../../src/core/context.js';
import { xfsProtofile } from './xfs-proto.js';

export interface FixtureImage {
  /** qcow2 disk with a GPT: partition 1 BIOS boot (1 MiB), partition 2 x86-64 root (ext4). */
  disk: string;
  /** Bare ext4 image (no partition table) of the same tree, raw. */
  ext4: string;
  /** Kernel release, e.g. "6.1.0-56-amd64"; /boot/vmlinuz-<ver> and /usr/lib/modules/<ver>/. */
  kernelVersion: string;
  /** Multiarch library directory, relative to the root: 'usr/lib/x86_64-linux-gnu'. */
  libdir: string;
}

/** Bump when the layout produced here changes, to invalidate cached images. */
const HELPER_VERSION = 6;

const LIBDIR = 'usr/lib/x86_64-linux-gnu';
/** Where the fixture image keeps a second copy of libdemo, relative to its libdir. */
export const HWCAPS_DIR = 'glibc-hwcaps/x86-64-v2';
const HOST_LIBDIR = '/lib/x86_64-linux-gnu';
const BUSYBOX = '/bin/busybox';
const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));
const SOURCE_DIRS = ['libdemo', 'demo-app', 'sim-hello'];

const DISK_MIB = 320;
const EXT4_MIB = 256;
const GPT_ROOT_X86_64 = '4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709';
const GPT_BIOS_BOOT = '21686148-6E6F-744E-6564-656564454649';

/**
 * Kernel module files and subtrees (below kernel/) an initramfs needs to mount root and 9p, and
 * the virtio GPU's KMS driver for boots with a screen (the fixture has no udev to load it).
 */
const KERNEL_MODULE_PATHS = [
  'fs/ext4', 'fs/jbd2', 'fs/mbcache.ko', 'fs/9p', 'fs/netfs', 'fs/fscache', 'fs/overlayfs', 'net/9p', 'drivers/virtio',
  'drivers/block/virtio_blk.ko', 'drivers/char/virtio_console.ko', 'crypto', 'lib', 'arch/x86/crypto',
  'drivers/gpu/drm/drm.ko', 'drivers/gpu/drm/drm_kms_helper.ko', 'drivers/gpu/drm/drm_shmem_helper.ko', 'drivers/gpu/drm/virtio',
];
const MODULE_INDEXES = ['modules.builtin', 'modules.builtin.modinfo', 'modules.order'];

/** Busybox applets that live in sbin (init, poweroff... are named /sbin/... in inittab). */
const SBIN_APPLETS = new Set([
  'init', 'poweroff', 'halt', 'reboot', 'modprobe', 'insmod', 'rmmod', 'lsmod', 'depmod', 'mdev',
  'switch_root', 'pivot_root', 'getty', 'sulogin', 'swapon', 'swapoff', 'mkswap', 'hwclock',
  'klogd', 'syslogd', 'ifconfig', 'route',
]);
/** Applets not linked: the multicall binary itself and a pre-initramfs leftover. */
const SKIPPED_APPLETS = new Set(['busybox', 'linuxrc']);

const REQUIRED_TOOLS = ['gcc', 'mke2fs', 'sfdisk', 'qemu-img', 'depmod', 'dpkg-deb', 'ldconfig', 'apt-get', 'apt-cache'];

// ---------------------------------------------------------------------------------------------
// Public API

/**
 * $SIM_FIXTURE_CACHE, else <os tmpdir>/sim-fixtures-<uid>; kept between runs. Per user, so that
 * root and a normal user can both run the tests on one machine.
 */
export function fixtureCacheDir(): string {
  return process.env.SIM_FIXTURE_CACHE || path.join(os.tmpdir(), `sim-fixtures-${os.userInfo().uid}`);
}

/**
 * Why fixture-based tests cannot run here, or undefined if they can. In CI a missing tool is
 * an error (thrown), never a skip.
 */
export async function fixtureSkipReason(): Promise<string | undefined> {
  const missing = await missingTools();
  if (missing.length === 0) return undefined;
  const reason = `fixture tools missing: ${missing.join(', ')}`;
  if (process.env.CI === 'true') throw new Error(`${reason} (required in CI)`);
  return reason;
}

export interface FixtureVariant {
  /** Kernel modules (by name) whose files are deleted while modules.dep keeps listing them. */
  deleteModules?: readonly string[];
}

/** Builds (or finds in the cache) the fixture disk image, or a variant of it. */
export async function buildFixtureImage(cacheDir = fixtureCacheDir(), variant: FixtureVariant = {}): Promise<FixtureImage> {
  await requireTools();
  await mkdir(cacheDir, { recursive: true });
  const deb = await kernelDeb(cacheDir);
  const deleted = [...(variant.deleteModules ?? [])].sort();
  const key = await contentKey('image', deb.name, await readFile(BUSYBOX), await readFile(`${HOST_LIBDIR}/libc.so.6`), ...(deleted.length ? [`delete:${deleted.join(',')}`] : []));
  const dir = await cached(cacheDir, `image-${key}`, (out) => buildImage(out, deb.path, deb.version, deleted));
  return {
    disk: path.join(dir, 'disk.qcow2'),
    ext4: path.join(dir, 'root.ext4'),
    kernelVersion: deb.version,
    libdir: LIBDIR,
  };
}

export interface FedoraLikeImage {
  /**
   * qcow2 disk with a GPT laid out like Fedora 41-43: 1 ESP (vfat), 2 /boot (ext4, Linux data)
   * with a BLS entry in /loader/entries, 3 root (btrfs, Linux data, the largest).
   */
  disk: string;
  kernelVersion: string;
  /** The `options` of the BLS entry. */
  options: string;
}

/**
 * Like Fedora: the root is the subvolume `root` (beside `home`), and there is no default
 * subvolume, so the boot entry must say which one.
 */
export const FEDORA_LIKE_ROOTFLAGS = 'subvol=root';

/**
 * Builds (or finds in the cache) the Fedora-like fixture disk: like Fedora 41-43, or with
 * `bootSubvolume` like Fedora 44: no /boot partition, /boot is the btrfs subvolume `boot`
 * (beside `root` and `home`) holding the kernel and the BLS entries.
 */
export async function buildFedoraLikeImage(cacheDir = fixtureCacheDir(), { bootSubvolume = false } = {}): Promise<FedoraLikeImage> {
  await requireTools([...REQUIRED_TOOLS, 'mkfs.btrfs', 'btrfs', 'mkfs.vfat', 'mcopy', 'mmd', 'qemu-system-x86_64', 'ldd']);
  await mkdir(cacheDir, { recursive: true });
  const deb = await kernelDeb(cacheDir);
  const options = `root=UUID=${FEDORA_ROOT_UUID} ro rootflags=${FEDORA_LIKE_ROOTFLAGS} console=ttyS0,115200n8`;
  const kind = bootSubvolume ? 'fedora44-like' : 'fedora-like';
  const key = await contentKey(kind, deb.name, await readFile(BUSYBOX), await readFile(`${HOST_LIBDIR}/libc.so.6`), options);
  const dir = await cached(cacheDir, `${kind}-${key}`, (out) => buildFedoraLike(out, deb.path, deb.version, options, bootSubvolume));
  return { disk: path.join(dir, 'disk.qcow2'), kernelVersion: deb.version, options };
}

export interface UbuntuLikeImage {
  /**
   * qcow2 disk laid out like Ubuntu 24.04's cloud images: 1 ESP (vfat), 2 /boot (ext4, XBOOTLDR
   * type) with vmlinuz-* at its top and no boot entries, 3 root (ext4, Linux data) whose modules
   * are all .ko.zst.
   */
  disk: string;
  kernelVersion: string;
}

/** Builds (or finds in the cache) the Ubuntu-like fixture disk. */
export async function buildUbuntuLikeImage(cacheDir = fixtureCacheDir()): Promise<UbuntuLikeImage> {
  await requireTools([...REQUIRED_TOOLS, 'mkfs.vfat', 'mcopy', 'mmd', 'zstd']);
  await mkdir(cacheDir, { recursive: true });
  const deb = await kernelDeb(cacheDir);
  const key = await contentKey('ubuntu-like', deb.name, await readFile(BUSYBOX), await readFile(`${HOST_LIBDIR}/libc.so.6`));
  const dir = await cached(cacheDir, `ubuntu-like-${key}`, (out) => buildUbuntuLike(out, deb.path, deb.version));
  return { disk: path.join(dir, 'disk.qcow2'), kernelVersion: deb.version };
}

export interface XfsLikeImage {
  /**
   * qcow2 disk laid out like a RHEL/CentOS cloud image: 1 BIOS boot, 2 root (xfs, x86-64 root
   * type) holding /boot with the kernel and a BLS entry in /boot/loader/entries. With
   * `bootPartition`, like a RHEL 8/9 install: 2 /boot (xfs, Linux data) with the kernel and
   * /loader/entries, 3 root (xfs, root type) with an empty /boot.
   */
  disk: string;
  kernelVersion: string;
  /** The `options` of the BLS entry. */
  options: string;
}

/**
 * Builds (or finds in the cache) the xfs-rooted fixture disk: the default fixture's tree plus
 * the xfs module, written by `mkfs.xfs -p` (no root, no mount). Keyed by mkfs.xfs's version
 * too: its defaults decide the filesystem's features.
 */
export async function buildXfsLikeImage(cacheDir = fixtureCacheDir(), { bootPartition = false } = {}): Promise<XfsLikeImage> {
  await requireTools([...REQUIRED_TOOLS, 'mkfs.xfs', 'xfs_db']);
  await mkdir(cacheDir, { recursive: true });
  const deb = await kernelDeb(cacheDir);
  const options = `root=UUID=${XFS_ROOT_UUID} ro console=ttyS0,115200n8`;
  const mkfs = await run('mkfs.xfs', ['-V']);
  const kind = bootPartition ? 'xfs-boot-like' : 'xfs-like';
  const key = await contentKey(kind, deb.name, await readFile(BUSYBOX), await readFile(`${HOST_LIBDIR}/libc.so.6`), options, mkfs);
  const dir = await cached(cacheDir, `${kind}-${key}`, (out) => buildXfsLike(out, deb.path, deb.version, options, bootPartition));
  return { disk: path.join(dir, 'disk.qcow2'), kernelVersion: deb.version, options };
}

/** Writes the overlay prefix (libdemo v2, sim-hello overlay variant) into dir, DESTDIR-style. */
export async function buildFixturePrefix(dir: string): Promise<void> {
  await requireTools();
  const cacheDir = fixtureCacheDir();
  await mkdir(cacheDir, { recursive: true });
  const key = await contentKey('prefix', await readFile(`${HOST_LIBDIR}/libc.so.6`));
  const built = await cached(cacheDir, `prefix-${key}`, buildPrefix);
  await mkdir(dir, { recursive: true });
  await cp(built, dir, { recursive: true, verbatimSymlinks: true });
}

// ---------------------------------------------------------------------------------------------
// Cache

/** sha256 over the fixture sources, the helper version and the given extra inputs. */
async function contentKey(kind: string, ...extra: (string | Buffer)[]): Promise<string> {
  const hash = createHash('sha256');
  hash.update(`${kind}\0${HELPER_VERSION}\0`);
  for (const file of await sourceFiles()) {
    hash.update(`${path.relative(FIXTURES, file)}\0`);
    hash.update(await readFile(file));
  }
  for (const input of extra) hash.update(input).update('\0');
  return hash.digest('hex').slice(0, 20);
}

async function sourceFiles(): Promise<string[]> {
  const files: string[] = [];
  for (const sub of SOURCE_DIRS) {
    const entries = await readdir(path.join(FIXTURES, sub), { recursive: true, withFileTypes: true });
    for (const e of entries) if (e.isFile()) files.push(path.join(e.parentPath ?? e.path, e.name));
  }
  return files.sort();
}

/**
 * Returns <cacheDir>/<name>, building it first if absent. The build writes into a temp dir that
 * is renamed into place, so the final directory is either absent or complete.
 */
async function cached(cacheDir: string, name: string, build: (out: string) => Promise<void>): Promise<string> {
  const final = path.join(cacheDir, name);
  if (await exists(final)) return final;
  const tmp = await mkdtemp(path.join(cacheDir, `.tmp-${name}-`));
  try {
    await build(tmp);
    await chmod(tmp, 0o755); // mkdtemp makes it 0700
    await rename(tmp, final).catch(async (err: NodeJS.ErrnoException) => {
      // Another process published the same key first: theirs is as good as ours.
      if (!(await exists(final))) throw err;
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return final;
}

// ---------------------------------------------------------------------------------------------
// Compiling the fixture programs

/** libdemo.so.1 reporting `version`, plus the libdemo.so link-time symlink, in outDir. */
async function compileLibdemo(outDir: string, version: string): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const lib = path.join(outDir, 'libdemo.so.1');
  await run('gcc', [
    '-shared', '-fPIC', '-O2', '-Wall', '-Wl,-soname,libdemo.so.1',
    `-DDEMO_VERSION="${version}"`, '-o', lib, path.join(FIXTURES, 'libdemo/demo.c'),
  ]);
  await symlink('libdemo.so.1', path.join(outDir, 'libdemo.so'));
  return lib;
}

/** demo-app linked against libdemo in libDir, deliberately without RPATH/RUNPATH. */
async function compileDemoApp(out: string, libDir: string): Promise<void> {
  await run('gcc', [
    '-O2', '-Wall', '-I', path.join(FIXTURES, 'libdemo'), '-o', out,
    path.join(FIXTURES, 'demo-app/main.c'), `-L${libDir}`, '-ldemo',
  ]);
}

async function compileHello(out: string, message: string): Promise<void> {
  await run('gcc', ['-O2', '-Wall', `-DHELLO_MESSAGE="${message}"`, '-o', out, path.join(FIXTURES, 'sim-hello/hello.c')]);
}

async function buildPrefix(out: string): Promise<void> {
  const build = path.join(out, '.build');
  const lib = await compileLibdemo(build, '2');
  await installFile(lib, path.join(out, LIBDIR, 'libdemo.so.1'), 0o755);
  await mkdir(path.join(out, 'usr/bin'), { recursive: true });
  await compileHello(path.join(out, 'usr/bin/sim-hello'), 'hello from the overlay');
  await rm(build, { recursive: true });
}

// ---------------------------------------------------------------------------------------------
// The image tree

/** The tree every fixture layout starts from: skeleton, busybox, glibc, the fixture programs, the kernel. */
async function populateTree(out: string, deb: string, kernelVersion: string, extraModulePaths?: readonly string[]): Promise<string> {
  const tree = path.join(out, 'tree');
  const work = path.join(out, 'work');
  await makeSkeleton(tree);
  await installBusybox(tree);
  await installGlibc(tree);
  await installFixturePrograms(tree, path.join(work, 'build'));
  await installKernel(tree, deb, kernelVersion, path.join(work, 'kernel'), extraModulePaths);
  return tree;
}

async function buildImage(out: string, deb: string, kernelVersion: string, deleteModules: readonly string[]): Promise<void> {
  const tree = await populateTree(out, deb, kernelVersion);
  const work = path.join(out, 'work');
  await deleteModuleFiles(path.join(tree, 'usr/lib/modules', kernelVersion), deleteModules);
  await run('ldconfig', ['-r', tree]); // writes <tree>/etc/ld.so.cache
  await makeExt4(path.join(out, 'root.ext4'), tree, EXT4_MIB);
  await makeGptDisk(path.join(out, 'disk.raw'), tree);
  await run('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', path.join(out, 'disk.raw'), path.join(out, 'disk.qcow2')]);
  // The raw disk and the tree are intermediate: the qcow2 and root.ext4 hold the same data.
  await Promise.all([out + '/disk.raw', tree, work].map((p) => rm(p, { recursive: true, force: true })));
}

const FEDORA_ROOT_UUID = '5e3b0c1a-7d2f-4c8e-9b6a-1f0e2d3c4b5a';
const ESP_MIB = 33;
const FEDORA_BOOT_MIB = 64;
const FEDORA_ROOT_MIB = 256;

async function buildFedoraLike(out: string, deb: string, kernelVersion: string, options: string, bootSubvolume: boolean): Promise<void> {
  const tree = await populateTree(out, deb, kernelVersion, ['fs/btrfs']);
  const work = path.join(out, 'work');
  await run('ldconfig', ['-r', tree]);
  // Fedora 41-43: /boot is its own partition: its files move there, and the root keeps an
  // empty mount point. Fedora 44: they stay, and become the subvolume `boot` below.
  const boot = bootSubvolume ? path.join(tree, 'boot') : path.join(work, 'boot');
  if (!bootSubvolume) {
    await rename(path.join(tree, 'boot'), boot);
    await mkdir(path.join(tree, 'boot'), { mode: 0o755 });
  }
  await writeFedoraEntries(boot, kernelVersion, options);
  const kernel = path.join(work, 'vmlinuz');
  await copyFile(path.join(boot, `vmlinuz-${kernelVersion}`), kernel);
  // Root: btrfs made from the tree in a file of its own (mkfs.btrfs takes no offset).
  const btrfs = path.join(work, 'root.btrfs');
  await writeFile(btrfs, '');
  await truncate(btrfs, FEDORA_ROOT_MIB * 1024 * 1024);
  await run('mkfs.btrfs', ['-q', '-f', '-L', 'fedora', '-U', FEDORA_ROOT_UUID, '-r', tree, btrfs]);
  await assembleFedoraDisk(out, work, {
    boot: bootSubvolume ? undefined : boot, rootBtrfs: btrfs, kernel, modulesDir: path.join(tree, 'usr/lib/modules', kernelVersion),
  });
  await Promise.all([tree, work].map((p) => rm(p, { recursive: true, force: true })));
}

/**
 * The BLS entries in `boot` (the /boot partition's top, or the `boot` subvolume): the kernel's,
 * and a decoy older one naming a kernel that is not there (the newest must win). Paths relative
 * to the filesystem (or subvolume) that holds the entries, as BLS says.
 */
async function writeFedoraEntries(boot: string, kernelVersion: string, options: string): Promise<void> {
  await mkdir(path.join(boot, 'loader/entries'), { recursive: true });
  const entry = [
    `title Fedora-like sim fixture (${kernelVersion})`,
    `version ${kernelVersion}`,
    `linux /vmlinuz-${kernelVersion}`,
    `initrd /initramfs-${kernelVersion}.img`,
    `options ${options}`,
    'grub_class fedora',
  ].join('\n') + '\n';
  await writeFile(path.join(boot, `loader/entries/0123456789abcdef-${kernelVersion}.conf`), entry);
  await writeFile(path.join(boot, 'loader/entries/0123456789abcdef-5.0.0-1.conf'), 'title old\nversion 5.0.0-1\nlinux /vmlinuz-5.0.0-1\noptions root=UUID=x ro\n');
}

interface FedoraDiskParts {
  /** The /boot partition's files (Fedora 41-43); absent: /boot is the root's subvolume `boot` (Fedora 44). */
  boot?: string;
  /** The root btrfs (label fedora, FEDORA_ROOT_UUID), its top level still the tree: the subvolumes are made here. */
  rootBtrfs: string;
  /** A kernel and the modules directory (virtio, btrfs) for the VM that makes the subvolumes. */
  kernel: string;
  modulesDir: string;
  /** Size of the /boot partition (default FEDORA_BOOT_MIB). */
  bootMiB?: number;
}

/**
 * The disk of a Fedora-like fixture from its parts: a GPT with the ESP (FAT, a placeholder boot
 * loader), the /boot partition (ext4 of `boot`, when given) and the root partition (the btrfs,
 * its subvolumes made first), written to out/disk.qcow2.
 */
async function assembleFedoraDisk(out: string, work: string, parts: FedoraDiskParts): Promise<void> {
  const { boot, rootBtrfs } = parts;
  const bootMiB = boot ? (parts.bootMiB ?? FEDORA_BOOT_MIB) : 0;
  await mkdir(work, { recursive: true });
  await makeFedoraSubvolumes(rootBtrfs, parts.modulesDir, parts.kernel, path.join(work, 'subvolumes'), !boot);
  const rootMiB = Math.ceil((await stat(rootBtrfs)).size / (1024 * 1024));
  const disk = path.join(out, 'disk.raw');
  await writeFile(disk, '');
  await truncate(disk, (1 + ESP_MIB + bootMiB + rootMiB + 1) * 1024 * 1024);
  const linux = '0FC63DAF-8483-4772-8E79-3D69D8477DE4';
  await run('sfdisk', ['--quiet', disk], [
    'label: gpt',
    `size=${ESP_MIB}MiB, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI System Partition"`,
    ...(boot ? [`size=${bootMiB}MiB, type=${linux}, name="boot"`] : []),
    `type=${linux}, name="root"`,
  ].join('\n') + '\n');
  const table = await partitions(disk);
  // ESP: FAT with a placeholder boot loader, written at its offset by mkfs.fat and mtools.
  const esp = table[0]!;
  await run('mkfs.vfat', ['-F', '16', '-n', 'ESP', '--offset', String(esp.start), disk, String((esp.size * 512) / 1024)]);
  const placeholder = path.join(work, 'BOOTX64.EFI');
  await writeFile(placeholder, 'not a real boot loader: sim boots the kernel directly\n');
  const mtools = ['-i', `${disk}@@${esp.start * 512}`];
  await run('mmd', [...mtools, '::/EFI', '::/EFI/BOOT']);
  await run('mcopy', [...mtools, placeholder, '::/EFI/BOOT/BOOTX64.EFI']);
  // /boot: ext4 at its offset.
  if (boot) {
    const bootPart = table[1]!;
    await makeExt4(disk, boot, `${(bootPart.size * 512) / 1024}k`, bootPart.start * 512);
  }
  await copyInto(rootBtrfs, disk, table[table.length - 1]!.start * 512);
  await run('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', disk, path.join(out, 'disk.qcow2')]);
  await rm(disk, { force: true });
}

/**
 * Debian 12's mkfs.btrfs (6.2) has no --subvol, and subvolumes cannot be made without mounting:
 * a throwaway QEMU guest (Debian's kernel, busybox and the host's btrfs program in an initramfs)
 * mounts the file and turns its top level into the subvolumes `root` (a snapshot of the tree)
 * and `home`, as Fedora lays them out (and `boot`, from the root's /boot, as Fedora 44 does). No
 * root or loop devices on the host.
 */
async function makeFedoraSubvolumes(btrfsFile: string, modulesDir: string, kernel: string, work: string, bootSubvolume: boolean): Promise<void> {
  const read = (name: string) => readFile(path.join(modulesDir, name), 'utf8').catch(() => '');
  const index = parseModuleIndex({ dep: await read('modules.dep'), softdep: await read('modules.softdep'), alias: await read('modules.alias'), builtin: await read('modules.builtin') });
  const { load, missing } = resolveModules(index, ['virtio_pci', 'virtio_blk', 'btrfs']);
  if (missing.length) throw new Error(`the fixture kernel lacks ${missing.join(', ')}`);
  const entries: CpioEntry[] = ['bin', 'lib', 'lib/x86_64-linux-gnu', 'lib64', 'proc', 'sys', 'dev', 'mnt', 'modules'].map((name) => ({ type: 'directory', name }));
  entries.push({ type: 'character-device', name: 'dev/console', mode: 0o600, major: 5, minor: 1 });
  entries.push({ type: 'file', name: 'bin/busybox', mode: 0o755, data: await readFile(BUSYBOX) });
  entries.push({ type: 'file', name: 'bin/btrfs', mode: 0o755, data: await readFile(await which('btrfs')) });
  for (const lib of (await run('ldd', [await which('btrfs')])).matchAll(/=> (\/\S+)/g)) {
    entries.push({ type: 'file', name: `lib/x86_64-linux-gnu/${path.basename(lib[1]!)}`, mode: 0o755, data: await readFile(lib[1]!) });
  }
  entries.push({ type: 'file', name: 'lib64/ld-linux-x86-64.so.2', mode: 0o755, data: await readFile(`${HOST_LIBDIR}/ld-linux-x86-64.so.2`) });
  for (const m of load) entries.push({ type: 'file', name: `modules/${path.basename(m.path)}`, mode: 0o644, data: await readFile(path.join(modulesDir, m.path)) });
  const init = [
    '#!/bin/busybox sh',
    '/bin/busybox --install -s /bin',
    'export PATH=/bin',
    'mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev',
    ...load.map((m) => `insmod /modules/${path.basename(m.path)}${m.soft ? ' 2>/dev/null' : ''}`),
    'set -e',
    'while [ ! -b /dev/vda ]; do sleep 0.1; done',
    'mount -t btrfs /dev/vda /mnt',
    'btrfs subvolume snapshot /mnt /mnt/.new-root',
    'cd /mnt',
    'for f in * .[!.]*; do [ "$f" = .new-root ] || [ ! -e "$f" ] || rm -rf "$f"; done',
    'mv .new-root root',
    'btrfs subvolume create /mnt/home',
    'mkdir -p /mnt/root/home',
    ...(bootSubvolume ? ['btrfs subvolume create /mnt/boot', 'cp -a /mnt/root/boot/. /mnt/boot/', 'rm -rf /mnt/root/boot/*'] : []),
    'cd /; umount /mnt; sync',
    'echo SIM-SUBVOLUMES-DONE',
    'poweroff -f',
  ].join('\n') + '\n';
  entries.push({ type: 'file', name: 'init', mode: 0o755, data: Buffer.from(init) });
  await mkdir(work, { recursive: true });
  const initrd = path.join(work, 'initrd.cpio');
  await writeFile(initrd, await packNewc(entries));
  // KVM only where sim's probe found it really boots kernels (here /dev/kvm hangs them).
  const { accel } = await probeAccelerator(resolveContext(), { kernel });
  const { stdout } = await execa('qemu-system-x86_64', [
    '-accel', accel, '-m', '512', '-nographic', '-no-reboot', '-nodefaults', '-serial', 'stdio',
    '-kernel', kernel, '-initrd', initrd, '-append', 'console=ttyS0 panic=-1 oops=panic no_timer_check',
    '-drive', `file=${btrfsFile},format=raw,if=virtio`,
  ], { env: { PATH: toolPath() }, stdin: 'ignore', timeout: 600_000, reject: false, all: false });
  if (!stdout.includes('SIM-SUBVOLUMES-DONE')) throw new Error(`making the btrfs subvolumes failed:\n${stdout.slice(-3000)}`);
}

async function buildUbuntuLike(out: string, deb: string, kernelVersion: string): Promise<void> {
  const tree = await populateTree(out, deb, kernelVersion);
  const work = path.join(out, 'work');
  // Every module zstd-compressed, as Ubuntu ships them, and the index regenerated for the new names.
  const modulesDir = path.join(tree, 'usr/lib/modules', kernelVersion);
  const modules = (await readdir(modulesDir, { recursive: true })).filter((f) => f.endsWith('.ko')).map((f) => path.join(modulesDir, f));
  await run('zstd', ['-q', '--rm', ...modules]);
  await run('depmod', ['-b', tree, kernelVersion]);
  await run('ldconfig', ['-r', tree]);
  const boot = path.join(work, 'boot');
  await rename(path.join(tree, 'boot'), boot);
  await mkdir(path.join(tree, 'boot'), { mode: 0o755 });

  const disk = path.join(out, 'disk.raw');
  await writeFile(disk, '');
  await truncate(disk, (1 + ESP_MIB + FEDORA_BOOT_MIB + EXT4_MIB + 1) * 1024 * 1024);
  await run('sfdisk', ['--quiet', disk], [
    'label: gpt',
    `size=${ESP_MIB}MiB, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="UEFI"`,
    `size=${FEDORA_BOOT_MIB}MiB, type=BC13C2FF-59E6-4262-A352-B275FD6F7172, name="BOOT"`,
    'type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="cloudimg-rootfs"',
  ].join('\n') + '\n');
  const [esp, bootPart, rootPart] = await partitions(disk);
  await run('mkfs.vfat', ['-F', '16', '-n', 'UEFI', '--offset', String(esp!.start), disk, String((esp!.size * 512) / 1024)]);
  await run('mmd', ['-i', `${disk}@@${esp!.start * 512}`, '::/EFI', '::/EFI/ubuntu']);
  await makeExt4(disk, boot, `${(bootPart!.size * 512) / 1024}k`, bootPart!.start * 512);
  await makeExt4(disk, tree, `${(rootPart!.size * 512) / 1024}k`, rootPart!.start * 512);
  await run('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', disk, path.join(out, 'disk.qcow2')]);
  await Promise.all([disk, tree, work].map((p) => rm(p, { recursive: true, force: true })));
}

const XFS_ROOT_UUID = '7b1f3c2e-9a4d-4e6b-8c5f-0d2e1a3b4c5d';
/** mkfs.xfs (6.1) refuses filesystems of 300 MB or less. */
const XFS_MIB = 320;

async function buildXfsLike(out: string, deb: string, kernelVersion: string, options: string, bootPartition: boolean): Promise<void> {
  const tree = await populateTree(out, deb, kernelVersion, ['fs/xfs']);
  const work = path.join(out, 'work');
  await mkdir(work, { recursive: true });
  await run('ldconfig', ['-r', tree]);
  // RHEL 8/9 with a /boot partition: its files move there, the root keeps an empty mount point.
  const boot = bootPartition ? path.join(work, 'boot') : path.join(tree, 'boot');
  if (bootPartition) {
    await rename(path.join(tree, 'boot'), boot);
    await mkdir(path.join(tree, 'boot'), { mode: 0o755 });
  }
  // GRUB's blscfg names the files with /boot in front when /boot is a directory of the root.
  const onBoot = bootPartition ? '' : '/boot';
  await mkdir(path.join(boot, 'loader/entries'), { recursive: true });
  await writeFile(path.join(boot, `loader/entries/0123456789abcdef-${kernelVersion}.conf`), [
    `title xfs-rooted sim fixture (${kernelVersion})`,
    `version ${kernelVersion}`,
    `linux ${onBoot}/vmlinuz-${kernelVersion}`,
    `initrd ${onBoot}/initramfs-${kernelVersion}.img`,
    `options ${options}`,
  ].join('\n') + '\n');

  const disk = path.join(out, 'disk.raw');
  await writeFile(disk, '');
  await truncate(disk, (1 + 1 + (bootPartition ? XFS_MIB : 0) + XFS_MIB + 1) * 1024 * 1024);
  await run('sfdisk', ['--quiet', disk], [
    'label: gpt',
    `size=1MiB, type=${GPT_BIOS_BOOT}, name="bios"`,
    ...(bootPartition ? [`size=${XFS_MIB}MiB, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="boot"`] : []),
    `type=${GPT_ROOT_X86_64}, name="root"`,
  ].join('\n') + '\n');
  const parts = await partitions(disk);
  if (bootPartition) await copyInto(await makeXfs(path.join(work, 'boot.xfs'), boot, 'boot'), disk, parts[1]!.start * 512);
  await copyInto(await makeXfs(path.join(work, 'root.xfs'), tree, 'root', XFS_ROOT_UUID), disk, parts.at(-1)!.start * 512);
  await run('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', disk, path.join(out, 'disk.qcow2')]);
  await Promise.all([disk, tree, work].map((p) => rm(p, { recursive: true, force: true })));
}

/** An xfs filesystem of `tree` in `file` (XFS_MIB big), written by mkfs.xfs -p: no root, no mount. */
async function makeXfs(file: string, tree: string, label: string, uuid?: string): Promise<string> {
  const proto = await xfsProtofile(tree);
  await writeFile(`${file}.proto`, proto.text);
  await writeFile(file, '');
  await truncate(file, XFS_MIB * 1024 * 1024);
  await run('mkfs.xfs', ['-q', '-f', '-L', label, ...(uuid ? ['-m', `uuid=${uuid}`] : []), '-p', `${file}.proto`, file]);
  // The sticky bit (/tmp), which a protofile cannot say, written into the inode (xfs_db keeps its checksum right).
  for (const { path: dir, mode } of proto.sticky) {
    await run('xfs_db', ['-x', '-c', `path ${dir}`, '-c', `write core.mode 0${(0o40000 | mode).toString(8)}`, file]);
  }
  return file;
}

async function copyInto(from: string, to: string, offset: number): Promise<void> {
  await pipeline(createReadStream(from), createWriteStream(to, { flags: 'r+', start: offset }));
}

async function partitions(disk: string): Promise<SfdiskPartition[]> {
  const table = JSON.parse(await run('sfdisk', ['--json', disk])) as { partitiontable: { sectorsize?: number; partitions: SfdiskPartition[] } };
  if ((table.partitiontable.sectorsize ?? 512) !== 512) throw new Error('expected 512-byte sectors');
  return table.partitiontable.partitions;
}

/** Merged-/usr directory layout and the small files of /etc, like a real Debian. */
async function makeSkeleton(tree: string): Promise<void> {
  const dirs = [
    'usr/bin', 'usr/sbin', LIBDIR, 'usr/lib64', 'usr/lib/modules', 'usr/local/lib/x86_64-linux-gnu', 'boot',
    'etc/ld.so.conf.d', 'etc/profile.d', 'proc', 'sys', 'dev', 'run', 'tmp', 'root', 'var/log',
  ];
  for (const d of dirs) await mkdir(path.join(tree, d), { recursive: true, mode: 0o755 });
  await chmod(tree, 0o755);
  await chmod(path.join(tree, 'tmp'), 0o1777);
  await chmod(path.join(tree, 'root'), 0o700);
  for (const d of ['bin', 'sbin', 'lib', 'lib64']) await symlink(`usr/${d}`, path.join(tree, d));

  const files: Record<string, string> = {
    'etc/inittab': [
      // Unless the initramfs moved them here already (Debian's busybox has no mountpoint applet).
      '::sysinit:/bin/grep -q " /proc " /proc/mounts 2>/dev/null || /bin/mount -t proc proc /proc',
      '::sysinit:/bin/grep -q " /sys " /proc/mounts || /bin/mount -t sysfs sysfs /sys',
      '::sysinit:/bin/grep -q " /dev " /proc/mounts || /bin/mount -t devtmpfs devtmpfs /dev',
      'ttyS0::respawn:-/bin/sh',
      // A shell on the screen too (like a real image's getty on tty1), for boots with a display.
      'tty1::respawn:-/bin/sh',
      '::ctrlaltdel:/sbin/poweroff',
      '::shutdown:/bin/sync',
    ].join('\n') + '\n',
    'etc/profile': [
      'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      'for f in /etc/profile.d/*.sh; do',
      '  [ -r "$f" ] && . "$f"',
      'done',
      'unset f',
    ].join('\n') + '\n',
    'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\n',
    'etc/group': 'root:x:0:\n',
    'etc/hostname': 'sim-fixture\n',
    'etc/ld.so.conf': 'include /etc/ld.so.conf.d/*.conf\n',
    'etc/ld.so.conf.d/x86_64-linux-gnu.conf':
      '# Multiarch support\n/usr/local/lib/x86_64-linux-gnu\n/lib/x86_64-linux-gnu\n/usr/lib/x86_64-linux-gnu\n',
    'usr/lib/os-release': 'PRETTY_NAME="sim test fixture"\nNAME="sim-fixture"\nID=sim-fixture\n',
  };
  for (const [file, text] of Object.entries(files)) await writeFile(path.join(tree, file), text, { mode: 0o644 });
  await symlink('../usr/lib/os-release', path.join(tree, 'etc/os-release'));
}

/** Static busybox plus one symlink per applet; /sbin/init is busybox init. */
async function installBusybox(tree: string): Promise<void> {
  await installFile(BUSYBOX, path.join(tree, 'usr/bin/busybox'), 0o755);
  const applets = await run(BUSYBOX, ['--list']);
  for (const applet of applets.split('\n').map((s) => s.trim())) {
    if (!applet || SKIPPED_APPLETS.has(applet) || applet.includes('/')) continue;
    const [dir, target] = SBIN_APPLETS.has(applet) ? ['usr/sbin', '../bin/busybox'] : ['usr/bin', 'busybox'];
    await symlink(target, path.join(tree, dir, applet));
  }
}

/** The host's C library and dynamic loader (the fixture programs are built against them). */
async function installGlibc(tree: string): Promise<void> {
  for (const lib of ['libc.so.6', 'ld-linux-x86-64.so.2']) {
    await installFile(path.join(HOST_LIBDIR, lib), path.join(tree, LIBDIR, lib), 0o755);
  }
  // The ELF interpreter path compiled into every x86-64 binary.
  await symlink('../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', path.join(tree, 'usr/lib64/ld-linux-x86-64.so.2'));
  // Static on Debian, so it runs in the guest with no further libraries.
  await installFile(await which('ldconfig'), path.join(tree, 'usr/sbin/ldconfig'), 0o755);
}

/**
 * libdemo v1 (also in glibc-hwcaps/x86-64-v2/, where the dynamic linker prefers it on any CPU
 * QEMU gives the guest, as images ship optimised builds), demo-app and the image's sim-hello.
 */
async function installFixturePrograms(tree: string, build: string): Promise<void> {
  const lib = await compileLibdemo(build, '1');
  await installFile(lib, path.join(tree, LIBDIR, 'libdemo.so.1'), 0o755);
  await installFile(lib, path.join(tree, LIBDIR, HWCAPS_DIR, 'libdemo.so.1'), 0o755);
  await compileDemoApp(path.join(tree, 'usr/bin/demo-app'), build);
  await compileHello(path.join(tree, 'usr/bin/sim-hello'), 'hello from the image');
}

/** vmlinuz, config and the initramfs-relevant modules from the kernel .deb, then depmod. */
async function installKernel(tree: string, deb: string, version: string, work: string, extraModulePaths: readonly string[] = []): Promise<void> {
  await extractDeb(deb, work);
  for (const file of [`vmlinuz-${version}`, `config-${version}`]) {
    await installFile(path.join(work, 'boot', file), path.join(tree, 'boot', file), 0o644);
  }
  // Bookworm's package ships /lib/modules; later ones ship /usr/lib/modules.
  const src = await firstExisting([`${work}/usr/lib/modules/${version}`, `${work}/lib/modules/${version}`]);
  const dst = path.join(tree, 'usr/lib/modules', version);
  await mkdir(dst, { recursive: true });
  for (const index of MODULE_INDEXES) await installFile(path.join(src, index), path.join(dst, index), 0o644);
  for (const rel of [...KERNEL_MODULE_PATHS, ...extraModulePaths]) await copyModulePath(path.join(src, 'kernel'), path.join(dst, 'kernel'), rel);
  // The package ships no modules.dep; generate it (and .alias, .softdep) for this subset.
  await run('depmod', ['-b', tree, version]);
}

/** Deletes the named modules' files after depmod, so that modules.dep still lists them. */
async function deleteModuleFiles(modulesDir: string, names: readonly string[]): Promise<void> {
  const dep = await readFile(path.join(modulesDir, 'modules.dep'), 'utf8');
  for (const name of names) {
    const line = dep.split('\n').find((l) => path.basename(l.slice(0, l.indexOf(':'))).replace(/\.ko(\.\w+)?$/, '').replaceAll('-', '_') === name);
    if (!line) throw new Error(`module ${name} is not in the fixture's modules.dep`);
    await rm(path.join(modulesDir, line.slice(0, line.indexOf(':'))));
  }
}

/** Copies kernel/<rel>; a "*.ko" entry also matches a compressed "*.ko.xz"/".ko.zst" file. */
async function copyModulePath(srcKernel: string, dstKernel: string, rel: string): Promise<void> {
  const candidates = rel.endsWith('.ko') ? ['', '.xz', '.zst', '.gz'].map((ext) => rel + ext) : [rel];
  for (const candidate of candidates) {
    const from = path.join(srcKernel, candidate);
    if (!(await exists(from))) continue;
    await mkdir(path.dirname(path.join(dstKernel, candidate)), { recursive: true });
    await cp(from, path.join(dstKernel, candidate), { recursive: true });
    return;
  }
  throw new Error(`kernel package has no module path kernel/${rel}`);
}

// ---------------------------------------------------------------------------------------------
// Filesystem images

/** ext4 of `tree` into `file` (created/extended as needed), at byte `offset`. */
async function makeExt4(file: string, tree: string, sizeKiB: number | string, offset = 0): Promise<void> {
  const size = typeof sizeKiB === 'number' ? `${sizeKiB}M` : sizeKiB;
  if (offset === 0) await writeFile(file, '');
  const extended = [`root_owner=0:0`, ...(offset ? [`offset=${offset}`] : [])].join(',');
  // -T default: 4 KiB blocks and 256-byte inodes as on a real root fs; for a small fs mke2fs
  // would otherwise pick 1 KiB blocks and 128-byte inodes (timestamps end in 2038).
  await run('mke2fs', ['-t', 'ext4', '-T', 'default', '-q', '-F', '-L', 'root', '-d', tree, '-E', extended, file, size]);
}

/** Raw GPT disk: 1 MiB BIOS boot partition, then the x86-64 root partition (ext4 of tree). */
async function makeGptDisk(file: string, tree: string): Promise<void> {
  await writeFile(file, '');
  await truncate(file, DISK_MIB * 1024 * 1024);
  const script = [
    'label: gpt',
    `size=1MiB, type=${GPT_BIOS_BOOT}, name="bios"`,
    `type=${GPT_ROOT_X86_64}, name="root"`,
  ].join('\n') + '\n';
  await run('sfdisk', ['--quiet', file], script);
  const root = await rootPartition(file);
  await makeExt4(file, tree, `${(root.size * 512) / 1024}k`, root.start * 512);
}

interface SfdiskPartition { node: string; start: number; size: number; type: string }

async function rootPartition(disk: string): Promise<SfdiskPartition> {
  const table = JSON.parse(await run('sfdisk', ['--json', disk])) as { partitiontable: { sectorsize?: number; partitions: SfdiskPartition[] } };
  if ((table.partitiontable.sectorsize ?? 512) !== 512) throw new Error('expected 512-byte sectors');
  const root = table.partitiontable.partitions.find((p) => p.type.toUpperCase() === GPT_ROOT_X86_64);
  if (!root) throw new Error(`no x86-64 root partition in ${disk}`);
  return root;
}

// ---------------------------------------------------------------------------------------------
// Small utilities

/** PATH including the sbin directories, which a non-root PATH may lack (mke2fs, sfdisk...). */
function toolPath(): string {
  const dirs = (process.env.PATH ?? '').split(':').filter(Boolean);
  for (const d of ['/usr/local/sbin', '/usr/sbin', '/sbin', '/usr/bin', '/bin']) if (!dirs.includes(d)) dirs.push(d);
  return dirs.join(':');
}

/** Runs a program with an argument array (never a shell string); returns its stdout. */
async function run(file: string, args: string[], input?: string): Promise<string> {
  const stdin = input === undefined ? { stdin: 'ignore' as const } : { input };
  const { stdout } = await execa(file, args, { env: { PATH: toolPath() }, ...stdin });
  return stdout;
}

async function which(tool: string): Promise<string> {
  for (const dir of toolPath().split(':')) {
    const candidate = path.join(dir, tool);
    if (await exists(candidate, constants.X_OK)) return candidate;
  }
  throw new Error(`${tool} not found in ${toolPath()}`);
}

async function missingTools(tools: readonly string[] = REQUIRED_TOOLS): Promise<string[]> {
  const missing: string[] = [];
  for (const tool of tools) await which(tool).catch(() => missing.push(tool));
  if (!(await exists(BUSYBOX, constants.X_OK))) missing.push(`${BUSYBOX} (busybox-static)`);
  return missing;
}

async function requireTools(tools: readonly string[] = REQUIRED_TOOLS): Promise<void> {
  const missing = await missingTools(tools);
  if (missing.length) throw new Error(`cannot build the fixture image; missing: ${missing.join(', ')}`);
}

async function installFile(from: string, to: string, mode: number): Promise<void> {
  await mkdir(path.dirname(to), { recursive: true });
  await copyFile(from, to);
  await chmod(to, mode);
}

async function exists(file: string, mode = constants.F_OK): Promise<boolean> {
  return access(file, mode).then(() => true, () => false);
}

async function firstExisting(candidates: string[]): Promise<string> {
  for (const c of candidates) if ((await stat(c).catch(() => undefined))?.isDirectory()) return c;
  throw new Error(`none of these exist: ${candidates.join(', ')}`);
}

// Shared with the other layout helpers (test/helpers/gnome-os-like.ts).
export { cached, contentKey, copyInto, installFixturePrograms, partitions, REQUIRED_TOOLS, requireTools, run as runTool, HOST_LIBDIR };
// Shared with test/helpers/fedora-dracut.ts.
export { assembleFedoraDisk, writeFedoraEntries, FEDORA_ROOT_UUID };
