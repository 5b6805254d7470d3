/**
 * Where an image's kernel, modules and boot options are: the newest Boot Loader Specification
 * entry on a boot partition (Fedora: ext4 /boot, or the ESP), in a btrfs subvolume of its own
 * (Fedora 44's /boot) or on the root's /boot, else the
 * newest /boot/vmlinuz-* (Debian). Modules always come from the root.
 */
import path from 'node:path';
import { SimError } from '../core/errors.js';
import { entryVersion, kernelArg, newestEntry, parseBlsEntry, type BlsEntry } from './bls.js';
import { compareVersions, findKernel, type KernelLocation } from './kernel.js';
import type { DiskLayout, RootLocation, UsrLocation } from './partitions.js';
import { openReader, type FsReader } from './readers/index.js';
import { BtrfsFs, subvolumeOf } from './readers/btrfs.js';

export interface Located {
  root: RootLocation;
  rootFs: FsReader;
  kernel: KernelLocation;
  /** The boot entry's options, as the image's boot loader would pass them. */
  cmdline?: string;
  /** The boot entry's initrd files (paths on the kernel's filesystem), as its boot loader would load them. */
  entryInitrds?: string[];
  /** Where the kernel was found, for messages: "BLS entry X on partition 2". */
  source: string;
  /** A usr-only image (src/images/locate-uki.ts): its /usr partition, the root being a tmpfs. */
  usr?: UsrLocation;
  /** The UKI the kernel came from (path on the ESP). */
  uki?: string;
  close(): Promise<void>;
}

async function blsEntries(fs: FsReader, dir: string): Promise<BlsEntry[]> {
  const entries: BlsEntry[] = [];
  for (const file of (await fs.list(dir)) ?? []) {
    if (!file.name.endsWith('.conf')) continue;
    const text = await fs.readText(`${dir}/${file.name}`);
    const entry = text === undefined ? undefined : parseBlsEntry(file.name, text);
    if (entry) entries.push(entry);
  }
  return entries;
}

/** The newest vmlinuz-<version> at the top of a boot partition whose modules the root has. */
async function kernelOnBootPartition(layout: DiskLayout, rootFs: FsReader, open: typeof openReader, raw: string, scratch: string): Promise<KernelLocation | undefined> {
  for (const candidate of layout.bootCandidates) {
    const fs = open(raw, candidate, scratch);
    const versions = ((await fs.list('/')) ?? [])
      .map((e) => /^vmlinuz-(.+)$/.exec(e.name)?.[1])
      .filter((v): v is string => Boolean(v))
      .sort((a, b) => compareVersions(b, a));
    for (const version of versions) {
      for (const modulesDir of [`/usr/lib/modules/${version}`, `/lib/modules/${version}`]) {
        if (await rootFs.isDirectory(modulesDir)) return { version, kernel: `/vmlinuz-${version}`, modulesDir, kernelFs: fs };
      }
    }
  }
  return undefined;
}

export async function locateBoot(raw: string, layout: DiskLayout, scratch: string, label: string): Promise<Located> {
  const opened: (FsReader & { close?: () => Promise<void> })[] = [];
  const open = (...args: Parameters<typeof openReader>) => {
    const reader = openReader(...args);
    opened.push(reader);
    return reader;
  };
  const close = async () => {
    for (const reader of opened) await reader.close?.();
  };
  try {
    // A boot partition's entries, with paths relative to that partition.
    let found: { entry: BlsEntry; fs: FsReader; where: string; prefix: string } | undefined;
    for (const candidate of layout.bootCandidates) {
      const fs = open(raw, candidate, scratch);
      const entry = newestEntry(await blsEntries(fs, '/loader/entries'));
      if (entry) {
        found = { entry, fs, where: `partition ${candidate.number}`, prefix: '' };
        break;
      }
    }
    // On the root itself (/boot not separate). A btrfs root is read at its top level first.
    const topLevel = open(raw, layout.root, scratch);
    // A btrfs subvolume of its own (Fedora 44: `boot`, beside `root`), paths relative to it.
    if (!found && topLevel instanceof BtrfsFs) {
      for (const name of await topLevel.subvolumes()) {
        const fs = topLevel.withSubvolume(name);
        opened.push(fs);
        const entry = newestEntry(await blsEntries(fs, '/loader/entries'));
        if (entry) {
          found = { entry, fs, where: `the btrfs subvolume ${name}`, prefix: '' };
          break;
        }
      }
    }
    if (!found) {
      const fs = topLevel;
      const entry = newestEntry(await blsEntries(fs, '/boot/loader/entries'));
      if (entry) found = { entry, fs, where: `the root's /boot`, prefix: '/boot' };
    }
    const rootflags = found ? kernelArg(found.entry.options, 'rootflags') : undefined;
    const root: RootLocation = { partition: layout.root.number || null, offset: layout.root.start, fstype: layout.root.fstype, ...(rootflags ? { options: rootflags } : {}) };
    const subvol = subvolumeOf(rootflags);
    let rootFs: FsReader = topLevel;
    if (subvol && topLevel instanceof BtrfsFs) {
      const reader = topLevel.withSubvolume(subvol);
      opened.push(reader);
      rootFs = reader;
    }
    if (!found) {
      const kernel = await findKernel(rootFs, label).catch(async (error: unknown) => {
        // No kernel in the root's /boot: a separate /boot partition without boot entries
        // (Ubuntu's cloud images) keeps vmlinuz-* at its top.
        if (!(error instanceof SimError) || error.code !== 'IMAGE_NO_KERNEL') throw error;
        return (await kernelOnBootPartition(layout, rootFs, open, raw, scratch)) ?? Promise.reject(error);
      });
      return { root, rootFs, kernel, source: kernel.kernelFs ? `${kernel.kernel} on a boot partition` : kernel.kernel, close };
    }
    const { entry, fs, where, prefix } = found;
    const version = entryVersion(entry);
    if (!version) {
      throw new SimError('IMAGE_NO_KERNEL', `The boot entry ${entry.id} in ${label} names kernel ${entry.linux} without a version sim can tell.`, 'Add a `version` line to the entry, or name the kernel vmlinuz-VERSION.');
    }
    // GRUB's blscfg writes /vmlinuz-x when /boot is separate, /boot/vmlinuz-x when it is not.
    const onKernelFs = (file: string) => (prefix && !file.startsWith(`${prefix}/`) ? path.posix.join(prefix, file) : file);
    const kernelPath = onKernelFs(entry.linux);
    for (const modulesDir of [`/usr/lib/modules/${version}`, `/lib/modules/${version}`]) {
      if (await rootFs.isDirectory(modulesDir)) {
        return { root, rootFs, kernel: { version, kernel: kernelPath, modulesDir, kernelFs: fs }, cmdline: entry.options, entryInitrds: entry.initrd.map(onKernelFs), source: `boot entry ${entry.id} on ${where}`, close };
      }
    }
    throw new SimError('KERNEL_NO_MODULES', `Kernel ${version} (boot entry ${entry.id} on ${where} of ${label}) has no module directory on the root (/usr/lib/modules/${version}${rootflags ? `, root mounted with ${rootflags}` : ''}).`, 'Install the kernel package completely, including its modules, in the image.');
  } catch (error) {
    await close();
    throw error;
  }
}
