/**
 * Real browsers for the web console's tests and benchmark: Debian's `chromium`, driven by
 * playwright-core, and Debian's `firefox-esr`, driven by puppeteer-core over WebDriver BiDi
 * (playwright drives only its own patched Firefox). Neither library downloads a browser. A
 * missing browser is a skip locally and a failure in CI.
 */
import { access, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import type { Browser as PuppeteerBrowser } from 'puppeteer-core';

export const CHROMIUM = process.env.SIM_TEST_CHROMIUM ?? '/usr/bin/chromium';
export const FIREFOX = process.env.SIM_TEST_FIREFOX ?? '/usr/bin/firefox-esr';

async function skipReason(file: string, pkg: string): Promise<string | undefined> {
  const found = await access(file).then(() => true, () => false);
  if (found) return undefined;
  const reason = `${file} is not installed (Debian: apt-get install ${pkg})`;
  if (process.env.CI === 'true') throw new Error(`${reason}; CI must have it`);
  return reason;
}

export const chromiumSkipReason = () => skipReason(CHROMIUM, 'chromium');
export const firefoxSkipReason = () => skipReason(FIREFOX, 'firefox-esr');

export async function launchFirefox(): Promise<PuppeteerBrowser> {
  const puppeteer = (await import('puppeteer-core')).default;
  return puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX, headless: true });
}

export async function launchChromium(): Promise<Browser> {
  // Chromium refuses its sandbox to root; a normal user keeps it.
  const args = process.getuid?.() === 0 ? ['--no-sandbox'] : [];
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}

/** Where tests leave pictures for people: $SIM_TEST_OUTPUT, else a directory of this user's under the temp dir. */
export async function testOutputDir(name: string): Promise<string> {
  const dir = path.join(process.env.SIM_TEST_OUTPUT ?? path.join(os.tmpdir(), `sim-test-output-${os.userInfo().username}`), name);
  await mkdir(dir, { recursive: true });
  return dir;
}
