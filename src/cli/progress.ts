/**
 * Human rendering of events on stderr. On a terminal each running step is a spinner line with
 * its elapsed time, and turns into "✓ step (1.2 s)" when the next one starts; elsewhere every
 * step is a plain line (no escape codes). `console` and `output` events belong to the CLI.
 */
import type { EventSink, SimEvent } from '../core/events.js';

export interface HumanRendererOptions {
  /** Show debug logs and build output. */
  verbose?: boolean;
  /** Override terminal detection (tests). */
  tty?: boolean;
}

export interface HumanRenderer extends EventSink {
  /** Clear the spinner line and stop its timer (call before exiting or printing elsewhere). */
  close(): void;
}

type Stream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const CLEAR_LINE = '\r\x1b[2K';

/** "0.4 s", "12.3 s", "2 min 5 s". Pure. */
export function formatDuration(ms: number): string {
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

const MIB = 1024 * 1024;

/** "[#####·····] 120/300 MiB 24.0 MiB/s", or without a bar when the total is unknown. Pure. */
export function transferText(bytes: { done: number; total?: number }, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? `${((bytes.done / MIB) / (elapsedMs / 1000)).toFixed(1)} MiB/s` : '';
  if (!bytes.total) return `${(bytes.done / MIB).toFixed(0)} MiB ${rate}`.trim();
  const filled = Math.min(10, Math.round((bytes.done / bytes.total) * 10));
  return `[${'#'.repeat(filled)}${'·'.repeat(10 - filled)}] ${(bytes.done / MIB).toFixed(0)}/${(bytes.total / MIB).toFixed(0)} MiB ${rate}`.trim();
}

export function createHumanRenderer(stream: Stream = process.stderr, options: HumanRendererOptions = {}): HumanRenderer {
  const tty = options.tty ?? Boolean(stream.isTTY);
  /** The running step of each task (insertion order = age; the newest is on screen). */
  const steps = new Map<string, { message: string; started: number; taskStarted: number; bytes?: { done: number; total?: number } }>();
  let frame = 0;
  let timer: NodeJS.Timeout | undefined;
  let drawn = false;

  const clear = () => {
    if (drawn) stream.write(CLEAR_LINE);
    drawn = false;
  };
  const draw = () => {
    const current = [...steps.values()].pop();
    if (!tty || !current) return clear();
    // Never wrap: a wrapped line cannot be cleared with \r. Shorten the message, keep the time.
    const elapsed = Date.now() - current.started;
    const time = `${current.bytes ? `${transferText(current.bytes, elapsed)} ` : ''}${formatDuration(elapsed)}`;
    // A PTY never sized (a terminal widget not yet shown) reports 0 columns.
    const room = (stream.columns || 80) - time.length - 4;
    const message = current.message.length > room ? `${current.message.slice(0, Math.max(0, room - 1))}…` : current.message;
    stream.write(`${CLEAR_LINE}${FRAMES[frame++ % FRAMES.length]} ${message} ${time}`);
    drawn = true;
  };
  const line = (text: string) => {
    clear();
    stream.write(`${text}\n`);
    draw();
  };
  const stopTimer = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };
  const startTimer = () => {
    if (!tty || timer) return;
    timer = setInterval(draw, 100);
    timer.unref(); // a spinner never keeps the process alive
  };

  const onProgress = (event: Extract<SimEvent, { type: 'progress' }>) => {
    const now = Date.now();
    const previous = steps.get(event.task);
    const taskStarted = previous?.taskStarted ?? now;
    if (previous && previous.message !== event.message) {
      steps.delete(event.task);
      if (tty) line(`✓ ${previous.message} (${formatDuration(now - previous.started)})`);
    }
    if (event.done) {
      steps.delete(event.task);
      line(`✓ ${event.message} (${formatDuration(now - taskStarted)})`);
      if (!steps.size) stopTimer();
      return;
    }
    if (previous?.message === event.message) {
      previous.bytes = event.bytes ?? previous.bytes;
      return;
    }
    steps.delete(event.task);
    steps.set(event.task, { message: event.message, started: now, taskStarted, bytes: event.bytes });
    if (tty) {
      draw();
      startTimer();
    } else {
      line(event.message);
    }
  };

  const render = (event: SimEvent) => {
    switch (event.type) {
      case 'progress':
        return onProgress(event);
      case 'phase': {
        const detail = Object.entries(event.detail ?? {})
          .filter(([, v]) => ['string', 'number', 'boolean'].includes(typeof v))
          .map(([k, v]) => ` ${k}=${typeof v === 'string' && /^[0-9a-f]{64}$/.test(v) ? v.slice(0, 12) : String(v)}`)
          .join('');
        return line(`✓ ${event.phase} (${formatDuration(event.ms)})${detail}`);
      }
      case 'log':
        if (event.level === 'debug' && !options.verbose) return;
        return line(event.level === 'warn' ? `warning: ${event.message}` : event.message);
      case 'trigger':
        // A missing tool is also a warning line; the timings are detail for --verbose.
        if (!options.verbose) return;
        return line(`  trigger ${event.name}: ${event.status}${event.ms !== undefined ? ` (${formatDuration(event.ms)})` : ''}${event.tool ? ` (${event.tool})` : ''}`);
      case 'build-output':
        // Build output streams so that a failing compile is visible as it happens.
        return line(`  [${event.module}] ${event.line}`);
      case 'error':
        stopTimer();
        steps.clear();
        return line([`error: ${event.message}`, `  ${event.hint}`, ...(event.details ?? []).map((d) => `  | ${d}`)].join('\n'));
      case 'console':
      case 'output':
        // The CLI writes these to the terminal: get the spinner out of their way.
        stopTimer();
        return clear();
      case 'web-console':
        return line(`web console: ${event.url}\n  (loopback only; Ctrl-C stops it)`);
      case 'result':
        return; // the exit status speaks for itself
    }
  };

  return Object.assign(render, {
    close: () => {
      stopTimer();
      clear();
    },
  });
}
