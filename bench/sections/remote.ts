/**
 * Images from a server (`sim image publish`, `pull`, `update`): the default Debian image in two
 * versions one package apart (bench/lib/package-update.ts: libglib2.0-0 at another version from
 * the archive, as a nightly would change), published into a directory served over HTTP on the
 * loopback. Each run: an update of the older version to the newer (a copy of a store that pulled
 * the older one), against a full pull of the newer version into an empty store — bytes received
 * and wall time, side by side, in alternating order; where the update's time goes (the stored
 * version converted to a raw seed, the chunks fetched and assembled, the import). Then the
 * throughput of a plain file download: `curl -o` of the newer version's qcow2 against
 * `sim image pull` of the same URL, sim's download phase only (its first `downloading` event to
 * `verifying the download`: the import's conversions are not counted), alternating which goes
 * first. Both read from the bench's own file server on the same machine.
 */
import { copyFile, link, mkdir, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { run } from '../../src/core/process.js';
import { startFileServer, type FileServer } from '../../test/helpers/http-server.js';
import { packageVersions, type PackageVersions } from '../lib/package-update.js';
import { progressTime, simOk, timeCommand } from '../lib/proc.js';
import type { Results } from '../lib/results.js';
import { median } from '../lib/stats.js';
import type { Workspace } from '../lib/workspace.js';

export const REMOTE = 'image pull and update (loopback server)';
const SECTION = REMOTE;
const MiB = 2 ** 20;
const NAME = 'nightly';

export const FULL_BYTES = 'full pull of v2: bytes received';
export const UPDATE_BYTES = 'update v1 -> v2 (one package changed): bytes received';
export const FULL_TIME = 'full pull of v2: time';
export const UPDATE_TIME = 'update v1 -> v2: time';
const UPDATE_SEED = 'update: of which the stored v1 read back (qcow2 -> raw seed)';
const UPDATE_FETCH = 'update: of which fetching and assembling';
const UPDATE_STORE = 'update: of which storing (import: kernel, qcow2; clean-up, v1 removed)';
const FULL_FETCH = 'full pull: of which fetching and assembling';
const FULL_STORE = 'full pull: of which storing (import: kernel, qcow2; clean-up)';

interface SimJson {
  ms: number;
  stdout: string;
  /** The result event's data (update: its first image). */
  data: { id: string; changed: boolean; transferredBytes: number; imageBytes: number; reusedBytes: number };
  /** When the result event was sent (ms since the epoch). */
  end: number;
  /** When the first progress event whose message starts so was sent (ms since the epoch). */
  at: (message: string) => number;
}

// The progress events that bound the phases (src/remote/pull.ts).
const SEED = 'reading the stored version';
const FETCHING = 'fetching ';
const FETCHED = 'fetched ';
const DOWNLOADING = 'downloading ';
const VERIFYING = 'verifying the download';

/** Events a run lacked: sim's messages changed, and the rows that need them show '–'. */
const missing = new Set<string>();

/** ms from the first progress event starting with `from` to the one starting with `to` (default: the result). */
function between(r: SimJson, from: string, to?: string): number {
  for (const message of [from, to]) if (message && !Number.isFinite(r.at(message))) missing.add(message);
  return (to ? r.at(to) : r.end) - r.at(from);
}

async function simJson(args: string[], env: NodeJS.ProcessEnv): Promise<SimJson> {
  const { ms, stdout } = await simOk([...args, '--json'], env);
  const line = stdout.split('\n').find((l) => l.includes('"type":"result"'));
  if (!line) throw new Error(`sim ${args.join(' ')} printed no result event`);
  const result = JSON.parse(line) as { time: string; data: SimJson['data'] & { images?: SimJson['data'][] } };
  const data = result.data.images?.[0] ?? result.data;
  if (!data.changed) throw new Error(`sim ${args.join(' ')} changed nothing`);
  return { ms, stdout, data, end: Date.parse(result.time), at: (message) => progressTime(stdout, message) };
}

/** A private store: its own cache and runtime directories. */
function storeEnv(ws: Workspace, dir: string): NodeJS.ProcessEnv {
  return { ...ws.env, SIM_CACHE_DIR: path.join(dir, 'cache'), SIM_RUNTIME_DIR: path.join(dir, 'run') };
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  await link(from, to).catch(() => copyFile(from, to));
}

export async function remoteSection(ws: Workspace, results: Results, runs: number, log: (line: string) => void): Promise<void> {
  let versions: PackageVersions;
  try {
    versions = await packageVersions({ disk: ws.debian.disk, imageId: ws.debian.meta.id, rootOffset: ws.debian.meta.root.offset }, ws.benchCache, log);
  } catch (error) {
    results.note(`image pull and update: not measured: no second version of the image (${(error as Error).message})`);
    return;
  }
  const curl = await run('curl', ['--version']).then(() => true, () => false);
  const cores = os.cpus().length;
  const fileMiB = Math.round((await stat(versions.v2qcow2)).size / MiB);
  const CURL = `download of v2.qcow2 (${fileMiB} MiB) from a loopback server on the same ${cores}-core machine: curl`;
  const SIM_FILE = 'download of v2.qcow2: sim image pull (its download phase)';
  const SIM_FILE_TOTAL = 'sim image pull of v2.qcow2 to the end (download, hash, import)';
  // Rows in the order they are shown; the samples come run by run.
  const row = (name: string, unit: 'ms' | 'MiB' | 'MiB/s', options: { vs?: string; higherIsBetter?: boolean; note?: string } = {}) => results.add(SECTION, name, unit, [], options);
  row('raw disk of each version', 'MiB');
  row('publish v1 into an empty directory (casync make)', 'ms');
  row('publish v2 beside v1 (casync make)', 'ms');
  row(FULL_BYTES, 'MiB');
  row(UPDATE_BYTES, 'MiB', { vs: FULL_BYTES, note: `${versions.pkg} ${versions.from} -> ${versions.to}` });
  row(FULL_TIME, 'ms');
  row(UPDATE_TIME, 'ms', { vs: FULL_TIME });
  row(UPDATE_SEED, 'ms');
  row(UPDATE_FETCH, 'ms');
  row(UPDATE_STORE, 'ms');
  row(FULL_FETCH, 'ms');
  row(FULL_STORE, 'ms');
  if (curl) row(CURL, 'MiB/s', { higherIsBetter: true, note: 'client and server (the bench process) share the machine' });
  row(SIM_FILE, 'MiB/s', curl ? { vs: CURL, higherIsBetter: true } : { higherIsBetter: true });
  row(SIM_FILE_TOTAL, 'ms');
  results.add(SECTION, 'raw disk of each version', 'MiB', [versions.rawBytes / MiB]);
  results.note(
    `image pull and update: v1 is the default Debian image with ${versions.pkg} ${versions.from} written over it, v2 with ${versions.to} (${versions.v2Made === 'rewritten' ? 'the image\'s own version, written the same way' : 'the image as stored: that version is no longer in the archive'}); served by the bench's Node file server on the loopback, sharing the ${cores} cores with sim and curl`,
  );

  const root = path.join(ws.root, 'remote');
  const served = path.join(root, 'srv');
  const v1Only = path.join(root, 'published-v1');
  const v1v2 = path.join(root, 'published-v1-v2');
  await mkdir(served, { recursive: true });
  const publish = async (disk: string, dir: string, version: string) =>
    (await simOk(['image', 'publish', '--json', disk, dir, '--name', NAME, '--version-name', version, '--index-only'], ws.env)).ms;
  log('publishing v1, then v2 beside it');
  results.add(SECTION, 'publish v1 into an empty directory (casync make)', 'ms', [await publish(versions.v1, v1Only, 'v1')]);
  await run('cp', ['-a', v1Only, v1v2]);
  results.add(SECTION, 'publish v2 beside v1 (casync make)', 'ms', [await publish(versions.v2, v1v2, 'v2')]);
  await linkOrCopy(versions.v2qcow2, path.join(served, 'v2.qcow2'));

  let server: FileServer | undefined;
  try {
    server = await startFileServer(served);
    const url = `${server.url}${NAME}/`;
    // The store every update starts from: v1 pulled from the directory while it held only v1.
    log('pulling v1 into the store the updates start from');
    const pristine = path.join(root, 'store-v1');
    await rename(v1Only, path.join(served, NAME));
    const first = await simJson(['image', 'pull', url, '--no-verify'], storeEnv(ws, pristine));
    await rename(path.join(served, NAME), v1Only);
    await rename(v1v2, path.join(served, NAME));
    server.requests.length = 0;

    for (let i = 0; i < runs; i++) {
      const updateDir = path.join(root, `store-update-${i}`);
      const fullDir = path.join(root, `store-full-${i}`);
      await run('cp', ['-a', pristine, updateDir]);
      let updatedId = '';
      let pulledId = '';
      const update = async () => {
        const r = await simJson(['image', 'update', NAME], storeEnv(ws, updateDir));
        updatedId = r.data.id;
        results.add(SECTION, UPDATE_BYTES, 'MiB', [r.data.transferredBytes / MiB]);
        results.add(SECTION, UPDATE_TIME, 'ms', [r.ms]);
        results.add(SECTION, UPDATE_SEED, 'ms', [between(r, SEED, FETCHING)]);
        results.add(SECTION, UPDATE_FETCH, 'ms', [between(r, FETCHING, FETCHED)]);
        results.add(SECTION, UPDATE_STORE, 'ms', [between(r, FETCHED)]);
      };
      const full = async () => {
        const r = await simJson(['image', 'pull', url, '--no-verify'], storeEnv(ws, fullDir));
        pulledId = r.data.id;
        results.add(SECTION, FULL_BYTES, 'MiB', [r.data.transferredBytes / MiB]);
        results.add(SECTION, FULL_TIME, 'ms', [r.ms]);
        results.add(SECTION, FULL_FETCH, 'ms', [between(r, FETCHING, FETCHED)]);
        results.add(SECTION, FULL_STORE, 'ms', [between(r, FETCHED)]);
      };
      for (const step of i % 2 ? [full, update] : [update, full]) await step();
      if (updatedId !== pulledId || updatedId === first.data.id) throw new Error(`the update stored ${updatedId.slice(0, 12)}, the full pull ${pulledId.slice(0, 12)} (v1 is ${first.data.id.slice(0, 12)})`);
      await rm(updateDir, { recursive: true, force: true });
      await rm(fullDir, { recursive: true, force: true });
      server.requests.length = 0;

      const fileUrl = `${server.url}v2.qcow2`;
      const curlOut = path.join(root, 'curl.out');
      const fileDir = path.join(root, `store-file-${i}`);
      const byCurl = async () => {
        // curl's own clock: from its start of the transfer to the end, like sim's events below.
        const r = await timeCommand('curl', ['-sS', '-o', curlOut, '-w', '%{size_download} %{time_total}', fileUrl]);
        const [bytes, seconds] = r.stdout.trim().split(' ').map(Number) as [number, number];
        if (r.code !== 0 || bytes !== (await stat(versions.v2qcow2)).size) throw new Error(`curl ${fileUrl} failed (${r.code}): ${r.stdout}`);
        results.add(SECTION, CURL, 'MiB/s', [bytes / MiB / seconds]);
        await rm(curlOut, { force: true });
      };
      const bySim = async () => {
        const r = await simJson(['image', 'pull', fileUrl, '--no-verify'], storeEnv(ws, fileDir));
        const seconds = between(r, DOWNLOADING, VERIFYING) / 1000;
        results.add(SECTION, SIM_FILE, 'MiB/s', [r.data.transferredBytes / MiB / seconds]);
        results.add(SECTION, SIM_FILE_TOTAL, 'ms', [r.ms]);
        await rm(fileDir, { recursive: true, force: true });
      };
      for (const step of !curl ? [bySim] : i % 2 ? [bySim, byCurl] : [byCurl, bySim]) await step();
      server.requests.length = 0;
    }
  } finally {
    await server?.close();
  }

  if (missing.size) results.note(`image pull and update: sim sent no progress event starting ${[...missing].map((m) => `'${m}'`).join(', ')}: the phases bounded by it are not measured`);
  const med = (name: string) => median(results.samples(SECTION, name));
  const [updateMiB, fullMiB] = [med(UPDATE_BYTES), med(FULL_BYTES)];
  const share = (100 * updateMiB) / fullMiB;
  const size = (mib: number) => (mib < 10 ? `${mib.toFixed(2)} MiB` : `${Math.round(mib)} MiB`);
  const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  results.note(
    `update (one package changed) vs full pull of the same version: bytes ${size(updateMiB)} vs ${size(fullMiB)} (${share.toFixed(2)}%; target under 10%: ${share < 10 ? 'met' : 'MISSED'}), ` +
      `time ${secs(med(UPDATE_TIME))} vs ${secs(med(FULL_TIME))}; the raw disk is ${size(versions.rawBytes / MiB)} (the update received ${((100 * updateMiB * MiB) / versions.rawBytes).toFixed(2)}% of it)`,
  );
}
