/**
 * The archive sim appends to the image's own initrd (`--initrd image`): the kernel unpacks
 * concatenated newc archives in turn, later entries replacing earlier ones, so this one adds
 * sim's files under /sim and hooks guest/initrd-hook into the image's initrd — a
 * scripts/init-bottom script for initramfs-tools, a unit for a systemd initrd. Pure.
 *
 * What it must not do is clobber the image's own files: a directory entry replaces a symlink of
 * the same name, and ORDER replaces the image's list of init-bottom scripts. So directory entries
 * are written only for directories the image's initrd lacks, and ORDER keeps the image's lines.
 */
import { SimError } from '../core/errors.js';
import type { CpioEntry } from '../initramfs/cpio.js';
import type { InitrdEntryType } from '../initramfs/cpio-read.js';

export const INIT_BOTTOM_ORDER = 'scripts/init-bottom/ORDER';
const INIT_BOTTOM_SCRIPT = 'scripts/init-bottom/sim-overlay';
const UNIT_DIR = 'etc/systemd/system';
const UNIT = 'sim-overlay.service';
const WANTS = `${UNIT_DIR}/initrd.target.wants`;

/** The hook's own files in the image's initrd, by kind, each after its parent directories. */
const HOOK_FILES = {
  'initramfs-tools': ['scripts', 'scripts/init-bottom', INIT_BOTTOM_SCRIPT],
  systemd: ['etc', 'etc/systemd', UNIT_DIR, `${UNIT_DIR}/${UNIT}`, WANTS, `${WANTS}/${UNIT}`],
} as const;

/** The paths whose kind in the image's initrd the import records (src/images/initrd.ts). */
export const HOOK_PATHS: readonly string[] = ['sim', ...HOOK_FILES['initramfs-tools'], ...HOOK_FILES.systemd];

export type HookKind = keyof typeof HOOK_FILES;

/** What the plan knows of the image's initrd (stored at import). */
export interface ImageInitrdFacts {
  kind: HookKind;
  initBottomOrder?: string;
  paths: Readonly<Record<string, InitrdEntryType>>;
}

/**
 * The systemd unit: after the root (and what the root's fstab adds below it, e.g. /sysroot/usr)
 * is mounted, before the initrd cleans up and switches root. dracut's own pre-pivot hook sits in
 * the same place.
 */
export function hookUnit(): string {
  return [
    '[Unit]',
    "Description=sim: the host's overlay prefix over /sysroot",
    'DefaultDependencies=no',
    'ConditionPathExists=/etc/initrd-release',
    // sysroot-usr.mount: a usr-only image's /usr (mount.usr=, usrhash=).
    'After=initrd-root-fs.target initrd-fs.target initrd-parse-etc.service sysroot.mount sysroot-usr.mount',
    'Before=initrd-cleanup.service initrd-switch-root.target',
    '',
    '[Service]',
    'Type=oneshot',
    'RemainAfterExit=yes',
    // Triggers under emulation may take minutes: sim's own --timeout bounds the boot.
    'TimeoutStartSec=infinity',
    'StandardOutput=journal+console',
    'StandardError=journal+console',
    'ExecStart=/sim/busybox sh /sim/initrd-hook systemd /sysroot',
    '',
  ].join('\n');
}

/** The init-bottom script: initramfs-tools runs it with rootmnt and init exported; `prereqs` lists none. */
export function initBottomScript(): string {
  return [
    '#!/bin/sh',
    "# sim's hook (sim boot --initrd image): the host's overlay prefix over the mounted root.",
    'case "$1" in prereqs) exit 0 ;; esac',
    'exec /sim/busybox sh /sim/initrd-hook initramfs-tools "${rootmnt:-/root}" "${init:-/sbin/init}"',
    '',
  ].join('\n');
}

/**
 * The image's init-bottom ORDER with sim's script run last (after udev moved /dev into the
 * root), each line as initramfs-tools writes them; unchanged when it is there already. Pure.
 */
export function mergeInitBottomOrder(imageOrder: string): string {
  const line = `/${INIT_BOTTOM_SCRIPT} "$@"`;
  if (imageOrder.split('\n').some((l) => l.trim() === line)) return imageOrder;
  const base = imageOrder === '' || imageOrder.endsWith('\n') ? imageOrder : `${imageOrder}\n`;
  return `${base}${line}\n[ -e /conf/param.conf ] && . /conf/param.conf\n`;
}

function unusable(path: string, type: InitrdEntryType): SimError {
  return new SimError(
    'IMAGE_INITRD_UNSUPPORTED',
    `The image's own initrd has a ${type} at /${path}, where sim's hook needs ${path === 'sim' ? 'a free name' : 'a directory or nothing'}.`,
    "Boot it with sim's own initramfs: --initrd sim.",
  );
}

/** sim's files: busybox, the hook and the shared functions, the agent, the modules in load order. */
export interface HookInputs {
  busybox: Buffer;
  hook: Buffer;
  agent: Buffer;
  refresh: Buffer;
  attach: Buffer;
  /** guest/lib/*.sh by file name. */
  lib: readonly [string, Buffer][];
  modules: readonly { file: string; soft: boolean; data: Buffer }[];
}

/** The entries of the appended archive for this initrd. Pure. */
export function hookEntries(facts: ImageInitrdFacts, inputs: HookInputs): CpioEntry[] {
  if (facts.paths.sim) throw unusable('sim', facts.paths.sim);
  const entries: CpioEntry[] = ['sim', 'sim/lib', 'sim/modules'].map((name) => ({ type: 'directory', name }));
  entries.push({ type: 'file', name: 'sim/busybox', mode: 0o755, data: inputs.busybox });
  entries.push({ type: 'file', name: 'sim/initrd-hook', mode: 0o755, data: inputs.hook });
  entries.push({ type: 'file', name: 'sim/agent', mode: 0o755, data: inputs.agent });
  entries.push({ type: 'file', name: 'sim/refresh', mode: 0o755, data: inputs.refresh });
  entries.push({ type: 'file', name: 'sim/attach', mode: 0o755, data: inputs.attach });
  for (const [name, data] of inputs.lib) entries.push({ type: 'file', name: `sim/lib/${name}`, mode: 0o644, data });
  for (const m of inputs.modules) entries.push({ type: 'file', name: `sim/modules/${m.file}`, data: m.data });
  entries.push({ type: 'file', name: 'sim/modules.list', data: Buffer.from(inputs.modules.map((m) => `${m.file} ${m.soft ? 'soft' : 'hard'}\n`).join('')) });

  const files = HOOK_FILES[facts.kind];
  const [last] = files.slice(-1);
  for (const name of files) {
    const existing = facts.paths[name];
    const isLeaf = facts.kind === 'initramfs-tools' ? name === last : name.endsWith(`/${UNIT}`);
    if (!isLeaf) {
      // A directory the image has stays as it is; one it lacks is made; anything else is refused.
      if (existing === undefined) entries.push({ type: 'directory', name });
      else if (existing !== 'directory') throw unusable(name, existing);
      continue;
    }
    // sim's own names: one the image already uses (a symlink would not even be replaced) is refused.
    if (existing !== undefined) throw unusable(name, existing);
  }
  if (facts.kind === 'initramfs-tools') {
    entries.push({ type: 'file', name: INIT_BOTTOM_SCRIPT, mode: 0o755, data: Buffer.from(initBottomScript()) });
    // Without an ORDER, initramfs-tools runs every script of the directory (asking each for its prereqs).
    if (facts.initBottomOrder !== undefined) entries.push({ type: 'file', name: INIT_BOTTOM_ORDER, mode: 0o644, data: Buffer.from(mergeInitBottomOrder(facts.initBottomOrder)) });
  } else {
    entries.push({ type: 'file', name: `${UNIT_DIR}/${UNIT}`, mode: 0o644, data: Buffer.from(hookUnit()) });
    entries.push({ type: 'symlink', name: `${WANTS}/${UNIT}`, target: `../${UNIT}` });
  }
  return entries;
}
