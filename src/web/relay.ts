/**
 * A WebSocket joined to a stream socket (QEMU's VNC server, a simulator's console), both ways,
 * with back-pressure: when the browser reads slower than the guest draws, the socket is paused
 * instead of the server buffering frames without bound.
 */
import type net from 'node:net';
import type { WebSocket } from 'ws';

/** Above this many bytes queued for the browser, stop reading the socket; resume below the low mark. */
const HIGH_WATER = 4 * 1024 * 1024;
const LOW_WATER = 1024 * 1024;

export interface RelayOptions {
  /** The close code and reason for the browser when the socket ends (the simulator stopped). */
  closeCode: number;
  closeReason: string;
}

export function relay(ws: WebSocket, socket: net.Socket, options: RelayOptions): void {
  let queued = 0;
  let paused = false;
  const sent = (bytes: number) => () => {
    queued -= bytes;
    if (paused && queued < LOW_WATER) {
      paused = false;
      socket.resume();
    }
  };
  socket.on('data', (chunk: Buffer) => {
    if (ws.readyState !== ws.OPEN) return;
    queued += chunk.length;
    ws.send(chunk, { binary: true }, sent(chunk.length));
    if (!paused && queued > HIGH_WATER) {
      paused = true;
      socket.pause();
    }
  });
  ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
    if (socket.writable) socket.write(Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer));
  });
  const end = () => {
    if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(options.closeCode, options.closeReason);
  };
  socket.on('close', end);
  socket.on('error', end);
  ws.on('close', () => socket.destroy());
  ws.on('error', () => socket.destroy());
}
