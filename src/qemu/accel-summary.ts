/**
 * The accelerator as one short, stable line for every boot. The probe's details (QEMU's own
 * words) belong to `sim doctor` and --verbose: repeated on each boot they alarm and do not help.
 */
import type { AccelStatus, AccelVerdict } from './accel.js';

/** Why a boot runs under TCG, per status; `sim doctor` has the details. */
const WHY_TCG: Record<Exclude<AccelStatus, 'forced' | 'works'>, string> = {
  unavailable: 'KVM is not available here (/dev/kvm is missing or not accessible)',
  broken: 'KVM does not work on this host',
  unprobed: 'KVM has not been tested here yet',
};

/** "accelerator: tcg — KVM does not work on this host; `sim doctor` says why". Pure. */
export function accelLine(verdict: Pick<AccelVerdict, 'accel' | 'status'>): string {
  if (verdict.status === 'forced') return `accelerator: ${verdict.accel} (SIM_ACCEL)`;
  if (verdict.status === 'works' || verdict.accel === 'kvm') return `accelerator: ${verdict.accel}`;
  return `accelerator: tcg — ${WHY_TCG[verdict.status]}; \`sim doctor\` says why`;
}

/** The details, for --verbose. Pure. */
export function accelDetails(verdict: Pick<AccelVerdict, 'reason' | 'cached'>): string {
  return `accelerator probe: ${verdict.reason}${verdict.cached ? ' (cached verdict; remove accel.json from the cache to probe again)' : ''}`;
}
