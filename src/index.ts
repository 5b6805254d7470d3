/**
 * sim as a library: the CLI is a thin layer over these functions. Every long operation takes
 * an `events` callback receiving typed events (validate them with `simEventSchema`) and an
 * optional AbortSignal.
 *
 * Each entry point takes `env` (default: process.env) — or an already resolved `context` — and
 * resolves sim's context from it once; everything below receives that context.
 */
import * as bootImpl from './boot/boot.js';
import { contextFrom, resolveContext, type ContextOptions } from './core/context.js';
import type { EventSink } from './core/events.js';
import * as doctorImpl from './doctor/doctor.js';
import * as screenshotImpl from './display/screenshot.js';
import * as inputImpl from './display/send-input.js';
import type { InputRequest } from './display/input.js';
import * as buildImpl from './images/build.js';
import * as defaultImpl from './images/default.js';
import type { ImageMeta } from './images/meta.js';
import * as storeImpl from './images/store.js';
import * as importImpl from './images/import.js';
import * as rebuildImpl from './loop/rebuild.js';
import * as accelImpl from './qemu/accel.js';
import * as registryImpl from './simulators/registry.js';
import * as startImpl from './simulators/start.js';
import * as controlImpl from './simulators/control.js';

export { type BootResult } from './boot/boot.js';
export { DEFAULT_TIMEOUT_MS } from './boot/timeout.js';
export { OVERLAY_MODES, DEFAULT_OVERLAY_MODE, type OverlayMode } from './boot/overlay-mode.js';
export { INITRD_CHOICES, DEFAULT_INITRD, type InitrdChoice } from './boot/initrd-choice.js';
export { type RebuildAndBootResult } from './loop/rebuild.js';
export { planReload, type RebootPolicy } from './loop/hot-reload.js';
export { simulatorStateSchema, type SimulatorState } from './simulators/state-schema.js';
export { type ScreenshotResult } from './display/screenshot.js';
export { type InputResult } from './display/send-input.js';
export { inputSteps, parseChord, type InputRequest, type InputStep, type MouseButton } from './display/input.js';
export { loadRecipe, recipeSchema, type Recipe } from './images/recipe.js';
export { DEFAULT_IMAGE } from './images/default.js';
export { loadProject, projectFileSchema, type Project, type ModuleSpec } from './config/project.js';
export { formatDoctorReport, type DoctorReport, type DoctorCheck } from './doctor/doctor.js';
export { type AccelVerdict } from './qemu/accel.js';
export { phaseNames, type SimEvent, type EventSink } from './core/events.js';
export { simEventSchema } from './core/event-schema.js';
export { SimError, ExitCode, isSimError, type ErrorCode } from './core/errors.js';
export { imageMetaSchema, type ImageMeta } from './images/meta.js';
export { cacheDir, runtimeDir, resolveContext, type SimContext, type SimDirs, type ContextOptions } from './core/context.js';

// --- boot ------------------------------------------------------------------------------------

export type BootOptions = bootImpl.BootOptions & ContextOptions;

export function boot(options: BootOptions): Promise<bootImpl.BootResult> {
  return bootImpl.boot(contextFrom(options), options);
}

export function prepareBoot(options: BootOptions & { detached?: boolean }, makeSessionDir: () => Promise<string>): Promise<bootImpl.PreparedBoot> {
  return bootImpl.prepareBoot(contextFrom(options), options, makeSessionDir);
}

// --- the developer loop ----------------------------------------------------------------------

export type ProjectOptions = rebuildImpl.ProjectOptions & ContextOptions;
export type RebuildAndBootOptions = rebuildImpl.RebuildAndBootOptions & ContextOptions;

export function build(modules: string[], options: ProjectOptions = {}): ReturnType<typeof rebuildImpl.build> {
  return rebuildImpl.build(contextFrom(options), modules, options);
}

export function rebuildAndBoot(options: RebuildAndBootOptions): Promise<rebuildImpl.RebuildAndBootResult> {
  return rebuildImpl.rebuildAndBoot(contextFrom(options), options);
}

/** `rebuild-and-boot --watch`: runs until `signal` aborts; the simulator stays, the command in it is ended. */
export async function watchAndReload(options: RebuildAndBootOptions & { signal: AbortSignal }): Promise<number> {
  const { watchAndReload: watch } = await import('./loop/watch.js');
  return watch(contextFrom(options), options);
}

// --- simulators ------------------------------------------------------------------------------

export type StartOptions = startImpl.StartOptions & ContextOptions;

export function startSimulator(options: StartOptions): Promise<registryImpl.SimulatorState> {
  return startImpl.startSimulator(contextFrom(options), options);
}

export function execInSimulator(name: string | undefined, argv: string[], options: ContextOptions & { events?: EventSink; signal?: AbortSignal } = {}): Promise<number> {
  return controlImpl.execInSimulator(contextFrom(options), name, argv, options);
}

/** Reboot in place; with `resume`, a simulator started from a quick-boot snapshot resumes it in a new QEMU instead (`onResumed` says it did; `onCold` why a guest that could not take the prefix over booted cold in place). */
export function rebootSimulator(name: string | undefined, options: ContextOptions & { resume?: boolean; onResumed?: () => void; onCold?: (why: string) => void } = {}): Promise<number> {
  return controlImpl.rebootSimulator(contextFrom(options), name, options);
}

export function stopSimulator(name: string | undefined, options: ContextOptions & { timeoutMs?: number } = {}): Promise<registryImpl.SimulatorState> {
  return controlImpl.stopSimulator(contextFrom(options), name, options);
}

export function listSimulators(env: NodeJS.ProcessEnv = process.env): Promise<registryImpl.SimulatorState[]> {
  return registryImpl.listSimulators(resolveContext(env));
}

export function findSimulator(name: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<registryImpl.SimulatorState> {
  return registryImpl.findSimulator(resolveContext(env), name);
}

export type ScreenshotOptions = screenshotImpl.ScreenshotOptions & ContextOptions;

export function screenshot(name: string | undefined, options: ScreenshotOptions = {}): Promise<screenshotImpl.ScreenshotResult> {
  return screenshotImpl.screenshot(contextFrom(options), name, options);
}

/** Press keys, type text or click on a running simulator's screen (click first, then keys, then text). */
export function sendInput(name: string | undefined, input: InputRequest, options: ContextOptions = {}): Promise<inputImpl.InputResult> {
  return inputImpl.sendInput(contextFrom(options), name, input);
}

// --- the verbs IDEs call (loaded when used) ---------------------------------------------------

export type { SimulatorChange, WatchUpdate } from './simulators/watch.js';
export type { JournalEntry } from './simulators/journal.js';
export type { LogsOptions } from './simulators/logs.js';
export type { TransferResult } from './simulators/transfer.js';
export type { AppResult } from './simulators/apps.js';
export type { RecordOptions, RecordResult } from './display/record.js';

/** The running simulators, then an update each time one appears, becomes ready or stops; ends when `signal` aborts. */
export async function* watchSimulators(options: ContextOptions & { signal?: AbortSignal } = {}): AsyncGenerator<import('./simulators/watch.js').WatchUpdate> {
  yield* (await import('./simulators/watch.js')).watchSimulators(contextFrom(options), options);
}

/** The guest's log entries (its journal, else the kernel's log); with `follow`, new ones until `signal` aborts or it stops. */
export async function* simulatorLogs(name: string | undefined, options: import('./simulators/logs.js').LogsOptions & ContextOptions = {}): AsyncGenerator<import('./simulators/journal.js').JournalEntry> {
  yield* (await import('./simulators/logs.js')).simulatorLogs(contextFrom(options), name, options);
}

export async function pushToSimulator(name: string | undefined, source: string, destination: string, options: ContextOptions = {}): Promise<import('./simulators/transfer.js').TransferResult> {
  return (await import('./simulators/transfer.js')).pushToSimulator(contextFrom(options), name, source, destination);
}

export async function pullFromSimulator(name: string | undefined, source: string, destination: string, options: ContextOptions = {}): Promise<import('./simulators/transfer.js').TransferResult> {
  return (await import('./simulators/transfer.js')).pullFromSimulator(contextFrom(options), name, source, destination);
}

export async function launchApp(name: string | undefined, app: string, options: ContextOptions = {}): Promise<import('./simulators/apps.js').AppResult> {
  return (await import('./simulators/apps.js')).launchApp(contextFrom(options), name, app);
}

export async function terminateApp(name: string | undefined, app: string, options: ContextOptions = {}): Promise<import('./simulators/apps.js').AppResult> {
  return (await import('./simulators/apps.js')).terminateApp(contextFrom(options), name, app);
}

export async function openInSimulator(name: string | undefined, uri: string, options: ContextOptions = {}): Promise<void> {
  return (await import('./simulators/apps.js')).openInSimulator(contextFrom(options), name, uri);
}

export async function recordScreen(name: string | undefined, options: import('./display/record.js').RecordOptions & ContextOptions): Promise<import('./display/record.js').RecordResult> {
  return (await import('./display/record.js')).recordScreen(contextFrom(options), name, options);
}

// --- the image store -------------------------------------------------------------------------

export function importImage(file: string, options: importImpl.ImportOptions & ContextOptions = {}): Promise<ImageMeta> {
  return importImpl.importImage(contextFrom(options), file, options);
}

export function listImages(env: NodeJS.ProcessEnv = process.env): Promise<ImageMeta[]> {
  return storeImpl.listImages(resolveContext(env));
}

export function findImage(ref: string, env: NodeJS.ProcessEnv = process.env): Promise<ImageMeta | undefined> {
  return storeImpl.findImage(resolveContext(env), ref);
}

export function resolveImage(ref: string, env: NodeJS.ProcessEnv = process.env): Promise<ImageMeta> {
  return storeImpl.resolveImage(resolveContext(env), ref);
}

export function removeImage(ref: string, env: NodeJS.ProcessEnv = process.env): Promise<ImageMeta> {
  return storeImpl.removeImage(resolveContext(env), ref);
}

export function verifyImage(meta: ImageMeta, options: ContextOptions & { full?: boolean } = {}): Promise<void> {
  return storeImpl.verifyImage(contextFrom(options), meta, options);
}

// --- images from servers (loaded on first use: the HTTP client and the chunk decoder) -------

export type { PullOptions, PullResult, UpdateOptions } from './remote/pull.js';
export type { PublishOptions, PublishResult } from './remote/publish.js';

/** `sim image pull URL`: a published directory (ending in /) or an image file, verified, then stored. */
export async function pullImage(url: string, options: import('./remote/pull.js').PullOptions & ContextOptions = {}): Promise<import('./remote/pull.js').PullResult> {
  return (await import('./remote/pull.js')).pullImage(contextFrom(options), url, options);
}

/** `sim image update NAME`: only what the newest version changed. */
export async function updateImage(ref: string, options: import('./remote/pull.js').UpdateOptions & ContextOptions = {}): Promise<import('./remote/pull.js').PullResult> {
  return (await import('./remote/pull.js')).updateImage(contextFrom(options), ref, options);
}

/** `sim image publish FILE DIR`: the static files pull and update read. */
export async function publishImage(file: string, dir: string, options: import('./remote/publish.js').PublishOptions = {}): Promise<import('./remote/publish.js').PublishResult> {
  return (await import('./remote/publish.js')).publishImage(file, dir, options);
}

/**
 * `sim web`: the web console on 127.0.0.1 until `close()`; `url` carries the access token
 * (docs/web-console.md is the protocol).
 */
export async function startWebConsole(options: import('./web/server.js').WebServerOptions & ContextOptions = {}): Promise<import('./web/server.js').WebServer> {
  return (await import('./web/server.js')).startWebServer(contextFrom(options), options);
}

export function buildImage(options: buildImpl.BuildOptions & ContextOptions): Promise<ImageMeta> {
  return buildImpl.buildImage(contextFrom(options), options);
}

export function resolveOrBuildImage(ref: string, options: ContextOptions & { events?: EventSink; signal?: AbortSignal } = {}): Promise<ImageMeta> {
  return defaultImpl.resolveOrBuildImage(contextFrom(options), ref, options);
}

// --- the host --------------------------------------------------------------------------------

export function doctor(options: ContextOptions & { events?: EventSink } = {}): Promise<doctorImpl.DoctorReport> {
  return doctorImpl.doctor(contextFrom(options), options);
}

export function probeAccelerator(options: ContextOptions & { kernel?: string; qemu?: string; events?: EventSink } = {}): Promise<accelImpl.AccelVerdict> {
  return accelImpl.probeAccelerator(contextFrom(options), options);
}
