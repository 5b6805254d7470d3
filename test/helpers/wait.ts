/** Waiting in integration tests for what a running sim process or guest does. */
import type { ResultPromise } from 'execa';
import type { SimEvent } from '../../src/core/events.js';
import { parseEvents } from './sim.js';

/** Poll `probe` until it gives a value (not undefined, false, '' or 0); fails after `ms`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, ms = 60_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${ms / 1000} s)`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** The --json events a running sim writes on stdout, validated, appended to `into` as they come. */
export function collectEvents(child: ResultPromise, into: SimEvent[]): void {
  let pending = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop()!;
    into.push(...parseEvents(lines.join('\n')));
  });
}
