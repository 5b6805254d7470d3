import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { doctor } from '../../../src/index.js';
import { formatDoctorReport, versionOf, type DoctorReport } from '../../../src/doctor/doctor.js';

let dir: string;
let emptyBin: string;
test.before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sim-doctor-test-'));
  emptyBin = path.join(dir, 'bin');
  await mkdir(emptyBin);
});
test.after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A private cache, and no KVM test boot (KVM hangs normal kernels on some machines). */
const env = (overrides: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ ...process.env, SIM_CACHE_DIR: path.join(dir, 'cache'), SIM_ACCEL: 'tcg', ...overrides });

test('with nothing on PATH, qemu is missing and the fix is the apt-get command', async () => {
  const report = await doctor({ env: env({ PATH: emptyBin }) });
  const qemu = report.checks.find((c) => c.name === 'qemu-system-x86_64');
  assert.ok(qemu);
  assert.is(qemu.ok, false);
  assert.match(qemu.detail, /not found/);
  assert.is(qemu.fix, 'apt-get install qemu-system-x86');
  assert.is(report.checks.find((c) => c.name === 'qemu-img')?.fix, 'apt-get install qemu-utils');
  assert.is(report.checks.find((c) => c.name === '9p in QEMU')?.ok, false);
  assert.is(report.ok, false);
  const text = formatDoctorReport(report);
  assert.match(text, /✗ qemu-system-x86_64 +not found on PATH/);
  assert.match(text, /fix: apt-get install qemu-system-x86\n/);
  assert.match(text, /problems found/);
});

test('on this machine every check runs and reports a detail', async () => {
  const report = await doctor({ env: env() });
  const names = report.checks.map((c) => c.name);
  for (const name of ['qemu-system-x86_64', 'qemu-img', 'busybox (static)', 'debugfs', 'mke2fs', 'sfdisk', 'mmdebstrap', 'setpriv', '9p in QEMU', 'cache', 'image builds', 'KVM']) {
    assert.ok(names.includes(name), name);
  }
  for (const check of report.checks) {
    assert.ok(check.detail, check.name);
    if (!check.ok && !check.optional && check.name !== 'cache') assert.ok(check.fix, `${check.name} has a fix`);
  }
  assert.match(report.checks.find((c) => c.name === 'cache')!.detail, new RegExp(path.join(dir, 'cache')));
  assert.match(report.checks.find((c) => c.name === 'KVM')!.detail, /SIM_ACCEL/);
  const builds = report.checks.find((c) => c.name === 'image builds')!;
  assert.match(builds.detail, process.getuid?.() === 0 ? /^as root$/ : /user namespace|subordinate|newuidmap|namespaces/);
  // In CI the machine is provisioned for sim: a missing tool is a failure, not a skip.
  if (process.env.CI === 'true') assert.ok(report.ok, formatDoctorReport(report));
});

test('with a user PATH (no sbin directories) the system programs are still found', async () => {
  const report = await doctor({ env: env({ PATH: '/usr/local/bin:/usr/bin:/bin' }) });
  for (const tool of ['sfdisk', 'debugfs', 'mke2fs']) {
    const check = report.checks.find((c) => c.name === tool);
    assert.ok(check?.ok, `${tool}: ${check?.detail}`);
    assert.match(check.detail, /\(\/(usr\/)?sbin\//);
  }
});

test('the report marks failures, optional warnings and passes', () => {
  const report: DoctorReport = {
    ok: false,
    checks: [
      { name: 'qemu-img', ok: true, detail: '7.2.22 (/usr/bin/qemu-img)' },
      { name: 'sfdisk', ok: false, detail: 'not found on PATH', fix: 'apt-get install fdisk' },
      { name: 'KVM', ok: false, detail: 'TCG', optional: true },
    ],
  };
  assert.is(
    formatDoctorReport(report),
    [
      '✓ qemu-img  7.2.22 (/usr/bin/qemu-img)',
      '✗ sfdisk    not found on PATH',
      '            fix: apt-get install fdisk',
      '! KVM       TCG (optional)',
      '',
      '1 problem found.',
      '',
    ].join('\n'),
  );
});

test('versions are read from the usual --version lines', () => {
  assert.is(versionOf('QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)'), '7.2.22');
  assert.is(versionOf('mke2fs 1.47.0 (5-Feb-2023)\n\tUsing EXT2FS Library version 1.47.0'), '1.47.0');
  assert.is(versionOf('setpriv from util-linux 2.38.1'), '2.38.1');
  assert.is(versionOf('no digits'), undefined);
});

test.run();
