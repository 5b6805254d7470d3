/**
 * Which initrd a boot uses (`--initrd sim|image`), as one boot contribution
 * (src/boot/contribution.ts). `sim` (the default): sim's own busybox initramfs mounts the root
 * itself. `image`: the image's own initrd (kept at import, src/images/initrd.ts) mounts it —
 * with whatever it knows (btrfs subvolumes, its fstab, verity...) — and sim's hook, appended as
 * a second archive (src/boot/image-initrd-hook.ts), layers the overlay before it switches root.
 *
 * The host's part is what this returns: the kernel command line the image's initrd reads (its
 * boot entry's options, else root= for the stored root), and the facts the hook archive needs.
 * Pure.
 */
import { SimError } from '../core/errors.js';
import { kernelArg } from '../config/option-values.js';
import type { ImageMeta } from '../images/meta.js';
import type { BootContribution } from './contribution.js';
import type { ImageInitrdFacts } from './image-initrd-hook.js';
import { DEFAULT_INITRD, INITRD_CHOICES, type InitrdChoice } from './initrd-choice.js';

export { INITRD_CHOICES, DEFAULT_INITRD, type InitrdChoice };

const FALLBACK = "Boot it with sim's own initramfs: --initrd sim.";

/** What the hook needs to know of the image's initrd; a SimError when there is none sim can hook. */
export function imageInitrdFacts(image: Pick<ImageMeta, 'names' | 'id' | 'kernel'>): ImageInitrdFacts {
  const name = image.names[0] ?? image.id.slice(0, 12);
  const initrd = image.kernel.initrd;
  if (!initrd) {
    throw new SimError(
      'IMAGE_NO_INITRD',
      `Image '${name}' has no initrd of its own stored (none was found next to kernel ${image.kernel.version} at import, or it was imported before sim kept initrds).`,
      `${FALLBACK} Or import it again if it has one (/boot/initrd.img-VERSION, /boot/initramfs-VERSION.img or a boot entry's initrd).`,
    );
  }
  if (initrd.kind === 'unknown') {
    throw new SimError('IMAGE_INITRD_UNSUPPORTED', `The own initrd of image '${name}' (${initrd.source}) is of a kind sim cannot hook into: ${initrd.detail ?? 'neither initramfs-tools nor a systemd initrd'}.`, FALLBACK);
  }
  return { kind: initrd.kind, paths: initrd.paths, ...(initrd.initBottomOrder !== undefined ? { initBottomOrder: initrd.initBottomOrder } : {}) };
}

/**
 * The words the image's initrd finds its root by: its boot entry's options (root=UUID=...,
 * rootflags=...), else root= for the partition sim stored; then `rw` (the session disk is
 * sim's throw-away copy, and path mode writes the linker cache) and the init asked for. Words
 * sim does not pass on (quotes, ...) are left out. Pure.
 */
export function imageInitrdKernelArgs(image: Pick<ImageMeta, 'root' | 'kernel' | 'usr'>, init?: string): string[] {
  const fromEntry = (image.kernel.cmdline ?? '').split(/\s+/).filter((word) => word && kernelArg.safeParse(word).success && !/^(console|BOOT_IMAGE|initrd)=/.test(word));
  const has = (name: string) => fromEntry.some((w) => w.startsWith(`${name}=`));
  const device = image.root.fstype === 'tmpfs' ? 'tmpfs' : image.root.partition ? `/dev/vda${image.root.partition}` : '/dev/vda';
  const root = has('root') ? [] : [`root=${device}`, ...(image.root.options ? [`rootflags=${image.root.options}`] : [])];
  return [...fromEntry.filter((w) => w !== 'ro'), ...root, ...usrArgs(image, has), 'rw', ...(init ? [`init=${init}`] : [])];
}

/**
 * A usr-only image whose command line names no /usr (it counts on systemd's gpt-auto discovery,
 * which needs a boot loader variable a direct kernel boot does not set): its usr partition by
 * device. With usrhash= the image's initrd finds the partitions by the UUIDs derived from the
 * hash (systemd-repart's convention) and mounts /dev/mapper/usr itself. Pure.
 */
function usrArgs(image: Pick<ImageMeta, 'usr'>, has: (name: string) => boolean): string[] {
  if (!image.usr || has('mount.usr') || has('usrhash')) return [];
  return [`mount.usr=/dev/vda${image.usr.partition}`, ...(has('mount.usrfstype') ? [] : [`mount.usrfstype=${image.usr.fstype}`])];
}

/** Which initrd boots: the one asked for, else the image's default (usr-only images: their own), else sim's. Pure. */
export function chooseInitrd(choice: InitrdChoice | undefined, image: Pick<ImageMeta, 'defaultInitrd'>): InitrdChoice {
  return choice ?? image.defaultInitrd ?? DEFAULT_INITRD;
}

export function initrdContribution(choice: InitrdChoice | undefined, image: ImageMeta, options: { init?: string; direct: boolean }): BootContribution {
  if (chooseInitrd(choice, image) === 'sim') return { name: 'initrd' };
  if (options.direct) throw new SimError('USAGE', "Direct mode (--no-init) needs sim's own initramfs.", 'Drop --no-init, or boot with --initrd sim.');
  const facts = imageInitrdFacts(image);
  const source = image.kernel.initrd!.source;
  return {
    name: 'initrd',
    kernelArgs: imageInitrdKernelArgs(image, options.init),
    summary: { line: `initrd: the image's own (${facts.kind}, ${source}) with sim's hook appended`, detail: { initrd: 'image', kind: facts.kind, source } },
  };
}
