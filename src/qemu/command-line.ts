import type { BootPlan } from '../plan.js';
import { which } from '../process.js';
import { qemuArgs } from './args.js';

/**
 * The program and arguments that start QEMU for a plan. setpriv's parent-death signal ties
 * QEMU's life to the process that starts it (the launcher, or a simulator's daemon), even
 * through SIGKILL.
 */
export async function qemuCommandLine(plan: BootPlan): Promise<[string, string[]]> {
  const args = qemuArgs(plan);
  const setpriv = await which('setpriv');
  return setpriv ? [setpriv, ['--pdeathsig', 'KILL', '--', plan.qemuBinary, ...args]] : [plan.qemuBinary, args];
}
