/**
 * The host ends of the guest's virtio-serial ports and serial console: unix sockets the
 * launcher listens on before QEMU starts (QEMU connects as a client).
 */
import net from 'node:net';
import { StringDecoder } from 'node:string_decoder';

export class SocketEndpoint {
  private readonly server: net.Server;
  private socket: net.Socket | undefined;
  private readonly closed: Promise<void>;
  private markClosed!: () => void;

  private constructor(server: net.Server, onData: (chunk: Buffer) => void) {
    this.server = server;
    this.closed = new Promise((resolve) => (this.markClosed = resolve));
    server.on('connection', (socket) => {
      this.socket = socket;
      socket.on('data', onData);
      socket.on('error', () => undefined);
      socket.on('close', () => this.markClosed());
    });
  }

  static async listen(path: string, onData: (chunk: Buffer) => void): Promise<SocketEndpoint> {
    const server = net.createServer();
    const endpoint = new SocketEndpoint(server, onData);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => resolve());
    });
    return endpoint;
  }

  /** Resolves when QEMU closed its end (it exited), or after `ms`. */
  async drained(ms: number): Promise<void> {
    if (!this.socket) return;
    await Promise.race([this.closed, new Promise((r) => setTimeout(r, ms).unref())]);
  }

  write(data: string | Buffer): void {
    this.socket?.write(data);
  }

  close(): void {
    this.socket?.destroy();
    this.server.close();
  }
}

/** Splits a byte stream into lines (UTF-8 safe across chunk boundaries). */
export function lineSplitter(onLine: (line: string) => void): { push: (chunk: Buffer) => void; flush: () => void } {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  return {
    push(chunk) {
      pending += decoder.write(chunk);
      let newline: number;
      while ((newline = pending.indexOf('\n')) >= 0) {
        onLine(pending.slice(0, newline).replace(/\r$/, ''));
        pending = pending.slice(newline + 1);
      }
    },
    flush() {
      pending += decoder.end();
      if (pending) onLine(pending);
      pending = '';
    },
  };
}

/** The last `size` lines seen, for error reports. */
export class RingBuffer {
  private readonly lines: string[] = [];
  constructor(private readonly size: number) {}
  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.size) this.lines.shift();
  }
  get(): string[] {
    return [...this.lines];
  }
}

/** Messages the guest sends on sim.ctl (GUEST_WORDS in ./protocol.ts). Pure. */
export type ControlMessage =
  | { kind: 'initramfs' }
  | { kind: 'overlay-mounted'; path: string; mode?: string }
  | { kind: 'trigger'; name: string; status: 'ok' | 'failed' | 'missing'; ms?: number; tool?: string }
  | { kind: 'in-use'; pid: number; command: string; path: string }
  | { kind: 'switch-root' }
  | { kind: 'ready' }
  | { kind: 'command-started' }
  /** unmarked: streams whose end the guest could not mark (a process the command left running holds them). */
  | { kind: 'exit'; status: number; id?: string; unmarked?: ('stdout' | 'stderr')[] }
  | { kind: 'error'; message: string }
  | { kind: 'snapshot-ready' }
  | { kind: 'restarted'; unit: string }
  | { kind: 'cold'; reason: string }
  | { kind: 'unknown'; line: string };

export function parseControlLine(line: string): ControlMessage {
  const [word = '', ...rest] = line.trim().split(' ');
  const arg = rest.join(' ');
  switch (word) {
    case 'initramfs':
    case 'switch-root':
    case 'ready':
    case 'command-started':
    case 'snapshot-ready':
      return { kind: word };
    case 'restarted':
      return { kind: word, unit: arg };
    case 'cold':
      return { kind: word, reason: arg };
    case 'overlay-mounted':
      // "overlay-mounted PATH MODE"; guests before overlay modes sent only PATH.
      return { kind: word, path: rest[0] ?? '', ...(rest[1] ? { mode: rest[1] } : {}) };
    case 'trigger': {
      // "trigger NAME ok|failed MS", or "trigger NAME missing TOOL".
      const [name = '', status = '', value = ''] = rest;
      if (status === 'missing') return { kind: 'trigger', name, status, tool: value };
      if (status === 'ok' && /^\d+$/.test(value)) return { kind: 'trigger', name, status, ms: Number(value) };
      // Anything else about a trigger is reported as its failure (with its time when there is one).
      return { kind: 'trigger', name, status: 'failed', ...(/^\d+$/.test(value) ? { ms: Number(value) } : {}) };
    }
    case 'in-use': {
      // "in-use PID COMM PATH": a process still maps a file the hot reload replaced.
      const [pid = '', command = '', ...file] = rest;
      return /^\d+$/.test(pid) ? { kind: word, pid: Number(pid), command, path: file.join(' ') } : { kind: 'unknown', line };
    }
    case 'exit': {
      // "exit STATUS" for the boot's command, "exit ID STATUS [stdout] [stderr]" for a `sim exec`
      // request (the streams whose end could not be marked).
      if (/^\d+$/.test(arg)) return { kind: 'exit', status: Number(arg) };
      const m = /^(\S+) (\d+)((?: (?:stdout|stderr))*)$/.exec(arg);
      if (!m) return { kind: 'unknown', line };
      const unmarked = m[3]!.trim().split(' ').filter(Boolean) as ('stdout' | 'stderr')[];
      return { kind: 'exit', id: m[1]!, status: Number(m[2]), ...(unmarked.length ? { unmarked } : {}) };
    }
    case 'error':
      return { kind: 'error', message: arg };
    default:
      return { kind: 'unknown', line };
  }
}
