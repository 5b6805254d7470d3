/**
 * Importing a disk image into the store (store.ts): its partitions read, the kernel, modules and
 * the image's own initrd extracted, the base disk stored as qcow2, all in a temporary directory
 * renamed into place at the end.
 */
import { access, chmod, constants, mkdir, rename, rm, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import { sweepDeadTemps, tempSibling, writeJsonAtomic } from '../core/atomic.js';
import { withLock } from '../core/lock.js';
import type { ImageMeta } from './meta.js';
import { SimError } from '../core/errors.js';
import { emit, type EventSink } from '../core/events.js';
import type { SimContext } from '../core/context.js';
import { run } from '../core/process.js';
import { sha256File } from './hash.js';
import { extractKernel, extractVmlinux, findLibdir } from './kernel.js';
import { locateBoot } from './locate.js';
import { keepInitrd } from './initrd.js';
import { chooseLayout, inspectDisk } from './partitions.js';
import { locateUki } from './locate-uki.js';
import { chooseUsrOnlyLayout, usrOnlyDefaultInitrd } from './usr-only.js';
import { assignName, readMeta } from './store.js';

export interface ImportOptions {
  name?: string;
  /** Cache key to use instead of the file's sha256 (a recipe's key for built images). */
  id?: string;
  source?: { kind: 'file' | 'recipe' | 'url'; path: string };
  events?: EventSink;
}

async function checkReadable(file: string): Promise<void> {
  let info;
  try {
    info = await stat(file);
  } catch {
    throw new SimError('IMAGE_NOT_FOUND', `The image file ${file} does not exist.`, 'Check the path, or list stored images with `sim image ls`.');
  }
  if (!info.isFile()) throw new SimError('IMAGE_UNREADABLE', `${file} is not a regular file.`, 'Give the path of a qcow2 or raw disk image file.');
  try {
    await access(file, constants.R_OK);
  } catch {
    throw new SimError('IMAGE_UNREADABLE', `The image file ${file} cannot be read.`, 'Check its permissions (sim needs read access).');
  }
}

async function detectFormat(file: string): Promise<{ format: string; virtualSize: number }> {
  const result = await run('qemu-img', ['info', '--output=json', file], { allowFailure: true });
  if (result.exitCode !== 0) {
    throw new SimError('IMAGE_UNREADABLE', `${file} is not a disk image QEMU can read: ${result.stderr.trim().split('\n').pop()}`, 'Give a qcow2 or raw disk image.');
  }
  const info = JSON.parse(result.stdout) as { format: string; 'virtual-size': number };
  return { format: info.format, virtualSize: info['virtual-size'] };
}

/**
 * Import a disk image into the store. Importing the same content again is a no-op (apart from
 * adding the name). Work happens in a temporary directory renamed into place at the end, so a
 * failure or a concurrent import never leaves a half-made entry.
 */
export async function importImage(ctx: SimContext, file: string, options: ImportOptions = {}): Promise<ImageMeta> {
  const events = options.events;
  const source = path.resolve(file);
  await checkReadable(source);
  // Half-made entries of imports that were killed.
  await sweepDeadTemps(ctx.dirs.images);
  const before = await stat(source);
  if (!options.id) emit(events, { type: 'progress', task: 'image-import', message: `hashing ${path.basename(source)}` });
  const id = options.id ?? (await sha256File(source));
  const dir = path.join(ctx.dirs.images, id);
  const unchanged = () => checkUnchanged(source, before);

  const existing = await readMeta(dir);
  if (!existing) {
    await withLock(`${dir}.lock`, async () => {
      if (await readMeta(dir)) return; // imported by a concurrent run meanwhile
      await importInto(source, id, dir, options, unchanged);
    });
  } else {
    await unchanged();
    emit(events, { type: 'progress', task: 'image-import', message: 'already in the store', done: true });
  }
  return options.name ? assignName(ctx, id, options.name) : ((await readMeta(dir))!);
}

/**
 * The stored entry is keyed by the content hashed at the start: a file written to meanwhile
 * would be stored under a key that does not match what was read.
 */
async function checkUnchanged(file: string, before: Stats): Promise<void> {
  const after = await stat(file).catch(() => undefined);
  if (after && after.size === before.size && after.mtimeMs === before.mtimeMs && after.ctimeMs === before.ctimeMs && after.ino === before.ino) return;
  throw new SimError('IMAGE_UNREADABLE', `The image file ${file} changed while it was being imported.`, 'Wait until whatever writes it has finished, then add it again; nothing was stored.');
}

async function importInto(source: string, id: string, dir: string, options: ImportOptions, unchanged: () => Promise<void>): Promise<void> {
  const events = options.events;
  const label = path.basename(source);
  const work = tempSibling(dir);
  await mkdir(path.join(work, 'kernel'), { recursive: true });
  try {
    const { format, virtualSize } = await detectFormat(source);
    let raw = source;
    if (format !== 'raw') {
      emit(events, { type: 'progress', task: 'image-import', message: `reading ${format} image` });
      raw = path.join(work, 'raw.img');
      await run('qemu-img', ['convert', '-f', format, '-O', 'raw', source, raw]);
    }
    const partitions = await inspectDisk(raw);
    const usrOnly = chooseUsrOnlyLayout(partitions, label);
    const scratch = path.join(work, 'scratch');
    const located = usrOnly ? await locateUki(raw, usrOnly, scratch, label, events) : await locateBoot(raw, chooseLayout(partitions, label), scratch, label);
    const { root, rootFs: fs, kernel: kernelLocation, usr } = located;
    let extracted: { kernel: string; modulesDir: string };
    let libdir: string;
    let initrd: ImageMeta['kernel']['initrd'];
    try {
      const where = usr ? `root tmpfs, /usr ${usr.fstype} on partition ${usr.partition}` : `root ${root.fstype}${root.options ? ` ${root.options}` : ''}`;
      emit(events, { type: 'progress', task: 'image-import', message: `extracting kernel and modules (${located.source}; ${where})` });
      // A usr-only image boots from its /usr filesystem: that is the module the initramfs needs.
      extracted = await extractKernel(fs, kernelLocation, usr?.fstype ?? root.fstype, path.join(work, 'kernel'), label, events);
      libdir = await findLibdir(fs);
      initrd = await keepInitrd(fs, kernelLocation, path.join(work, 'kernel'), path.join(work, 'scratch'), located.entryInitrds, events);
    } finally {
      await located.close();
      await rm(path.join(work, 'scratch'), { recursive: true, force: true });
    }
    const hasVmlinux = await extractVmlinux(path.join(work, 'kernel', extracted.kernel), path.join(work, 'kernel', 'vmlinux'));

    emit(events, { type: 'progress', task: 'image-import', message: 'storing base disk' });
    const disk = path.join(work, 'disk.qcow2');
    await run('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', raw, disk]);
    if (raw !== source) await rm(raw, { force: true });
    await chmod(disk, 0o444); // the base is never written: sessions are copy-on-write
    const diskInfo = await stat(disk);

    const meta: ImageMeta = {
      schema: 1,
      id,
      names: [],
      source: { kind: options.source?.kind ?? 'file', path: options.source?.path ?? source, format },
      disk: { file: 'disk.qcow2', format: 'qcow2', sha256: await sha256File(disk), bytes: diskInfo.size, mtimeMs: diskInfo.mtimeMs, virtualSize },
      root,
      kernel: {
        version: kernelLocation.version,
        file: path.join('kernel', extracted.kernel),
        vmlinux: hasVmlinux ? path.join('kernel', 'vmlinux') : undefined,
        modulesDir: path.join('kernel', extracted.modulesDir),
        ...(located.cmdline !== undefined ? { cmdline: located.cmdline } : {}),
        ...(located.uki ? { uki: located.uki } : {}),
        ...(initrd ? { initrd } : {}),
      },
      ...(usr ? { usr, defaultInitrd: usrOnlyDefaultInitrd(initrd) } : {}),
      libdir,
      addedAt: new Date().toISOString(),
    };
    await writeJsonAtomic(path.join(work, 'meta.json'), meta);
    await unchanged();
    await rename(work, dir);
    emit(events, { type: 'progress', task: 'image-import', message: `stored as ${id.slice(0, 12)} (kernel ${kernelLocation.version})`, done: true });
  } catch (error) {
    await rm(work, { recursive: true, force: true });
    throw error;
  }
}
