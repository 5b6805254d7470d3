/**
 * Running a long build tool with its output streamed line by line (as debug events) and the
 * last lines kept for the error message. Goes through the one process wrapper.
 */
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { spawn, spawnFailure } from '../core/process.js';

export interface StreamedResult {
  exitCode: number;
  /** Signal that ended the program, if any. */
  signal?: string;
  /** The last lines of its combined output. */
  tail: string[];
  /** Stopped because `signal` was aborted. */
  canceled: boolean;
}

export async function runStreamed(
  file: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; onLine?: (line: string) => void; tailLines?: number; signal?: AbortSignal } = {},
): Promise<StreamedResult> {
  const keep = options.tailLines ?? 20;
  const tail: string[] = [];
  // Its own process group, so that an abort can kill everything it started: mmdebstrap's own
  // SIGTERM handling waits for apt/dpkg to finish, which can take half a minute.
  const child = spawn(file, args, { cwd: options.cwd, env: options.env, all: true, buffer: false, stdin: 'ignore', detached: true });
  const watchdog = child.pid ? groupWatchdog(child.pid) : undefined;
  let canceled = false;
  const cancel = () => {
    canceled = true;
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  if (options.signal?.aborted) cancel();
  options.signal?.addEventListener('abort', cancel, { once: true });
  let closed: Promise<unknown> = Promise.resolve();
  if (child.all) {
    const lines = createInterface({ input: child.all, crlfDelay: Infinity });
    lines.on('line', (line) => {
      tail.push(line);
      if (tail.length > keep) tail.shift();
      options.onLine?.(line);
    });
    closed = once(lines, 'close'); // the last line arrives on close
  }
  const [result] = await Promise.all([child, closed]).finally(() => {
    options.signal?.removeEventListener('abort', cancel);
    watchdog?.kill('SIGKILL');
  });
  if (result.failed && result.exitCode === undefined && !result.signal && !canceled) {
    throw spawnFailure(file, result.cause) ?? result.cause;
  }
  return { exitCode: result.exitCode ?? 1, signal: result.signal ?? undefined, tail, canceled };
}

/**
 * The group runs on if sim is killed with SIGKILL (nothing of sim is left to kill it), writing
 * into the cache. This watchdog holds the read end of a pipe from sim: when sim dies, the pipe
 * closes and it kills the group. A fixed script; the group id is its only argument.
 */
function groupWatchdog(pgid: number): ReturnType<typeof spawn> {
  const watchdog = spawn('sh', ['-c', 'read -r _ || kill -KILL "-$1" 2>/dev/null', 'sim-watchdog', String(pgid)], {
    stdin: 'pipe',
    stdout: 'ignore',
    stderr: 'ignore',
    detached: true,
  });
  watchdog.catch(() => undefined);
  return watchdog;
}
