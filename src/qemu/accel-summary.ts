/**
 * The accelerator as one short, stable line for every boot. The probe's details (QEMU's own
 * words) belong to `sim doctor` and --verbose: repeated on each boot they alarm and do not help.
 */
import type { AccelReasonCode, AccelVerdict } from './accel.js';

/** Why a boot runs under TCG, per reason code; `sim doctor` has the details. */
const WHY_TCG: Record<Exclude<AccelReasonCode, 'forced' | 'icount' | 'works'>, string> = {
  'no-device': 'this host has no KVM (/dev/kvm is missing)',
  'no-access': 'you may not open /dev/kvm',
  'probe-failed': 'KVM does not work on this host',
  'not-probed': 'KVM has not been tested here yet',
};

/** "accelerator: tcg — KVM does not work on this host; `sim doctor` says why". Pure. */
export function accelLine(verdict: Pick<AccelVerdict, 'accel' | 'code'>): string {
  if (verdict.code === 'forced') return `accelerator: ${verdict.accel} (SIM_ACCEL)`;
  if (verdict.code === 'icount') return "accelerator: tcg, the guest's time counted in instructions (SIM_ICOUNT)";
  if (verdict.code === 'works' || verdict.accel === 'kvm') return `accelerator: ${verdict.accel}`;
  return `accelerator: tcg — ${WHY_TCG[verdict.code]}; \`sim doctor\` says why`;
}

/** The details, for --verbose. Pure. */
export function accelDetails(verdict: Pick<AccelVerdict, 'reason' | 'cached'>): string {
  return `accelerator probe: ${verdict.reason}${verdict.cached ? ' (cached verdict; remove accel.json from the cache to probe again)' : ''}`;
}
