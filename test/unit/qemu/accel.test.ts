import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { probeAccelerator } from '../../../src/index.js';
import { kvmAccess } from '../../../src/qemu/accel.js';

let dir: string;
test.before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sim-accel-test-'));
  await chmod(dir, 0o755);
});
test.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('a missing device means no KVM on this host, with nothing to fix', async () => {
  const verdict = await kvmAccess(path.join(dir, 'missing'));
  assert.equal(verdict, { code: 'no-device', reason: `${path.join(dir, 'missing')} does not exist (no KVM on this host)` });
});

test('a device this user may not open says how to join the kvm group', async () => {
  const device = path.join(dir, 'kvm');
  await writeFile(device, '');
  await chmod(device, 0o000);
  let verdict: Awaited<ReturnType<typeof kvmAccess>>;
  if (process.getuid?.() !== 0) {
    verdict = await kvmAccess(device, 'alice');
  } else {
    // Root opens anything: ask as an unprivileged user instead.
    const module = fileURLToPath(new URL('../../../src/qemu/accel.ts', import.meta.url));
    const script = `import { kvmAccess } from ${JSON.stringify(module)}; console.log(JSON.stringify(await kvmAccess(${JSON.stringify(device)}, 'alice')));`;
    const child = await execa('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], { env: { ...process.env, HOME: dir } });
    verdict = JSON.parse(child.stdout);
  }
  assert.is(verdict?.code, 'no-access');
  assert.match(verdict?.hint ?? '', /sudo usermod -aG kvm alice, then log in again/);
});

test('SIM_ACCEL overrides with its own reason code', async () => {
  const verdict = await probeAccelerator({ env: { SIM_ACCEL: 'tcg', SIM_CACHE_DIR: dir } });
  assert.is(verdict.code, 'forced');
  assert.is(verdict.accel, 'tcg');
});

test.run();
