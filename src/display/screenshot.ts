/**
 * `sim screenshot`: a running simulator's screen as PNG, through QEMU's `screendump`. QEMU writes
 * the file itself, so it goes into the simulator's private directory first and is then moved to
 * where the user asked.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../core/atomic.js';
import { SimError } from '../core/errors.js';
import { request } from '../simulators/api.js';
import type { SimContext } from '../core/context.js';
import { findSimulator, simulatorDir } from '../simulators/registry.js';
import { readPngHeader } from './png.js';

export interface ScreenshotOptions {
  /** Where to write the PNG (default: <name>-<timestamp>.png in `cwd`). */
  output?: string;
  cwd?: string;
  /** For the default file name. */
  now?: Date;
}

export interface ScreenshotResult {
  name: string;
  file: string;
  width: number;
  height: number;
  bytes: number;
}

/** "demo-20260102-030405.png". Pure. */
export function defaultScreenshotName(name: string, now: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${name}-${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}.png`;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(() => true, () => false);
}

/** A free default name: a second screenshot within the same second gets -2, -3, ... */
async function freeName(dir: string, base: string): Promise<string> {
  let candidate = path.join(dir, base);
  for (let i = 2; await exists(candidate); i++) candidate = path.join(dir, base.replace(/\.png$/, `-${i}.png`));
  return candidate;
}

/** QEMU writes the simulator's screen to `file` (in its private directory): `screendump`. */
export async function screendump(dir: string, simName: string, file: string, format: 'png' | 'ppm'): Promise<void> {
  let failure: string | undefined;
  let answered = false;
  await request(dir, { op: 'qmp', command: 'screendump', arguments: { filename: file, format } }, (reply) => {
    if (reply.type === 'error') failure = reply.message;
    answered = reply.type === 'qmp-result' || reply.type === 'error';
    return answered;
  });
  if (failure || !answered) {
    throw new SimError('QEMU_FAILED', `QEMU could not capture the screen of '${simName}'${failure ? `: ${failure}` : ' (the simulator stopped)'}.`, 'Check that it still runs with sim ls; run again with --verbose.');
  }
}

/** Capture the screen of the simulator named (or the only one running). */
export async function screenshot(ctx: SimContext, name: string | undefined, options: ScreenshotOptions = {}): Promise<ScreenshotResult> {
  const sim = await findSimulator(ctx, name);
  if (!sim.display) {
    throw new SimError('DISPLAY_UNAVAILABLE', `Simulator '${sim.name}' has no screen to capture.`, `Stop it (sim stop ${sim.name}) and start it again with a display, e.g. sim boot --detach --display none.`);
  }
  const cwd = options.cwd ?? process.cwd();
  let output: string;
  if (options.output) {
    output = path.resolve(cwd, options.output);
    const parent = await stat(path.dirname(output)).catch(() => undefined);
    if (!parent?.isDirectory()) throw new SimError('USAGE', `The directory ${path.dirname(output)} does not exist.`, 'Create it first, or give another -o path.');
  } else {
    output = await freeName(cwd, defaultScreenshotName(sim.name, options.now ?? new Date()));
  }

  const dir = simulatorDir(ctx, sim.name);
  const temp = path.join(dir, `screen-${randomBytes(4).toString('hex')}.png`);
  try {
    await screendump(dir, sim.name, temp, 'png');
    const png = await readFile(temp).catch(() => undefined);
    let header;
    try {
      header = png && readPngHeader(png);
    } catch {
      header = undefined;
    }
    if (!png || !header) throw new SimError('QEMU_FAILED', `QEMU did not write a PNG screenshot of '${sim.name}'.`, 'This QEMU may be too old for PNG screendumps (QEMU 7.1 or later is needed).');
    await writeFileAtomic(output, png);
    return { name: sim.name, file: output, width: header.width, height: header.height, bytes: png.length };
  } finally {
    await rm(temp, { force: true });
  }
}
