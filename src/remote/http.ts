/**
 * The HTTP(S) transport image pulls use: small files into memory (fetchBytes) and large ones to
 * disk, resumable across drops and across runs (downloadFile). Node's own fetch (undici). Every
 * failure is a SimError naming the URL without its credentials.
 */
import { SimError } from '../core/errors.js';
import { PartDownload } from './part-download.js';
import { conditionalHeaders, contentLength, encoded, readBody, retrying, send, settings, statusFailure, target, truncated, validatorsOf, Watchdog, whole } from './http-request.js';

export { describeUrl } from './http-request.js';

export interface Validators {
  etag?: string;
  lastModified?: string;
}

/**
 * Bytes of the body; a resumed download counts the whole file, the resumed bytes included. It
 * goes back to 0 only when a download starts over (the file changed, or ranges are ignored).
 */
export interface TransferProgress {
  received: number;
  total?: number;
}

export interface HttpOptions {
  signal?: AbortSignal;
  /** No byte for this long: REMOTE_TIMEOUT. Default 30 s; env SIM_HTTP_STALL_MS overrides the default (tests use it). */
  stallMs?: number;
  /**
   * Attempts after a dropped connection / truncated body / 5xx / connection reset / a stall
   * mid-body, with backoff. Counted in a row: an attempt that brings a download further starts
   * the count again. Default 5. 4xx are not retried.
   */
  retries?: number;
  /** The first pause between attempts, doubled each time (at most 8 s). Default 500 ms; env SIM_HTTP_BACKOFF_MS overrides the default. */
  backoffMs?: number;
  onProgress?: (p: TransferProgress) => void;
  /** Conditional request: a 304 answers `notModified: true`. */
  ifNoneMatch?: Validators;
}

export interface FetchBytesResult {
  notModified: boolean;
  body?: Buffer;
  validators: Validators;
  /** The final URL after redirects. */
  url: string;
}

export interface DownloadResult {
  notModified: boolean;
  /** The size of `dest`. */
  bytes: number;
  /** Bytes received over the network in this call. */
  transferred: number;
  /** Bytes a part file left by an earlier call held and this one kept (0 when it started over). */
  resumedFrom: number;
  validators: Validators;
  /** The final URL after redirects. */
  url: string;
}

const DEFAULT_MAX_BYTES = 64 << 20;

/**
 * A large file to `dest`. Bytes go to `${dest}.part`, described by `${dest}.part.json` (URL,
 * validators, size); a later attempt, in this call or a new process, resumes with `Range:
 * bytes=N-` and `If-Range`. A 200 answer to it (the file changed, or the server ignores ranges)
 * starts over; a 206 must start at N. On success the part is fsynced and renamed to `dest`.
 * Without a strong ETag or a Last-Modified nothing can prove the part current: it is not resumed.
 * Callers serialize downloads to one `dest` (src/core/lock.ts): the part file has one writer.
 */
export async function downloadFile(url: string, dest: string, options: HttpOptions = {}): Promise<DownloadResult> {
  const download = new PartDownload(target(url), dest, settings(options), options.ifNoneMatch);
  return download.run();
}

/** A small file (checksums, manifest, index, chunk) into memory; a body above `maxBytes` (default 64 MiB) is REMOTE_BAD_DATA. */
export async function fetchBytes(url: string, options: HttpOptions & { maxBytes?: number } = {}): Promise<FetchBytesResult> {
  const where = target(url);
  const s = settings(options);
  const maxBytes = whole('maxBytes', options.maxBytes ?? DEFAULT_MAX_BYTES, 0, Number.MAX_SAFE_INTEGER);
  const conditional = conditionalHeaders(options.ifNoneMatch);
  const tooLarge = () =>
    new SimError('REMOTE_BAD_DATA', `${where.href} is larger than the ${maxBytes} bytes sim accepts for it.`, 'Check that the URL names the small file it should (a checksum list, manifest, index or chunk), not an image.');
  return retrying(s, where.href, 'Run the command again.', async () => {
    const watchdog = new Watchdog(s.stallMs, s.signal);
    try {
      const response = await send(where, conditional, watchdog, s);
      const validators = validatorsOf(response);
      if (response.status === 304 && Object.keys(conditional).length) {
        return { notModified: true, validators: { ...options.ifNoneMatch, ...validators }, url: response.url || where.href };
      }
      if (!response.ok) throw statusFailure(response, where.href);
      const length = encoded(response) ? undefined : contentLength(response);
      if (length !== undefined && length > maxBytes) throw tooLarge();
      const chunks: Uint8Array[] = [];
      let received = 0;
      await readBody(response, watchdog, s, where.href, () => ({ received, total: length, gained: received }), (chunk) => {
        received += chunk.length;
        if (received > maxBytes) throw tooLarge();
        chunks.push(chunk);
        s.onProgress?.({ received, total: length });
      });
      if (length !== undefined && received < length) throw truncated(where.href, received, length, true);
      return { notModified: false, body: Buffer.concat(chunks), validators, url: response.url || where.href };
    } finally {
      watchdog.dispose();
    }
  });
}
