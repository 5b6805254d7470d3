/** A spawner whose children are driven by the test: it writes their stdout and ends them. */
import { EventEmitter } from 'node:events';
import type { ChildLike, Spawner } from '../src/sim-process';

export class FakeChild extends EventEmitter implements ChildLike {
  readonly stdout = new EventEmitter();
  readonly stderr = new EventEmitter();
  killed: NodeJS.Signals | undefined;
  closed = false;

  constructor(
    readonly command: string,
    readonly args: readonly string[],
    readonly cwd: string | undefined,
  ) {
    super();
  }

  /** Writes events as NDJSON, in one chunk. */
  emitEvents(...events: object[]): void {
    this.stdout.emit('data', Buffer.from(events.map((e) => `${JSON.stringify({ time: '2026-12-03T18:00:00.000Z', ...e })}\n`).join('')));
  }

  exit(code: number | null, signal: NodeJS.Signals | null = null): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close', code, signal);
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    this.killed = signal;
    // A child that is killed closes soon after, as a real one does.
    queueMicrotask(() => this.exit(null, signal));
    return true;
  }
}

export function createFakeSpawner() {
  const children: FakeChild[] = [];
  const spawner: Spawner = (command, args, options) => {
    const child = new FakeChild(command, args, options.cwd);
    children.push(child);
    return child;
  };
  /** The newest child whose arguments start with these words. */
  const find = (...words: string[]) => [...children].reverse().find((c) => words.every((w, i) => c.args[i] === w));
  return { spawner, children, find };
}

/** Lets pending promise callbacks and microtasks run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** Waits for a value to appear (a child spawned after real I/O), failing after a while. */
export async function waitFor<T>(probe: () => T | undefined, what: string, ms = 2000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
