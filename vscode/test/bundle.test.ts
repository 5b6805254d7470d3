// The bundle VS Code loads (dist/extension.js, built by `npm test` before the tests), with the
// fake vscode module and a fake sim executable: real processes, spawned and ended.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import Module from 'node:module';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createFakeVscode, fakeExtensionContext } from './fake-vscode';
import { waitFor } from './fake-spawner';

const root = path.resolve(__dirname, '..');

interface Spawned {
  pid: number;
  args: string[];
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('dist/extension.js activates, runs sim with its argument list, and ends its children on deactivate', async () => {
  const workspace = mkdtempSync(path.join(tmpdir(), 'sim-bundle-'));
  writeFileSync(path.join(workspace, 'sim.json'), '{}');
  const log = path.join(workspace, 'spawned.ndjson');
  writeFileSync(log, '');
  process.env.FAKE_SIM_LOG = log;
  const spawned = () => readFileSync(log, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Spawned);

  const fake = createFakeVscode({ folders: [workspace], settings: { 'sim.path': path.join(__dirname, 'fixtures', 'fake-sim.mjs') } });
  // The bundle requires 'vscode', which only VS Code provides.
  const loader = Module as unknown as { _load: (this: void, request: string, ...rest: unknown[]) => unknown };
  const load = loader._load;
  loader._load = (request, ...rest) => (request === 'vscode' ? fake.api : load(request, ...rest));
  let extension: { activate(c: unknown): void; deactivate(): void };
  try {
    extension = Module.createRequire(__filename)(path.join(root, 'dist', 'extension.js')) as typeof extension;
  } finally {
    loader._load = load;
  }
  let active = false;
  try {
    extension.activate(fakeExtensionContext());
    active = true;
    await waitFor(() => (fake.recorded.statusItems[0]?.tooltip.startsWith('Run starts a new simulator. 1 simulator') ? true : undefined), 'the status bar to see the simulator');

    await fake.run('sim.runInSimulator');
    const output = fake.recorded.channels.get('sim')!.lines;
    assert.ok(output.includes('✓ done: simulator bundled'), output.join('\n'));
    assert.equal(fake.recorded.errors, []);
    await waitFor(() => (fake.recorded.channels.get('sim: guest')!.lines.some((l) => l.endsWith('demo[7]: hello from the guest')) ? true : undefined), 'the journal');
    await waitFor(() => (fake.recorded.channels.get('sim: console')!.lines.includes('Debian GNU/Linux 12 bundled ttyS0') ? true : undefined), 'the console');
    await waitFor(() => fake.recorded.panels[0]?.webview.html.match(/src="http:\/\/127\.0\.0\.1:45678\/\?token=abc#sim=bundled"/) ?? undefined, 'the screen');

    const verbs = spawned().map((s) => s.args[0]);
    assert.equal([...verbs].sort(), ['console', 'logs', 'ls', 'rebuild-and-boot', 'web']);
    assert.equal(spawned().find((s) => s.args[0] === 'rebuild-and-boot')?.args, ['rebuild-and-boot', '--config', path.join(workspace, 'sim.json'), '--detach', '--json']);
    const longRunning = spawned().filter((s) => s.args[0] !== 'rebuild-and-boot');
    assert.ok(longRunning.every((s) => alive(s.pid)));

    extension.deactivate();
    active = false;
    await waitFor(() => (longRunning.every((s) => !alive(s.pid)) ? true : undefined), 'ls --watch, logs, console and web to end');
  } finally {
    // A failed check must not leave the watch's timers holding the test run open.
    if (active) extension.deactivate();
    for (const s of spawned()) if (alive(s.pid)) process.kill(s.pid, 'SIGKILL');
    rmSync(workspace, { recursive: true, force: true });
  }
});

test.run();
