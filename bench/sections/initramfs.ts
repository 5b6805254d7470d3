/** Initramfs generation: cold (no cache file) vs cached, for both images, plus its size. */
import { rm, stat } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { resolveContext } from '../../src/core/context.js';
import { baseInitramfs } from '../../src/initramfs/build.js';
import type { Results } from '../lib/results.js';
import type { Workspace } from '../lib/workspace.js';

const SECTION = 'initramfs';

export async function initramfsSection(ws: Workspace, results: Results, runs: number): Promise<void> {
  for (const image of [ws.fixture, ws.debian]) {
    for (let i = 0; i < runs; i++) {
      const first = await baseInitramfs(resolveContext(ws.env), image.meta);
      await rm(first.path, { force: true });
      let t0 = performance.now();
      const cold = await baseInitramfs(resolveContext(ws.env), image.meta);
      const coldMs = performance.now() - t0;
      t0 = performance.now();
      const warm = await baseInitramfs(resolveContext(ws.env), image.meta);
      const warmMs = performance.now() - t0;
      if (cold.cached || !warm.cached) throw new Error('initramfs cache did not behave as expected');
      results.add(SECTION, `${image.label}: cached`, 'ms', [warmMs], { vs: `${image.label}: cold` });
      results.add(SECTION, `${image.label}: cold`, 'ms', [coldMs]);
      if (i === 0) {
        const bytes = (await stat(warm.path)).size;
        results.note(`initramfs (${image.label}): ${warm.modules.length} modules, ${(bytes / 2 ** 20).toFixed(1)} MiB uncompressed (${warm.modules.join(' ')})`);
      }
    }
  }
}
