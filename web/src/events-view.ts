// The Events tab: the selected simulator's events as rows (boot phases, logs, progress, build
// output, errors), and the strip of boot phases above the screen. Console lines are left to the
// Console tab. Rows are capped, and added once per frame so a fast build does not stall the page.
import { simPath, wsUrl } from './api.js';
import { formatBytes, formatMs, h } from './dom.js';
import type { Connection } from './sim-link.js';
import type { SimEvent, SimEventOf } from './types.js';

const MAX_ROWS = 2000;
// Events come twice when this page started the action (its answer, and the events socket) and
// again when the socket reconnects (the history first): the same event is shown once.
const MAX_REMEMBERED = 4000;
const ANSI_ESCAPE = /\x1b\[[0-9;?]*[ -/]*[@-~]/g; // eslint-disable-line no-control-regex

export class EventsView {
  private readonly seen = new Set<string>();
  private readonly seenOrder: string[] = [];
  private pending = document.createDocumentFragment();
  private flushScheduled = false;
  // A transfer repeats its progress message with new byte counts: one row per task, updated.
  private readonly progressRows = new Map<string, { message: string; row: HTMLLIElement }>();
  private phaseNames = new Set<string>();
  // Kept at the newest row unless the user scrolled up to read.
  private follow = true;

  constructor(
    private readonly list: HTMLOListElement,
    private readonly phases: HTMLOListElement,
    private readonly onAttention: (level: 'error' | 'warn') => void,
  ) {
    list.addEventListener('scroll', () => {
      // A hidden tab has no height: its scroll position says nothing.
      if (list.clientHeight > 0) this.follow = list.scrollTop + list.clientHeight >= list.scrollHeight - 24;
    });
  }

  /** The tab was shown: back to the newest row if following. */
  reveal(): void {
    if (this.follow) this.list.scrollTop = this.list.scrollHeight;
  }

  /** The simulator's events socket: its history first, then live (actions from any page included). */
  open(name: string): Connection {
    const socket = new WebSocket(wsUrl(simPath('ws', name, 'events')));
    socket.addEventListener('message', (message) => {
      if (typeof message.data !== 'string') return;
      for (const line of message.data.split('\n')) {
        const event = parseEvent(line);
        if (event) this.add(event);
      }
    });
    return { socket, close: () => socket.close() };
  }

  /** Show an event (once, however often it comes). */
  add(event: SimEvent): void {
    if (event.type === 'console') return;
    const key = JSON.stringify(event);
    if (this.seen.has(key)) return;
    this.remember(key);
    if (event.type === 'phase') this.addPhase(event);
    if (event.type === 'error') this.onAttention('error');
    if (event.type === 'log' && event.level === 'warn') this.onAttention('warn');
    if (event.type === 'progress' && this.updateProgress(event)) return;
    const row = this.row(event);
    if (event.type === 'progress') this.progressRows.set(event.task, { message: event.message, row });
    this.append(row);
  }

  /** A line between sessions ("glib stopped", "glib started (10:42:07)"). */
  divider(text: string): void {
    this.append(h('li', { class: 'event event-divider' }, text));
  }

  /** Empty the rows (the remembered events stay: a reconnect's history does not bring them back). */
  clearRows(): void {
    this.pending = document.createDocumentFragment();
    this.list.replaceChildren();
    this.progressRows.clear();
  }

  /** Forget everything: another simulator is shown. */
  reset(): void {
    this.clearRows();
    this.follow = true;
    this.seen.clear();
    this.seenOrder.length = 0;
    this.phaseNames.clear();
    this.phases.replaceChildren();
  }

  private remember(key: string): void {
    this.seen.add(key);
    this.seenOrder.push(key);
    if (this.seenOrder.length > MAX_REMEMBERED) this.seen.delete(this.seenOrder.shift()!);
  }

  private addPhase(event: SimEventOf<'phase'>): void {
    // A phase seen before in this strip, or any after the guest stopped, is the next boot (a
    // reboot, a restart): a new strip.
    if (this.phaseNames.has(event.phase) || this.phaseNames.has('guest-stopped')) {
      this.phaseNames.clear();
      this.phases.replaceChildren();
    }
    this.phaseNames.add(event.phase);
    this.phases.append(h('li', { class: 'phase', 'data-phase': event.phase, title: `${event.phase} at ${formatMs(event.ms)} (${timeOf(event.time)})` },
      h('span', { class: 'phase-name' }, event.phase),
      h('span', { class: 'phase-ms' }, formatMs(event.ms)),
    ));
  }

  private updateProgress(event: SimEventOf<'progress'>): boolean {
    const shown = this.progressRows.get(event.task);
    if (!shown || shown.message !== event.message || !(shown.row.isConnected || shown.row.parentNode === this.pending)) return false;
    const replacement = this.row(event);
    shown.row.replaceWith(replacement);
    shown.row = replacement;
    return true;
  }

  private append(row: HTMLLIElement): void {
    this.pending.append(row);
    // A background tab gets no animation frames: the rows waiting for one are capped too.
    if (this.pending.childElementCount > MAX_ROWS) this.pending.firstElementChild?.remove();
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    requestAnimationFrame(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    this.list.append(this.pending);
    this.pending = document.createDocumentFragment();
    let excess = this.list.childElementCount - MAX_ROWS;
    while (excess-- > 0) this.list.firstElementChild?.remove();
    if (this.follow) this.list.scrollTop = this.list.scrollHeight;
  }

  private row(event: SimEvent): HTMLLIElement {
    const [kind, text, extra] = describe(event);
    const level = event.type === 'log' ? event.level : event.type === 'output' ? event.stream : event.type === 'result' ? (event.exitCode === 0 ? 'ok' : 'failed') : event.type === 'trigger' ? event.status : undefined;
    return h('li', { class: `event event-${event.type}`, 'data-type': event.type, 'data-level': level },
      h('time', { class: 'event-time', datetime: event.time }, timeOf(event.time)),
      h('span', { class: 'event-kind' }, kind),
      h('span', { class: 'event-text' }, text, ...(extra ?? [])),
    );
  }
}

/** Kind label, main text and extra lines of an event row. */
function describe(event: SimEvent): [string, string, Node[]?] {
  switch (event.type) {
    case 'phase':
      return ['phase', `${event.phase} · ${formatMs(event.ms)}`];
    case 'progress': {
      const bytes = event.bytes ? ` (${formatBytes(event.bytes.done)}${event.bytes.total ? ` of ${formatBytes(event.bytes.total)}` : ''})` : '';
      return [event.task, `${event.message}${bytes}${event.done ? ' ✓' : ''}`];
    }
    case 'log':
      return [event.level, event.message];
    case 'output':
      return [event.stream, stripAnsi(event.data).replace(/\n$/, '')];
    case 'build-output':
      return [event.module, stripAnsi(event.line)];
    case 'trigger':
      return ['trigger', `${event.name}: ${event.status}${event.ms !== undefined ? ` · ${formatMs(event.ms)}` : ''}${event.tool ? ` (${event.tool} is missing)` : ''}`];
    case 'error':
      return ['error', `${event.code}: ${event.message}`, [
        ...(event.hint ? [h('span', { class: 'event-hint' }, event.hint)] : []),
        ...(event.details ?? []).map((detail) => h('span', { class: 'event-detail' }, detail)),
      ]];
    case 'result':
      return ['result', event.exitCode === 0 ? 'done' : `failed (exit code ${event.exitCode})`];
    case 'console':
      return ['console', event.line];
    default:
      // An event type newer than this page: shown raw rather than lost.
      return [(event as { type: string }).type, JSON.stringify(event)];
  }
}

function parseEvent(line: string): SimEvent | undefined {
  if (!line.trim()) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && typeof (value as SimEvent).type === 'string' ? (value as SimEvent) : undefined;
  } catch {
    return undefined; // Not JSON: not an event.
  }
}

function stripAnsi(text: string): string {
  return text.replace(ANSI_ESCAPE, '');
}

function timeOf(iso: string): string {
  const date = new Date(iso);
  return (Number.isNaN(date.getTime()) ? new Date() : date).toLocaleTimeString([], { hour12: false });
}

/** One line about an event for a busy indicator ("Compiling glib…"), or undefined for events that say nothing new. */
export function summarize(event: SimEvent): string | undefined {
  switch (event.type) {
    case 'phase':
      return `${event.phase} (${formatMs(event.ms)})`;
    case 'progress':
      return event.bytes?.total ? `${event.message} ${Math.floor((100 * event.bytes.done) / event.bytes.total)}%` : event.message;
    case 'build-output':
      return `${event.module}: ${stripAnsi(event.line)}`;
    case 'log':
      return event.level === 'debug' ? undefined : event.message;
    default:
      return undefined;
  }
}
