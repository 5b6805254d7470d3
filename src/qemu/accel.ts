/**
 * Which accelerator really works here. /dev/kvm can exist and still hang a normal kernel (a
 * nested hypervisor that only runs special guests), so opening it proves nothing: boot the
 * kernel under KVM with a deadline and look for it reaching its root-mount panic. The verdict
 * is cached per host kernel, QEMU version and KVM device.
 */
import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import { writeJsonAtomic } from '../core/atomic.js';
import { emit, type EventSink } from '../core/events.js';
import type { SimContext } from '../core/context.js';
import { run, spawn } from '../core/process.js';
import { ICOUNT_ENV, icountFromEnv } from './icount.js';

/**
 * Why this accelerator, as a stable code: `forced` (SIM_ACCEL), `icount` (SIM_ICOUNT: TCG
 * counts instructions, ./icount.ts), `works` (the KVM test boot
 * passed), `no-device` (no /dev/kvm), `no-access` (it exists but this user may not open it),
 * `not-probed` (no kernel to test with yet), `probe-failed` (KVM here does not boot kernels).
 */
export type AccelReasonCode = 'forced' | 'icount' | 'works' | 'no-device' | 'no-access' | 'not-probed' | 'probe-failed';

export interface AccelVerdict {
  accel: 'kvm' | 'tcg';
  code: AccelReasonCode;
  reason: string;
  /** What would make KVM usable, when the user can do something about it. */
  hint?: string;
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

/** Why /dev/kvm cannot be used by this process, or undefined when it can be opened. */
export async function kvmAccess(device = '/dev/kvm', user = userName()): Promise<{ code: AccelReasonCode; reason: string; hint?: string } | undefined> {
  try {
    await access(device, constants.R_OK | constants.W_OK);
    return undefined;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { code: 'no-device', reason: `${device} does not exist (no KVM on this host)` };
    return {
      code: 'no-access',
      reason: `${device} exists but this user may not open it`,
      hint: `join its group to use KVM: sudo usermod -aG kvm ${user}, then log in again`,
    };
  }
}

function userName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return '$USER';
  }
}

/**
 * `SIM_ACCEL=kvm|tcg` overrides, and SIM_ICOUNT asks for TCG. Otherwise KVM when /dev/kvm is
 * usable and a test boot of `kernel` under it works.
 */
export async function probeAccelerator(ctx: SimContext, options: { kernel?: string; qemu?: string; events?: EventSink } = {}): Promise<AccelVerdict> {
  const qemu = options.qemu ?? 'qemu-system-x86_64';
  const forced = ctx.env.SIM_ACCEL;
  // (A SIM_ACCEL=kvm beside it is refused by the plan, with a hint.)
  if (icountFromEnv(ctx.env) !== undefined && forced !== 'kvm') return { accel: 'tcg', code: 'icount', reason: `${ICOUNT_ENV} counts emulated instructions, which only TCG does`, cached: false };
  if (forced === 'kvm' || forced === 'tcg') return { accel: forced, code: 'forced', reason: 'set by SIM_ACCEL', cached: false };
  const denied = await kvmAccess();
  if (denied) {
    // Checked before the cache: group membership changes without the host key changing.
    if (denied.hint) emit(options.events, { type: 'log', level: 'debug', message: `${denied.reason}; ${denied.hint}` });
    return { accel: 'tcg', ...denied, cached: false };
  }
  const key = await hostKey(qemu);
  const cacheFile = ctx.accelCache;
  const cached = await readFile(cacheFile, 'utf8').then((t) => JSON.parse(t) as { key: string; accel: 'kvm' | 'tcg'; code?: AccelReasonCode; reason: string }, () => undefined);
  if (cached && cached.key === key) {
    // Verdicts cached before reason codes existed: only the test boot is ever cached.
    const code = cached.code ?? (cached.accel === 'kvm' ? 'works' : 'probe-failed');
    return { accel: cached.accel, code, reason: cached.reason, cached: true };
  }
  if (!options.kernel) return { accel: 'tcg', code: 'not-probed', reason: 'KVM has not been probed yet (no kernel to test with)', cached: false };

  emit(options.events, { type: 'progress', task: 'accel-probe', message: 'checking whether KVM really works here (once per host)' });
  const result = await bootProbe(qemu, options.kernel);
  const verdict = { accel: result.ok ? ('kvm' as const) : ('tcg' as const), code: result.ok ? ('works' as const) : ('probe-failed' as const), reason: result.reason };
  await writeJsonAtomic(cacheFile, { key, ...verdict, probedAt: new Date().toISOString() });
  emit(options.events, { type: 'progress', task: 'accel-probe', message: result.ok ? 'KVM works here' : 'KVM does not work here', done: true });
  return { ...verdict, cached: false };
}
