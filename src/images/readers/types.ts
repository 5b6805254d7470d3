/**
 * One small interface over every filesystem sim reads out of a disk image without root or loop
 * devices: import asks where the kernel, the modules and the command line are, never which
 * filesystem holds them.
 */

export interface DirEntry {
  name: string;
  /** st_mode: type and permission bits. */
  mode: number;
  size: number;
}

export const S_IFMT = 0o170000;
export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const S_IFLNK = 0o120000;

/** erofs: a /usr partition; memory: files held in memory (a UKI's sections, its initrd). */
export type ReadableFs = 'ext2' | 'ext3' | 'ext4' | 'vfat' | 'btrfs' | 'xfs' | 'erofs' | 'memory';

export interface FsReader {
  readonly fstype: ReadableFs;
  /** Entries of a directory (without . and ..), or undefined when it does not exist. */
  list(dir: string): Promise<DirEntry[] | undefined>;
  isDirectory(dir: string): Promise<boolean>;
  /** Copy files out: `files` maps a path in the filesystem to a path relative to `destDir`. Missing files are skipped. */
  dumpMany(files: Map<string, string>, destDir: string): Promise<void>;
  /** Read one small text file, or undefined when it does not exist. */
  readText(file: string): Promise<string | undefined>;
}
