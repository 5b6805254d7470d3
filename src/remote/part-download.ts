/**
 * downloadFile's work (src/remote/http.ts): a large file through `${dest}.part` and its sidecar
 * `${dest}.part.json`, resumed with Range and If-Range, renamed to `dest` once whole.
 */
import { mkdir, open, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { noSpaceError } from '../core/errors.js';
import { writeJsonAtomic } from '../core/atomic.js';
import type { DownloadResult, Validators } from './http.js';
import {
  AttemptFailed,
  conditionalHeaders,
  contentLength,
  encoded,
  interrupted,
  readBody,
  retrying,
  send,
  statusFailure,
  truncated,
  validatorsOf,
  Watchdog,
  type Settings,
  type Target,
} from './http-request.js';

/** If-Range takes a strong validator only: a weak ETag never matches, so the date is the fallback. */
function ifRangeValue(validators: Validators): string | undefined {
  if (validators.etag && !validators.etag.startsWith('W/')) return validators.etag;
  return validators.lastModified;
}

/** How many received bytes make one write (see PartDownload.write). */
const FLUSH_BYTES = 1 << 20;

const sidecarSchema = z.object({
  url: z.string(),
  validators: z.object({ etag: z.string().optional(), lastModified: z.string().optional() }),
  total: z.number().int().nonnegative().optional(),
});
type Sidecar = z.infer<typeof sidecarSchema>;

/** A file system step: a full disk is NO_SPACE (the part is kept, to resume once there is room). */
async function local<T>(promise: Promise<T>): Promise<T> {
  try {
    return await promise;
  } catch (error) {
    throw noSpaceError(error) ?? error;
  }
}

/**
 * One downloadFile call. The part file's bytes always belong to the version the sidecar's
 * validators name: the part is emptied before a new sidecar is written.
 */
export class PartDownload {
  private readonly part: string;
  private readonly sidecar: string;
  private file?: FileHandle;
  /** Bytes in the part file. */
  private offset = 0;
  /** Received, not yet written (see write()). */
  private buffer: Uint8Array[] = [];
  private buffered = 0;
  private inflight: Promise<void> | undefined;
  private total?: number;
  private validators: Validators = {};
  /** Whether the part may be resumed from (the sidecar holds a strong validator). */
  private resumable = false;
  private resumedFrom = 0;
  private transferred = 0;
  private url: string;
  private readonly conditional: Record<string, string>;

  constructor(
    private readonly where: Target,
    private readonly dest: string,
    private readonly s: Settings,
    private readonly since: Validators | undefined,
  ) {
    this.part = `${dest}.part`;
    this.sidecar = `${dest}.part.json`;
    this.url = where.href;
    this.conditional = conditionalHeaders(since);
  }

  async run(): Promise<DownloadResult> {
    if (this.s.signal?.aborted) throw interrupted(this.s.signal, this.where.href, 'Run the command again.');
    await local(mkdir(path.dirname(this.dest), { recursive: true }));
    await this.load();
    this.resumedFrom = this.offset;
    try {
      const notModified = await retrying(
        this.s,
        this.where.href,
        'Run the command again: the download resumes where it stopped.',
        async () => {
          // A server may answer a range with less than the rest: ask again for what is missing.
          for (;;) {
            const done = await this.attempt();
            if (done) return done === 'not-modified';
          }
        },
        () => this.offset,
      );
      if (notModified) {
        await this.discard();
        return { notModified: true, bytes: 0, transferred: 0, resumedFrom: 0, validators: { ...this.since, ...this.validators }, url: this.url };
      }
      await this.finish();
      return { notModified: false, bytes: this.offset, transferred: this.transferred, resumedFrom: this.resumedFrom, validators: this.validators, url: this.url };
    } finally {
      await this.file?.close().catch(() => undefined);
    }
  }

  /** What an earlier call left: resumable when the sidecar is for this URL and names a strong validator. */
  private async load(): Promise<void> {
    let record: Sidecar;
    try {
      record = sidecarSchema.parse(JSON.parse(await readFile(this.sidecar, 'utf8')));
    } catch {
      return;
    }
    if (record.url !== this.where.href || !ifRangeValue(record.validators)) return;
    const size = await stat(this.part).then((st) => (st.isFile() ? st.size : undefined), () => undefined);
    if (size === undefined || (record.total !== undefined && size > record.total)) return;
    this.offset = size;
    this.total = record.total;
    this.validators = record.validators;
    this.resumable = true;
  }

  /** One request; true when the file is complete, 'not-modified' on a 304, false when bytes are still missing. */
  private async attempt(): Promise<boolean | 'not-modified'> {
    const ranged = this.offset > 0 && this.resumable;
    if (this.offset > 0 && !ranged) await this.restart();
    const headers = { ...this.conditional };
    if (ranged) Object.assign(headers, { range: `bytes=${this.offset}-`, 'if-range': ifRangeValue(this.validators)! });
    const watchdog = new Watchdog(this.s.stallMs, this.s.signal);
    try {
      const response = await send(this.where, headers, watchdog, this.s);
      this.url = response.url || this.where.href;
      if (response.status === 304 && Object.keys(this.conditional).length) {
        this.validators = { ...this.validators, ...validatorsOf(response) };
        return 'not-modified';
      }
      if (response.status === 416 && ranged) return this.unsatisfiable(response);
      if (!response.ok) {
        const failure = statusFailure(response, this.where.href);
        if (failure.code === 'REMOTE_NOT_FOUND') await this.discard();
        throw failure;
      }
      let end: number | undefined;
      if (response.status === 206) {
        const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/i.exec(response.headers.get('content-range') ?? '');
        const start = Number(range?.[1]);
        const total = range?.[3] === '*' ? undefined : Number(range?.[3]);
        if (!ranged || !range || start !== this.offset || encoded(response)) throw await this.unusableRange(response, ranged);
        if (total !== undefined && this.total !== undefined && total !== this.total) {
          // The validator matched but the size did not: trust the size and start over.
          await this.restart();
          return false;
        }
        this.total = total ?? this.total;
        end = Number(range[2]) + 1;
      } else {
        await this.restart();
        const identity = !encoded(response);
        this.total = identity ? contentLength(response) : undefined;
        this.validators = validatorsOf(response);
        this.resumable = identity && Boolean(ifRangeValue(this.validators));
        await this.save();
        end = this.total;
      }
      watchdog.kick();
      const before = this.offset;
      this.s.onProgress?.({ received: this.offset, total: this.total });
      const received = () => this.offset + this.buffered;
      try {
        await readBody(response, watchdog, this.s, this.where.href, () => ({ received: received(), total: this.total, gained: received() - before }), (chunk) => this.write(chunk));
      } finally {
        // What arrived is kept even when the body broke off: the next attempt resumes after it.
        await this.flush();
      }
      if (end !== undefined && this.offset < end) throw truncated(this.where.href, this.offset, this.total ?? end, true);
      if (response.status === 206 && this.offset === before) throw await this.unusableRange(response, ranged);
      return this.total === undefined || this.offset >= this.total;
    } finally {
      watchdog.dispose();
    }
  }

  /** 416 to `bytes=N-`: the part is already whole when the server's size is N; otherwise start over. */
  private async unsatisfiable(response: Response): Promise<boolean> {
    const size = Number(/^bytes \*\/(\d+)$/i.exec(response.headers.get('content-range') ?? '')?.[1] ?? NaN);
    if (size === this.offset && (this.total === undefined || this.total === size)) {
      this.total = size;
      return true;
    }
    await this.restart();
    return false;
  }

  /** A 206 sim cannot use: the part is dropped, so that the next run downloads the whole file. */
  private async unusableRange(response: Response, ranged: boolean): Promise<AttemptFailed> {
    const asked = ranged ? `from byte ${this.offset}` : 'without a range';
    const got = response.headers.get('content-range') ?? 'no Content-Range';
    await this.discard();
    return new AttemptFailed(
      'REMOTE_HTTP_ERROR',
      `The server answered a request for ${this.where.href} ${asked} with a partial answer sim cannot use (${got})`,
      'Run the command again to download the whole file; if this repeats, the server mishandles ranges: tell its administrator.',
      false,
    );
  }

  /**
   * Bytes are gathered into writes of FLUSH_BYTES, one in flight while the next is received:
   * a positioned write per network read (about 64 KiB) held a download to 3/4 of curl's rate.
   */
  private write(chunk: Uint8Array): Promise<void> | undefined {
    this.buffer.push(chunk);
    this.buffered += chunk.length;
    return this.buffered >= FLUSH_BYTES ? this.flush(false) : undefined;
  }

  /** Start writing what is buffered (after the write in flight); `wait`: until all of it landed. */
  private async flush(wait = true): Promise<void> {
    const previous = this.inflight;
    this.inflight = undefined;
    await previous;
    if (this.buffered) {
      const data = Buffer.concat(this.buffer, this.buffered);
      this.buffer = [];
      this.buffered = 0;
      this.inflight = this.writeAt(data);
      // Awaited by the next flush; a failure surfaces there, not as an unhandled rejection.
      this.inflight.catch(() => undefined);
    }
    if (wait) {
      const last = this.inflight;
      this.inflight = undefined;
      await last;
    }
  }

  private async writeAt(data: Buffer): Promise<void> {
    this.file ??= await local(open(this.part, this.offset > 0 ? 'r+' : 'w'));
    // Positioned writes: the file was opened without O_APPEND, which would ignore positions.
    for (let done = 0; done < data.length; ) {
      const { bytesWritten } = await local(this.file.write(data, done, data.length - done, this.offset + done));
      if (!bytesWritten) throw new Error(`Writing ${this.part} made no progress.`);
      done += bytesWritten;
    }
    this.offset += data.length;
    this.transferred += data.length;
    this.s.onProgress?.({ received: this.offset, total: this.total });
  }

  /** Empty the part (a new version, or a server that ignored the range). */
  private async restart(): Promise<void> {
    if (this.file) await local(this.file.truncate(0));
    else this.file = await local(open(this.part, 'w'));
    this.offset = 0;
    this.resumedFrom = 0;
  }

  private async save(): Promise<void> {
    const record: Sidecar = { url: this.where.href, validators: this.resumable ? this.validators : {}, ...(this.total === undefined ? {} : { total: this.total }) };
    await local(writeJsonAtomic(this.sidecar, record));
  }

  private async finish(): Promise<void> {
    // Whole already (a 416 or an empty body): the part may not be open yet.
    this.file ??= await local(open(this.part, this.offset > 0 ? 'r+' : 'w'));
    await local(this.file.sync());
    await this.file.close();
    this.file = undefined;
    await local(rename(this.part, this.dest));
    await rm(this.sidecar, { force: true });
  }

  private async discard(): Promise<void> {
    await this.file?.close().catch(() => undefined);
    this.file = undefined;
    await rm(this.part, { force: true });
    await rm(this.sidecar, { force: true });
    this.offset = 0;
    this.resumable = false;
  }
}

