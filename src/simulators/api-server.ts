/**
 * The listening side of api.sock (./api.ts): each connection sends one JSON request line, then
 * the handler answers on the same socket.
 */
import { rm } from 'node:fs/promises';
import net from 'node:net';
import { sendReply, type ApiRequest } from './api.js';

/** `rest`: what the client sent after its request line (a console's first keystrokes). */
export type ApiHandler = (req: ApiRequest, client: net.Socket, rest: Buffer) => Promise<void> | void;

export function apiServer(handle: ApiHandler): net.Server {
  return net.createServer((client) => {
    client.on('error', () => undefined);
    let first = '';
    // Everything after reading the request, parsing included, answers the client on failure:
    // an unhandled rejection here would take the whole simulator down.
    const serve = async (line: string, rest: Buffer) => {
      try {
        await handle(JSON.parse(line) as ApiRequest, client, rest);
      } catch (error) {
        sendReply(client, { type: 'error', code: 'QEMU_FAILED', message: (error as Error).message, hint: 'Check the simulator with `sim ls`.' });
        client.end();
      }
    };
    const onData = (chunk: Buffer) => {
      first += chunk.toString('latin1');
      const newline = first.indexOf('\n');
      if (newline < 0) return;
      client.off('data', onData);
      void serve(first.slice(0, newline), Buffer.from(first.slice(newline + 1), 'latin1'));
    };
    client.on('data', onData);
  });
}

/** Listen on `socketPath` (what an earlier launch in the same directory left there goes); resolves once listening. */
export async function listenApi(server: net.Server, socketPath: string): Promise<void> {
  await rm(socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
