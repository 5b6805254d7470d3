/**
 * `sim record`: a running simulator's screen as a WebM video. QEMU has no video capture of its
 * own, so sim takes the screen with `screendump` (PPM: no compression to wait for) as often as
 * the frame rate asks and pipes the frames to Debian's ffmpeg, which stamps each with the time it
 * arrived (a guest under emulation does not keep a steady rate) and encodes VP8.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { SimContext } from '../core/context.js';
import { SimError } from '../core/errors.js';
import { pause } from '../core/pause.js';
import { missingTool, spawn, which } from '../core/process.js';
import { defaultScreenshotName, screendump } from './screenshot.js';
import { findSimulator, simulatorDir } from '../simulators/registry.js';

export interface RecordOptions {
  /** The .webm file to write (default: NAME-TIMESTAMP.webm in the current directory). */
  output?: string;
  /** Stop after this many seconds; without, when `signal` aborts (Ctrl-C). */
  durationS?: number;
  fps?: number;
  signal?: AbortSignal;
  onFrame?: (frames: number, seconds: number) => void;
  /** Called with the file's path once recording starts. */
  onStart?: (file: string) => void;
}

export interface RecordResult {
  name: string;
  file: string;
  frames: number;
  seconds: number;
  bytes: number;
}

export const DEFAULT_FPS = 10;

/** ffmpeg's arguments: PPM frames on stdin, timed as they arrive, to VP8 in WebM. Pure. */
export function ffmpegRecordArgs(output: string): string[] {
  return [
    '-hide_banner', '-loglevel', 'error', '-y',
    '-use_wallclock_as_timestamps', '1', '-f', 'image2pipe', '-c:v', 'ppm', '-i', '-',
    '-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', '2M', '-pix_fmt', 'yuv420p',
    '-f', 'webm', output,
  ];
}

export async function recordScreen(ctx: SimContext, name: string | undefined, options: RecordOptions): Promise<RecordResult> {
  const sim = await findSimulator(ctx, name);
  if (!sim.display) throw new SimError('DISPLAY_UNAVAILABLE', `Simulator '${sim.name}' has no screen to record.`, `Stop it (sim stop ${sim.name}) and start it again with a display, e.g. sim boot --detach --display none.`);
  const output = path.resolve(options.output ?? defaultScreenshotName(sim.name, new Date()).replace(/\.png$/, '.webm'));
  if (!(await stat(path.dirname(output)).catch(() => undefined))?.isDirectory()) throw new SimError('USAGE', `The directory ${path.dirname(output)} does not exist.`, 'Create it first, or give another -o path.');
  if (!(await which('ffmpeg'))) throw missingTool('ffmpeg');

  const dir = simulatorDir(ctx, sim.name);
  const frame = path.join(dir, `record-${randomBytes(4).toString('hex')}.ppm`);
  const encoder = spawn('ffmpeg', ffmpegRecordArgs(output), { stdin: 'pipe', stdout: 'ignore', stderr: 'pipe' });
  options.onStart?.(output);
  const interval = 1000 / (options.fps ?? DEFAULT_FPS);
  const started = performance.now();
  const until = options.durationS === undefined ? Infinity : started + options.durationS * 1000;
  let frames = 0;
  let failure: Error | undefined;
  try {
    while (performance.now() < until && !options.signal?.aborted && encoder.exitCode === null) {
      const due = started + frames * interval;
      try {
        await screendump(dir, sim.name, frame, 'ppm');
      } catch (error) {
        failure = error as Error;
        break;
      }
      const image = await readFile(frame);
      if (!encoder.stdin!.write(image)) await new Promise((resolve) => encoder.stdin!.once('drain', resolve));
      frames++;
      options.onFrame?.(frames, (performance.now() - started) / 1000);
      const wait = Math.min(due + interval, until) - performance.now();
      if (wait > 0 && !(await pause(wait, options.signal))) break;
    }
  } finally {
    encoder.stdin?.end();
    await rm(frame, { force: true });
  }
  const result = await encoder;
  const seconds = (performance.now() - started) / 1000;
  if (failure) throw failure;
  if (!frames) throw new SimError('QEMU_FAILED', `QEMU could not capture the screen of '${sim.name}' (the simulator stopped).`, 'Check that it still runs with sim ls.');
  if (result.exitCode !== 0) throw new SimError('TOOL_FAILED', `ffmpeg could not encode the recording: ${String(result.stderr).trim().split('\n').at(-1) ?? `exit ${result.exitCode}`}`, 'Run it again with --verbose; Debian\'s ffmpeg has libvpx.');
  return { name: sim.name, file: output, frames, seconds, bytes: (await stat(output)).size };
}
