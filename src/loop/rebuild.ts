/**
 * The developer's loop: build modules into the project's overlay prefix with the image's
 * libdir, then boot with that prefix. A failed build never boots. The boot's code (QEMU,
 * initramfs, snapshots) is loaded only when a run boots: a hot reload into a running simulator,
 * the everyday case, starts sooner without it.
 */
import type { BootOptions, BootResult } from '../boot/boot.js';
import { foregroundBootName, foregroundBootsServing, staleForegroundWarning, type ForegroundBoot } from '../boot/serving.js';
import { sweepStaleSessions } from '../boot/session.js';
import { buildModules, type BuildModulesResult } from '../builders/index.js';
import type { ImageMeta } from '../images/meta.js';
import type { SimContext } from '../core/context.js';
import { emit, stopwatch, type EventSink } from '../core/events.js';
import { refreshSteps } from './refresh.js';
import { planReload, refreshForegroundBoot, REFRESH_ONLY, reloadSimulator, type RebootPolicy } from './hot-reload.js';
import { listSimulators } from '../simulators/registry.js';
import { execInSimulator } from '../simulators/control.js';
import { isSimError, SimError } from '../core/errors.js';
import { execAt } from '../simulators/guest-run.js';
import { DEFAULT_IMAGE, resolveOrBuildImage } from '../images/default.js';
import { loadProject, type Project } from '../config/project.js';

export interface ProjectOptions {
  /** sim.json (or its directory); found from `cwd` upward when absent. */
  configPath?: string;
  cwd?: string;
  /** Image name; the project's `image`, else the default image. */
  image?: string;
  events?: EventSink;
  signal?: AbortSignal;
}

async function projectAndImage(ctx: SimContext, options: ProjectOptions): Promise<{ project: Project; image: ImageMeta }> {
  const project = await loadProject({ cwd: options.cwd, configPath: options.configPath });
  const image = await resolveOrBuildImage(ctx, options.image ?? project.image ?? DEFAULT_IMAGE, options);
  return { project, image };
}

/**
 * Build modules (all of the project's when `modules` is empty) into the overlay prefix. A
 * detached simulator serving that prefix is told what changed: it drops its cached lookups and
 * pages of the share (the guest caches the prefix: src/boot/plan.ts, overlayCache), so that the
 * next program it starts reads the files this build wrote, and it names the processes that still
 * map a replaced file; so is a foreground boot at its console, while one that runs a command
 * cannot be told, which is said instead (src/boot/serving.ts). Restarting or rebooting is
 * rebuild-and-boot's.
 */
export async function build(ctx: SimContext, modules: string[], options: ProjectOptions = {}): Promise<BuildModulesResult & { image: ImageMeta }> {
  const { project, image } = await projectAndImage(ctx, options);
  const result = await buildModules(modules, { project, libdir: image.libdir, events: options.events });
  await tellRunningSimulators(ctx, result, options.events);
  return { ...result, image };
}

/**
 * Foreground boots serving the prefix: one at its console is told what the build replaced, as a
 * detached simulator is (with the refresh `steps` the changed files call for: rebuild-and-boot's),
 * of one that runs a command it can only be said that it is not.
 */
async function tellForegroundBoots(boots: readonly ForegroundBoot[], prefix: string, changed: readonly string[], events: EventSink | undefined, steps: readonly string[] = []): Promise<void> {
  const untold = boots.filter((b) => !b.told).map((b) => b.pid);
  if (untold.length) emit(events, { type: 'log', level: 'warn', message: staleForegroundWarning(untold) });
  for (const boot of boots.filter((b) => b.told)) await refreshForegroundBoot(boot, prefix, changed, events, steps);
}

/** Every file a build wrote or removed in the prefix, prefix-relative. */
const changedFiles = (built: BuildModulesResult) => built.results.flatMap((r) => [...r.changedFiles, ...r.removedFiles]);

async function tellRunningSimulators(ctx: SimContext, built: BuildModulesResult, events: EventSink | undefined): Promise<void> {
  const changed = changedFiles(built);
  if (!changed.length) return;
  await tellForegroundBoots(await foregroundBootsServing(ctx, built.prefix), built.prefix, changed, events);
  for (const running of (await listSimulators(ctx)).filter((s) => s.status === 'running' && s.overlay === built.prefix)) {
    await reloadSimulator(ctx, running, REFRESH_ONLY, { events, refresh: [], changed, inUseHint: '`sim rebuild-and-boot` restarts or reboots what the rebuild needs' });
  }
}

export type RebuildAndBootOptions = ProjectOptions &
  Omit<BootOptions, 'image' | 'overlay' | 'resolve'> & {
    modules: string[];
    /** When a simulator already runs with this prefix: reboot it for library changes and files a running process still maps (auto), always, or never (only warn). */
    reboot?: RebootPolicy;
    /**
     * With no simulator serving the prefix: start a detached one (named so) instead of a boot in
     * the foreground. `runCommand`: the command then runs in it (as after a hot reload), for a
     * caller that stays with the simulator (`--follow`); otherwise a command is refused.
     */
    detach?: { name?: string; runCommand?: boolean };
    /** Called when the command starts in a detached simulator (after the refresh, or a reboot or start). */
    onCommand?: () => void;
  };

export interface RebuildAndBootResult extends BootResult {
  build: BuildModulesResult;
  /** Set when a running simulator was updated instead of booting a new guest. */
  reloaded?: string;
  /** Set (its launcher's pid) when a foreground boot at its console was: the command ran there. */
  reloadedAtConsole?: number;
  /** Set when a detached simulator was started (`detach`). */
  started?: string;
}

/**
 * A foreground boot at its console that serves the prefix, told of the build as a detached
 * simulator is: the command runs there, and no second guest boots beside it. Undefined when
 * there is none, or it ended meanwhile (then a boot follows).
 */
async function runAtConsole(boot: ForegroundBoot, built: BuildModulesResult & { image: ImageMeta }, options: RebuildAndBootOptions, elapsed: () => number): Promise<RebuildAndBootResult | undefined> {
  const name = foregroundBootName(boot);
  const command = options.command ?? [];
  emit(options.events, { type: 'log', level: 'info', message: `${name} serves this prefix at its console${command.length ? ': the command runs there' : ''}; no other guest boots` });
  let exitCode = 0;
  if (command.length) {
    try {
      exitCode = await execAt(boot.dir, name, command, { hint: 'It ended while the command ran.', signal: options.signal, onOutput: (stream, data) => emit(options.events, { type: 'output', stream, data }) });
    } catch (error) {
      if (isSimError(error) && error.code === 'SIMULATOR_NOT_FOUND') return undefined;
      throw error;
    }
  }
  return { exitCode, accel: boot.accel ?? 'unknown', image: boot.image ?? built.image.names[0] ?? built.image.id, totalMs: elapsed(), build: built, reloadedAtConsole: boot.pid };
}

/** A build for rebuild-and-boot: what it wrote, and the foreground boots serving its prefix (told of it). */
export interface LoopBuild {
  project: Project;
  built: BuildModulesResult & { image: ImageMeta };
  /** Every file the build wrote or removed in the prefix, prefix-relative. */
  changed: string[];
  foreground: ForegroundBoot[];
}

/** rebuild-and-boot's first half: build, and tell foreground boots at their console what changed. */
export async function loopBuild(ctx: SimContext, options: RebuildAndBootOptions): Promise<LoopBuild> {
  const { project, image } = await projectAndImage(ctx, options);
  const built = { ...(await buildModules(options.modules, { project, libdir: image.libdir, events: options.events })), image };
  const changed = changedFiles(built);
  // Listed once: told of the build, and (without --detach) where the command may run.
  const foreground = changed.length || !options.detach ? await foregroundBootsServing(ctx, built.prefix) : [];
  if (changed.length) await tellForegroundBoots(foreground, built.prefix, changed, options.events, refreshSteps(changed));
  return { project, built, changed, foreground };
}

/**
 * Build, then boot with the prefix — or, when a detached simulator already serves this prefix,
 * update it in place (restart apps, reboot for libraries) and run the command there; or when a
 * foreground boot at its console does, run the command there (it was told of the build).
 */
export async function rebuildAndBoot(ctx: SimContext, options: RebuildAndBootOptions): Promise<RebuildAndBootResult> {
  const elapsed = stopwatch();
  // What a killed run left (an IDE's Stop is SIGKILL) goes now, whichever way this run boots.
  await sweepStaleSessions(ctx);
  return afterLoopBuild(ctx, await loopBuild(ctx, options), options, elapsed);
}

/** rebuild-and-boot's second half: the build's prefix reloaded in the simulator serving it, or booted. */
export async function afterLoopBuild(ctx: SimContext, { project, built, changed, foreground }: LoopBuild, options: RebuildAndBootOptions, elapsed: () => number = stopwatch()): Promise<RebuildAndBootResult> {
  const running = (await listSimulators(ctx)).find((s) => s.status === 'running' && s.overlay === built.prefix);
  if (running) {
    // The command runs in the refresh's round trip to the guest unless a reboot comes first.
    const ran = await reloadSimulator(ctx, running, planReload(project, built, options.reboot ?? 'auto'), { ...options, refresh: refreshSteps(changed), changed });
    const exitCode = ran ?? (options.command?.length ? await execInSimulator(ctx, running.name, options.command, startingCommand(options)) : 0);
    return { exitCode, accel: running.accel, image: running.image, totalMs: elapsed(), build: built, reloaded: running.name };
  }
  if (!options.detach) {
    const atConsole = foreground.find((b) => b.told);
    const ran = atConsole && (await runAtConsole(atConsole, built, options, elapsed));
    if (ran) return ran;
  }
  const bootOptions = { ...options, image: built.image.id, overlay: built.prefix, overlayMode: options.overlayMode ?? project.overlayMode, overlayCache: options.overlayCache ?? project.overlayCache, initrd: options.initrd ?? project.initrd };
  if (options.detach) {
    if (options.command?.length && !options.detach.runCommand) throw new SimError('USAGE', 'A detached simulator does not take a command.', "Start it with 'sim rebuild-and-boot --detach', then run commands with 'sim exec -- CMD'.");
    const { command: _command, ...startOptions } = bootOptions; // run below, once it is up
    const { startSimulator } = await import('../simulators/start.js');
    const state = await startSimulator(ctx, { ...startOptions, name: options.detach.name ?? built.image.names[0], project: project.configPath });
    const exitCode = options.command?.length ? await execInSimulator(ctx, state.name, options.command, startingCommand(options)) : 0;
    return { exitCode, accel: state.accel, image: state.image, readyMs: state.readyMs, totalMs: elapsed(), build: built, started: state.name };
  }
  const { boot } = await import('../boot/boot.js');
  const result = await boot(ctx, bootOptions);
  return { ...result, build: built };
}

/** The options of an exec that starts the command, `onCommand` told first. */
function startingCommand<T extends Pick<RebuildAndBootOptions, 'onCommand'>>(options: T): T {
  options.onCommand?.();
  return options;
}
