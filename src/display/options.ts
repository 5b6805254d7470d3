/**
 * What a boot shows, decided before anything starts: the display back-end, the resolution and
 * where a viewer connects. Pure: the host's facts (is there a desktop, what this QEMU can do)
 * come in as arguments; src/display/probe.ts finds them out.
 */
import path from 'node:path';
import { SimError } from '../core/errors.js';

export const DISPLAY_BACKENDS = ['gtk', 'sdl', 'vnc', 'spice', 'none'] as const;
export type DisplayBackend = (typeof DISPLAY_BACKENDS)[number];

export interface Resolution {
  width: number;
  height: number;
}

export const DEFAULT_RESOLUTION: Resolution = { width: 1280, height: 800 };

/** Where a VNC server listens: a private unix socket (the default) or a loopback TCP port. */
export type VncListen = { kind: 'unix' } | { kind: 'tcp'; host: string; port: number };

/** The user's wishes, as typed (CLI flags or library options). */
export interface DisplayRequest {
  display?: string;
  resolution?: string;
  vncListen?: string;
}

/** What the host offers. */
export interface DisplayHost {
  /** A graphical session is reachable ($DISPLAY or $WAYLAND_DISPLAY is set). */
  desktop: boolean;
  /** Back-ends this QEMU lists in `-display help` (gtk, sdl, ...). */
  qemuBackends: readonly string[];
  /** This QEMU has SPICE (`-spice help` works). */
  spice: boolean;
  /** A GL-capable virtio GPU works here (render node present and QEMU starts virtio-vga-gl). */
  gl: boolean;
}

/** How the boot is run: a command to completion, a console on the terminal, or a detached simulator. */
export type BootKind = 'command' | 'interactive' | 'detached';

/** The decision, before any path is known. */
export interface DisplayChoice {
  backend: DisplayBackend;
  resolution: Resolution;
  /** virtio-vga-gl with a GL-enabled window (gtk/sdl only, and only where the host can). */
  gl: boolean;
  vnc?: VncListen;
}

/** The decision with paths filled in, as a BootPlan carries it. */
export interface DisplayPlan {
  backend: DisplayBackend;
  resolution: Resolution;
  gl: boolean;
  vnc?: { socket: string } | { host: string; port: number };
  spice?: { socket: string };
}

const MIN = { width: 320, height: 200 };
const MAX = { width: 8192, height: 8192 };

/** "1280x800" -> { width: 1280, height: 800 }. */
export function parseResolution(text: string): Resolution {
  const m = /^([1-9]\d{0,4})x([1-9]\d{0,4})$/.exec(text.trim());
  if (!m) throw new SimError('USAGE', `The resolution '${text}' is not WIDTHxHEIGHT.`, 'Give it like --resolution 1280x800.');
  const resolution = { width: Number(m[1]), height: Number(m[2]) };
  if (resolution.width < MIN.width || resolution.height < MIN.height || resolution.width > MAX.width || resolution.height > MAX.height) {
    throw new SimError('USAGE', `The resolution ${text} is out of range.`, `Use between ${MIN.width}x${MIN.height} and ${MAX.width}x${MAX.height}.`);
  }
  return resolution;
}

export function parseBackend(text: string): DisplayBackend {
  const backend = DISPLAY_BACKENDS.find((b) => b === text.trim().toLowerCase());
  if (!backend) throw new SimError('USAGE', `'${text}' is not a display sim knows.`, `Use one of: ${DISPLAY_BACKENDS.join(', ')}.`);
  return backend;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * `--vnc-listen`: "127.0.0.1:5901", "[::1]:5901", "localhost:5901" or a bare port. Loopback only:
 * QEMU's VNC server has no encryption and no password here.
 */
export function parseVncListen(text: string): VncListen {
  const m = /^(?:(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):)?(\d{1,5})$/.exec(text.trim());
  if (!m) throw new SimError('USAGE', `'${text}' is not a VNC listen address.`, 'Give it like --vnc-listen 127.0.0.1:5901.');
  const host = (m[1] ?? '127.0.0.1').replace(/^\[(.*)\]$/, '$1');
  const port = Number(m[2]);
  if (!LOOPBACK.has(host)) {
    throw new SimError('USAGE', `VNC listens on loopback only, not on ${host}.`, 'Use 127.0.0.1 (or ::1) and reach it from elsewhere through an SSH tunnel.');
  }
  // QEMU numbers VNC displays from port 5900.
  if (port < 5900 || port > 65535) throw new SimError('USAGE', `The VNC port ${port} is out of range.`, 'QEMU serves VNC on ports 5900 to 65535, e.g. --vnc-listen 127.0.0.1:5901.');
  return { kind: 'tcp', host: host === 'localhost' ? '127.0.0.1' : host, port };
}

/** Is a graphical session reachable from here? */
export function hasDesktop(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

/**
 * Does this request need the host's QEMU facts (a probe)? Only for windows and SPICE; VNC and
 * `none` need nothing from the host. Pure.
 */
export function needsHostProbe(request: DisplayRequest, kind: BootKind, desktop: boolean): boolean {
  const backend = request.display === undefined ? undefined : parseBackend(request.display);
  if (backend) return backend === 'gtk' || backend === 'sdl' || backend === 'spice';
  if (request.vncListen !== undefined) return false;
  return desktop && (kind !== 'command' || request.resolution !== undefined);
}

/** The window back-end to use by default: gtk, else sdl, else none. */
function defaultWindow(host: DisplayHost): DisplayBackend | undefined {
  if (!host.desktop) return undefined;
  return host.qemuBackends.includes('gtk') ? 'gtk' : host.qemuBackends.includes('sdl') ? 'sdl' : undefined;
}

/**
 * The display for a boot, or undefined for the plain headless case (no graphics device at all:
 * the cheapest boot under TCG, for command runs and tests).
 *
 * - `--display` given: that back-end, checked against the host.
 * - otherwise a window (gtk, else sdl) when there is a desktop, for interactive and detached
 *   boots (and command boots that ask for a --resolution);
 * - otherwise a detached simulator still gets a virtual screen (`none`), so that
 *   `sim screenshot` works; a command or console boot gets none unless asked.
 */
export function chooseDisplay(input: { request: DisplayRequest; kind: BootKind; host: DisplayHost }): DisplayChoice | undefined {
  const { request, kind, host } = input;
  let backend = request.display === undefined ? undefined : parseBackend(request.display);
  const resolution = request.resolution === undefined ? DEFAULT_RESOLUTION : parseResolution(request.resolution);
  let vnc: VncListen | undefined;
  if (request.vncListen !== undefined) {
    vnc = parseVncListen(request.vncListen);
    if (backend && backend !== 'vnc') throw new SimError('USAGE', `--vnc-listen is for --display vnc, not ${backend}.`, 'Drop --vnc-listen, or use --display vnc.');
    backend = 'vnc';
  }
  if (!backend) {
    const wantsScreen = kind !== 'command' || request.resolution !== undefined;
    backend = wantsScreen ? defaultWindow(host) : undefined;
    if (!backend && (kind === 'detached' || request.resolution !== undefined)) backend = 'none';
    if (!backend) return undefined;
  }
  if (backend === 'gtk' || backend === 'sdl') {
    if (!host.desktop) {
      throw new SimError('DISPLAY_UNAVAILABLE', `--display ${backend} needs a graphical session, but neither DISPLAY nor WAYLAND_DISPLAY is set.`, 'Use --display vnc and connect a viewer to the reported socket, or --display none and take pictures with sim screenshot.');
    }
    if (!host.qemuBackends.includes(backend)) {
      throw new SimError('DISPLAY_UNAVAILABLE', `This QEMU has no ${backend} display.`, `Install it with: apt-get install qemu-system-gui (or use --display vnc).`);
    }
  }
  if (backend === 'spice' && !host.spice) {
    throw new SimError('DISPLAY_UNAVAILABLE', 'This QEMU was built without SPICE.', 'Use --display vnc, or install a QEMU with SPICE support (Debian: qemu-system-x86).');
  }
  const gl = (backend === 'gtk' || backend === 'sdl') && host.gl;
  // A detached simulator's screen is also served on a private VNC socket, whatever shows it
  // here: `sim web` relays it to a browser (QEMU serves VNC beside a window or SPICE).
  if (backend === 'vnc' || kind === 'detached') vnc ??= { kind: 'unix' };
  return { backend, resolution, gl, ...(vnc ? { vnc } : {}) };
}

/** Paths for a session directory: sockets live beside QEMU's others, private to the user. Pure. */
export function displayPlan(choice: DisplayChoice, paths: { vncSocket: string; spiceSocket: string }): DisplayPlan {
  const plan: DisplayPlan = { backend: choice.backend, resolution: choice.resolution, gl: choice.gl };
  if (choice.vnc) plan.vnc = choice.vnc.kind === 'tcp' ? { host: choice.vnc.host, port: choice.vnc.port } : { socket: paths.vncSocket };
  if (choice.backend === 'spice') plan.spice = { socket: paths.spiceSocket };
  return plan;
}

/** The display of a boot whose sockets live in `sessionDir`; undefined without a screen. Pure. */
export function sessionDisplay(choice: DisplayChoice | undefined, sessionDir: string): DisplayPlan | undefined {
  return choice && displayPlan(choice, { vncSocket: path.join(sessionDir, 'vnc.sock'), spiceSocket: path.join(sessionDir, 'spice.sock') });
}

/** Where a viewer connects, as a URI remote-viewer understands; undefined for windows and `none`. */
export function viewerUri(plan: DisplayPlan): string | undefined {
  if (plan.vnc) return 'socket' in plan.vnc ? `vnc+unix://${plan.vnc.socket}` : `vnc://${plan.vnc.host.includes(':') ? `[${plan.vnc.host}]` : plan.vnc.host}:${plan.vnc.port}`;
  if (plan.spice) return `spice+unix://${plan.spice.socket}`;
  return undefined;
}

/** The display as events and a simulator's state report it. Pure. */
export function describeDisplay(plan: DisplayPlan): Record<string, unknown> {
  const out: Record<string, unknown> = {
    backend: plan.backend,
    resolution: `${plan.resolution.width}x${plan.resolution.height}`,
    device: plan.gl ? 'virtio-vga-gl' : 'virtio-vga',
  };
  if (plan.vnc) out.vnc = 'socket' in plan.vnc ? { socket: plan.vnc.socket } : { host: plan.vnc.host, port: plan.vnc.port };
  if (plan.spice) out.spice = { socket: plan.spice.socket };
  const uri = viewerUri(plan);
  if (uri) out.uri = uri;
  return out;
}

/** One line for a person. Pure. */
export function displaySummary(plan: DisplayPlan): string {
  const size = `${plan.resolution.width}x${plan.resolution.height}`;
  const uri = viewerUri(plan);
  switch (plan.backend) {
    case 'gtk':
    case 'sdl':
      return `display: ${plan.backend} window, ${size}${plan.gl ? ', GL' : ''}`;
    case 'none':
      return `display: virtual screen ${size}, no window (${plan.vnc ? 'sim web shows it, ' : ''}sim screenshot takes pictures)`;
    default:
      return `display: ${plan.backend} ${size}, connect a viewer to ${uri}`;
  }
}
