/**
 * Which accelerator really works here. /dev/kvm can exist and still hang a normal kernel (a
 * nested hypervisor that only runs special guests), so opening it proves nothing: boot the
 * kernel under KVM with a deadline and look for it reaching its root-mount panic. The verdict
 * is cached per host kernel, QEMU version and KVM device.
 */
import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeJsonAtomic } from '../cache/atomic.js';
import { emit, type EventSink } from '../events.js';
import { cacheDir } from '../paths.js';
import { run, spawn } from '../process.js';

/**
 * Why this accelerator, in one word: `forced` by SIM_ACCEL, KVM `works`, KVM is `unavailable`
 * (no usable /dev/kvm), KVM is `broken` (the test boot failed), or `unprobed` (nothing to test with).
 */
export type AccelStatus = 'forced' | 'works' | 'unavailable' | 'broken' | 'unprobed';

export interface AccelVerdict {
  accel: 'kvm' | 'tcg';
  status: AccelStatus;
  /** The probe's details, for `sim doctor` and --verbose. */
  reason: string;
  cached: boolean;
}

const PROBE_DEADLINE_MS = 10_000;

async function hostKey(qemu: string): Promise<string | undefined> {
  const kvm = await stat('/dev/kvm').catch(() => undefined);
  if (!kvm) return undefined;
  const version = (await run(qemu, ['--version'])).stdout.split('\n')[0] ?? '';
  return JSON.stringify([os.release(), version, kvm.rdev, kvm.ino]);
}

/** Boot `kernel` under KVM without a root disk: a working KVM reaches the kernel's panic fast. */
async function bootProbe(qemu: string, kernel: string): Promise<{ ok: boolean; reason: string }> {
  const child = spawn(qemu, ['-nodefaults', '-no-user-config', '-display', 'none', '-machine', 'q35', '-accel', 'kvm', '-cpu', 'host', '-m', '256M', '-serial', 'stdio', '-no-reboot', '-kernel', kernel, '-append', 'console=ttyS0 panic=-1'], {
    reject: false,
    timeout: PROBE_DEADLINE_MS,
    all: true,
  });
  let output = '';
  const reached = new Promise<boolean>((resolve) => {
    child.all?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (/Kernel panic|VFS: Unable to mount root|Run \/init/.test(output)) resolve(true);
    });
    void child.then(() => resolve(false));
  });
  const ok = await reached;
  child.kill('SIGKILL');
  const result = await child;
  if (ok) return { ok: true, reason: 'a test boot under KVM reached the kernel' };
  const last = output.trim().split('\n').pop() ?? '';
  if (result.timedOut || !last) return { ok: false, reason: `a test boot under KVM made no progress within ${PROBE_DEADLINE_MS / 1000} s (KVM here does not run normal kernels)` };
  return { ok: false, reason: `QEMU could not boot under KVM: ${last}` };
}

/**
 * `SIM_ACCEL=kvm|tcg` overrides. Otherwise KVM when /dev/kvm is usable and a test boot of
 * `kernel` under it works.
 */
export async function probeAccelerator(options: { env?: NodeJS.ProcessEnv; kernel?: string; qemu?: string; events?: EventSink } = {}): Promise<AccelVerdict> {
  const env = options.env ?? process.env;
  const qemu = options.qemu ?? 'qemu-system-x86_64';
  const forced = env.SIM_ACCEL;
  if (forced === 'kvm' || forced === 'tcg') return { accel: forced, status: 'forced', reason: 'set by SIM_ACCEL', cached: false };
  try {
    await access('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    return { accel: 'tcg', status: 'unavailable', reason: '/dev/kvm is missing or not accessible', cached: false };
  }
  const key = await hostKey(qemu);
  const cacheFile = path.join(cacheDir(env), 'accel.json');
  const cached = await readFile(cacheFile, 'utf8').then((t) => JSON.parse(t) as { key: string; accel: 'kvm' | 'tcg'; reason: string }, () => undefined);
  if (cached && cached.key === key) return { accel: cached.accel, status: cached.accel === 'kvm' ? 'works' : 'broken', reason: cached.reason, cached: true };
  if (!options.kernel) return { accel: 'tcg', status: 'unprobed', reason: 'KVM has not been probed yet (no kernel to test with)', cached: false };

  emit(options.events, { type: 'progress', task: 'accel-probe', message: 'checking whether KVM really works here (once per host)' });
  const result = await bootProbe(qemu, options.kernel);
  const verdict = { accel: result.ok ? ('kvm' as const) : ('tcg' as const), reason: result.reason };
  await writeJsonAtomic(cacheFile, { key, ...verdict, probedAt: new Date().toISOString() });
  emit(options.events, { type: 'progress', task: 'accel-probe', message: result.ok ? 'KVM works here' : 'KVM does not work here', done: true });
  return { ...verdict, status: result.ok ? 'works' : 'broken', cached: false };
}
