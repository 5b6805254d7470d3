/**
 * Running sim's own helper scripts in a running simulator (logs, push, pull, launch, open): they
 * go through the agent like `sim exec`, but their output is collected for sim to read rather than
 * shown. The scripts are constant text run by the busybox sim brings into every guest (so they
 * work the same on any image); whatever comes from the user travels as positional parameters,
 * never spliced into the script.
 */
import type { SimContext } from '../core/context.js';
import { SimError } from '../core/errors.js';
import { request } from './api.js';
import { findSimulator, simulatorDir, type SimulatorState } from './registry.js';

/** The busybox sim's initramfs leaves in every guest (see guest/init). */
export const GUEST_BUSYBOX = '/run/sim/busybox';

export interface GuestRun {
  status: number;
  stdout: string;
  stderr: string;
}

/** `script` run by the guest's busybox sh as `sh -c script sim ...args`. */
export function guestScriptArgv(script: string, args: readonly string[]): string[] {
  return [GUEST_BUSYBOX, 'sh', '-c', script, 'sim', ...args];
}

/** Run a script in the simulator `sim`; its output collected (stdout as it comes to `onStdout` too). */
export async function runGuestScript(ctx: SimContext, sim: SimulatorState, script: string, args: readonly string[], options: { onStdout?: (data: string) => void; stdin?: Buffer } = {}): Promise<GuestRun> {
  let status: number | undefined;
  let failure: SimError | undefined;
  const out: string[] = [];
  const err: string[] = [];
  await request(simulatorDir(ctx, sim.name), { op: 'exec', argv: guestScriptArgv(script, args), ...(options.stdin ? { stdin: options.stdin.toString('base64') } : {}) }, (reply) => {
    if (reply.type === 'output' && reply.stream === 'stdout') {
      out.push(reply.data);
      options.onStdout?.(reply.data);
    }
    if (reply.type === 'output' && reply.stream === 'stderr') err.push(reply.data);
    if (reply.type === 'exit') status = reply.status;
    if (reply.type === 'error') failure = new SimError('GUEST_CRASHED', reply.message, reply.hint);
    return status !== undefined || failure !== undefined;
  });
  if (failure) throw failure;
  if (status === undefined) throw new SimError('GUEST_CRASHED', `Simulator '${sim.name}' stopped while sim worked in it.`, 'Start it again with `sim boot --detach`.');
  return { status, stdout: out.join(''), stderr: err.join('') };
}

/** The simulator named (or the only one), for a verb that works in its guest. */
export function guestOf(ctx: SimContext, name: string | undefined): Promise<SimulatorState> {
  return findSimulator(ctx, name);
}

/** The guest script's own message (its last stderr line), for an error. */
export function guestMessage(run: GuestRun): string {
  const lines = run.stderr.trim().split('\n').filter(Boolean);
  return lines.at(-1) ?? `exit status ${run.status}`;
}
