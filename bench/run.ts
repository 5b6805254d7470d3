/**
 * `npm run bench`: sim against what a user would otherwise do, measured side by side in one
 * run, medians over BENCH_RUNS runs (default 3). Prints the tables and writes
 * bench/results/latest.json.
 *
 *   BENCH_RUNS=5            runs per figure
 *   BENCH_ONLY=boot,9p      sections: session, initramfs, launcher, build, reload, boot, quickboot, merge, layouts, rebuild, 9p, fastpath,
 *                           remote (pulls of a 2 GiB image: about a minute per run),
 *                           web (the web console's memory under a streaming screen: BENCH_WEB_MINUTES, default 60),
 *                           and gnome and gtk, only when named: the GNOME session, minutes per boot
 *   BENCH_IMAGE_BUILD=1     also time the whole recipe build (mmdebstrap; needs the network)
 *   BENCH_KEEP=1            keep the temporary workspace
 *
 * Not part of `npm test`: it boots QEMU dozens of times (about seven minutes under TCG here).
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../src/core/process.js';
import { distroInitrd } from './lib/baseline.js';
import { Results } from './lib/results.js';
import { positiveInt } from './lib/stats.js';
import { evaluateTargets, formatTargets } from './lib/targets.js';
import { createWorkspace } from './lib/workspace.js';
import { bootSection } from './sections/boot.js';
import { buildSection } from './sections/build.js';
import { fastPathSection } from './sections/fastpath.js';
import { gnomeSection } from './sections/gnome.js';
import { gtkSection } from './sections/gtk.js';
import { initramfsSection } from './sections/initramfs.js';
import { launcherSection } from './sections/launcher.js';
import { layoutsSection } from './sections/layouts.js';
import { mergeSection } from './sections/merge.js';
import { ninePSection } from './sections/ninep.js';
import { quickBootSection } from './sections/quickboot.js';
import { rebuildSection } from './sections/rebuild.js';
import { reloadSection } from './sections/reload.js';
import { remoteSection } from './sections/remote.js';
import { sessionSection } from './sections/session.js';
import { webSection } from './sections/web.js';

const SECTIONS = ['session', 'initramfs', 'launcher', 'build', 'reload', 'boot', 'quickboot', 'merge', 'layouts', 'rebuild', '9p', 'fastpath', 'remote', 'web', 'gnome', 'gtk'] as const;
/** Run only when BENCH_ONLY names them (minutes per GNOME boot). */
const OPT_IN: readonly string[] = ['gnome', 'gtk'];
type Section = (typeof SECTIONS)[number];

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

async function hostInfo(): Promise<Record<string, unknown>> {
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  const qemu = await run('qemu-system-x86_64', ['--version']).catch(() => ({ stdout: '?' }));
  return {
    cpu: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model,
    cpus: os.cpus().length,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    kernel: os.release(),
    qemu: qemu.stdout.split('\n')[0],
    node: process.version,
    loadavg: os.loadavg(),
  };
}

async function main(): Promise<void> {
  const runs = positiveInt(process.env.BENCH_RUNS, 3);
  const only = process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(',').map((s) => s.trim()) : SECTIONS.filter((s) => !OPT_IN.includes(s));
  for (const s of only) if (!SECTIONS.includes(s as Section)) throw new Error(`unknown section '${s}' in BENCH_ONLY (known: ${SECTIONS.join(', ')})`);
  const want = (s: Section) => only.includes(s);
  const started = Date.now();
  const host = await hostInfo();
  log(`${runs} run(s) per figure; sections: ${only.join(', ')}`);

  const ws = await createWorkspace(log);
  const results = new Results();
  const accels: ('tcg' | 'kvm')[] = ws.verdict.accel === 'kvm' ? ['tcg', 'kvm'] : ['tcg'];
  results.note(`accelerator probe: ${ws.verdict.accel} (${ws.verdict.reason})${accels.includes('kvm') ? '' : ' — no KVM rows'}`);
  const durations: Record<string, number> = {};
  const timed = async (name: Section, what: string, fn: () => Promise<void>) => {
    if (!want(name)) return;
    log(what);
    const t0 = Date.now();
    await fn();
    durations[name] = Math.round((Date.now() - t0) / 1000);
  };
  try {
    await timed('session', 'session disks', () => sessionSection(ws, results, runs));
    await timed('initramfs', 'initramfs generation', () => initramfsSection(ws, results, runs));
    await timed('launcher', 'launcher start-up', () => launcherSection(ws, results, runs));
    await timed('build', 'sim build of GLib: no-op and a one-line edit', () => buildSection(ws, results, runs, log));
    await timed('reload', 'edit -> visible for an app: into a running simulator, and with a boot', () => reloadSection(ws, results, runs, log));
    let initrd: string | undefined;
    if (want('boot') || want('rebuild')) {
      initrd = await distroInitrd(ws, log).catch((error: Error) => {
        results.note(`no baseline: ${error.message}`);
        return undefined;
      });
    }
    await timed('boot', `boots (${accels.join(', ')}): sim, sim --no-init, baseline`, () => bootSection(ws, results, runs, initrd, accels));
    await timed('quickboot', `quick boot against cold boot (${accels.join(', ')})`, () => quickBootSection(ws, results, runs, accels));
    await timed('merge', 'overlay modes: merge vs path, triggers, prefix size', () => mergeSection(ws, results, runs));
    await timed('layouts', 'other images: import per layout, --initrd sim vs image', () => layoutsSection(ws, results, runs, log));
    if (initrd) await timed('rebuild', 'rebuild-the-image alternative', () => rebuildSection(ws, results, runs, initrd, accels.at(-1)!));
    await timed('9p', '9p overlay', () => ninePSection(ws, results, runs));
    await timed('fastpath', 'fast-path variants', () => fastPathSection(ws, results, runs));
    await timed('remote', 'images from a server: an update of one package against a full pull, and a file download against curl', () => remoteSection(ws, results, runs, log));
    await timed('web', 'the web console: sim web\'s memory while chromium shows a streaming screen', () => webSection(ws, results, log));
    await timed('gnome', 'the GNOME session: boot to the shell on screen', () => gnomeSection(ws, results, runs, log));
    await timed('gtk', 'a GTK app in the GNOME session: GTK from the image and from the prefix', () => gtkSection(ws, results, runs, log));
  } finally {
    if (process.env.BENCH_KEEP !== '1') await ws.cleanup();
    else log(`workspace kept in ${ws.root}`);
  }

  const targets = evaluateTargets(results);
  const table = results.render();
  process.stdout.write(`\n${table}\n\n${formatTargets(targets)}\n`);
  if (results.notes.length) process.stdout.write(`\nnotes:\n${results.notes.map((n) => `- ${n}`).join('\n')}\n`);

  const outDir = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
  await mkdir(outDir, { recursive: true });
  const out = path.join(outDir, 'latest.json');
  await writeFile(
    out,
    `${JSON.stringify({ date: new Date().toISOString(), durationS: Math.round((Date.now() - started) / 1000), runs, sections: only, sectionSeconds: durations, host, accel: ws.verdict, rows: results.summary(), targets, notes: results.notes, markdown: results.render(true) }, null, 2)}\n`,
  );
  log(`wrote ${path.relative(process.cwd(), out)} (${Math.round((Date.now() - started) / 1000)} s)`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exitCode = 1;
});
