/**
 * What a capability adds to a boot. The display is one (src/display/contribution.ts); overlay
 * modes, boot strategies and snapshots are meant to be the next. Each is a plain value made by
 * one pure function from its choice; the plan combines them, and the initramfs, the kernel
 * command line and QEMU's argv take their parts from the combination, so that no file on the
 * boot path branches on a capability of its own.
 */
import { SimError } from '../core/errors.js';
import type { ModuleRequest } from '../initramfs/modules.js';

/**
 * Firmware a contribution needs. qboot (sim's default when this QEMU ships it) jumps straight to
 * the kernel; SeaBIOS (QEMU's own default) also runs option ROMs such as the VGA BIOS.
 */
export type Firmware = 'qboot' | 'seabios';

export interface BootContribution {
  /** Who contributes ("display"): named in conflicts, and the field its summary detail goes in. */
  name: string;
  /** Kernel modules for the initramfs, loaded after sim's own; optional ones load softly. */
  initramfsModules?: readonly ModuleRequest[];
  /**
   * Kernel command-line words, placed before sim's own (so that sim's console=ttyS0 stays the
   * last console=, the one /dev/console is) and before the user's --kernel-arg words (the
   * user has the last word).
   */
  kernelArgs?: readonly string[];
  /**
   * QEMU options that take one value per machine, by name without the dash ({ display: 'gtk' }),
   * placed among sim's machine options; they replace sim's defaults (-display none).
   */
  qemuSettings?: Readonly<Record<string, string>>;
  /** Devices and their back-ends, appended after sim's own devices and channels (before QMP). */
  qemuArgs?: readonly string[];
  /** The firmware this needs; no contribution needing one: qboot when this QEMU has it. */
  firmware?: Firmware;
  /** Extra SIM_* variables for the guest's /sim/config, after sim's own (never replacing them). */
  guestConfig?: Readonly<Record<string, string>>;
  /** What a person is told (one line) and what events and a simulator's state carry (detail). */
  summary?: { line: string; detail: Readonly<Record<string, unknown>> };
}

/** Every contribution of a boot, combined. Plain data: a plan carries it (also as JSON, to a simulator's daemon). */
export interface CombinedContribution {
  initramfsModules: ModuleRequest[];
  kernelArgs: string[];
  qemuSettings: Record<string, string>;
  qemuArgs: string[];
  /** Absent: no contribution needs a particular firmware. */
  firmware?: Firmware;
  guestConfig: Record<string, string>;
  /** The summary lines, in contribution order. */
  lines: string[];
  /** Each summary's detail under its contribution's name. */
  details: Record<string, Readonly<Record<string, unknown>>>;
}

function conflict(what: string, first: string, second: string): SimError {
  return new SimError('USAGE', `The ${first} and the ${second} want different ${what}.`, `Choose options for the ${first} and the ${second} that go together (drop one of them).`);
}

/** One-value entries (settings, guest variables): a second, equal value is fine; a different one is a conflict. */
function setOnce(target: Record<string, string>, owners: Map<string, string>, key: string, value: string, owner: string, what: string): void {
  const earlier = owners.get(key);
  if (earlier !== undefined && target[key] !== value) throw conflict(`${what} (${target[key]} and ${value})`, earlier, owner);
  if (earlier === undefined) owners.set(key, owner);
  target[key] = value;
}

/**
 * Combine contributions, in the order given. Pure.
 *
 * - Lists (kernel words, QEMU args, summary lines) are concatenated in that order.
 * - Modules: one request per name (`-` and `_` alike), at its first position; required wins
 *   over optional, and the first optional request says what is lost.
 * - One-value entries (QEMU settings, guest variables, firmware): two contributions that give
 *   the same key different values conflict (a USAGE SimError naming both); equal values merge.
 * - Two contributions with the same name are a programming error.
 */
export function combine(contributions: readonly BootContribution[]): CombinedContribution {
  const combined: CombinedContribution = { initramfsModules: [], kernelArgs: [], qemuSettings: {}, qemuArgs: [], guestConfig: {}, lines: [], details: {} };
  const settingOwners = new Map<string, string>();
  const guestOwners = new Map<string, string>();
  let firmwareOwner: string | undefined;
  const names = new Set<string>();
  for (const c of contributions) {
    if (names.has(c.name)) throw new Error(`two boot contributions are named ${c.name}`);
    names.add(c.name);
    for (const request of c.initramfsModules ?? []) {
      const name = request.name.replaceAll('-', '_');
      const index = combined.initramfsModules.findIndex((m) => m.name.replaceAll('-', '_') === name);
      if (index < 0) combined.initramfsModules.push({ ...request });
      else if (!request.optional) combined.initramfsModules[index] = { name: combined.initramfsModules[index]!.name };
    }
    combined.kernelArgs.push(...(c.kernelArgs ?? []));
    for (const [key, value] of Object.entries(c.qemuSettings ?? {})) setOnce(combined.qemuSettings, settingOwners, key, value, c.name, `QEMU -${key} settings`);
    combined.qemuArgs.push(...(c.qemuArgs ?? []));
    if (c.firmware) {
      if (firmwareOwner !== undefined && combined.firmware !== c.firmware) throw conflict(`firmware (${combined.firmware} and ${c.firmware})`, firmwareOwner, c.name);
      firmwareOwner ??= c.name;
      combined.firmware = c.firmware;
    }
    for (const [key, value] of Object.entries(c.guestConfig ?? {})) setOnce(combined.guestConfig, guestOwners, key, value, c.name, `values of ${key}`);
    if (c.summary) {
      combined.lines.push(c.summary.line);
      combined.details[c.name] = c.summary.detail;
    }
  }
  return combined;
}

/**
 * The warnings for optional modules the image's kernel lacks, one per consequence, e.g. "the
 * image's stored kernel has no virtio_gpu: the screen may stay in text mode (...)". Pure.
 */
export function lostModuleWarnings(unavailable: readonly string[], requests: readonly ModuleRequest[], advice?: string): string[] {
  const keep = advice ? `to keep these modules, ${advice}` : 'import the image again to keep these modules';
  const byLoss = new Map<string, string[]>();
  for (const name of unavailable) {
    const request = requests.find((r) => r.name.replaceAll('-', '_') === name.replaceAll('-', '_'));
    const lost = request?.optional?.lost ?? 'the boot goes on without them';
    byLoss.set(lost, [...(byLoss.get(lost) ?? []), name]);
  }
  return [...byLoss].map(([lost, names]) => `the image's stored kernel has no ${names.join(', ')}: ${lost} (${keep})`);
}
