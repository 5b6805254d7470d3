/**
 * Boot to guest-ready and to a guest command's exit: sim (image's init, and direct mode) against
 * the hand-written baseline, for the fixture image and the default Debian image, under TCG and
 * (where the probe says it works) KVM. Every run interleaves the variants, so that load on the
 * machine hits them alike.
 */
import { runBaseline } from '../lib/baseline.js';
import { runSim, type SimRun } from '../lib/proc.js';
import type { Results } from '../lib/results.js';
import type { BenchImage, Workspace } from '../lib/workspace.js';

const SECTION = 'boot';
export const LAUNCHER = 'launcher';

export interface SimBootSpec {
  image: BenchImage;
  accel: 'tcg' | 'kvm';
  noInit?: boolean;
  compressedKernel?: boolean;
  overlay?: string;
  command: string[];
  /** Extra sim boot arguments (e.g. --kernel-arg). */
  extra?: string[];
  /** Extra environment (e.g. PATH with a QEMU wrapper first). */
  env?: NodeJS.ProcessEnv;
  expect?: RegExp;
}

/** One sim boot; throws with the tail of the output when the command did not succeed. */
export async function simBoot(ws: Workspace, spec: SimBootSpec): Promise<SimRun> {
  const args = ['--image', spec.image.ref];
  if (spec.overlay) args.push('--overlay', spec.overlay);
  if (spec.noInit) args.push('--no-init');
  if (spec.compressedKernel) args.push('--compressed-kernel');
  args.push(...(spec.extra ?? []), '--', ...spec.command);
  const run = await runSim(args, { ...ws.env, ...spec.env, SIM_ACCEL: spec.accel });
  if (run.exitCode !== 0 || (spec.expect && !spec.expect.test(run.stdout))) {
    throw new Error(`sim boot ${args.join(' ')} failed (exit ${run.exitCode}): ${(run.stdout + run.stderr).trim().split('\n').slice(-8).join('\n')}`);
  }
  return run;
}

export function commandFor(image: BenchImage): { command: string[]; expect: RegExp; baseline: string } {
  return image.label === 'fixture'
    ? { command: ['demo-app'], expect: /libdemo version 2/, baseline: 'demo-app' }
    : { command: ['sim-hello'], expect: /hello from the overlay/, baseline: 'uname -r' };
}

export async function bootSection(ws: Workspace, results: Results, runs: number, initrd: string | undefined, accels: ('tcg' | 'kvm')[]): Promise<void> {
  for (let i = 0; i < runs; i++) {
    for (const accel of accels) {
      for (const image of [ws.fixture, ws.debian]) {
        const p = `${image.label} ${accel}`;
        const { command, expect, baseline } = commandFor(image);
        // Cold boots (the image's init from the start), as the baseline boots; quick boot is its own section.
        const base = { image, accel, overlay: ws.prefix, command, expect, extra: ['--cold'] };

        const full = await simBoot(ws, base);
        results.add(SECTION, `${p}: sim guest-ready`, 'ms', [full.phases['guest-ready'] ?? Number.NaN], initrd ? { vs: `${p}: baseline ready (prompt)` } : {});
        results.add(SECTION, `${p}: sim command exit`, 'ms', [full.exitMs], initrd ? { vs: `${p}: baseline command exit` } : {});
        recordLauncher(results, image.label, accel, full);

        const direct = await simBoot(ws, { ...base, noInit: true, extra: [] });
        results.add(SECTION, `${p}: sim --no-init command exit`, 'ms', [direct.exitMs], initrd ? { vs: `${p}: baseline command exit` } : {});
        recordLauncher(results, `${image.label} --no-init`, accel, direct);

        if (initrd) {
          const b = await runBaseline({ image, initrd, accel, command: baseline });
          if (b.timedOut || b.marks.command === undefined) {
            results.note(`baseline ${p} run ${i + 1} did not finish (QEMU exit ${b.exitCode}${b.timedOut ? ', timed out' : ''}, seen: ${Object.keys(b.marks).join(' ') || 'nothing'}): ${b.output.slice(-300).replace(/\s+/g, ' ')}`);
          } else {
            results.add(SECTION, `${p}: baseline ready (prompt)`, 'ms', [b.marks.ready ?? Number.NaN]);
            results.add(SECTION, `${p}: baseline command exit`, 'ms', [b.exitMs]);
            if (b.qemuPeakKiB) results.add(LAUNCHER, `QEMU peak RSS, ${image.label} baseline ${accel}`, 'KiB', [b.qemuPeakKiB]);
          }
        }
      }
    }
  }
}

/** Launcher figures from a boot run: invocation -> qemu-started, and peak memory. */
export function recordLauncher(results: Results, label: string, accel: string, run: SimRun): void {
  results.add(LAUNCHER, `invocation -> qemu-started (${label} ${accel})`, 'ms', [run.phases['qemu-started'] ?? Number.NaN]);
  if (run.launcherPeakKiB) results.add(LAUNCHER, `launcher peak RSS (${label} ${accel})`, 'KiB', [run.launcherPeakKiB]);
  if (run.qemuPeakKiB) results.add(LAUNCHER, `QEMU peak RSS (${label} ${accel})`, 'KiB', [run.qemuPeakKiB]);
}
