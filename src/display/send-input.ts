/**
 * `sim input`: keys, text and pointer clicks for a running simulator's screen, through its
 * daemon (the `input` API op), which hands them to QEMU's monitor as the USB keyboard and tablet.
 */
import { SimError } from '../core/errors.js';
import type { SimContext } from '../core/context.js';
import { request } from '../simulators/api.js';
import { findSimulator, simulatorDir } from '../simulators/registry.js';
import { inputSteps, type InputRequest } from './input.js';
import { parseResolution } from './options.js';

export interface InputResult {
  name: string;
  /** Monitor commands and pauses run. */
  steps: number;
}

/** Send keys, text and a click to the simulator named (or the only one running). */
export async function sendInput(ctx: SimContext, name: string | undefined, input: InputRequest): Promise<InputResult> {
  const sim = await findSimulator(ctx, name);
  if (!sim.display) {
    throw new SimError('DISPLAY_UNAVAILABLE', `Simulator '${sim.name}' has no screen, so it has no keyboard or pointer to drive.`, `Stop it (sim stop ${sim.name}) and start it again with a display, e.g. sim boot --detach --display none.`);
  }
  const resolution = typeof sim.display.resolution === 'string' ? sim.display.resolution : '1280x800';
  const steps = inputSteps(input, parseResolution(resolution));
  if (!steps.length) throw new SimError('USAGE', 'There is nothing to send.', 'Give --key, --type or --click.');
  let failure: string | undefined;
  let done = false;
  await request(simulatorDir(ctx, sim.name), { op: 'input', steps }, (reply) => {
    if (reply.type === 'error') failure = reply.message;
    done = reply.type === 'input-done';
    return done || reply.type === 'error';
  });
  if (failure || !done) {
    throw new SimError('QEMU_FAILED', `QEMU did not take the input for '${sim.name}'${failure ? `: ${failure}` : ' (the simulator stopped)'}.`, 'Check that it still runs with sim ls; run again with --verbose.');
  }
  return { name: sim.name, steps: steps.length };
}
