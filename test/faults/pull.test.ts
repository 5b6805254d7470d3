/**
 * Pulling from a server when things go wrong on this side: sim killed in the middle of fetching
 * chunks (the next pull resumes with what it had), and a cache that fills up during a pull
 * (NO_SPACE, nothing stored). Afterwards the store verifies and nothing runs.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertClearError, faultEnv, processesUsing, survive, waitForEvent, waitUntil } from '../helpers/faults.js';
import { fullEnv, releaseFullEnvs } from '../helpers/full-cache.js';
import { startFileServer, type FileServer } from '../helpers/http-server.js';
import { publishedInputs, type PublishedInputs } from '../helpers/published-images.js';
import { sim } from '../helpers/sim.js';
import { listImages } from '../../src/index.js';
import { publishImage } from '../../src/remote/publish.js';

let inputs: PublishedInputs;
let server: FileServer;
let url: string;
let chunkCount: number;

test.before(async () => {
  inputs = await publishedInputs();
  const root = path.join(inputs.dir, 'www');
  await mkdir(root);
  server = await startFileServer(root);
  const published = await publishImage(inputs.v1, path.join(root, 'nightly'), { name: 'nightly', version: 'v1', indexOnly: true });
  chunkCount = published.chunks;
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
    const child = sim(['image', 'pull', url, '--no-verify', '--json'], env);
    await waitForEvent(child, (e) => e.type === 'progress' && e.bytes?.total && e.bytes.done > e.bytes.total / 3);
    child.kill('SIGKILL');
    await child;
    // Chunks land in the download's chunk cache as they verify.
    let kept = 0;
    for (const entry of await readdir(downloads)) {
      for (const dir of await readdir(path.join(downloads, entry, 'chunks')).catch(() => [] as string[])) kept += (await readdir(path.join(downloads, entry, 'chunks', dir))).length;
    }
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
