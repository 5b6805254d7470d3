/**
 * What sim asks `xfs_db -r` and how it reads the answers: pure. Debian 12's xfsprogs (6.1) has
 * no command that copies a file out, but xfs_db resolves paths (`path`), lists directories
 * (`ls`, whatever their format: local, block, leaf or btree), prints inodes (`print`) and a
 * file's extents (`bmap`); the reader then reads those extents from the disk itself.
 */

export interface XfsGeometry {
  /** Bytes per filesystem block. */
  blocksize: number;
  /** Blocks per allocation group: an extent's start is (ag, block in ag). */
  agblocks: number;
}

/** One extent of a file's data fork, in filesystem blocks. */
export interface XfsExtent {
  /** First block of the file this extent maps. */
  fileBlock: number;
  ag: number;
  agBlock: number;
  blocks: number;
  /** Preallocated, never written: reads as zeros. */
  unwritten: boolean;
}

export interface XfsInode {
  /** st_mode: type and permission bits. */
  mode: number;
  size: number;
  /** local (inline), extents or btree: the data fork's format. */
  format: string;
  /** The data fork's extents, in file order (empty for local-format inodes and empty files). */
  extents: XfsExtent[];
}

export interface XfsDirEntry {
  name: string;
  inode: number;
  /** The directory entry's file type as xfs_db names it: regular, directory, symlink... */
  type: string;
}

/** Each target's output starts after this, so a failed lookup cannot be taken for the next one. */
const MARK = '@@sim';

/**
 * xfs_db splits its commands at white space and knows no quoting: a path with white space or
 * control characters cannot be named to it (nor a relative one, which its getopt could take
 * for an option). Pure.
 */
export function nameable(file: string): boolean {
  return file.startsWith('/') && !/[\s\p{Cc}]/u.test(file);
}

/** Commands that print the geometry: first in every script, so it costs no process of its own. */
export const GEOMETRY_COMMANDS = ['sb 0', 'print blocksize agblocks'];

export function parseGeometry(output: string): XfsGeometry | undefined {
  const blocksize = /^blocksize = (\d+)$/m.exec(output)?.[1];
  const agblocks = /^agblocks = (\d+)$/m.exec(output)?.[1];
  return blocksize && agblocks ? { blocksize: Number(blocksize), agblocks: Number(agblocks) } : undefined;
}

/** A target is a path (resolved by xfs_db) or an inode number (from a directory listing). */
export type XfsTarget = { path: string } | { inode: number };

/**
 * Commands that print each target's mode, size, format and data extents, each after a marker.
 * The targets' paths must be `nameable`. Pure.
 */
export function statCommands(targets: readonly XfsTarget[]): string[] {
  const commands = [...GEOMETRY_COMMANDS];
  targets.forEach((target, i) => {
    commands.push(`echo ${MARK} ${i}`, 'path' in target ? `path ${target.path}` : `inode ${target.inode}`, 'print core.mode core.size core.format', 'bmap -d');
  });
  return commands;
}

/**
 * The inodes `statCommands` printed, by target index; undefined where the lookup failed (xfs_db
 * then says why, and its cursor stays on the previous inode, whose fields follow). Pure.
 */
export function parseStats(output: string, count: number): (XfsInode | undefined)[] {
  const result: (XfsInode | undefined)[] = new Array<XfsInode | undefined>(count).fill(undefined);
  const blocks = output.split(new RegExp(`^${MARK} (\\d+) *$`, 'm'));
  for (let i = 1; i + 1 < blocks.length; i += 2) {
    const index = Number(blocks[i]);
    const lines = blocks[i + 1]!.split('\n').filter(Boolean);
    // A found inode's output starts with its mode; anything else is xfs_db's complaint.
    const mode = /^core\.mode = (0[0-7]*)$/.exec(lines[0] ?? '')?.[1];
    if (mode === undefined || index >= count) continue;
    const size = /^core\.size = (\d+)$/.exec(lines[1] ?? '')?.[1];
    const format = /^core\.format = \d+ \((\w+)\)$/.exec(lines[2] ?? '')?.[1];
    if (size === undefined || format === undefined) continue;
    result[index] = { mode: parseInt(mode, 8), size: Number(size), format, extents: parseBmap(lines.slice(3).join('\n')) };
  }
  return result;
}

/** `bmap -d` lines: "data offset 0 startblock 32792 (1/24) count 74 flag 0". Pure. */
export function parseBmap(output: string): XfsExtent[] {
  const extents: XfsExtent[] = [];
  for (const m of output.matchAll(/^data offset (\d+) startblock \d+ \((\d+)\/(\d+)\) count (\d+) flag ([01])$/gm)) {
    extents.push({ fileBlock: Number(m[1]), ag: Number(m[2]), agBlock: Number(m[3]), blocks: Number(m[4]), unwritten: m[5] === '1' });
  }
  return extents;
}

/** Commands that list a directory (path must be `nameable`). */
export function listCommands(dir: string): string[] {
  return [...GEOMETRY_COMMANDS, `echo ${MARK} 0`, `ls ${dir}`];
}

/**
 * Entries of a directory from `ls` (without . and ..), or undefined when it could not be
 * listed. Lines are "cookie inode type hash namelen name (good)"; the name is taken by its
 * length, so names with spaces survive. Pure.
 */
export function parseLs(output: string): XfsDirEntry[] | undefined {
  const after = output.split(new RegExp(`^${MARK} 0 *$`, 'm'))[1];
  if (after === undefined) return undefined;
  const lines = after.split('\n');
  // `ls PATH` prints "PATH:" first; a failure prints "PATH: reason" instead.
  if (!lines[1]?.endsWith(':')) return undefined;
  const entries: XfsDirEntry[] = [];
  for (const line of lines.slice(2)) {
    const m = /^\d+\s+(\d+)\s+(\S+)\s+0x[0-9a-f]+\s+(\d+) (.*) \((?:good|corrupt)\)$/.exec(line);
    if (!m) continue;
    const name = m[4]!.slice(0, Number(m[3]));
    if (name !== '.' && name !== '..') entries.push({ name, inode: Number(m[1]), type: m[2]! });
  }
  return entries;
}

/** Where a file's bytes are: runs of the file (offset, length) and where on the filesystem they start. */
export interface ByteRun {
  fileOffset: number;
  fsOffset: number;
  length: number;
}

/**
 * The runs of bytes to copy for a file of `size` bytes: written extents only (holes and
 * unwritten extents read as zeros), clipped to the size. Pure.
 */
export function byteRuns(extents: readonly XfsExtent[], size: number, geometry: XfsGeometry): ByteRun[] {
  const runs: ByteRun[] = [];
  const { blocksize, agblocks } = geometry;
  for (const e of extents) {
    if (e.unwritten) continue;
    const fileOffset = e.fileBlock * blocksize;
    const length = Math.min(e.blocks * blocksize, size - fileOffset);
    if (length <= 0) continue;
    runs.push({ fileOffset, fsOffset: (e.ag * agblocks + e.agBlock) * blocksize, length });
  }
  return runs;
}

/**
 * Incompatible features by the xfsprogs release whose xfs_db first knows them (Debian 12's 6.1
 * is the oldest sim runs with). An older xfs_db reads such a filesystem without complaint (`-r`
 * skips the feature check) but may misread it.
 */
const INCOMPAT_FEATURES: readonly { bit: number; name: string; since: [number, number] }[] = [
  { bit: 0x1, name: 'ftype', since: [6, 1] },
  { bit: 0x2, name: 'sparse inodes', since: [6, 1] },
  { bit: 0x4, name: 'meta_uuid', since: [6, 1] },
  { bit: 0x8, name: 'bigtime', since: [6, 1] },
  { bit: 0x10, name: 'needsrepair', since: [6, 1] },
  { bit: 0x20, name: 'nrext64', since: [6, 1] },
  { bit: 0x40, name: 'exchange', since: [6, 10] },
  { bit: 0x80, name: 'parent pointers', since: [6, 10] },
  { bit: 0x100, name: 'metadir', since: [6, 13] },
  { bit: 0x200, name: 'zoned', since: [6, 15] },
  { bit: 0x400, name: 'zone gaps', since: [6, 15] },
];
export const XFS_INCOMPAT_NEEDSREPAIR = 0x10;

/** "xfs_db version 6.1.0" -> [6, 1]. Pure. */
export function parseXfsDbVersion(output: string): [number, number] | undefined {
  const m = /version (\d+)\.(\d+)/.exec(output);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

export interface XfsSuperblockFacts {
  /** 4 or 5 (v5: metadata checksums and feature fields). */
  version: number;
  incompat: number;
  /** A realtime section, on a device of its own: its files' extents are not on this partition. */
  realtime: boolean;
  /** The log is on a device of its own (logstart 0). */
  externalLog: boolean;
}

/** What the superblock says (big-endian: rblocks at 16, logstart at 48, versionnum at 100, incompat at 216). Pure. */
export function superblockFacts(sb: Buffer): XfsSuperblockFacts | undefined {
  if (sb.length < 220 || sb.subarray(0, 4).toString('latin1') !== 'XFSB') return undefined;
  const version = sb.readUInt16BE(100) & 0xf;
  return { version, incompat: version >= 5 ? sb.readUInt32BE(216) : 0, realtime: sb.readBigUInt64BE(16) > 0n, externalLog: sb.readBigUInt64BE(48) === 0n };
}

/**
 * Incompatible features this xfs_db does not know, by name (or bit, for ones newer than this
 * table). Pure.
 */
export function unknownFeatures(incompat: number, xfsDb: [number, number]): string[] {
  const unknown: string[] = [];
  const newer = (since: [number, number]) => since[0] > xfsDb[0] || (since[0] === xfsDb[0] && since[1] > xfsDb[1]);
  for (let bit = 1; bit !== 0 && bit <= incompat; bit = (bit << 1) >>> 0) {
    if (!(incompat & bit)) continue;
    const known = INCOMPAT_FEATURES.find((f) => f.bit === bit);
    if (!known) unknown.push(`0x${bit.toString(16)}`);
    else if (newer(known.since)) unknown.push(`${known.name} (xfsprogs ${known.since.join('.')})`);
  }
  return unknown;
}

/**
 * The log's state from `xfs_logprint -t`'s header ("log tail: 134 head: 140 state: <DIRTY>"):
 * xfs_db does not replay a dirty log, so it would show the files as they were before the
 * changes the log holds. Pure.
 */
export function logState(output: string): 'clean' | 'dirty' | undefined {
  const state = /state: <(\w+)>/.exec(output)?.[1];
  return state === 'CLEAN' ? 'clean' : state === 'DIRTY' ? 'dirty' : undefined;
}
