/**
 * Disks with a /usr partition and no root partition (GNOME OS, mkosi images with
 * systemd-repart): the root is a tmpfs or made at first boot, /usr is a read-only EROFS (with a
 * verity partition beside it), and the kernel, its initrd and its command line are one UKI on
 * the ESP. Which partitions those are, which UKI boots, and the kernel release it carries. Pure.
 */
import { SimError } from '../core/errors.js';
import { compareVersions } from './kernel-version.js';
import { chooseRootPartition, describePartitions, GPT_ESP, GPT_USR_X86_64, GPT_XBOOTLDR, type DetectedFs, type DiskPartition } from './partitions.js';
import type { UkiParts } from './uki.js';

export const GPT_USR_VERITY_X86_64 = '77ff5f63-e7b6-4633-acf4-1565b864c0e6';

/** Filesystems sim can mount as /usr with its own initramfs (busybox mount, the kernel's driver). */
const USR_FILESYSTEMS: readonly DetectedFs[] = ['erofs', 'squashfs', 'ext4', 'btrfs'];

export interface UsrOnlyLayout {
  usr: DiskPartition & { fstype: DetectedFs };
  /** The usr-verity partition, when there is one (sim's own initramfs does not check it). */
  verity?: DiskPartition;
  /** Where UKIs may be (/EFI/Linux/*.efi): the ESP, then an XBOOTLDR partition. */
  esps: DiskPartition[];
}

/**
 * The usr-only layout of a disk, or undefined when the disk has a root partition (or no /usr
 * partition): those are `chooseLayout`'s. A usr-only disk sim cannot boot is a SimError in
 * one sentence naming the partitions found.
 */
export function chooseUsrOnlyLayout(partitions: readonly DiskPartition[], label: string): UsrOnlyLayout | undefined {
  // A root by GPT type, or a plain Linux partition that chooseLayout would take as the root.
  if (chooseRootPartition([...partitions])) return undefined;
  const usr = partitions.find((p) => p.type === GPT_USR_X86_64);
  if (!usr) return undefined;
  const found = describePartitions(partitions);
  if (!usr.fstype || !USR_FILESYSTEMS.includes(usr.fstype)) {
    throw new SimError('IMAGE_UNSUPPORTED_FS', `The /usr partition of ${label} (partition ${usr.number}; layout ${found}) holds ${usr.fstype ?? 'no filesystem sim recognises'}; sim mounts EROFS, squashfs, ext4 or btrfs as /usr.`, 'Use an image whose /usr partition holds one of those (GNOME OS: EROFS).');
  }
  const esps = partitions.filter((p) => (p.type === GPT_ESP || p.type === GPT_XBOOTLDR) && p.fstype === 'vfat').sort((a, b) => Number(b.type === GPT_ESP) - Number(a.type === GPT_ESP));
  if (!esps.length) {
    throw new SimError('IMAGE_UNSUPPORTED_LAYOUT', `${label} has a /usr partition but no root partition and no FAT EFI system partition (layout ${found}); sim boots such a disk from the unified kernel image (UKI) on its ESP.`, 'Use an image with its UKI in /EFI/Linux/ on a FAT ESP (as GNOME OS has), or one with a root partition.');
  }
  const verity = partitions.find((p) => p.type === GPT_USR_VERITY_X86_64);
  return { usr: usr as UsrOnlyLayout['usr'], ...(verity ? { verity } : {}), esps };
}

export interface UkiCandidate {
  /** Path on the ESP, e.g. /EFI/Linux/gnomeos_48.efi. */
  path: string;
  parts: UkiParts;
}

/** The kernel release a UKI carries: .uname, else the version string in the bzImage's setup header. Pure. */
export function ukiKernelVersion(parts: Pick<UkiParts, 'uname' | 'linux'>): string | undefined {
  return parts.uname ?? bzImageVersion(parts.linux);
}

/** The release from a bzImage header (kernel_version at 0x20e, relative to 0x200): "6.1.0-18-amd64 (...) #1 ...". Pure. */
export function bzImageVersion(bzImage: Buffer): string | undefined {
  if (bzImage.length < 0x210 || bzImage.toString('latin1', 0x202, 0x206) !== 'HdrS') return undefined;
  const at = bzImage.readUInt16LE(0x20e) + 0x200;
  if (at >= bzImage.length) return undefined;
  const end = bzImage.indexOf(0, at);
  const text = bzImage.toString('latin1', at, end < 0 ? Math.min(bzImage.length, at + 256) : end);
  return /^(\S+)/.exec(text)?.[1];
}

/**
 * The UKI systemd-boot would start by default: the newest kernel release, then the newest
 * os-release VERSION_ID / IMAGE_VERSION, then the name (systemd-boot sorts /EFI/Linux entries
 * by version, newest first). Pure.
 */
export function newestUki<T extends UkiCandidate>(candidates: readonly T[]): T | undefined {
  const key = (c: UkiCandidate) => [ukiKernelVersion(c.parts) ?? '', c.parts.osRelease.IMAGE_VERSION ?? c.parts.osRelease.VERSION_ID ?? '', c.path] as const;
  return [...candidates].sort((a, b) => {
    const [ka, kb] = [key(a), key(b)];
    return compareVersions(kb[0], ka[0]) || compareVersions(kb[1], ka[1]) || compareVersions(kb[2], ka[2]);
  })[0];
}

/**
 * How a usr-only image boots unless `--initrd` says otherwise: with its own initrd when sim can
 * hook into it — it sets up dm-verity for /usr, the root (tmpfs, or made by systemd-repart) and
 * /etc as the image was built to, which sim's busybox initramfs only approximates (no verity) —
 * else with sim's. Pure.
 */
export function usrOnlyDefaultInitrd(initrd: { kind: string } | undefined): 'sim' | 'image' {
  return initrd && initrd.kind === 'systemd' ? 'image' : 'sim';
}

/** The filesystem a boot mounts from the disk: a usr-only image's /usr, else its root. Pure. */
export function bootFilesystem(image: { root: { fstype: string }; usr?: { fstype: string } }): string {
  return image.usr?.fstype ?? image.root.fstype;
}
