/**
 * What the page's buttons do. Each action reports as sim's events (the NDJSON of `--json`) to a
 * sink, ending with one `result` event; the server streams them to the page that asked and to
 * every page watching the simulator. Rebuilds and starts run the `sim` CLI as a child process:
 * a failing build or boot is its own process's business, not the server's.
 */
import path from 'node:path';
import { emit, type EventSink, type SimEvent } from '../core/events.js';
import type { SimContext } from '../core/context.js';
import { isSimError, SimError } from '../core/errors.js';
import { packageRoot } from '../core/paths.js';
import { spawn } from '../core/process.js';
import { lineSplitter } from '../qemu/channel.js';
import { sendInput } from '../display/send-input.js';
import { request } from '../simulators/api.js';
import { findSimulator, simulatorDir } from '../simulators/registry.js';
import { rebootSimulator, stopSimulator } from '../simulators/control.js';
import { simEventSchema } from '../core/event-schema.js';
import type { SimAction } from './routes.js';

const SIM_BIN = path.join(packageRoot, 'bin', 'sim.js');

/** How long a page's stop waits for the guest's clean power-off before QEMU is ended. */
const STOP_TIMEOUT_MS = 30_000;

export interface StartRequest {
  image?: string;
  overlay?: string;
  project?: string;
  name?: string;
}

/** A body's field: a short string, or absent. */
function field(body: Record<string, unknown>, key: string, max: number): string | undefined {
  const value = body[key];
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || value.length > max) throw new SimError('USAGE', `'${key}' must be a text of at most ${max} characters.`, 'Send it as a JSON string.');
  return value;
}

/** The `sim` command line that starts a simulator as asked. Pure. */
export function startArgs(body: Record<string, unknown>): string[] {
  const image = field(body, 'image', 200);
  const overlay = field(body, 'overlay', 4096);
  const project = field(body, 'project', 4096);
  const name = field(body, 'name', 40);
  if (overlay && project) throw new SimError('USAGE', 'Give an overlay or a project, not both.', "A project's simulator serves the project's own prefix.");
  for (const [key, value] of [['overlay', overlay], ['project', project]] as const) {
    if (value && !path.isAbsolute(value)) throw new SimError('USAGE', `The ${key} must be an absolute path, not ${value}.`, 'The server does not know which directory you mean otherwise.');
  }
  const common = ['--json', ...(image ? ['--image', image] : []), ...(name ? ['--name', name] : [])];
  if (project) return ['rebuild-and-boot', '--detach', '--config', project, ...common];
  return ['boot', '--detach', ...(overlay ? ['--overlay', overlay] : []), ...common];
}

/**
 * Run `sim ARGS --json` and pass its events on (its `result` last). Lines that are not events
 * (a crash's stack) become warnings.
 */
export async function runSim(ctx: SimContext, args: string[], sink: EventSink, signal?: AbortSignal): Promise<number> {
  const child = spawn(process.execPath, [SIM_BIN, ...args], { env: ctx.env, stdin: 'ignore', buffer: false, cancelSignal: signal });
  let sawResult = false;
  const onLine = (line: string, fromStdout: boolean) => {
    if (!line.trim()) return;
    const parsed = fromStdout ? simEventSchema.safeParse(safeJson(line)) : undefined;
    if (parsed?.success) {
      sawResult ||= parsed.data.type === 'result';
      sink(parsed.data);
    } else emit(sink, { type: 'log', level: 'warn', message: line });
  };
  lines(child.stdout, (line) => onLine(line, true));
  lines(child.stderr, (line) => onLine(line, false));
  const result = await child;
  const exitCode = result.exitCode ?? 1;
  if (!sawResult) emit(sink, { type: 'result', exitCode });
  return exitCode;
}

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

function lines(stream: NodeJS.ReadableStream | null | undefined, onLine: (line: string) => void): void {
  const splitter = lineSplitter(onLine);
  stream?.on('data', (chunk: Buffer) => splitter.push(chunk));
  stream?.on('end', () => splitter.flush());
}

/**
 * Run `work`, reporting its failure as sim's error event; always ends with a `result` event
 * (work that ran a `sim` child returns `{ reported }`: the child's result was passed on).
 */
export async function reported(sink: EventSink, work: () => Promise<number | { reported: number }>): Promise<number> {
  try {
    const outcome = await work();
    if (typeof outcome !== 'number') return outcome.reported;
    emit(sink, { type: 'result', exitCode: outcome });
    return outcome;
  } catch (error) {
    const simError = isSimError(error) ? error : new SimError('TOOL_FAILED', `The action failed: ${(error as Error)?.message ?? String(error)}`, 'This is a bug in sim; please report it.');
    emit(sink, { type: 'error', code: simError.code, message: simError.message, hint: simError.hint });
    emit(sink, { type: 'result', exitCode: simError.exitCode });
    return simError.exitCode;
  }
}

/** One button on one simulator. */
export async function simAction(ctx: SimContext, name: string, action: SimAction, body: Record<string, unknown>, sink: EventSink): Promise<number> {
  return reported(sink, async () => {
    const sim = await findSimulator(ctx, name);
    switch (action) {
      case 'rebuild': {
        if (!sim.project) {
          throw new SimError('USAGE', `${name} was not started from a project, so there is nothing to rebuild.`, 'Start it with `sim rebuild-and-boot --detach` (or from this page with a project).');
        }
        return { reported: await runSim(ctx, ['rebuild-and-boot', '--config', sim.project, '--json'], sink) };
      }
      case 'reboot': {
        emit(sink, { type: 'log', level: 'info', message: `rebooting ${name}` });
        const started = Date.now();
        // A simulator that started from a quick-boot snapshot resumes it instead (much faster under emulation).
        await rebootSimulator(ctx, name, { resume: true });
        emit(sink, { type: 'log', level: 'info', message: `${name} is ready again (${((Date.now() - started) / 1000).toFixed(1)} s)` });
        return 0;
      }
      case 'stop':
        emit(sink, { type: 'log', level: 'info', message: `stopping ${name}` });
        await stopSimulator(ctx, name, { timeoutMs: STOP_TIMEOUT_MS });
        emit(sink, { type: 'log', level: 'info', message: `stopped ${name}` });
        return 0;
      case 'force-off':
        // QMP `quit`: QEMU ends at once, as when pulling the plug; the daemon cleans up after it.
        await request(simulatorDir(ctx, name), { op: 'qmp', command: 'quit' }, (reply) => reply.type === 'qmp-result' || reply.type === 'error');
        emit(sink, { type: 'log', level: 'info', message: `${name} was switched off` });
        return 0;
      case 'keys': {
        const keys = field(body, 'keys', 64);
        if (!keys) throw new SimError('USAGE', 'Say which keys to press.', 'Send {"keys": "ctrl-alt-delete"}.');
        await sendInput(ctx, name, { keys: [keys] });
        return 0;
      }
      case 'type': {
        const text = field(body, 'text', 4096);
        if (!text) throw new SimError('USAGE', 'There is no text to type.', 'Send {"text": "..."}.');
        await sendInput(ctx, name, { text });
        return 0;
      }
    }
  });
}

export type { SimEvent };
