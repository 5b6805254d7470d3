/** The static busybox the initramfs runs on (Debian's busybox-static). */
import { readFile } from 'node:fs/promises';
import { SimError } from '../core/errors.js';
import { which } from '../core/process.js';
import { programHeaders, PT_INTERP } from '../core/elf.js';

/** True when the ELF has no PT_INTERP program header, i.e. needs no dynamic loader. Pure. */
export function isStaticElf(elf: Buffer): boolean {
  const headers = programHeaders(elf);
  return Boolean(headers) && !headers!.some((h) => h.type === PT_INTERP);
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
