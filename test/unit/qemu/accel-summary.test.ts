import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { probeAccelerator } from '../../../src/index.js';
import { accelDetails, accelLine } from '../../../src/qemu/accel-summary.js';

const assertion = 'QEMU could not boot under KVM: qemu-system-x86_64: ../accel/kvm/kvm-all.c:2848: kvm_buf_set_msrs: Assertion `ret == cpu->kvm_msr_buf->nmsrs\' failed.';

test('the accelerator line is short and stable: never the probe\'s own words', () => {
  assert.is(accelLine({ accel: 'tcg', code: 'probe-failed' }), 'accelerator: tcg — KVM does not work on this host; `sim doctor` says why');
  assert.is(accelLine({ accel: 'tcg', code: 'no-device' }), 'accelerator: tcg — this host has no KVM (/dev/kvm is missing); `sim doctor` says why');
  assert.is(accelLine({ accel: 'tcg', code: 'no-access' }), 'accelerator: tcg — you may not open /dev/kvm; `sim doctor` says why');
  assert.is(accelLine({ accel: 'tcg', code: 'not-probed' }), 'accelerator: tcg — KVM has not been tested here yet; `sim doctor` says why');
  assert.is(accelLine({ accel: 'kvm', code: 'works' }), 'accelerator: kvm');
  assert.is(accelLine({ accel: 'tcg', code: 'forced' }), 'accelerator: tcg (SIM_ACCEL)');
  const verdict = { accel: 'tcg' as const, code: 'probe-failed' as const, reason: assertion, cached: true };
  assert.not.match(accelLine(verdict), 'Assertion');
  // The details stay reachable (--verbose shows debug lines).
  assert.match(accelDetails(verdict), assertion);
  assert.match(accelDetails(verdict), 'cached verdict');
});

test('SIM_ACCEL gives a forced verdict', async () => {
  const verdict = await probeAccelerator({ env: { SIM_ACCEL: 'tcg' } });
  assert.is(verdict.code, 'forced');
  assert.is(accelLine(verdict), 'accelerator: tcg (SIM_ACCEL)');
});

test.run();
