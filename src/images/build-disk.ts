/**
 * A raw GPT disk with one x86-64 root partition holding an ext4 filesystem made from a tree with
 * `mke2fs -d`: no root, loop devices or mounts needed. The layout matches real images, so the
 * store finds the root partition by its type GUID.
 */
import { open } from 'node:fs/promises';
import { run } from '../core/process.js';
import { GPT_ROOT_X86_64 } from './partitions.js';
import { realRoot, type RootRunner } from './userns.js';

/** The partition starts at 1 MiB (the usual alignment); the backup GPT needs the last 33 sectors. */
export const PARTITION_OFFSET = 1024 * 1024;
const TAIL_BYTES = 1024 * 1024;
const SECTOR = 512;
const BLOCK = 4096;

export function diskBytes(fsBytes: number): number {
  return PARTITION_OFFSET + fsBytes + TAIL_BYTES;
}

/** sfdisk input for the layout. Pure. */
export function sfdiskScript(fsBytes: number): string {
  return `label: gpt\nstart=${PARTITION_OFFSET / SECTOR}, size=${fsBytes / SECTOR}, type=${GPT_ROOT_X86_64}, name="root"\n`;
}

/** mke2fs arguments that write `tree` into the partition of `disk`. Pure. */
export function mke2fsArgs(tree: string, disk: string, fsBytes: number): string[] {
  return ['-q', '-F', '-t', 'ext4', '-L', 'root', '-b', String(BLOCK), '-d', tree, '-E', `offset=${PARTITION_OFFSET}`, disk, String(fsBytes / BLOCK)];
}

export interface ToolFailure {
  tool: string;
  exitCode: number;
  lines: string[];
}

/**
 * Create the disk. mke2fs runs as `asRoot` (in the build's user namespace for a normal user), so
 * that it sees the tree's files as root's and writes them so. Returns the failing tool's output
 * instead of throwing, for the caller's message.
 */
export async function makeDisk(tree: string, disk: string, fsBytes: number, asRoot: RootRunner = realRoot): Promise<ToolFailure | undefined> {
  const handle = await open(disk, 'w');
  try {
    await handle.truncate(diskBytes(fsBytes)); // sparse: only written blocks take space
  } finally {
    await handle.close();
  }
  const table = await run('sfdisk', ['--quiet', '--no-reread', '--no-tell-kernel', disk], { input: sfdiskScript(fsBytes), allowFailure: true });
  if (table.exitCode !== 0) return { tool: 'sfdisk', exitCode: table.exitCode, lines: lastLines(table.stderr) };
  const fs = await run(...asRoot.wrap('mke2fs', mke2fsArgs(tree, disk, fsBytes)), { allowFailure: true });
  if (fs.exitCode !== 0) return { tool: 'mke2fs', exitCode: fs.exitCode, lines: lastLines(fs.stderr + fs.stdout) };
  return undefined;
}

function lastLines(text: string, count = 10): string[] {
  return text.trim().split('\n').filter(Boolean).slice(-count);
}
