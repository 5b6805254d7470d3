/**
 * The web console under a streaming screen: a detached simulator on the fixture image whose guest
 * writes to its screen without pause, `sim web` relaying it, and Debian's chromium showing it
 * (noVNC) for BENCH_WEB_MINUTES (default 60). The server's resident memory is sampled every
 * 15 s: after the warm-up (the first 2 minutes) against the end of the run, side by side in one
 * run, and the largest step in between. Flat means the relay holds no frames: it pauses the VNC
 * socket when the browser falls behind (src/web/relay.ts). Opens one simulator and one page.
 */
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { chromiumSkipReason, launchChromium } from '../../test/helpers/browser.js';
import { startWebConsole } from '../../test/helpers/web-console.js';
import { simOk } from '../lib/proc.js';
import type { Results } from '../lib/results.js';
import { positiveInt } from '../lib/stats.js';
import type { Workspace } from '../lib/workspace.js';

export const WEB = 'web console (a streaming screen in chromium)';
export const RSS_WARM = 'sim web RSS after the warm-up (2 min)';
export const RSS_END = 'sim web RSS at the end';
const SIM = 'bench-web';
const SAMPLE_MS = 15_000;
const WARM_UP_MS = 120_000;

async function rssKiB(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => undefined);
  const m = status && /^VmRSS:\s+(\d+) kB/m.exec(status);
  return m ? Number(m[1]) : undefined;
}

/** A cheap fingerprint of the screen: a sample of the canvas's pixels. */
function screenSample(page: Page): Promise<string> {
  return page.evaluate(() => {
    const canvas = document.querySelector<HTMLCanvasElement>('#screen canvas');
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx || canvas.width < 100) return '';
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    let hash = 0;
    for (let i = 0; i < data.length; i += 4 * 31) hash = (hash * 31 + data[i]! + data[i + 1]! * 7 + data[i + 2]! * 13) | 0;
    return String(hash);
  });
}

export async function webSection(ws: Workspace, results: Results, log: (line: string) => void): Promise<void> {
  const skip = await chromiumSkipReason();
  if (skip) return results.note(`web console: not measured (${skip})`);
  const minutes = positiveInt(process.env.BENCH_WEB_MINUTES, 60);
  const env = { ...ws.env, DISPLAY: '', WAYLAND_DISPLAY: '' } as Record<string, string>;
  await simOk(['boot', '--detach', '--image', ws.fixture.ref, '--overlay', ws.prefix, '--name', SIM], env);
  const web = await startWebConsole(env);
  const browser = await launchChromium();
  try {
    // The guest draws all the time: a loop writing the interrupt counters to its screen.
    await simOk(['exec', SIM, '--', 'sh', '-c', '(while :; do cat /proc/interrupts /proc/meminfo; done > /dev/tty1 2>&1 < /dev/null &)'], env);
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    await page.goto(web.page(SIM));
    const started = Date.now();
    const samples: { ms: number; kib: number }[] = [];
    let changes = 0;
    let checks = 0;
    let last = '';
    log(`web: streaming for ${minutes} min`);
    while (Date.now() - started < minutes * 60_000) {
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
      const kib = await rssKiB(web.pid);
      if (kib === undefined) throw new Error('sim web exited during the benchmark');
      samples.push({ ms: Date.now() - started, kib });
      const now = await screenSample(page);
      checks++;
      if (now && now !== last) changes++;
      last = now;
      if (samples.length % 20 === 0) log(`web: ${Math.round((Date.now() - started) / 60_000)} min, RSS ${Math.round(kib / 1024)} MiB`);
    }
    const warm = samples.filter((s) => s.ms >= WARM_UP_MS);
    const atWarm = warm[0] ?? samples[0]!;
    const atEnd = samples.at(-1)!;
    const peak = Math.max(...warm.map((s) => s.kib));
    results.add(WEB, RSS_WARM, 'KiB', [atWarm.kib]);
    results.add(WEB, `${RSS_END} (${minutes} min)`, 'KiB', [atEnd.kib], { vs: RSS_WARM });
    results.add(WEB, 'sim web RSS: highest after the warm-up', 'KiB', [peak], { vs: RSS_WARM });
    results.add(WEB, `screen samples that had changed (of ${checks}, every ${SAMPLE_MS / 1000} s)`, 'count', [changes]);
    results.note(`web console: sim web's RSS ${Math.round(atWarm.kib / 1024)} MiB after the warm-up, ${Math.round(atEnd.kib / 1024)} MiB after ${minutes} min (highest ${Math.round(peak / 1024)} MiB); the screen changed in ${changes} of ${checks} samples`);
  } finally {
    await browser.close();
    await web.stop();
    await simOk(['stop', SIM, '--timeout', '5'], env).catch(() => undefined);
  }
}
