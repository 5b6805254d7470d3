/** What a pull URL points at, and where its downloads wait to be resumed. Pure. */
import path from 'node:path';
import { SimError } from '../core/errors.js';
import { MANIFEST } from './published.js';

export interface RemoteSource {
  /** The URL as the user gave it (recorded, and asked again by update). */
  url: string;
  kind: 'published' | 'file';
  /** A published directory's URL, ending in '/'. */
  base: string;
  /** The file's name (file sources). */
  fileName?: string;
}

/** A published directory ends in '/' or names its manifest; anything else is an image file. */
export function classifyUrl(input: string): RemoteSource {
  let url: URL;
  try {
    url = new URL(input);
  } catch {
    throw new SimError('USAGE', `'${input}' is not a URL.`, 'Give an http:// or https:// URL of an image file or of a directory written by `sim image publish` (ending in /).');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new SimError('USAGE', `sim pulls images over http and https, not ${url.protocol.replace(/:$/, '')}.`, "For a local file use 'sim image add FILE'.");
  }
  url.hash = '';
  const text = url.toString();
  if (url.pathname.endsWith('/')) return { url: text, kind: 'published', base: text };
  if (path.posix.basename(url.pathname) === MANIFEST) return { url: text, kind: 'published', base: new URL('.', url).toString() };
  return { url: text, kind: 'file', base: new URL('.', url).toString(), fileName: decodeURIComponent(path.posix.basename(url.pathname)) };
}

/** A file of a published directory. */
export function publishedUrl(base: string, relative: string): string {
  return new URL(relative, base).toString();
}

/** The name an image gets when --name is not given: the manifest's, or the file's without extensions. */
export function defaultName(source: RemoteSource, manifestName?: string): string {
  const raw = manifestName ?? source.fileName ?? (new URL(source.base).pathname.split('/').filter(Boolean).pop() || new URL(source.base).hostname);
  const name = raw.replace(/(\.(xz|zst|gz))+$/i, '').replace(/\.(qcow2|raw|img|iso)$/i, '').replace(/[^A-Za-z0-9_.-]/g, '-');
  return /^[A-Za-z0-9]/.test(name) ? name : `image-${name}`;
}
