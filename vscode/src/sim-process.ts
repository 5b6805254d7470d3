/**
 * Runs sim as a child process (an argument array, never a shell) and reads its NDJSON stdout as
 * events. Lines that are not events (a crash's stack, a shell's complaint) are passed on as
 * text so that nothing sim says is lost.
 */
import { spawn } from 'node:child_process';
import { asEvent, type ErrorEvent, type ResultEvent, type SimEvent } from './events';
import { createLineSplitter } from './line-splitter';

/** What the extension needs of a child process: tests give a fake. */
export interface ChildLike {
  stdout: { on(event: 'data', listener: (chunk: Buffer | string) => void): unknown } | null;
  stderr: { on(event: 'data', listener: (chunk: Buffer | string) => void): unknown } | null;
  on(event: 'close', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  kill(signal?: NodeJS.Signals): boolean;
}

export type Spawner = (command: string, args: readonly string[], options: { cwd?: string }) => ChildLike;

export const nodeSpawner: Spawner = (command, args, options) =>
  spawn(command, [...args], { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'], shell: false });

export interface SimHandlers {
  onEvent?(event: SimEvent): void;
  onText?(line: string, stream: 'stdout' | 'stderr'): void;
}

export interface SimOutcome {
  /** The result event's exit code, else the process's (1 when it died of a signal or never ran). */
  exitCode: number;
  result?: ResultEvent;
  /** The last error event (or one made up when sim could not be started). */
  error?: ErrorEvent;
  /** The last lines of stderr, to explain a failure that came without an error event. */
  stderrTail: string[];
  /** kill() was called: the caller ended it, so it did not fail on its own. */
  killed: boolean;
}

export interface SimProcess {
  readonly done: Promise<SimOutcome>;
  kill(): void;
}

const STDERR_TAIL = 20;

export function notFoundError(simPath: string, reason: string): ErrorEvent {
  return {
    type: 'error',
    code: 'sim-not-found',
    message: `Cannot run ${simPath}: ${reason}`,
    hint: 'Install sim and put it on PATH (npm link in its repository), or set the setting sim.path to its executable.',
  };
}

export function runSim(spawner: Spawner, simPath: string, args: readonly string[], options: { cwd?: string }, handlers: SimHandlers = {}): SimProcess {
  let result: ResultEvent | undefined;
  let error: ErrorEvent | undefined;
  const stderrTail: string[] = [];
  let settle!: (outcome: SimOutcome) => void;
  let settled = false;
  let killed = false;
  const done = new Promise<SimOutcome>((resolve) => (settle = resolve));
  const finish = (exitCode: number) => {
    if (settled) return;
    settled = true;
    settle({ exitCode: result?.exitCode ?? exitCode, result, error, stderrTail, killed });
  };

  const onStdoutLine = (line: string) => {
    if (!line.trim()) return;
    let event: SimEvent | undefined;
    try {
      event = asEvent(JSON.parse(line));
    } catch {
      event = undefined;
    }
    if (!event) return handlers.onText?.(line, 'stdout');
    if (event.type === 'result') result = event;
    if (event.type === 'error') error = event;
    handlers.onEvent?.(event);
  };
  const onStderrLine = (line: string) => {
    stderrTail.push(line);
    if (stderrTail.length > STDERR_TAIL) stderrTail.shift();
    handlers.onText?.(line, 'stderr');
  };

  let child: ChildLike;
  try {
    child = spawner(simPath, args, options);
  } catch (cause) {
    error = notFoundError(simPath, cause instanceof Error ? cause.message : String(cause));
    handlers.onEvent?.(error);
    finish(1);
    return { done, kill: () => undefined };
  }
  const stdout = createLineSplitter(onStdoutLine);
  const stderr = createLineSplitter(onStderrLine);
  child.stdout?.on('data', (chunk) => stdout.push(chunk));
  child.stderr?.on('data', (chunk) => stderr.push(chunk));
  child.on('error', (cause) => {
    // Node reports a program that cannot be started here (ENOENT, EACCES), and may not close.
    if (settled) return;
    error = notFoundError(simPath, cause.message);
    handlers.onEvent?.(error);
    finish(1);
  });
  child.on('close', (code) => {
    stdout.end();
    stderr.end();
    finish(code ?? 1);
  });
  return {
    done,
    kill: () => {
      if (settled) return;
      killed = true;
      child.kill('SIGTERM');
    },
  };
}
