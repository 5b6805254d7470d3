/**
 * sim as a library: the CLI is a thin layer over these functions. Every long operation takes
 * an `events` callback receiving typed events (validate them with `simEventSchema`) and an
 * optional AbortSignal.
 */
export { boot, prepareBoot, DEFAULT_TIMEOUT_MS, type BootOptions, type BootResult } from './boot.js';
export { build, rebuildAndBoot, type ProjectOptions, type RebuildAndBootOptions, type RebuildAndBootResult } from './rebuild.js';
export { planReload, type RebootPolicy } from './hot-reload.js';
export { startSimulator, execInSimulator, rebootSimulator, stopSimulator, type StartOptions } from './simulators/start.js';
export { listSimulators, findSimulator, simulatorStateSchema, type SimulatorState } from './simulators/registry.js';
export { screenshot, type ScreenshotOptions, type ScreenshotResult } from './display/screenshot.js';
export { importImage, listImages, findImage, resolveImage, removeImage, verifyImage } from './image/store.js';
export { buildImage } from './image/build.js';
export { loadRecipe, recipeSchema, type Recipe } from './image/recipe.js';
export { DEFAULT_IMAGE, resolveOrBuildImage } from './images.js';
export { loadProject, projectFileSchema, type Project, type ModuleSpec } from './project.js';
export { doctor, formatDoctorReport, type DoctorReport, type DoctorCheck } from './doctor.js';
export { probeAccelerator, type AccelVerdict } from './qemu/accel.js';
export { simEventSchema, phaseNames, type SimEvent, type EventSink } from './events.js';
export { SimError, ExitCode, isSimError, type ErrorCode } from './errors.js';
export { imageMetaSchema, type ImageMeta } from './config.js';
export { cacheDir, runtimeDir } from './paths.js';
