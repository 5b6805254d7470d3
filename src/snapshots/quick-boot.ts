/**
 * Quick boot's decisions with their effects: whether this boot resumes a snapshot, saves one
 * first, or boots cold (and why), and the plans for each. The boot (src/boot/boot.ts) and the
 * simulator daemon call these; the pure parts are in ./plan.ts, the files in ./store.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { SimContext } from '../core/context.js';
import { emit, type EventSink } from '../core/events.js';
import { which } from '../core/process.js';
import type { ImageMeta } from '../images/meta.js';
import { renderGuestConfig } from '../initramfs/guest-config.js';
import { planBoot, type Accel, type BootPlan, type BootRequest } from '../boot/plan.js';
import { qemuArgs } from '../qemu/args.js';
import { attachLine, coldPrefixPaths, prefixColdReason, quickBootRefusal, resumePlan, savePlan, snapshotFiles, snapshotKey, snapshotLabel, snapshotRequest } from './plan.js';
import { mappedKeys, prefixElfFiles } from './mapped-files.js';
import { dropSnapshot, newSnapshotDir, placeholderShare, readSnapshot, unsaveableReason, type StoredSnapshot } from './store.js';

export type QuickBoot =
  | { kind: 'cold'; reason: string }
  | { kind: 'resume'; key: string; snapshot: StoredSnapshot }
  | { kind: 'save'; key: string; reason: string; machine: string };

export interface QuickBootInputs {
  request: BootRequest;
  image: ImageMeta;
  imageDir: string;
  accel: Accel;
  /** The base initramfs archive's key. */
  initramfsKey: string;
  qemuBinary?: string;
  cold?: boolean;
  events?: EventSink;
}

/** What in the prefix makes it boot cold (see coldPrefixPaths), found with a few stats. */
async function prefixReason(prefix: string, libdir: string): Promise<string | undefined> {
  const candidates = coldPrefixPaths(libdir);
  const present = [];
  for (const candidate of candidates) {
    if (await stat(path.join(prefix, candidate.path)).then(() => true, () => false)) present.push(candidate);
  }
  const etc = await readdir(path.join(prefix, 'etc')).catch(() => [] as string[]);
  const systemd = etc.includes('systemd') ? (await readdir(path.join(prefix, 'etc', 'systemd')).catch(() => [] as string[])).map((n) => `systemd/${n}`) : [];
  return prefixColdReason(present, [...etc.filter((n) => n !== 'systemd'), ...systemd]);
}

/** QEMU's identity for the key: its binary's path, size and mtime (cheaper than running it). */
async function qemuIdentity(binary: string): Promise<string> {
  const resolved = binary.includes('/') ? binary : ((await which(binary)) ?? binary);
  const info = await stat(resolved).catch(() => undefined);
  return `${resolved}:${info?.size ?? 0}:${info?.mtimeMs ?? 0}`;
}

const PLACEHOLDER = { session: '/SESSION', prefix: '/PREFIX' };

/** Decide the kind of boot; a damaged snapshot is removed (with a warning) and saved again. */
export async function chooseQuickBoot(ctx: SimContext, inputs: QuickBootInputs): Promise<QuickBoot> {
  const { request, image, imageDir, accel } = inputs;
  const refusal = quickBootRefusal(request, { cold: inputs.cold });
  if (refusal) return { kind: 'cold', reason: refusal };
  if (request.overlay) {
    const reason = await prefixReason(request.overlay, image.libdir);
    if (reason) return { kind: 'cold', reason };
  }
  // The machine this boot needs and the one its snapshot has must be the same, paths aside.
  const common = { image, imageDir, accel, sessionDir: PLACEHOLDER.session, qemuBinary: inputs.qemuBinary };
  const saving = planBoot({ ...common, request: snapshotRequest(request, PLACEHOLDER.prefix) });
  const resuming = planBoot({ ...common, request: { ...request, overlay: PLACEHOLDER.prefix } });
  const argv = qemuArgs(saving);
  const differs = qemuArgs(resuming).find((arg, i) => arg !== argv[i]);
  if (differs !== undefined) return { kind: 'cold', reason: `this boot's machine differs from a saved one's (${differs})` };

  const key = snapshotKey({
    image: image.id,
    initramfs: inputs.initramfsKey,
    argv,
    guestConfig: renderGuestConfig(savePlan(saving, '/SNAPSHOT').guest),
    qemu: await qemuIdentity(saving.qemuBinary),
    hostCpu: accel === 'kvm' ? (os.cpus()[0]?.model ?? '') : '',
  });
  const unsaveable = await unsaveableReason(ctx, key);
  if (unsaveable) return { kind: 'cold', reason: `this machine configuration cannot be saved (${unsaveable})` };
  const { snapshot, damaged } = await readSnapshot(ctx, key);
  if (snapshot) return { kind: 'resume', key, snapshot };
  if (damaged) {
    emit(inputs.events, { type: 'log', level: 'warn', message: `quick boot: the snapshot ${key} is damaged (${damaged}); it is removed and saved again` });
    await dropSnapshot(ctx, key);
  }
  // Snapshots of the same machine under other keys (another QEMU, initramfs or guest config) are stale.
  const machine = createHash('sha256').update(JSON.stringify(argv)).digest('hex').slice(0, 16);
  return { kind: 'save', key, machine, reason: damaged ? 'the snapshot was damaged' : 'no snapshot of this image and machine yet' };
}

export interface QuickPlans {
  /** The plan QEMU runs now (a save, or a resume). */
  plan: BootPlan;
  /**
   * The guest config the session's initrd carries: the saving boot's; for a resume (whose guest
   * never reads it) the cold boot's, which a reboot in place then boots.
   */
  initrdGuest: BootPlan['guest'];
  /** Where the snapshot being saved is written (kind save). */
  tempDir?: string;
}

/** The plans of a save or a resume in `sessionDir`. */
export async function quickPlans(ctx: SimContext, choice: Exclude<QuickBoot, { kind: 'cold' }>, inputs: QuickBootInputs, sessionDir: string): Promise<QuickPlans> {
  const { request, image, imageDir, accel } = inputs;
  const common = { image, imageDir, accel, sessionDir, qemuBinary: inputs.qemuBinary };
  const placeholder = await placeholderShare(ctx);
  if (choice.kind === 'save') {
    const tempDir = await newSnapshotDir(ctx, choice.key);
    const plan = savePlan(planBoot({ ...common, request: snapshotRequest(request, placeholder) }), tempDir);
    return { plan, initrdGuest: plan.guest, tempDir };
  }
  const resuming = planBoot({ ...common, request: { ...request, overlay: request.overlay ?? placeholder } });
  // The guest attaches the real prefix only: without --overlay it mounts nothing.
  const guest = { ...resuming.guest, overlayTag: request.overlay ? resuming.guest.overlayTag : undefined };
  return { plan: { ...resumePlan(resuming, choice.snapshot.dir), guest }, initrdGuest: resuming.guest };
}

/** The `attach` line for a resumed guest: this boot's settings, the host's clock, 64 random bytes and what the prefix replaces. */
export async function attachFor(plan: BootPlan): Promise<string> {
  const mode = plan.guest.extra?.SIM_OVERLAY_MODE === 'path' ? 'path' : 'merge';
  const keys = plan.guest.overlayTag && plan.overlay ? mappedKeys(await prefixElfFiles(plan.overlay.path), plan.guest.libdirs, mode) : [];
  return attachLine(plan.guest, { nowMs: Date.now(), seed: randomBytes(64), restartConsole: plan.interactive, mappedKeys: keys });
}

export { snapshotFiles, snapshotLabel };
