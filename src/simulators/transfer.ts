/**
 * `sim push` / `sim pull`: files between the host and a running simulator, as adb does. They
 * travel as a tar archive through the agent's command channel (the only way into a running guest
 * besides its read-only prefix share): pushed as the stdin of a command that unpacks it, pulled as
 * a command's output in base64 (the output channel carries text). A file keeps its mode; a
 * directory goes whole.
 */
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { SimContext } from '../core/context.js';
import { SimError } from '../core/errors.js';
import { run } from '../core/process.js';
import { guestMessage, runGuestScript } from './guest-run.js';
import { findSimulator } from './registry.js';

/**
 * The archive on stdin, $1: where it goes, $2: the name of the archive's one entry. Into $1 when it
 * is a directory (or ends in /), else as $1: unpacked beside it and renamed, so a failure leaves
 * $1 as it was.
 */
const UNPACK_SCRIPT = `
bb=/run/sim/busybox
dest=$1 stage=
trap '[ -z "$stage" ] || $bb rm -rf "$stage"' EXIT
case $dest in */) $bb mkdir -p "$dest" || exit 1 ;; esac
if [ -d "$dest" ]; then
	$bb tar -xf - -C "$dest" || exit 1
	exit 0
fi
parent=$($bb dirname "$dest")
[ -d "$parent" ] || { echo "$parent: no such directory in the guest" >&2; exit 2; }
stage=$($bb mktemp -d "$parent/.sim-push.XXXXXX") || exit 1
$bb tar -xf - -C "$stage" || exit 1
$bb mv -f "$stage/$2" "$dest"
`;

/** $1: the path to send as a tar archive in base64 (exit 2: there is nothing there). */
const SEND_SCRIPT = `
bb=/run/sim/busybox
[ -e "$1" ] || [ -L "$1" ] || { echo "$1: no such file or directory in the guest" >&2; exit 2; }
$bb tar -cf - -C "$($bb dirname "$1")" "$($bb basename "$1")" | $bb base64
`;

export interface TransferResult {
  /** Bytes of the file or of all files of the directory (the archive's size, a little more). */
  bytes: number;
  source: string;
  destination: string;
}

/** Copy the host's `source` (file or directory) to `destination` in the guest. */
export async function pushToSimulator(ctx: SimContext, name: string | undefined, source: string, destination: string): Promise<TransferResult> {
  const sim = await findSimulator(ctx, name);
  const info = await stat(source).catch(() => undefined);
  if (!info) throw new SimError('USAGE', `${source} does not exist on this machine.`, 'Give a file or directory on this machine.');
  const archive = await tarOf(source);
  const unpacked = await runGuestScript(ctx, sim, UNPACK_SCRIPT, [destination, path.basename(path.resolve(source))], { stdin: archive });
  if (unpacked.status === 2) throw new SimError('GUEST_PATH_NOT_FOUND', guestMessage(unpacked), 'Create the directory first (sim exec NAME -- mkdir -p DIR), or end the destination with / to have sim create it.');
  if (unpacked.status !== 0) throw new SimError('GUEST_ACTION_FAILED', `Could not put ${source} at ${destination} in the guest: ${guestMessage(unpacked)}`, 'Check that the destination is writable in the guest.');
  return { bytes: info.isDirectory() ? archive.length : info.size, source, destination };
}

/** Copy the guest's `source` (file or directory) to `destination` on the host (into it when it is a directory). */
export async function pullFromSimulator(ctx: SimContext, name: string | undefined, source: string, destination: string): Promise<TransferResult> {
  const sim = await findSimulator(ctx, name);
  const sent = await runGuestScript(ctx, sim, SEND_SCRIPT, [source]);
  if (sent.status === 2) throw new SimError('GUEST_PATH_NOT_FOUND', guestMessage(sent), 'Look with `sim exec NAME -- ls -l DIR`.');
  if (sent.status !== 0) throw new SimError('GUEST_ACTION_FAILED', `Could not read ${source} in the guest: ${guestMessage(sent)}`, 'Check that it is readable in the guest.');
  const archive = Buffer.from(sent.stdout.replace(/\s+/g, ''), 'base64');
  const intoDir = destination.endsWith('/') || (await stat(destination).catch(() => undefined))?.isDirectory();
  const target = intoDir ? path.join(destination, path.posix.basename(source)) : destination;
  const stage = await mkdtemp(path.join(path.dirname(path.resolve(target)), '.sim-pull-'));
  try {
    await writeFile(path.join(stage, 'archive.tar'), archive);
    await mkdir(path.join(stage, 'tree'));
    await run('tar', ['-xf', path.join(stage, 'archive.tar'), '-C', path.join(stage, 'tree'), '--no-same-owner']);
    await rm(target, { recursive: true, force: true });
    await run('mv', ['-T', path.join(stage, 'tree', path.posix.basename(source)), target]);
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
  const size = (await stat(target)).isDirectory() ? archive.length : (await stat(target)).size;
  return { bytes: size, source, destination: target };
}

/** `source` as a tar archive holding it under its own name. */
async function tarOf(source: string): Promise<Buffer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sim-push-'));
  try {
    const file = path.join(dir, 'archive.tar');
    const absolute = path.resolve(source);
    // Owned by root in the guest, as files sim puts there are; not by this user's uid, which the guest may give another user.
    await run('tar', ['-cf', file, '--owner=0', '--group=0', '--numeric-owner', '-C', path.dirname(absolute), path.basename(absolute)]);
    return await readFile(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
