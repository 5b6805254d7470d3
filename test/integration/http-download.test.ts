/**
 * The HTTP transport (src/remote/http.ts) against a real server on 127.0.0.1 that drops,
 * stalls, truncates and fails on request (test/helpers/http-server.ts), with real files.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeUrl, downloadFile, fetchBytes, type TransferProgress } from '../../src/remote/http.js';
import { SimError } from '../../src/core/errors.js';
import { startFileServer, type FileServer } from '../helpers/http-server.js';
import { expectSimError } from '../helpers/sim-error.js';

const SIZE = 3 * 1024 * 1024 + 12345;
const MiB = 1024 * 1024;

let dir = '';
let served = '';
let server: FileServer;
let content: Buffer;
const savedEnv = { stall: process.env.SIM_HTTP_STALL_MS, backoff: process.env.SIM_HTTP_BACKOFF_MS };

test.before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sim-http-'));
  served = path.join(dir, 'served');
  await mkdir(served);
  content = randomBytes(SIZE);
  server = await startFileServer(served);
  // Retries in milliseconds, not seconds: the backoff's length is not what is tested.
  process.env.SIM_HTTP_BACKOFF_MS = '10';
  delete process.env.SIM_HTTP_STALL_MS;
});

test.after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
  for (const [name, value] of [['SIM_HTTP_STALL_MS', savedEnv.stall], ['SIM_HTTP_BACKOFF_MS', savedEnv.backoff]] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

/** A file on the server (the shared random content unless given); returns its URL. */
async function serve(name: string, bytes: Buffer = content): Promise<string> {
  await writeFile(path.join(served, name), bytes);
  return `${server.url}${name}`;
}

function requestsOf(name: string) {
  return server.requests.filter((r) => r.path === `/${name}`);
}

function destFor(name: string): string {
  return path.join(dir, 'out', name);
}

async function assertFile(file: string, expected: Buffer): Promise<void> {
  const actual = await readFile(file);
  assert.is(actual.length, expected.length, 'size');
  assert.ok(actual.equals(expected), 'the bytes differ');
}

test('describeUrl drops user and password, keeps the rest', () => {
  assert.is(describeUrl('https://user:secret@example.org/a/b.img?x=1'), 'https://example.org/a/b.img?x=1');
  assert.is(describeUrl('http://example.org:8080/x'), 'http://example.org:8080/x');
  // Not parseable (a broken IPv6 host): still no password.
  assert.is(describeUrl('http://u:p@[bad/x.img'), 'http://[bad/x.img');
});

test('a plain download: the bytes, the validators, the part files gone, progress monotonic up to the total', async () => {
  const url = await serve('plain.img');
  const dest = destFor('plain.img');
  const progress: TransferProgress[] = [];
  const result = await downloadFile(url, dest, { onProgress: (p) => progress.push(p) });
  await assertFile(dest, content);
  assert.is(result.notModified, false);
  assert.is(result.bytes, SIZE);
  assert.is(result.transferred, SIZE);
  assert.is(result.resumedFrom, 0);
  assert.is(result.url, url);
  assert.match(result.validators.etag ?? '', /^"[0-9a-f]+-[0-9a-f]+"$/);
  assert.ok(result.validators.lastModified);
  assert.not.ok(existsSync(`${dest}.part`));
  assert.not.ok(existsSync(`${dest}.part.json`));
  assert.ok(progress.length > 2, `${progress.length} progress calls`);
  for (let i = 1; i < progress.length; i++) assert.ok(progress[i]!.received >= progress[i - 1]!.received, `progress went back at ${i}`);
  assert.ok(progress.every((p) => p.total === SIZE));
  assert.equal(progress.at(-1), { received: SIZE, total: SIZE });
  const requests = requestsOf('plain.img');
  assert.is(requests.length, 1);
  assert.is(requests[0]!.headers['accept-encoding'], 'identity');
});

test('a dropped connection is resumed with a Range request, not downloaded again', async () => {
  const url = await serve('drop.img');
  const dest = destFor('drop.img');
  server.fault('/drop.img', { kind: 'drop', afterBytes: Math.floor(1.5 * MiB) });
  const result = await downloadFile(url, dest);
  await assertFile(dest, content);
  const requests = requestsOf('drop.img');
  assert.is(requests.length, 2);
  assert.is(requests[0]!.status, 200);
  assert.is(requests[1]!.status, 206);
  const start = Number(/^bytes=(\d+)-$/.exec(requests[1]!.range ?? '')?.[1]);
  assert.ok(start > 0 && start <= 1.5 * MiB, `range ${requests[1]!.range}`);
  assert.is(requests[1]!.ifRange, result.validators.etag);
  assert.is(result.transferred, SIZE);
  const sent = requests.reduce((sum, r) => sum + r.sent, 0);
  assert.ok(sent < 2 * SIZE, `${sent} bytes sent for ${SIZE}`);
});

test('a body cut short (Content-Length not reached, clean end) is resumed', async () => {
  const url = await serve('truncate.img');
  const dest = destFor('truncate.img');
  server.fault('/truncate.img', { kind: 'truncate', afterBytes: MiB });
  const result = await downloadFile(url, dest);
  await assertFile(dest, content);
  const requests = requestsOf('truncate.img');
  assert.equal(requests.map((r) => r.status), [200, 206]);
  // undici errors the body stream when it ends short, which drops the chunks still queued in it:
  // the part may hold a little less than was sent.
  const start = Number(/^bytes=(\d+)-$/.exec(requests[1]!.range ?? '')?.[1]);
  assert.ok(start > MiB - 256 * 1024 && start <= MiB, `range ${requests[1]!.range}`);
  assert.is(result.transferred, SIZE);
});

test('a stall mid-body that brought bytes is retried within the call, from where it stopped', async () => {
  const url = await serve('stall-retry.img');
  const dest = destFor('stall-retry.img');
  server.fault('/stall-retry.img', { kind: 'stall', afterBytes: MiB });
  const result = await downloadFile(url, dest, { stallMs: 300 });
  await assertFile(dest, content);
  assert.equal(requestsOf('stall-retry.img').map((r) => [r.status, r.range]), [[200, undefined], [206, `bytes=${MiB}-`]]);
  assert.is(result.transferred, SIZE);
});

test('a stall ends the call with REMOTE_TIMEOUT keeping the part; the next call resumes it (SIM_HTTP_STALL_MS)', async () => {
  const url = await serve('resume.img');
  const dest = destFor('resume.img');
  server.fault('/resume.img', { kind: 'stall', afterBytes: MiB });
  process.env.SIM_HTTP_STALL_MS = '300';
  const started = Date.now();
  try {
    const error = await expectSimError(downloadFile(url, dest, { retries: 0 }), 'REMOTE_TIMEOUT');
    assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
    assert.match(error.message, url);
    assert.match(error.message, '300 ms');
  } finally {
    delete process.env.SIM_HTTP_STALL_MS;
  }
  assert.not.ok(existsSync(dest));
  assert.is((await stat(`${dest}.part`)).size, MiB);
  const sidecar = JSON.parse(await readFile(`${dest}.part.json`, 'utf8'));
  assert.is(sidecar.url, url);
  assert.is(sidecar.total, SIZE);

  const result = await downloadFile(url, dest);
  await assertFile(dest, content);
  assert.is(result.resumedFrom, MiB);
  assert.is(result.transferred, SIZE - MiB);
  const last = requestsOf('resume.img').at(-1)!;
  assert.is(last.range, `bytes=${MiB}-`);
  assert.is(last.status, 206);
  assert.not.ok(existsSync(`${dest}.part.json`));
});

test('a file changed between calls: If-Range does not match, the server sends it whole, the download starts over', async () => {
  const url = await serve('changed.img');
  const dest = destFor('changed.img');
  server.fault('/changed.img', { kind: 'stall', afterBytes: MiB });
  await expectSimError(downloadFile(url, dest, { stallMs: 300, retries: 0 }), 'REMOTE_TIMEOUT');
  const changed = randomBytes(SIZE);
  await serve('changed.img', changed);
  // Another mtime for certain: the ETag is made of size and mtime.
  await utimes(path.join(served, 'changed.img'), new Date(2_000_000_000_000), new Date(2_000_000_000_000));
  const result = await downloadFile(url, dest);
  await assertFile(dest, changed);
  const last = requestsOf('changed.img').at(-1)!;
  assert.is(last.range, `bytes=${MiB}-`);
  assert.is(last.status, 200);
  assert.is(result.resumedFrom, 0);
  assert.is(result.transferred, SIZE);
});

test('a server that ignores ranges: the retry after a drop starts over and still ends right', async () => {
  const url = await serve('no-range.img');
  const dest = destFor('no-range.img');
  server.fault('/no-range.img', { kind: 'drop', afterBytes: MiB });
  server.fault('/no-range.img', { kind: 'no-range' });
  const result = await downloadFile(url, dest);
  await assertFile(dest, content);
  assert.equal(requestsOf('no-range.img').map((r) => [r.status, r.range !== undefined]), [[200, false], [200, true]]);
  assert.is(result.resumedFrom, 0);
});

test('a part file for another URL is not resumed', async () => {
  const first = await serve('other-a.img');
  const second = await serve('other-b.img', randomBytes(SIZE));
  const dest = destFor('other.img');
  server.fault('/other-a.img', { kind: 'stall', afterBytes: MiB });
  await expectSimError(downloadFile(first, dest, { stallMs: 300, retries: 0 }), 'REMOTE_TIMEOUT');
  await downloadFile(second, dest);
  await assertFile(dest, await readFile(path.join(served, 'other-b.img')));
  assert.equal(requestsOf('other-b.img').map((r) => r.range), [undefined]);
});

test('a part already whole (killed before the rename): the 416 to its range finishes it without a byte', async () => {
  const url = await serve('whole.img');
  const dest = destFor('whole.img');
  const { validators } = await fetchBytes(url, { maxBytes: SIZE });
  await mkdir(path.dirname(dest), { recursive: true });
  await writeFile(`${dest}.part`, content);
  await writeFile(`${dest}.part.json`, JSON.stringify({ url, validators, total: SIZE }));
  const result = await downloadFile(url, dest);
  await assertFile(dest, content);
  assert.is(result.transferred, 0);
  assert.is(result.resumedFrom, SIZE);
  assert.is(requestsOf('whole.img').at(-1)!.status, 416);
});

test('a server without validators: a drop starts over (nothing proves the part current)', async () => {
  const bare = await startFileServer(served, { etag: false, lastModified: false });
  try {
    await serve('bare.img');
    const dest = destFor('bare.img');
    bare.fault('/bare.img', { kind: 'drop', afterBytes: MiB });
    const result = await downloadFile(`${bare.url}bare.img`, dest);
    await assertFile(dest, content);
    assert.equal(bare.requests.map((r) => [r.status, r.range]), [[200, undefined], [200, undefined]]);
    // A reset may lose bytes already sent: what arrived before the drop, at most MiB, came twice.
    assert.ok(result.transferred > SIZE && result.transferred <= SIZE + MiB, `${result.transferred} bytes transferred`);
  } finally {
    await bare.close();
  }
});

test('a 206 that does not start where asked is REMOTE_HTTP_ERROR, and the part is dropped so the next run starts over', async () => {
  const odd = http.createServer((req, res) => {
    res.writeHead(206, { 'content-range': 'bytes 0-999/2000', 'content-length': '1000', etag: '"v1"' }).end(Buffer.alloc(1000));
  });
  await new Promise<void>((resolve) => odd.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(odd.address() as AddressInfo).port}/odd.img`;
    const dest = destFor('odd.img');
    await mkdir(path.dirname(dest), { recursive: true });
    await writeFile(`${dest}.part`, Buffer.alloc(500));
    await writeFile(`${dest}.part.json`, JSON.stringify({ url, validators: { etag: '"v1"' }, total: 2000 }));
    const error = await expectSimError(downloadFile(url, dest), 'REMOTE_HTTP_ERROR');
    assert.match(error.message, 'from byte 500');
    assert.match(error.message, 'bytes 0-999/2000');
    assert.not.ok(existsSync(dest));
    assert.not.ok(existsSync(`${dest}.part`));
    assert.not.ok(existsSync(`${dest}.part.json`));
  } finally {
    odd.closeAllConnections();
    await new Promise<void>((resolve) => odd.close(() => resolve()));
  }
});

test('404 is REMOTE_NOT_FOUND at once, naming the URL without its password; nothing is left', async () => {
  const dest = destFor('missing.img');
  const url = `${server.url}missing.img`.replace('http://', 'http://user:s%40cret@');
  const error = await expectSimError(downloadFile(url, dest), 'REMOTE_NOT_FOUND');
  assert.match(error.message, `${server.url}missing.img`);
  assert.not.match(error.message, 'cret');
  assert.is(error.exitCode, 74);
  assert.not.ok(existsSync(dest));
  assert.not.ok(existsSync(`${dest}.part`));
  const requests = requestsOf('missing.img');
  assert.is(requests.length, 1);
  assert.is(requests[0]!.headers.authorization, `Basic ${Buffer.from('user:s@cret').toString('base64')}`);
});

test('500 twice, then the file: retried to success', async () => {
  const url = await serve('flaky.img');
  const dest = destFor('flaky.img');
  server.fault('/flaky.img', { kind: 'status', status: 500, times: 2 });
  await downloadFile(url, dest);
  await assertFile(dest, content);
  assert.equal(requestsOf('flaky.img').map((r) => r.status), [500, 500, 200]);
});

test('a persistent 500 is REMOTE_HTTP_ERROR after the retries', async () => {
  const url = await serve('broken.img');
  const dest = destFor('broken.img');
  server.fault('/broken.img', { kind: 'status', status: 500, times: 100 });
  const error = await expectSimError(downloadFile(url, dest, { retries: 2 }), 'REMOTE_HTTP_ERROR');
  assert.match(error.message, 'HTTP 500');
  assert.match(error.message, '(3 attempts)');
  assert.is(requestsOf('broken.img').length, 3);
  assert.not.ok(existsSync(dest));
});

test('403 is not retried', async () => {
  const url = await serve('forbidden.img');
  server.fault('/forbidden.img', { kind: 'status', status: 403, times: 100 });
  const error = await expectSimError(downloadFile(url, destFor('forbidden.img')), 'REMOTE_HTTP_ERROR');
  assert.match(error.hint, 'credentials');
  assert.is(requestsOf('forbidden.img').length, 1);
  assert.not.ok(existsSync(destFor('forbidden.img')));
});

test('a closed port is REMOTE_UNREACHABLE after quick retries', async () => {
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const { port } = closed.address() as AddressInfo;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const dest = destFor('refused.img');
  const started = Date.now();
  const error = await expectSimError(downloadFile(`http://127.0.0.1:${port}/refused.img`, dest, { retries: 3 }), 'REMOTE_UNREACHABLE');
  assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  assert.match(error.message, 'ECONNREFUSED');
  assert.match(error.message, '(4 attempts)');
  assert.not.ok(existsSync(dest));
});

test('a server that never answers is REMOTE_TIMEOUT, not retried', async () => {
  const url = await serve('hang.img');
  const dest = destFor('hang.img');
  server.fault('/hang.img', { kind: 'hang', times: 10 });
  const started = Date.now();
  const error = await expectSimError(downloadFile(url, dest, { stallMs: 200 }), 'REMOTE_TIMEOUT');
  assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  assert.match(error.message, 'no answer');
  assert.is(requestsOf('hang.img').length, 1);
  assert.not.ok(existsSync(dest));
});

test("the caller's signal: INTERRUPTED, the part kept; a SimError given as the reason comes back as is", async () => {
  const url = await serve('abort.img');
  const dest = destFor('abort.img');
  server.fault('/abort.img', { kind: 'stall', afterBytes: MiB, times: 2 });
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 300);
  const started = Date.now();
  await expectSimError(downloadFile(url, dest, { signal: controller.signal, stallMs: 10_000 }), 'INTERRUPTED');
  assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
  assert.not.ok(existsSync(dest));
  assert.is((await stat(`${dest}.part`)).size, MiB);

  const reason = new SimError('REMOTE_BAD_DATA', 'A sibling chunk was bad.', 'Nothing to do.');
  const second = new AbortController();
  setTimeout(() => second.abort(reason), 300);
  try {
    await downloadFile(url, dest, { signal: second.signal, stallMs: 10_000 });
    assert.unreachable('the abort should have failed the download');
  } catch (error) {
    assert.is(error, reason);
  }
});

test('ENOSPC while writing is NO_SPACE, and dest is not made', async () => {
  if (!existsSync('/dev/full')) return;
  const url = await serve('full.img');
  const dest = destFor('full.img');
  await symlink('/dev/full', `${dest}.part`);
  await expectSimError(downloadFile(url, dest), 'NO_SPACE');
  assert.not.ok(existsSync(dest));
});

test('ifNoneMatch: an unchanged file answers 304 and notModified, for downloads and fetchBytes', async () => {
  const url = await serve('cond.img');
  const dest = destFor('cond.img');
  const first = await downloadFile(url, dest);
  const again = await downloadFile(url, dest, { ifNoneMatch: first.validators });
  assert.is(again.notModified, true);
  assert.is(again.transferred, 0);
  assert.is(again.validators.etag, first.validators.etag);
  assert.is(requestsOf('cond.img').at(-1)!.status, 304);
  await assertFile(dest, content);
  const bytes = await fetchBytes(url, { ifNoneMatch: { etag: first.validators.etag }, maxBytes: SIZE });
  assert.is(bytes.notModified, true);
  assert.is(bytes.body, undefined);
  const changed = await fetchBytes(url, { ifNoneMatch: { etag: '"other"' }, maxBytes: SIZE });
  assert.is(changed.notModified, false);
  assert.ok(changed.body?.equals(content));
});

test('fetchBytes: a small file into memory; a body above maxBytes is refused', async () => {
  const url = await serve('sums.txt', Buffer.from('abc  disk.img\n'));
  const small = await fetchBytes(url);
  assert.is(small.body?.toString(), 'abc  disk.img\n');
  assert.is(small.url, url);
  const big = await serve('big.bin');
  const error = await expectSimError(fetchBytes(big, { maxBytes: MiB }), 'REMOTE_BAD_DATA');
  assert.match(error.message, big);
  assert.match(error.message, String(MiB));
});

test('fetchBytes retries a drop and a 503', async () => {
  const url = await serve('chunk.bin', content.subarray(0, 200_000));
  server.fault('/chunk.bin', { kind: 'status', status: 503 });
  server.fault('/chunk.bin', { kind: 'drop', afterBytes: 1000 });
  const result = await fetchBytes(url);
  assert.ok(result.body?.equals(content.subarray(0, 200_000)));
  assert.equal(requestsOf('chunk.bin').map((r) => r.status), [503, 200, 200]);
});

test('only http and https; a bad option value is USAGE', async () => {
  await expectSimError(downloadFile('ftp://example.org/x.img', destFor('ftp.img')), 'USAGE');
  await expectSimError(fetchBytes('file:///etc/passwd'), 'USAGE');
  await expectSimError(fetchBytes('no url at all'), 'USAGE');
  await expectSimError(fetchBytes(server.url, { stallMs: 0 }), 'USAGE');
  assert.not.ok(existsSync(destFor('ftp.img')));
});

test('the test server keeps to its root', async () => {
  const response = await fetch(`${server.url}..%2F..%2Fetc%2Fpasswd`);
  assert.is(response.status, 404);
  await response.body?.cancel();
});

test.run();
