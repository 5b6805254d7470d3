/**
 * SIGKILL at every phase: of sim during `image add` (mid-copy), before QEMU starts, mid-boot and
 * mid-command; of a detached simulator's daemon; of QEMU itself (foreground and detached).
 * Afterwards the store verifies, nothing of the private dirs runs, and the next run works.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { bigImage } from '../helpers/fault-images.js';
import { assertClearError, bootWorks, demoEnv, phase, processesUsing, survive, waitForEvent, waitUntil, type FaultEnv } from '../helpers/faults.js';
import { buildFixtureImage, type FixtureImage } from '../helpers/fixture-image.js';
import { sim } from '../helpers/sim.js';
import { isAlive } from '../../src/core/pids.js';

let fixture: FixtureImage;
let env: FaultEnv;

test.before(async () => {
  env = await demoEnv();
  fixture = await buildFixtureImage();
});

test('SIGKILL of sim in the middle of copying an image into the store', async () => {
  const big = await bigImage(fixture);
  await survive('kill during image add', env, async () => {
    const images = path.join(env.SIM_CACHE_DIR, 'images');
    const child = sim(['image', 'add', big, '--name', 'big'], env);
    // The copy into the store is under way once the temporary entry holds a growing disk.
    await waitUntil('the copy into the store', async () => {
      for (const entry of await readdir(images).catch(() => [] as string[])) {
        if (!entry.includes('.tmp-')) continue;
        const size = (await stat(path.join(images, entry, 'disk.qcow2')).catch(() => undefined))?.size ?? 0;
        if (size > 16 * 1024 * 1024) return true;
      }
      return false;
    }, 120_000, 10);
    child.kill('SIGKILL');
    await child;
    // The converter sim started dies with it instead of writing on into the store.
    await waitUntil('the converter to die', async () => (await processesUsing(env.root)).length === 0, 1_000, 50);
    const again = await sim(['image', 'add', big, '--name', 'big'], env);
    assert.is(again.exitCode, 0, String(again.stderr));
    const rm = await sim(['image', 'rm', 'big'], env);
    assert.is(rm.exitCode, 0, String(rm.stderr));
  });
});

test('SIGKILL of sim before QEMU starts', async () => {
  await survive('kill before QEMU starts', env, async () => {
    // The kill races sim's next steps (a few hundred ms to QEMU's start): try again when it lost.
    let before = false;
    for (let attempt = 0; attempt < 3 && !before; attempt++) {
      const child = sim(['boot', '--json', '--image', 'demo', '--no-init', '--', 'true'], env);
      await waitForEvent(child, phase('image-ready'));
      child.kill('SIGKILL');
      const result = await child;
      assert.is(result.signal, 'SIGKILL');
      before = !String(result.stdout).includes('"qemu-started"');
      await bootWorks(env, 'demo');
    }
    assert.ok(before, 'killed before QEMU started');
  });
});

test('SIGKILL of sim while the guest boots', async () => {
  await survive('kill mid-boot', env, async () => {
    const child = sim(['boot', '--json', '--image', 'demo', '--', 'true'], env);
    const started = await waitForEvent(child, phase('qemu-started'));
    child.kill('SIGKILL');
    await child;
    await waitUntil('QEMU to die with sim', () => !isAlive(started.detail.pid), 10_000, 50);
    await bootWorks(env, 'demo');
  });
});

test('SIGKILL of sim while the guest command runs', async () => {
  await survive('kill mid-command', env, async () => {
    const child = sim(['boot', '--json', '--image', 'demo', '--no-init', '--', 'sleep', '600'], env);
    await waitForEvent(child, phase('command-started'));
    child.kill('SIGKILL');
    await child;
    await bootWorks(env, 'demo');
  });
});

test('SIGKILL of QEMU while the guest command runs', async () => {
  await survive('kill QEMU (foreground)', env, async () => {
    const child = sim(['boot', '--image', 'demo', '--no-init', '--', 'sleep', '600'], env);
    let qemuPid = 0;
    await waitUntil('the guest command to run', async () => {
      const qemu = (await processesUsing(path.join(env.SIM_RUNTIME_DIR, 'sessions'))).find((p) => p.includes('qemu-system'));
      qemuPid = Number(qemu?.split(' ')[0] ?? 0);
      return qemuPid > 0;
    }, 60_000, 50);
    // Let the guest get to its command (a kill during boot is covered above).
    await new Promise((r) => setTimeout(r, 3_000));
    process.kill(qemuPid, 'SIGKILL');
    assertClearError(await child, 71);
  });
});

test('SIGKILL of a detached simulator\'s daemon', async () => {
  await survive('kill the simulator daemon', env, async () => {
    const start = await sim(['boot', '--detach', '--image', 'demo', '--name', 'victim'], env);
    assert.is(start.exitCode, 0, String(start.stderr));
    const [state] = String((await sim(['ls', '--json'], env)).stdout).split('\n').filter(Boolean).map((l) => JSON.parse(l));
    process.kill(state.launcherPid, 'SIGKILL');
    await waitUntil('QEMU to die with its daemon', () => !isAlive(state.pid), 10_000, 50);
    const exec = await sim(['exec', 'victim', '--', 'true'], env);
    assertClearError(exec, 64, /No simulator named 'victim'/);
  });
});

test('SIGKILL of a detached simulator\'s QEMU', async () => {
  await survive('kill QEMU (detached)', env, async () => {
    const start = await sim(['boot', '--detach', '--image', 'demo', '--name', 'victim'], env);
    assert.is(start.exitCode, 0, String(start.stderr));
    const [state] = String((await sim(['ls', '--json'], env)).stdout).split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const exec = sim(['exec', 'victim', '--', 'sh', '-c', 'echo started; sleep 600'], env);
    await new Promise((resolve) => exec.stdout.once('data', resolve));
    process.kill(state.pid, 'SIGKILL');
    assertClearError(await exec, 71, /stopped while the command ran/);
    await waitUntil('the daemon to exit', () => !isAlive(state.launcherPid), 10_000, 50);
    const ls = await sim(['ls'], env);
    assert.not.match(String(ls.stdout), /victim/);
  });
});

test.run();
