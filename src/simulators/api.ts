/**
 * The simulator daemon's API: NDJSON over a unix socket in the simulator's directory. A client
 * sends one request line; the daemon answers with a stream of lines (or, for the console, raw
 * bytes after the first line).
 */
import net from 'node:net';
import path from 'node:path';
import { SimError } from '../core/errors.js';

export type ApiRequest =
  | { op: 'events' }
  /** stdin: the command's standard input, base64 (without: /dev/null). */
  | { op: 'exec'; argv: string[]; stdin?: string }
  | { op: 'stop'; timeoutMs?: number }
  /** resume: resume the snapshot the simulator started from instead (quick boot; a reboot when there is none). */
  | { op: 'reboot'; timeoutMs?: number; resume?: boolean }
  | { op: 'console' }
  | { op: 'qmp'; command: string; arguments?: Record<string, unknown> }
  /** Keys and pointer for the screen, as made by inputSteps() (src/display/input.ts). */
  | { op: 'input'; steps: import('../display/input.js').InputStep[] };

export type ApiReply =
  | { type: 'event'; event: import('../core/events.js').SimEvent }
  | { type: 'output'; stream: 'stdout' | 'stderr'; data: string }
  | { type: 'exit'; status: number }
  /**
   * resumed: the simulator's quick-boot snapshot was resumed in a new QEMU instead of a reboot;
   * cold: why such a resume gave way to a cold boot in place.
   */
  | { type: 'ready'; ms: number; resumed?: boolean; cold?: string }
  | { type: 'stopped' }
  | { type: 'console-attached' }
  | { type: 'qmp-result'; result: unknown }
  | { type: 'input-done'; steps: number }
  | { type: 'error'; code: string; message: string; hint: string };

/** One reply line to a client, unless it went away. */
export const sendReply = (socket: net.Socket, reply: ApiReply) => socket.writable && socket.write(`${JSON.stringify(reply)}\n`);

export function apiSocket(dir: string): string {
  return path.join(dir, 'api.sock');
}

/**
 * Send a request and hand each reply line to `onReply` until the daemon closes or `onReply`
 * returns true. `signal` hangs up: the daemon takes that as the client gone (an exec's command
 * is then cancelled in the guest).
 */
export async function request(dir: string, req: ApiRequest, onReply: (reply: ApiReply) => boolean | void, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return;
  const socket = net.createConnection(apiSocket(dir));
  const hangUp = () => socket.destroy();
  signal?.addEventListener('abort', hangUp, { once: true });
  try {
    await exchange(socket, dir, req, onReply);
  } finally {
    signal?.removeEventListener('abort', hangUp);
  }
}

async function exchange(socket: net.Socket, dir: string, req: ApiRequest, onReply: (reply: ApiReply) => boolean | void): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('close', () => resolve()); // hung up before it connected
    socket.once('error', (error) =>
      reject(new SimError('SIMULATOR_NOT_FOUND', `The simulator in ${dir} does not answer (${(error as NodeJS.ErrnoException).code}).`, 'It may have just stopped; check with `sim ls`.')),
    );
  });
  if (socket.destroyed) return;
  socket.write(`${JSON.stringify(req)}\n`);
  let buffer = '';
  await new Promise<void>((resolve, reject) => {
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (!line) continue;
        if (onReply(JSON.parse(line) as ApiReply)) {
          socket.destroy();
          resolve();
          return;
        }
      }
    });
    socket.on('close', () => resolve());
    socket.on('error', reject);
  });
}

/** Open the console: returns the connected socket after the daemon's first line. */
export async function openConsole(dir: string): Promise<net.Socket> {
  const socket = net.createConnection(apiSocket(dir));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.write(`${JSON.stringify({ op: 'console' })}\n`);
  await new Promise<void>((resolve) => {
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      const newline = buffer.indexOf('\n');
      if (newline < 0) return;
      socket.off('data', onData);
      const rest = Buffer.from(buffer.slice(newline + 1), 'latin1');
      if (rest.length) socket.unshift(rest);
      resolve();
    };
    socket.on('data', onData);
  });
  return socket;
}
