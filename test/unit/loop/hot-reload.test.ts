import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describeInUse, planReload } from '../../../src/loop/hot-reload.js';
import type { Project } from '../../../src/config/project.js';

const project = {
  modules: {
    app: { name: 'app', source: '/s/app', options: [], env: {}, kind: 'app', restart: { unit: 'app.service' } },
    lib: { name: 'lib', source: '/s/lib', options: [], env: {} },
    tool: { name: 'tool', source: '/s/tool', options: [], env: {}, restart: { process: 'tool' } },
  },
} as unknown as Project;

const result = (module: string, changedFiles: string[]) => ({ module, system: 'meson' as const, configured: false, changedFiles, removedFiles: [], ms: 1 });

const plan = (reboot: boolean, stopUnits: string[] = [], killProcesses: string[] = [], whenInUse: 'reboot' | 'warn' = 'reboot') => ({ reboot, stopUnits, killProcesses, whenInUse });

test('an app module stops and starts its unit around the refresh; no reboot', () => {
  assert.equal(planReload(project, { prefix: '/p', results: [result('app', ['usr/bin/app'])] }, 'auto'), plan(false, ['app.service']));
});

test('a module that installed a shared library reboots under auto, not under never', () => {
  const built = { prefix: '/p', results: [result('lib', ['usr/lib/x86_64-linux-gnu/libx.so.1.2'])] };
  assert.equal(planReload(project, built, 'auto'), plan(true));
  assert.equal(planReload(project, built, 'never'), plan(false, [], [], 'warn'));
});

test('nothing changed: nothing to do; always reboots regardless', () => {
  const built = { prefix: '/p', results: [result('tool', [])] };
  assert.equal(planReload(project, built, 'auto'), plan(false));
  assert.equal(planReload(project, built, 'always'), plan(true));
  assert.equal(planReload(project, { prefix: '/p', results: [result('tool', ['usr/bin/tool'])] }, 'auto'), plan(false, [], ['tool']));
});

test('a process that still maps a replaced file is named, at most three of them', () => {
  const u = (pid: number) => ({ pid, command: 'app', path: '/usr/bin/app' });
  assert.is(describeInUse([u(7)]), 'app (pid 7) maps /usr/bin/app');
  assert.is(describeInUse([u(1), u(2), u(3), u(4), u(5)]), 'app (pid 1) maps /usr/bin/app; app (pid 2) maps /usr/bin/app; app (pid 3) maps /usr/bin/app; and 2 more');
});

test.run();
