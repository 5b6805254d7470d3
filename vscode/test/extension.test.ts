import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createExtension } from '../src/activate';
import type { Timers } from '../src/simulator-watch';
import { createFakeSpawner, settle, waitFor } from './fake-spawner';
import { createFakeVscode, fakeExtensionContext, type FakeUri } from './fake-vscode';

const running = (name: string, status = 'running') => ({ name, status, image: 'debian', imageId: 'f'.repeat(64), overlay: '/w/prefix', pid: 42, accel: 'kvm', startedAt: '2026-12-03T18:00:00Z' });

function fakeTimers() {
  let clock = 0;
  const scheduled: { callback: () => void; ms: number; cleared: boolean }[] = [];
  const timers: Timers = {
    setTimeout: (callback, ms) => {
      const entry = { callback, ms, cleared: false };
      scheduled.push(entry);
      return entry;
    },
    clearTimeout: (handle) => void ((handle as { cleared: boolean }).cleared = true),
    now: () => clock,
  };
  return { timers, scheduled, advance: (ms: number) => void (clock += ms) };
}

/** The workspaces the tests made, removed when the run ends. */
const workspaces: string[] = [];
process.once('exit', () => workspaces.forEach((w) => rmSync(w, { recursive: true, force: true })));

function setup(options: { project?: boolean; settings?: Record<string, unknown>; quickPick?: (items: { label: string }[]) => string | undefined } = {}) {
  const workspace = mkdtempSync(path.join(tmpdir(), 'sim-vscode-'));
  workspaces.push(workspace);
  if (options.project !== false) writeFileSync(path.join(workspace, 'sim.json'), '{}');
  const fake = createFakeVscode({ folders: [workspace], settings: options.settings, quickPick: options.quickPick });
  const spawn = createFakeSpawner();
  const clock = fakeTimers();
  const extension = createExtension({ vscode: fake.api, spawner: spawn.spawner, timers: clock.timers });
  const context = fakeExtensionContext();
  extension.activate(context);
  const lines = (channel: string) => fake.recorded.channels.get(channel)?.lines ?? [];
  const statusText = () => fake.recorded.statusItems[0]?.text;
  return { workspace, fake, spawn, clock, extension, context, lines, statusText };
}

test('activate registers the commands, sets the context key for the Run button and watches the simulators', () => {
  const { fake, spawn, statusText, context } = setup();
  assert.equal([...fake.recorded.commands.keys()].sort(), ['sim.pickSimulator', 'sim.runInSimulator', 'sim.screenshot', 'sim.showScreen', 'sim.stopSimulator']);
  assert.is(fake.recorded.contexts.get('sim.hasProject'), true);
  assert.equal(spawn.children.map((c) => [c.command, ...c.args]), [['sim', 'ls', '--watch', '--json']]);
  assert.is(statusText(), '$(vm-outline) No simulator');
  assert.is(fake.recorded.statusItems[0]?.command, 'sim.pickSimulator');
  assert.ok(context.subscriptions.length > 0, 'disposed by VS Code too');
});

test('without a sim.json the Run button is hidden and Run says why, running nothing', async () => {
  const { fake, spawn } = setup({ project: false });
  assert.is(fake.recorded.contexts.get('sim.hasProject'), false);
  await fake.run('sim.runInSimulator');
  assert.match(fake.recorded.errors[0] ?? '', /no sim\.json/);
  assert.is(spawn.children.length, 1, 'only ls --watch');
});

test('a sim.json made after activation (sim init) shows the Run button', () => {
  const { fake, workspace } = setup({ project: false });
  writeFileSync(path.join(workspace, 'sim.json'), '{}');
  const watcher = fake.recorded.watchers.find((w) => w.pattern === '**/sim.json')!;
  for (const listener of watcher.created) listener();
  assert.is(fake.recorded.contexts.get('sim.hasProject'), true);
});

test('the status bar follows the ls --watch stream and the picker sets the simulator', async () => {
  const { fake, spawn, statusText, extension } = setup({ quickPick: (items) => items.find((i) => i.label.endsWith(' b'))?.label });
  const watch = spawn.find('ls')!;
  watch.emitEvents({ type: 'simulators', simulators: [running('a'), running('b', 'starting')] });
  assert.is(statusText(), '$(vm-outline) No simulator');
  await fake.run('sim.pickSimulator');
  assert.equal(fake.recorded.quickPicks[0]?.items.map((i) => i.label), ['$(vm) a', '$(vm) b', '$(add) New simulator']);
  assert.is(fake.recorded.quickPicks[0]?.items[1]?.description, 'image debian · overlay /w/prefix · starting');
  assert.is(extension.state.picked, 'b');
  assert.is(statusText(), '$(loading~spin) b: starting');
  watch.emitEvents({ type: 'simulator-change', change: 'ready', name: 'b', simulators: [running('a'), running('b')] });
  assert.is(statusText(), '$(vm-running) b: running');
  // A partial line waits for its end.
  const line = JSON.stringify({ type: 'simulator-change', change: 'stopped', name: 'b', simulators: [running('a')] });
  watch.stdout.emit('data', line.slice(0, 10));
  assert.is(statusText(), '$(vm-running) b: running');
  watch.stdout.emit('data', `${line.slice(10)}\n`);
  assert.is(statusText(), '$(vm-outline) b: stopped');
});

test('ls --watch is started again when it exits, waiting longer while it keeps failing', async () => {
  const { spawn, clock, lines, statusText } = setup();
  spawn.find('ls')!.exit(1);
  await settle();
  assert.is(clock.scheduled.length, 1);
  assert.is(clock.scheduled[0]?.ms, 1000);
  assert.is(statusText(), '$(warning) sim');
  assert.match(lines('sim').join('\n'), /ls --watch ended \(exit code 1\)/);
  clock.scheduled[0]!.callback();
  assert.is(spawn.children.length, 2);
  spawn.children[1]!.exit(1);
  await settle();
  assert.is(clock.scheduled[1]?.ms, 2000);
  assert.is(lines('sim').filter((l) => l.includes('ls --watch ended')).length, 1, 'a run of failures is said once');
  // A watch that ran a good while was healthy: back to the short wait.
  clock.scheduled[1]!.callback();
  spawn.children[2]!.emitEvents({ type: 'simulators', simulators: [] });
  clock.advance(60_000);
  spawn.children[2]!.exit(0);
  await settle();
  assert.is(clock.scheduled[2]?.ms, 1000);
});

test('Run spawns rebuild-and-boot with the project and the picked name, renders its events, then follows the guest and shows the screen', async () => {
  const { fake, spawn, workspace, lines, extension, statusText } = setup({ settings: { 'sim.path': '/opt/sim/bin/sim' } });
  extension.state.pick('dev');
  const done = fake.run('sim.runInSimulator');
  const run = spawn.find('rebuild-and-boot')!;
  assert.is(run.command, '/opt/sim/bin/sim');
  assert.equal(run.args, ['rebuild-and-boot', '--config', path.join(workspace, 'sim.json'), '--detach', '--name', 'dev', '--json']);
  assert.is(run.cwd, workspace);
  run.emitEvents(
    { type: 'progress', task: 'build', message: 'Building glib' },
    { type: 'build-output', module: 'glib', line: '[3/10] Compiling gio.c' },
    { type: 'phase', phase: 'guest-ready', ms: 2500 },
    { type: 'result', exitCode: 0, data: { name: 'dev' } },
  );
  run.exit(0);
  await settle();
  const web = spawn.find('web')!;
  assert.equal(web.args, ['web', '--json']);
  web.emitEvents({ type: 'web-console', url: 'http://127.0.0.1:41234/?token=t0k', port: 41234 });
  await done;

  const output = lines('sim');
  assert.ok(output.includes(`$ /opt/sim/bin/sim rebuild-and-boot --config ${path.join(workspace, 'sim.json')} --detach --name dev --json`), output.join('\n'));
  for (const expected of ['… Building glib', '  [glib] [3/10] Compiling gio.c', '✓ guest-ready (2.5 s)', '✓ done: simulator dev']) assert.ok(output.includes(expected), `missing ${expected} in\n${output.join('\n')}`);
  assert.equal(fake.recorded.progress, ['Building glib', 'guest-ready (2.5 s)']);
  assert.equal(fake.recorded.errors, []);
  assert.is(statusText(), '$(vm-outline) dev: stopped', 'picked; the watch has not seen it yet');

  const logs = spawn.find('logs')!;
  assert.equal(logs.args, ['logs', 'dev', '-f', '--json']);
  logs.emitEvents({ type: 'journal', entry: { message: 'Started GNOME Shell.', identifier: 'systemd', pid: 1, priority: 6, timestamp: '2026-12-03T18:00:05Z' } });
  assert.ok(lines('sim: guest').includes('18:00:05 systemd[1]: Started GNOME Shell.'), lines('sim: guest').join('\n'));
  const consoleFollower = spawn.find('console')!;
  assert.equal(consoleFollower.args, ['console', 'dev', '--follow', '--json'], 'the serial console, read-only');
  consoleFollower.emitEvents({ type: 'console', line: 'sim-gnome login: sim (automatic login)' });
  assert.ok(lines('sim: console').includes('sim-gnome login: sim (automatic login)'), lines('sim: console').join('\n'));

  const panel = fake.recorded.panels[0]!;
  assert.is(panel.title, 'sim: dev');
  assert.match(panel.webview.html, /<iframe src="http:\/\/127\.0\.0\.1:41234\/\?token=t0k#sim=dev"/);
  assert.match(panel.webview.html, /frame-src http:\/\/127\.0\.0\.1:41234;/);
});

test('a second Run hot-reloads: same guest log and web console, the panel is not reloaded', async () => {
  const { fake, spawn } = setup({ settings: { 'sim.openScreenOnRun': true } });
  const runOnce = async () => {
    const done = fake.run('sim.runInSimulator');
    const run = spawn.find('rebuild-and-boot')!;
    run.emitEvents({ type: 'result', exitCode: 0, data: { name: 'glib-1' } });
    run.exit(0);
    await settle();
    spawn.find('web')?.emitEvents({ type: 'web-console', url: 'http://127.0.0.1:5000/?token=t', port: 5000 });
    await done;
    return run;
  };
  const first = await runOnce();
  assert.equal(first.args, ['rebuild-and-boot', '--config', first.args[2], '--detach', '--json'], 'no name picked: sim chooses');
  const second = await runOnce();
  assert.equal(second.args.slice(3), ['--detach', '--name', 'glib-1', '--json'], 'the started simulator is picked for the next run');
  assert.is(spawn.children.filter((c) => c.args[0] === 'logs').length, 1);
  assert.is(spawn.children.filter((c) => c.args[0] === 'console').length, 1, 'one console follower too');
  assert.is(spawn.children.filter((c) => c.args[0] === 'web').length, 1);
  assert.is(fake.recorded.panels.length, 1);
  assert.is(fake.recorded.panels[0]!.htmlSets, 1);
  assert.is(fake.recorded.panels[0]!.revealed, 2);
});

test('a failed Run shows the error with its hint, and starts no journal or screen', async () => {
  const { fake, spawn, lines } = setup();
  const done = fake.run('sim.runInSimulator');
  const run = spawn.find('rebuild-and-boot')!;
  run.emitEvents(
    { type: 'build-output', module: 'glib', line: 'gio.c:12: error: expected ;' },
    { type: 'error', code: 'build-failed', message: 'glib failed to build (ninja exited with 1)', hint: 'Fix the error in the build output above, then run again.' },
    { type: 'result', exitCode: 1 },
  );
  run.exit(1);
  const outcome = await done;
  await settle();
  assert.is((outcome as { exitCode: number }).exitCode, 1);
  assert.equal(fake.recorded.errors, ['sim: glib failed to build (ninja exited with 1) — Fix the error in the build output above, then run again.']);
  const output = lines('sim');
  assert.ok(output.includes('error: glib failed to build (ninja exited with 1)'));
  assert.ok(output.includes('  Fix the error in the build output above, then run again.'));
  assert.ok(output.includes('✗ failed (exit code 1)'));
  assert.is(spawn.find('logs'), undefined);
  assert.is(spawn.find('console'), undefined);
  assert.is(spawn.find('web'), undefined);
  assert.is(fake.recorded.panels.length, 0);
});

test('a crash without an error event is reported with its last stderr line', async () => {
  const { fake, spawn } = setup();
  const done = fake.run('sim.runInSimulator');
  const run = spawn.find('rebuild-and-boot')!;
  run.stderr.emit('data', 'TypeError: x is undefined\n');
  run.exit(1);
  await done;
  assert.equal(fake.recorded.errors, ['sim: rebuild-and-boot failed (exit code 1): TypeError: x is undefined']);
});

test('sim.openScreenOnRun false: no screen after Run', async () => {
  const { fake, spawn } = setup({ settings: { 'sim.openScreenOnRun': false } });
  const done = fake.run('sim.runInSimulator');
  spawn.find('rebuild-and-boot')!.emitEvents({ type: 'result', exitCode: 0, data: { name: 'x' } });
  spawn.find('rebuild-and-boot')!.exit(0);
  await done;
  assert.is(spawn.find('web'), undefined);
  assert.ok(spawn.find('logs'));
});

test('Stop and Screenshot act on the only running simulator; the PNG is opened', async () => {
  const { fake, spawn, workspace } = setup();
  spawn.find('ls')!.emitEvents({ type: 'simulators', simulators: [running('only')] });
  const stopping = fake.run('sim.stopSimulator');
  await settle();
  const stop = spawn.find('stop')!;
  assert.equal(stop.args, ['stop', 'only', '--json']);
  stop.emitEvents({ type: 'result', exitCode: 0 });
  stop.exit(0);
  await stopping;
  assert.equal(fake.recorded.infos, ['sim: only stopped.']);

  const shooting = fake.run('sim.screenshot');
  const shot = await waitFor(() => spawn.find('screenshot'), 'sim screenshot');
  const file = shot.args[3]!;
  assert.equal(shot.args.filter((_, i) => i !== 3), ['screenshot', 'only', '-o', '--json']);
  assert.match(file, new RegExp(`^${path.join(workspace, '.sim', 'screenshots', 'only-')}\\d{8}-\\d{6}\\.png$`));
  assert.ok(existsSync(path.dirname(file)), 'the folder is made');
  shot.emitEvents({ type: 'result', exitCode: 0 });
  shot.exit(0);
  await shooting;
  const opened = fake.recorded.executed.find((e) => e.command === 'vscode.open');
  assert.is((opened?.args[0] as FakeUri).fsPath, file);
});

test('with several simulators and none picked, Stop asks which; dismissing stops nothing', async () => {
  const { fake, spawn } = setup({ quickPick: () => undefined });
  spawn.find('ls')!.emitEvents({ type: 'simulators', simulators: [running('a'), running('b')] });
  await fake.run('sim.stopSimulator');
  assert.equal(fake.recorded.quickPicks[0]?.items.map((i) => i.label), ['$(vm) a', '$(vm) b']);
  assert.is(spawn.find('stop'), undefined);
  await fake.run('sim.showScreen');
  assert.is(spawn.find('web'), undefined);
});

test('Show Screen when sim web fails says why', async () => {
  const { fake, spawn, extension } = setup();
  extension.state.pick('a');
  const showing = fake.run('sim.showScreen');
  await settle();
  const web = spawn.find('web')!;
  web.emitEvents({ type: 'error', code: 'port-in-use', message: 'port 8080 is in use', hint: 'Pick another --port.' }, { type: 'result', exitCode: 1 });
  web.exit(1);
  await showing;
  assert.equal(fake.recorded.errors, ['sim: cannot show the screen: port 8080 is in use — Pick another --port.']);
});

test('deactivate kills every sim child and the watch is not started again', async () => {
  const { fake, spawn, extension, clock } = setup();
  extension.state.pick('a');
  const showing = fake.run('sim.showScreen');
  await settle();
  spawn.find('web')!.emitEvents({ type: 'web-console', url: 'http://127.0.0.1:1/?token=t', port: 1 });
  await showing;
  const running = fake.run('sim.runInSimulator');
  extension.deactivate();
  await running;
  await settle();
  assert.equal(spawn.children.filter((c) => !c.killed).map((c) => c.args[0]), []);
  assert.equal(clock.scheduled, []);
  assert.equal(fake.recorded.errors, [], 'a run ended by deactivate is no failure to report');
  assert.is(fake.recorded.commands.size, 0, 'commands unregistered');
  assert.ok(fake.recorded.panels[0]?.disposed);
});

test.run();
