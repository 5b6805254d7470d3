/**
 * The image's own initrd, kept at import for `--initrd image` (src/boot/image-initrd.ts): where
 * it is (the BLS entry's `initrd`, /boot/initrd.img-VERSION from initramfs-tools,
 * /boot/initramfs-VERSION.img from dracut), what kind it is, and the few facts about its
 * contents the hook archive needs (the init-bottom ORDER, which of the hook's directories exist).
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync, constants as zlib } from 'node:zlib';
import { runBinary } from '../core/process.js';
import { emit, type EventSink } from '../core/events.js';
import type { ImageMeta } from './meta.js';
import { readInitrd, type Compression, type InitrdEntry, type InitrdEntryType } from '../initramfs/cpio-read.js';
import { HOOK_PATHS, INIT_BOTTOM_ORDER } from '../boot/image-initrd-hook.js';
import type { KernelLocation } from './kernel.js';
import type { FsReader } from './readers/types.js';

export type InitrdKind = 'initramfs-tools' | 'systemd' | 'unknown';

export interface InitrdInfo {
  kind: InitrdKind;
  /** The archives' compression, outermost first ("zstd"), for messages. */
  compression: Compression[];
  /** initramfs-tools: the image's scripts/init-bottom/ORDER (the hook's ORDER must keep its entries). */
  initBottomOrder?: string;
  /** What each of the hook's paths (HOOK_PATHS) is in the image's initrd, when it is there. */
  paths: Record<string, InitrdEntryType>;
  /** Why the kind is unknown. */
  detail?: string;
}

/** Where an initrd for this kernel may be, in order: the boot entry's, then the two conventions next to the kernel. Pure. */
export function initrdCandidates(location: Pick<KernelLocation, 'version' | 'kernel'>, entryInitrds: readonly string[] = []): string[][] {
  const dir = path.posix.dirname(location.kernel);
  const near = [`initrd.img-${location.version}`, `initramfs-${location.version}.img`].map((name) => [path.posix.join(dir, name)]);
  return [...(entryInitrds.length ? [[...entryInitrds]] : []), ...near];
}

/** Classify an initrd by what it holds. Pure. */
export function classifyInitrd(entries: ReadonlyMap<string, InitrdEntry>, compression: Compression[] = []): InitrdInfo {
  const has = (name: string) => entries.has(name);
  const paths: Record<string, InitrdEntryType> = {};
  for (const p of HOOK_PATHS) {
    const entry = entries.get(p);
    if (entry) paths[p] = entry.type;
  }
  if (has('scripts/functions') && has('init') && (has('conf/initramfs.conf') || has('scripts/init-bottom'))) {
    const order = entries.get(INIT_BOTTOM_ORDER)?.data?.toString('utf8');
    return { kind: 'initramfs-tools', compression, paths, ...(order !== undefined ? { initBottomOrder: order } : {}) };
  }
  const systemd = has('usr/lib/systemd/systemd') || has('lib/systemd/systemd');
  if (systemd && has('etc/initrd-release')) return { kind: 'systemd', compression, paths };
  const found = has('init') ? (entries.get('init')!.type === 'symlink' ? `an /init linking to ${entries.get('init')!.target}` : 'an /init program') : 'no /init';
  return { kind: 'unknown', compression, paths, detail: `it has ${found}, but neither initramfs-tools' scripts nor a systemd initrd (/etc/initrd-release and systemd)` };
}

/** Decompress a tail of the initrd with the tool for it, through a scratch file (tools read files, never shell pipes). */
export async function decompressWith(scratch: string): Promise<(data: Buffer, compression: Compression) => Promise<Buffer>> {
  await mkdir(scratch, { recursive: true });
  return async (data, compression) => {
    // Lenient about what follows the stream (padding), as the kernel is.
    if (compression === 'gzip') return gunzipSync(data, { finishFlush: zlib.Z_SYNC_FLUSH });
    const tools: Partial<Record<Compression, string[]>> = { xz: ['xz', '-dc', '--single-stream'], lzma: ['xz', '-dc', '--format=lzma'], zstd: ['zstd', '-dcq'], bzip2: ['bzip2', '-dc'], lz4: ['lz4', '-dc'] };
    const tool = tools[compression];
    if (!tool) throw new Error(`no decompressor for ${compression}`);
    const file = path.join(scratch, `initrd.${compression}`);
    await writeFile(file, data);
    try {
      return await runBinary(tool[0]!, [...tool.slice(1), file]);
    } finally {
      await rm(file, { force: true });
    }
  };
}

/** Read and classify a stored initrd. A damaged or unreadable one is kind `unknown`, saying why. */
export async function inspectInitrd(file: string, scratch: string): Promise<InitrdInfo> {
  try {
    const { entries, compression } = await readInitrd(await readFile(file), await decompressWith(scratch));
    return classifyInitrd(entries, compression);
  } catch (error) {
    return { kind: 'unknown', compression: [], paths: {}, detail: `sim could not read it: ${(error as Error).message}` };
  }
}

/**
 * Copy the image's initrd for this kernel to `destDir/initrd.img` (several files of one boot
 * entry are concatenated, as its boot loader would load them). Returns where it was found, or
 * undefined when the image has none.
 */
export async function extractInitrd(fs: FsReader, location: KernelLocation, destDir: string, entryInitrds: readonly string[] = []): Promise<{ file: string; source: string } | undefined> {
  const reader = location.kernelFs ?? fs;
  for (const candidate of initrdCandidates(location, entryInitrds)) {
    const parts: Buffer[] = [];
    for (const [i, file] of candidate.entries()) {
      const name = `initrd.part${i}`;
      await reader.dumpMany(new Map([[file, name]]), destDir);
      const data = await readFile(path.join(destDir, name)).catch(() => undefined);
      await rm(path.join(destDir, name), { force: true });
      if (!data?.length) break;
      // The kernel wants each appended archive on a 4-byte boundary.
      parts.push(data, Buffer.alloc((4 - (data.length % 4)) % 4));
    }
    if (parts.length / 2 !== candidate.length) continue;
    await writeFile(path.join(destDir, 'initrd.img'), Buffer.concat(parts));
    return { file: 'initrd.img', source: candidate.join(' + ') };
  }
  return undefined;
}

/** What the store records of the image's initrd (ImageMeta kernel.initrd), or undefined when it has none. */
export async function keepInitrd(fs: FsReader, location: KernelLocation, kernelDir: string, scratch: string, entryInitrds: readonly string[] | undefined, events?: EventSink): Promise<ImageMeta['kernel']['initrd']> {
  const found = await extractInitrd(fs, location, kernelDir, entryInitrds);
  if (!found) return undefined;
  const info = await inspectInitrd(path.join(kernelDir, found.file), scratch);
  const how = info.kind === 'unknown' ? `of a kind sim cannot hook: ${info.detail}` : `${info.kind}${info.compression.length ? `, ${info.compression.join(' + ')}` : ''}`;
  emit(events, { type: 'progress', task: 'image-import', message: `kept the image's own initrd ${found.source} (${how})` });
  return { file: path.posix.join('kernel', found.file), source: found.source, ...info };
}
