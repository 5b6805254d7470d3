/**
 * The web console, end to end: `sim web` as a user starts it, real detached simulators on the
 * fixture image, and Debian's chromium (headless, through playwright-core) on the page. The
 * server's gate (loopback, token, Origin, its own files only), then in the browser: the list,
 * the screen (noVNC on the simulator's VNC socket) that changes when the guest draws, the serial
 * console (xterm.js) that answers, events, screenshot, two simulators and three tabs, a tab that
 * outlives its simulator's stop and start, starting a project's simulator from the page,
 * rebuilding it, and stopping it. Pictures of the page land in the test output directory.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { WebSocket } from 'ws';
import { readPngHeader } from '../../src/display/png.js';
import { chromiumSkipReason, firefoxSkipReason, launchChromium, launchFirefox, testOutputDir } from '../helpers/browser.js';
import { fixtureImageEnv, fixtureProject } from '../helpers/fixture-project.js';
import { sim, type SimEnv } from '../helpers/sim.js';
import { startWebConsole, type WebConsole } from '../helpers/web-console.js';
import { until } from '../helpers/wait.js';

let skip: string | undefined;
let env: SimEnv;
let web: WebConsole;
let browser: Browser;
let context: BrowserContext;
let shots: string;

/** No desktop, whatever the machine running the tests has: the simulators get a virtual screen. */
const headless = () => ({ ...env, DISPLAY: '', WAYLAND_DISPLAY: '' });

async function startSimulator(name: string): Promise<void> {
  const start = await sim(['boot', '--detach', '--image', 'demo', '--name', name], headless());
  assert.is(start.exitCode, 0, String(start.stderr).slice(-2000));
}

async function running(): Promise<string[]> {
  const ls = await sim(['ls', '--json'], headless());
  return String(ls.stdout).split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((e) => e.type === 'simulator').map((e) => e.name);
}

/** The screen's pixels, hashed (noVNC draws into a 2D canvas the page can read). */
async function screenHash(page: Page): Promise<string | undefined> {
  const data = await page.evaluate(() => {
    const canvas = document.querySelector<HTMLCanvasElement>('#screen canvas');
    if (!canvas || canvas.width < 100) return undefined;
    return canvas.toDataURL('image/png');
  });
  return data && createHash('sha256').update(data).digest('hex');
}

/** How many colours the screen shows in a sample of its pixels: 1 is a blank screen. */
async function screenColours(page: Page): Promise<number> {
  return page.evaluate(() => {
    const canvas = document.querySelector<HTMLCanvasElement>('#screen canvas');
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx || !canvas.width || !canvas.height) return 0;
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    const seen = new Set<number>();
    for (let i = 0; i < data.length; i += 4 * 97) seen.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!);
    return seen.size;
  });
}

async function consoleText(page: Page): Promise<string> {
  return page.locator('#console .xterm-rows').innerText().catch(() => '');
}

async function shoot(page: Page, name: string): Promise<void> {
  const file = path.join(shots, `${name}.png`);
  await page.screenshot({ path: file });
  console.log(`  page: ${file}`);
}

test.before(async () => {
  skip = await chromiumSkipReason();
  if (skip) return console.warn(`skipping the web console tests: ${skip}`);
  env = await fixtureImageEnv();
  shots = await testOutputDir('web-console');
  await startSimulator('one');
  web = await startWebConsole(headless());
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
});

test.after(async () => {
  await context?.close();
  await browser?.close();
  await web?.stop();
  if (env) for (const name of await running()) await sim(['stop', name, '--timeout', '5'], headless());
});

test('the server: loopback only, the token on every request and socket, same origin, its own files only', async () => {
  if (skip) return;
  const base = `http://127.0.0.1:${web.port}`;
  const token = `token=${web.token}`;
  const status = async (url: string, init?: RequestInit) => (await fetch(url, init)).status;
  assert.is(await status(`${base}/`), 403, 'the page without the token');
  assert.is(await status(`${base}/?token=wrong`), 403, 'a wrong token');
  assert.is(await status(`${base}/assets/app.js`), 403, 'an asset without the token');
  assert.is(await status(`${base}/api/simulators`), 403);
  assert.is(await status(`${base}/?${token}`), 200);
  assert.is(await status(`${base}/assets/app.js?${token}`), 200);
  assert.match(await (await fetch(`${base}/?${token}`)).text(), `assets/app.js?${token}`, 'the page asks for its assets with the token');
  // Nothing but its own assets, however the path is spelt.
  for (const probe of ['/assets/../package.json', '/assets/..%2f..%2fpackage.json', '/assets/%2e%2e/package.json', '/package.json', '/dist/web/app.js', '/assets/.hidden']) {
    const got = await status(`${base}${probe}${probe.includes('?') ? '&' : '?'}${token}`);
    assert.is(got, 404, `${probe} answered ${got}`);
  }
  // Another site's page (DNS rebinding: its own Host name), or a request from another origin.
  // (fetch does not let a caller set Host: a plain request does.)
  const withHost = await new Promise<number>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: web.port, path: `/?${token}`, headers: { Host: 'evil.example' } }, (res) => (res.resume(), resolve(res.statusCode ?? 0))).on('error', reject);
  });
  assert.is(withHost, 403, 'a Host that is not loopback');
  assert.is(await status(`${base}/api/sim/one/stop?${token}`, { method: 'POST', headers: { Origin: 'http://evil.example' } }), 403);
  assert.is(await status(`${base}/api/sim/one/stop?${token}`, { method: 'POST' }), 403, 'a POST without Origin');
  assert.is(await status(`${base}/api/sim/nobody/stop?${token}`, { method: 'POST', headers: { Origin: base } }), 404);
  const usage = await (await fetch(`${base}/api/sim/one/type?${token}`, { method: 'POST', headers: { Origin: base }, body: '{}' })).text();
  const events = usage.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(events.map((e) => e.type), ['error', 'result'], usage);
  assert.is(events[0].code, 'USAGE');
  assert.is(events[1].exitCode, 64);

  // WebSockets: the token and this origin, or no connection.
  const opens = (url: string, origin?: string) =>
    new Promise<boolean>((resolve) => {
      const ws = new WebSocket(url, origin ? { origin } : {});
      ws.on('open', () => (ws.close(), resolve(true)));
      ws.on('error', () => resolve(false));
    });
  const wsBase = `ws://127.0.0.1:${web.port}`;
  assert.not.ok(await opens(`${wsBase}/ws/sim/one/console`, base), 'a socket without the token');
  assert.not.ok(await opens(`${wsBase}/ws/sim/one/console?${token}`, 'http://evil.example'), 'a socket from another origin');
  assert.not.ok(await opens(`${wsBase}/ws/sim/one/console?${token}`), 'a socket without Origin');
  assert.ok(await opens(`${wsBase}/ws/sim/one/console?${token}`, base));

  // Loopback only: not on any other address of this machine.
  const other = Object.values(os.networkInterfaces()).flat().find((i) => i && !i.internal && i.family === 'IPv4');
  if (other) {
    const reached = await new Promise<boolean>((resolve) => {
      const socket = net.createConnection(web.port, other.address);
      socket.on('connect', () => (socket.destroy(), resolve(true)));
      socket.on('error', () => resolve(false));
    });
    assert.not.ok(reached, `the server answers on ${other.address}`);
  }
  // The library function: the same server, in this process.
  const { startWebConsole: libraryWebConsole } = await import('../../src/index.js');
  const own = await libraryWebConsole({ env: { ...process.env, ...headless() } });
  try {
    assert.match(own.url, /^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{43}$/);
    const listed = (await (await fetch(new URL(`api/simulators?token=${own.token}`, own.url))).json()) as { simulators: { name: string; screen: unknown }[] };
    assert.equal(listed.simulators.map((s) => [s.name, s.screen]), [['one', { width: 1280, height: 800 }]]);
  } finally {
    await own.close();
  }

  // The VNC server is a unix socket in the simulator's private directory, never a port.
  const [state] = String((await sim(['ls', '--json'], headless())).stdout).split('\n').filter(Boolean).map((l) => JSON.parse(l));
  assert.match(state.display.vnc.socket, /\/sims\/one\/vnc\.sock$/);
});

test('in chromium: the page loads with the token and not without; it lists the simulator', async () => {
  if (skip) return;
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  const denied = await page.goto(web.url.replace(/\?token=.*/, ''));
  assert.is(denied?.status(), 403);
  await page.goto(web.url);
  await page.getByRole('navigation').getByText('one', { exact: true }).first().waitFor({ timeout: 20_000 });
  await shoot(page, 'list');
  assert.equal(errors, [], 'no errors on the page');
  await page.close();
});

test('the screen shows the guest and changes when the guest draws; the console answers; events and a screenshot', async () => {
  if (skip) return;
  const page = await context.newPage();
  await page.goto(web.page('one'));
  // The console's text on tty1 is drawn: more than one colour.
  await until('the screen', async () => (await screenColours(page)) > 1);
  const before = await screenHash(page);
  const draw = await sim(['exec', 'one', '--', 'sh', '-c', 'for i in 1 2 3 4 5 6 7 8; do echo "sim web draws line $i ##########################"; done > /dev/tty1'], headless());
  assert.is(draw.exitCode, 0, String(draw.stderr));
  await until('the screen to change', async () => (await screenHash(page)) !== before);
  await shoot(page, 'screen');

  // The serial console: typed into, the guest answers.
  await page.locator('#console').click();
  await page.keyboard.type('echo "answer: $((6 * 7))"\n');
  await until('the console to answer', async () => /answer: 42/.test(await consoleText(page)));

  // The boot's phases are in the events.
  await page.locator('#tab-events').click();
  await until('the events to show the guest ready', async () => /guest-ready/.test(await page.locator('#events').innerText()));
  await shoot(page, 'events');
  await page.locator('#tab-console').click();

  // Keys and paste go to the guest's keyboard through the server (what the guest does with them
  // is `sim input`'s business, tested with the GNOME session): each answered with success.
  // (The page reads the answer as a stream: its success shows in the page's status line.)
  const answered = async (action: string, trigger: () => Promise<void>) => {
    const [response] = await Promise.all([page.waitForResponse((r) => r.url().includes(`/api/sim/one/${action}?`)), trigger()]);
    assert.is(response.status(), 200);
    await until(`the page to say the ${action} succeeded`, async () => (action === 'keys' ? /Send Ctrl\+Alt\+F2 to one: done/ : /Type the text on one: done/).test(await page.locator('#status-message').innerText()), 20_000);
    assert.is(await page.locator('#banners').innerText(), '', 'no error shown');
  };
  await answered('keys', async () => {
    await page.locator('#btn-keys').click();
    await page.locator('#keys-menu').getByText('Ctrl+Alt+F2').click();
  });
  await answered('type', async () => {
    await page.locator('#btn-paste').click();
    await page.locator('#paste-text').fill('echo pasted');
    await page.locator('#paste-submit').click();
  });

  // A screenshot, downloaded as PNG.
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#btn-screenshot').click()]);
  assert.match(download.suggestedFilename(), /^one-\d{8}-\d{6}\.png$/);
  const png = await readFile((await download.path()));
  assert.equal(readPngHeader(png), { ...readPngHeader(png), width: 1280, height: 800 });
  await shoot(page, 'console');
  await page.close();
});

test('in Firefox too: the page, the screen and a console that answers', async () => {
  if (skip) return;
  const firefoxSkip = await firefoxSkipReason();
  if (firefoxSkip) return console.warn(`  skipped in Firefox: ${firefoxSkip}`);
  const firefox = await launchFirefox();
  try {
    const page = await firefox.newPage();
    await page.setViewport({ width: 1366, height: 768 });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(web.page('one'));
    const drawn = () => {
      const canvas = document.querySelector<HTMLCanvasElement>('#screen canvas');
      const ctx = canvas?.getContext('2d');
      if (!canvas || !ctx || canvas.width < 100) return false;
      const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
      for (let i = 4; i < data.length; i += 4 * 97) if (data[i] !== data[0] || data[i + 1] !== data[1] || data[i + 2] !== data[2]) return true;
      return false;
    };
    await page.waitForFunction(drawn, { timeout: 60_000 });
    await page.click('#console');
    await page.keyboard.type('echo "firefox: $((6 * 7))"\n');
    await page.waitForFunction(() => /firefox: 42/.test(document.querySelector<HTMLElement>('#console .xterm-rows')?.innerText ?? ''), { timeout: 30_000 });
    const file = path.join(shots, 'firefox.png');
    await page.screenshot({ path: file });
    console.log(`  page: ${file}`);
    assert.equal(errors, [], 'no errors on the page');
  } finally {
    await firefox.close();
  }
});

test('two simulators shown at once, two tabs on one; a tab outlives its simulator stopping and starting again', async () => {
  if (skip) return;
  await startSimulator('two');
  const [a, b, c] = [await context.newPage(), await context.newPage(), await context.newPage()];
  await a.goto(web.page('one'));
  await b.goto(web.page('one'));
  await c.goto(web.page('two'));
  for (const page of [a, b, c]) await until('each tab to show its screen', async () => (await screenColours(page)) > 1);
  // Each tab's console is its own simulator's.
  await c.locator('#console').click();
  await c.keyboard.type('hostname; echo "on: $(cat /proc/cmdline | wc -c)"\n');
  await until('the second simulator to answer', async () => /on: \d+/.test(await consoleText(c)));
  await shoot(c, 'second-simulator');

  // `one` stops (from the command line) and starts again: its tabs wait, then show it again.
  assert.is((await sim(['stop', 'one'], headless())).exitCode, 0);
  await until('the tab to say it stopped', async () => /stopped|waiting/i.test(await a.locator('main').innerText()));
  await shoot(a, 'stopped');
  assert.ok((await screenColours(c)) > 1, 'the other simulator is untouched');
  await startSimulator('one');
  for (const page of [a, b]) {
    await until('the tab to show the simulator again', async () => (await screenColours(page)) > 1 && /connected/i.test(await page.locator('#screen-status').innerText()), 90_000);
  }
  // The restarted console is live: it answers in the tab that stayed open.
  await b.locator('#console').click();
  await b.keyboard.type('echo "again: $((40 + 2))"\n');
  await until('the restarted console to answer', async () => /again: 42/.test(await consoleText(b)));
  for (const page of [a, b, c]) await page.close();
  assert.is((await sim(['stop', 'two'], headless())).exitCode, 0);
});

test("from the page: start a project's simulator, rebuild it (hot reload), stop it", async () => {
  if (skip) return;
  const project = await fixtureProject('sim-web-project-', { simmod: 'meson-module' });
  // An app module: a rebuild restarts nothing and reboots nothing (a library would reboot in place).
  await writeFile(path.join(project, 'sim.json'), JSON.stringify({ image: 'demo', modules: { simmod: { source: 'simmod', kind: 'app' } } }));
  const page = await context.newPage();
  await page.goto(web.url);
  await page.locator('#start-section summary').click();
  const form = page.locator('#start-form');
  await form.getByLabel(/project/i).fill(path.join(project, 'sim.json'));
  await form.getByLabel(/name/i).fill('proj');
  await form.locator('button[type=submit]').click();
  await until('the project simulator to run', async () => (await running()).includes('proj'), 300_000);
  const ran = await sim(['exec', 'proj', '--', 'simmod-hello'], headless());
  assert.is(String(ran.stdout), 'simmod version 1.0', 'built and served from the start');
  await page.goto(web.page('proj'));
  await until('its screen', async () => (await screenColours(page)) > 1);

  // A change in the project's source, rebuilt from the page: the running simulator has it.
  await writeFile(path.join(project, 'simmod/version.h'), '#define SIMMOD_VERSION "4.0-web"\n');
  await page.locator('#btn-rebuild').click();
  await page.locator('#tab-events').click();
  await until('the rebuild to start', async () => /simmod/.test(await page.locator('#events').innerText()), 30_000);
  await until('the rebuild to finish', async () => !(await page.locator('#btn-rebuild').isDisabled()), 300_000);
  await shoot(page, 'rebuilt');
  const after = await sim(['exec', 'proj', '--', 'simmod-hello'], headless());
  assert.is(String(after.stdout), 'simmod version 4.0-web');

  // Stop, from the page.
  page.on('dialog', (dialog) => void dialog.accept());
  await page.locator('#btn-stop').click();
  await until('the simulator to stop', async () => !(await running()).includes('proj'), 90_000);
  await page.close();
});

test.run();
