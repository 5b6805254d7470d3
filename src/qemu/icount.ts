/**
 * Instruction-counted time (QEMU's -icount), for measurements. The guest's clock advances 2^shift
 * ns per instruction and skips the time it idles (sleep=off), so a timing taken in the guest
 * counts the work done, not how fast this host ran TCG at that moment: under TCG the same start
 * of a program varies by 10% and more from one run to the next, instruction-counted by under 1%.
 * TCG only, and one CPU: under QEMU 7.2 a guest with two hangs at SMP bring-up. Set by SIM_ICOUNT.
 */
import { SimError } from '../core/errors.js';

export const ICOUNT_ENV = 'SIM_ICOUNT';
const MAX_SHIFT = 10;

/** The shift SIM_ICOUNT asks for, or undefined when it is unset. Pure over `env`. */
export function icountFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const value = env[ICOUNT_ENV];
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,2}$/.test(value) || Number(value) > MAX_SHIFT) {
    throw new SimError('USAGE', `${ICOUNT_ENV} takes a shift from 0 to ${MAX_SHIFT} (2^shift ns of guest time per instruction), not '${value}'.`, `Unset it, or set e.g. ${ICOUNT_ENV}=3 (8 ns per instruction).`);
  }
  return Number(value);
}

/** Why a boot cannot count instructions, or undefined when it can. Pure. */
export function icountRefusal(accel: 'kvm' | 'tcg', cpus: number): SimError | undefined {
  if (accel !== 'tcg') return new SimError('USAGE', `${ICOUNT_ENV} counts emulated instructions, which only TCG does; this boot runs under ${accel}.`, `Unset SIM_ACCEL=${accel}, or unset ${ICOUNT_ENV}.`);
  if (cpus !== 1) return new SimError('USAGE', `${ICOUNT_ENV} needs a guest with one CPU (with more, QEMU hangs it at start-up); this boot asks for ${cpus}.`, `Boot with --cpus 1, or unset ${ICOUNT_ENV}.`);
  return undefined;
}

/** QEMU's options for it. */
export function icountArgs(shift: number): string[] {
  return ['-icount', `shift=${shift},sleep=off`];
}
