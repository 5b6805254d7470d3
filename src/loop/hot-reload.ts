/**
 * Hot reload: after a rebuild, update a running simulator that already serves this prefix
 * instead of booting a second one. Applications are restarted in place; a changed library
 * reboots the guest through the same QEMU process (`reboot` policy). Pure decision first.
 */
import type { BuildModulesResult } from '../builders/index.js';
import type { SimContext } from '../core/context.js';
import { emit, type EventSink } from '../core/events.js';
import { lineSplitter, parseControlLine } from '../qemu/channel.js';
import { refreshCommand } from './refresh.js';
import type { Project } from '../config/project.js';
import { execInSimulator, rebootSimulator } from '../simulators/start.js';
import type { SimulatorState } from '../simulators/registry.js';

export type RebootPolicy = 'auto' | 'always' | 'never';

export interface ReloadPlan {
  reboot: boolean;
  /** Commands run in the guest to restart applications. */
  restarts: string[][];
}

const isLibrary = (file: string) => /\.so(\.\d+)*$/.test(file);

/** What to do for a rebuild. Pure. */
export function planReload(project: Project, built: BuildModulesResult, policy: RebootPolicy): ReloadPlan {
  let reboot = policy === 'always';
  const restarts: string[][] = [];
  for (const result of built.results) {
    if (!result.changedFiles.length) continue;
    const module = project.modules[result.module];
    const kind = module?.kind ?? (result.changedFiles.some(isLibrary) ? 'library' : 'app');
    if (kind === 'library' && policy === 'auto') reboot = true;
    if (module?.restart?.unit) restarts.push(['systemctl', 'restart', module.restart.unit]);
    if (module?.restart?.process) restarts.push(['killall', '-q', module.restart.process]);
  }
  return { reboot, restarts: reboot ? [] : restarts };
}

/** The refresh prints `trigger ...` lines (the guest protocol's words) and warnings: events, not the command's output. */
function refreshEvents(events: EventSink | undefined): EventSink {
  const lines = { stdout: lineSplitter((line) => report(line, 'stdout')), stderr: lineSplitter((line) => report(line, 'stderr')) };
  const report = (line: string, stream: 'stdout' | 'stderr') => {
    const message = parseControlLine(line);
    if (message.kind === 'trigger') emit(events, { type: 'trigger', name: message.name, status: message.status, ...(message.ms !== undefined ? { ms: message.ms } : {}), ...(message.tool ? { tool: message.tool } : {}) });
    else if (line.trim()) emit(events, { type: 'log', level: stream === 'stderr' ? 'warn' : 'debug', message: `refresh: ${line}` });
  };
  return (event) => {
    if (event.type === 'output') lines[event.stream].push(Buffer.from(event.data));
    else events?.(event);
  };
}

/** Apply a reload plan to a running simulator. */
export async function reloadSimulator(ctx: SimContext, sim: SimulatorState, plan: ReloadPlan, options: { events?: EventSink; refresh?: readonly string[] }): Promise<void> {
  if (plan.reboot) {
    emit(options.events, { type: 'progress', task: 'reload', message: `rebooting ${sim.name} in place` });
    const ms = await rebootSimulator(ctx, sim.name);
    emit(options.events, { type: 'progress', task: 'reload', message: `${sim.name} is ready again`, done: true });
    emit(options.events, { type: 'phase', phase: 'guest-ready', ms, detail: { reboot: true, pid: sim.pid } });
    return;
  }
  // The guest drops its cached lookups of the share and refreshes the caches the rebuilt files
  // feed (schemas, units...: `refresh`, from refreshSteps) before anything restarts.
  const refresh = await execInSimulator(ctx, sim.name, refreshCommand(options.refresh ?? []), { events: refreshEvents(options.events) });
  if (refresh !== 0) emit(options.events, { type: 'log', level: 'warn', message: `the guest's refresh after the rebuild exited with ${refresh} in ${sim.name}` });
  for (const argv of plan.restarts) {
    emit(options.events, { type: 'progress', task: 'reload', message: `restarting: ${argv.join(' ')}` });
    const status = await execInSimulator(ctx, sim.name, argv, { events: options.events });
    if (status !== 0) emit(options.events, { type: 'log', level: 'warn', message: `'${argv.join(' ')}' exited with ${status} in ${sim.name}` });
  }
  emit(options.events, { type: 'progress', task: 'reload', message: `${sim.name} updated in place`, done: true });
}
