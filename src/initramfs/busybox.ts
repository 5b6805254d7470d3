/** The static busybox the initramfs runs on (Debian's busybox-static). */
import { readFile } from 'node:fs/promises';
import { SimError } from '../errors.js';
import { which } from '../process.js';

/** True when the ELF has no PT_INTERP program header, i.e. needs no dynamic loader. Pure. */
export function isStaticElf(elf: Buffer): boolean {
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2) return false;
  const phoff = Number(elf.readBigUInt64LE(32));
  const phentsize = elf.readUInt16LE(54);
  const phnum = elf.readUInt16LE(56);
  for (let i = 0; i < phnum; i++) {
    if (elf.readUInt32LE(phoff + i * phentsize) === 3) return false; // PT_INTERP
  }
  return true;
}

export async function findStaticBusybox(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const hint = 'Install it with: apt-get install busybox-static';
  const candidates = [env.SIM_BUSYBOX, await which('busybox', env), '/bin/busybox', '/usr/bin/busybox'].filter((c): c is string => Boolean(c));
  for (const candidate of candidates) {
    const data = await readFile(candidate).catch(() => undefined);
    if (data && isStaticElf(data)) return candidate;
  }
  if (candidates.length && !env.SIM_BUSYBOX) {
    throw new SimError('TOOL_MISSING', 'The busybox on this machine is dynamically linked; the initramfs needs a static one.', hint);
  }
  throw new SimError('TOOL_MISSING', "The program 'busybox' (static) is not installed.", hint);
}
