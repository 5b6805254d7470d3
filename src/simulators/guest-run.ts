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
import { simulatorDir, type SimulatorState } from './registry.js';

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

/**
 * One `exec` request to the simulator's daemon: its output to `onOutput` as it comes, its exit
 * status returned (`sim exec`, and each of sim's own scripts).
 */
export async function execInGuest(ctx: SimContext, sim: SimulatorState, argv: readonly string[], options: ExecOptions = {}): Promise<number> {
  return execAt(simulatorDir(ctx, sim.name), `Simulator '${sim.name}'`, argv, { ...options, hint: 'Start it again with `sim boot --detach`.' });
}

export interface ExecOptions {
  stdin?: Buffer;
  onOutput?: (stream: 'stdout' | 'stderr', data: string) => void;
  /** Ends the command in the guest, with what it started (the request is hung up: ExecQueue cancels it). */
  signal?: AbortSignal;
}

/** One `exec` request to whatever answers on `dir`'s api.sock (a simulator's daemon, a foreground boot's launcher); `what` names it in errors. */
export async function execAt(dir: string, what: string, argv: readonly string[], options: ExecOptions & { hint: string }): Promise<number> {
  let status: number | undefined;
  let failure: SimError | undefined;
  await request(
    dir,
    { op: 'exec', argv: [...argv], ...(options.stdin ? { stdin: options.stdin.toString('base64') } : {}) },
    (reply) => {
      if (reply.type === 'output') options.onOutput?.(reply.stream, reply.data);
      if (reply.type === 'exit') status = reply.status;
      if (reply.type === 'error') failure = new SimError('GUEST_CRASHED', reply.message, reply.hint);
      return status !== undefined || failure !== undefined;
    },
    options.signal,
  );
  if (failure) throw failure;
  if (status === undefined && options.signal?.aborted) throw new SimError('INTERRUPTED', `The command in ${what} was interrupted.`, 'It was ended in the guest, with the processes it started.');
  if (status === undefined) throw new SimError('GUEST_CRASHED', `${what} stopped while the command ran.`, options.hint);
  return status;
}

/** Run a script in the simulator `sim`; its output collected. */
export async function runGuestScript(ctx: SimContext, sim: SimulatorState, script: string, args: readonly string[], options: { stdin?: Buffer } = {}): Promise<GuestRun> {
  const out: string[] = [];
  const err: string[] = [];
  const status = await execInGuest(ctx, sim, guestScriptArgv(script, args), { stdin: options.stdin, onOutput: (stream, data) => (stream === 'stdout' ? out : err).push(data) });
  return { status, stdout: out.join(''), stderr: err.join('') };
}

/** The guest script's own message (its last stderr line), for an error. */
export function guestMessage(run: GuestRun): string {
  const lines = run.stderr.trim().split('\n').filter(Boolean);
  return lines.at(-1) ?? `exit status ${run.status}`;
}
