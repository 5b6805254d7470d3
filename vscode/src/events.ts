/**
 * The shapes of sim's NDJSON events that the extension reads (the root's
 * src/core/event-schema.ts is the source of truth; copied as types so that the extension does
 * not bundle sim itself). Unknown fields are kept, unknown types ignored.
 */
export interface Simulator {
  name: string;
  status: 'starting' | 'running';
  image: string;
  imageId?: string;
  overlay: string | null;
  pid?: number;
  accel?: 'kvm' | 'tcg';
  startedAt?: string;
  readyMs?: number;
  project?: string | null;
}

export interface JournalEntry {
  message: string;
  priority?: number;
  identifier?: string;
  pid?: number;
  /** The systemd unit it came from. */
  unit?: string;
  timestamp?: string;
}

export type ErrorEvent = { type: 'error'; code: string; message: string; hint: string; details?: string[] };
export type ResultEvent = { type: 'result'; exitCode: number; data?: Record<string, unknown> };

export type SimEvent = { time?: string } & (
  | { type: 'phase'; phase: string; ms: number; detail?: Record<string, unknown> }
  | { type: 'progress'; task: string; message: string; done?: boolean; bytes?: { done: number; total?: number } }
  | { type: 'log'; level: 'debug' | 'info' | 'warn'; message: string }
  | { type: 'console'; line: string }
  | { type: 'output'; stream: 'stdout' | 'stderr'; data: string }
  | { type: 'trigger'; name: string; status: 'ok' | 'failed' | 'missing'; ms?: number; tool?: string }
  | { type: 'build-output'; module: string; line: string }
  | ErrorEvent
  | { type: 'web-console'; url: string; port: number }
  | ResultEvent
  | { type: 'simulators'; simulators: Simulator[] }
  | { type: 'simulator-change'; change: 'appeared' | 'ready' | 'stopped'; name: string; simulators: Simulator[] }
  | ({ type: 'simulator' } & Simulator)
  | { type: 'journal'; entry: JournalEntry }
);

/** A parsed NDJSON line as an event: an object with a string `type`, else undefined. */
export function asEvent(value: unknown): SimEvent | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return typeof (value as { type?: unknown }).type === 'string' ? (value as SimEvent) : undefined;
}
