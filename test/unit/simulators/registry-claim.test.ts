/**
 * A simulator's directory before its state.json exists (a first detached quick boot saves its
 * snapshot first, for tens of seconds): a `sim ls` meanwhile (an IDE's `ls --watch` polls twice a
 * second) must leave it to its live launcher, and sweep it once that launcher is gone.
 */
import { mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { resolveContext } from '../../../src/core/context.js';
import { claimName, listSimulators, simulatorDir } from '../../../src/simulators/registry.js';

async function exists(dir: string): Promise<boolean> {
  return Boolean(await stat(dir).catch(() => undefined));
}

/** Old enough that the ten-second grace for a directory being set up is over. */
async function age(dir: string): Promise<void> {
  const past = new Date(Date.now() - 60_000);
  await utimes(dir, past, past);
}

test('a claimed directory without state survives sim ls while its launcher lives, and is swept once it is dead', async () => {
  const root = await mkdtemp(path.join(os.tmpdir(), 'sim-claim-'));
  try {
    const ctx = resolveContext({ SIM_CACHE_DIR: path.join(root, 'cache'), SIM_RUNTIME_DIR: path.join(root, 'run') });
    const dir = await claimName(ctx, 'saving');
    await age(dir);
    assert.equal(await listSimulators(ctx), []);
    assert.ok(await exists(dir), 'kept: its launcher (this process) is alive');

    // A launcher that died mid-start (pid 2^22 + 1 is above Linux's pid_max: never alive).
    await writeFile(path.join(dir, 'launcher.pid'), `${2 ** 22 + 1}\n`);
    await age(dir);
    await listSimulators(ctx);
    assert.not.ok(await exists(simulatorDir(ctx, 'saving')), 'swept: nobody is setting it up');
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test.run();
