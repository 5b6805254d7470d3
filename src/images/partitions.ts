/**
 * What a raw disk image holds: its partitions (sfdisk) and the filesystem each starts with
 * (superblock magic). The root is the x86-64 root partition of a GPT disk (by type GUID), or
 * else the largest Linux partition, or a bare filesystem.
 */
import { open, stat } from 'node:fs/promises';
import { SimError } from '../core/errors.js';
import { run } from '../core/process.js';

export const GPT_ROOT_X86_64 = '4f68bce3-e8cd-4db1-96e7-fbcaf984b709';
export const GPT_USR_X86_64 = '8484680c-9521-48c6-9c11-b0720656f69e';
export const GPT_ESP = 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b';
export const GPT_XBOOTLDR = 'bc13c2ff-59e6-4262-a352-b275fd6f7172';
export const LINUX_DATA_TYPES = new Set(['0fc63daf-8483-4772-8e79-3d69d8477de4', '83']);
/** Linux LVM: GPT type and MBR id. */
export const LINUX_LVM_TYPES = new Set(['e6d6d379-f507-44c2-a23c-238f2a3df928', '8e']);

/** Filesystems (and containers) sim recognises by their superblock. */
export type DetectedFs = 'ext2' | 'ext3' | 'ext4' | 'btrfs' | 'xfs' | 'vfat' | 'erofs' | 'squashfs' | 'luks' | 'lvm';
/** Bytes from the start of a partition that `detectFilesystem` needs. */
export const SUPERBLOCK_BYTES = 0x10048;

export interface PartitionEntry {
  number: number;
  start: number;
  size: number;
  type: string;
}

export interface RootLocation {
  partition: number | null;
  offset: number;
  /** tmpfs: a usr-only image (GNOME OS), whose root is a tmpfs with its /usr partition mounted on it. */
  fstype: 'ext2' | 'ext3' | 'ext4' | 'btrfs' | 'xfs' | 'tmpfs';
  /** Mount options the root needs (the image's rootflags, e.g. subvol=root). */
  options?: string;
}

/** The /usr partition of a usr-only image and where its kernel modules were read. */
export interface UsrLocation {
  partition: number;
  offset: number;
  fstype: DetectedFs;
  /** The usr-verity partition beside it. */
  verityPartition?: number;
  /** usr: the /usr filesystem itself; initrd: the UKI's initrd (this host could not read /usr). */
  modulesFrom: 'usr' | 'initrd';
}

/** Parse `sfdisk --json` output into partitions with byte offsets. Pure. */
export function parseSfdiskJson(json: string): PartitionEntry[] {
  const table = (JSON.parse(json) as { partitiontable: unknown }).partitiontable as { sectorsize?: number; partitions?: { node: string; start: number; size: number; type: string }[] };
  const sector = table.sectorsize ?? 512;
  return (table.partitions ?? []).map((p) => ({
    number: Number(/(\d+)$/.exec(p.node)?.[1] ?? 0),
    start: p.start * sector,
    size: p.size * sector,
    type: p.type.toLowerCase(),
  }));
}

/** Which partition holds the root: the GPT root type first, else the largest Linux one. Pure. */
export function chooseRootPartition<P extends PartitionEntry>(partitions: P[]): P | undefined {
  const root = partitions.find((p) => p.type === GPT_ROOT_X86_64);
  if (root) return root;
  return partitions.filter((p) => LINUX_DATA_TYPES.has(p.type)).sort((a, b) => b.size - a.size)[0];
}

/** Identify the filesystem whose superblock starts at `offset`. Pure over the bytes. */
export function detectFilesystem(superblock: Buffer): DetectedFs | undefined {
  // ext2/3/4: magic 0xEF53 at byte 1024+56; the feature flags tell the generation.
  if (superblock.length >= 1024 + 104 && superblock.readUInt16LE(1024 + 56) === 0xef53) {
    const compat = superblock.readUInt32LE(1024 + 92);
    const incompat = superblock.readUInt32LE(1024 + 96);
    if (incompat & (0x40 | 0x80 | 0x200)) return 'ext4'; // extents, 64bit, flex_bg
    return compat & 0x4 ? 'ext3' : 'ext2';
  }
  if (superblock.subarray(0, 4).toString('latin1') === 'XFSB') return 'xfs';
  if (superblock.subarray(0, 6).equals(Buffer.from('LUKS\xba\xbe', 'latin1'))) return 'luks';
  // An LVM physical volume: its label ("LABELONE", then "LVM2 001" at +24) in one of the first four sectors.
  for (let sector = 0; sector < 4 && superblock.length >= sector * 512 + 32; sector++) {
    const at = sector * 512;
    if (superblock.toString('latin1', at, at + 8) === 'LABELONE' && superblock.toString('latin1', at + 24, at + 32) === 'LVM2 001') return 'lvm';
  }
  if (superblock.subarray(0, 4).toString('latin1') === 'hsqs') return 'squashfs';
  if (superblock.length >= 1028 && superblock.readUInt32LE(1024) === 0xe0f5e1e2) return 'erofs';
  // FAT: the boot sector signature and the file-system type string (FAT12/16 at 0x36, FAT32 at 0x52).
  if (superblock.length >= 512 && superblock.readUInt16LE(510) === 0xaa55) {
    const fat16 = superblock.subarray(0x36, 0x39).toString('latin1');
    const fat32 = superblock.subarray(0x52, 0x57).toString('latin1');
    if (fat16 === 'FAT' || fat32 === 'FAT32') return 'vfat';
  }
  if (superblock.length >= 0x10048 && superblock.subarray(0x10040, 0x10048).toString('latin1') === '_BHRfS_M') return 'btrfs';
  return undefined;
}

export async function readAt(file: string, offset: number, length: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, offset);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

export async function listPartitions(raw: string): Promise<PartitionEntry[]> {
  const result = await run('sfdisk', ['--json', raw], { allowFailure: true });
  if (result.exitCode !== 0 || !result.stdout.trim()) return []; // no partition table: maybe a bare filesystem
  return parseSfdiskJson(result.stdout);
}

export interface DiskPartition extends PartitionEntry {
  fstype?: DetectedFs;
}

/** The partitions of a disk with the filesystem each holds; a bare filesystem is partition 0. */
export async function inspectDisk(raw: string): Promise<DiskPartition[]> {
  const partitions = await listPartitions(raw);
  const size = partitions.length ? 0 : (await stat(raw)).size;
  const all = partitions.length ? partitions : [{ number: 0, start: 0, size, type: '' }];
  const result: DiskPartition[] = [];
  for (const p of all) result.push({ ...p, fstype: detectFilesystem(await readAt(raw, p.start, SUPERBLOCK_BYTES)) });
  return result;
}

export interface DiskLayout {
  root: DiskPartition & { fstype: Exclude<RootLocation['fstype'], 'tmpfs'> };
  /** Other readable partitions where a kernel and boot entries may be (/boot, the ESP), most likely first. */
  bootCandidates: DiskPartition[];
}

const READABLE_ROOTS: readonly DetectedFs[] = ['ext2', 'ext3', 'ext4', 'btrfs', 'xfs'] satisfies RootLocation['fstype'][];
const isReadableRoot = (fs: DetectedFs | undefined): fs is DiskLayout['root']['fstype'] => Boolean(fs && READABLE_ROOTS.includes(fs));
const READABLE_BOOTS = new Set<DetectedFs>(['ext2', 'ext3', 'ext4', 'btrfs', 'xfs', 'vfat']);

/** One line naming a disk's partitions: "1:esp(vfat), 2:linux(ext4), 3:root(btrfs)". Pure. */
export function describePartitions(partitions: readonly DiskPartition[]): string {
  const kind = (type: string) =>
    ({ [GPT_ROOT_X86_64]: 'root', [GPT_USR_X86_64]: 'usr', [GPT_ESP]: 'esp', [GPT_XBOOTLDR]: 'xbootldr' } as Record<string, string>)[type] ?? (LINUX_DATA_TYPES.has(type) ? 'linux' : LINUX_LVM_TYPES.has(type) ? 'lvm' : type || 'bare');
  return partitions.map((p) => `${p.number}:${kind(p.type)}(${p.fstype ?? 'unknown'})`).join(', ');
}

/**
 * Which partition is the root and where boot entries may be, or a SimError in one sentence
 * naming the layout found and what to do. Pure.
 */
export function chooseLayout(partitions: readonly DiskPartition[], label: string): DiskLayout {
  const bare = partitions.length === 1 && partitions[0]!.number === 0;
  // A bare file that holds no filesystem sim knows has no root at all.
  const root = bare ? (partitions[0]!.fstype ? partitions[0] : undefined) : chooseRootPartition([...partitions]);
  const found = describePartitions(partitions);
  // RHEL and CentOS installs keep the root in LVM beside a small /boot, which would pass for the largest Linux partition.
  const lvm = partitions.filter((p) => p.fstype === 'lvm' || LINUX_LVM_TYPES.has(p.type));
  if (lvm.length && (!root || (root.type !== GPT_ROOT_X86_64 && lvm.some((p) => p === root || p.size > root.size)))) {
    throw new SimError('IMAGE_UNSUPPORTED_LAYOUT', `${label} keeps its root in LVM (partition ${lvm.map((p) => p.number).join(', ')}; layout ${found}); sim reads filesystems on partitions, not on logical volumes.`, 'Use an image without LVM (the cloud images of RHEL, CentOS Stream and Fedora have none), or copy the root logical volume into a disk of its own on a host that can activate it, and import that.');
  }
  if (!root) {
    if (partitions.some((p) => p.type === GPT_USR_X86_64)) {
      throw new SimError('IMAGE_UNSUPPORTED_LAYOUT', `${label} has a /usr partition but no root partition (a GNOME-OS-like layout: ${found}); it has no root to choose.`, 'Import it with `sim image add`, which boots such a disk from the UKI on its ESP.');
    }
    throw new SimError('IMAGE_NO_ROOT', `No root filesystem was found in ${label}${bare ? '' : ` (partitions: ${found})`}.`, 'Give a disk whose root partition has the x86-64 root type GUID or is a Linux partition holding ext4, btrfs or xfs, or a bare ext4, btrfs or xfs filesystem image.');
  }
  const fstype = root.fstype;
  if (!isReadableRoot(fstype)) {
    const what = fstype === 'luks' ? 'encrypted (LUKS)' : fstype ?? 'of no filesystem sim recognises';
    const hint =
      fstype === 'luks' ? 'sim cannot boot encrypted roots: use an unencrypted image.'
      : 'Use an image whose root filesystem is ext4, btrfs or xfs (for example one built with `sim image build`).';
    throw new SimError('IMAGE_UNSUPPORTED_FS', `The root filesystem of ${label} (partition ${root.number || 'none, bare'}; layout ${found}) is ${what}; sim reads ext2/3/4, btrfs and xfs roots.`, hint);
  }
  const rank = (p: DiskPartition) => (p.type === GPT_XBOOTLDR ? 0 : LINUX_DATA_TYPES.has(p.type) ? 1 : p.type === GPT_ESP ? 2 : 3);
  const bootCandidates = partitions
    .filter((p) => p !== root && p.fstype && READABLE_BOOTS.has(p.fstype))
    .sort((a, b) => rank(a) - rank(b));
  return { root: { ...root, fstype }, bootCandidates };
}
