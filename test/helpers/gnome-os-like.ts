// Builds, from Debian 12's packages, a disk shaped like GNOME OS: a GPT with an ESP holding one
// unified kernel image (/EFI/Linux/gnomeos-like.efi, assembled from systemd-boot-efi's stub with
// objcopy: .osrel, .cmdline, .uname, .linux, .initrd), a usr-verity partition and a usr partition
// (EROFS, lz4: Debian 12's erofs-utils 1.5 reads nothing else), and no root partition: the UKI's
// command line asks for a tmpfs root (root=tmpfs), /usr from the verity device (usrhash=), and
// the partitions are named by PARTUUID (a direct kernel boot sets no boot loader variable, so
// systemd's gpt-auto discovery cannot find them). As systemd-repart does, the two partitions'
// UUIDs are the halves of the verity root hash. /etc comes from /usr/share/factory/etc: the
// image's initrd (made by dracut for this layout) copies it with systemd-tmpfiles, as GNOME OS's
// initrd-create-mutable-etc.service does.
//
// The tree is Debian 12 minbase with systemd, udev, dracut and the kernel (mmdebstrap), the
// kernel modules cut down to what this boot needs, plus the fixture programs (demo-app, libdemo
// v1, sim-hello). Cached in the fixture cache by a key over its inputs.
import { mkdir, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { rootRunner } from '../../src/images/userns.js';
import { DISABLE_DRACUT_HOOK, trimTreeScript } from './dracut-tree.js';
import { cached, contentKey, copyInto, fixtureCacheDir, installFixturePrograms, partitions, REQUIRED_TOOLS, requireTools, runTool as run } from './fixture-image.js';

export interface GnomeOsLikeImage {
  /** qcow2: 1 ESP (vfat, the UKI), 2 usr-verity, 3 usr (EROFS); no root partition. */
  disk: string;
  kernelVersion: string;
  /** The UKI's .cmdline. */
  cmdline: string;
  /** The verity root hash of the usr partition (usrhash=). */
  usrHash: string;
}

export const GNOME_OS_LIKE_UKI = '/EFI/Linux/gnomeos-like.efi';
const STUB = '/usr/lib/systemd/boot/efi/linuxx64.efi.stub';
const PACKAGES = ['systemd-sysv', 'udev', 'linux-image-amd64', 'dracut'];
/** Below kernel/: what this boot needs (virtio disk, EROFS, dm-verity, 9p, overlayfs). */
const MODULE_PATHS = [
  'fs/erofs', 'fs/9p', 'fs/netfs', 'fs/fscache', 'fs/overlayfs', 'net/9p', 'drivers/virtio', 'drivers/block/virtio_blk.ko',
  'drivers/char/virtio_console.ko', 'drivers/md/dm-mod.ko', 'drivers/md/dm-verity.ko', 'drivers/md/dm-bufio.ko', 'crypto', 'lib', 'arch/x86/crypto',
];
/**
 * Only the drivers a virtio disk with an EROFS /usr on dm-verity needs (a small initrd unpacks
 * faster under emulation), and 9p, virtio_console and overlayfs, which GNOME OS's kernel has
 * built in and Debian's has as modules: an import that cannot read the EROFS finds them here.
 */
const INITRD_DRIVERS = 'virtio_pci virtio_blk erofs dm-verity 9p 9pnet_virtio virtio_console overlay';
const ESP_MIB = 40;

/** The initrd unit that makes /etc, as GNOME OS's initrd-create-mutable-etc.service does. */
const ETC_UNIT = `[Unit]
Description=Create /etc from /usr/share/factory/etc
DefaultDependencies=no
ConditionPathExists=/etc/initrd-release
After=sysroot.mount sysroot-usr.mount
Before=initrd-fs.target

[Service]
Type=oneshot
ExecStart=systemd-tmpfiles --root=/sysroot --create --boot factory-etc.conf
`;

/** Builds (or finds in the cache) the GNOME-OS-like fixture disk. */
export async function buildGnomeOsLikeImage(cacheDir = fixtureCacheDir()): Promise<GnomeOsLikeImage> {
  await requireTools([...REQUIRED_TOOLS, 'mmdebstrap', 'mkfs.erofs', 'veritysetup', 'objcopy', 'mkfs.vfat', 'mmd', 'mcopy']);
  await stat(STUB).catch(() => {
    throw new Error(`cannot build the GNOME-OS-like fixture; missing: ${STUB} (systemd-boot-efi)`);
  });
  await mkdir(cacheDir, { recursive: true });
  const key = await contentKey('gnome-os-like', PACKAGES.join(','), MODULE_PATHS.join(','), INITRD_DRIVERS, ETC_UNIT, await readFile(STUB));
  const dir = await cached(cacheDir, `gnome-os-like-${key}`, buildGnomeOsLike);
  const facts = JSON.parse(await readFile(path.join(dir, 'fixture.json'), 'utf8')) as Omit<GnomeOsLikeImage, 'disk'>;
  return { disk: path.join(dir, 'disk.qcow2'), ...facts };
}

/** The customize hook: cut the modules down, /etc into the factory, the initrd, then the EROFS and its verity data into OUT. */
function customizeHook(out: string): string {
  return `${trimTreeScript(MODULE_PATHS)}
rm -f "$1/etc/resolv.conf"
rm -rf "$1/usr/share/factory/etc" "$1/usr/share/doc" "$1/usr/share/man" "$1/usr/share/locale"
mkdir -p "$1/usr/share/factory"
cp -a "$1/etc" "$1/usr/share/factory/etc"
printf 'C /etc - - - - /usr/share/factory/etc\\n' > "$1/usr/lib/tmpfiles.d/factory-etc.conf"
mkdir -p "$1/sim-initrd/etc/systemd/system/initrd-fs.target.wants"
cp "${out}/etc.service" "$1/sim-initrd/etc/systemd/system/initrd-create-etc.service"
ln -s ../initrd-create-etc.service "$1/sim-initrd/etc/systemd/system/initrd-fs.target.wants/initrd-create-etc.service"
chroot "$1" dracut --quiet --force --no-hostonly --no-early-microcode --kver "$V" --drivers "${INITRD_DRIVERS}" --add "systemd-veritysetup systemd-tmpfiles dm" --include /sim-initrd / /initrd.img
cp "$1/initrd.img" "${out}/initrd.img"
cp "$1/boot/vmlinuz-$V" "${out}/vmlinuz"
cp "$1/usr/lib/os-release" "${out}/os-release"
echo "$V" > "${out}/uname"
mkfs.erofs --quiet -zlz4hc "${out}/usr.erofs" "$1/usr"
veritysetup format "${out}/usr.erofs" "${out}/usr.verity" > "${out}/verity.txt"
chmod a+rw "${out}"/*`;
}

/** 32 hex digits as a UUID. */
function uuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

async function buildGnomeOsLike(out: string): Promise<void> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'sim-gnome-os-like-'));
  try {
    // The hook writes as root in mmdebstrap's namespace: the output directory must let it.
    await run('chmod', ['0777', work]);
    await writeFile(path.join(work, 'etc.service'), ETC_UNIT);
    const stage = path.join(work, 'stage');
    await mkdir(path.join(stage, 'usr/bin'), { recursive: true });
    await installFixturePrograms(stage, path.join(work, 'build'));
    await rm(path.join(work, 'build'), { recursive: true, force: true });
    await mkdir(path.join(stage, 'usr/share/sim-fixture'), { recursive: true });
    await writeFile(path.join(stage, 'usr/share/sim-fixture/which'), 'from the image\n');
    const asRoot = await rootRunner();
    const [file, args] = asRoot.wrap('mmdebstrap', [
      '--mode=unshare', '--variant=minbase', '--format=null', `--include=${PACKAGES.join(',')}`,
      // sim's image builds do the same: no initrd from the kernel's postinst, dracut makes the one this layout needs.
      DISABLE_DRACUT_HOOK,
      `--customize-hook=sync-in ${stage} /`,
      `--customize-hook=${customizeHook(work)}`,
      'bookworm', '/dev/null',
    ]);
    await run(file, args);

    const usrHash = /^Root hash:\s*([0-9a-f]{64})$/m.exec(await readFile(path.join(work, 'verity.txt'), 'utf8'))?.[1];
    if (!usrHash) throw new Error('veritysetup printed no root hash');
    const [dataUuid, hashUuid] = [uuid(usrHash.slice(0, 32)), uuid(usrHash.slice(32))];
    const kernelVersion = (await readFile(path.join(work, 'uname'), 'utf8')).trim();
    const cmdline = `rw root=tmpfs mount.usrfstype=erofs mount.usrflags=ro usrhash=${usrHash} systemd.verity_usr_data=PARTUUID=${dataUuid} systemd.verity_usr_hash=PARTUUID=${hashUuid} systemd.firstboot=no`;
    await writeFile(path.join(work, 'cmdline'), cmdline);

    // The UKI, section by section as systemd's documentation assembled them before ukify.
    const uki = path.join(work, 'uki.efi');
    const sections: [string, string, string][] = [['.osrel', 'os-release', '0x20000'], ['.cmdline', 'cmdline', '0x30000'], ['.uname', 'uname', '0x40000'], ['.linux', 'vmlinuz', '0x2000000'], ['.initrd', 'initrd.img', '0x3000000']];
    await run('objcopy', [...sections.flatMap(([name, f, vma]) => ['--add-section', `${name}=${path.join(work, f)}`, '--change-section-vma', `${name}=${vma}`]), STUB, uki]);

    const mib = 1024 * 1024;
    const sizeMiB = async (f: string) => Math.ceil((await stat(f)).size / mib) + 1;
    const [usrMiB, verityMiB] = [await sizeMiB(path.join(work, 'usr.erofs')), await sizeMiB(path.join(work, 'usr.verity'))];
    const disk = path.join(work, 'disk.raw');
    await writeFile(disk, '');
    await truncate(disk, (1 + ESP_MIB + verityMiB + usrMiB + 1) * mib);
    await run('sfdisk', ['--quiet', disk], [
      'label: gpt',
      `size=${ESP_MIB}MiB, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="ESP"`,
      `size=${verityMiB}MiB, type=77FF5F63-E7B6-4633-ACF4-1565B864C0E6, uuid=${hashUuid}, name="gnomeos_usr_v"`,
      `size=${usrMiB}MiB, type=8484680C-9521-48C6-9C11-B0720656F69E, uuid=${dataUuid}, name="gnomeos_usr"`,
    ].join('\n') + '\n');
    const [esp, verity, usr] = await partitions(disk);
    const image = `${disk}@@${esp!.start * 512}`;
    await run('mkfs.vfat', ['-F', '16', '-n', 'ESP', '--offset', String(esp!.start), disk, String((esp!.size * 512) / 1024)]);
    await run('mmd', ['-i', image, '::/EFI', '::/EFI/Linux']);
    await run('mcopy', ['-i', image, uki, `::${GNOME_OS_LIKE_UKI}`]);
    await copyInto(path.join(work, 'usr.verity'), disk, verity!.start * 512);
    await copyInto(path.join(work, 'usr.erofs'), disk, usr!.start * 512);
    await run('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', disk, path.join(out, 'disk.qcow2')]);
    await writeFile(path.join(out, 'fixture.json'), JSON.stringify({ kernelVersion, cmdline, usrHash }));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
