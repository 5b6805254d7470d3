/**
 * Session disks: sim's copy-on-write qcow2 over the base vs copying the image, for a 1 GiB and a
 * 20 GiB base (sparse, with a little data), plus copying the real default image.
 */
import { mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { run } from '../../src/core/process.js';
import { createSessionDisk } from '../../src/boot/session.js';
import type { Results } from '../lib/results.js';
import type { Workspace } from '../lib/workspace.js';

const SECTION = 'session disk';

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export async function sessionSection(ws: Workspace, results: Results, runs: number): Promise<void> {
  const dir = path.join(ws.root, 'session-bench');
  await mkdir(dir, { recursive: true });
  const bases: { label: string; file: string }[] = [];
  for (const size of ['1G', '20G']) {
    const file = path.join(dir, `base-${size}.qcow2`);
    await run('qemu-img', ['create', '-q', '-f', 'qcow2', file, size]);
    // A little data (64 MiB at the start and at the end), so the base is not empty.
    await run('qemu-io', ['-f', 'qcow2', '-c', 'write -P 0xab 0 32M', '-c', `write -P 0xcd ${size === '1G' ? '992M' : '20448M'} 32M`, file]);
    bases.push({ label: `${size.replace('G', ' GiB')} base`, file });
  }
  bases.push({ label: `debian image (${Math.round((await stat(ws.debian.disk)).size / 2 ** 20)} MiB qcow2)`, file: ws.debian.disk });

  for (let i = 0; i < runs; i++) {
    for (const base of bases) {
      const overlay = path.join(dir, 'overlay.qcow2');
      const copy = path.join(dir, 'copy.qcow2');
      results.add(SECTION, `qcow2 overlay, ${base.label}`, 'ms', [await timed(() => createSessionDisk(base.file, overlay))], { vs: `cp, ${base.label}` });
      results.add(SECTION, `cp, ${base.label}`, 'ms', [await timed(() => run('cp', [base.file, copy]))]);
      await rm(overlay, { force: true });
      await rm(copy, { force: true });
    }
  }
  // Say what "does not grow with the size" rests on.
  const sizes: string[] = [];
  for (const b of bases.slice(0, 2)) {
    const overlay = path.join(dir, 'overlay.qcow2');
    await createSessionDisk(b.file, overlay);
    const bytes = (await stat(overlay)).size;
    await rm(overlay, { force: true });
    sizes.push(`${b.label}: overlay file ${Math.round(bytes / 1024)} KiB, base file ${Math.round((await stat(b.file)).size / 2 ** 20)} MiB`);
  }
  results.note(`session disk: ${sizes.join('; ')}`);
  await rm(dir, { recursive: true, force: true });
}
