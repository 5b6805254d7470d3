/**
 * Quick boot's steps around a prepared boot (src/boot/boot.ts): the boot that saves a snapshot
 * and the resume that follows it, what a resume adds to the launch, and the way back to a cold
 * boot when a quick one cannot go on. Used by the foreground boot and by detached simulators.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { SimContext } from '../core/context.js';
import { isSimError, SimError } from '../core/errors.js';
import { emit, type EventSink } from '../core/events.js';
import type { PreparedBoot } from '../boot/boot.js';
import { createSessionDisk } from '../boot/session.js';
import { writeSessionInitrd } from '../initramfs/build.js';
import { launch, type LaunchOptions } from '../qemu/launch.js';
import { loadState, saveState } from './migration.js';
import { SNAPSHOT_FORMAT } from './plan.js';
import { attachFor, chooseQuickBoot, quickPlans, snapshotFiles, snapshotLabel, type QuickBoot } from './quick-boot.js';
import { commitSnapshot, dropSnapshot, markUnsaveable } from './store.js';

/** The human line for the kind of boot. */
export function quickBootLine(quick: QuickBoot): string {
  if (quick.kind === 'resume') return `quick boot: resuming the snapshot ${quick.key} (saved ${quick.snapshot.meta.created})`;
  if (quick.kind === 'save') return `quick boot: ${quick.reason}; this boot saves one once the guest is up`;
  return `cold boot: ${quick.reason}`;
}

/**
 * Run the boot that saves a snapshot: the guest boots with no prefix attached and is saved
 * once its agent is up; QEMU then ends. Returns the resume that follows, in the same session.
 */
export async function saveThenResume(ctx: SimContext, prepared: PreparedBoot, options: { events?: EventSink; timeoutMs: number; signal?: AbortSignal }): Promise<PreparedBoot> {
  const { plan, elapsed, quick, snapshotTemp } = prepared;
  if (quick.kind !== 'save' || !snapshotTemp) return prepared;
  const files = snapshotFiles(snapshotTemp);
  let state: { size: number; sha256: string } | undefined;
  try {
    await launch(plan, {
      events: options.events,
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      elapsed,
      // The disk is the snapshot's: only the initrd goes.
      deleteOnceRunning: [plan.files.initrd],
      save: async () => {
        state = await saveState(plan.files.qmp, path.join(plan.files.dir, 'mig.sock'), files.state);
      },
    });
  } catch (error) {
    await rm(snapshotTemp, { recursive: true, force: true });
    // QEMU refused to save this machine: its boots go cold from now on, without trying again.
    if (isSimError(error) && error.code === 'QUICK_BOOT_FAILED' && /cannot be saved/.test(error.message)) await markUnsaveable(ctx, quick.key, error.message);
    throw error;
  }
  if (!state) throw new SimError('QUICK_BOOT_FAILED', 'The guest stopped before it could be saved.', 'sim boots cold instead.');
  const { image } = prepared;
  const bootMs = elapsed();
  await commitSnapshot(ctx, snapshotTemp, {
    format: SNAPSHOT_FORMAT,
    key: quick.key,
    image: { id: image.id, name: image.names[0] ?? image.id },
    label: snapshotLabel(plan),
    machine: quick.machine,
    created: new Date().toISOString(),
    memoryMiB: plan.memoryMiB,
    state,
    bootMs,
  });
  emit(options.events, { type: 'phase', phase: 'snapshot-saved', ms: bootMs, detail: { key: quick.key, stateBytes: state.size } });
  const { inputs, archives, sessionDir } = prepared.resumeInputs;
  const resume = await chooseQuickBoot(ctx, inputs);
  if (resume.kind !== 'resume') throw new SimError('QUICK_BOOT_FAILED', 'The snapshot just saved cannot be read back.', 'sim boots cold instead.');
  const planned = await quickPlans(ctx, resume, inputs, sessionDir);
  await writeSessionInitrd(archives, planned.initrdGuest, planned.plan.files.initrd);
  await createSessionDisk(planned.plan.baseDisk, planned.plan.files.disk);
  return { ...prepared, plan: planned.plan, quick: resume, snapshotTemp: undefined };
}

/** The launch options a resume adds: the state to load and the settings to hand over. */
export function resumeOptions(prepared: PreparedBoot, timeoutMs: number): LaunchOptions['resume'] {
  const { plan, quick } = prepared;
  if (quick.kind !== 'resume') return undefined;
  return {
    load: () => loadState(plan.files.qmp, path.join(plan.files.dir, 'mig.sock'), snapshotFiles(quick.snapshot.dir).state),
    attach: () => attachFor(plan),
    // Attaching takes seconds at most; a guest silent for longer is a damaged snapshot.
    readyWithinMs: Math.min(timeoutMs, RESUME_READY_MS),
  };
}

/** How long a resumed guest may take to attach its prefix and say ready. */
const RESUME_READY_MS = 60_000;

/** A quick boot that could not go on: the boot goes cold; a snapshot that failed to resume is removed. */
export async function quickBootFallback(ctx: SimContext, prepared: PreparedBoot, error: unknown, events?: EventSink): Promise<string | undefined> {
  if (!isSimError(error) || !['QUICK_BOOT_FAILED', 'QUICK_BOOT_DECLINED'].includes(error.code) || prepared.quick.kind === 'cold') return undefined;
  if (error.code === 'QUICK_BOOT_FAILED' && prepared.quick.kind === 'resume') await dropSnapshot(ctx, prepared.quick.key);
  const reason = error.message.replace(/\.$/, '');
  emit(events, { type: 'log', level: 'warn', message: `quick boot: ${reason}; booting cold` });
  return reason;
}

