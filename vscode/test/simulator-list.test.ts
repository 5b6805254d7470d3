import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Simulator } from '../src/events';
import { describeSimulator, reduceSimulators } from '../src/simulator-list';
import { pickerItems } from '../src/simulator-picker';
import { statusBarView } from '../src/status-bar';

const sim = (name: string, status: Simulator['status'] = 'running', overlay: string | null = '/p/prefix'): Simulator => ({ name, status, image: 'debian', overlay });

test('the watch stream replaces the list at each event; other events leave it', () => {
  let list: readonly Simulator[] = [];
  list = reduceSimulators(list, { type: 'simulators', simulators: [sim('b'), sim('a')] });
  assert.equal(list.map((s) => s.name), ['a', 'b']);
  const same = reduceSimulators(list, { type: 'log', level: 'info', message: 'x' });
  assert.is(same, list);
  list = reduceSimulators(list, { type: 'simulator-change', change: 'stopped', name: 'a', simulators: [sim('b')] });
  assert.equal(list.map((s) => s.name), ['b']);
});

test('ls --json lines (one simulator each) add or replace by name', () => {
  let list: readonly Simulator[] = [sim('a', 'starting')];
  list = reduceSimulators(list, { type: 'simulator', ...sim('a', 'running') });
  list = reduceSimulators(list, { type: 'simulator', time: 't', ...sim('c') });
  assert.equal(list, [sim('a', 'running'), sim('c')]);
});

test('the status bar: no pick, a picked one starting or running, a picked one that stopped, the watch failing', () => {
  assert.is(statusBarView({ simulators: [sim('a')], picked: undefined, watch: 'watching' }).text, '$(vm-outline) No simulator');
  assert.is(statusBarView({ simulators: [sim('a', 'starting')], picked: 'a', watch: 'watching' }).text, '$(loading~spin) a: starting');
  assert.is(statusBarView({ simulators: [sim('a')], picked: 'a', watch: 'watching' }).text, '$(vm-running) a: running');
  assert.is(statusBarView({ simulators: [], picked: 'a', watch: 'watching' }).text, '$(vm-outline) a: stopped');
  assert.is(statusBarView({ simulators: [], picked: undefined, watch: 'failed' }).text, '$(warning) sim');
});

test('the picker lists each simulator with its image and overlay, and offers a new one', () => {
  assert.is(describeSimulator(sim('a', 'running', null)), 'image debian · no overlay · running');
  const items = pickerItems({ simulators: [sim('a'), sim('b')], picked: 'b' }, true);
  assert.equal(items.map((i) => i.label), ['$(vm) a', '$(check) b', '$(add) New simulator']);
  assert.is(items[0]?.description, 'image debian · overlay /p/prefix · running');
  assert.is(items[2]?.simulatorName, undefined);
  assert.is(pickerItems({ simulators: [sim('a')], picked: undefined }, false).length, 1);
});

test.run();
