/**
 * Hot reload: after a rebuild, update a running simulator that already serves this prefix
 * instead of booting a second one. Applications are restarted in place; a changed library
 * reboots the guest through the same QEMU process (`reboot` policy). Pure decision first.
 */
import type { BuildModulesResult } from '../builders/index.js';
import type { SimContext } from '../core/context.js';
import { emit, type EventSink } from '../core/events.js';
import { parseControlLine } from '../qemu/channel.js';
import { expectedBytes, refreshCommand } from './refresh.js';
import { RefreshStream } from './refresh-output.js';
import { clearPending, notePending } from './refresh-pending.js';
import type { Project } from '../config/project.js';
import { execInRunning, rebootSimulator } from '../simulators/control.js';
import { simulatorDir, type SimulatorState } from '../simulators/registry.js';
import { execAt } from '../simulators/guest-run.js';
import { foregroundBootName, type ForegroundBoot } from '../boot/serving.js';
import { isSimError } from '../core/errors.js';

export type RebootPolicy = 'auto' | 'always' | 'never';

export interface ReloadPlan {
  reboot: boolean;
  /** systemd units stopped before the guest's refresh and started after it. */
  stopUnits: string[];
  /** Processes (by name) ended before the refresh; the command after `--` starts them again. */
  killProcesses: string[];
  /**
   * When a process still maps a replaced file after the refresh (it, and anything started by
   * that path until it exits, would run the previous build): reboot in place, or only warn.
   */
  whenInUse: 'reboot' | 'warn';
}

/** A refresh and nothing more: no reboot, nothing restarted, what still runs a replaced file only named. */
export const REFRESH_ONLY: ReloadPlan = { reboot: false, stopUnits: [], killProcesses: [], whenInUse: 'warn' };

const isLibrary = (file: string) => /\.so(\.\d+)*$/.test(file);

/** What to do for a rebuild. Pure. */
export function planReload(project: Project, built: BuildModulesResult, policy: RebootPolicy): ReloadPlan {
  let reboot = policy === 'always';
  const stopUnits: string[] = [];
  const killProcesses: string[] = [];
  for (const result of built.results) {
    if (!result.changedFiles.length) continue;
    const module = project.modules[result.module];
    const kind = module?.kind ?? (result.changedFiles.some(isLibrary) ? 'library' : 'app');
    if (kind === 'library' && policy === 'auto') reboot = true;
    if (module?.restart?.unit) stopUnits.push(module.restart.unit);
    if (module?.restart?.process) killProcesses.push(module.restart.process);
  }
  const whenInUse = policy === 'never' ? 'warn' : 'reboot';
  return reboot ? { reboot, stopUnits: [], killProcesses: [], whenInUse } : { reboot, stopUnits, killProcesses, whenInUse };
}

/** A process that kept a replaced file mapped (guest/refresh's `in-use` lines). */
interface InUse {
  pid: number;
  command: string;
  path: string;
}

/**
 * The refresh prints `trigger ...` and `in-use ...` lines (the guest protocol's words) and
 * warnings: events and findings, not the command's output. A command run after the refresh
 * prints after a marker (refresh-output.ts): its output, passed on as it is; `onCommand` when
 * it starts.
 */
function refreshEvents(events: EventSink | undefined, inUse: InUse[], onCommand: () => void): { sink: EventSink; ranCommand: () => boolean; flush: () => void } {
  const stream = (name: 'stdout' | 'stderr') =>
    new RefreshStream((line) => report(line, name), (data) => emit(events, { type: 'output', stream: name, data }), name === 'stdout' ? onCommand : undefined);
  const streams = { stdout: stream('stdout'), stderr: stream('stderr') };
  const report = (line: string, stream: 'stdout' | 'stderr') => {
    const message = parseControlLine(line);
    if (message.kind === 'trigger') emit(events, { type: 'trigger', name: message.name, status: message.status, ...(message.ms !== undefined ? { ms: message.ms } : {}), ...(message.tool ? { tool: message.tool } : {}) });
    else if (message.kind === 'in-use') inUse.push({ pid: message.pid, command: message.command, path: message.path });
    else if (line.trim()) emit(events, { type: 'log', level: stream === 'stderr' ? 'warn' : 'debug', message: `refresh: ${line}` });
  };
  return {
    sink: (event) => {
      if (event.type === 'output') streams[event.stream].push(event.data);
      else events?.(event);
    },
    ranCommand: () => streams.stdout.done,
    flush: () => {
      streams.stdout.flush();
      streams.stderr.flush();
    },
  };
}

/** "gnome-shell (pid 812) maps /usr/lib/x/libshell-12.so, ..." Pure. */
export function describeInUse(inUse: readonly InUse[]): string {
  const shown = inUse.slice(0, 3).map((u) => `${u.command} (pid ${u.pid}) maps ${u.path}`);
  return `${shown.join('; ')}${inUse.length > 3 ? `; and ${inUse.length - 3} more` : ''}`;
}

/** A simulator started from a quick-boot snapshot resumes it with the rebuilt prefix (seconds); others reboot in place. */
async function rebootInPlace(ctx: SimContext, sim: SimulatorState, events: EventSink | undefined): Promise<void> {
  emit(events, { type: 'progress', task: 'reload', message: `rebooting ${sim.name} in place (resuming its quick-boot snapshot when it has one)` });
  let resumed = false;
  let cold: string | undefined;
  const ms = await rebootSimulator(ctx, sim.name, { resume: true, onResumed: () => (resumed = true), onCold: (why) => (cold = why) });
  const how = resumed ? ', resumed from its snapshot with the rebuilt prefix' : cold !== undefined ? `, booted cold in place (the snapshot could not be resumed: ${cold})` : '';
  emit(events, { type: 'progress', task: 'reload', message: `${sim.name} is ready again${how}`, done: true });
  emit(events, { type: 'phase', phase: 'guest-ready', ms, detail: { reboot: true, resumed, pid: sim.pid } });
}

/** Where a refresh goes: a detached simulator, or a foreground boot at its console (src/boot/serving.ts). */
interface RefreshTarget {
  /** For messages: "bench-9p", "the foreground simulator ('sim boot', pid 812)". */
  name: string;
  /** The prefix it serves, whose replaced files' MD5s the guest waits for. */
  overlay?: string;
  /** Its directory: a refresh that did not get through is noted there (refresh-pending.ts). */
  dir: string;
  exec: (argv: string[], sink: EventSink, signal: AbortSignal) => Promise<number>;
}

/**
 * The guest's refresh (guest/refresh): stop what restarts, drop the cached lookups of the
 * share, refresh the caches the rebuilt files feed, start it again, maybe run `command`.
 * `signal` ends the command, never the refresh before it (a refresh cut short could leave the
 * guest serving what it cached of a replaced file): it waits for the command's start. A refresh
 * whose client was killed may have been cut short all the same (the daemon ends the request):
 * its files are told again with the next refresh (refresh-pending.ts).
 */
async function refreshGuest(
  target: RefreshTarget,
  plan: ReloadPlan,
  options: { events?: EventSink; refresh?: readonly string[]; changed?: readonly string[]; command?: readonly string[]; signal?: AbortSignal },
  onDone: (inUse: readonly InUse[]) => void,
): Promise<{ status: number; inUse: InUse[]; ranCommand: boolean }> {
  const { events, signal } = options;
  const inUse: InUse[] = [];
  const { changed, steps } = await notePending(target.dir, { changed: [...(options.changed ?? [])], steps: [...(options.refresh ?? [])] });
  const command = options.command?.length && !signal?.aborted ? options.command : undefined;
  const request = { steps, stop: plan.stopUnits, kill: plan.killProcesses, changed, expect: target.overlay ? await expectedBytes(target.overlay, changed) : [], command, rebootWhenInUse: plan.whenInUse === 'reboot' };
  for (const unit of plan.stopUnits) emit(events, { type: 'progress', task: 'reload', message: `restarting ${unit}` });
  for (const name of plan.killProcesses) emit(events, { type: 'progress', task: 'reload', message: `ending ${name}` });
  const hangUp = new AbortController();
  let refreshed = false;
  const endCommand = () => refreshed && hangUp.abort();
  signal?.addEventListener('abort', endCommand, { once: true });
  const output = refreshEvents(events, inUse, () => {
    refreshed = true;
    void clearPending(target.dir);
    onDone(inUse);
    if (signal?.aborted) hangUp.abort();
  });
  let status: number;
  try {
    status = await target.exec(refreshCommand(request), output.sink, hangUp.signal);
  } finally {
    signal?.removeEventListener('abort', endCommand);
  }
  if (!refreshed) await clearPending(target.dir);
  output.flush();
  if (!output.ranCommand() && status !== 0 && !(command && inUse.length)) emit(events, { type: 'log', level: 'warn', message: `the guest's refresh after the rebuild exited with ${status} in ${target.name}` });
  return { status, inUse, ranCommand: output.ranCommand() };
}

const warnInUse = (events: EventSink | undefined, inUse: readonly InUse[], hint: string) => {
  if (inUse.length) emit(events, { type: 'log', level: 'warn', message: `${describeInUse(inUse)} from the previous build: it, and what starts from those paths until it exits, runs the previous build (${hint})` });
};

/**
 * Apply a reload plan to a running simulator: a reboot in place, or the guest's refresh (stop
 * what restarts, drop the cached lookups of the share, refresh the caches the rebuilt files
 * feed, start it again) — and a reboot after all when a process still maps a replaced file.
 * A `command` runs in the refresh's round trip when no reboot comes first: its exit status is
 * returned then (`onCommand` when it starts), undefined when it did not run (the caller runs it).
 */
export async function reloadSimulator(
  ctx: SimContext,
  sim: SimulatorState,
  plan: ReloadPlan,
  options: { events?: EventSink; refresh?: readonly string[]; changed?: readonly string[]; inUseHint?: string; command?: readonly string[]; signal?: AbortSignal; onCommand?: () => void },
): Promise<number | undefined> {
  const { events } = options;
  if (plan.reboot) {
    await rebootInPlace(ctx, sim, events);
    return undefined;
  }
  const hint = options.inUseHint ?? '--reboot never';
  const updated = () => emit(events, { type: 'progress', task: 'reload', message: `${sim.name} updated in place`, done: true });
  // The state just read (afterLoopBuild), not the registry read again: a few ms of each edit.
  const target: RefreshTarget = { name: sim.name, overlay: sim.overlay ?? undefined, dir: simulatorDir(ctx, sim.name), exec: (argv, sink, signal) => execInRunning(ctx, sim, argv, { events: sink, signal }) };
  const { status, inUse, ranCommand } = await refreshGuest(target, plan, options, (held) => {
    warnInUse(events, held, hint);
    updated();
    options.onCommand?.();
  });
  if (ranCommand) return status;
  if (inUse.length && plan.whenInUse === 'reboot') {
    emit(events, { type: 'log', level: 'info', message: `${describeInUse(inUse)} from the previous build: rebooting in place so that the rebuilt files are the ones that run (name it in sim.json's restart.unit or restart.process to restart only it)` });
    await rebootInPlace(ctx, sim, events);
    return undefined;
  }
  warnInUse(events, inUse, hint);
  updated();
  return undefined;
}

/**
 * Tell a foreground boot at its console what a build replaced in its prefix: the same refresh
 * (with `refresh`, the triggers the changed files feed: rebuild-and-boot's), through its launcher
 * (it cannot be rebooted in place: what still runs the previous build is named). A boot that
 * ended meanwhile, or whose launcher does not listen yet (its guest has not mounted the prefix),
 * needs nothing.
 */
export async function refreshForegroundBoot(boot: ForegroundBoot, prefix: string, changed: readonly string[], events: EventSink | undefined, refresh: readonly string[] = []): Promise<void> {
  const name = foregroundBootName(boot);
  const target: RefreshTarget = {
    name,
    overlay: prefix,
    dir: boot.dir,
    exec: (argv, sink, signal) => execAt(boot.dir, name, argv, { hint: 'It ended; nothing to tell.', signal, onOutput: (stream, data) => emit(sink, { type: 'output', stream, data }) }),
  };
  emit(events, { type: 'progress', task: 'reload', message: `telling ${name} what the build replaced` });
  try {
    const { inUse } = await refreshGuest(target, REFRESH_ONLY, { events, changed, refresh }, () => undefined);
    warnInUse(events, inUse, 'end it, or boot again');
    emit(events, { type: 'progress', task: 'reload', message: `${name} updated in place`, done: true });
  } catch (error) {
    if (!isSimError(error) || !['SIMULATOR_NOT_FOUND', 'GUEST_CRASHED'].includes(error.code)) throw error;
    emit(events, { type: 'log', level: 'debug', message: `${name} was not told of the build: ${error.message}` });
  }
}
