/**
 * `rebuild-and-boot --watch`: one process for the whole edit loop. It builds, starts a detached
 * simulator on the prefix (or hot-reloads the one serving it) and runs the command there; then,
 * at each save in a module's source, builds again and — when the build changed the prefix —
 * ends the command still running in the guest and reloads with the new one. A save costs the
 * compiler, the sync and the guest's refresh: no Node start-up and no module loading in between
 * (with the command line, a fresh `sim`'s first third of a second).
 *
 * One cycle at a time, in order: a build never overlaps the previous cycle's refresh (the guest
 * waits there for the bytes that build wrote), and a command is ended only once it has started,
 * never mid-refresh. Saves that come meanwhile are gathered into the next cycle.
 */
import path from 'node:path';
import type { SimContext } from '../core/context.js';
import { emit } from '../core/events.js';
import { isSimError, unexpectedError } from '../core/errors.js';
import { sweepStaleSessions } from '../boot/session.js';
import { getModule, loadProject } from '../config/project.js';
import { afterLoopBuild, loopBuild, type RebuildAndBootOptions } from './rebuild.js';
import { watchSources } from './source-watch.js';

export type WatchOptions = RebuildAndBootOptions & { signal: AbortSignal };

/** The modules a save touched: those whose source holds one of `paths` (of `modules`, all when empty). Pure. */
export function modulesToRebuild(sources: Readonly<Record<string, string>>, modules: readonly string[], paths: readonly string[]): string[] {
  const names = modules.length ? modules : Object.keys(sources);
  return names.filter((name) => {
    const dir = sources[name];
    return dir !== undefined && paths.some((p) => p === dir || p.startsWith(`${dir}/`));
  });
}

/** Runs until `options.signal` aborts (Ctrl-C); the simulator stays, the command in it is ended. Returns 0. */
export async function watchAndReload(ctx: SimContext, options: WatchOptions): Promise<number> {
  const { events, signal } = options;
  await sweepStaleSessions(ctx);
  const project = await loadProject({ cwd: options.cwd, configPath: options.configPath });
  const modules = options.modules.length ? options.modules : Object.keys(project.modules);
  // A misspelled module, or one whose source is missing, fails now, not as a watch of nothing.
  for (const name of modules) getModule(project, name);
  const sources = Object.fromEntries(Object.entries(project.modules).map(([name, m]) => [name, m.source]));
  const detach = { name: options.detach?.name, runCommand: true };

  let busy = false;
  let first = true;
  let changed: string[] = [];
  /** The command running in the guest: ended when a build changes the prefix again. */
  let command: AbortController | undefined;
  let idle: () => void = () => undefined;

  const cycle = async (paths: readonly string[]): Promise<void> => {
    const wanted = first ? modules : modulesToRebuild(sources, modules, paths);
    if (!wanted.length) return;
    if (!first) emit(events, { type: 'log', level: 'info', message: `${describePaths(project.root, paths)} changed: building ${wanted.join(', ')}` });
    const build = await loopBuild(ctx, { ...options, modules: wanted, detach });
    if (!first && !build.changed.length) {
      emit(events, { type: 'log', level: 'info', message: 'the build changed nothing in the prefix: the command runs on' });
      return;
    }
    first = false;
    command?.abort();
    const controller = new AbortController();
    command = controller;
    // The cycle ends when the command starts (it runs on until the next change), or with the run.
    let started = false;
    let release: () => void = () => undefined;
    const startedOrDone = new Promise<void>((resolve) => (release = resolve));
    const onCommand = () => {
      started = true;
      release();
    };
    afterLoopBuild(ctx, build, { ...options, modules: wanted, detach, signal: AbortSignal.any([signal, controller.signal]), onCommand })
      .then(
        (result) => {
          if (controller.signal.aborted || !options.command?.length) return;
          emit(events, { type: 'log', level: result.exitCode ? 'warn' : 'info', message: `the command exited with status ${result.exitCode}; watching for changes` });
        },
        (error: unknown) => {
          if (!controller.signal.aborted && !signal.aborted) report(error);
        },
      )
      .finally(release);
    await startedOrDone;
    if (!started && !options.command?.length) emit(events, { type: 'log', level: 'info', message: 'watching for changes (Ctrl-C to stop)' });
  };

  // A failed cycle is shown, and the loop goes on: the next save may fix it.
  const report = (error: unknown) => {
    const failure = isSimError(error) ? error : unexpectedError(error);
    emit(events, { type: 'error', code: failure.code, message: failure.message, hint: failure.hint, details: failure.detailLines.length ? failure.detailLines : undefined });
    emit(events, { type: 'log', level: 'info', message: 'watching for changes: the next save tries again' });
  };

  const next = async (): Promise<void> => {
    if (busy || signal.aborted || (!first && !changed.length)) return;
    busy = true;
    const paths = changed;
    changed = [];
    try {
      await cycle(paths);
    } catch (error) {
      if (!signal.aborted) report(error);
    } finally {
      busy = false;
    }
    if (changed.length && !signal.aborted) void next();
    else if (!busy) idle();
  };

  const watcher = watchSources(
    [...new Set(modules.map((m) => sources[m]).filter((d): d is string => d !== undefined))],
    [project.prefix, project.buildRoot],
    (paths) => {
      changed.push(...paths);
      void next();
    },
    { onError: (error) => emit(events, { type: 'log', level: 'warn', message: `watching the sources: ${error.message}` }) },
  );
  try {
    await next();
    await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    // A cycle still building ends on its own (Ctrl-C reached the compiler too).
    await new Promise<void>((resolve) => {
      idle = resolve;
      if (!busy) resolve();
    });
  } finally {
    watcher.close();
    command?.abort();
  }
  return 0;
}

/** "app/hello.c", "app/hello.c and 2 more": the saves, relative to the project. */
function describePaths(root: string, paths: readonly string[]): string {
  const shown = path.relative(root, paths[0] ?? root) || '.';
  return paths.length > 1 ? `${shown} and ${paths.length - 1} more` : shown;
}
