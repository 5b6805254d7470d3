/**
 * Opening the right reader for a partition, from what its superblock says: ext2/3/4 (debugfs),
 * vfat (mtools), btrfs (btrfs restore), xfs (xfs_db). Nothing here needs root or loop devices.
 */
import path from 'node:path';
import { SimError } from '../../core/errors.js';
import type { DiskPartition } from '../partitions.js';
import { BtrfsFs } from './btrfs.js';
import { ExtFs } from './ext4.js';
import type { FsReader } from './types.js';
import { VfatFs } from './vfat.js';
import { XfsFs } from './xfs.js';

export type { DirEntry, FsReader, ReadableFs } from './types.js';

/** Which reader a detected filesystem gets, or undefined when sim has none. Pure. */
export function readerKind(fstype: string | undefined): 'ext' | 'vfat' | 'btrfs' | 'xfs' | undefined {
  if (fstype === 'ext2' || fstype === 'ext3' || fstype === 'ext4') return 'ext';
  if (fstype === 'vfat') return 'vfat';
  if (fstype === 'btrfs') return 'btrfs';
  if (fstype === 'xfs') return 'xfs';
  return undefined;
}

/**
 * A reader for `partition` of the raw disk `raw`. `scratch` is a directory the reader may fill
 * (btrfs and xfs carve their partition out there). A btrfs reader starts at the top level.
 */
export function openReader(raw: string, partition: DiskPartition, scratch: string): FsReader & { close?: () => Promise<void> } {
  const kind = readerKind(partition.fstype);
  if (kind === 'ext') return new ExtFs(raw, partition.start, partition.fstype as 'ext2' | 'ext3' | 'ext4');
  if (kind === 'vfat') return new VfatFs(raw, partition.start);
  if (kind === 'btrfs') return new BtrfsFs(raw, partition.start, partition.size, path.join(scratch, `btrfs-${partition.number}`));
  if (kind === 'xfs') return new XfsFs(raw, partition.start, partition.size, path.join(scratch, `xfs-${partition.number}`), partition.number ? `partition ${partition.number}` : 'the bare filesystem image');
  throw new SimError('IMAGE_UNSUPPORTED_FS', `Partition ${partition.number} holds ${partition.fstype ?? 'no filesystem sim recognises'}, which sim cannot read.`, 'Use an image whose root is ext4, btrfs or xfs.');
}
