/**
 * Reading an xfs filesystem inside a disk image without root: `xfs_db -r` finds inodes and
 * their extents (src/images/readers/xfs-db.ts), and the bytes are read from the disk image at
 * those extents. xfs_db has no offset option, so a partition is first carved out into a
 * sparse file of its own (carve.ts); each request is one xfs_db process, however many files it names.
 */
import { open, mkdir, rm, writeFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { SimError } from '../../core/errors.js';
import { run } from '../../core/process.js';
import { readAt } from '../partitions.js';
import { carvePartition } from './carve.js';
import { S_IFDIR, S_IFMT, S_IFREG, type DirEntry, type FsReader } from './types.js';
import {
  byteRuns, listCommands, logState, nameable, parseGeometry, parseLs, parseStats, parseXfsDbVersion, statCommands, superblockFacts, unknownFeatures, XFS_INCOMPAT_NEEDSREPAIR,
  type XfsGeometry, type XfsInode, type XfsTarget,
} from './xfs-db.js';

const CHUNK = 1024 * 1024;

export class XfsFs implements FsReader {
  readonly fstype = 'xfs';
  private carved: Promise<string> | undefined;
  private geometry: XfsGeometry | undefined;

  /**
   * @param raw the disk image; @param offset, @param size where the filesystem lies in it;
   * @param scratch a directory this reader owns (the carved partition, command files);
   * @param where the filesystem, for messages: "partition 3".
   */
  constructor(private readonly raw: string, private readonly offset: number, private readonly size: number, private readonly scratch: string, private readonly where = 'the image') {}

  /** The filesystem as a file of its own, after checking that xfs_db can read it as the kernel would. */
  private async image(): Promise<string> {
    this.carved ??= (async () => {
      await this.checkFeatures();
      await mkdir(this.scratch, { recursive: true });
      // A bare filesystem image is read as it is.
      const file = this.offset === 0 ? this.raw : path.join(this.scratch, 'xfs.img');
      if (file !== this.raw) await carvePartition(this.raw, this.offset, this.size, file);
      await checkLog(file, this.where);
      return file;
    })();
    return this.carved;
  }

  private async checkFeatures(): Promise<void> {
    const facts = superblockFacts(await readAt(this.raw, this.offset, 512));
    if (!facts) throw this.unreadable('its superblock could not be read');
    if (facts.realtime || facts.externalLog) {
      const what = facts.realtime ? 'a realtime section' : 'its log';
      throw new SimError('IMAGE_UNSUPPORTED_FS', `The xfs filesystem on ${this.where} keeps ${what} on a device of its own, which a disk image does not hold.`, 'Use an image whose xfs has an internal log and no realtime section (mkfs.xfs\'s defaults).');
    }
    if (facts.incompat & XFS_INCOMPAT_NEEDSREPAIR) {
      throw new SimError('IMAGE_UNREADABLE', `The xfs filesystem on ${this.where} is marked as needing repair (an xfs_repair run did not finish), so neither sim nor the image's kernel can use it.`, 'Run xfs_repair on a copy of the image (or of its partition), then import that.');
    }
    const version = parseXfsDbVersion((await run('xfs_db', ['-V'])).stdout);
    const unknown = version ? unknownFeatures(facts.incompat, version) : [];
    if (unknown.length) {
      throw new SimError('IMAGE_UNSUPPORTED_FS', `The xfs filesystem on ${this.where} uses features this host's xfs_db (xfsprogs ${version!.join('.')}) does not know: ${unknown.join(', ')}.`, `Install an xfsprogs that knows them on this host, or import an image made without them.`);
    }
  }

  /** Run xfs_db over a command file (however many commands) and return what it printed. */
  private async db(commands: readonly string[]): Promise<string> {
    const image = await this.image();
    const script = path.join(this.scratch, 'xfs_db.commands');
    await writeFile(script, `${commands.join('\n')}\n`);
    try {
      // Exit status 1 also means "some path was not found": only missing output is a failure.
      const { stdout, stderr, exitCode } = await run('xfs_db', ['-r', '-f', '-c', `source ${script}`, image], { allowFailure: true });
      const geometry = parseGeometry(stdout);
      if (!geometry) throw this.unreadable(`xfs_db: ${stderr.trim().split('\n').pop() || stdout.trim().split('\n').pop() || `exit status ${exitCode}`}`);
      this.geometry = geometry;
      return stdout;
    } finally {
      await rm(script, { force: true });
    }
  }

  /** Inodes of `paths` (undefined where missing or not nameable to xfs_db), in one xfs_db run. */
  private async stat(paths: readonly string[]): Promise<(XfsInode | undefined)[]> {
    const targets = paths.filter(nameable).map((p) => ({ path: p }));
    const found = targets.length ? parseStats(await this.db(statCommands(targets)), targets.length) : [];
    const byPath = new Map(targets.map((t, i) => [t.path, found[i]]));
    return paths.map((p) => byPath.get(p));
  }

  async list(dir: string): Promise<DirEntry[] | undefined> {
    if (!nameable(dir)) return undefined;
    const entries = parseLs(await this.db(listCommands(dir)));
    if (!entries) return undefined;
    if (!entries.length) return [];
    // ls names types, not modes and sizes: one more run asks every entry's inode.
    const targets: XfsTarget[] = entries.map((e) => ({ inode: e.inode }));
    const inodes = parseStats(await this.db(statCommands(targets)), targets.length);
    return entries.map((e, i) => ({ name: e.name, mode: inodes[i]?.mode ?? 0, size: inodes[i]?.size ?? 0 }));
  }

  async isDirectory(dir: string): Promise<boolean> {
    const [inode] = await this.stat([dir]);
    return inode !== undefined && (inode.mode & S_IFMT) === S_IFDIR;
  }

  /** Regular files only, as the other readers: a symlink or a missing path is skipped. */
  async dumpMany(files: Map<string, string>, destDir: string): Promise<void> {
    if (files.size === 0) return;
    const sources = [...files.keys()];
    const inodes = await this.stat(sources);
    const disk = await open(this.raw, 'r');
    try {
      for (const [i, from] of sources.entries()) {
        const inode = inodes[i];
        if (!inode || (inode.mode & S_IFMT) !== S_IFREG) continue;
        const dest = path.join(destDir, files.get(from)!);
        await mkdir(path.dirname(dest), { recursive: true });
        await this.copyOut(disk, inode, dest);
      }
    } finally {
      await disk.close();
    }
  }

  private async copyOut(disk: FileHandle, inode: XfsInode, dest: string): Promise<void> {
    const out = await open(dest, 'w');
    try {
      // Holes and unwritten extents stay holes: zeros, as the kernel reads them.
      await out.truncate(inode.size);
      const buffer = Buffer.alloc(CHUNK);
      for (const run of byteRuns(inode.extents, inode.size, this.geometry!)) {
        for (let done = 0; done < run.length; ) {
          const length = Math.min(CHUNK, run.length - done);
          const { bytesRead } = await disk.read(buffer, 0, length, this.offset + run.fsOffset + done);
          if (bytesRead < length) throw this.unreadable('a file extends past the end of the disk image');
          await out.write(buffer, 0, length, run.fileOffset + done);
          done += length;
        }
      }
    } finally {
      await out.close();
    }
  }

  async readText(file: string): Promise<string | undefined> {
    const [inode] = await this.stat([file]);
    if (!inode || (inode.mode & S_IFMT) !== S_IFREG) return undefined;
    await mkdir(this.scratch, { recursive: true });
    const dest = path.join(this.scratch, 'text');
    const disk = await open(this.raw, 'r');
    try {
      await this.copyOut(disk, inode, dest);
    } finally {
      await disk.close();
    }
    const handle = await open(dest, 'r');
    try {
      return await handle.readFile('utf8');
    } finally {
      await handle.close();
      await rm(dest, { force: true });
    }
  }

  async close(): Promise<void> {
    await rm(this.scratch, { recursive: true, force: true });
  }

  private unreadable(why: string): SimError {
    return new SimError('IMAGE_UNREADABLE', `The xfs filesystem on ${this.where} could not be read (${why}).`, 'Check that the image is not damaged (xfs_repair -n on a copy), then import it again.');
  }
}

/** A filesystem not cleanly unmounted would be read as it was before its log's changes: refused. */
async function checkLog(image: string, where: string): Promise<void> {
  const { stdout } = await run('xfs_logprint', ['-t', image], { allowFailure: true });
  if (logState(stdout) === 'dirty') {
    throw new SimError('IMAGE_UNREADABLE', `The xfs filesystem on ${where} was not cleanly unmounted: its log holds changes that sim, reading it without the kernel, would miss.`, 'Shut the image\'s system down cleanly (or mount and unmount a copy of the image once), then import it again.');
  }
}
