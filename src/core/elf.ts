/** Just enough ELF64 reading for sim's checks: program header types and offsets. Pure. */

export interface ProgramHeader {
  type: number;
  offset: number;
  fileSize: number;
}

/** Program headers of a little-endian ELF64 file, or undefined when it is not one. */
export function programHeaders(elf: Buffer): ProgramHeader[] | undefined {
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2) return undefined;
  const phoff = Number(elf.readBigUInt64LE(32));
  const phentsize = elf.readUInt16LE(54);
  const phnum = elf.readUInt16LE(56);
  const headers: ProgramHeader[] = [];
  for (let i = 0; i < phnum; i++) {
    const ph = phoff + i * phentsize;
    if (ph + 56 > elf.length) break;
    headers.push({ type: elf.readUInt32LE(ph), offset: Number(elf.readBigUInt64LE(ph + 8)), fileSize: Number(elf.readBigUInt64LE(ph + 32)) });
  }
  return headers;
}

export const PT_INTERP = 3;
export const PT_NOTE = 4;
