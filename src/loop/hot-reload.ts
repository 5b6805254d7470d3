/**
 * Hot reload: after a rebuild, update a running simulator that already serves this prefix
 * instead of booting a second one. Applications are restarted in place; a changed library
 * reboots the guest through the same QEMU process (`reboot` policy). Pure decision first.
 */
import type { BuildModulesResult } from '../builders/index.js';
import type { SimContext } from '../core/context.js';
import { emit, type EventSink } from '../core/events.js';
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

/** Apply a reload plan to a running simulator. */
export async function reloadSimulator(ctx: SimContext, sim: SimulatorState, plan: ReloadPlan, options: { events?: EventSink }): Promise<void> {
  if (plan.reboot) {
    emit(options.events, { type: 'progress', task: 'reload', message: `rebooting ${sim.name} in place` });
    const ms = await rebootSimulator(ctx, sim.name);
    emit(options.events, { type: 'progress', task: 'reload', message: `${sim.name} is ready again`, done: true });
    emit(options.events, { type: 'phase', phase: 'guest-ready', ms, detail: { reboot: true, pid: sim.pid } });
    return;
  }
  for (const argv of plan.restarts) {
    emit(options.events, { type: 'progress', task: 'reload', message: `restarting: ${argv.join(' ')}` });
    const status = await execInSimulator(ctx, sim.name, argv, { events: options.events });
    if (status !== 0) emit(options.events, { type: 'log', level: 'warn', message: `'${argv.join(' ')}' exited with ${status} in ${sim.name}` });
  }
  emit(options.events, { type: 'progress', task: 'reload', message: `${sim.name} updated in place`, done: true });
}
