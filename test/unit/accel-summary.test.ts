import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { probeAccelerator } from '../../src/qemu/accel.js';
import { accelDetails, accelLine } from '../../src/qemu/accel-summary.js';

const assertion = 'QEMU could not boot under KVM: qemu-system-x86_64: ../accel/kvm/kvm-all.c:2848: kvm_buf_set_msrs: Assertion `ret == cpu->kvm_msr_buf->nmsrs\' failed.';

test('the accelerator line is short and stable: never the probe\'s own words', () => {
  assert.is(accelLine({ accel: 'tcg', status: 'broken' }), 'accelerator: tcg — KVM does not work on this host; `sim doctor` says why');
  assert.is(accelLine({ accel: 'tcg', status: 'unavailable' }), 'accelerator: tcg — KVM is not available here (/dev/kvm is missing or not accessible); `sim doctor` says why');
  assert.is(accelLine({ accel: 'tcg', status: 'unprobed' }), 'accelerator: tcg — KVM has not been tested here yet; `sim doctor` says why');
  assert.is(accelLine({ accel: 'kvm', status: 'works' }), 'accelerator: kvm');
  assert.is(accelLine({ accel: 'tcg', status: 'forced' }), 'accelerator: tcg (SIM_ACCEL)');
  const verdict = { accel: 'tcg' as const, status: 'broken' as const, reason: assertion, cached: true };
  assert.not.match(accelLine(verdict), 'Assertion');
  // The details stay reachable (--verbose shows debug lines).
  assert.match(accelDetails(verdict), assertion);
  assert.match(accelDetails(verdict), 'cached verdict');
});

test('SIM_ACCEL gives a forced verdict', async () => {
  const verdict = await probeAccelerator({ env: { SIM_ACCEL: 'tcg' } });
  assert.is(verdict.status, 'forced');
  assert.is(accelLine(verdict), 'accelerator: tcg (SIM_ACCEL)');
});

test.run();
