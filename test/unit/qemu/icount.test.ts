import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { planBoot, type BootRequest } from '../../../src/boot/plan.js';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { boot, probeAccelerator } from '../../../src/index.js';
import { accelLine } from '../../../src/qemu/accel-summary.js';
import { qemuArgs } from '../../../src/qemu/args.js';
import { icountFromEnv } from '../../../src/qemu/icount.js';
import { snapshotLabel } from '../../../src/snapshots/plan.js';
import { fakeImage } from '../../helpers/image-meta.js';

const image = fakeImage({ kernel: { version: '6.1.0-1-amd64', file: 'kernel/vmlinuz', vmlinux: 'kernel/vmlinux', modulesDir: 'kernel/modules' } });
const request: BootRequest = { command: ['true'], mode: 'init', memoryMiB: 1024, cpus: 1, kernelArgs: [], interactive: false, fastKernel: true, icount: 3 };

test('SIM_ICOUNT: a shift from 0 to 10, or nothing', () => {
  assert.is(icountFromEnv({}), undefined);
  assert.is(icountFromEnv({ SIM_ICOUNT: '' }), undefined);
  assert.is(icountFromEnv({ SIM_ICOUNT: '0' }), 0);
  assert.is(icountFromEnv({ SIM_ICOUNT: '3' }), 3);
  for (const bad of ['11', 'auto', '-1', '3,sleep=on', ' 3']) {
    try {
      icountFromEnv({ SIM_ICOUNT: bad });
      assert.unreachable(`accepted ${bad}`);
    } catch (error) {
      assert.is((error as { code?: string }).code, 'USAGE', bad);
      assert.match((error as Error).message, 'SIM_ICOUNT takes a shift from 0 to 10');
    }
  }
});

test('instruction-counted time: -icount with the shift, idle time skipped, after the accelerator', () => {
  const args = qemuArgs(planBoot({ request, image, imageDir: '/i', accel: 'tcg', sessionDir: '/s' }));
  const at = args.indexOf('-icount');
  assert.equal(args.slice(at - 2, at + 2), ['-accel', 'tcg', '-icount', 'shift=3,sleep=off']);
  assert.equal(args.slice(args.indexOf('-smp'), args.indexOf('-smp') + 2), ['-smp', '1']);
  assert.not.ok(qemuArgs(planBoot({ request: { ...request, icount: undefined }, image, imageDir: '/i', accel: 'tcg', sessionDir: '/s' })).includes('-icount'));
});

test('instruction-counted time is refused under KVM and with more than one CPU, with what to do', () => {
  assert.throws(() => planBoot({ request, image, imageDir: '/i', accel: 'kvm', sessionDir: '/s' }), (e: Error & { code?: string; hint?: string }) => e.code === 'USAGE' && /only TCG/.test(e.message) && /SIM_ACCEL/.test(e.hint ?? ''));
  assert.throws(() => planBoot({ request: { ...request, cpus: 2 }, image, imageDir: '/i', accel: 'tcg', sessionDir: '/s' }), (e: Error & { code?: string; hint?: string }) => e.code === 'USAGE' && /one CPU/.test(e.message) && /--cpus 1/.test(e.hint ?? ''));
});

test('SIM_ICOUNT asks for TCG, says so on the accelerator line, and names the snapshot apart', async () => {
  const verdict = await probeAccelerator({ env: { SIM_ICOUNT: '3' } });
  assert.equal([verdict.accel, verdict.code], ['tcg', 'icount']);
  assert.is(accelLine(verdict), "accelerator: tcg, the guest's time counted in instructions (SIM_ICOUNT)");
  // SIM_ACCEL=kvm beside it stays KVM, for the plan to refuse with a hint.
  assert.is((await probeAccelerator({ env: { SIM_ICOUNT: '3', SIM_ACCEL: 'kvm' } })).accel, 'kvm');
  const plan = planBoot({ request, image, imageDir: '/i', accel: 'tcg', sessionDir: '/s' });
  assert.match(snapshotLabel(plan), '1 CPU, tcg (instruction-counted, shift 3)');
});

test('SIM_ICOUNT is checked before any work: a bad value, KVM or more CPUs, before the image is looked up', async () => {
  const cache = await mkdtemp(path.join(os.tmpdir(), 'sim-icount-'));
  try {
    const cases: [Record<string, string>, number | undefined, RegExp][] = [
      [{ SIM_ICOUNT: 'x' }, undefined, /takes a shift/],
      [{ SIM_ICOUNT: '3', SIM_ACCEL: 'kvm' }, undefined, /only TCG/],
      [{ SIM_ICOUNT: '3' }, 2, /one CPU/],
    ];
    for (const [env, cpus, message] of cases) {
      const error = await boot({ env: { ...env, SIM_CACHE_DIR: cache, PATH: process.env.PATH ?? '' }, image: 'no-such-image', command: ['true'], cpus }).then(
        () => undefined,
        (e: unknown) => e as Error & { code?: string },
      );
      assert.is(error?.code, 'USAGE', `${JSON.stringify(env)}: ${String(error)}`);
      assert.match(error!.message, message);
    }
  } finally {
    await rm(cache, { recursive: true, force: true });
  }
});

test.run();
