/**
 * Build modules the way the guest expects them (prefix /usr, the image's libdir), install
 * each into a staging DESTDIR and sync only what changed into the shared prefix.
 * One module at a time, in the order given; a module is synced only after it built and
 * installed, so a failure leaves that module's files in the prefix as they were.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { withLock } from '../core/lock.js';
import { emit, stopwatch, type EventSink } from '../core/events.js';
import { getModule, type ModuleSpec, type Project } from '../config/project.js';
import { listSource } from './detect.js';
import { guestLibdir } from './libdir.js';
import { filesOfOtherModules, readManifest, stateDir, writeManifest } from './manifest.js';
import { planBuild } from './build-plan.js';
import { runStep } from './runner.js';
import { needsConfigure, writeStamp } from './staleness.js';
import { syncTree, type SyncResult } from './sync.js';
import { changedInputs, mesonInstallState } from './install-inputs.js';
import { quickMesonInstall } from './meson-quick-install.js';
import { prefixUnchanged, readSyncRecord, writeSyncRecord, type SyncRecord } from './sync-record.js';
import type { BuildSystem, Step } from './types.js';

export type { BuildPlan, BuildSystem, PlanInput, Step } from './types.js';
export { planBuild, resolveBuildSystem } from './build-plan.js';
export { detectBuildSystem } from './detect.js';

/** Staging DESTDIR inside the module's build dir. */
export const STAGE_DIR = '.sim-stage';

export interface ModuleResult {
  module: string;
  system: BuildSystem;
  /** Whether the configure step ran this time. */
  configured: boolean;
  /** Paths relative to the prefix that were written or removed. */
  changedFiles: string[];
  removedFiles: string[];
  ms: number;
}

export interface BuildOptions {
  project: Project;
  /** The image's libdir relative to /, e.g. usr/lib/x86_64-linux-gnu (ImageMeta.libdir). */
  libdir: string;
  events?: EventSink;
  /** Parallel jobs for make-based builds; defaults to the number of CPUs. */
  jobs?: number;
}

export interface BuildModulesResult {
  prefix: string;
  results: ModuleResult[];
}

/** Build the named modules (all of them, in file order, when `names` is empty). */
export async function buildModules(names: string[], opts: BuildOptions): Promise<BuildModulesResult> {
  const { project } = opts;
  guestLibdir(opts.libdir);
  // Resolve every name first: a typo in the last one should not cost the first one's build.
  const wanted = names.length ? [...new Set(names)] : Object.keys(project.modules);
  const modules = wanted.map((name) => getModule(project, name));
  await ignoreStateDir(project);
  const results: ModuleResult[] = [];
  for (const module of modules) results.push(await buildModule(module, opts));
  return { prefix: project.prefix, results };
}

/** Keep sim's build dirs and prefix out of version control when they live in the project's .sim/. */
async function ignoreStateDir(project: Project): Promise<void> {
  const dir = path.join(project.root, '.sim');
  if (!project.buildRoot.startsWith(`${dir}${path.sep}`)) return;
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, '.gitignore'), '*\n', { flag: 'wx' }).catch(() => undefined);
}

/** Sync a module's staged install into the shared prefix and record what it owns now. */
async function syncIntoPrefix(stage: string, prefix: string, module: string, known: SyncRecord | undefined): Promise<SyncResult> {
  return withLock(path.join(stateDir(prefix), 'sync.lock'), async () => {
    const previous = await readManifest(prefix, module);
    const result = await syncTree(stage, prefix, { previous, ownedByOthers: await filesOfOtherModules(prefix, module), known: known?.prefix === prefix ? known.files : undefined });
    // Rewritten only when something changed, so a no-op build leaves the prefix alone.
    if (result.changed.length || previous.length !== result.files.length) await writeManifest(prefix, module, result.files);
    return result;
  });
}

async function buildModule(module: ModuleSpec, opts: BuildOptions): Promise<ModuleResult> {
  const { project, events } = opts;
  const elapsed = stopwatch();
  const task = `build ${module.name}`;
  const builddir = path.join(project.buildRoot, module.name);
  const stage = path.join(builddir, STAGE_DIR);
  const run = async (steps: Step[]) => {
    for (const step of steps) await runStep(step, module.name, events);
  };

  return withLock(path.join(project.buildRoot, '.locks', `${module.name}.lock`), async () => {
    const plan = planBuild({
      module,
      srcdir: module.source,
      builddir,
      libdir: opts.libdir,
      destdir: stage,
      jobs: opts.jobs ?? os.availableParallelism(),
      srcEntries: await listSource(module.source),
    });

    const configured = await needsConfigure(plan, builddir);
    if (configured) {
      emit(events, { type: 'progress', task, message: `configuring (${plan.system})` });
      // Start clean: meson and CMake caches would otherwise keep options that were removed.
      await rm(builddir, { recursive: true, force: true });
      await mkdir(builddir, { recursive: true });
      await run(plan.bootstrap);
      await run(plan.configure);
      await writeStamp(plan, builddir);
    }
    await mkdir(builddir, { recursive: true });

    emit(events, { type: 'progress', task, message: 'building' });
    await run(plan.build);

    const record = configured ? undefined : await readSyncRecord(builddir);
    const { fingerprint: inputs, stageKey, stamps, plan: installPlan } = plan.incrementalInstall === 'meson' ? await mesonInstallState(builddir) : {};
    if (inputs && record?.installInputs === inputs && (await prefixUnchanged(record, project.prefix, await readManifest(project.prefix, module.name)))) {
      const ms = elapsed();
      emit(events, { type: 'progress', task, message: `nothing to install: 0 file(s) changed in ${ms} ms`, done: true });
      return { module: module.name, system: plan.system, configured, changedFiles: [], removedFiles: [], ms };
    }

    emit(events, { type: 'progress', task, message: 'installing' });
    // A kept stage holds what the same install plan put there; another plan starts afresh.
    const keptStage = stageKey !== undefined && record?.stageKey === stageKey;
    if (!keptStage) await rm(stage, { recursive: true, force: true });
    await mkdir(stage, { recursive: true });
    const changedInPlan = keptStage && stamps && record?.installStamps ? changedInputs(stamps, record.installStamps) : undefined;
    if (changedInPlan && (await quickMesonInstall(builddir, stage, installPlan, changedInPlan))) {
      emit(events, { type: 'progress', task, message: `installed ${changedInPlan.length} changed file(s) into the stage without meson install` });
    } else {
      await run(plan.install);
    }

    emit(events, { type: 'progress', task, message: `updating ${project.prefix}` });
    const synced = await syncIntoPrefix(stage, project.prefix, module.name, record);
    await writeSyncRecord(builddir, { prefix: project.prefix, installInputs: inputs, stageKey, installStamps: stamps, files: synced.stamps });

    const ms = elapsed();
    emit(events, { type: 'progress', task, message: `${synced.changed.length} file(s) changed in ${ms} ms`, done: true });
    return { module: module.name, system: plan.system, configured, changedFiles: synced.changed, removedFiles: synced.removed, ms };
  });
}
