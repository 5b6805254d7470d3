/**
 * What `sim image publish` writes next to an image and `sim image pull` reads: the manifest
 * (sim-image.json), the checksum list (SHA256SUMS, in coreutils' format so `sha256sum -c`
 * checks it too) and its detached OpenPGP signature. Pure.
 */
import { z } from 'zod';
import { SimError } from '../core/errors.js';

export const MANIFEST = 'sim-image.json';
export const CHECKSUMS = 'SHA256SUMS';
/** A detached OpenPGP signature of CHECKSUMS (binary or ASCII-armoured). */
export const SIGNATURE = 'SHA256SUMS.sig';
/** The current version's casync blob index; `versions/` keeps earlier ones for the chunks' garbage collection. */
export const INDEX = 'image.caibx';
export const CHUNK_STORE = 'chunks';
export const VERSIONS_DIR = 'versions';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const relativeName = z.string().regex(/^[A-Za-z0-9._+-]+$/, 'a plain file name');

export const manifestSchema = z.object({
  format: z.literal('sim-image/1'),
  name: z.string().min(1),
  version: z.string().regex(/^[A-Za-z0-9._+:-]{1,100}$/),
  published: z.string(),
  /** The raw disk the index assembles: its sha256 is the stored image's id. */
  raw: z.object({ sha256: hex64, bytes: z.number().int().positive() }),
  index: relativeName,
  store: relativeName,
  /** The image file as given to publish, for plain downloads (absent with --index-only). */
  file: z.object({ name: relativeName, sha256: hex64, bytes: z.number().int().positive() }).optional(),
});
export type Manifest = z.infer<typeof manifestSchema>;

/** The server's bytes as a manifest, or REMOTE_BAD_DATA. */
export function parseManifest(text: string, url: string): Manifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const parsed = manifestSchema.safeParse(value);
  if (!parsed.success) {
    throw new SimError('REMOTE_BAD_DATA', `${url} is not a sim image manifest.`, 'Point sim at a directory written by `sim image publish`, or at an image file.');
  }
  return parsed.data;
}

/** `sha256sum` output: "HEX  NAME" (or "HEX *NAME"), one per line. */
export function parseChecksums(text: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([0-9a-fA-F]{64}) [ *](.+)$/.exec(line.trimEnd());
    if (match) sums.set(match[2]!, match[1]!.toLowerCase());
  }
  return sums;
}

export function formatChecksums(sums: ReadonlyMap<string, string>): string {
  return [...sums].sort(([a], [b]) => a.localeCompare(b)).map(([name, hex]) => `${hex}  ${name}\n`).join('');
}

/** The checksum CHECKSUMS lists for `name`, or REMOTE_BAD_DATA. */
export function listedChecksum(sums: ReadonlyMap<string, string>, name: string, url: string): string {
  const hex = sums.get(name);
  if (!hex) throw new SimError('REMOTE_BAD_DATA', `${url} lists no checksum for ${name}.`, 'Publish the image again with `sim image publish`, which lists every file it writes.');
  return hex;
}

/** A version name from a date: 2026-12-03T0412Z (sortable, no colons for file names). */
export function versionFromDate(date: Date): string {
  return date.toISOString().replace(/:\d\d\.\d+Z$/, 'Z').replace(/:/g, '');
}
