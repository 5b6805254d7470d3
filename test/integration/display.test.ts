/**
 * A simulator you can see, proven headless: the fixture image boots detached with a virtual
 * screen (--display none), `sim screenshot` returns a PNG of the configured size with the
 * console's text on it; --display vnc serves RFB on the reported unix socket; bad input fails
 * early with clear errors.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { countColours, decodePng, readPngHeader } from '../../src/display/png.js';
import { buildFixtureImage } from '../helpers/fixture-image.js';
import { freshEnv, parseEvents, sim, type SimEnv } from '../helpers/sim.js';

let env: SimEnv;
let shots: string;

/** No desktop, whatever the machine running the tests has. */
const headless = () => ({ ...env, SIM_ACCEL: 'tcg', DISPLAY: '', WAYLAND_DISPLAY: '' });

async function simsLeft(): Promise<string[]> {
  return readdir(path.join(env.SIM_RUNTIME_DIR, 'sims')).catch(() => []);
}

function simulators(stdout: unknown): Record<string, any>[] {
  return String(stdout).split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((e) => e.type === 'simulator');
}

test('setup', async () => {
  const fixture = await buildFixtureImage();
  env = await freshEnv();
  shots = await mkdtemp(path.join(os.tmpdir(), 'sim-shots-'));
  const add = await sim(['image', 'add', fixture.disk, '--name', 'demo'], env);
  assert.is(add.exitCode, 0, String(add.stderr));
});

test('--display none: a virtual screen at the configured size, captured by sim screenshot', async () => {
  const start = await sim(['boot', '--detach', '--image', 'demo', '--name', 'screen', '--display', 'none', '--resolution', '1024x768', '--json'], headless());
  assert.is(start.exitCode, 0, String(start.stdout).slice(-2000));
  const ready = parseEvents(String(start.stdout)).find((e) => e.type === 'phase' && e.phase === 'session-ready');
  // No window, and the screen served on the simulator's private VNC socket (for sim web).
  const socket = path.join(env.SIM_RUNTIME_DIR, 'sims', 'screen', 'vnc.sock');
  const expected = { backend: 'none', resolution: '1024x768', device: 'virtio-vga', vnc: { socket }, uri: `vnc+unix://${socket}` };
  assert.equal(ready?.type === 'phase' && ready.detail?.display, expected);
  const [state] = simulators((await sim(['ls', '--json'], headless())).stdout);
  assert.equal(state?.display, expected);

  try {
    // The console's text (the shell on tty1) arrives soon after the guest is ready.
    const file = path.join(shots, 'screen.png');
    let colours = 0;
    let png = Buffer.alloc(0);
    for (const deadline = Date.now() + 60_000; colours < 2 && Date.now() < deadline; ) {
      const shot = await sim(['screenshot', 'screen', '-o', file], headless());
      assert.is(shot.exitCode, 0, String(shot.stderr));
      assert.is(shot.stdout, file);
      png = await readFile(file);
      const header = readPngHeader(png);
      assert.is(header.width, 1024);
      assert.is(header.height, 768);
      colours = countColours(decodePng(png));
      if (colours < 2) await new Promise((r) => setTimeout(r, 1_000));
    }
    assert.ok(colours >= 2, 'the screen shows more than one colour (console text)');
    assert.equal(await readdir(path.join(env.SIM_RUNTIME_DIR, 'sims', 'screen')).then((f) => f.filter((n) => n.endsWith('.png'))), [], 'no PNG left behind in the simulator directory');

    // Default name: <name>-<timestamp>.png in the current directory.
    const cwd = await mkdtemp(path.join(os.tmpdir(), 'sim-cwd-'));
    const byDefault = await sim(['screenshot'], headless(), { cwd });
    assert.is(byDefault.exitCode, 0, String(byDefault.stderr));
    const [name] = await readdir(cwd);
    assert.match(name ?? '', /^screen-\d{8}-\d{6}\.png$/);
    assert.is(String(byDefault.stdout), path.join(cwd, name!));
    assert.is(readPngHeader(await readFile(path.join(cwd, name!))).width, 1024);

    // The library function.
    const { screenshot } = await import('../../src/index.js');
    const result = await screenshot('screen', { output: path.join(shots, 'lib.png'), env: { ...process.env, ...headless() } });
    assert.equal({ width: result.width, height: result.height, file: result.file }, { width: 1024, height: 768, file: path.join(shots, 'lib.png') });

    const nowhere = await sim(['screenshot', 'screen', '-o', path.join(shots, 'no/such/dir/x.png')], headless());
    assert.is(nowhere.exitCode, 64);
    assert.match(String(nowhere.stderr), /does not exist/);
  } finally {
    const stop = await sim(['stop', 'screen', '--timeout', '3'], headless());
    assert.is(stop.exitCode, 0, String(stop.stderr));
  }
});

test('--display vnc: RFB on the private unix socket the events and the state report', async () => {
  const start = await sim(['boot', '--detach', '--image', 'demo', '--name', 'viewer', '--display', 'vnc', '--json'], headless());
  assert.is(start.exitCode, 0, String(start.stdout).slice(-2000));
  try {
    const events = parseEvents(String(start.stdout));
    const ready = events.find((e) => e.type === 'phase' && e.phase === 'session-ready');
    const display = (ready?.type === 'phase' ? ready.detail?.display : undefined) as { backend: string; vnc: { socket: string }; uri: string; resolution: string };
    const socket = path.join(env.SIM_RUNTIME_DIR, 'sims', 'viewer', 'vnc.sock');
    assert.equal(display, { backend: 'vnc', resolution: '1280x800', device: 'virtio-vga', vnc: { socket }, uri: `vnc+unix://${socket}` });
    assert.ok(events.some((e) => e.type === 'log' && e.message.includes(`vnc+unix://${socket}`)), 'a log line names the socket');
    const [state] = simulators((await sim(['ls', '--json'], headless())).stdout);
    assert.equal(state?.display?.vnc, { socket });

    const greeting = await new Promise<string>((resolve, reject) => {
      const client = net.createConnection(socket);
      let data = '';
      client.on('data', (chunk) => {
        data += chunk.toString('latin1');
        if (data.length >= 12) {
          client.destroy();
          resolve(data.slice(0, 12));
        }
      });
      client.on('error', reject);
      setTimeout(() => reject(new Error(`no RFB greeting, got ${JSON.stringify(data)}`)), 10_000).unref();
    });
    assert.is(greeting, 'RFB 003.008\n');
  } finally {
    const stop = await sim(['stop', 'viewer', '--timeout', '3'], headless());
    assert.is(stop.exitCode, 0, String(stop.stderr));
  }
  assert.equal(await simsLeft(), []);
});

test('bad input fails before anything starts, with a clear message', async () => {
  const cases: [string[], RegExp][] = [
    // Checked while the command line is parsed: one sentence naming the option and what it takes.
    [['--display', 'x11'], /--display takes one of gtk, sdl, vnc, spice, none, not 'x11'/],
    [['--display', 'none', '--resolution', '1280'], /--resolution takes WIDTHxHEIGHT[\s\S]*1280x800, not '1280'/],
    [['--resolution', '1280-800'], /--resolution takes WIDTHxHEIGHT[\s\S]*not '1280-800'/],
    [['--display', 'gtk'], /needs a graphical session, but neither DISPLAY nor WAYLAND_DISPLAY is set/],
    [['--display', 'sdl'], /needs a graphical session/],
    [['--display', 'vnc', '--vnc-listen', '0.0.0.0:5901'], /--vnc-listen takes a loopback address/],
  ];
  for (const [args, message] of cases) {
    for (const argv of [['boot', '--image', 'demo', '--detach', '--name', 'bad', ...args], ['boot', '--image', 'demo', ...args, '--', 'true']]) {
      const started = Date.now();
      const run = await sim(argv, headless());
      assert.is(run.exitCode, 64, `${args.join(' ')}: ${run.stderr}`);
      assert.match(String(run.stderr), message);
      assert.not.match(String(run.stderr), /\n\s+at /, 'no stack trace');
      assert.ok(Date.now() - started < 15_000, 'fails without booting');
    }
  }
  assert.equal(await simsLeft(), []);
});

test('sim screenshot: no such simulator; a simulator without a screen', async () => {
  const missing = await sim(['screenshot', 'ghost'], headless());
  assert.is(missing.exitCode, 64);
  assert.match(String(missing.stderr), /No simulator named 'ghost'/);

  // A simulator started before screens existed: its state has no display. A stand-in process
  // whose command line names the directory passes for its QEMU.
  const dir = path.join(env.SIM_RUNTIME_DIR, 'sims', 'blind');
  await mkdir(dir, { recursive: true });
  const standIn: ChildProcess = spawn('sh', ['-c', 'sleep 60', dir], { stdio: 'ignore' });
  try {
    await writeFile(path.join(dir, 'state.json'), JSON.stringify({
      name: 'blind', status: 'running', pid: standIn.pid, launcherPid: standIn.pid, image: 'demo', imageId: 'x', overlay: null, accel: 'tcg', startedAt: new Date().toISOString(),
    }));
    const blind = await sim(['screenshot', 'blind'], headless());
    assert.is(blind.exitCode, 64, String(blind.stderr));
    assert.match(String(blind.stderr), /'blind' has no screen to capture[\s\S]*--display/);
  } finally {
    standIn.kill('SIGKILL');
  }
});

test.run();
