// Every URL the page uses: relative to the page (the server may sit under any path), with the
// page's token as the `token` query parameter, which the server wants on every request and socket.
import type { ErrorEvent, Problem, ResultEvent, SimEvent } from './types.js';

const token = new URLSearchParams(location.search).get('token') ?? '';

/** An http(s) URL for a path relative to the page, with the token. */
export function apiUrl(path: string): URL {
  const url = new URL(path, location.href);
  url.hash = '';
  url.searchParams.set('token', token);
  return url;
}

/** A ws(s) URL for a path relative to the page, with the token (wss: on an https: page). */
export function wsUrl(path: string): string {
  const url = apiUrl(path);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

/** A simulator's path: `api/sim/NAME/keys`, `ws/sim/NAME/screen`. */
export function simPath(kind: 'api' | 'ws', name: string, what: string): string {
  return `${kind}/sim/${encodeURIComponent(name)}/${what}`;
}

/** A failure with the server's code, message and hint (an HTTP error's JSON or an `error` event). */
export class ApiError extends Error implements Problem {
  constructor(readonly code: string, message: string, readonly hint?: string) {
    super(message);
  }
}

function isProblem(value: unknown): value is Problem {
  return typeof value === 'object' && value !== null && typeof (value as Problem).code === 'string' && typeof (value as Problem).message === 'string';
}

/** The ApiError of a failed response: its JSON {code, message, hint} when it has one. */
async function errorOf(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  try {
    const body: unknown = JSON.parse(text);
    if (isProblem(body)) return new ApiError(body.code, body.message, body.hint);
  } catch {
    // Not JSON: the status line and the text say what there is to say.
  }
  return new ApiError(`HTTP_${response.status}`, `The server answered ${response.status} ${response.statusText}${text ? `: ${text.slice(0, 200)}` : ''}.`);
}

/** A request that did not reach the server (it is down, or the network is). */
function unreachable(cause: unknown): ApiError {
  return new ApiError('UNREACHABLE', `The web console's server did not answer (${cause instanceof Error ? cause.message : String(cause)}).`, 'Is `sim web` still running? Start it again and reload this page.');
}

export async function getJson<T>(path: string): Promise<T> {
  let response: Response;
  try {
    response = await fetch(apiUrl(path), { headers: { Accept: 'application/json' } });
  } catch (cause) {
    throw unreachable(cause);
  }
  if (!response.ok) throw await errorOf(response);
  return (await response.json()) as T;
}

/** A binary download (the screenshot): the blob and the file name the server suggests. */
export async function getFile(path: string, fallbackName: string): Promise<{ blob: Blob; fileName: string }> {
  let response: Response;
  try {
    response = await fetch(apiUrl(path));
  } catch (cause) {
    throw unreachable(cause);
  }
  if (!response.ok) throw await errorOf(response);
  const disposition = response.headers.get('Content-Disposition') ?? '';
  const fileName = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? fallbackName;
  return { blob: await response.blob(), fileName };
}

export interface ActionOutcome {
  result: ResultEvent;
  /** The last `error` event before the result, if any. */
  error?: ErrorEvent;
}

/**
 * POST an action and read its NDJSON answer as it comes, one event per line, to the `result`
 * event. Throws an ApiError for an HTTP error, a dropped connection or an answer without a result.
 */
export async function postAction(path: string, body: unknown, onEvent: (event: SimEvent) => void): Promise<ActionOutcome> {
  let response: Response;
  try {
    response = await fetch(apiUrl(path), {
      method: 'POST',
      headers: { Accept: 'application/x-ndjson', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (cause) {
    throw unreachable(cause);
  }
  if (!response.ok) throw await errorOf(response);
  if (!response.body) throw new ApiError('NO_ANSWER', 'The server sent an empty answer.');

  let result: ResultEvent | undefined;
  let error: ErrorEvent | undefined;
  const take = (line: string): void => {
    if (!line.trim()) return;
    let event: SimEvent;
    try {
      event = JSON.parse(line) as SimEvent;
    } catch {
      return; // A line that is not JSON is not an event; the result still decides.
    }
    if (event.type === 'result') result = event;
    if (event.type === 'error') error = event;
    onEvent(event);
  };

  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let pending = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      pending += decoder.decode(value, { stream: true });
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      lines.forEach(take);
    }
  } catch (cause) {
    throw new ApiError('CONNECTION_LOST', `The answer stopped midway (${cause instanceof Error ? cause.message : String(cause)}).`, 'The action may still be running: watch the events, or check `sim ls` in a terminal.');
  }
  take(pending + decoder.decode());
  if (!result) {
    if (error) throw new ApiError(error.code, error.message, error.hint);
    throw new ApiError('NO_RESULT', 'The server ended its answer without a result.', 'The action may still be running: watch the events, or check `sim ls` in a terminal.');
  }
  return { result, ...(error ? { error } : {}) };
}
