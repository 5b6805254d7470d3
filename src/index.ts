/**
 * sim as a library: the CLI is a thin layer over these functions. Every long operation takes
 * an `events` callback receiving typed events (validate them with `simEventSchema`) and an
 * optional AbortSignal.
 */
export { boot, prepareBoot, DEFAULT_TIMEOUT_MS, type BootOptions, type BootResult } from './boot/boot.js';
export { OVERLAY_MODES, DEFAULT_OVERLAY_MODE, type OverlayMode } from './boot/overlay-mode.js';
export { build, rebuildAndBoot, type ProjectOptions, type RebuildAndBootOptions, type RebuildAndBootResult } from './loop/rebuild.js';
export { planReload, type RebootPolicy } from './loop/hot-reload.js';
export { startSimulator, execInSimulator, rebootSimulator, stopSimulator, type StartOptions } from './simulators/start.js';
export { listSimulators, findSimulator, simulatorStateSchema, type SimulatorState } from './simulators/registry.js';
export { screenshot, type ScreenshotOptions, type ScreenshotResult } from './display/screenshot.js';
export { importImage, listImages, findImage, resolveImage, removeImage, verifyImage } from './images/store.js';
export { buildImage } from './images/build.js';
export { loadRecipe, recipeSchema, type Recipe } from './images/recipe.js';
export { DEFAULT_IMAGE, resolveOrBuildImage } from './images/default.js';
export { loadProject, projectFileSchema, type Project, type ModuleSpec } from './config/project.js';
export { doctor, formatDoctorReport, type DoctorReport, type DoctorCheck } from './doctor/doctor.js';
export { probeAccelerator, type AccelVerdict } from './qemu/accel.js';
export { simEventSchema, phaseNames, type SimEvent, type EventSink } from './core/events.js';
export { SimError, ExitCode, isSimError, type ErrorCode } from './core/errors.js';
export { imageMetaSchema, type ImageMeta } from './images/meta.js';
export { cacheDir, runtimeDir } from './core/paths.js';
