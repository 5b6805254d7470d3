/**
 * Boot Loader Specification entries (/loader/entries/*.conf on the boot partition, or
 * /boot/loader/entries on the root): which kernel an image boots and with which options.
 * Fedora writes them; GRUB's blscfg and systemd-boot read them. Pure.
 */
import { compareVersions } from './kernel-version.js';

export interface BlsEntry {
  /** File name of the entry, e.g. 6b5e...-6.11.4-301.fc41.x86_64.conf */
  id: string;
  title?: string;
  version?: string;
  /** Path of the kernel, relative to the partition the entry lives on. */
  linux: string;
  initrd: string[];
  /** The `options` lines joined, as written. */
  options: string;
}

/** Parse one entry; undefined when it names no kernel (a UKI or an EFI program entry). */
export function parseBlsEntry(id: string, text: string): BlsEntry | undefined {
  const entry: BlsEntry = { id, linux: '', initrd: [], options: '' };
  const options: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(\S+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const [, key, value] = m as unknown as [string, string, string];
    if (key === 'linux') entry.linux = value.trim();
    else if (key === 'initrd') entry.initrd.push(...value.trim().split(/\s+/));
    else if (key === 'options') options.push(value.trim());
    else if (key === 'title') entry.title = value.trim();
    else if (key === 'version') entry.version = value.trim();
  }
  entry.options = options.join(' ');
  return entry.linux ? entry : undefined;
}

/** The kernel release an entry boots: its `version`, else what follows vmlinuz- in `linux`. */
export function entryVersion(entry: BlsEntry): string | undefined {
  return entry.version ?? /vmlinuz-([^/]+)$/.exec(entry.linux)?.[1];
}

/** The entry a boot loader would pick by default: the newest version (BLS sort order, simplified). */
export function newestEntry(entries: readonly BlsEntry[]): BlsEntry | undefined {
  return [...entries].sort((a, b) => compareVersions(entryVersion(b) ?? '', entryVersion(a) ?? '') || (a.id < b.id ? 1 : -1))[0];
}

/** One kernel command-line word's value: `rootflags` in "root=UUID=x rootflags=subvol=root ro". */
export function kernelArg(options: string, name: string): string | undefined {
  let value: string | undefined;
  for (const word of options.split(/\s+/)) {
    if (word.startsWith(`${name}=`)) value = word.slice(name.length + 1);
  }
  return value;
}
