/**
 * Pieces of QEMU's argv shared by sim's own (args.ts) and the boot contributions' (e.g.
 * src/display/contribution.ts): option-value quoting and the ids of sim's devices.
 */

/** QEMU splits option values on commas; a literal comma is written twice. */
export function optValue(value: string): string {
  return value.replaceAll(',', ',,');
}

/** The virtio-serial controller sim's guest channels hang on; a contribution may add ports to it (bus `${SERIAL_BUS}.0`). */
export const SERIAL_BUS = 'simserial';
