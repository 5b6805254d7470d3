import type { BootPlan } from '../boot/plan.js';
import { missingTool, tiedToParent, which } from '../core/process.js';
import { qemuArgs } from './args.js';

/**
 * The program and arguments that start QEMU for a plan. setpriv's parent-death signal ties
 * QEMU's life to the process that starts it (the launcher, or a simulator's daemon), even
 * through SIGKILL.
 */
export async function qemuCommandLine(plan: BootPlan): Promise<[string, string[]]> {
  const args = qemuArgs(plan);
  // Resolved here, not by setpriv: a missing QEMU must be TOOL_MISSING, not a QEMU failure.
  const qemu = plan.qemuBinary.includes('/') ? plan.qemuBinary : await which(plan.qemuBinary);
  if (!qemu) throw missingTool(plan.qemuBinary);
  return tiedToParent(qemu, args);
}
