/**
 * Typed progress events. Every long operation reports through an EventSink; the CLI renders
 * them for a person (stderr) or as NDJSON (stdout, one object per line, `--json`).
 * Their zod schema, exported so that IDEs can validate the stream, lives in event-schema.ts:
 * emitting needs only the type, and zod costs every `sim` start tens of milliseconds to load.
 */
import type { SimEvent } from './event-schema.js';

export const phaseNames = [
  'image-ready',
  'initramfs-ready',
  'session-ready',
  'snapshot-saved',
  'qemu-started',
  'snapshot-resumed',
  'overlay-mounted',
  'guest-ready',
  'command-started',
  'guest-stopped',
] as const;

export type { SimEvent };
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type SimEventInput = DistributiveOmit<SimEvent, 'time'>;
export type EventSink = (event: SimEvent) => void;

/** Stamp and deliver an event. */
export function emit(sink: EventSink | undefined, event: SimEventInput): void {
  sink?.({ ...event, time: new Date().toISOString() });
}

export const silentSink: EventSink = () => undefined;

/** A stopwatch for `phase` events: ms since start. */
export function stopwatch(): () => number {
  const start = performance.now();
  return () => Math.round(performance.now() - start);
}
