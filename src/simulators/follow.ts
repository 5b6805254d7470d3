/**
 * Following a detached simulator's console: what an IDE's Run panel shows while the simulator
 * lives on its own. Read-only (`sim console` is the one to type into); ending the follower, even
 * by SIGKILL, only closes its socket: the simulator's daemon owns QEMU and keeps running.
 */
import type { SimContext } from '../core/context.js';
import { emit, type EventSink } from '../core/events.js';
import { lineSplitter } from '../qemu/channel.js';
import { openConsole } from './api.js';
import { findSimulator, simulatorDir } from './registry.js';

export interface FollowOptions {
  events?: EventSink;
  signal?: AbortSignal;
  /** Raw console bytes (human output); without it each line is a `console` event. */
  write?: (chunk: Buffer) => void;
}

/** Resolves when the simulator stops or `signal` aborts; the simulator is never touched. */
export async function followConsole(ctx: SimContext, name: string | undefined, options: FollowOptions = {}): Promise<'stopped' | 'interrupted'> {
  const sim = await findSimulator(ctx, name);
  const socket = await openConsole(simulatorDir(ctx, sim.name));
  emit(options.events, { type: 'log', level: 'info', message: `following ${sim.name}'s console; stopping this leaves it running (\`sim stop ${sim.name}\` ends it)` });
  const lines = lineSplitter((line) => emit(options.events, { type: 'console', line }));
  socket.on('data', (chunk: Buffer) => (options.write ? options.write(chunk) : lines.push(chunk)));
  let interrupted = false;
  const onAbort = () => {
    interrupted = true;
    socket.destroy();
  };
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  await new Promise<void>((resolve) => socket.on('close', () => resolve()));
  options.signal?.removeEventListener('abort', onAbort);
  lines.flush();
  if (!interrupted) emit(options.events, { type: 'log', level: 'info', message: `${sim.name} stopped` });
  return interrupted ? 'interrupted' : 'stopped';
}
