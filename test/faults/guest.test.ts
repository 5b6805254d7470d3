/**
 * Guests that misbehave: one that writes 200 MiB to stdout (every record arrives, in order) and
 * one whose init never lets the guest become ready (--timeout ends it with exit code 72).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { assertClearError, demoEnv, survive, type FaultEnv } from '../helpers/faults.js';
import { sim } from '../helpers/sim.js';

const STREAM_SOURCE = fileURLToPath(new URL('../../fixtures/fault-stream/stream.c', import.meta.url));
const RECORD = 16;
const RECORDS = (200 * 1024 * 1024) / RECORD;

let env: FaultEnv;
let prefix: string;

test.before(async () => {
  env = await demoEnv();
  prefix = path.join(env.root, 'guest-prefix');
  await mkdir(path.join(prefix, 'usr/bin'), { recursive: true });
  // Built against the host's glibc, which is the fixture image's.
  await execa('gcc', ['-O2', '-Wall', '-o', path.join(prefix, 'usr/bin/sim-stream'), STREAM_SOURCE]);
  // An "init" named systemd that never starts anything: sim's agent waits for a
  // multi-user.target that never comes.
  const init = path.join(prefix, 'usr/lib/systemd/systemd');
  await mkdir(path.dirname(init), { recursive: true });
  await writeFile(init, '#!/bin/sh\nwhile :; do sleep 3600; done\n');
  await chmod(init, 0o755);
});

/**
 * Boot a guest that writes `records` records to stdout; check that every one arrives, in order.
 * `slowReader`: pause after each chunk, so that the host lags and output is still queued in the
 * guest when its command exits.
 */
async function streamArrives(records: number, slowReader: boolean): Promise<void> {
  const child = sim(['boot', '--image', 'demo', '--overlay', prefix, '--no-init', '--', 'sim-stream', String(records)], env, { buffer: false });
  let held = Buffer.alloc(0);
  let next = 0;
  let disorder: string | undefined;
  child.stdout.on('data', (chunk: Buffer) => {
    const data = held.length ? Buffer.concat([held, chunk]) : chunk;
    const whole = data.length - (data.length % RECORD);
    for (let at = 0; at < whole && !disorder; at += RECORD) {
      const record = data.toString('latin1', at, at + RECORD);
      if (record !== `${String(next).padStart(RECORD - 1, '0')}\n`) disorder = `record ${next} arrived as ${JSON.stringify(record)}`;
      next++;
    }
    held = Buffer.from(data.subarray(whole));
    if (slowReader) {
      child.stdout.pause();
      setTimeout(() => child.stdout.resume(), 30);
    }
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const result = await child;
  assert.is(result.exitCode, 0, stderr);
  assert.is(disorder, undefined);
  assert.is(held.length, 0, 'no partial record at the end');
  assert.is(next, records, 'every record arrived');
}

test('a guest that writes 200 MiB to stdout: all of it arrives, in order', async () => {
  await survive('200 MiB on stdout', env, () => streamArrives(RECORDS, false));
  // Found by this suite: the guest powered off with the last megabytes still queued.
  await survive('20 MiB on stdout to a slow reader', env, () => streamArrives(RECORDS / 10, true));
});

test('a guest that never becomes ready: --timeout ends it with exit code 72', async () => {
  await survive('never ready', env, async () => {
    const started = Date.now();
    const run = await sim(['boot', '--image', 'demo', '--overlay', prefix, '--init', '/run/sim/overlay/usr/lib/systemd/systemd', '--timeout', '10', '--', 'true'], env);
    assertClearError(run, 72, /did not become ready within 10 s/);
    assert.ok(Date.now() - started < 60_000, 'ended soon after the deadline');
  });
});

test.run();
