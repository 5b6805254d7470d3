/**
 * The image's libdir in the flavours build systems want. sim stores it relative to / (for
 * example usr/lib/x86_64-linux-gnu); meson and CMake want it relative to the prefix /usr,
 * autotools and make want the absolute guest path.
 */
import path from 'node:path';
import { SimError } from '../core/errors.js';

export const GUEST_PREFIX = '/usr';

export interface GuestLibdir {
  /** e.g. /usr/lib/x86_64-linux-gnu */
  absolute: string;
  /** e.g. lib/x86_64-linux-gnu; the absolute path when the libdir is outside /usr. */
  prefixRelative: string;
}

export function guestLibdir(imageLibdir: string): GuestLibdir {
  const absolute = path.posix.normalize(`/${imageLibdir}`).replace(/\/+$/, '');
  if (absolute === '' || absolute === '/' || imageLibdir.split('/').includes('..')) {
    throw new SimError('USAGE', `'${imageLibdir}' is not a usable library directory.`, 'Pass the image libdir relative to /, for example usr/lib/x86_64-linux-gnu.');
  }
  const prefixRelative = absolute.startsWith(`${GUEST_PREFIX}/`) ? absolute.slice(GUEST_PREFIX.length + 1) : absolute;
  return { absolute, prefixRelative };
}
