/**
 * Quick boot (issue #14): a cold boot (the image's init from the start, --cold) against a quick
 * boot (the saved, booted guest resumed and the prefix attached), to guest-ready and to a
 * command's exit, for the fixture and the default Debian image, interleaved in each run; and what
 * a snapshot costs: its disk use and the resumed QEMU's memory beside the cold one's.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { resolveContext } from '../../src/core/context.js';
import type { Results } from '../lib/results.js';
import type { Workspace } from '../lib/workspace.js';
import { commandFor, simBoot } from './boot.js';

const SECTION = 'quick boot';

async function snapshotBytes(ws: Workspace): Promise<Map<string, number>> {
  const dir = resolveContext(ws.env).dirs.snapshots;
  const sizes = new Map<string, number>();
  for (const key of await readdir(dir).catch(() => [] as string[])) {
    let total = 0;
    for (const file of await readdir(path.join(dir, key)).catch(() => [] as string[])) {
      const info = await stat(path.join(dir, key, file)).catch(() => undefined);
      if (info?.isFile()) total += info.blocks * 512;
    }
    if (total) sizes.set(key, total);
  }
  return sizes;
}

export async function quickBootSection(ws: Workspace, results: Results, runs: number, accels: ('tcg' | 'kvm')[]): Promise<void> {
  for (const accel of accels) {
    for (const image of [ws.fixture, ws.debian]) {
      const p = `${image.label} ${accel}`;
      const { command, expect } = commandFor(image);
      const base = { image, accel, overlay: ws.prefix, command, expect };
      // The first boot saves the snapshot (its cost, once: a cold boot plus the save).
      const before = await snapshotBytes(ws);
      const first = await simBoot(ws, base);
      if (first.phases['snapshot-saved'] === undefined) results.note(`${p}: a snapshot was already saved before the bench's first boot`);
      else results.add(SECTION, `${p}: first boot, saving the snapshot (command exit)`, 'ms', [first.exitMs]);
      const added = [...(await snapshotBytes(ws))].filter(([key]) => !before.has(key)).map(([, bytes]) => bytes);
      if (added.length) results.add(SECTION, `${p}: snapshot disk use`, 'KiB', [added[0]! / 1024]);
      for (let i = 0; i < runs; i++) {
        const cold = await simBoot(ws, { ...base, extra: ['--cold'] });
        const quick = await simBoot(ws, base);
        if (quick.phases['snapshot-resumed'] === undefined) throw new Error(`${p}: the quick boot did not resume the snapshot`);
        results.add(SECTION, `${p}: cold guest-ready`, 'ms', [cold.phases['guest-ready'] ?? Number.NaN]);
        results.add(SECTION, `${p}: quick guest-ready`, 'ms', [quick.phases['guest-ready'] ?? Number.NaN], { vs: `${p}: cold guest-ready` });
        results.add(SECTION, `${p}: cold command exit`, 'ms', [cold.exitMs]);
        results.add(SECTION, `${p}: quick command exit`, 'ms', [quick.exitMs], { vs: `${p}: cold command exit` });
        if (cold.qemuPeakKiB) results.add(SECTION, `${p}: QEMU peak RSS, cold`, 'KiB', [cold.qemuPeakKiB]);
        if (quick.qemuPeakKiB) results.add(SECTION, `${p}: QEMU peak RSS, quick`, 'KiB', [quick.qemuPeakKiB], { vs: `${p}: QEMU peak RSS, cold` });
      }
    }
  }
}
