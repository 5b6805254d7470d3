/**
 * Just enough PNG for sim: check a screenshot is one (and how big), and decode the 8-bit
 * truecolour images QEMU's screendump writes, for tests that look at the pixels. Pure.
 */
import { inflateSync } from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export interface PngHeader {
  width: number;
  height: number;
  bitDepth: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA. */
  colorType: number;
  interlace: number;
}

interface Chunk {
  type: string;
  data: Buffer;
}

function* chunks(png: Buffer): Generator<Chunk> {
  let at = SIGNATURE.length;
  while (at + 12 <= png.length) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    if (at + 12 + length > png.length) throw new Error(`PNG chunk ${type} runs past the end of the file`);
    yield { type, data: png.subarray(at + 8, at + 8 + length) };
    at += 12 + length;
    if (type === 'IEND') return;
  }
  throw new Error('PNG has no IEND chunk');
}

/** The IHDR of a PNG; throws when `png` is not one. */
export function readPngHeader(png: Buffer): PngHeader {
  if (png.length < 33 || !png.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG file (bad signature)');
  const first = chunks(png).next().value as Chunk | undefined;
  if (!first || first.type !== 'IHDR' || first.data.length !== 13) throw new Error('PNG does not start with an IHDR chunk');
  const d = first.data;
  return { width: d.readUInt32BE(0), height: d.readUInt32BE(4), bitDepth: d[8]!, colorType: d[9]!, interlace: d[12]! };
}

export interface DecodedPng extends PngHeader {
  /** Bytes per pixel. */
  channels: number;
  /** Unfiltered rows, top to bottom, `width * channels` bytes each. */
  pixels: Buffer;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/** Decode an 8-bit, non-interlaced grey/RGB/RGBA PNG (what QEMU writes). */
export function decodePng(png: Buffer): DecodedPng {
  const header = readPngHeader(png);
  const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[header.colorType];
  if (header.bitDepth !== 8 || channels === undefined || header.interlace !== 0) {
    throw new Error(`unsupported PNG (bit depth ${header.bitDepth}, colour type ${header.colorType}, interlace ${header.interlace})`);
  }
  const idat = Buffer.concat([...chunks(png)].filter((c) => c.type === 'IDAT').map((c) => c.data));
  const raw = inflateSync(idat);
  const stride = header.width * channels;
  if (raw.length !== (stride + 1) * header.height) throw new Error(`PNG image data has ${raw.length} bytes, expected ${(stride + 1) * header.height}`);
  const pixels = Buffer.alloc(stride * header.height);
  for (let y = 0; y < header.height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = pixels.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? pixels.subarray((y - 1) * stride, y * stride) : undefined;
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? row[x - channels]! : 0;
      const b = prev ? prev[x]! : 0;
      const c = prev && x >= channels ? prev[x - channels]! : 0;
      const predictor = filter === 0 ? 0 : filter === 1 ? a : filter === 2 ? b : filter === 3 ? (a + b) >> 1 : filter === 4 ? paeth(a, b, c) : NaN;
      if (Number.isNaN(predictor)) throw new Error(`PNG row ${y} has an unknown filter ${filter}`);
      row[x] = (src[x]! + predictor) & 0xff;
    }
  }
  return { ...header, channels, pixels };
}

/** How many different colours the image has (counting stops at `limit`). */
export function countColours(image: DecodedPng, limit = 1024): number {
  const seen = new Set<string>();
  for (let i = 0; i < image.pixels.length && seen.size < limit; i += image.channels) {
    seen.add(image.pixels.subarray(i, i + image.channels).toString('hex'));
  }
  return seen.size;
}

/** The fraction of pixels that differ between two images of the same size and format (0 to 1). */
export function changedFraction(a: DecodedPng, b: DecodedPng): number {
  if (a.width !== b.width || a.height !== b.height || a.channels !== b.channels) return 1;
  let changed = 0;
  for (let i = 0; i < a.pixels.length; i += a.channels) {
    for (let c = 0; c < a.channels; c++) {
      if (a.pixels[i + c] !== b.pixels[i + c]) {
        changed++;
        break;
      }
    }
  }
  return changed / (a.width * a.height);
}
