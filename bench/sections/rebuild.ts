/**
 * The "rebuild the image" alternative: bake the prefix into a fresh disk image (qemu-img convert
 * of the base to raw, then the prefix's files written into the root filesystem with debugfs, no
 * root or loop devices needed), then boot it the baseline way and run the command. Optionally
 * (BENCH_IMAGE_BUILD=1) also the whole recipe build, `sim image build --force`.
 */
import { lstat, mkdir, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildImage } from '../../src/index.js';
import { run } from '../../src/core/process.js';
import { runBaseline } from '../lib/baseline.js';
import type { Results } from '../lib/results.js';
import type { BenchImage, Workspace } from '../lib/workspace.js';

const SECTION = 'rebuild the image instead';

/** debugfs commands that copy `prefix` into the filesystem root (files replace the image's). Pure apart from reading the tree. */
export async function debugfsScript(prefix: string): Promise<string> {
  const lines: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    for (const entry of (await readdir(path.join(prefix, rel))).sort()) {
      const hostPath = path.join(prefix, rel, entry);
      const guestPath = `/${path.posix.join(rel, entry)}`;
      if (/[\s"]/.test(guestPath)) throw new Error(`unsupported path for debugfs: ${guestPath}`);
      const info = await lstat(hostPath);
      if (info.isDirectory()) {
        lines.push(`mkdir ${guestPath}`);
        await walk(path.posix.join(rel, entry));
      } else if (info.isSymbolicLink()) {
        lines.push(`rm ${guestPath}`, `symlink ${guestPath} ${await readlink(hostPath)}`);
      } else if (info.isFile()) {
        lines.push(`rm ${guestPath}`, `write ${hostPath} ${guestPath}`, `sif ${guestPath} mode 0${info.mode.toString(8)}`);
      }
    }
  };
  await walk('');
  return `${lines.join('\n')}\n`;
}

async function bake(image: BenchImage, prefix: string, out: string): Promise<void> {
  await run('qemu-img', ['convert', '-f', 'qcow2', '-O', 'raw', image.disk, out]);
  const script = `${out}.debugfs`;
  await writeFile(script, await debugfsScript(prefix));
  // Errors for "mkdir of an existing directory" / "rm of a missing file" are expected and harmless.
  await run('debugfs', ['-w', '-f', script, `${out}?offset=${image.meta.root.offset}`], { allowFailure: true });
}

export async function rebuildSection(ws: Workspace, results: Results, runs: number, initrd: string, accel: 'tcg' | 'kvm'): Promise<void> {
  const dir = path.join(ws.root, 'rebuild');
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < runs; i++) {
    for (const image of [ws.fixture, ws.debian]) {
      const p = `${image.label} ${accel}`;
      const raw = path.join(dir, `${image.label}.raw`);
      const t0 = performance.now();
      await bake(image, ws.prefix, raw);
      const bakeMs = performance.now() - t0;
      const command = image.label === 'fixture' ? 'demo-app' : 'sim-hello';
      const b = await runBaseline({ image, initrd, accel, command, disk: { file: raw, format: 'raw' } });
      const expected = image.label === 'fixture' ? /libdemo version 2/ : /hello from the overlay/;
      if (b.timedOut || b.marks.command === undefined || !expected.test(b.output)) {
        results.note(`rebuilt ${p} run ${i + 1} did not show the overlay's program (QEMU exit ${b.exitCode}${b.timedOut ? ', timed out' : ''}, seen: ${Object.keys(b.marks).join(' ') || 'nothing'}): ${b.output.slice(-300).replace(/\s+/g, ' ')}`);
      } else {
        results.add(SECTION, `${p}: bake prefix into a new disk`, 'ms', [bakeMs]);
        results.add(SECTION, `${p}: boot rebuilt disk to command exit`, 'ms', [b.exitMs]);
        results.add(SECTION, `${p}: rebuild + boot, total`, 'ms', [bakeMs + b.exitMs]);
      }
      await rm(raw, { force: true });
      await rm(`${raw}.debugfs`, { force: true });
    }
  }
  for (const image of [ws.fixture, ws.debian]) {
    const p = `${image.label} ${accel}`;
    // The same figure as in the boot table (measured in the same run), repeated here to compare.
    const sim = results.samples('boot', `${p}: sim command exit`);
    if (sim.length) results.add(SECTION, `${p}: sim boot --overlay to command exit`, 'ms', sim, { vs: `${p}: rebuild + boot, total` });
  }
  if (process.env.BENCH_IMAGE_BUILD === '1') {
    const env = { ...ws.env, SIM_CACHE_DIR: path.join(ws.root, 'cache-imagebuild') };
    const t0 = performance.now();
    try {
      await buildImage({ recipe: 'debian', name: 'debian', env, force: true });
      results.add(SECTION, 'debian: sim image build from the recipe (mmdebstrap)', 'ms', [performance.now() - t0]);
    } catch (error) {
      results.note(`image build from the recipe failed: ${(error as Error).message}`);
    }
    await rm(env.SIM_CACHE_DIR, { recursive: true, force: true });
  }
  await rm(dir, { recursive: true, force: true });
}
