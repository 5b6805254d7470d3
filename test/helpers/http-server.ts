/**
 * A static file server for the download tests, with the HTTP a real one has (ETag,
 * Last-Modified, ranges, If-Range, If-None-Match, HEAD) and faults injected per path: dropped
 * connections, stalls, error statuses, bodies cut short, ranges ignored.
 */
import { createReadStream } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import https from 'node:https';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export type Fault =
  /** Headers and `afterBytes` body bytes, then the socket is destroyed. */
  | { kind: 'drop'; afterBytes: number; times?: number }
  /** Headers and `afterBytes` body bytes, then nothing; the socket stays open until close(). */
  | { kind: 'stall'; afterBytes: number; times?: number }
  /** Nothing at all, not even headers; the socket stays open until close(). */
  | { kind: 'hang'; times?: number }
  /** This status with a short text body instead of the file. */
  | { kind: 'status'; status: number; times?: number }
  /** The full Content-Length, `afterBytes` bytes, then the response ends and the connection closes. */
  | { kind: 'truncate'; afterBytes: number; times?: number }
  /** Range and If-Range ignored: always the whole file with 200. */
  | { kind: 'no-range'; times?: number };

export interface RequestRecord {
  method: string;
  /** The URL's path, without the query. */
  path: string;
  range?: string;
  ifRange?: string;
  status: number;
  /** Body bytes sent (so far, for a stalled answer). */
  sent: number;
  /** The fault applied, if any. */
  fault?: Fault['kind'];
  headers: IncomingHttpHeaders;
}

export interface FileServerOptions {
  /** Send ETag (default true). */
  etag?: boolean;
  /** Send Last-Modified and honour If-Modified-Since (default true). */
  lastModified?: boolean;
  /** Serve https with this key and certificate (PEM) instead of http. */
  tls?: { key: string; cert: string };
}

export interface FileServer {
  /** http://127.0.0.1:PORT/ */
  url: string;
  requests: RequestRecord[];
  /** Apply `fault` to the next `fault.times` (default 1) requests of `urlPath`, after the faults already queued for it. */
  fault(urlPath: string, fault: Fault): void;
  /** Drop the faults still queued (all of them, or those of `urlPath`). */
  clearFaults(urlPath?: string): void;
  /** Stop, cutting every open connection (stalled ones included). */
  close(): Promise<void>;
}

interface QueuedFault {
  fault: Fault;
  left: number;
}

export async function startFileServer(root: string, options: FileServerOptions = {}): Promise<FileServer> {
  const base = await realpath(root);
  const faults = new Map<string, QueuedFault[]>();
  const requests: RequestRecord[] = [];

  const takeFault = (urlPath: string): Fault | undefined => {
    const queue = faults.get(urlPath);
    const next = queue?.[0];
    if (!queue || !next) return undefined;
    next.left -= 1;
    if (next.left <= 0) queue.shift();
    return next.fault;
  };

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      res.destroy(error as Error);
    });
  };
  const server = options.tls ? https.createServer(options.tls, handler) : http.createServer(handler);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const urlPath = new URL(req.url ?? '/', 'http://server').pathname;
    const record: RequestRecord = {
      method: req.method ?? 'GET',
      path: urlPath,
      ...(req.headers.range ? { range: req.headers.range } : {}),
      ...(typeof req.headers['if-range'] === 'string' ? { ifRange: req.headers['if-range'] } : {}),
      status: 0,
      sent: 0,
      headers: req.headers,
    };
    requests.push(record);
    const fault = takeFault(urlPath);
    if (fault) record.fault = fault.kind;
    if (fault?.kind === 'hang') return;
    if (fault?.kind === 'status') return sendText(res, record, fault.status);
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, record, 405);

    const file = await resolveFile(base, urlPath);
    if (!file) return sendText(res, record, 404);
    const info = await stat(file, { bigint: true });
    const size = Number(info.size);
    const etag = `"${info.size.toString(16)}-${info.mtimeNs.toString(16)}"`;
    const lastModified = new Date(Number(info.mtimeMs)).toUTCString();
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream' };
    if (options.etag !== false) headers.etag = etag;
    if (options.lastModified !== false) headers['last-modified'] = lastModified;

    if (notModified(req.headers, options.etag !== false ? etag : undefined, options.lastModified !== false ? info.mtimeMs : undefined)) {
      record.status = 304;
      res.writeHead(304, headers).end();
      return;
    }

    let start = 0;
    let end = size - 1;
    let status = 200;
    if (fault?.kind !== 'no-range') {
      headers['accept-ranges'] = 'bytes';
      const ifRange = req.headers['if-range'];
      const current = ifRange === undefined || (options.etag !== false && ifRange === etag) || (options.lastModified !== false && ifRange === lastModified);
      const range = current ? parseRange(req.headers.range, size) : undefined;
      if (range === 'unsatisfiable') {
        record.status = 416;
        res.writeHead(416, { ...headers, 'content-range': `bytes */${size}`, 'content-length': '0' }).end();
        return;
      }
      if (range) {
        [start, end] = range;
        status = 206;
        headers['content-range'] = `bytes ${start}-${end}/${size}`;
      }
    }
    const length = Math.max(0, end - start + 1);
    headers['content-length'] = String(length);
    record.status = status;
    if (req.method === 'HEAD') {
      res.writeHead(status, headers).end();
      return;
    }

    if (fault?.kind === 'drop' || fault?.kind === 'stall' || fault?.kind === 'truncate') {
      const count = Math.min(fault.afterBytes, length);
      const bytes = await readRange(file, start, count);
      if (fault.kind === 'truncate') headers.connection = 'close';
      res.writeHead(status, headers);
      res.flushHeaders();
      await new Promise<void>((resolve) => res.write(bytes, () => resolve()));
      record.sent = count;
      if (fault.kind === 'drop') res.socket?.destroy();
      // A clean end short of Content-Length; the connection closes (Connection: close).
      if (fault.kind === 'truncate') res.end();
      return;
    }

    res.writeHead(status, headers);
    if (length === 0) {
      res.end();
      return;
    }
    const stream = createReadStream(file, { start, end });
    stream.on('data', (chunk) => {
      record.sent += chunk.length;
    });
    stream.on('error', (error) => res.destroy(error));
    stream.pipe(res);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}/`,
    requests,
    clearFaults(urlPath) {
      if (urlPath) faults.delete(urlPath.startsWith('/') ? urlPath : `/${urlPath}`);
      else faults.clear();
    },
    fault(urlPath, fault) {
      const key = urlPath.startsWith('/') ? urlPath : `/${urlPath}`;
      const queue = faults.get(key) ?? [];
      queue.push({ fault, left: fault.times ?? 1 });
      faults.set(key, queue);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function sendText(res: ServerResponse, record: RequestRecord, status: number): void {
  const body = `HTTP ${status}\n`;
  record.status = status;
  res.writeHead(status, { 'content-type': 'text/plain', 'content-length': String(body.length) });
  res.end(record.method === 'HEAD' ? undefined : body);
  if (record.method !== 'HEAD') record.sent = body.length;
}

/** The regular file under `base` that `urlPath` names, never one outside it (.. or a symlink out). */
async function resolveFile(base: string, urlPath: string): Promise<string | undefined> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const candidate = path.join(base, decoded);
  const real = await realpath(candidate).catch(() => undefined);
  if (!real || !real.startsWith(`${base}${path.sep}`)) return undefined;
  const info = await stat(real).catch(() => undefined);
  return info?.isFile() ? real : undefined;
}

/** If-None-Match (weak comparison), else If-Modified-Since. */
function notModified(headers: IncomingHttpHeaders, etag: string | undefined, mtimeMs: bigint | undefined): boolean {
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    if (!etag) return false;
    const weakless = (tag: string) => tag.trim().replace(/^W\//, '');
    return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || weakless(tag) === weakless(etag));
  }
  const since = Date.parse(headers['if-modified-since'] ?? '');
  // HTTP dates have whole seconds.
  return mtimeMs !== undefined && !Number.isNaN(since) && Math.floor(Number(mtimeMs) / 1000) * 1000 <= since;
}

/** One `bytes=` range as [start, end] inclusive; undefined for none, several or a malformed one (the whole file then). */
function parseRange(header: string | undefined, size: number): [number, number] | 'unsatisfiable' | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? '');
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0) return 'unsatisfiable';
    return [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (match[2] !== '' && Number(match[2]) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return [start, end];
}

async function readRange(file: string, start: number, count: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(count);
    let done = 0;
    while (done < count) {
      const { bytesRead } = await handle.read(buffer, done, count - done, start + done);
      if (!bytesRead) break;
      done += bytesRead;
    }
    return buffer.subarray(0, done);
  } finally {
    await handle.close();
  }
}
