/**
 * Pulling from a server when things go wrong on this side: sim killed in the middle of fetching
 * chunks (the next pull resumes with what it had), and a cache that fills up during a pull
 * (NO_SPACE, nothing stored). Afterwards the store verifies and nothing runs.
 */
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertClearError, faultEnv, processesUsing, survive, waitUntil } from '../helpers/faults.js';
import { fullEnv, releaseFullEnvs } from '../helpers/full-cache.js';
import { startFileServer, type FileServer } from '../helpers/http-server.js';
import { publishedInputs, type PublishedInputs } from '../helpers/published-images.js';
import { sim } from '../helpers/sim.js';
import { listImages } from '../../src/index.js';
import { publishImage } from '../../src/remote/publish.js';
import { chunkStorePath, parseBlobIndex } from '../../src/remote/casync-index.js';

let inputs: PublishedInputs;
let server: FileServer;
let url: string;
let chunkCount: number;
let stalledChunk: string;

test.before(async () => {
  inputs = await publishedInputs();
  const root = path.join(inputs.dir, 'www');
  await mkdir(root);
  server = await startFileServer(root);
  const published = await publishImage(inputs.v1, path.join(root, 'nightly'), { name: 'nightly', version: 'v1', indexOnly: true });
  chunkCount = published.chunks;
  const index = parseBlobIndex(await readFile(path.join(root, 'nightly', 'image.caibx')));
  const ids = index.chunks.map((c) => c.id);
  stalledChunk = ids.slice(Math.floor(ids.length * 0.6)).find((id) => ids.indexOf(id) === ids.lastIndexOf(id))!;
  url = `${server.url}nightly/`;
});

test.after(async () => {
  releaseFullEnvs();
  await server?.close();
  if (inputs) await rm(inputs.dir, { recursive: true, force: true });
});

const chunkRequests = (from: number) => server.requests.slice(from).filter((r) => r.path.includes('/chunks/')).length;

test('SIGKILL of sim while it fetches chunks: the next pull fetches only the rest', async () => {
  const env = await faultEnv();
  await survive('kill during pull', env, async () => {
    const downloads = path.join(env.SIM_CACHE_DIR, 'downloads');
    const before = server.requests.length;
    // A chunk past the middle stalls (the server sends nothing), so the kill lands mid-pull
    // however fast the rest goes.
    server.fault(`/nightly/chunks/${chunkStorePath(stalledChunk)}`, { kind: 'stall', afterBytes: 0 });
    const child = sim(['image', 'pull', url, '--no-verify'], env);
    const keptChunks = async () => {
      let count = 0;
      for (const entry of await readdir(downloads).catch(() => [] as string[])) {
        for (const dir of await readdir(path.join(downloads, entry, 'chunks')).catch(() => [] as string[])) {
          // Whole chunks only: a write the kill interrupted leaves a temporary file.
          count += (await readdir(path.join(downloads, entry, 'chunks', dir)).catch(() => [] as string[])).filter((name) => /^[0-9a-f]{64}\.cacnk$/.test(name)).length;
        }
      }
      return count;
    };
    await waitUntil('a third of the chunks kept', async () => (await keptChunks()) > chunkCount / 3, 120_000, 20);
    child.kill('SIGKILL');
    await child;
    // The stall was for the killed pull (which may not have reached it).
    server.clearFaults();
    const kept = await keptChunks();
    assert.ok(kept > 0, 'chunks were kept');
    await waitUntil('sim\'s children to die', async () => (await processesUsing(env.root)).length === 0, 2_000, 50);
    assert.equal(await listImages(env), [], 'nothing stored by the killed pull');
    const first = chunkRequests(before);
    const middle = server.requests.length;
    const again = await sim(['image', 'pull', url, '--no-verify'], env);
    assert.is(again.exitCode, 0, String(again.stderr));
    const second = chunkRequests(middle);
    assert.ok(second <= chunkCount - kept, `the second pull fetched ${second} chunks; ${kept} of ${chunkCount} were kept (${first} fetched before the kill)`);
    assert.equal((await listImages(env)).map((m) => m.names), [['nightly']]);
    assert.equal(await readdir(downloads), [], 'the finished download is cleaned up');
  });
});

test('the cache fills up during a pull', async () => {
  const env = await fullEnv('64m');
  await survive('disk full during pull', env, async () => {
    const pull = await sim(['image', 'pull', url, '--no-verify'], env);
    assertClearError(pull, 73, /no space left/i);
    assert.equal(await listImages(env), [], 'nothing half-stored');
  });
});

test.run();
