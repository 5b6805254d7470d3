/**
 * Fast-path experiments: QEMU options and kernel command-line words tried against sim's current
 * defaults, on the fixture image (full boot, command exit) and the Debian image (direct mode).
 * QEMU options reach sim's QEMU through a wrapper first in PATH that appends them (for -machine,
 * -smp, -bios the last one given wins); kernel words go through --kernel-arg.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { which } from '../../src/core/process.js';
import type { Results } from '../lib/results.js';
import type { BenchImage, Workspace } from '../lib/workspace.js';
import { commandFor, simBoot } from './boot.js';

const SECTION = 'fast path (TCG), wall time';
const CPU_SECTION = 'fast path (TCG), QEMU CPU time';

export interface Variant {
  name: string;
  qemu?: string[];
  kernelArgs?: string[];
  compressedKernel?: boolean;
}

/** Each one changes a single thing from sim's defaults (see src/qemu/args.ts, src/boot/plan.ts). */
export const VARIANTS: Variant[] = [
  { name: 'sim defaults' },
  { name: 'bzImage (--compressed-kernel)', compressedKernel: true },
  { name: 'without -bios qboot.rom (SeaBIOS)', qemu: ['-bios', 'bios-256k.bin'] },
  { name: 'without cryptomgr.notests', kernelArgs: ['cryptomgr.notests=0'] },
];

/**
 * Tried and not adopted, kept for BENCH_FASTPATH=all: -machine pc and -smp 1 were slower (one CPU
 * costs the full systemd boot seconds), the kernel words gained nothing beyond the noise, and
 * masking units changes what the image does (reported, not applied).
 */
export const DROPPED: Variant[] = [
  { name: '-machine pc (i440fx)', qemu: ['-machine', 'pc'] },
  { name: '-smp 1', qemu: ['-smp', '1'] },
  { name: '+ systemd.mask=e2scrub_reap.service', kernelArgs: ['systemd.mask=e2scrub_reap.service'] },
  { name: '+ mitigations=off', kernelArgs: ['mitigations=off'] },
  { name: '+ 8250.nr_uarts=1', kernelArgs: ['8250.nr_uarts=1'] },
  { name: '+ tsc=reliable no_timer_check', kernelArgs: ['tsc=reliable', 'no_timer_check'] },
];

export async function qemuWrapper(ws: Workspace): Promise<string> {
  const real = await which('qemu-system-x86_64');
  if (!real) throw new Error('qemu-system-x86_64 not found');
  const dir = path.join(ws.root, 'qemu-wrapper');
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'qemu-system-x86_64');
  // Unquoted on purpose: BENCH_QEMU_EXTRA is a space-separated list of plain words set by the bench.
  await writeFile(file, `#!/bin/sh\nexec ${real} "$@" $BENCH_QEMU_EXTRA\n`);
  await chmod(file, 0o755);
  return dir;
}

export async function fastPathSection(ws: Workspace, results: Results, runs: number): Promise<void> {
  const all = process.env.BENCH_FASTPATH === 'all';
  const variants = all ? [...VARIANTS, ...DROPPED] : VARIANTS;
  const wrapper = await qemuWrapper(ws);
  const targets: { image: BenchImage; noInit: boolean; label: string; ready?: boolean }[] = [
    { image: ws.fixture, noInit: false, label: 'fixture, command exit' },
    { image: ws.debian, noInit: true, label: 'debian --no-init, command exit' },
    // The full systemd boot is slow: only with BENCH_FASTPATH=all.
    ...(all ? [{ image: ws.debian, noInit: false, label: 'debian, guest-ready', ready: true }] : []),
  ];
  for (let i = 0; i < runs; i++) {
    for (const target of targets) {
      const { command, expect } = commandFor(target.image);
      for (const v of variants) {
        const env = v.qemu ? { PATH: `${wrapper}:${process.env.PATH ?? ''}`, BENCH_QEMU_EXTRA: v.qemu.join(' ') } : {};
        const extra = (v.kernelArgs ?? []).flatMap((a) => ['--kernel-arg', a]);
        const run = await simBoot(ws, { image: target.image, accel: 'tcg', noInit: target.noInit, compressedKernel: v.compressedKernel, overlay: ws.prefix, command, expect, env, extra });
        const name = `${target.label}: ${v.name}`;
        results.add(SECTION, name, 'ms', [target.ready ? run.phases['guest-ready'] ?? Number.NaN : run.exitMs], v === variants[0] ? {} : { vs: `${target.label}: ${variants[0]!.name}` });
        // QEMU's CPU time: what TCG had to do, less disturbed by other load on the machine than wall time.
        results.add(CPU_SECTION, `${name}, QEMU CPU time`, 'ms', [run.qemuCpuMs ?? Number.NaN], v === variants[0] ? {} : { vs: `${target.label}: ${variants[0]!.name}, QEMU CPU time` });
      }
    }
  }
}
