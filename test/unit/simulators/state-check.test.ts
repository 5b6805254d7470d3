/** The registry's zod-free check of state.json agrees with the exported zod schema. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkedState } from '../../../src/simulators/state-check.js';
import { simulatorStateSchema } from '../../../src/simulators/state-schema.js';

const valid = { name: 'demo', status: 'running', pid: 4242, launcherPid: 4241, image: 'debian', imageId: 'abc123', overlay: '/home/u/prefix', accel: 'kvm', startedAt: '2026-01-01T00:00:00.000Z' };

const samples: [string, unknown][] = [
  ['the required fields', valid],
  ['every field', { ...valid, readyMs: 812.5, display: { backend: 'vnc', socket: '/run/x' } }],
  ['keys in another order, unknown ones among them', { extra: 1, display: {}, ...Object.fromEntries(Object.entries(valid).reverse()), readyMs: 3 }],
  ['no overlay', { ...valid, overlay: null, status: 'starting', accel: 'tcg' }],
  ['not an object', 'demo'],
  ['null', null],
  ['an array', [valid]],
  ['a field missing', { ...valid, imageId: undefined }],
  ['overlay missing', Object.fromEntries(Object.entries(valid).filter(([key]) => key !== 'overlay'))],
  ['an unknown status', { ...valid, status: 'stopped' }],
  ['an unknown accelerator', { ...valid, accel: 'hvf' }],
  ['a fractional pid', { ...valid, pid: 1.5 }],
  ['a pid past safe integers', { ...valid, launcherPid: 2 ** 60 }],
  ['a pid as a string', { ...valid, pid: '4242' }],
  ['a name that is a number', { ...valid, name: 7 }],
  ['readyMs as a string', { ...valid, readyMs: '9' }],
  ['display as an array', { ...valid, display: [] }],
  ['display null', { ...valid, display: null }],
];

for (const [label, value] of samples) {
  test(`state.json with ${label}: the same verdict and result as the zod schema`, () => {
    const parsed = simulatorStateSchema.safeParse(value);
    const checked = checkedState(value);
    if (parsed.success) assert.is(JSON.stringify(checked), JSON.stringify(parsed.data));
    else assert.is(checked, undefined);
  });
}

test('the samples include states the schema accepts and ones it refuses (the control)', () => {
  const verdicts = samples.map(([, value]) => simulatorStateSchema.safeParse(value).success);
  assert.ok(verdicts.includes(true) && verdicts.includes(false));
});

test.run();
