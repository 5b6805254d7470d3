/**
 * Reading files out of an ext filesystem inside a raw disk image with debugfs: no root, no
 * loop devices. `image?offset=N` addresses a filesystem inside a partitioned disk.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { run } from '../../core/process.js';
import type { DirEntry, FsReader } from './types.js';

export class ExtFs implements FsReader {
  constructor(private readonly raw: string, private readonly offset: number, readonly fstype: 'ext2' | 'ext3' | 'ext4' = 'ext4') {}

  private get spec(): string {
    return this.offset ? `${this.raw}?offset=${this.offset}` : this.raw;
  }

  private async request(command: string): Promise<{ stdout: string; stderr: string }> {
    return run('debugfs', ['-R', command, this.spec], { allowFailure: true });
  }

  /** Entries of a directory, or undefined when it does not exist. */
  async list(dir: string): Promise<DirEntry[] | undefined> {
    const { stdout, stderr } = await this.request(`ls -p ${quote(dir)}`);
    if (/not found|File not found|is not a directory/i.test(stderr) && !stdout.trim()) return undefined;
    // Lines look like /ino/mode(octal)/uid/gid/name/size/
    return stdout
      .split('\n')
      .map((line) => /^\/\d+\/(\d+)\/\d+\/\d+\/(.*)\/(\d*)\/$/.exec(line.trim()))
      .filter((m): m is RegExpExecArray => Boolean(m))
      .map((m) => ({ mode: parseInt(m[1]!, 8), name: m[2]!, size: Number(m[3] || 0) }))
      .filter((e) => e.name !== '.' && e.name !== '..');
  }

  async isDirectory(dir: string): Promise<boolean> {
    const { stdout } = await this.request(`stat ${quote(dir)}`);
    return /Type: directory/.test(stdout);
  }

  /**
   * Copy many files out in one debugfs run. `files` maps a path in the filesystem to a path
   * relative to `destDir`.
   */
  async dumpMany(files: Map<string, string>, destDir: string): Promise<void> {
    if (files.size === 0) return;
    const script = [...files].map(([from, to]) => `dump ${quote(from)} ${quote(to)}`).join('\n');
    const scriptFile = path.join(destDir, '.debugfs-commands');
    await writeFile(scriptFile, `${script}\n`);
    try {
      await run('debugfs', ['-f', scriptFile, this.spec], { cwd: destDir });
    } finally {
      await rm(scriptFile, { force: true });
    }
  }

  async readText(file: string): Promise<string | undefined> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sim-ext-'));
    try {
      await this.dumpMany(new Map([[file, 'file']]), dir);
      return await readFile(path.join(dir, 'file'), 'utf8').catch(() => undefined);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

/** debugfs parses its own command line: double-quote anything with spaces or quotes. */
function quote(value: string): string {
  if (/["\n]/.test(value)) throw new Error(`unsupported path for debugfs: ${value}`);
  return /[\s\\]/.test(value) ? `"${value}"` : value;
}
