/**
 * Run one build step: stream every output line as a `build-output` event and turn a failure
 * into BUILD_FAILED carrying the lines that explain it.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { SimError } from '../core/errors.js';
import { emit, type EventSink } from '../core/events.js';
import { formatCommand, spawn, spawnFailure, tiedToParent } from '../core/process.js';
import { FailureLog } from './failure-log.js';
import type { Step } from './types.js';

// Colour codes some tools emit even into a pipe; events and error details are plain text.
// eslint-disable-next-line no-control-regex -- a terminal escape is what it matches
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

async function readLines(stream: Readable | null, onLine: (line: string) => void): Promise<void> {
  if (!stream) return;
  const reader = createInterface({ input: stream, crlfDelay: Infinity });
  for await (const line of reader) onLine(line.replace(ANSI, ''));
}

export async function runStep(step: Step, module: string, events?: EventSink): Promise<void> {
  const [file, ...args] = step.argv;
  if (!file) throw new SimError('CONFIG_INVALID', `Module '${module}' has an empty ${step.phase} command.`, 'Give each command as an argv array starting with the program.');
  const log = new FailureLog();
  const onLine = (line: string) => {
    log.push(line);
    emit(events, { type: 'build-output', module, line });
  };
  // Tied to sim: an IDE's Stop (SIGKILL) during a build must not leave ninja writing on into the build directory.
  const [program, argv] = await tiedToParent(file, args, step.env);
  const child = spawn(program, argv, { cwd: step.cwd, env: step.env, extendEnv: true, buffer: false, stdin: 'ignore' });
  const [result] = await Promise.all([child, readLines(child.stdout, onLine), readLines(child.stderr, onLine)]);
  if (result.exitCode === 0) return;
  if (result.exitCode === undefined) {
    const missing = spawnFailure(file, result.cause);
    if (missing) throw missing;
  }
  const how = result.exitCode !== undefined ? `exited with status ${result.exitCode}` : result.signal ? `was killed by ${result.signal}` : `could not be run (${result.shortMessage})`;
  throw new SimError(
    'BUILD_FAILED',
    `Building module '${module}' failed: the ${step.phase} step '${formatCommand(file, args)}' ${how}.`,
    'Fix the error shown and run the command again; the prefix was left as it was.',
    { details: log.lines() },
  );
}
