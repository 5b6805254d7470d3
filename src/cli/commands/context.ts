/**
 * What every command shares: sim's context (resolved once from the environment), the event
 * sink (human or NDJSON), --verbose, turning errors into one clear message and a stable exit
 * code, and Ctrl-C/SIGTERM into an abort signal.
 */
import os from 'node:os';
import { isSimError, ExitCode, noSpaceError, permissionError, unexpectedError } from '../../core/errors.js';
import { emit, type EventSink, type SimEvent } from '../../core/events.js';
import { resolveContext, type SimContext } from '../../core/context.js';
import { setCommandLogger } from '../../core/command-log.js';
import { createHumanRenderer } from '../progress.js';

export interface GlobalArgs {
  json?: boolean;
  verbose?: boolean;
}

export interface CommandContext {
  /** Directories and environment, for everything the command calls. */
  context: SimContext;
  events: EventSink;
  json: boolean;
  verbose: boolean;
  signal: AbortSignal;
}

export interface SinkOptions {
  /** The guest's serial console will own the terminal once QEMU starts: stay quiet then. */
  interactive?: boolean;
}

function createSink(args: GlobalArgs, options: SinkOptions): { events: EventSink; close: () => void } {
  if (args.json) return { events: (event: SimEvent) => void process.stdout.write(`${JSON.stringify(event)}\n`), close: () => undefined };
  const human = createHumanRenderer(process.stderr, { verbose: args.verbose });
  let terminalTaken = false;
  const events = (event: SimEvent) => {
    if (event.type === 'output') {
      human(event);
      (event.stream === 'stdout' ? process.stdout : process.stderr).write(event.data);
    } else if (event.type === 'console') {
      if (args.verbose) {
        human(event);
        process.stderr.write(`${event.line}\n`);
      }
    } else if (event.type === 'error' || !terminalTaken) {
      human(event);
    }
    if (options.interactive && event.type === 'phase' && event.phase === 'qemu-started') {
      human.close();
      terminalTaken = true;
    }
  };
  return { events, close: () => human.close() };
}

/** Run a command body; returns the process exit code. */
export async function runCommand(args: GlobalArgs, body: (ctx: CommandContext) => Promise<number | void | { data: Record<string, unknown> }>, options: SinkOptions = {}): Promise<number> {
  const { events, close } = createSink(args, options);
  const context = resolveContext(process.env);
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  if (args.verbose) setCommandLogger((line) => emit(events, { type: 'log', level: 'info', message: `$ ${line}` }));
  try {
    const outcome = await body({ context, events, json: Boolean(args.json), verbose: Boolean(args.verbose), signal: controller.signal });
    // A command's data (what it stored, what it transferred) rides on the result event.
    const code = typeof outcome === 'number' ? outcome : 0;
    emit(events, { type: 'result', exitCode: code, ...(typeof outcome === 'object' ? { data: outcome.data } : {}) });
    return code;
  } catch (error) {
    const simError = noSpaceError(error) ?? (isSimError(error)
      ? error
      : permissionError(error, ownDirs(context), userName()) ??
        unexpectedError(error));
    if (!isSimError(error) && args.verbose) process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
    emit(events, { type: 'error', code: simError.code, message: simError.message, hint: simError.hint, details: simError.detailLines.length ? simError.detailLines : undefined });
    const code = simError.exitCode ?? ExitCode.failure;
    emit(events, { type: 'result', exitCode: code });
    return code;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    setCommandLogger(undefined);
    close();
  }
}

/** sim's own directories, whose permission errors get the hint to take them back. */
function ownDirs(context: SimContext): { dir: string; variable: string }[] {
  return [
    { dir: context.dirs.runtime, variable: 'SIM_RUNTIME_DIR' },
    { dir: context.dirs.cache, variable: 'SIM_CACHE_DIR' },
  ];
}

function userName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return '$USER';
  }
}
