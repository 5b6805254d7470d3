/**
 * Read and rewrite an ELF file's DT_RPATH and DT_RUNPATH the way meson's depfixer does at
 * install (mesonbuild/scripts/depfixer.py): a shorter path is written over the old string in
 * place; a path that goes away has its dynamic entry moved to the end as DT_NULL. Only 64-bit
 * little-endian files (the guests sim boots); anything else is 'unsupported' and the caller lets
 * meson install do it. Pure: buffers in, buffers out.
 */

export const DT_NULL = 0n;
export const DT_RPATH = 15n;
export const DT_RUNPATH = 29n;
const SHT_DYNAMIC = 6;
const DYN_ENTRY = 16;

export interface RunPaths {
  rpath?: string;
  runpath?: string;
}

interface DynamicEntry {
  tag: bigint;
  val: bigint;
}

interface Parsed {
  /** File offset of the .dynamic section and its entries up to and including the first DT_NULL. */
  dynamicOffset: number;
  entries: DynamicEntry[];
  dynstrOffset: number;
}

export function isElf(buf: Buffer): boolean {
  return buf.length >= 4 && buf[0] === 0x7f && buf[1] === 0x45 && buf[2] === 0x4c && buf[3] === 0x46;
}

function parse(buf: Buffer): Parsed | 'no-dynamic' | 'unsupported' {
  if (buf.length < 64 || buf[4] !== 2 || buf[5] !== 1) return 'unsupported';
  const shoff = Number(buf.readBigUInt64LE(0x28));
  const shentsize = buf.readUInt16LE(0x3a);
  const shnum = buf.readUInt16LE(0x3c);
  if (!shoff || !shnum || shentsize < 64 || shoff + shnum * shentsize > buf.length) return 'unsupported';
  const section = (i: number) => {
    const at = shoff + i * shentsize;
    return { type: buf.readUInt32LE(at + 4), offset: Number(buf.readBigUInt64LE(at + 0x18)), size: Number(buf.readBigUInt64LE(at + 0x20)), link: buf.readUInt32LE(at + 0x28) };
  };
  for (let i = 0; i < shnum; i++) {
    const dyn = section(i);
    if (dyn.type !== SHT_DYNAMIC) continue;
    if (dyn.link >= shnum || dyn.offset + dyn.size > buf.length) return 'unsupported';
    const entries: DynamicEntry[] = [];
    for (let at = dyn.offset; at + DYN_ENTRY <= dyn.offset + dyn.size; at += DYN_ENTRY) {
      const entry = { tag: buf.readBigInt64LE(at), val: buf.readBigUInt64LE(at + 8) };
      entries.push(entry);
      if (entry.tag === DT_NULL) break;
    }
    return { dynamicOffset: dyn.offset, entries, dynstrOffset: section(dyn.link).offset };
  }
  return 'no-dynamic';
}

function readString(buf: Buffer, at: number): string {
  const end = buf.indexOf(0, at);
  return buf.toString('utf8', at, end < 0 ? buf.length : end);
}

function valueOf(buf: Buffer, parsed: Parsed, tag: bigint): { at: number; value: string } | undefined {
  const entry = parsed.entries.find((e) => e.tag === tag);
  if (!entry) return undefined;
  const at = parsed.dynstrOffset + Number(entry.val);
  return { at, value: readString(buf, at) };
}

/** The file's search paths; 'not-elf' for any other file. */
export function readRunPaths(buf: Buffer): RunPaths | 'not-elf' | 'unsupported' {
  if (!isElf(buf)) return 'not-elf';
  const parsed = parse(buf);
  if (parsed === 'unsupported') return parsed;
  if (parsed === 'no-dynamic') return {};
  return { rpath: valueOf(buf, parsed, DT_RPATH)?.value, runpath: valueOf(buf, parsed, DT_RUNPATH)?.value };
}

/**
 * A copy of `buf` whose search paths are `want`; undefined when that cannot be done in place (a
 * path the file lacks, or one longer than the string it would overwrite).
 */
export function withRunPaths(buf: Buffer, want: RunPaths): Buffer | undefined {
  if (!isElf(buf)) return undefined;
  const parsed = parse(buf);
  if (parsed === 'unsupported') return undefined;
  if (parsed === 'no-dynamic') return want.rpath === undefined && want.runpath === undefined ? Buffer.from(buf) : undefined;
  const out = Buffer.from(buf);
  let entries = parsed.entries;
  for (const [tag, wanted] of [[DT_RPATH, want.rpath], [DT_RUNPATH, want.runpath]] as const) {
    const current = valueOf(out, { ...parsed, entries }, tag);
    if (!current) {
      if (wanted !== undefined) return undefined;
      continue;
    }
    if (wanted === current.value) continue;
    if (wanted === undefined || wanted === '') {
      const i = entries.findIndex((e) => e.tag === tag);
      entries = [...entries.slice(0, i), ...entries.slice(i + 1), { tag: DT_NULL, val: entries[i]!.val }];
      continue;
    }
    const bytes = Buffer.from(`${wanted}\0`, 'utf8');
    if (bytes.length > Buffer.byteLength(current.value) + 1) return undefined;
    bytes.copy(out, current.at);
  }
  if (entries !== parsed.entries) {
    entries.forEach((e, i) => {
      out.writeBigInt64LE(e.tag, parsed.dynamicOffset + i * DYN_ENTRY);
      out.writeBigUInt64LE(e.val, parsed.dynamicOffset + i * DYN_ENTRY + 8);
    });
  }
  return out;
}
