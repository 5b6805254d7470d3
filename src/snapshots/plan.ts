/**
 * Quick boot, planned: which boots may resume a snapshot, what a snapshot is keyed by, the plans
 * of the boot that saves one and of a resume, and the settings a resumed guest is handed. Pure.
 *
 * A snapshot is a guest booted with no prefix attached (its 9p device present, unmounted: 9p
 * cannot be saved while mounted), saved when its agent is up. Each quick boot resumes it, then
 * the guest attaches that boot's prefix as /init would have (guest/attach). So one snapshot
 * serves every prefix, every overlay mode and every command of a machine configuration.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { BootPlan, BootRequest } from '../boot/plan.js';
import type { GuestConfig } from '../initramfs/guest-config.js';
import { renderCommand, renderGuestConfig, shellQuote } from '../initramfs/guest-config.js';

/** Bumped when what a snapshot holds changes meaning. */
export const SNAPSHOT_FORMAT = 1;

/** The files of one snapshot, in its directory. */
export function snapshotFiles(dir: string): { dir: string; ram: string; disk: string; state: string; meta: string } {
  return { dir, ram: path.join(dir, 'ram'), disk: path.join(dir, 'disk.qcow2'), state: path.join(dir, 'state'), meta: path.join(dir, 'meta.json') };
}

/** Why this boot cannot resume a snapshot, or undefined when it can. */
export function quickBootRefusal(request: BootRequest, asked: { cold?: boolean }): string | undefined {
  if (asked.cold) return 'asked for (--cold)';
  if (request.mode === 'direct') return 'direct mode (--no-init) runs no init to save';
  if (request.initrd === 'image') return "quick boot resumes sim's own initramfs; this boot uses the image's own initrd";
  if (request.init) return 'a custom --init is booted cold';
  return undefined;
}

/**
 * Prefix paths whose files were read before a snapshot was saved, by what cannot be restarted
 * under a running system: the C library and the dynamic linker, systemd itself, kernel modules,
 * and what systemd and udev apply once at boot. A prefix with any of them boots cold.
 */
export function coldPrefixPaths(libdir: string): { path: string; what: string }[] {
  const libdirs = [...new Set([libdir, 'lib/x86_64-linux-gnu', 'usr/lib64', 'lib64'])];
  return [
    ...libdirs.flatMap((d) => [
      { path: `${d}/libc.so.6`, what: 'the C library' },
      { path: `${d}/ld-linux-x86-64.so.2`, what: 'the dynamic linker' },
      { path: `${d}/systemd`, what: "systemd's private libraries" },
    ]),
    ...['usr/lib/systemd', 'lib/systemd'].flatMap((d) => [
      { path: `${d}/systemd`, what: 'systemd (PID 1)' },
      { path: `${d}/system-generators`, what: 'systemd generators (run once at boot)' },
      { path: `${d}/system.conf.d`, what: "systemd's manager settings" },
    ]),
    { path: 'usr/lib/modules', what: 'kernel modules' },
    { path: 'lib/modules', what: 'kernel modules' },
    ...['udev', 'sysctl.d', 'tmpfiles.d', 'sysusers.d', 'modules-load.d', 'binfmt.d'].map((d) => ({ path: `usr/lib/${d}`, what: `${d.replace(/\.d$/, '')} settings (applied once at boot)` })),
  ];
}

/** /etc entries the attach handles in a running system: units (restarted or started), D-Bus policy (reloaded). */
const ETC_HANDLED = new Set(['systemd', 'dbus-1']);

/**
 * Why a prefix must boot cold, from what it holds: `present` are the coldPrefixPaths found in it,
 * `etc` the names directly under its etc/ (and etc/systemd/'s, as `systemd/NAME`).
 */
export function prefixColdReason(present: readonly { path: string; what: string }[], etc: readonly string[]): string | undefined {
  const first = present[0];
  if (first) return `the prefix replaces ${first.what} (${first.path}), which a running system cannot take over`;
  const config = etc.find((name) => !ETC_HANDLED.has(name.split('/')[0]!) || (name.startsWith('systemd/') && !name.startsWith('systemd/system')));
  if (config) return `the prefix has /etc/${config}, which services may have read at their start`;
  return undefined;
}

/**
 * The request a snapshot is booted with: no command, the default overlay mode, a placeholder
 * share (and no hot layer: it mounts none). A console boot given a command (the library's
 * `interactive`) is saved as a command boot is: its guest does not serve the host (servesHost),
 * so the devices match.
 */
export function snapshotRequest(request: BootRequest, placeholderShare: string): BootRequest {
  return { ...request, interactive: request.interactive && !request.command?.length, overlay: placeholderShare, overlayMode: undefined, command: undefined, hotDirs: undefined };
}

/** The boot that saves: RAM shared into the snapshot's file, its disk the snapshot's, no share mounted. */
export function savePlan(plan: BootPlan, snapshotDir: string): BootPlan {
  const files = snapshotFiles(snapshotDir);
  return {
    ...plan,
    files: { ...plan.files, disk: files.disk },
    guest: { ...plan.guest, command: undefined, quick: 'save' },
    memory: { file: files.ram, shared: true, incoming: false },
  };
}

/** A resume: the snapshot's RAM mapped copy-on-write, a session disk over the snapshot's, QEMU waiting for the state. */
export function resumePlan(plan: BootPlan, snapshotDir: string): BootPlan {
  const files = snapshotFiles(snapshotDir);
  return { ...plan, baseDisk: files.disk, memory: { file: files.ram, shared: false, incoming: true } };
}

/** What keys a snapshot: every input that changes the saved state. */
export interface SnapshotKeyInputs {
  image: string;
  /** The base initramfs archive's key (sim's guest scripts, busybox, modules). */
  initramfs: string;
  /** QEMU's argv for the saving boot with paths replaced by placeholders (machine, memory, CPUs, display, accelerator, kernel and its command line). */
  argv: readonly string[];
  /** /sim/config of the saving boot. */
  guestConfig: string;
  /** The QEMU binary (path, size, mtime). */
  qemu: string;
  /** The host CPU, for KVM's -cpu host (empty under TCG). */
  hostCpu: string;
}

export function snapshotKey(inputs: SnapshotKeyInputs): string {
  return createHash('sha256').update(JSON.stringify({ format: SNAPSHOT_FORMAT, ...inputs })).digest('hex').slice(0, 24);
}

/** A short description of the machine configuration, for `sim snapshot ls`. */
export function snapshotLabel(plan: BootPlan): string {
  const kind = plan.detached ? 'detached' : plan.interactive ? 'console' : 'command';
  return `${plan.memoryMiB} MiB, ${plan.cpus} CPU${plan.cpus === 1 ? '' : 's'}, ${plan.accel}${plan.icount === undefined ? '' : ` (instruction-counted, shift ${plan.icount})`}, ${plan.display ? `${plan.display.backend} ${plan.display.resolution.width}x${plan.display.resolution.height}` : 'headless'}, ${kind}`;
}

/** A string for `printf '%b'` in one shell word on one line: backslashes doubled, newlines as \n. */
function oneLine(text: string): string {
  return shellQuote(text.replaceAll('\\', '\\\\').replaceAll('\n', '\\n'));
}

/**
 * The line a resumed guest gets on sim.ctl: `: attach; ...`, one line of shell the agent sources
 * (it reads a line with one process; every process costs tens of ms under emulation): this
 * boot's settings (its share, overlay mode), the host's clock and randomness, and printf
 * commands (a shell builtin) that write the boot's command to /run/sim/command and the prefix's
 * mapped-file keys (./mapped-files.ts) to /run/sim/mapped-keys. Newlines in the command travel
 * as printf escapes, so the line stays one line.
 */
export function attachLine(guest: GuestConfig, extra: { nowMs: number; seed: Buffer; restartConsole: boolean; mappedKeys: readonly string[] }): string {
  const config = renderGuestConfig({ ...guest, quick: 'resumed' }).trimEnd().split('\n');
  // A mapping's path is one word of /proc/PID/maps: a key with a newline could never match.
  const keys = extra.mappedKeys.filter((k) => !k.includes('\n'));
  const statements = [
    ': attach',
    ...config,
    `SIM_NOW='${Math.round(extra.nowMs / 1000)}'`,
    `SIM_SEED='${extra.seed.toString('base64')}'`,
    `SIM_RESTART_CONSOLE='${extra.restartConsole ? 1 : 0}'`,
    keys.length ? `printf '%s\\n' ${keys.map(shellQuote).join(' ')} > /run/sim/mapped-keys` : ': > /run/sim/mapped-keys',
    ...(guest.command ? [`printf '%b' ${oneLine(renderCommand(guest.command))} > /run/sim/command`] : []),
  ];
  return `${statements.join('; ')}\n`;
}
