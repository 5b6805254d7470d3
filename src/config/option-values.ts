/**
 * The values a user types — on the command line, in sim.json or in an image recipe — each
 * defined once, as a zod schema whose message says what is accepted. The CLI checks option
 * values with these while it parses (src/cli/option-value.ts) and the file schemas embed
 * them, so a value is refused the same way wherever it is written, and never reaches QEMU or
 * another tool unchecked.
 */
import { z } from 'zod';
import { DISPLAY_BACKENDS, parseResolution, parseVncListen } from '../display/options.js';
import { MOUSE_BUTTONS, chordsForText, parseChord, parsePoint } from '../display/input.js';
import { isSimError } from '../core/errors.js';
import { OVERLAY_MODES } from '../boot/overlay-mode.js';
import { INITRD_CHOICES } from '../boot/initrd-choice.js';
import { SIMULATOR_NAME } from '../simulators/name.js';

const SIZE = /^(\d+(?:\.\d+)?)([KMGT])?$/i;
const UNIT_POWER = { K: 1, M: 2, G: 3, T: 4 } as const;

/** "2G" -> bytes, binary units; a bare number counts in `bareUnit` (none: a unit is required). */
export function sizeBytes(text: string, bareUnit?: keyof typeof UNIT_POWER): number | undefined {
  const m = SIZE.exec(text.trim());
  const unit = (m?.[2]?.toUpperCase() ?? bareUnit) as keyof typeof UNIT_POWER | undefined;
  if (!m || !unit) return undefined;
  return Number(m[1]) * 1024 ** UNIT_POWER[unit];
}

/** A filesystem size with a unit, kept as written (recipes hash it): "2G", "1536M". */
export const diskSize = z.string().refine((text) => sizeBytes(text) !== undefined, 'a size with a unit, like "2G" or "1536M"');

export const MEMORY_MIB = { min: 128, max: 1024 * 1024 };

/** Guest memory in MiB: a bare number is MiB (as before units existed), or a size with a unit. */
const MEMORY_TAKES = 'a memory size from 128M to 1T: MiB like 2048, or a number with a unit like 512M or 2G';
export const memoryMiB = z.union([z.number(), z.string()], { error: MEMORY_TAKES }).transform((value, ctx) => {
  const bytes = typeof value === 'number' ? value * 1024 ** 2 : sizeBytes(value, 'M');
  const mib = bytes === undefined ? NaN : bytes / 1024 ** 2;
  if (!Number.isInteger(mib) || mib < MEMORY_MIB.min || mib > MEMORY_MIB.max) {
    ctx.addIssue({ code: 'custom', message: MEMORY_TAKES });
    return z.NEVER;
  }
  return mib;
});

/** A whole number written as digits (or already a number), within a range. */
function wholeNumber(min: number, max: number, what: string) {
  return z.union([z.number(), z.string().regex(/^\s*\d+\s*$/).transform(Number)], { error: what }).pipe(z.number().int(what).min(min, what).max(max, what));
}

/** q35 takes at most 255 CPUs without an interrupt remapping IOMMU. */
export const cpuCount = wholeNumber(1, 255, 'a whole number of CPUs from 1 to 255');

/** Seconds; node's timers overflow past about 24 days, so a week is the ceiling. */
export const timeoutSeconds = z
  .union([z.number(), z.string().regex(/^\s*\d+(\.\d+)?\s*$/).transform(Number)], { error: 'seconds, a number above 0 (at most 604800, a week)' })
  .pipe(z.number().gt(0, 'seconds, a number above 0 (at most 604800, a week)').max(604_800, 'seconds, a number above 0 (at most 604800, a week)'));

/** Kernel command-line words must not break the line apart or smuggle quotes. */
export const kernelArg = z.string().regex(/^[A-Za-z0-9_.,:=/@+-]+$/, 'a plain kernel command-line word like key=value (letters, digits and _ . , : = / @ + -)');

/** A program in the image, handed to the guest's init as one safe word. */
export const guestProgram = z.string().regex(/^\/[A-Za-z0-9_./@:+-]+$/, 'an absolute path in the image, like /sbin/init');

/** Names of images in the store (and of recipes): they become file names. */
export const imageName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'an image name: letters, digits, ".", "_" or "-"');

/** An image by name, id or id prefix (the same characters). */
export const imageRef = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'an image name or id: letters, digits, ".", "_" or "-"');

/** Simulator names become directory names in the runtime dir. */
export const simulatorName = z.string().regex(SIMULATOR_NAME, 'a simulator name: up to 40 letters, digits, ".", "_" or "-"');

/** Module names become directory and file names (build dir, manifest), so keep them plain. */
export const moduleName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, 'a module name: letters, digits and . _ + - (not starting with a punctuation mark)');

/** Debian package names, optionally with :arch or =version. No commas: --include joins with them. */
export const packageName = z.string().regex(/^[a-z0-9][a-z0-9+.:=~-]*$/, 'a Debian package name (like libglib2.0-bin)');

/** `--include a,b`: package names separated by commas. */
export const packageList = z
  .string()
  .transform((text) => text.split(',').map((p) => p.trim()).filter(Boolean))
  .pipe(z.array(packageName).min(1, 'Debian package names separated by commas, like strace,gdb'));

/** A host path; checked for existence where it is used. */
export const hostPath = z.string().min(1, 'a path');

/** A sha256 in hex, as sha256sum prints it. */
export const sha256Hex = z.string().regex(/^[0-9a-fA-F]{64}$/, 'a sha256: 64 hexadecimal digits').transform((text) => text.toLowerCase());

/** An http(s) URL of an image file or of a published directory (src/remote/source.ts says which). */
export const imageUrl = z.string().regex(/^https?:\/\/[^\s]+$/i, 'an http:// or https:// URL');

/** A publisher's version name: it becomes a file name on the server. */
export const versionName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$/, 'a version name: letters, digits and . _ + - (up to 100)');

/** How many older versions to keep. */
export const keepCount = wholeNumber(0, 1000, 'a whole number from 0 to 1000');

/** --overlay-mode: how the prefix wins (src/boot/overlay-mode.ts). */
export const overlayMode = z
  .string()
  .transform((text) => text.trim().toLowerCase())
  .pipe(z.enum(OVERLAY_MODES, { error: `one of ${OVERLAY_MODES.join(', ')}` }));

/** --overlay-cache: how the guest caches the prefix it reads over 9p (README, "The prefix's cache"). */
export const OVERLAY_CACHES = ['loose', 'none'] as const;
export type OverlayCache = (typeof OVERLAY_CACHES)[number];
export const overlayCache = z
  .string()
  .transform((text) => text.trim().toLowerCase())
  .pipe(z.enum(OVERLAY_CACHES, { error: `one of ${OVERLAY_CACHES.join(', ')}` }));

/** --initrd: which initrd boots (src/boot/image-initrd.ts). */
export const initrdChoice = z
  .string()
  .transform((text) => text.trim().toLowerCase())
  .pipe(z.enum(INITRD_CHOICES, { error: `one of ${INITRD_CHOICES.join(', ')}` }));

export const rebootPolicy = z.enum(['auto', 'always', 'never'], { error: 'auto, always or never' });

export const displayBackend = z
  .string()
  .transform((text) => text.trim().toLowerCase())
  .pipe(z.enum(DISPLAY_BACKENDS, { error: `one of ${DISPLAY_BACKENDS.join(', ')}` }));

/** A schema over one of src/display's parsers, which own those grammars. */
function parsedBy(parse: (text: string) => unknown, message: string) {
  return z.string().refine((text) => {
    try {
      parse(text);
      return true;
    } catch (error) {
      if (isSimError(error)) return false;
      throw error;
    }
  }, message);
}

export const resolution = parsedBy(parseResolution, 'WIDTHxHEIGHT between 320x200 and 8192x8192, like 1280x800');

export const vncListen = parsedBy(parseVncListen, 'a loopback address and port from 5900, like 127.0.0.1:5901 (or just the port)');

/** What `sim demo` rebuilds. */
export const demoComponent = z.enum(['glib', 'gnome-shell'], { error: 'glib or gnome-shell' });

/** A key or a chord of keys for `sim input --key`: super, ret, ctrl-alt-f2. */
export const keyChord = parsedBy(parseChord, 'a key or keys joined by "-", like super, ret, ctrl-alt-f2 (names: ctrl, alt, shift, super, esc, tab, spc, f1-f12, a-z, 0-9, left, pgup...)');

/** Text for `sim input --type`: what a US keyboard types. */
export const typedText = parsedBy(chordsForText, 'text a US keyboard types (printable ASCII, newline, tab)').refine((text) => text.length > 0 && text.length <= 4096, 'text of 1 to 4096 characters');

/** A screen pixel for `sim input --click`: X,Y from the top left. */
export const screenPoint = z
  .string()
  .refine((text) => parsePoint(text) !== undefined, 'a screen position X,Y in pixels from the top left, like 640,400')
  .transform((text) => parsePoint(text)!);

export const mouseButton = z.enum(MOUSE_BUTTONS, { error: MOUSE_BUTTONS.join(', ') });

/** The first issue's message: what the value should have been. */
export function accepted(error: z.ZodError): string {
  return error.issues[0]?.message ?? 'another value';
}

/** `sim web --port`: a TCP port (1024 and up: a normal user cannot bind below). */
export const webPort = wholeNumber(1024, 65535, 'a port number from 1024 to 65535');

/** `sim logs --lines`. */
export const logLines = wholeNumber(1, 1_000_000, 'a whole number of entries from 1 to 1000000');

/** A desktop app's id, as its .desktop file is named (org.gnome.TextEditor), for `sim launch`/`terminate`. */
export const desktopAppId = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,254}$/, 'a desktop app id like org.gnome.TextEditor (letters, digits, ".", "_" and "-"; without ".desktop")')
  .transform((id) => id.replace(/\.desktop$/, ''));

/** A path in the guest, for `sim push`/`pull`: absolute, as in adb. */
export const guestPath = z.string().regex(/^\/[^\0\n]*$/, 'an absolute path in the guest, like /home/sim/notes.txt');

/** What `sim open` hands to the guest's default handler: a URI with its scheme. */
export const openUri = z.string().regex(/^[A-Za-z][A-Za-z0-9+.-]*:[^\s]+$/, 'a URI with its scheme, like https://example.org or file:///home/sim/a.pdf');

/** `sim record --fps`. */
export const framesPerSecond = wholeNumber(1, 30, 'a whole number of frames per second from 1 to 30');
