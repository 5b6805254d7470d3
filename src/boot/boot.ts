/**
 * One boot, top to bottom: resolve the image, check the overlay, pick the accelerator, make the
 * initrd and the session disk, plan, launch, clean up.
 */
import { DEFAULT_TIMEOUT_MS } from './timeout.js';
import { rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { reimportAdvice, type ImageMeta } from '../images/meta.js';
import { recipesDir } from '../core/paths.js';
import { resolveDisplay } from '../display/probe.js';
import type { SimContext } from '../core/context.js';
import { isSimError, SimError } from '../core/errors.js';
import { emit, stopwatch, type EventSink } from '../core/events.js';
import { writeSessionInitrd } from '../initramfs/build.js';
import { bootArchives } from '../initramfs/image-hook.js';
import type { InitrdChoice } from './initrd-choice.js';
import { chooseInitrd } from './image-initrd.js';
import { imageDir, imageFile, resolveImage, verifyImage } from '../images/store.js';
import { bootContributions, checkBootValues, planBoot, settlesPrefix, type BootPlan, type BootRequest } from './plan.js';
import { prefixHotDirs } from './hot-dirs.js';
import { recordServing } from './serving.js';
import { combine, lostModuleWarnings } from './contribution.js';
import type { OverlayMode } from './overlay-mode.js';
import type { OverlayCache } from '../config/option-values.js';
import { probeAccelerator } from '../qemu/accel.js';
import { accelDetails, accelLine } from '../qemu/accel-summary.js';
import { findQboot } from '../qemu/firmware.js';
import { launch } from '../qemu/launch.js';
import { icountFromEnv, icountRefusal } from '../qemu/icount.js';
import { chooseQuickBoot, quickPlans, type QuickBoot, type QuickBootInputs } from '../snapshots/quick-boot.js';
import { quickBootFallback, quickBootLine, resumeOptions, saveThenResume } from '../snapshots/boot-steps.js';
import { snapshotRequest } from '../snapshots/plan.js';
import { createSessionDir, createSessionDisk, sweepStaleSessions } from './session.js';

export interface BootOptions {
  /** Image name or id. */
  image: string;
  overlay?: string;
  command?: string[];
  /** Run the command right after switch_root instead of booting the image's init. */
  noInit?: boolean;
  init?: string;
  memoryMiB?: number;
  cpus?: number;
  kernelArgs?: string[];
  interactive?: boolean;
  timeoutMs?: number;
  /** Boot the compressed kernel even when the uncompressed one was extracted. */
  compressedKernel?: boolean;
  /** gtk, sdl, vnc, spice or none (see src/display/options.ts for the defaults). */
  display?: string;
  /** WIDTHxHEIGHT of the virtual screen (default 1280x800). */
  resolution?: string;
  /** VNC on a loopback TCP port ("127.0.0.1:5901") instead of a private unix socket. */
  vncListen?: string;
  /** How the overlay wins: merge (default: layered over /usr, /etc...) or path (linker cache and PATH only). */
  overlayMode?: OverlayMode;
  /**
   * How the guest caches the prefix: loose (default: its pages and lookups are kept, and sim
   * drops them after each of its syncs) or none (every read goes to the host: for a prefix
   * something other than sim writes while the guest runs).
   */
  overlayCache?: OverlayCache;
  /** Which initrd boots: sim's own or the image's own with sim's hook appended (src/boot/image-initrd.ts); absent: the image's default (chooseInitrd). */
  initrd?: InitrdChoice;
  /** Boot the image's init from the start instead of resuming a saved, booted guest (quick boot, src/snapshots/). */
  cold?: boolean;
  /** Why `cold` was set when sim set it (a quick boot that could not go on), for the messages. */
  coldReason?: string;
  events?: EventSink;
  signal?: AbortSignal;
  /** Hook for image provisioning (e.g. build the default image when missing). */
  resolve?: (ref: string, events?: EventSink) => Promise<ImageMeta>;
}

export interface BootResult {
  exitCode: number;
  accel: string;
  image: string;
  readyMs?: number;
  totalMs: number;
  /** quick: resumed from a snapshot; cold: booted from the start (`coldReason` says why). Absent: no guest was booted (a running simulator was reloaded). */
  boot?: 'quick' | 'cold';
  coldReason?: string;
}

async function checkOverlay(overlay: string): Promise<string> {
  const absolute = path.resolve(overlay);
  let failure: NodeJS.ErrnoException | undefined;
  const info = await stat(absolute).catch((error: NodeJS.ErrnoException) => void (failure = error));
  if (failure?.code === 'ELOOP') throw new SimError('OVERLAY_NOT_DIRECTORY', `The overlay prefix ${absolute} is a symbolic link that loops.`, 'Point --overlay at the real directory your build installs into.');
  if (!info) throw new SimError('OVERLAY_NOT_FOUND', `The overlay prefix ${absolute} does not exist.`, 'Build or install your component into it first (e.g. meson install --destdir), or fix the path.');
  if (!info.isDirectory()) throw new SimError('OVERLAY_NOT_DIRECTORY', `The overlay prefix ${absolute} is not a directory.`, 'Pass the directory your build installs into (a DESTDIR-style prefix with usr/ inside).');
  return absolute;
}

/**
 * Bit rot keeps a base disk's size and mtime, so the cheap check before a boot passes; when
 * QEMU or qemu-img then fails, the full check says whether the stored image is to blame.
 */
async function blameRot(ctx: SimContext, image: ImageMeta, error: unknown): Promise<never> {
  if (isSimError(error) && ['TOOL_FAILED', 'QEMU_FAILED', 'GUEST_CRASHED'].includes(error.code)) await verifyImage(ctx, image, { full: true });
  throw error;
}

/** QEMU cannot set up more guest memory than the host can give it. */
function checkHostMemory(memoryMiB: number | undefined): void {
  const hostMiB = Math.floor(os.totalmem() / 1024 ** 2);
  if (memoryMiB !== undefined && memoryMiB > hostMiB) {
    throw new SimError('USAGE', `The guest memory (${memoryMiB} MiB) is more than this host has (${hostMiB} MiB).`, `Give --memory ${Math.min(2048, Math.floor(hostMiB / 2))} or another value below ${hostMiB}.`);
  }
}

export interface PreparedBoot {
  plan: BootPlan;
  image: ImageMeta;
  elapsed: () => number;
  /** How this boot runs: resumes a snapshot, saves one first, or boots cold (src/snapshots/). */
  quick: QuickBoot;
  /** Where a snapshot being saved is written (quick.kind save). */
  snapshotTemp?: string;
  /** What a resume after the save needs. */
  resumeInputs: { inputs: QuickBootInputs; archives: string[]; sessionDir: string };
}

/**
 * Everything up to starting QEMU: image (checked), accelerator, initramfs, plan, initrd and
 * copy-on-write disk in `sessionDir` (made by `makeSessionDir` once the cheap checks passed).
 */
export async function prepareBoot(ctx: SimContext, options: BootOptions & { detached?: boolean }, makeSessionDir: () => Promise<string>): Promise<PreparedBoot> {
  const events = options.events;
  const elapsed = stopwatch();
  checkBootValues(options);
  checkHostMemory(options.memoryMiB);
  // Before any work (an image build, a probe): the plan checks it again against the accelerator.
  const icount = icountFromEnv(ctx.env);
  const icountRefused = icount === undefined ? undefined : icountRefusal(ctx.env.SIM_ACCEL === 'kvm' ? 'kvm' : 'tcg', options.cpus ?? 1);
  if (icountRefused) throw icountRefused;
  const overlay = options.overlay ? await checkOverlay(options.overlay) : undefined;
  const interactive = options.interactive ?? !options.command?.length;
  const display = await resolveDisplay(
    { display: options.display, resolution: options.resolution, vncListen: options.vncListen },
    options.detached ? 'detached' : interactive ? 'interactive' : 'command',
    { env: ctx.env },
  );

  const image = options.resolve ? await options.resolve(options.image, events) : await resolveImage(ctx, options.image);
  await verifyImage(ctx, image);
  emit(events, { type: 'phase', phase: 'image-ready', ms: elapsed(), detail: { image: image.names[0] ?? image.id, id: image.id, kernel: image.kernel.version } });

  const accel = await probeAccelerator(ctx, { kernel: imageFile(ctx, image, image.kernel.file), events });
  emit(events, { type: 'log', level: 'info', message: accelLine(accel) });
  emit(events, { type: 'log', level: 'debug', message: accelDetails(accel) });

  const request: BootRequest = {
    overlay,
    overlayMode: options.overlayMode,
    overlayCache: options.overlayCache,
    // Decided once, here: the image may have a default of its own (usr-only images boot with theirs).
    initrd: chooseInitrd(options.initrd, image),
    command: options.command?.length ? options.command : undefined,
    mode: options.noInit ? 'direct' : 'init',
    init: options.init,
    memoryMiB: options.memoryMiB ?? 1024,
    // Instruction-counted time runs one CPU (src/qemu/icount.ts).
    cpus: options.cpus ?? (icount === undefined ? 2 : 1),
    kernelArgs: options.kernelArgs ?? [],
    interactive,
    fastKernel: !options.compressedKernel,
    detached: options.detached,
    display,
    // The plan uses it unless a contribution needs another firmware.
    bios: await findQboot(),
    ...(icount === undefined ? {} : { icount }),
  };
  if (settlesPrefix(request)) request.hotDirs = await prefixHotDirs(request.overlay!);

  // The contributions' modules go into the cached base archive; their sockets wait for the session directory.
  // (Combining also refuses, before any work, an --initrd image the image cannot give.)
  // A quick boot's snapshot always has the share (and merge mode's modules): one initramfs for both kinds of boot.
  const { initramfsModules: own } = combine(bootContributions(request, '/', image));
  const { initramfsModules: snapshot } = combine(bootContributions(snapshotRequest(request, '/'), '/', image));
  const initramfsModules = [...own, ...snapshot.filter((m) => !own.some((o) => o.name === m.name))];
  const { archives, built: initramfs } = await bootArchives(ctx, image, request.initrd, { modules: initramfsModules });
  for (const message of lostModuleWarnings(initramfs.unavailable, initramfsModules, reimportAdvice(image, recipesDir))) emit(events, { type: 'log', level: 'warn', message });
  emit(events, { type: 'phase', phase: 'initramfs-ready', ms: elapsed(), detail: { cached: initramfs.cached, key: initramfs.key, modules: initramfs.modules, initrd: request.initrd } });

  // Plan once with a placeholder to catch usage errors before anything is created.
  planBoot({ request, image, imageDir: imageDir(ctx, image), accel: accel.accel, sessionDir: '/' });
  const inputs: QuickBootInputs = { request, image, imageDir: imageDir(ctx, image), accel: accel.accel, initramfsKey: initramfs.key, cold: options.cold, events };
  const chosen = await chooseQuickBoot(ctx, inputs);
  const quick: QuickBoot = chosen.kind === 'cold' && options.coldReason ? { ...chosen, reason: options.coldReason } : chosen;
  emit(events, { type: 'log', level: 'info', message: quickBootLine(quick) });
  const sessionDir = await makeSessionDir();
  let plan: BootPlan;
  let snapshotTemp: string | undefined;
  if (quick.kind === 'cold') {
    plan = planBoot({ request, image, imageDir: imageDir(ctx, image), accel: accel.accel, sessionDir });
    await writeSessionInitrd(archives, plan.guest, plan.files.initrd);
    await createSessionDisk(plan.baseDisk, plan.files.disk).catch((error: unknown) => blameRot(ctx, image, error));
  } else {
    const planned = await quickPlans(ctx, quick, inputs, sessionDir);
    plan = planned.plan;
    snapshotTemp = planned.tempDir;
    await writeSessionInitrd(archives, planned.initrdGuest, plan.files.initrd);
    await createSessionDisk(plan.baseDisk, plan.files.disk).catch((error: unknown) => blameRot(ctx, image, error));
  }
  // What the contributions say about themselves: a field each in the event, a line each for a person.
  emit(events, { type: 'phase', phase: 'session-ready', ms: elapsed(), detail: { dir: sessionDir, ...plan.contributed.details } });
  for (const message of plan.contributed.lines) emit(events, { type: 'log', level: 'info', message });
  return { plan, image, elapsed, quick, snapshotTemp, resumeInputs: { inputs, archives, sessionDir } };
}

/** Boot in the foreground: run the command (or the console) until the guest powers off. */
export async function boot(ctx: SimContext, options: BootOptions): Promise<BootResult> {
  let sessionDir: string | undefined;
  let prepared: PreparedBoot | undefined;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  try {
    prepared = await prepareBoot(ctx, options, async () => {
      await sweepStaleSessions(ctx);
      sessionDir = await createSessionDir(ctx);
      return sessionDir;
    });
    prepared = await saveThenResume(ctx, prepared, { events: options.events, timeoutMs, signal: options.signal });
    const { plan, image, elapsed, quick } = prepared;
    // sim build tells a console boot what it replaced; of a boot that runs a command it can only say so (serving.ts).
    if (options.overlay && sessionDir && (plan.guest.serve || plan.guest.cacheMode === 'loose')) await recordServing(sessionDir, options.overlay, { told: Boolean(plan.guest.serve), accel: plan.accel, image: image.names[0] ?? image.id });
    const result = await launch(plan, {
      events: options.events,
      timeoutMs,
      signal: options.signal,
      elapsed,
      deleteOnceRunning: [plan.files.disk, plan.files.initrd],
      resume: resumeOptions(prepared, timeoutMs),
    }).catch((error: unknown) => blameRot(ctx, image, error));
    const coldReason = quick.kind === 'cold' ? quick.reason : undefined;
    return { exitCode: result.exitCode, accel: result.accel, image: image.names[0] ?? image.id, readyMs: result.readyMs, totalMs: elapsed(), boot: coldReason ? 'cold' : 'quick', ...(coldReason ? { coldReason } : {}) };
  } catch (error) {
    const reason = prepared && (await quickBootFallback(ctx, prepared, error, options.events));
    if (!reason) throw error;
    if (sessionDir) await rm(sessionDir, { recursive: true, force: true });
    sessionDir = undefined;
    return boot(ctx, { ...options, cold: true, coldReason: reason });
  } finally {
    if (sessionDir) await rm(sessionDir, { recursive: true, force: true });
  }
}
