// The shapes of docs/web-console.md. Sim events and simulators are the server's own types (type-only imports: nothing of
// src/ is bundled), so the page follows the schema when it changes.
import type { SimEvent } from '../../src/core/event-schema.js';
import type { WebSimulator } from '../../src/web/protocol.js';

export type { SimEvent };
export type SimEventOf<T extends SimEvent['type']> = Extract<SimEvent, { type: T }>;
export type ErrorEvent = SimEventOf<'error'>;
export type ResultEvent = SimEventOf<'result'>;

export type Simulator = WebSimulator;

export interface SimulatorsMessage {
  type: 'simulators';
  simulators: Simulator[];
}

/** An image for the start form; `name` is null for an image known only by its id. */
export interface ImageInfo {
  name: string | null;
  id: string;
}

/** What the server answers a bad request with (and what an `error` event carries). */
export interface Problem {
  code: string;
  message: string;
  hint?: string;
}
