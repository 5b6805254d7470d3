import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { planReload } from '../../../src/loop/hot-reload.js';
import type { Project } from '../../../src/config/project.js';

const project = {
  modules: {
    app: { name: 'app', source: '/s/app', options: [], env: {}, kind: 'app', restart: { unit: 'app.service' } },
    lib: { name: 'lib', source: '/s/lib', options: [], env: {} },
    tool: { name: 'tool', source: '/s/tool', options: [], env: {}, restart: { process: 'tool' } },
  },
} as unknown as Project;

const result = (module: string, changedFiles: string[]) => ({ module, system: 'meson' as const, configured: false, changedFiles, removedFiles: [], ms: 1 });

test('an app module restarts its unit; no reboot', () => {
  assert.equal(planReload(project, { prefix: '/p', results: [result('app', ['usr/bin/app'])] }, 'auto'), { reboot: false, restarts: [['systemctl', 'restart', 'app.service']] });
});

test('a module that installed a shared library reboots under auto, not under never', () => {
  const built = { prefix: '/p', results: [result('lib', ['usr/lib/x86_64-linux-gnu/libx.so.1.2'])] };
  assert.equal(planReload(project, built, 'auto'), { reboot: true, restarts: [] });
  assert.equal(planReload(project, built, 'never'), { reboot: false, restarts: [] });
});

test('nothing changed: nothing to do; always reboots regardless', () => {
  const built = { prefix: '/p', results: [result('tool', [])] };
  assert.equal(planReload(project, built, 'auto'), { reboot: false, restarts: [] });
  assert.equal(planReload(project, built, 'always'), { reboot: true, restarts: [] });
  assert.equal(planReload(project, { prefix: '/p', results: [result('tool', ['usr/bin/tool'])] }, 'auto'), { reboot: false, restarts: [['killall', '-q', 'tool']] });
});

test.run();
