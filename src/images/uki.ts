/**
 * Unified kernel images (UKI): a PE file (systemd-stub) whose sections carry the kernel
 * (.linux), the initrd (.initrd), the command line (.cmdline), os-release (.osrel) and the
 * kernel release (.uname). Reading them needs no tool: they are plain PE sections. Pure.
 */

export interface PeSection {
  name: string;
  data: Buffer;
}

/** The sections of a PE image, or undefined when `pe` is not one. */
export function peSections(pe: Buffer): PeSection[] | undefined {
  if (pe.length < 0x40 || pe.toString('latin1', 0, 2) !== 'MZ') return undefined;
  const header = pe.readUInt32LE(0x3c);
  if (header + 24 > pe.length || pe.toString('latin1', header, header + 4) !== 'PE\0\0') return undefined;
  const coff = header + 4;
  const count = pe.readUInt16LE(coff + 2);
  const optionalSize = pe.readUInt16LE(coff + 16);
  const table = coff + 20 + optionalSize;
  const sections: PeSection[] = [];
  for (let i = 0; i < count; i++) {
    const at = table + i * 40;
    if (at + 40 > pe.length) return undefined;
    const name = pe.toString('latin1', at, at + 8).replace(/\0+$/, '');
    const virtualSize = pe.readUInt32LE(at + 8);
    const rawSize = pe.readUInt32LE(at + 16);
    const rawOffset = pe.readUInt32LE(at + 20);
    // The raw data is padded to the file alignment; the virtual size is the content's.
    const size = virtualSize ? Math.min(virtualSize, rawSize) : rawSize;
    if (rawOffset + size > pe.length) return undefined;
    sections.push({ name, data: pe.subarray(rawOffset, rawOffset + size) });
  }
  return sections;
}

export interface UkiParts {
  linux: Buffer;
  initrd?: Buffer;
  cmdline?: string;
  /** os-release fields (ID, VERSION_ID, PRETTY_NAME...). */
  osRelease: Record<string, string>;
  /** The kernel release, from .uname when the UKI has one. */
  uname?: string;
}

/** os-release text as fields, quotes removed. */
export function parseOsRelease(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) fields[m[1]!] = m[2]!.replace(/^(["'])(.*)\1$/, '$2');
  }
  return fields;
}

/** The parts of a UKI, or undefined when `pe` is not a PE image with a .linux section. */
export function ukiParts(pe: Buffer): UkiParts | undefined {
  const sections = peSections(pe);
  const get = (name: string) => sections?.find((s) => s.name === name)?.data;
  const linux = get('.linux');
  if (!linux) return undefined;
  const text = (name: string) => {
    const data = get(name);
    return data ? data.toString('utf8').replace(/\0+$/, '').trim() : undefined;
  };
  const initrd = get('.initrd');
  const cmdline = text('.cmdline');
  const uname = text('.uname');
  return { linux, ...(initrd ? { initrd } : {}), ...(cmdline !== undefined ? { cmdline } : {}), osRelease: parseOsRelease(text('.osrel') ?? ''), ...(uname ? { uname } : {}) };
}
