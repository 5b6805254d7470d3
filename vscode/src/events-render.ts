/**
 * sim's events as lines for a person reading the output channel, like the CLI's human output
 * without its spinner. Pure.
 */
import type { JournalEntry, SimEvent } from './events';

/** "0.4 s", "12.3 s", "2 min 5 s". */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

function phaseDetail(detail: Record<string, unknown> | undefined): string {
  return Object.entries(detail ?? {})
    .filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v))
    // Image and session ids are 64 hex digits: their first 12 say enough.
    .map(([k, v]) => ` ${k}=${typeof v === 'string' && /^[0-9a-f]{64}$/.test(v) ? v.slice(0, 12) : String(v)}`)
    .join('');
}

/** The lines for one event, or null for an event a person need not see. */
export function renderEvent(event: SimEvent): string | null {
  switch (event.type) {
    case 'phase':
      return `✓ ${event.phase} (${formatDuration(event.ms)})${phaseDetail(event.detail)}`;
    case 'progress':
      return event.done ? `✓ ${event.message}` : `… ${event.message}`;
    case 'log':
      if (event.level === 'debug') return null;
      return event.level === 'warn' ? `warning: ${event.message}` : event.message;
    case 'console':
      return `| ${event.line}`;
    case 'output':
      return event.data.replace(/\r?\n$/, '');
    case 'trigger':
      // Only a cache that could not be refreshed matters to the reader.
      if (event.status === 'ok') return null;
      return `warning: trigger ${event.name} ${event.status}${event.tool ? ` (${event.tool})` : ''}`;
    case 'build-output':
      return `  [${event.module}] ${event.line}`;
    case 'error':
      return [`error: ${event.message}`, `  ${event.hint}`, ...(event.details ?? []).map((d) => `  | ${d}`)].join('\n');
    case 'web-console':
      return `web console: ${event.url}`;
    case 'result': {
      const name = typeof event.data?.name === 'string' ? event.data.name : undefined;
      if (event.exitCode !== 0) return `✗ failed (exit code ${event.exitCode})`;
      return name ? `✓ done: simulator ${name}` : '✓ done';
    }
    case 'simulator-change':
      return `simulator ${event.name} ${event.change}`;
    case 'journal':
      return renderJournalEntry(event.entry);
    default:
      return null;
  }
}

/** "12:03:04" from an ISO time, or '' when there is none to read. */
function clockTime(timestamp: string | undefined): string {
  const match = timestamp ? /T(\d\d:\d\d:\d\d)/.exec(timestamp) : null;
  return match?.[1] ?? '';
}

/** A journal entry like journalctl's short format: "12:03:04 gnome-shell[812]: message". */
export function renderJournalEntry(entry: JournalEntry): string {
  const who = entry.identifier ? `${entry.identifier}${entry.pid !== undefined ? `[${entry.pid}]` : ''}: ` : '';
  // syslog priorities: 0-3 are errors, 4 a warning.
  const level = entry.priority === undefined ? '' : entry.priority <= 3 ? 'error: ' : entry.priority === 4 ? 'warning: ' : '';
  const time = clockTime(entry.timestamp);
  return `${time ? `${time} ` : ''}${who}${level}${entry.message}`;
}

/**
 * A renderer that drops the repeats a transfer sends (the same progress message four times a
 * second as bytes arrive); otherwise renderEvent.
 */
export function createEventRenderer(): (event: SimEvent) => string | null {
  const lastMessage = new Map<string, string>();
  return (event) => {
    if (event.type === 'progress') {
      if (event.done) lastMessage.delete(event.task);
      else if (lastMessage.get(event.task) === event.message) return null;
      else lastMessage.set(event.task, event.message);
    }
    return renderEvent(event);
  };
}
