/**
 * Saving and loading a guest's state through QMP. The RAM is in a file of its own
 * (memory-backend-file) and x-ignore-shared leaves it out of the stream, so the state is the
 * devices' and CPUs' only: a fraction of a MiB, written in milliseconds. QEMU sends and takes
 * the stream on a unix socket sim serves, which keeps file names out of QEMU's shell-run
 * `exec:` URIs.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import net from 'node:net';
import { pipeline } from 'node:stream/promises';
import { SimError } from '../core/errors.js';
import { QmpClient } from '../qemu/qmp.js';

const IGNORE_SHARED = { capabilities: [{ capability: 'x-ignore-shared', state: true }] };

interface MigrationInfo {
  status?: string;
  'error-desc'?: string;
  'blocked-reasons'?: string[];
}

/** Wait for the migration to end: completed, or failed with QEMU's reason. */
async function migrationDone(qmp: QmpClient, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await qmp.execute<MigrationInfo>('query-migrate');
    if (info.status === 'completed') return;
    if (info.status === 'failed' || info.status === 'cancelled') throw new SimError('QUICK_BOOT_FAILED', `QEMU could not ${info.status === 'failed' ? 'move' : 'finish moving'} the guest's state${info['error-desc'] ? `: ${info['error-desc']}` : ''}.`, 'sim boots cold instead.');
    if (Date.now() > deadline) throw new SimError('QUICK_BOOT_FAILED', "Moving the guest's state did not finish in time.", 'sim boots cold instead.');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Save the running guest's state into `stateFile`, then end QEMU. Returns the state's size and sha256. */
export async function saveState(qmpSocket: string, streamSocket: string, stateFile: string): Promise<{ size: number; sha256: string }> {
  const qmp = await QmpClient.connect(qmpSocket);
  const hash = createHash('sha256');
  let size = 0;
  const received = new Promise<void>((resolve, reject) => {
    const server = net.createServer((socket) => {
      server.close();
      socket.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        size += chunk.length;
      });
      pipeline(socket, createWriteStream(stateFile, { mode: 0o600 })).then(resolve, reject);
    });
    server.on('error', reject);
    server.listen(streamSocket);
  });
  try {
    const info = await qmp.execute<MigrationInfo>('query-migrate');
    const blocked = info['blocked-reasons'] ?? [];
    if (blocked.length) throw new SimError('QUICK_BOOT_FAILED', `This guest cannot be saved: ${blocked.join('; ')}.`, 'sim boots this machine configuration cold.');
    await qmp.execute('migrate-set-capabilities', IGNORE_SHARED);
    await qmp.execute('migrate', { uri: `unix:${streamSocket}` });
    await migrationDone(qmp, 60_000);
    await received;
    // Paused after the migration; its disk and RAM file are the snapshot's now.
    await qmp.execute('quit').catch(() => undefined);
    return { size, sha256: hash.digest('hex') };
  } finally {
    qmp.close();
  }
}

/** QEMU creates its monitor socket a moment after it starts. */
async function connectWhenListening(qmpSocket: string, timeoutMs: number): Promise<QmpClient> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await QmpClient.connect(qmpSocket);
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/** Feed `stateFile` to a QEMU started with `-incoming defer`; resolves once the guest runs again. */
export async function loadState(qmpSocket: string, streamSocket: string, stateFile: string, timeoutMs = 30_000): Promise<void> {
  const qmp = await connectWhenListening(qmpSocket, 10_000);
  try {
    await qmp.execute('migrate-set-capabilities', IGNORE_SHARED);
    await qmp.execute('migrate-incoming', { uri: `unix:${streamSocket}` });
    const socket = net.createConnection(streamSocket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    await pipeline(createReadStream(stateFile), socket);
    await migrationDone(qmp, timeoutMs);
    // With -incoming the guest runs on by itself once the state is in; wait until it does.
    const deadline = Date.now() + timeoutMs;
    while ((await qmp.execute<{ status: string }>('query-status')).status !== 'running') {
      if (Date.now() > deadline) throw new SimError('QUICK_BOOT_FAILED', 'The resumed guest did not start running.', 'sim boots cold instead.');
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    qmp.close();
  }
}
