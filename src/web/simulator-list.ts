/**
 * The running simulators as the page sees them, and a feed that tells every open page when the
 * list changes (a simulator appears, becomes ready, stops). The registry is a directory of state
 * files written by other processes, so the feed polls it, twice a second while anyone listens.
 */
import type { SimContext } from '../core/context.js';
import { listSimulators, type SimulatorState } from '../simulators/registry.js';

import type { WebSimulator } from './protocol.js';

export type { WebSimulator };

/** The state file's fields the page needs. Pure. */
export function webSimulator(state: SimulatorState): WebSimulator {
  const display = state.display;
  const size = typeof display?.resolution === 'string' ? /^(\d+)x(\d+)$/.exec(display.resolution) : null;
  const screen = display?.vnc && size ? { width: Number(size[1]), height: Number(size[2]) } : null;
  return {
    name: state.name,
    status: state.status,
    image: state.image,
    overlay: state.overlay,
    project: state.project ?? null,
    accel: state.accel,
    startedAt: state.startedAt,
    ...(state.readyMs === undefined ? {} : { readyMs: state.readyMs }),
    screen,
  };
}

export async function webSimulators(ctx: SimContext): Promise<WebSimulator[]> {
  return (await listSimulators(ctx)).map(webSimulator);
}

const POLL_MS = 500;

export class SimulatorFeed {
  private readonly listeners = new Set<(list: WebSimulator[]) => void>();
  private last = '';
  private current: WebSimulator[] = [];
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(private readonly ctx: SimContext) {}

  /** Calls `listener` with the list now and at each change; returns the unsubscribe. */
  subscribe(listener: (list: WebSimulator[]) => void): () => void {
    this.listeners.add(listener);
    if (this.last) listener(this.current);
    if (!this.timer) {
      this.timer = setInterval(() => void this.poll(), POLL_MS);
      void this.poll();
    }
    return () => {
      this.listeners.delete(listener);
      if (!this.listeners.size) this.stop();
    };
  }

  /** Look now (after an action that changes the list). */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const list = await webSimulators(this.ctx).catch(() => undefined);
      if (!list) return;
      const text = JSON.stringify(list);
      if (text === this.last) return;
      this.last = text;
      this.current = list;
      for (const listener of this.listeners) listener(list);
    } finally {
      this.polling = false;
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.last = '';
  }
}
