/**
 * Planning a boot: everything decided, nothing started. `planBoot` is pure; its inputs are the
 * request, the stored image, the accelerator verdict and the session directory. What a
 * capability adds (the display; next overlay modes, boot strategies, snapshots) comes from its
 * contribution (src/boot/contribution.ts), listed once in `bootContributions`.
 */
import path from 'node:path';
import type { ImageMeta } from '../images/meta.js';
import { sessionDisplay, type DisplayChoice, type DisplayPlan } from '../display/options.js';
import { displayContribution } from '../display/contribution.js';
import { combine, type BootContribution, type CombinedContribution } from './contribution.js';
import { overlayModeContribution, type OverlayMode } from './overlay-mode.js';
import { chooseInitrd, initrdContribution, type InitrdChoice } from './image-initrd.js';
import type { z } from 'zod';
import { SimError } from '../core/errors.js';
import { accepted, cpuCount, guestProgram, initrdChoice, kernelArg, memoryMiB, overlayCache, overlayMode, timeoutSeconds, type OverlayCache } from '../config/option-values.js';
import { overlayBindirs, overlayLibdirs, type GuestConfig } from '../initramfs/guest-config.js';
import { icountRefusal } from '../qemu/icount.js';

export type Accel = 'kvm' | 'tcg';

export interface BootRequest {
  /** Absolute path of the overlay prefix, when there is one. */
  overlay?: string;
  /** How the prefix wins (src/boot/overlay-mode.ts); absent: merge. */
  overlayMode?: OverlayMode;
  /** How the guest caches the prefix over 9p; absent: loose. */
  overlayCache?: OverlayCache;
  /** Which initrd boots (src/boot/image-initrd.ts): sim's own or the image's with sim's hook; absent: the image's default. */
  initrd?: InitrdChoice;
  /** Command to run in the guest; absent for an interactive boot. */
  command?: string[];
  /** init: the image's own init (systemd...); direct: run the command right after switch_root. */
  mode: 'init' | 'direct';
  init?: string;
  memoryMiB: number;
  cpus: number;
  /** Extra kernel command-line words. */
  kernelArgs: string[];
  /** Show the guest's serial console on this terminal (interactive) instead of capturing it. */
  interactive: boolean;
  /** Prefer the uncompressed kernel when the image has one. */
  fastKernel: boolean;
  /** A long-running simulator: the guest serves `sim exec` and may be rebooted in place. */
  detached?: boolean;
  /** A screen (decided by src/display); absent for the plain headless boot without a graphics device. */
  display?: DisplayChoice;
  /** Fast firmware for -bios (qboot.rom, see src/qemu/firmware.ts); used unless a contribution needs another. */
  bios?: string;
  /** The prefix's directories of programs and libraries (src/boot/hot-dirs.ts); used by a merge-mode boot that settles them (settlesPrefix) and, serving the host with a caching share, keeps hot copies of those it cannot settle. */
  hotDirs?: readonly string[];
  /** The guest's time counted in instructions, 2^icount ns each (SIM_ICOUNT, src/qemu/icount.ts); TCG and one CPU only. */
  icount?: number;
}

/**
 * Whether the guest's agent stays up and runs the host's commands from sim.cmd: a detached
 * simulator (`sim exec`, ...) and a foreground boot at its console, whose only such commands
 * are the refreshes `sim build` sends after a build into its prefix (src/boot/serving.ts). A
 * boot that runs a command uses sim.out and sim.err for that command's output. Pure.
 */
export function servesHost(request: Partial<Pick<BootRequest, 'detached' | 'interactive' | 'command'>>): boolean {
  return Boolean(request.detached || (request.interactive && !request.command?.length));
}

/**
 * Whether the guest settles the prefix's usr/ (guest/lib/settle.sh): copies its programs and
 * libraries into the image's own directories on the session's disk, so that no program start
 * passes through overlayfs. In merge mode, unless the share is uncached (--overlay-cache none
 * promises that a file replaced behind sim's back shows at once; a copy would not). Both this
 * and the hot layer need the prefix's directories of programs and libraries (hotDirs). Pure.
 */
export function settlesPrefix(request: Partial<Pick<BootRequest, 'overlay' | 'overlayMode' | 'overlayCache'>>): boolean {
  return Boolean(request.overlay && (request.overlayMode ?? 'merge') === 'merge' && (request.overlayCache ?? 'loose') !== 'none');
}

export interface SessionFiles {
  dir: string;
  disk: string;
  initrd: string;
  ctl: string;
  out: string;
  err: string;
  console: string;
  cmd: string;
  qmp: string;
  consoleLog: string;
}

export interface BootPlan {
  qemuBinary: string;
  accel: Accel;
  memoryMiB: number;
  cpus: number;
  kernel: string;
  append: string[];
  baseDisk: string;
  files: SessionFiles;
  overlay?: { path: string; tag: string };
  interactive: boolean;
  detached: boolean;
  guest: GuestConfig;
  /** Everything the boot's contributions add, combined; the kernel line, QEMU's argv and the initramfs take their parts. */
  contributed: CombinedContribution;
  /** The screen as planned (its sockets filled in); absent without one. */
  display?: DisplayPlan;
  /** -bios file; absent: QEMU's default (SeaBIOS). */
  bios?: string;
  /** Instruction-counted time (src/qemu/icount.ts): the shift; absent: real time. */
  icount?: number;
  /** Which initrd boots: sim's own initramfs, or the image's own with sim's hook appended. */
  initrd: InitrdChoice;
  /**
   * Quick boot (src/snapshots/): guest RAM in this file, shared (a boot whose state is saved) or
   * mapped copy-on-write (a resume, which leaves the snapshot intact); `incoming`: QEMU waits for
   * the saved state (-incoming defer) instead of booting.
   */
  memory?: { file: string; shared: boolean; incoming: boolean };
}

export const OVERLAY_TAG = 'simoverlay';

export function sessionFiles(dir: string): SessionFiles {
  // Short names: unix socket paths are limited to 107 bytes.
  return {
    dir,
    disk: path.join(dir, 'disk.qcow2'),
    initrd: path.join(dir, 'initrd.cpio'),
    ctl: path.join(dir, 'ctl.sock'),
    out: path.join(dir, 'out.sock'),
    err: path.join(dir, 'err.sock'),
    console: path.join(dir, 'con.sock'),
    cmd: path.join(dir, 'cmd.sock'),
    qmp: path.join(dir, 'qmp.sock'),
    consoleLog: path.join(dir, 'console.log'),
  };
}

/** Kernel command-line words must not break the line apart or smuggle quotes. */
export function checkKernelArg(arg: string): string {
  if (!kernelArg.safeParse(arg).success) {
    throw new SimError('USAGE', `The kernel argument '${arg}' contains characters sim does not pass on.`, 'Use plain key=value words (letters, digits and _ . , : = / @ + -).');
  }
  return arg;
}

/**
 * The numbers and words of a request from the library API, checked as the CLI checks them
 * (src/config/option-values.ts) so that nothing a caller passed reaches QEMU unchecked.
 */
export function checkBootValues(values: { memoryMiB?: number; cpus?: number; timeoutMs?: number; init?: string; kernelArgs?: readonly string[]; overlayMode?: string; overlayCache?: string; initrd?: string }): void {
  const checks: [string, unknown, z.ZodType][] = [
    ['memoryMiB', values.memoryMiB, memoryMiB],
    ['cpus', values.cpus, cpuCount],
    ['timeoutMs', values.timeoutMs === undefined ? undefined : values.timeoutMs / 1000, timeoutSeconds],
    ['init', values.init, guestProgram],
    ['overlayMode', values.overlayMode, overlayMode],
    ['overlayCache', values.overlayCache, overlayCache],
    ['initrd', values.initrd, initrdChoice],
  ];
  for (const [name, value, schema] of checks) {
    const result = value === undefined ? undefined : schema.safeParse(value);
    if (result && !result.success) throw new SimError('USAGE', `${name} takes ${accepted(result.error)}, not ${String(value)}.`, 'Pass a value in that range.');
  }
  for (const arg of values.kernelArgs ?? []) checkKernelArg(arg);
}

/**
 * What each capability adds to this boot, in the order they combine (src/boot/contribution.ts
 * says how). Pure; the session directory places their sockets, the image says what its own
 * initrd is. The one place a new capability is plugged into the boot.
 */
export function bootContributions(request: BootRequest, sessionDir: string, image: ImageMeta): BootContribution[] {
  return [
    displayContribution(sessionDisplay(request.display, sessionDir)),
    overlayModeContribution(request.overlayMode, Boolean(request.overlay)),
    initrdContribution(request.initrd, image, { init: request.init, direct: request.mode === 'direct' }),
  ];
}

export function planBoot(input: {
  request: BootRequest;
  image: ImageMeta;
  imageDir: string;
  accel: Accel;
  sessionDir: string;
  qemuBinary?: string;
}): BootPlan {
  const { request, image, imageDir } = input;
  if (request.detached && request.command?.length) {
    throw new SimError('USAGE', 'A detached simulator does not take a command.', "Start it with 'sim boot --detach', then run commands with 'sim exec -- CMD'.");
  }
  if (request.mode === 'direct' && !request.command?.length && !request.detached) {
    throw new SimError('USAGE', 'Direct mode (--no-init) needs a command to run.', 'Add the command after --, e.g. sim boot --no-init -- uname -a');
  }
  const refused = request.icount === undefined ? undefined : icountRefusal(input.accel, request.cpus);
  if (refused) throw refused;
  const kernel = path.join(imageDir, request.fastKernel && image.kernel.vmlinux ? image.kernel.vmlinux : image.kernel.file);
  // A usr-only image's root is a tmpfs (its /usr partition is mounted on it): no device.
  const rootDevice = image.root.fstype === 'tmpfs' ? 'tmpfs' : image.root.partition ? `/dev/vda${image.root.partition}` : '/dev/vda';
  const contributed = combine(bootContributions(request, input.sessionDir, image));
  const display = sessionDisplay(request.display, input.sessionDir);
  const append = [
    // The contributions' words come first: the last console= (the one /dev/console is) stays
    // sim's serial line, and the user's words come last.
    ...contributed.kernelArgs,
    'console=ttyS0',
    'panic=-1',
    // A panic or a hung boot should end the run, not wait for a person.
    'oops=panic',
    // Skips the self-tests of the kernel's crypto algorithms: about 0.3 s of a TCG boot (see bench/).
    'cryptomgr.notests',
    // Under TCG on a loaded host the vCPU can miss the ticks of the kernel's early check of
    // the IO-APIC timer, which then panics ("IO-APIC + timer doesn't work!"); cloud images
    // skip the check for the same reason.
    'no_timer_check',
    ...(request.interactive && !request.detached ? [] : ['quiet']),
    ...request.kernelArgs.map(checkKernelArg),
  ];
  const files = sessionFiles(input.sessionDir);
  return {
    qemuBinary: input.qemuBinary ?? 'qemu-system-x86_64',
    accel: input.accel,
    memoryMiB: request.memoryMiB,
    cpus: request.cpus,
    ...(request.icount === undefined ? {} : { icount: request.icount }),
    kernel,
    append,
    baseDisk: path.join(imageDir, image.disk.file),
    files,
    overlay: request.overlay ? { path: request.overlay, tag: OVERLAY_TAG } : undefined,
    interactive: request.interactive && !request.detached,
    detached: Boolean(request.detached),
    contributed,
    ...(display ? { display } : {}),
    // qboot, unless a contribution needs another firmware (QEMU's default, SeaBIOS, has no -bios).
    ...(request.bios && (contributed.firmware ?? 'qboot') === 'qboot' ? { bios: request.bios } : {}),
    initrd: chooseInitrd(request.initrd, image),
    guest: {
      rootDevice,
      fstype: image.root.fstype,
      ...(image.root.options ? { rootOptions: image.root.options } : {}),
      ...(image.usr ? { usr: { device: `/dev/vda${image.usr.partition}`, fstype: image.usr.fstype } } : {}),
      overlayTag: request.overlay ? OVERLAY_TAG : undefined,
      libdirs: overlayLibdirs(image.libdir),
      bindirs: overlayBindirs(),
      cacheMode: request.overlayCache ?? 'loose',
      ...(settlesPrefix(request) && request.hotDirs?.length ? { hotDirs: request.hotDirs } : {}),
      mode: request.mode,
      init: request.init,
      autologin: true,
      command: request.command,
      serve: servesHost(request),
      ...(Object.keys(contributed.guestConfig).length ? { extra: contributed.guestConfig } : {}),
    },
  };
}
