/**
 * Finding the root filesystem of a raw disk image: a bare ext filesystem, the x86-64 root
 * partition of a GPT disk (by type GUID), or else the largest Linux partition.
 */
import { open } from 'node:fs/promises';
import { SimError } from '../core/errors.js';
import { run } from '../core/process.js';

export const GPT_ROOT_X86_64 = '4f68bce3-e8cd-4db1-96e7-fbcaf984b709';
const LINUX_DATA_TYPES = new Set(['0fc63daf-8483-4772-8e79-3d69d8477de4', '83']);

export interface PartitionEntry {
  number: number;
  start: number;
  size: number;
  type: string;
}

export interface RootLocation {
  partition: number | null;
  offset: number;
  fstype: 'ext2' | 'ext3' | 'ext4';
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
export function chooseRootPartition(partitions: PartitionEntry[]): PartitionEntry | undefined {
  const root = partitions.find((p) => p.type === GPT_ROOT_X86_64);
  if (root) return root;
  return partitions.filter((p) => LINUX_DATA_TYPES.has(p.type)).sort((a, b) => b.size - a.size)[0];
}

/** Identify the filesystem whose superblock starts at `offset`. Pure over the bytes. */
export function detectFilesystem(superblock: Buffer): RootLocation['fstype'] | 'btrfs' | 'xfs' | undefined {
  // ext2/3/4: magic 0xEF53 at byte 1024+56; the feature flags tell the generation.
  if (superblock.length >= 1024 + 104 && superblock.readUInt16LE(1024 + 56) === 0xef53) {
    const compat = superblock.readUInt32LE(1024 + 92);
    const incompat = superblock.readUInt32LE(1024 + 96);
    if (incompat & (0x40 | 0x80 | 0x200)) return 'ext4'; // extents, 64bit, flex_bg
    return compat & 0x4 ? 'ext3' : 'ext2';
  }
  if (superblock.subarray(0, 4).toString('latin1') === 'XFSB') return 'xfs';
  if (superblock.length >= 0x10048 && superblock.subarray(0x10040, 0x10048).toString('latin1') === '_BHRfS_M') return 'btrfs';
  return undefined;
}

async function readAt(file: string, offset: number, length: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await handle.read(buffer, 0, length, offset);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function listPartitions(raw: string): Promise<PartitionEntry[]> {
  const result = await run('sfdisk', ['--json', raw], { allowFailure: true });
  if (result.exitCode !== 0 || !result.stdout.trim()) return []; // no partition table: maybe a bare filesystem
  return parseSfdiskJson(result.stdout);
}

/** Locate the root filesystem of a raw disk image, or throw a SimError saying why not. */
export async function findRoot(raw: string, label: string): Promise<RootLocation> {
  const partitions = await listPartitions(raw);
  const candidates = partitions.length
    ? [chooseRootPartition(partitions)].filter((p): p is PartitionEntry => Boolean(p))
    : [{ number: 0, start: 0, size: 0, type: '' }];
  for (const candidate of candidates) {
    const fs = detectFilesystem(await readAt(raw, candidate.start, 0x10048));
    if (fs === 'btrfs' || fs === 'xfs') {
      throw new SimError('IMAGE_UNSUPPORTED_FS', `The root filesystem of ${label} is ${fs}; sim can only read ext2/3/4 root filesystems.`, 'Use an image whose root filesystem is ext4 (for example one built with `sim image build`).');
    }
    if (fs) return { partition: candidate.number || null, offset: candidate.start, fstype: fs };
  }
  throw new SimError(
    'IMAGE_NO_ROOT',
    `No root filesystem was found in ${label}${partitions.length ? ` (partitions: ${partitions.map((p) => `${p.number}:${p.type}`).join(', ')})` : ''}.`,
    'Give a disk whose root partition has the x86-64 root type GUID or is a Linux partition holding ext4, or a bare ext4 filesystem image.',
  );
}
