import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { simulatorChanges } from '../../../src/simulators/watch.js';
import type { SimulatorState } from '../../../src/simulators/state-schema.js';

const sim = (name: string, status: 'starting' | 'running', pid = 100): SimulatorState => ({
  name, status, pid, launcherPid: 1, image: 'demo', imageId: 'x', overlay: null, accel: 'tcg', startedAt: '2026-12-03T00:00:00Z',
});

test('changes between two looks at the registry: appeared, ready, stopped', () => {
  assert.equal(simulatorChanges([], []), []);
  assert.equal(simulatorChanges([], [sim('a', 'starting')]), [{ change: 'appeared', name: 'a' }]);
  assert.equal(simulatorChanges([sim('a', 'starting')], [sim('a', 'running')]), [{ change: 'ready', name: 'a' }]);
  assert.equal(simulatorChanges([sim('a', 'running')], [sim('a', 'running')]), []);
  assert.equal(simulatorChanges([sim('a', 'running')], []), [{ change: 'stopped', name: 'a' }]);
});

test('one that started and became ready between two looks: appeared, then ready', () => {
  assert.equal(simulatorChanges([], [sim('a', 'running')]), [{ change: 'appeared', name: 'a' }, { change: 'ready', name: 'a' }]);
});

test('a name reused by a new QEMU between two looks: the old one stopped, the new one appeared (stops first)', () => {
  assert.equal(simulatorChanges([sim('a', 'running', 100), sim('b', 'running', 7)], [sim('a', 'starting', 200), sim('b', 'running', 7)]), [
    { change: 'stopped', name: 'a' },
    { change: 'appeared', name: 'a' },
  ]);
});

test.run();
