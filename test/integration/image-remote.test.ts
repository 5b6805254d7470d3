/**
 * Images from a server: `sim image publish` writes a directory, a local HTTP server (started
 * here, no internet) serves it, and `sim image pull` / `update` fetch, verify and store the
 * fixture image's two versions (version 2: Debian's libglib2.0-0 upgraded, a changed file in
 * /etc) — through the CLI, as a developer runs them, with faults injected by the server.
 */
import { copyFile, mkdir, readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fixtureSkipReason } from '../helpers/fixture-image.js';
import { startFileServer, type FileServer } from '../helpers/http-server.js';
import { publishedInputs, type PublishedInputs } from '../helpers/published-images.js';
import { freshEnv, parseEvents, sim, type SimEnv } from '../helpers/sim.js';
import type { ImageMeta } from '../../src/images/meta.js';

let inputs: PublishedInputs;
let server: FileServer;
let root: string;
/** A store that pulled version 1 (and is updated to version 2 by a later test). */
let env: SimEnv;
let v1Id: string;
let v2Id: string;
let v1FullTransfer = 0;

async function publish(image: string, dir: string, extra: string[] = []) {
  const run = await sim(['image', 'publish', image, dir, '--name', 'nightly', '--json', ...extra], { ...(await freshEnv()), GNUPGHOME: inputs.gnupgHome });
  assert.is(run.exitCode, 0, String(run.stderr) + String(run.stdout));
  const result = parseEvents(String(run.stdout)).find((e) => e.type === 'result');
  return (result as unknown as { data: { raw: { sha256: string }; newChunks: number; chunks: number } }).data;
}

async function images(e: SimEnv): Promise<ImageMeta[]> {
  const run = await sim(['image', 'ls', '--json'], e);
  assert.is(run.exitCode, 0, String(run.stderr));
  return String(run.stdout).split('\n').filter(Boolean).map((line) => JSON.parse(line) as ImageMeta & { type: string; time?: string })
    .filter((line) => line.type === 'image')
    .map(({ time: _time, ...meta }) => meta);
}

function resultData(stdout: string): Record<string, unknown> {
  const result = parseEvents(stdout).find((e) => e.type === 'result') as { data?: Record<string, unknown> } | undefined;
  return result?.data ?? {};
}

function errorCode(stdout: string): string | undefined {
  return (parseEvents(stdout).find((e) => e.type === 'error') as { code: string } | undefined)?.code;
}

test.before(async () => {
  const skip = await fixtureSkipReason();
  if (skip) throw new Error(skip);
  inputs = await publishedInputs();
  root = path.join(inputs.dir, 'www');
  await mkdir(root);
  server = await startFileServer(root);
  const v1 = await publish(inputs.v1, path.join(root, 'nightly'), ['--version-name', 'v1', '--sign-key', inputs.keyId]);
  v1Id = v1.raw.sha256;
  env = await freshEnv();
});

test.after(async () => {
  await server?.close();
  if (inputs) await rm(inputs.dir, { recursive: true, force: true });
});

test('publish writes plain files: manifest, index, chunks, checksums sha256sum can check, a signature', async () => {
  const dir = path.join(root, 'nightly');
  const names = (await readdir(dir)).sort();
  for (const name of ['SHA256SUMS', 'SHA256SUMS.sig', 'chunks', 'image.caibx', 'nightly-v1.raw', 'sim-image.json', 'versions']) assert.ok(names.includes(name), `${name} in ${names.join(' ')}`);
  const check = await execa('sha256sum', ['--check', '--strict', 'SHA256SUMS'], { cwd: dir, reject: false });
  assert.is(check.exitCode, 0, check.stdout + check.stderr);
  const verify = await execa('gpgv', ['--keyring', inputs.keyring, 'SHA256SUMS.sig', 'SHA256SUMS'], { cwd: dir, reject: false });
  assert.is(verify.exitCode, 0, verify.stderr);
  // casync itself reads what sim published: the format is casync's, not sim's own.
  const out = path.join(inputs.dir, 'casync-extract.raw');
  await execa('casync', ['extract', `--store=${path.join(dir, 'chunks')}`, path.join(dir, 'image.caibx'), out]);
  const { stdout } = await execa('sha256sum', [out]);
  assert.is(stdout.split(' ')[0], v1Id);
  await rm(out);
});

test('pull refuses to store what it cannot verify, and says how', async () => {
  const e = await freshEnv();
  const run = await sim(['image', 'pull', `${server.url}nightly/`, '--json'], e);
  assert.is(run.exitCode, 64, String(run.stdout));
  assert.is(errorCode(String(run.stdout)), 'IMAGE_UNVERIFIED');
  assert.equal(await images(e), []);
});

test('pull of a published directory: verified with the keyring, stored with where it came from', async () => {
  const run = await sim(['image', 'pull', `${server.url}nightly/`, '--keyring', inputs.keyring, '--json'], env);
  assert.is(run.exitCode, 0, String(run.stdout) + String(run.stderr));
  const data = resultData(String(run.stdout));
  assert.is(data.id, v1Id);
  assert.is(data.image, 'nightly');
  v1FullTransfer = data.transferredBytes as number;
  assert.ok(v1FullTransfer > 1_000_000, `transferred ${v1FullTransfer}`);
  const [meta] = await images(env);
  assert.is(meta!.id, v1Id);
  assert.equal(meta!.names, ['nightly']);
  assert.is(meta!.remote?.url, `${server.url}nightly/`);
  assert.is(meta!.remote?.version, 'v1');
  assert.is(meta!.remote?.verifiedBy, 'keyring');
  assert.ok(meta!.remote?.etag || meta!.remote?.lastModified, 'validators recorded');
  // Progress events carry the transfer's bytes for a progress bar.
  assert.ok(parseEvents(String(run.stdout)).some((e) => e.type === 'progress' && e.bytes !== undefined));
  const ls = await sim(['image', 'ls'], env);
  assert.match(String(ls.stdout), `${server.url}nightly/ v1`);
});

test('update with nothing new asks the server with its validators and transfers nothing', async () => {
  const before = server.requests.length;
  const run = await sim(['image', 'update', 'nightly', '--json'], env);
  assert.is(run.exitCode, 0, String(run.stdout));
  const data = resultData(String(run.stdout)) as { images: { changed: boolean; transferredBytes: number }[] };
  assert.is(data.images[0]!.changed, false);
  const asked = server.requests.slice(before);
  assert.ok(asked.some((r) => r.path.endsWith('/SHA256SUMS') && r.status === 304), JSON.stringify(asked));
  assert.not.ok(asked.some((r) => r.path.includes('/chunks/')));
});

test('update fetches only what version 2 changed; a running simulator keeps version 1', async () => {
  const started = await sim(['boot', '--detach', '--image', 'nightly', '--name', 'old', '--json'], env);
  assert.is(started.exitCode, 0, String(started.stdout) + String(started.stderr));
  try {
    const v2 = await publish(inputs.v2, path.join(root, 'nightly'), ['--version-name', 'v2', '--sign-key', inputs.keyId]);
    v2Id = v2.raw.sha256;
    assert.ok(v2.newChunks > 0 && v2.newChunks < v2.chunks / 4, `${v2.newChunks} new chunks of ${v2.chunks}`);
    const run = await sim(['image', 'update', 'nightly', '--json'], env);
    assert.is(run.exitCode, 0, String(run.stdout) + String(run.stderr));
    const [update] = (resultData(String(run.stdout)) as { images: { id: string; changed: boolean; transferredBytes: number; imageBytes: number; reusedBytes: number; kept: string[] }[] }).images;
    assert.is(update!.id, v2Id);
    assert.ok(update!.changed);
    console.log(`  update v1 -> v2: ${update!.transferredBytes} bytes transferred, a full pull ${v1FullTransfer}, the raw disk ${update!.imageBytes}`);
    assert.ok(update!.transferredBytes < v1FullTransfer * 0.2, `${update!.transferredBytes} of ${v1FullTransfer}`);
    assert.ok(update!.reusedBytes > update!.imageBytes * 0.9);
    assert.equal(update!.kept, ['nightly-v1']);
    const metas = await images(env);
    assert.equal(metas.map((m) => [m.names, m.id]).sort(), [[['nightly'], v2Id], [['nightly-v1'], v1Id]].sort());
    // The running simulator still runs its version.
    const exec = await sim(['exec', 'old', '--', 'cat', '/etc/sim-version'], env);
    assert.is(String(exec.stdout).trim(), 'nightly 1', String(exec.stderr));
  } finally {
    await sim(['stop', 'old'], env);
  }
  // Once unused, the next update removes the old version.
  const again = await sim(['image', 'update', 'nightly', '--json'], env);
  assert.is(again.exitCode, 0, String(again.stdout));
  assert.equal((await images(env)).map((m) => m.id), [v2Id]);
  // Version 2 boots with the upgraded package's library.
  const library = 'usr/lib/x86_64-linux-gnu/libglib-2.0.so.0.7400.6';
  const boot = await sim(['boot', '--image', 'nightly', '--', 'sh', '-c', `cat /etc/sim-version; md5sum /${library}`], env);
  assert.is(boot.exitCode, 0, String(boot.stderr));
  const expected = (await execa('md5sum', [path.join(inputs.newer.tree, library)])).stdout.split(' ')[0];
  assert.equal(String(boot.stdout).trim().split('\n').slice(-2).map((line) => line.split(' ')[0]), ['nightly', expected]);
});

test('update --keep 1 keeps the previous version under NAME-VERSION', async () => {
  const e = await freshEnv();
  const dir = path.join(root, 'keep');
  await publish(inputs.v1, dir, ['--version-name', 'k1', '--index-only']);
  assert.is((await sim(['image', 'pull', `${server.url}keep/`, '--no-verify'], e)).exitCode, 0);
  await publish(inputs.v2, dir, ['--version-name', 'k2', '--index-only']);
  const run = await sim(['image', 'update', 'nightly', '--keep', '1'], e);
  assert.is(run.exitCode, 0, String(run.stderr));
  assert.equal((await images(e)).map((m) => m.names[0]).sort(), ['nightly', 'nightly-k1']);
});

test('a keyring without the publisher\'s key: a bad signature, nothing stored', async () => {
  const e = await freshEnv();
  const run = await sim(['image', 'pull', `${server.url}nightly/`, '--keyring', inputs.otherKeyring, '--json'], e);
  assert.is(run.exitCode, 76, String(run.stdout));
  assert.is(errorCode(String(run.stdout)), 'IMAGE_SIGNATURE_BAD');
  assert.equal(await images(e), []);
});

test('a wrong --sha256: a checksum mismatch, nothing stored', async () => {
  const e = await freshEnv();
  const run = await sim(['image', 'pull', `${server.url}nightly/`, '--sha256', '0'.repeat(64), '--json'], e);
  assert.is(run.exitCode, 76, String(run.stdout));
  assert.is(errorCode(String(run.stdout)), 'IMAGE_CHECKSUM_MISMATCH');
  assert.equal(await images(e), []);
});

test('a compressed image file: a dropped connection resumes, then it is checked, decompressed and stored', async () => {
  const file = path.join(root, 'files', 'nightly.raw.zst');
  await mkdir(path.dirname(file), { recursive: true });
  await execa('zstd', ['-q', '-1', inputs.v1, '-o', file]);
  const { stdout } = await execa('sha256sum', [file]);
  const e = await freshEnv();
  server.fault('/files/nightly.raw.zst', { kind: 'drop', afterBytes: 2_000_000, times: 1 });
  const before = server.requests.length;
  const run = await sim(['image', 'pull', `${server.url}files/nightly.raw.zst`, '--sha256', stdout.split(' ')[0]!, '--json'], e);
  assert.is(run.exitCode, 0, String(run.stdout));
  const asked = server.requests.slice(before).filter((r) => r.path === '/files/nightly.raw.zst');
  assert.ok(asked.some((r) => r.range?.startsWith('bytes=') && r.status === 206), JSON.stringify(asked));
  const [meta] = await images(e);
  // The id is the disk's content: the same as the published directory's.
  assert.is(meta!.id, v1Id);
  assert.equal(meta!.names, ['nightly']);
  assert.is(meta!.remote?.kind, 'file');
});

test('https: a server whose certificate the user added with NODE_EXTRA_CA_CERTS; without it, refused in one sentence', async () => {
  const key = path.join(inputs.dir, 'tls.key');
  const cert = path.join(inputs.dir, 'tls.crt');
  await execa('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert]);
  const secure = await startFileServer(root, { tls: { key: await readFile(key, 'utf8'), cert: await readFile(cert, 'utf8') } });
  try {
    const e = await freshEnv();
    const refused = await sim(['image', 'pull', `${secure.url}nightly/`, '--keyring', inputs.keyring, '--json'], e);
    assert.is(refused.exitCode, 74, String(refused.stdout));
    assert.match(String(refused.stdout), /certificate/i);
    assert.equal(await images(e), []);
    const run = await sim(['image', 'pull', `${secure.url}nightly/`, '--keyring', inputs.keyring, '--json'], { ...e, NODE_EXTRA_CA_CERTS: cert });
    assert.is(run.exitCode, 0, String(run.stdout));
    assert.equal((await images(e)).map((m) => m.remote?.url), [`${secure.url}nightly/`]);
  } finally {
    await secure.close();
  }
});

test('a missing image: 404 in one sentence, exit 74', async () => {
  const e = await freshEnv();
  const run = await sim(['image', 'pull', `${server.url}nowhere/`, '--no-verify'], e);
  assert.is(run.exitCode, 74, String(run.stderr));
  assert.match(String(run.stderr), 'nowhere');
  assert.equal(await images(e), []);
});

test('a server that stalls: a timeout with a clear message, and a retry resumes', async () => {
  const e = await freshEnv();
  // A stall after some bytes is retried at once (a dead connection); the retry stalls before any byte.
  server.fault('/files/nightly.raw.zst', { kind: 'stall', afterBytes: 1_000_000 });
  server.fault('/files/nightly.raw.zst', { kind: 'stall', afterBytes: 0 });
  const { stdout } = await execa('sha256sum', [path.join(root, 'files', 'nightly.raw.zst')]);
  const args = ['image', 'pull', `${server.url}files/nightly.raw.zst`, '--sha256', stdout.split(' ')[0]!, '--json'];
  const run = await sim(args, { ...e, SIM_HTTP_STALL_MS: '1000', SIM_HTTP_BACKOFF_MS: '10' });
  assert.is(run.exitCode, 74, String(run.stdout));
  assert.is(errorCode(String(run.stdout)), 'REMOTE_TIMEOUT');
  assert.match(String(run.stdout), 'nightly.raw.zst');
  assert.equal(await images(e), []);
  const before = server.requests.length;
  const again = await sim(args, e);
  assert.is(again.exitCode, 0, String(again.stdout));
  // It resumed where the stalled attempts had got to.
  assert.ok(server.requests.slice(before).some((r) => r.status === 206), JSON.stringify(server.requests.slice(before)));
});

test('a body cut short again and again: REMOTE_TRUNCATED once retries are spent, nothing stored', async () => {
  const e = await freshEnv();
  server.fault('/files/nightly.raw.zst', { kind: 'truncate', afterBytes: 0, times: 6 });
  const run = await sim(['image', 'pull', `${server.url}files/nightly.raw.zst`, '--no-verify', '--json'], { ...e, SIM_HTTP_BACKOFF_MS: '10' });
  assert.is(run.exitCode, 74, String(run.stdout));
  assert.is(errorCode(String(run.stdout)), 'REMOTE_TRUNCATED');
  assert.equal(await images(e), []);
});

test('a damaged chunk on the server: refused, and the stored version stays as it was', async () => {
  const e = await freshEnv();
  const dir = path.join(root, 'damaged');
  await publish(inputs.v1, dir, ['--version-name', 'd1', '--index-only']);
  assert.is((await sim(['image', 'pull', `${server.url}damaged/`, '--no-verify'], e)).exitCode, 0);
  const before = await images(e);
  await publish(inputs.v2, dir, ['--version-name', 'd2', '--index-only']);
  // Damage a chunk only version 2 has: the newest file in the store.
  const index = await readFile(path.join(dir, 'image.caibx'));
  const { parseBlobIndex, chunkStorePath } = await import('../../src/remote/casync-index.js');
  const v1Index = parseBlobIndex(await readFile(path.join(dir, 'versions', 'd1.caibx')));
  const known = new Set(v1Index.chunks.map((c) => c.id));
  const fresh = parseBlobIndex(index).chunks.find((c) => !known.has(c.id))!;
  const chunk = path.join(dir, 'chunks', chunkStorePath(fresh.id));
  // casync writes its chunks read-only: replace the file, as a damaged upload would.
  await rm(chunk);
  await copyFile(path.join(dir, 'chunks', chunkStorePath(v1Index.chunks[0]!.id)), chunk);
  const run = await sim(['image', 'update', 'nightly', '--json'], e);
  assert.is(run.exitCode, 76, String(run.stdout));
  assert.is(errorCode(String(run.stdout)), 'REMOTE_BAD_DATA');
  assert.equal(await images(e), before);
});

test('the library functions do what the commands do', async () => {
  const e = await freshEnv();
  const { publishImage, pullImage, updateImage } = await import('../../src/index.js');
  const dir = path.join(root, 'library');
  await publishImage(inputs.v1, dir, { name: 'lib', version: 'l1', indexOnly: true });
  const pulled = await pullImage(`${server.url}library/`, { env: { ...process.env, ...e }, verify: false });
  assert.equal([pulled.meta.names, pulled.meta.id, pulled.changed], [['lib'], v1Id, true]);
  await publishImage(inputs.v2, dir, { name: 'lib', version: 'l2', indexOnly: true });
  const updated = await updateImage('lib', { env: { ...process.env, ...e } });
  assert.equal([updated.meta.id, updated.meta.remote?.version, updated.changed, updated.removed], [v2Id, 'l2', true, ['l1']]);
});

test.run();
