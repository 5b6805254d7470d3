/**
 * One HTTP request of src/remote/http.ts and what its failures mean: the URL checked and its
 * credentials turned into a header, the stall watchdog, retries with backoff, and each way a
 * request fails mapped to a SimError naming the URL.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SimError, isSimError, type ErrorCode } from '../core/errors.js';
import type { HttpOptions, TransferProgress, Validators } from './http.js';

const DEFAULT_STALL_MS = 30_000;
const DEFAULT_RETRIES = 5;
const DEFAULT_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 8_000;
// Node's timers overflow above this.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The URL without user and password, for messages. Pure. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.href;
  } catch {
    return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1');
  }
}

export interface Target {
  /** Without credentials or fragment: what is requested, shown and recorded. */
  href: string;
  /** Authorization, when the URL carried credentials. */
  headers: Record<string, string>;
}

export function target(url: string): Target {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new SimError('USAGE', `'${describeUrl(url)}' is not a valid URL.`, 'Give a full address like https://example.org/images/debian.qcow2.');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new SimError('USAGE', `'${describeUrl(url)}' is not an http:// or https:// URL.`, "sim downloads over HTTP(S) only: give an http:// or https:// address (a local file is imported with 'sim image add').");
  }
  const headers: Record<string, string> = {};
  if (parsed.username || parsed.password) {
    // fetch refuses URLs with credentials: they travel as Basic authentication instead.
    const user = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
    headers.authorization = `Basic ${Buffer.from(user).toString('base64')}`;
    parsed.username = '';
    parsed.password = '';
  }
  parsed.hash = '';
  return { href: parsed.href, headers };
}

export interface Settings {
  stallMs: number;
  retries: number;
  backoffMs: number;
  signal?: AbortSignal;
  onProgress?: (p: TransferProgress) => void;
}

export function settings(options: HttpOptions): Settings {
  return {
    stallMs: whole('stallMs', options.stallMs ?? fromEnv('SIM_HTTP_STALL_MS') ?? DEFAULT_STALL_MS, 1, MAX_TIMER_MS),
    retries: whole('retries', options.retries ?? DEFAULT_RETRIES, 0, 1000),
    backoffMs: whole('backoffMs', options.backoffMs ?? fromEnv('SIM_HTTP_BACKOFF_MS') ?? DEFAULT_BACKOFF_MS, 0, MAX_TIMER_MS),
    signal: options.signal,
    onProgress: options.onProgress,
  };
}

export function whole(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new SimError('USAGE', `The HTTP option ${name} must be a whole number from ${min} to ${max}, not ${value}.`, `Pass ${name} as a whole number in that range.`);
  }
  return value;
}

function fromEnv(name: string): number | undefined {
  const text = process.env[name]?.trim();
  if (!text) return undefined;
  if (!/^\d+$/.test(text)) throw new SimError('USAGE', `${name} must be a whole number of milliseconds, not '${text}'.`, `Set ${name} to a number like 30000, or unset it.`);
  return Number(text);
}

/**
 * One request's abort: the caller's signal, or no byte for `stallMs` (the timer restarts on
 * every chunk), so that a server stalling before its headers or mid-body is noticed alike.
 */
export class Watchdog {
  private readonly controller = new AbortController();
  private timer?: NodeJS.Timeout;
  stalled = false;

  constructor(
    readonly stallMs: number,
    private readonly caller?: AbortSignal,
  ) {
    caller?.addEventListener('abort', this.onAbort, { once: true });
    this.kick();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  private readonly onAbort = () => this.controller.abort(this.caller?.reason);

  kick(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.stalled = true;
      this.controller.abort(new Error(`no data for ${this.stallMs} ms`));
    }, this.stallMs);
  }

  /** Stop the timer and release the connection (a body nobody read is abandoned). */
  dispose(): void {
    clearTimeout(this.timer);
    this.caller?.removeEventListener('abort', this.onAbort);
    this.controller.abort();
  }
}

/** A failed attempt: whether another may help, and what the user sees when none is left. */
export class AttemptFailed extends Error {
  constructor(
    readonly code: ErrorCode,
    /** The message without its final period: the attempt count may follow. */
    readonly what: string,
    readonly hint: string,
    readonly retry: boolean,
    cause?: unknown,
  ) {
    super(what, { cause });
  }

  toSimError(attempts: number): SimError {
    return new SimError(this.code, `${this.what}${attempts > 1 ? ` (${attempts} attempts)` : ''}.`, this.hint, { cause: this.cause });
  }
}

/** Run `attempt` until it succeeds, a failure it cannot retry, or `retries` failures in a row without `advance()` growing. */
export async function retrying<T>(s: Settings, href: string, interruptedHint: string, attempt: () => Promise<T>, advance: () => number = () => 0): Promise<T> {
  let attempts = 0;
  let failures = 0;
  let best = advance();
  for (;;) {
    if (s.signal?.aborted) throw interrupted(s.signal, href, interruptedHint);
    attempts += 1;
    try {
      return await attempt();
    } catch (error) {
      if (s.signal?.aborted) throw interrupted(s.signal, href, interruptedHint);
      if (!(error instanceof AttemptFailed)) throw error;
      if (advance() > best) {
        best = advance();
        failures = 0;
      }
      failures += 1;
      if (!error.retry || failures > s.retries) throw error.toSimError(attempts);
      try {
        await sleep(Math.min(s.backoffMs * 2 ** (failures - 1), MAX_BACKOFF_MS), undefined, { signal: s.signal });
      } catch {
        throw interrupted(s.signal!, href, interruptedHint);
      }
    }
  }
}

export function interrupted(signal: AbortSignal, href: string, hint: string): SimError {
  // A caller that aborts with a SimError (the first of several parallel fetches to fail) gets it back.
  if (isSimError(signal.reason)) return signal.reason;
  return new SimError('INTERRUPTED', `The transfer of ${href} was interrupted.`, hint);
}

export async function send(where: Target, headers: Record<string, string>, watchdog: Watchdog, s: Settings): Promise<Response> {
  try {
    // identity: byte offsets and Content-Length must be those of the file itself.
    const response = await fetch(where.href, { headers: { 'accept-encoding': 'identity', ...where.headers, ...headers }, signal: watchdog.signal });
    watchdog.kick();
    return response;
  } catch (error) {
    throw networkFailure(error, watchdog, s, where.href, undefined);
  }
}

/** Read the body chunk by chunk; each chunk restarts the stall timer. */
export async function readBody(
  response: Response,
  watchdog: Watchdog,
  s: Settings,
  href: string,
  progress: () => TransferProgress & { gained?: number },
  onChunk: (chunk: Uint8Array) => void | Promise<void>,
): Promise<void> {
  const reader = response.body?.getReader();
  if (!reader) return;
  for (;;) {
    let next: ReadableStreamReadResult<Uint8Array>;
    try {
      next = await reader.read();
    } catch (error) {
      throw networkFailure(error, watchdog, s, href, progress());
    }
    if (next.done) return;
    watchdog.kick();
    await onChunk(next.value);
    // A slow disk is not a stalled server.
    watchdog.kick();
  }
}

const UNREACHABLE_HINT = 'Check the URL, that the server is up and your network connection, then run the command again.';

/**
 * What a fetch or body failure means. `body` is set once headers arrived: a failure then cut
 * the body short (undici says "terminated"), and is worth retrying when it brought bytes.
 */
function networkFailure(error: unknown, watchdog: Watchdog, s: Settings, href: string, body: (TransferProgress & { gained?: number }) | undefined): unknown {
  if (s.signal?.aborted) return error;
  const cause = ((error as { cause?: unknown })?.cause ?? error) as NodeJS.ErrnoException;
  const code = cause?.code ?? '';
  const at = body ? ` at byte ${body.received}${body.total === undefined ? '' : ` of ${body.total}`}` : '';
  if (watchdog.stalled || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    const what = body ? `The transfer of ${href} stalled${at}: no data for ${seconds(watchdog.stallMs)}` : `The server sent no answer for ${href} within ${seconds(watchdog.stallMs)}`;
    // A connection that died mid-way (a NAT forgot it) is worth another; a server that never answers is not.
    return new AttemptFailed('REMOTE_TIMEOUT', what, 'Run the command again later: a download resumes where it stopped.', Boolean(body?.gained), error);
  }
  if (body) return truncated(href, body.received, body.total, true, error);
  const host = new URL(href).host;
  const why = (cause?.message ?? String(cause)).replace(/\.$/, '');
  if (why === 'bad port') {
    // The Fetch standard blocks ports of other protocols (6000, 6665-6669, ...).
    return new AttemptFailed('USAGE', `sim cannot fetch ${href}: its port is one that fetch refuses to use`, 'Serve the file on another port (80, 443 or 8000 and up, say).', false, error);
  }
  if (code === 'ENOTFOUND') {
    return new AttemptFailed('REMOTE_UNREACHABLE', `The host ${new URL(href).hostname} of ${href} was not found`, 'Check the host name in the URL and your DNS or network connection.', false, error);
  }
  if (/CERT|TLS|SSL/.test(code)) {
    return new AttemptFailed('REMOTE_UNREACHABLE', `The secure connection to ${host} for ${href} failed: ${why}`, "Check the URL's scheme (http or https) and the server's certificate; NODE_EXTRA_CA_CERTS=FILE adds a private certificate authority.", false, error);
  }
  return new AttemptFailed('REMOTE_UNREACHABLE', `${host} could not be reached for ${href}: ${why}`, UNREACHABLE_HINT, true, error);
}

export function truncated(href: string, received: number, total: number | undefined, retry: boolean, cause?: unknown): AttemptFailed {
  const of = total === undefined ? '' : ` of ${total}`;
  return new AttemptFailed('REMOTE_TRUNCATED', `The server's answer for ${href} was cut short at byte ${received}${of}`, 'Run the command again: a download resumes from the bytes already received.', retry, cause);
}

export function statusFailure(response: Response, href: string): AttemptFailed {
  const status = response.status;
  if (status === 404 || status === 410) {
    return new AttemptFailed('REMOTE_NOT_FOUND', `${href} is not on the server (HTTP ${status})`, 'Check the URL: the file may have been moved or removed.', false);
  }
  const retry = status >= 500 || status === 408 || status === 429;
  const hint =
    status === 401 || status === 403
      ? 'The server refused access: check the URL, and put the credentials it needs in it (https://USER:PASSWORD@host/...).'
      : retry
        ? 'The server is failing or busy: try again later.'
        : 'Check the URL.';
  const text = response.statusText ? ` ${response.statusText}` : '';
  return new AttemptFailed('REMOTE_HTTP_ERROR', `The server answered HTTP ${status}${text} for ${href}`, hint, retry);
}

function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}

export function validatorsOf(response: Response): Validators {
  const etag = response.headers.get('etag') ?? undefined;
  const lastModified = response.headers.get('last-modified') ?? undefined;
  return { ...(etag ? { etag } : {}), ...(lastModified ? { lastModified } : {}) };
}

export function conditionalHeaders(validators: Validators | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  if (validators?.etag) headers['if-none-match'] = validators.etag;
  if (validators?.lastModified) headers['if-modified-since'] = validators.lastModified;
  return headers;
}

export function contentLength(response: Response): number | undefined {
  const text = response.headers.get('content-length');
  return text && /^\d+$/.test(text) ? Number(text) : undefined;
}

/** fetch decodes gzip and friends itself: lengths and offsets are then not the file's. */
export function encoded(response: Response): boolean {
  const encoding = response.headers.get('content-encoding');
  return Boolean(encoding && encoding.toLowerCase() !== 'identity');
}
