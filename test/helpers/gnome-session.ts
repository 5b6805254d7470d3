/**
 * The GNOME session on a detached simulator's screen, seen through `sim screenshot`: shared by
 * the integration test and the benchmark. The shell counts as on screen once its top bar and
 * wallpaper are drawn — told apart from a blank or text-mode screen by the number of colours.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { changedFraction, countColours, decodePng, type DecodedPng } from '../../src/display/png.js';
import { sim } from './sim.js';

/**
 * The text console or a blank screen has a handful of colours; the shell's top bar alone (antialiased
 * text) about 200; the shell with its wallpaper drawn, more than countColours() counts (1024).
 */
export const SHELL_COLOURS = 1000;

/**
 * Whether the overview is on screen: its dark grey background shows left of the workspace
 * (on the desktop the wallpaper reaches the screen's edge). Points in the left margin, from the
 * top bar's height down, as fractions of the screen.
 */
export function overviewShown(image: DecodedPng): boolean {
  const points = [0.02, 0.06, 0.1].flatMap((fx) => [0.3, 0.5, 0.7].map((fy) => [Math.floor(fx * image.width), Math.floor(fy * image.height)] as const));
  return points.every(([x, y]) => {
    const at = (y * image.width + x) * image.channels;
    const [r, g, b] = image.channels >= 3 ? [image.pixels[at]!, image.pixels[at + 1]!, image.pixels[at + 2]!] : [image.pixels[at]!, image.pixels[at]!, image.pixels[at]!];
    return Math.max(r, g, b) < 70 && Math.abs(r - g) < 12 && Math.abs(g - b) < 12;
  });
}

/** The top bar's height at scale 1 (GNOME 43: about 30 px), with a margin; the label's text sits inside. */
const TOP_BAR_ROWS = 28;

function pixel(image: DecodedPng, x: number, y: number): [number, number, number] {
  const at = (y * image.width + x) * image.channels;
  return image.channels >= 3 ? [image.pixels[at]!, image.pixels[at + 1]!, image.pixels[at + 2]!] : [image.pixels[at]!, image.pixels[at]!, image.pixels[at]!];
}

/**
 * Where the Activities button's label ends: the rightmost column of the top bar's left third with
 * a near-white pixel (the label's text; the bar and the button's highlight are dark grey), or -1.
 * Nothing else is drawn there in the overview (the clock is centred, the app menu is empty).
 */
export function activitiesLabelEnd(image: DecodedPng): number {
  for (let x = Math.floor(image.width / 3); x >= 0; x--) {
    for (let y = 2; y < TOP_BAR_ROWS; y++) if (Math.min(...pixel(image, x, y)) > 190) return x;
  }
  return -1;
}

/** The fraction of the top bar's left quarter (where Activities is) that differs between two screens. */
export function topBarChange(a: DecodedPng, b: DecodedPng): number {
  if (a.width !== b.width || a.height !== b.height) return 1;
  const width = Math.floor(a.width / 4);
  let changed = 0;
  for (let y = 0; y < TOP_BAR_ROWS; y++) {
    for (let x = 0; x < width; x++) if (pixel(a, x, y).some((v, i) => v !== pixel(b, x, y)[i])) changed++;
  }
  return changed / (width * TOP_BAR_ROWS);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class Screen {
  private count = 0;
  constructor(
    private readonly name: string,
    private readonly env: Record<string, string>,
    private readonly dir: string,
  ) {}

  /** One screenshot, decoded. */
  async shot(): Promise<DecodedPng> {
    const file = path.join(this.dir, `${this.name}-${++this.count}.png`);
    const shot = await sim(['screenshot', this.name, '-o', file], this.env);
    if (shot.exitCode !== 0) throw new Error(`sim screenshot failed: ${String(shot.stderr)}`);
    return decodePng(await readFile(file));
  }

  /** Polls until the shell is on screen; the colours last seen, whether or not it came. */
  async waitForShell(deadlineMs: number, everyMs = 5_000): Promise<{ colours: number; on: boolean }> {
    let colours = 0;
    for (const deadline = Date.now() + deadlineMs; Date.now() < deadline; await sleep(everyMs)) {
      colours = countColours(await this.shot());
      if (colours >= SHELL_COLOURS) return { colours, on: true };
    }
    return { colours, on: false };
  }

  /**
   * Polls until the screen differs from `from` by more than `fraction` (something new drew: an
   * app's window), then until it settles; the last screenshot when nothing came by the deadline.
   */
  async changedFrom(from: DecodedPng, fraction: number, deadlineMs: number, everyMs = 5_000): Promise<DecodedPng> {
    let last = from;
    for (const deadline = Date.now() + deadlineMs; Date.now() < deadline; await sleep(everyMs)) {
      last = await this.shot();
      if (changedFraction(from, last) > fraction) return this.settled();
    }
    return last;
  }

  /** Screenshots until two in a row, `gapMs` apart, are the same (the shell stopped drawing). */
  async settled(gapMs = 3_000, deadlineMs = 90_000): Promise<DecodedPng> {
    let last = await this.shot();
    for (const deadline = Date.now() + deadlineMs; Date.now() < deadline; ) {
      await sleep(gapMs);
      const next = await this.shot();
      if (changedFraction(last, next) === 0) return next;
      last = next;
    }
    return last;
  }
}
