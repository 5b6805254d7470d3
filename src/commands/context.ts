/**
 * What every command shares: the event sink (human or NDJSON), --verbose, turning errors into
 * one clear message and a stable exit code, and Ctrl-C/SIGTERM into an abort signal.
 */
import { SimError, isSimError, ExitCode } from '../errors.js';
import { emit, type EventSink, type SimEvent } from '../events.js';
import { setCommandLogger } from '../process.js';
import { createHumanRenderer } from '../progress.js';

export interface GlobalArgs {
  json?: boolean;
  verbose?: boolean;
}

export interface CommandContext {
  events: EventSink;
  json: boolean;
  verbose: boolean;
  signal: AbortSignal;
}

function createSink(args: GlobalArgs): EventSink {
  if (args.json) return (event: SimEvent) => void process.stdout.write(`${JSON.stringify(event)}\n`);
  const human = createHumanRenderer(process.stderr);
  return (event: SimEvent) => {
    if (event.type === 'output') (event.stream === 'stdout' ? process.stdout : process.stderr).write(event.data);
    else if (event.type === 'console') {
      if (args.verbose) process.stderr.write(`${event.line}\n`);
    } else if (event.type === 'build-output') process.stderr.write(`${event.line}\n`);
    else if (event.type === 'log' && event.level === 'debug' && !args.verbose) return;
    else if (event.type === 'result') return;
    else human(event);
  };
}

/** Run a command body; returns the process exit code. */
export async function runCommand(args: GlobalArgs, body: (ctx: CommandContext) => Promise<number | void>): Promise<number> {
  const events = createSink(args);
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  if (args.verbose) setCommandLogger((line) => emit(events, { type: 'log', level: 'info', message: `$ ${line}` }));
  try {
    const code = (await body({ events, json: Boolean(args.json), verbose: Boolean(args.verbose), signal: controller.signal })) ?? 0;
    emit(events, { type: 'result', exitCode: code });
    return code;
  } catch (error) {
    const simError = isSimError(error)
      ? error
      : new SimError('TOOL_FAILED', `sim failed unexpectedly: ${(error as Error)?.message ?? String(error)}`, 'This is a bug in sim; please report it with the output of --verbose.');
    if (!isSimError(error) && args.verbose) process.stderr.write(`${(error as Error)?.stack ?? error}\n`);
    emit(events, { type: 'error', code: simError.code, message: simError.message, hint: simError.hint, details: simError.details.length ? simError.details : undefined });
    const code = simError.exitCode ?? ExitCode.failure;
    emit(events, { type: 'result', exitCode: code });
    return code;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    setCommandLogger(undefined);
  }
}
