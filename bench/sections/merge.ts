/**
 * Overlay modes on the default Debian image (issue #11): merge (the default: the prefix layered
 * over /usr, /etc... with overlayfs, then the triggers) against path (linker cache and PATH
 * only), boot to guest-ready side by side; what the triggers cost; and how both grow with the
 * prefix (100 vs 10,000 files, booted in direct mode so the image's init does not drown them).
 */
import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Results } from '../lib/results.js';
import type { Workspace } from '../lib/workspace.js';
import { simBoot } from './boot.js';

const SECTION = 'merge';
const SIZES = [100, 10_000];

/** The bench prefix (sim-hello) plus `files` small files under usr/share, 100 to a directory, and a GSettings schema. */
async function sizedPrefix(ws: Workspace, files: number): Promise<string> {
  const dir = path.join(ws.root, `prefix-${files}`);
  await cp(ws.prefix, dir, { recursive: true, verbatimSymlinks: true });
  for (let i = 0; i < files; i++) {
    const sub = path.join(dir, 'usr/share/sim-bench', `d${Math.floor(i / 100)}`);
    if (i % 100 === 0) await mkdir(sub, { recursive: true });
    await writeFile(path.join(sub, `f${i}`), `${i}\n`);
  }
  const schemas = path.join(dir, 'usr/share/glib-2.0/schemas');
  await mkdir(schemas, { recursive: true });
  await writeFile(path.join(schemas, 'org.sim.Bench.gschema.xml'), '<schemalist><schema id="org.sim.Bench" path="/org/sim/Bench/"><key name="k" type="s"><default>\'v\'</default></key></schema></schemalist>\n');
  return dir;
}

const total = (triggers: Record<string, number>) => Object.values(triggers).reduce((a, b) => a + b, 0);

export async function mergeSection(ws: Workspace, results: Results, runs: number): Promise<void> {
  const image = ws.debian;
  // Through the share's own path, which both modes have.
  const command = ['sh', '-c', 'sim-hello && cat /run/sim/overlay/usr/share/sim-bench/d0/f0'];
  const expect = /hello from the overlay\n0/;
  const prefixes = new Map<number, string>();
  for (const files of SIZES) prefixes.set(files, await sizedPrefix(ws, files));

  for (let i = 0; i < runs; i++) {
    // The image's init (systemd): what a user waits for.
    for (const mode of ['merge', 'path'] as const) {
      const run = await simBoot(ws, { image, accel: 'tcg', overlay: prefixes.get(SIZES[0]!), command, expect, extra: ['--cold', '--overlay-mode', mode] });
      if (run.overlayMode !== mode) throw new Error(`asked for ${mode} mode, the guest used ${run.overlayMode ?? 'none'}`);
      results.add(SECTION, `debian tcg, ${SIZES[0]} files: ${mode} guest-ready`, 'ms', [run.phases['guest-ready'] ?? Number.NaN], mode === 'merge' ? { vs: `debian tcg, ${SIZES[0]} files: path guest-ready` } : {});
      if (mode === 'merge') results.add(SECTION, `debian tcg, ${SIZES[0]} files: triggers (sum, in the guest)`, 'ms', [total(run.triggers)]);
    }
    // Growth with the prefix, in direct mode: the overlay and triggers without systemd's boot.
    for (const files of SIZES) {
      for (const mode of ['merge', 'path'] as const) {
        const run = await simBoot(ws, { image, accel: 'tcg', overlay: prefixes.get(files), command, expect, noInit: true, extra: ['--overlay-mode', mode] });
        const label = `debian tcg --no-init, ${files} files: ${mode}`;
        results.add(SECTION, `${label} overlay-mounted`, 'ms', [run.phases['overlay-mounted'] ?? Number.NaN], mode === 'merge' ? { vs: `debian tcg --no-init, ${files} files: path overlay-mounted` } : {});
        results.add(SECTION, `${label} command exit`, 'ms', [run.exitMs], mode === 'merge' ? { vs: `debian tcg --no-init, ${files} files: path command exit` } : {});
        if (mode === 'merge') {
          results.add(SECTION, `${label} triggers (sum)`, 'ms', [total(run.triggers)]);
          if (i === 0) results.note(`triggers, ${files} files (ms in the guest): ${Object.entries(run.triggers).map(([n, ms]) => `${n} ${ms}`).join(', ')}`);
        }
      }
    }
  }
}
