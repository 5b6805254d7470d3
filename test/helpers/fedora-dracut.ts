// Builds, from Debian 12's packages, a disk laid out like Fedora 41-43 whose boot entry names a
// real dracut initrd (dracut's systemd initrd, as Fedora's): 1 ESP (vfat), 2 /boot (ext4) with
// the kernel, /initramfs-VERSION.img and /loader/entries/*.conf, 3 btrfs with the subvolumes
// `root` and `home` and no default subvolume (the entry says rootflags=subvol=root), and an
// fstab in `root` mounting both, as Fedora's installer writes it.
//
// The tree is Debian 12 minbase with systemd, udev, dracut, btrfs-progs and the kernel
// (mmdebstrap, unshare mode, as root or as a normal user), the kernel modules cut down to what
// this boot needs, plus the fixture programs (demo-app, libdemo v1, sim-hello). dracut runs in
// mmdebstrap's customize hook, mkfs.btrfs afterwards in the same user namespace (sim's
// rootRunner), so the tree's files stay root's; the disk around them is the Fedora-like
// fixture's (assembleFedoraDisk: the subvolumes are made in a helper VM). Cached in the fixture
// cache by a key over its inputs.
import { chmod, mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { rootRunner } from '../../src/images/userns.js';
import { DISABLE_DRACUT_HOOK, trimTreeScript } from './dracut-tree.js';
import {
  assembleFedoraDisk, cached, contentKey, FEDORA_LIKE_ROOTFLAGS, FEDORA_ROOT_UUID, fixtureCacheDir, installFixturePrograms,
  REQUIRED_TOOLS, requireTools, runTool as run, writeFedoraEntries, type FedoraLikeImage,
} from './fixture-image.js';

export interface FedoraDracutImage extends FedoraLikeImage {
  /** The boot entry's initrd, on the /boot partition. */
  initrd: string;
}

const PACKAGES = ['systemd-sysv', 'udev', 'linux-image-amd64', 'dracut', 'btrfs-progs'];
/** Below kernel/: what this boot needs (virtio disk, btrfs and what it uses, 9p, overlayfs). */
const MODULE_PATHS = [
  'fs/btrfs', 'fs/9p', 'fs/netfs', 'fs/fscache', 'fs/overlayfs', 'net/9p', 'drivers/virtio', 'drivers/block/virtio_blk.ko',
  'drivers/char/virtio_console.ko', 'crypto', 'lib', 'arch/x86/crypto',
];
/** Only the drivers a virtio disk with a btrfs root needs, as a host-only initrd would have: a small initrd unpacks faster under emulation. */
const INITRD_DRIVERS = 'virtio_pci virtio_blk crc32c_generic btrfs';
/** Fedora's /boot is 1 GiB; this one holds one kernel and its initrd. */
const BOOT_MIB = 96;

/** The options of the boot entry (what Fedora's installer writes, with a serial console). */
export const FEDORA_DRACUT_OPTIONS = `root=UUID=${FEDORA_ROOT_UUID} ro rootflags=${FEDORA_LIKE_ROOTFLAGS} console=ttyS0,115200n8`;

const FSTAB = `UUID=${FEDORA_ROOT_UUID} / btrfs subvol=root 0 0
UUID=${FEDORA_ROOT_UUID} /home btrfs subvol=home 0 0
`;

/** Builds (or finds in the cache) the Fedora-like disk with a dracut initrd. */
export async function buildFedoraDracutImage(cacheDir = fixtureCacheDir()): Promise<FedoraDracutImage> {
  await requireTools([...REQUIRED_TOOLS, 'mmdebstrap', 'mkfs.btrfs', 'btrfs', 'mkfs.vfat', 'mcopy', 'mmd', 'qemu-system-x86_64', 'ldd']);
  await mkdir(cacheDir, { recursive: true });
  const key = await contentKey('fedora-dracut', PACKAGES.join(','), MODULE_PATHS.join(','), INITRD_DRIVERS, FEDORA_DRACUT_OPTIONS, FSTAB, String(BOOT_MIB));
  const dir = await cached(cacheDir, `fedora-dracut-${key}`, buildFedoraDracut);
  const kernelVersion = (await readFile(path.join(dir, 'uname'), 'utf8')).trim();
  return { disk: path.join(dir, 'disk.qcow2'), kernelVersion, options: FEDORA_DRACUT_OPTIONS, initrd: `/initramfs-${kernelVersion}.img` };
}

/**
 * The customize hook: cut the modules down, the fstab, dracut's initrd into /boot, then /boot's
 * files (leaving the mount point empty) and a copy of the modules (for the subvolume VM) into
 * OUT, readable by the user who runs the build (the hook's root is a subordinate id for a
 * normal user).
 */
function customizeHook(out: string): string {
  return `${trimTreeScript(MODULE_PATHS)}
rm -rf "$1/etc/resolv.conf" "$1/usr/share/doc" "$1/usr/share/man" "$1/usr/share/locale" "$1/vmlinuz" "$1/vmlinuz.old" "$1/initrd.img" "$1/initrd.img.old" "$1/boot/System.map-$V"
cp "${out}/fstab" "$1/etc/fstab"
chroot "$1" dracut --quiet --force --no-hostonly --no-early-microcode --drivers "${INITRD_DRIVERS}" "/boot/initramfs-$V.img" "$V"
mkdir "${out}/boot" "${out}/modules"
mv "$1"/boot/* "${out}/boot/"
cp -a "$1/usr/lib/modules/$V/." "${out}/modules/"
echo "$V" > "${out}/uname"
chmod -R a+rwX "${out}/boot" "${out}/modules" "${out}/uname"`;
}

async function buildFedoraDracut(out: string): Promise<void> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'sim-fedora-dracut-'));
  const tree = path.join(work, 'tree');
  const asRoot = await rootRunner();
  try {
    // The hook writes as root in mmdebstrap's namespace: the output directory must let it.
    await chmod(work, 0o777);
    await writeFile(path.join(work, 'fstab'), FSTAB);
    const stage = path.join(work, 'stage');
    await mkdir(path.join(stage, 'usr/bin'), { recursive: true });
    await installFixturePrograms(stage, path.join(work, 'build'));
    await rm(path.join(work, 'build'), { recursive: true, force: true });
    await run(...asRoot.wrap('mmdebstrap', [
      '--mode=unshare', '--variant=minbase', '--format=directory', `--include=${PACKAGES.join(',')}`,
      // sim's image builds do the same: no initrd from the kernel's postinst, the hook makes the one this layout needs.
      DISABLE_DRACUT_HOOK,
      `--customize-hook=sync-in ${stage} /`,
      `--customize-hook=${customizeHook(work)}`,
      'bookworm', tree,
    ]));
    // The tree is complete only now (mmdebstrap has unmounted /proc... and cleaned apt's caches);
    // mkfs.btrfs reads it as root in the same namespace, so its files stay root's.
    const treeMiB = Number((await run(...asRoot.wrap('du', ['-sm', tree]))).split(/\s/)[0]);
    const btrfs = path.join(work, 'root.btrfs');
    await writeFile(btrfs, '');
    await chmod(btrfs, 0o666);
    await truncate(btrfs, (Math.ceil(treeMiB * 1.5) + 64) * 1024 * 1024);
    await run(...asRoot.wrap('mkfs.btrfs', ['-q', '-f', '-L', 'fedora', '-U', FEDORA_ROOT_UUID, '-r', tree, btrfs]));

    const kernelVersion = (await readFile(path.join(work, 'uname'), 'utf8')).trim();
    const boot = path.join(work, 'boot');
    await writeFedoraEntries(boot, kernelVersion, FEDORA_DRACUT_OPTIONS);
    await assembleFedoraDisk(out, work, {
      boot, bootMiB: BOOT_MIB, rootBtrfs: btrfs, kernel: path.join(boot, `vmlinuz-${kernelVersion}`), modulesDir: path.join(work, 'modules'),
    });
    await writeFile(path.join(out, 'uname'), `${kernelVersion}\n`);
  } finally {
    if (asRoot.namespaced) await run(...asRoot.wrap('rm', ['-rf', '--one-file-system', tree])).catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  }
}
