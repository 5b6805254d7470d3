import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startArgs } from '../../../src/web/actions.js';
import { webSimulator } from '../../../src/web/simulator-list.js';
import { expectSimError } from '../../helpers/sim-error.js';

test('starting from the page: sim boot --detach, or rebuild-and-boot --detach for a project', () => {
  assert.equal(startArgs({}), ['boot', '--detach', '--json']);
  assert.equal(startArgs({ image: 'debian', name: 'a', overlay: '/p' }), ['boot', '--detach', '--overlay', '/p', '--json', '--image', 'debian', '--name', 'a']);
  assert.equal(startArgs({ project: '/src/app/sim.json', image: '' }), ['rebuild-and-boot', '--detach', '--config', '/src/app/sim.json', '--json']);
});

test('starting from the page: what the CLI would refuse is refused before it runs', async () => {
  const refused = async (body: Record<string, unknown>, pattern: RegExp) => assert.match((await expectSimError(() => startArgs(body), 'USAGE')).message, pattern);
  await refused({ overlay: '/a', project: '/b' }, /overlay or a project/);
  await refused({ overlay: 'relative/prefix' }, /absolute path/);
  await refused({ image: 42 }, /'image' must be a text/);
  await refused({ name: 'x'.repeat(41) }, /at most 40/);
});

test('a simulator as the page sees it: a screen only with a VNC server', () => {
  const state = { name: 'a', status: 'running' as const, pid: 1, launcherPid: 2, image: 'demo', imageId: 'f'.repeat(64), overlay: null, accel: 'tcg' as const, startedAt: '2026-12-03T00:00:00Z' };
  assert.equal(webSimulator(state), { name: 'a', status: 'running', image: 'demo', overlay: null, project: null, accel: 'tcg', startedAt: '2026-12-03T00:00:00Z', screen: null });
  const shown = webSimulator({ ...state, readyMs: 5, project: '/p/sim.json', display: { backend: 'none', resolution: '1024x768', vnc: { socket: '/run/a/vnc.sock' } } });
  assert.equal(shown.screen, { width: 1024, height: 768 });
  assert.is(shown.project, '/p/sim.json');
  assert.is(shown.readyMs, 5);
  assert.is(webSimulator({ ...state, display: { backend: 'spice', resolution: '1024x768' } }).screen, null);
});

test.run();
