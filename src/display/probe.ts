/**
 * What this host's QEMU can show: its display back-ends, SPICE, and whether a GL-capable virtio
 * GPU starts here. Each is asked of QEMU itself (never assumed from the package), once per
 * process.
 */
import { readdir } from 'node:fs/promises';
import { run, spawn } from '../core/process.js';
import { chooseDisplay, hasDesktop, needsHostProbe, type BootKind, type DisplayChoice, type DisplayHost, type DisplayRequest } from './options.js';

const probes = new Map<string, Promise<Omit<DisplayHost, 'desktop'>>>();

/** Names listed by `qemu -display help` (after its header line). */
export function parseDisplayHelp(text: string): string[] {
  return text
    .split('\n')
    .slice(1)
    .map((l) => l.trim())
    .filter((l) => /^[a-z][a-z0-9-]*$/.test(l));
}

async function renderNodes(): Promise<string[]> {
  return (await readdir('/dev/dri').catch(() => [] as string[])).filter((n) => n.startsWith('renderD'));
}

/**
 * Does virtio-vga-gl start? Only worth asking where a render node exists: QEMU's virgl needs one
 * (without it: "egl: no drm render node available"). A paused machine is started and told to quit.
 */
async function probeGl(qemu: string): Promise<boolean> {
  if (!(await renderNodes()).length) return false;
  const child = spawn(qemu, ['-nodefaults', '-no-user-config', '-machine', 'q35', '-accel', 'tcg', '-m', '64M', '-display', 'egl-headless', '-device', 'virtio-vga-gl', '-S', '-qmp', 'stdio'], {
    input: '{"execute":"qmp_capabilities"}\n{"execute":"quit"}\n',
    timeout: 10_000,
  });
  const result = await child;
  return result.exitCode === 0;
}

async function probeQemu(qemu: string): Promise<Omit<DisplayHost, 'desktop'>> {
  // `-spice help` exits with 1 even when SPICE is there: its listing is the answer.
  const [help, spice, gl] = await Promise.all([
    run(qemu, ['-display', 'help'], { allowFailure: true }),
    run(qemu, ['-spice', 'help'], { allowFailure: true }),
    probeGl(qemu).catch(() => false),
  ]);
  return { qemuBackends: parseDisplayHelp(help.stdout), spice: /^spice options:/m.test(spice.stdout + spice.stderr), gl };
}

/** The host's display facts; QEMU is asked once per process. */
export async function probeDisplayHost(options: { qemu?: string; env?: NodeJS.ProcessEnv } = {}): Promise<DisplayHost> {
  const qemu = options.qemu ?? 'qemu-system-x86_64';
  let probe = probes.get(qemu);
  if (!probe) probes.set(qemu, (probe = probeQemu(qemu)));
  return { desktop: hasDesktop(options.env ?? process.env), ...(await probe) };
}

/** Decide the display for a boot, probing QEMU only when the request needs it. */
export async function resolveDisplay(request: DisplayRequest, kind: BootKind, options: { qemu?: string; env?: NodeJS.ProcessEnv } = {}): Promise<DisplayChoice | undefined> {
  const env = options.env ?? process.env;
  const desktop = hasDesktop(env);
  const host: DisplayHost = needsHostProbe(request, kind, desktop) ? await probeDisplayHost(options) : { desktop, qemuBackends: [], spice: false, gl: false };
  return chooseDisplay({ request, kind, host });
}
