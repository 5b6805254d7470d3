/**
 * Where a usr-only image's kernel, modules and command line are (src/images/usr-only.ts): the
 * newest UKI in /EFI/Linux on its ESP gives the kernel (.linux), the command line (.cmdline) and
 * the image's own initrd (.initrd); the modules come from the EROFS /usr, or, when this host's
 * erofs-utils cannot read it (zstd), from the UKI's initrd.
 */
import path from 'node:path';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { isSimError, SimError } from '../core/errors.js';
import { emit, type EventSink } from '../core/events.js';
import { readInitrd } from '../initramfs/cpio-read.js';
import { decompressWith } from './initrd.js';
import type { Located } from './locate.js';
import { ErofsFs } from './readers/erofs.js';
import { MemoryFs } from './readers/memory.js';
import type { FsReader } from './readers/types.js';
import { VfatFs } from './readers/vfat.js';
import { ukiParts } from './uki.js';
import { newestUki, ukiKernelVersion, type UkiCandidate, type UsrOnlyLayout } from './usr-only.js';

const UKI_DIR = '/EFI/Linux';

async function ukiCandidates(raw: string, layout: UsrOnlyLayout, scratch: string): Promise<(UkiCandidate & { partition: number })[]> {
  const found: (UkiCandidate & { partition: number })[] = [];
  await mkdir(scratch, { recursive: true });
  for (const esp of layout.esps) {
    const fs = new VfatFs(raw, esp.start);
    for (const entry of (await fs.list(UKI_DIR)) ?? []) {
      if (!/\.efi$/i.test(entry.name)) continue;
      const file = `${UKI_DIR}/${entry.name}`;
      await fs.dumpMany(new Map([[file, 'uki.efi']]), scratch);
      const data = await readFile(path.join(scratch, 'uki.efi')).catch(() => undefined);
      await rm(path.join(scratch, 'uki.efi'), { force: true });
      const parts = data && ukiParts(data);
      if (parts) found.push({ path: file, parts, partition: esp.number });
    }
  }
  return found;
}

/** The modules' filesystem: the EROFS /usr, or the UKI's initrd when that cannot be read here. */
async function modulesSource(raw: string, layout: UsrOnlyLayout, initrd: Buffer | undefined, version: string, scratch: string, label: string, events?: EventSink): Promise<{ fs: FsReader & { close?: () => Promise<void> }; modulesDir: string; from: 'usr' | 'initrd' }> {
  const modulesDir = `/usr/lib/modules/${version}`;
  let unreadable: SimError | undefined;
  if (layout.usr.fstype === 'erofs') {
    const usr = new ErofsFs(raw, layout.usr.start, layout.usr.size, path.join(scratch, `erofs-${layout.usr.number}`), '/usr');
    try {
      if (await usr.isDirectory(modulesDir)) return { fs: usr, modulesDir, from: 'usr' };
    } catch (error) {
      if (!isSimError(error) || error.code !== 'IMAGE_UNSUPPORTED_FS') throw error;
      unreadable = error;
    }
    await usr.close();
  }
  const why = unreadable ? unreadable.message.replace(/\.$/, '') : `its /usr (${layout.usr.fstype}) has no ${modulesDir}${layout.usr.fstype === 'erofs' ? '' : ' sim can read'}`;
  if (initrd) {
    const { entries } = await readInitrd(initrd, await decompressWith(path.join(scratch, 'initrd')));
    const fs = new MemoryFs(entries.values());
    if (await fs.isDirectory(modulesDir)) {
      emit(events, { type: 'log', level: 'info', message: `${why}: the kernel modules come from the UKI's initrd` });
      return { fs, modulesDir, from: 'initrd' };
    }
  }
  throw new SimError('KERNEL_NO_MODULES', `${label} is a usr-only layout whose kernel ${version} modules sim cannot read: ${why}, and the UKI's initrd has no ${modulesDir}.`, unreadable?.hint ?? 'Use an image whose /usr partition holds the kernel modules.');
}

export async function locateUki(raw: string, layout: UsrOnlyLayout, scratch: string, label: string, events?: EventSink): Promise<Located> {
  const candidates = await ukiCandidates(raw, layout, path.join(scratch, 'uki'));
  const uki = newestUki(candidates);
  if (!uki) {
    throw new SimError('IMAGE_NO_KERNEL', `${label} has a /usr partition but no root partition (a GNOME-OS-like layout), and no unified kernel image in ${UKI_DIR} on its EFI system partition.`, `Use an image whose ESP holds its UKI in ${UKI_DIR}/*.efi (as GNOME OS has).`);
  }
  const version = ukiKernelVersion(uki.parts);
  if (!version) {
    throw new SimError('IMAGE_NO_KERNEL', `The UKI ${uki.path} of ${label} has no .uname section and its kernel names no release sim can tell.`, 'Build the UKI with its kernel release (ukify --uname=VERSION).');
  }
  // Named like the sections they are, for messages ("the image's own initrd /EFI/Linux/x.efi:.initrd").
  const [linux, initrd] = [`${uki.path}:.linux`, `${uki.path}:.initrd`];
  const kernelFs = MemoryFs.ofFiles({ [linux]: uki.parts.linux, ...(uki.parts.initrd ? { [initrd]: uki.parts.initrd } : {}) });
  const modules = await modulesSource(raw, layout, uki.parts.initrd, version, scratch, label, events);
  const { usr, verity } = layout;
  return {
    root: { partition: null, offset: 0, fstype: 'tmpfs' },
    rootFs: modules.fs,
    kernel: { version, kernel: linux, modulesDir: modules.modulesDir, kernelFs },
    ...(uki.parts.cmdline !== undefined ? { cmdline: uki.parts.cmdline } : {}),
    entryInitrds: uki.parts.initrd ? [initrd] : [],
    source: `UKI ${uki.path} on partition ${uki.partition}`,
    usr: { partition: usr.number, offset: usr.start, fstype: usr.fstype, ...(verity ? { verityPartition: verity.number } : {}), modulesFrom: modules.from },
    uki: uki.path,
    close: async () => {
      await modules.fs.close?.();
    },
  };
}
