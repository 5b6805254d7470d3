/**
 * `sim web`'s server: the page's assets, a small JSON API, and WebSockets that relay each
 * simulator's screen (QEMU's VNC socket), serial console and events. Loopback only; every request
 * needs the token (access.ts); the page and the protocol are in docs/web-console.md.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { SimContext } from '../core/context.js';
import { isSimError, SimError } from '../core/errors.js';
import type { SimEvent } from '../core/events.js';
import { defaultScreenshotName, screenshot } from '../display/screenshot.js';
import { listImages } from '../images/store.js';
import { apiSocket, openConsole, type ApiReply } from '../simulators/api.js';
import { findSimulator, simulatorDir, type SimulatorState } from '../simulators/registry.js';
import { checkAccess } from './access.js';
import { runSim, reported, simAction, startArgs } from './actions.js';
import { loadAssets, type AssetTable } from './assets.js';
import { relay } from './relay.js';
import { lineSplitter } from '../qemu/channel.js';
import { route, type Route } from './routes.js';
import { SimulatorFeed, webSimulators } from './simulator-list.js';

/** WebSocket close codes the page understands: the simulator is not running / has stopped. */
export const CLOSE_NOT_RUNNING = 4404;
export const CLOSE_STOPPED = 4410;

const HEADERS = {
  // xterm.js fills <style> elements of its own at run time (colours, row sizes): no nonce can cover them.
  'Content-Security-Policy': "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data: blob:; style-src 'self'; style-src-elem 'self' 'unsafe-inline'; script-src 'self'; base-uri 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  // The token is in the page's URL: never sent on to another site.
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

const MAX_BODY = 64 * 1024;

export interface WebServerOptions {
  /** 0 (default): any free port. */
  port?: number;
  /** Default: 32 random bytes. */
  token?: string;
}

export interface WebServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

export async function startWebServer(ctx: SimContext, options: WebServerOptions = {}): Promise<WebServer> {
  const token = options.token ?? randomBytes(32).toString('base64url');
  const assets = await loadAssets(token);
  const feed = new SimulatorFeed(ctx);
  // Pages watching each simulator's events: actions started from any page are shown on all.
  const watchers = new Map<string, Set<WebSocket>>();
  const broadcast = (name: string, event: SimEvent) => {
    const text = JSON.stringify(event);
    for (const ws of watchers.get(name) ?? []) if (ws.readyState === ws.OPEN) ws.send(text);
  };

  const server = http.createServer((req, res) => {
    void serveHttp(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, errorBody(error));
      else res.end();
    });
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024, handleProtocols: (protocols) => (protocols.has('binary') ? 'binary' : false) });

  const serveHttp = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const verdict = checkAccess({ method: req.method ?? 'GET', url: req.url ?? '/', host: req.headers.host, origin: req.headers.origin, upgrade: false }, token);
    if (!verdict.ok) return sendText(res, verdict.status, `Forbidden: ${verdict.reason}. Open the address sim web printed.\n`);
    const target = route(req.method ?? 'GET', req.url ?? '/', false);
    switch (target.kind) {
      case 'page':
        return send(res, 200, 'text/html; charset=utf-8', assets.page);
      case 'asset':
        return serveAsset(res, assets, target.file);
      case 'simulators':
        return sendJson(res, 200, { simulators: await webSimulators(ctx) });
      case 'images':
        return sendJson(res, 200, { images: (await listImages(ctx)).map((m) => ({ name: m.names[0] ?? null, names: m.names, id: m.id })) });
      case 'screenshot':
        return serveScreenshot(res, target.name);
      case 'start':
      case 'action':
        return serveAction(req, res, target);
      case 'bad-method':
        return sendText(res, 405, 'Method not allowed.\n');
      default:
        return sendText(res, 404, 'Not found.\n');
    }
  };

  const serveScreenshot = async (res: http.ServerResponse, name: string) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sim-web-shot-'));
    try {
      const file = path.join(dir, 'screen.png');
      const shot = await screenshot(ctx, name, { output: file }).catch((error: unknown) => error as Error);
      if (shot instanceof Error) return sendJson(res, isSimError(shot) && shot.code === 'SIMULATOR_NOT_FOUND' ? 404 : 500, errorBody(shot));
      res.setHeader('Content-Disposition', `attachment; filename="${defaultScreenshotName(name, new Date())}"`);
      return send(res, 200, 'image/png', await readFile(file));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  const serveAction = async (req: http.IncomingMessage, res: http.ServerResponse, target: Extract<Route, { kind: 'start' | 'action' }>) => {
    const body = await readBody(req).catch((error: unknown) => error as Error);
    if (body instanceof Error) return sendJson(res, 400, errorBody(body));
    if (target.kind === 'action') {
      const known = await findSimulator(ctx, target.name).catch((error: unknown) => error as Error);
      if (known instanceof Error) return sendJson(res, 404, errorBody(known));
    }
    res.writeHead(200, { ...HEADERS, 'Content-Type': 'application/x-ndjson' });
    // A page that goes away does not stop the work (a stop, a build): it only stops listening.
    const sink = (event: SimEvent) => {
      if (!res.destroyed) res.write(`${JSON.stringify(event)}\n`);
      if (target.kind === 'action') broadcast(target.name, event);
    };
    if (target.kind === 'start') await reported(sink, async () => ({ reported: await runSim(ctx, startArgs(body), sink) }));
    else await simAction(ctx, target.name, target.action, body, sink);
    void feed.poll();
    res.end();
  };

  server.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
    socket.on('error', () => undefined);
    const verdict = checkAccess({ method: req.method ?? 'GET', url: req.url ?? '/', host: req.headers.host, origin: req.headers.origin, upgrade: true }, token);
    const target = verdict.ok ? route('GET', req.url ?? '/', true) : undefined;
    if (!target || target.kind === 'not-found') {
      socket.end(`HTTP/1.1 ${target ? '404 Not Found' : '403 Forbidden'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => void serveSocket(ws, target).catch(() => ws.close(1011, 'server error')));
  });

  const serveSocket = async (ws: WebSocket, target: Route) => {
    ws.on('error', () => undefined);
    if (target.kind === 'list-feed') {
      const unsubscribe = feed.subscribe((simulators) => ws.readyState === ws.OPEN && ws.send(JSON.stringify({ type: 'simulators', simulators })));
      ws.on('close', unsubscribe);
      return;
    }
    if (target.kind !== 'stream') return ws.close(1008, 'not a stream');
    const sim = await findSimulator(ctx, target.name).catch(() => undefined);
    if (!sim || ws.readyState !== ws.OPEN) return ws.close(CLOSE_NOT_RUNNING, 'not running');
    const stopped = { closeCode: CLOSE_STOPPED, closeReason: 'stopped' };
    switch (target.stream) {
      case 'screen': {
        const socket = await connectScreen(sim);
        if (!socket) return ws.close(CLOSE_NOT_RUNNING, 'no screen');
        return relay(ws, socket, stopped);
      }
      case 'console':
        return relay(ws, await openConsole(simulatorDir(ctx, sim.name)), stopped);
      case 'events':
        return relayEvents(ws, simulatorDir(ctx, sim.name), sim.name, watchers);
    }
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new SimError('WEB_PORT_IN_USE', `Port ${options.port} on 127.0.0.1 is in use.`, 'Pick another with --port, or leave it out to use any free port.') : error),
    );
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      feed.stop();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The simulator's VNC server: its private unix socket, or the loopback port it was given. */
async function connectScreen(sim: SimulatorState): Promise<net.Socket | undefined> {
  const vnc = sim.display?.vnc as { socket?: string; host?: string; port?: number } | undefined;
  if (!vnc) return undefined;
  const socket = vnc.socket ? net.createConnection(vnc.socket) : vnc.host && vnc.port ? net.createConnection(vnc.port, vnc.host) : undefined;
  if (!socket) return undefined;
  return new Promise((resolve) => {
    socket.once('connect', () => resolve(socket));
    socket.once('error', () => resolve(undefined));
  });
}

/** The daemon's event stream (its history, then live) as one text frame per event. */
function relayEvents(ws: WebSocket, dir: string, name: string, watchers: Map<string, Set<WebSocket>>): void {
  const socket = net.createConnection(apiSocket(dir));
  socket.on('connect', () => socket.write(`${JSON.stringify({ op: 'events' })}\n`));
  const replies = lineSplitter((line) => {
    const reply = parseReply(line);
    if (reply?.type === 'event' && ws.readyState === ws.OPEN) ws.send(JSON.stringify(reply.event));
  });
  socket.on('data', (chunk: Buffer) => replies.push(chunk));
  const end = () => {
    if (ws.readyState === ws.OPEN) ws.close(CLOSE_STOPPED, 'stopped');
  };
  socket.on('close', end);
  socket.on('error', end);
  const set = watchers.get(name) ?? new Set<WebSocket>();
  watchers.set(name, set.add(ws));
  ws.on('close', () => {
    socket.destroy();
    set.delete(ws);
    if (!set.size && watchers.get(name) === set) watchers.delete(name);
  });
}

/** A daemon's reply line; undefined for one that is not JSON (a throw here would end the server). */
function parseReply(line: string): ApiReply | undefined {
  try {
    return line ? (JSON.parse(line) as ApiReply) : undefined;
  } catch {
    return undefined;
  }
}

function serveAsset(res: http.ServerResponse, assets: AssetTable, file: string): void {
  const asset = assets.files.get(file);
  if (!asset) return sendText(res, 404, 'Not found.\n');
  send(res, 200, asset.type, asset.body);
}

async function readBody(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new SimError('USAGE', 'The request is too large.', `Send at most ${MAX_BODY / 1024} KiB.`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new SimError('USAGE', 'The request body is not JSON.', 'Send a JSON object.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SimError('USAGE', 'The request body is not a JSON object.', 'Send a JSON object.');
  return value as Record<string, unknown>;
}

function errorBody(error: unknown): { code: string; message: string; hint: string } {
  if (isSimError(error)) return { code: error.code, message: error.message, hint: error.hint };
  return { code: 'TOOL_FAILED', message: (error as Error)?.message ?? String(error), hint: 'This is a bug in sim; please report it.' };
}

function send(res: http.ServerResponse, status: number, type: string, body: Buffer | string): void {
  res.writeHead(status, { ...HEADERS, 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function sendText(res: http.ServerResponse, status: number, text: string): void {
  send(res, status, 'text/plain; charset=utf-8', text);
}

function sendJson(res: http.ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json', JSON.stringify(value));
}
