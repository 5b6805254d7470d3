/**
 * The firmware a headless boot starts with. qboot (shipped with QEMU as qboot.rom) jumps to the
 * kernel in a few milliseconds where SeaBIOS spends 150-300 ms under TCG enumerating devices and
 * running option ROMs (see bench/). It runs no VGA BIOS, so boots with a screen keep SeaBIOS.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';

/** Where distributions install QEMU's firmware blobs. */
const QEMU_DATA_DIRS = ['/usr/share/qemu', '/usr/local/share/qemu', '/usr/share/qemu-kvm'];

/** Absolute path of qboot.rom, or undefined when this QEMU has none (then QEMU's default firmware is used). */
export async function findQboot(dirs: readonly string[] = QEMU_DATA_DIRS): Promise<string | undefined> {
  for (const dir of dirs) {
    const candidate = path.join(dir, 'qboot.rom');
    if (await access(candidate).then(() => true, () => false)) return candidate;
  }
  return undefined;
}
