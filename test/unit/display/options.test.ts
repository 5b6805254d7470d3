import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { deflateSync } from 'node:zlib';
import {
  chooseDisplay, describeDisplay, displayPlan, displaySummary, hasDesktop, needsHostProbe, parseResolution, parseVncListen, viewerUri, type DisplayHost,
} from '../../../src/display/options.js';
import { countColours, decodePng, readPngHeader } from '../../../src/display/png.js';
import { parseDisplayHelp } from '../../../src/display/probe.js';
import { defaultScreenshotName } from '../../../src/display/screenshot.js';
import { SimError } from '../../../src/core/errors.js';

const desktop: DisplayHost = { desktop: true, qemuBackends: ['none', 'gtk', 'sdl', 'egl-headless'], spice: true, gl: false };
const headless: DisplayHost = { ...desktop, desktop: false };
const size = (width: number, height: number) => ({ width, height });

function throwsSim(fn: () => unknown, code: string, pattern: RegExp): void {
  try {
    fn();
  } catch (error) {
    assert.instance(error, SimError);
    assert.is((error as SimError).code, code);
    assert.match((error as SimError).message, pattern);
    assert.ok((error as SimError).hint.length > 0, 'a hint says what to do');
    return;
  }
  assert.unreachable('expected a SimError');
}

// --- defaults -------------------------------------------------------------------------------

test('defaults: a window with a desktop, for console and detached boots', () => {
  assert.equal(chooseDisplay({ request: {}, kind: 'interactive', host: desktop }), { backend: 'gtk', resolution: size(1280, 800), gl: false });
  assert.is(chooseDisplay({ request: {}, kind: 'detached', host: desktop })?.backend, 'gtk');
  assert.equal(chooseDisplay({ request: {}, kind: 'detached', host: desktop })?.vnc, { kind: 'unix' }, 'a detached window is served to sim web too');
  assert.is(chooseDisplay({ request: {}, kind: 'interactive', host: desktop })?.vnc, undefined, 'a console boot has no VNC server');
  assert.is(chooseDisplay({ request: {}, kind: 'detached', host: { ...desktop, qemuBackends: ['none', 'sdl'] } })?.backend, 'sdl');
});

test('defaults: without a desktop, a detached simulator still gets a virtual screen; console boots get none', () => {
  assert.equal(chooseDisplay({ request: {}, kind: 'detached', host: headless }), { backend: 'none', resolution: size(1280, 800), gl: false, vnc: { kind: 'unix' } });
  assert.is(chooseDisplay({ request: {}, kind: 'interactive', host: headless }), undefined);
  assert.is(chooseDisplay({ request: {}, kind: 'interactive', host: { ...desktop, qemuBackends: ['none'] } }), undefined, 'QEMU without gtk/sdl: no window');
});

test('defaults: a command boot stays without a graphics device unless asked (fast under TCG)', () => {
  assert.is(chooseDisplay({ request: {}, kind: 'command', host: desktop }), undefined);
  assert.is(chooseDisplay({ request: { resolution: '800x600' }, kind: 'command', host: headless })?.backend, 'none');
  assert.is(chooseDisplay({ request: { resolution: '800x600' }, kind: 'command', host: desktop })?.backend, 'gtk');
  assert.is(chooseDisplay({ request: { display: 'none' }, kind: 'command', host: headless })?.backend, 'none');
});

test('explicit back-ends, resolution and GL', () => {
  assert.equal(chooseDisplay({ request: { display: 'none', resolution: '1024x768' }, kind: 'detached', host: desktop }), { backend: 'none', resolution: size(1024, 768), gl: false, vnc: { kind: 'unix' } });
  assert.is(chooseDisplay({ request: { display: 'none' }, kind: 'command', host: headless })?.vnc, undefined);
  assert.equal(chooseDisplay({ request: { display: 'vnc' }, kind: 'detached', host: headless }), { backend: 'vnc', resolution: size(1280, 800), gl: false, vnc: { kind: 'unix' } });
  assert.equal(chooseDisplay({ request: { display: 'SDL' }, kind: 'interactive', host: { ...desktop, gl: true } }), { backend: 'sdl', resolution: size(1280, 800), gl: true });
  assert.is(chooseDisplay({ request: { display: 'vnc' }, kind: 'detached', host: { ...desktop, gl: true } })?.gl, false, 'GL only for windows');
  assert.is(chooseDisplay({ request: { display: 'spice' }, kind: 'detached', host: headless })?.backend, 'spice');
});

test('--vnc-listen implies VNC and listens on loopback only', () => {
  assert.equal(chooseDisplay({ request: { vncListen: '127.0.0.1:5901' }, kind: 'detached', host: headless })?.vnc, { kind: 'tcp', host: '127.0.0.1', port: 5901 });
  assert.equal(parseVncListen('5905'), { kind: 'tcp', host: '127.0.0.1', port: 5905 });
  assert.equal(parseVncListen('localhost:5900'), { kind: 'tcp', host: '127.0.0.1', port: 5900 });
  assert.equal(parseVncListen('[::1]:5902'), { kind: 'tcp', host: '::1', port: 5902 });
  throwsSim(() => parseVncListen('0.0.0.0:5901'), 'USAGE', /loopback only/);
  throwsSim(() => parseVncListen('192.168.1.2:5901'), 'USAGE', /loopback only/);
  throwsSim(() => parseVncListen('127.0.0.1:22'), 'USAGE', /out of range/);
  throwsSim(() => parseVncListen('127.0.0.1:'), 'USAGE', /not a VNC listen address/);
  throwsSim(() => chooseDisplay({ request: { display: 'gtk', vncListen: '5901' }, kind: 'detached', host: desktop }), 'USAGE', /--vnc-listen is for --display vnc/);
});

// --- bad input --------------------------------------------------------------------------------

test('an unknown display is a usage error naming the choices', () => {
  throwsSim(() => chooseDisplay({ request: { display: 'x11' }, kind: 'detached', host: desktop }), 'USAGE', /'x11' is not a display/);
  throwsSim(() => needsHostProbe({ display: 'vga' }, 'detached', true), 'USAGE', /not a display/);
});

test('a resolution that is not WIDTHxHEIGHT, or absurd, is a usage error', () => {
  assert.equal(parseResolution('1920x1080'), size(1920, 1080));
  for (const bad of ['1280', '1280*800', 'x800', '1280x', '-1x5', '1280x800x2', '0x0', 'big']) throwsSim(() => parseResolution(bad), 'USAGE', /not WIDTHxHEIGHT/);
  throwsSim(() => parseResolution('100x100'), 'USAGE', /out of range/);
  throwsSim(() => parseResolution('20000x800'), 'USAGE', /out of range/);
  throwsSim(() => chooseDisplay({ request: { resolution: 'huge' }, kind: 'detached', host: headless }), 'USAGE', /not WIDTHxHEIGHT/);
});

test('gtk or sdl without a desktop, a missing back-end, SPICE without SPICE: DISPLAY_UNAVAILABLE', () => {
  throwsSim(() => chooseDisplay({ request: { display: 'gtk' }, kind: 'interactive', host: headless }), 'DISPLAY_UNAVAILABLE', /needs a graphical session.*DISPLAY nor WAYLAND_DISPLAY/);
  throwsSim(() => chooseDisplay({ request: { display: 'sdl' }, kind: 'detached', host: headless }), 'DISPLAY_UNAVAILABLE', /graphical session/);
  throwsSim(() => chooseDisplay({ request: { display: 'gtk' }, kind: 'detached', host: { ...desktop, qemuBackends: ['none'] } }), 'DISPLAY_UNAVAILABLE', /no gtk display/);
  throwsSim(() => chooseDisplay({ request: { display: 'spice' }, kind: 'detached', host: { ...desktop, spice: false } }), 'DISPLAY_UNAVAILABLE', /without SPICE/);
});

// --- probing decisions ------------------------------------------------------------------------

test('QEMU is probed only for windows and SPICE', () => {
  assert.ok(needsHostProbe({ display: 'gtk' }, 'detached', false));
  assert.ok(needsHostProbe({ display: 'spice' }, 'command', false));
  assert.not.ok(needsHostProbe({ display: 'vnc' }, 'detached', true));
  assert.not.ok(needsHostProbe({ display: 'none' }, 'detached', true));
  assert.not.ok(needsHostProbe({ vncListen: '5901' }, 'detached', true));
  assert.ok(needsHostProbe({}, 'interactive', true));
  assert.not.ok(needsHostProbe({}, 'interactive', false));
  assert.not.ok(needsHostProbe({}, 'command', true));
  assert.ok(needsHostProbe({ resolution: '800x600' }, 'command', true));
});

test('a desktop is DISPLAY or WAYLAND_DISPLAY', () => {
  assert.ok(hasDesktop({ DISPLAY: ':0' }));
  assert.ok(hasDesktop({ WAYLAND_DISPLAY: 'wayland-0' }));
  assert.not.ok(hasDesktop({ DISPLAY: '' }));
  assert.not.ok(hasDesktop({}));
});

test('parseDisplayHelp reads the back-end names of `qemu -display help`', () => {
  const help = 'Available display backend types:\nnone\ngtk\nsdl\negl-headless\ncurses\nspice-app\ndbus\n';
  assert.equal(parseDisplayHelp(help), ['none', 'gtk', 'sdl', 'egl-headless', 'curses', 'spice-app', 'dbus']);
  assert.equal(parseDisplayHelp(''), []);
});

// --- reporting ----------------------------------------------------------------------------------

test('where a viewer connects, for events and the simulator state', () => {
  const vnc = displayPlan({ backend: 'vnc', resolution: size(1024, 768), gl: false, vnc: { kind: 'unix' } }, { vncSocket: '/run/sim/sims/a/vnc.sock', spiceSocket: '/x' });
  assert.equal(describeDisplay(vnc), { backend: 'vnc', resolution: '1024x768', device: 'virtio-vga', vnc: { socket: '/run/sim/sims/a/vnc.sock' }, uri: 'vnc+unix:///run/sim/sims/a/vnc.sock' });
  const tcp = displayPlan({ backend: 'vnc', resolution: size(800, 600), gl: false, vnc: { kind: 'tcp', host: '::1', port: 5901 } }, { vncSocket: '/v', spiceSocket: '/s' });
  assert.is(viewerUri(tcp), 'vnc://[::1]:5901');
  const spice = displayPlan({ backend: 'spice', resolution: size(800, 600), gl: false }, { vncSocket: '/v', spiceSocket: '/s/spice.sock' });
  assert.is(viewerUri(spice), 'spice+unix:///s/spice.sock');
  const gtk = displayPlan({ backend: 'gtk', resolution: size(1280, 800), gl: true }, { vncSocket: '/v', spiceSocket: '/s' });
  assert.equal(describeDisplay(gtk), { backend: 'gtk', resolution: '1280x800', device: 'virtio-vga-gl' });
  assert.match(displaySummary(gtk), /gtk window, 1280x800, GL/);
  assert.match(displaySummary(vnc), /vnc\+unix:\/\/\/run\/sim\/sims\/a\/vnc\.sock/);
});

test('default screenshot names carry the simulator name and a timestamp', () => {
  assert.is(defaultScreenshotName('demo', new Date(2026, 0, 2, 3, 4, 5)), 'demo-20260102-030405.png');
});

// --- PNG ----------------------------------------------------------------------------------------

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, Buffer.from(type, 'latin1'), data, Buffer.alloc(4)]); // CRC not checked
}

function png(width: number, height: number, rows: Buffer[]): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

test('PNG: header, and every filter type undone', () => {
  // 2x5 RGB; row filters 0..4. Expected pixels: row y = [(10y, 20, 30), (10y+1, 22, 33)].
  const want = [0, 1, 2, 3, 4].map((y) => Buffer.from([10 * y, 20, 30, 10 * y + 1, 22, 33]));
  const rows = want.map((row, y) => {
    const prev = y > 0 ? want[y - 1]! : Buffer.alloc(6);
    const out = Buffer.alloc(7);
    out[0] = y;
    for (let x = 0; x < 6; x++) {
      const a = x >= 3 ? row[x - 3]! : 0;
      const b = prev[x]!;
      const c = x >= 3 ? prev[x - 3]! : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const predictor = [0, a, b, (a + b) >> 1, paeth][y]!;
      out[x + 1] = (row[x]! - predictor) & 0xff;
    }
    return out;
  });
  const file = png(2, 5, rows);
  assert.equal(readPngHeader(file), { width: 2, height: 5, bitDepth: 8, colorType: 2, interlace: 0 });
  const image = decodePng(file);
  assert.equal(image.pixels, Buffer.concat(want));
  assert.is(countColours(image), 10);
});

test('PNG: one colour counts as one; garbage is refused', () => {
  const flat = decodePng(png(3, 2, [Buffer.from([0, 7, 7, 7, 7, 7, 7, 7, 7, 7]), Buffer.from([2, 0, 0, 0, 0, 0, 0, 0, 0, 0])]));
  assert.is(countColours(flat), 1);
  assert.throws(() => readPngHeader(Buffer.from('GIF89a, not a PNG at all, no no no no')), /not a PNG/);
});

test.run();
