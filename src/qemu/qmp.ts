/**
 * A small QMP client: connect to a QEMU monitor socket, negotiate capabilities, run commands.
 * Used to stop a simulator cleanly (system_powerdown), take screenshots and ask QEMU's state.
 */
import net from 'node:net';
import { SimError } from '../core/errors.js';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

export class QmpClient {
  private buffer = '';
  private readonly pending: Pending[] = [];
  private readonly listeners: ((event: { event: string; data?: unknown }) => void)[] = [];

  private constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('close', () => {
      for (const p of this.pending.splice(0)) p.reject(new Error('QMP connection closed'));
    });
    socket.on('error', () => undefined);
  }

  /** Connect and leave capabilities-negotiation mode. */
  static async connect(path: string, timeoutMs = 5_000): Promise<QmpClient> {
    const socket = net.createConnection(path);
    const client = new QmpClient(socket);
    const greeting = new Promise<void>((resolve, reject) => {
      client.pending.push({ resolve: () => resolve(), reject });
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no QMP greeting on ${path}`)), timeoutMs);
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      greeting.then(() => {
        clearTimeout(timer);
        resolve();
      }, reject);
    }).catch((error: Error) => {
      socket.destroy();
      throw new SimError('QEMU_FAILED', `Could not talk to QEMU's monitor at ${path}: ${error.message}.`, 'The simulator may have stopped; check with `sim ls`.');
    });
    await client.execute('qmp_capabilities');
    return client;
  }

  private onData(chunk: Buffer): void {
    this.buffer += chunk.toString('utf8');
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline).trim();
      this.buffer = this.buffer.slice(newline + 1);
      if (!line) continue;
      const message = JSON.parse(line) as { QMP?: unknown; return?: unknown; error?: { class: string; desc: string }; event?: string; data?: unknown };
      if (message.event) {
        for (const listener of this.listeners) listener({ event: message.event, data: message.data });
        continue;
      }
      const waiter = this.pending.shift();
      if (!waiter) continue;
      if (message.error) waiter.reject(new Error(`${message.error.class}: ${message.error.desc}`));
      else waiter.resolve(message.QMP ?? message.return);
    }
  }

  /** Run one command; replies arrive in order, so a queue matches them up. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ resolve: resolve as (value: unknown) => void, reject });
      this.socket.write(`${JSON.stringify(args ? { execute: command, arguments: args } : { execute: command })}\n`);
    });
  }

  onEvent(listener: (event: { event: string; data?: unknown }) => void): void {
    this.listeners.push(listener);
  }

  close(): void {
    this.socket.destroy();
  }
}
