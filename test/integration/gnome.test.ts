/**
 * A real GNOME session, headless: the gnome recipe (GDM logs 'sim' in automatically, gnome-shell
 * is the Wayland compositor, drawn by Mesa's llvmpipe) is built once into the cache (keyed by the
 * recipe: a later run, or another test asking for it, is a cache hit), booted detached with a
 * virtual screen, and `sim screenshot` is polled until the shell is on it — told apart from a
 * blank or text-mode screen by its colours, not pixel by pixel. GNOME starts in the overview;
 * `sim input --key super` leaves it and enters it again, and a click on "Activities" leaves it
 * (the overview is told from the desktop by its grey margin left of the workspace).
 *
 * Slow under TCG (minutes from guest-ready to the shell here), so the wait has a deadline
 * of its own and a failure shows the console's and the journal's tail.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ImageMeta } from '../../src/images/meta.js';
import { missingRequirements } from '../../src/demo/demo.js';
import { changedFraction } from '../../src/display/png.js';
import { buildImage, findImage } from '../../src/index.js';
import { loadRecipe } from '../../src/images/recipe.js';
import { overviewShown, Screen, SHELL_COLOURS } from '../helpers/gnome-session.js';
import { sim } from '../helpers/sim.js';

const IMAGE = 'gnome';
const SIMULATOR = `gnome-test-${process.pid}`;
/** From guest-ready to the shell on screen: two to three minutes here under TCG; generous for a loaded CI host. */
const SHELL_DEADLINE_MS = 8 * 60_000;

let skip: string | undefined;
let image: ImageMeta;
let shots: string;
let runtime: string;

/** The default cache (shared with sim's own use and other tests), a private runtime dir, no desktop. */
const env = () => ({ SIM_RUNTIME_DIR: runtime, DISPLAY: '', WAYLAND_DISPLAY: '' });

async function skipReason(): Promise<string | undefined> {
  const { key } = await loadRecipe(IMAGE);
  const stored = (await findImage(key)) ?? undefined;
  const missing = (await missingRequirements(['boot', ...(stored ? [] : ['image' as const])])).map((r) => r.what);
  const reason = missing.length ? `missing: ${missing.join(', ')}` : undefined;
  if (reason && process.env.CI === 'true') throw new Error(`the GNOME session tests cannot run in CI: ${reason}`);
  return reason;
}

function it(name: string, fn: () => Promise<void>): void {
  test(name, async () => {
    if (!skip) await fn();
  });
}

/** What the guest was doing: the console's tail and the journal's (GDM, the user's shell). */
async function diagnostics(): Promise<string> {
  const consoleLog = await readFile(path.join(runtime, 'sims', SIMULATOR, 'console.log'), 'utf8').catch(() => '(no console log)');
  const journal = await sim(['exec', SIMULATOR, '--', 'sh', '-c', 'journalctl -b --no-pager -n 60 -o cat; loginctl list-sessions --no-pager'], env(), { timeout: 60_000 });
  return `console (tail):\n${consoleLog.split('\n').slice(-40).join('\n')}\njournal (tail):\n${String(journal.stdout).slice(-6000)}${String(journal.stderr).slice(-1000)}`;
}

test('setup: the GNOME image (built once, keyed by its recipe)', async () => {
  skip = await skipReason();
  if (skip) {
    console.warn(`skipping the GNOME session tests: ${skip}`);
    return;
  }
  shots = await mkdtemp(path.join(os.tmpdir(), 'sim-gnome-shots-'));
  runtime = await mkdtemp(path.join(os.tmpdir(), 'sim-gnome-run-'));
  const started = performance.now();
  const { key } = await loadRecipe(IMAGE);
  const cached = await findImage(key);
  image = await buildImage({ recipe: IMAGE, name: IMAGE });
  if (!cached) console.log(`  built the GNOME image in ${((performance.now() - started) / 1000).toFixed(0)} s (${(image.disk.bytes / 2 ** 20).toFixed(0)} MiB qcow2)`);
});

it('boots to the GNOME shell on screen; Super and a click on Activities toggle the overview', async () => {
  const started = performance.now();
  const start = await sim(['boot', '--detach', '--image', image.id, '--name', SIMULATOR, '--display', 'none', '--memory', '2G', '--timeout', '600', '--json'], env());
  assert.is(start.exitCode, 0, String(start.stdout).slice(-3000) + String(start.stderr));
  const readyS = (performance.now() - started) / 1000;
  try {
    // The shell on screen: the top bar and the wallpaper, then no more drawing.
    const screen = new Screen(SIMULATOR, env(), shots);
    const shell = await screen.waitForShell(SHELL_DEADLINE_MS);
    if (!shell.on) assert.unreachable(`no GNOME shell on screen ${SHELL_DEADLINE_MS / 60_000} min after guest-ready (${shell.colours} colours, ${SHELL_COLOURS} wanted)\n${await diagnostics()}`);
    const shellS = (performance.now() - started) / 1000;
    const overview = await screen.settled();
    console.log(`  guest ready after ${readyS.toFixed(0)} s, the shell on screen after ${shellS.toFixed(0)} s, settled after ${((performance.now() - started) / 1000).toFixed(0)} s`);

    // The session is the user's, in gnome-shell, on Wayland, started by GDM.
    const who = await sim(['exec', SIMULATOR, '--', 'sh', '-c', 'loginctl show-session $(loginctl list-sessions --no-legend | awk \'$3 == "sim" { print $1; exit }\') -p Type -p Service -p Name; pgrep -u sim -x gnome-shell >/dev/null && echo shell=running'], env(), { timeout: 60_000 });
    assert.is(who.exitCode, 0, String(who.stderr));
    assert.match(String(who.stdout), /^Type=wayland$/m, String(who.stdout));
    assert.match(String(who.stdout), /^Service=gdm-autologin$/m, String(who.stdout));
    assert.match(String(who.stdout), /^shell=running$/m);

    // GNOME starts in the overview. Super leaves it for the desktop, and enters it again.
    assert.ok(overviewShown(overview), `the session starts in the overview\n${await diagnostics()}`);
    const key = await sim(['input', SIMULATOR, '--key', 'super'], env());
    assert.is(key.exitCode, 0, String(key.stderr));
    const desktop = await screen.settled();
    assert.not.ok(overviewShown(desktop), `Super left the overview (${(changedFraction(overview, desktop) * 100).toFixed(1)}% of the screen changed)\n${await diagnostics()}`);
    assert.is((await sim(['input', SIMULATOR, '--key', 'super'], env())).exitCode, 0);
    const back = await screen.settled();
    assert.ok(overviewShown(back), 'Super again: the overview again');

    // The pointer: a click on "Activities" (the top bar's left end) leaves the overview.
    const click = await sim(['input', SIMULATOR, '--click', '40,12'], env());
    assert.is(click.exitCode, 0, String(click.stderr));
    const clicked = await screen.settled();
    assert.not.ok(overviewShown(clicked), `a click on Activities left the overview\n${await diagnostics()}`);
  } finally {
    const stop = await sim(['stop', SIMULATOR, '--timeout', '20'], env());
    assert.is(stop.exitCode, 0, String(stop.stderr));
  }
});

test.after(async () => {
  if (shots && !process.env.SIM_KEEP_SHOTS) await rm(shots, { recursive: true, force: true });
  if (runtime) await rm(runtime, { recursive: true, force: true });
});

test.run();
