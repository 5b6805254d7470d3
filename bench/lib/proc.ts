/**
 * Timed processes for the benchmark: the sim CLI with its NDJSON events timestamped on arrival,
 * plain QEMU driven over its serial console like a person would, and peak-memory sampling
 * (VmHWM from /proc, polled until the process exits).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

export const SIM_BIN = fileURLToPath(new URL('../../bin/sim.js', import.meta.url));

/** Peak resident set (KiB) of a process so far, or undefined once it is gone. */
export async function peakRssKiB(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  const m = status && /^VmHWM:\s+(\d+) kB/m.exec(status);
  return m ? Number(m[1]) : undefined;
}

/** CPU time (user + system, ms) a process has used so far, or undefined once it is gone. */
export async function cpuMs(pid: number): Promise<number | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  // Fields after the parenthesised command name; utime and stime are the 12th and 13th of those.
  const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
  if (!fields || fields.length < 13) return undefined;
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}

/** USER_HZ: 100 on every Linux architecture sim runs on. */
const CLOCK_TICKS = 100;

/** Polls the peak RSS (and CPU time) of the pids given to `watch` every `everyMs` until `stop`. */
export class RssSampler {
  private readonly peaks = new Map<string, number>();
  readonly cpu = new Map<string, number>();
  private readonly pids = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(everyMs = 40) {
    this.timer = setInterval(() => void this.sample(), everyMs);
  }

  watch(label: string, pid: number | undefined): void {
    if (pid) this.pids.set(label, pid);
  }

  private async sample(): Promise<void> {
    for (const [label, pid] of this.pids) {
      const kib = await peakRssKiB(pid);
      if (kib !== undefined) this.peaks.set(label, Math.max(kib, this.peaks.get(label) ?? 0));
      const ms = await cpuMs(pid);
      if (ms !== undefined) this.cpu.set(label, Math.max(ms, this.cpu.get(label) ?? 0));
    }
  }

  stop(): Promise<Record<string, number | undefined>> {
    clearInterval(this.timer);
    return Promise.resolve(Object.fromEntries([...this.pids.keys()].map((label) => [label, this.peaks.get(label)])));
  }
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('close', (code, signal) => resolve(code ?? (signal ? 128 : null))));
}

export interface SimRun {
  exitCode: number | null;
  /** ms since the CLI was spawned, when each phase event arrived. */
  phases: Record<string, number>;
  /** ms since spawn until the CLI exited. */
  exitMs: number;
  stdout: string;
  stderr: string;
  launcherPeakKiB?: number;
  qemuPeakKiB?: number;
  /** CPU time QEMU used (sampled, so up to one interval short): less sensitive to other load than wall time. */
  qemuCpuMs?: number;
  /** Merge mode's triggers: name -> ms the guest reported (`trigger` events). */
  triggers: Record<string, number>;
  /** The overlay mode the guest used (the overlay-mounted phase's detail). */
  overlayMode?: string;
}

/** `sim boot --json ARGS`: phase arrival times, the guest's output, peak memory. */
export async function runSim(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 600_000): Promise<SimRun> {
  const sampler = new RssSampler();
  const t0 = performance.now();
  const child = spawn(process.execPath, [SIM_BIN, 'boot', '--json', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const done = exited(child);
  sampler.watch('launcher', child.pid);
  const phases: Record<string, number> = {};
  const triggers: Record<string, number> = {};
  let overlayMode: string | undefined;
  let stdout = '';
  let stderr = '';
  let pending = '';
  const errors: string[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const now = performance.now() - t0;
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      let event: { type?: string; phase?: string; data?: string; stream?: string; detail?: { pid?: number; mode?: string }; message?: string; hint?: string; details?: string[]; name?: string; ms?: number };
      try {
        event = JSON.parse(line);
      } catch {
        continue;
      }
      if (event.type === 'phase' && event.phase) {
        phases[event.phase] ??= now;
        if (event.phase === 'qemu-started') sampler.watch('qemu', event.detail?.pid);
        if (event.phase === 'overlay-mounted') overlayMode = event.detail?.mode;
      } else if (event.type === 'trigger') {
        if (event.name && event.ms !== undefined) triggers[event.name] = (triggers[event.name] ?? 0) + event.ms;
      } else if (event.type === 'output') {
        if (event.stream === 'stdout') stdout += event.data ?? '';
        else stderr += event.data ?? '';
      } else if (event.type === 'error') {
        errors.push(`${event.message} ${event.hint ?? ''}\n${(event.details ?? []).join('\n')}`);
      }
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
  const exitCode = await done;
  const exitMs = performance.now() - t0;
  clearTimeout(timer);
  const peaks = await sampler.stop();
  if (errors.length) stderr += errors.join('\n');
  return { exitCode, phases, exitMs, stdout, stderr, launcherPeakKiB: peaks.launcher, qemuPeakKiB: peaks.qemu, qemuCpuMs: sampler.cpu.get('qemu'), triggers, overlayMode };
}

interface TimedRun {
  /** To the exit. */
  ms: number;
  /** To the first output holding the `until` text (ms from the start), when one was given and seen. */
  untilMs?: number;
  stdout: string;
  startedAt: number;
  endedAt: number;
}

/** Wall time of a short command, in ms; with `until`, also when its stdout first held that text. */
export async function timeCommand(file: string, args: string[], env?: NodeJS.ProcessEnv, until?: string): Promise<TimedRun & { code: number | null }> {
  // Wall-clock ends too (ms since the epoch), to set against the times of a --json run's events.
  const startedAt = Date.now();
  const t0 = performance.now();
  const child = spawn(file, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  let untilMs: number | undefined;
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
    if (until !== undefined && untilMs === undefined && stdout.includes(until)) untilMs = performance.now() - t0;
  });
  const code = await exited(child);
  return { ms: performance.now() - t0, untilMs, code, stdout, startedAt, endedAt: Date.now() };
}

/** The sim CLI to its exit, which must be 0; its stdout and time (and with `until`, timeCommand's untilMs). */
export async function simOk(args: string[], env: NodeJS.ProcessEnv, until?: string): Promise<TimedRun> {
  const run = await timeCommand(process.execPath, [SIM_BIN, ...args], env, until);
  if (run.code !== 0) throw new Error(`sim ${args.join(' ')} failed (${run.code}): ${run.stdout.slice(-1000)}`);
  return run;
}

/** When (ms since the epoch) a --json run's first `progress` event whose message starts with `message` was sent; NaN without one. */
export function progressTime(stdout: string, message: string): number {
  const line = stdout.split('\n').find((l) => l.includes('"progress"') && l.includes(`"message":"${message}`));
  return line ? Date.parse((JSON.parse(line) as { time: string }).time) : Number.NaN;
}

export interface ConsoleStep {
  /** Wait until the console output (since the previous step) matches. */
  wait: RegExp;
  /** Record the time this step's pattern was seen under this name. */
  mark?: string;
  /** Then type this. */
  send?: string;
}

export interface ConsoleRun {
  marks: Record<string, number>;
  exitMs: number;
  exitCode: number | null;
  output: string;
  qemuPeakKiB?: number;
  qemuCpuMs?: number;
  timedOut: boolean;
}

/**
 * Run a program (QEMU with the serial console on stdio) and drive it like a person at the
 * console: wait for each pattern, note the time, type the next line.
 */
export async function runConsole(file: string, args: string[], steps: ConsoleStep[], timeoutMs: number): Promise<ConsoleRun> {
  const sampler = new RssSampler();
  const t0 = performance.now();
  const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const done = exited(child);
  sampler.watch('qemu', child.pid);
  const marks: Record<string, number> = {};
  let output = '';
  let from = 0;
  let step = 0;
  const advance = () => {
    while (step < steps.length) {
      const current = steps[step]!;
      const m = current.wait.exec(output.slice(from));
      if (!m) return;
      from += m.index + m[0].length;
      if (current.mark) marks[current.mark] = performance.now() - t0;
      if (current.send) child.stdin.write(current.send);
      step++;
    }
  };
  const onData = (chunk: Buffer) => {
    output += chunk.toString('latin1');
    advance();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  child.stdin.on('error', () => undefined);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const exitCode = await done;
  const exitMs = performance.now() - t0;
  clearTimeout(timer);
  const peaks = await sampler.stop();
  return { marks, exitMs, exitCode, output, qemuPeakKiB: peaks.qemu, qemuCpuMs: sampler.cpu.get('qemu'), timedOut };
}
