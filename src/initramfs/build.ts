/**
 * Assembling the initrd for a boot: a base archive per image (busybox, sim's guest scripts, the
 * kernel modules in load order), cached by a key over its inputs, plus a tiny per-boot archive
 * with the guest config appended to it.
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../core/atomic.js';
import type { ImageMeta } from '../images/meta.js';
import { SimError } from '../core/errors.js';
import { sha256 } from '../images/hash.js';
import { imageFile } from '../images/store.js';
import type { SimContext } from '../core/context.js';
import { guestScriptsDir } from '../core/paths.js';
import { findStaticBusybox } from './busybox.js';
import { concatArchives, packNewc, type CpioEntry } from './cpio.js';
import { renderCommand, renderGuestConfig, type GuestConfig } from './guest-config.js';
import { bootFilesystem } from '../images/usr-only.js';
import { parseModuleIndex, requiredModules, resolveModules, splitRequests, type ModuleRequest, type ModuleToLoad } from './modules.js';

/** Bump when the layout of the base archive changes. */
const FORMAT = 2;

const DIRECTORIES = ['bin', 'dev', 'etc', 'proc', 'run', 'sbin', 'sim', 'sim/lib', 'sim/modules', 'sys', 'sysroot', 'tmp', 'usr', 'usr/bin', 'usr/sbin'];

export async function loadModuleList(ctx: SimContext, image: ImageMeta, requests: readonly ModuleRequest[]): Promise<{ load: ModuleToLoad[]; unavailable: string[] }> {
  const dir = imageFile(ctx, image, image.kernel.modulesDir);
  const read = (name: string) => readFile(path.join(dir, name), 'utf8').catch(() => undefined);
  const index = parseModuleIndex({ dep: (await read('modules.dep')) ?? '', softdep: await read('modules.softdep'), alias: await read('modules.alias'), builtin: await read('modules.builtin') });
  const extra = splitRequests(requests);
  const { load, missing, unavailable } = resolveModules(index, [...requiredModules(bootFilesystem(image)), ...extra.wanted], extra.optional);
  if (missing.length) {
    throw new SimError('KERNEL_NO_MODULES', `The stored kernel of image '${image.names[0] ?? image.id}' lacks modules: ${missing.join(', ')}.`, 'Import the image again (sim image rm, then sim image add).');
  }
  // An image stored before these extras were kept has none of their files: go on without them.
  const stored = await Promise.all(load.map(async (m) => !m.soft || stat(path.join(dir, m.path)).then(() => true, () => false)));
  const kept = load.filter((_, i) => stored[i]);
  const optional = extra.optional.map((n) => n.replaceAll('-', '_'));
  const dropped = load.filter((m, i) => !stored[i] && optional.includes(m.name)).map((m) => m.name);
  return { load: kept, unavailable: [...unavailable, ...dropped] };
}

/** The modules' files, named NN-name.ko in load order (what guest/lib/modules.sh loads). */
export async function readModuleFiles(ctx: SimContext, image: ImageMeta, modules: readonly ModuleToLoad[]): Promise<{ file: string; soft: boolean; data: Buffer }[]> {
  const modulesDir = imageFile(ctx, image, image.kernel.modulesDir);
  const width = String(modules.length).length;
  return Promise.all(modules.map(async (m, i) => ({ file: `${String(i).padStart(width, '0')}-${m.name}.ko`, soft: m.soft, data: await readFile(path.join(modulesDir, m.path)) })));
}

/** Entries of the base archive. Pure over its inputs. */
export function baseEntries(inputs: GuestScripts & { busybox: Buffer; modules: { file: string; soft: boolean; data: Buffer }[] }): CpioEntry[] {
  const entries: CpioEntry[] = DIRECTORIES.map((name) => ({ type: 'directory', name }));
  entries.push({ type: 'character-device', name: 'dev/console', major: 5, minor: 1 });
  entries.push({ type: 'file', name: 'bin/busybox', mode: 0o755, data: inputs.busybox });
  entries.push({ type: 'file', name: 'init', mode: 0o755, data: inputs.init });
  entries.push({ type: 'file', name: 'sim/agent', mode: 0o755, data: inputs.agent });
  if (inputs.refresh) entries.push({ type: 'file', name: 'sim/refresh', mode: 0o755, data: inputs.refresh });
  if (inputs.attach) entries.push({ type: 'file', name: 'sim/attach', mode: 0o755, data: inputs.attach });
  for (const [name, data] of inputs.lib ?? []) entries.push({ type: 'file', name: `sim/lib/${name}`, mode: 0o644, data });
  for (const m of inputs.modules) entries.push({ type: 'file', name: `sim/modules/${m.file}`, data: m.data });
  const list = inputs.modules.map((m) => `${m.file} ${m.soft ? 'soft' : 'hard'}\n`).join('');
  entries.push({ type: 'file', name: 'sim/modules.list', data: Buffer.from(list) });
  return entries;
}

/** The guest side (guest/): the busybox /init, the agent, the hot-reload refresh and the function files they source. */
export interface GuestScripts {
  init: Buffer;
  agent: Buffer;
  refresh?: Buffer;
  /** Attaching the prefix to a guest resumed from a snapshot (quick boot). */
  attach?: Buffer;
  /** The hook in the image's own initrd (--initrd image); not part of sim's own initramfs. */
  initrdHook?: Buffer;
  /** guest/lib/*.sh by file name, in name order. */
  lib?: [string, Buffer][];
}

export async function readGuestScripts(dir: string = guestScriptsDir): Promise<Required<GuestScripts>> {
  const names = (await readdir(path.join(dir, 'lib'))).filter((n) => n.endsWith('.sh')).sort();
  return {
    init: await readFile(path.join(dir, 'init')),
    agent: await readFile(path.join(dir, 'agent')),
    refresh: await readFile(path.join(dir, 'refresh')),
    attach: await readFile(path.join(dir, 'attach')),
    initrdHook: await readFile(path.join(dir, 'initrd-hook')),
    lib: await Promise.all(names.map(async (n): Promise<[string, Buffer]> => [n, await readFile(path.join(dir, 'lib', n))])),
  };
}

export interface BaseInitramfs {
  path: string;
  key: string;
  cached: boolean;
  modules: string[];
  /** Optional modules asked for that the image's stored kernel does not have. */
  unavailable: string[];
}

/** The cached base archive for an image, built on first use; `modules`: what the boot's contributions ask for beyond sim's own (optional ones load softly). */
export async function baseInitramfs(ctx: SimContext, image: ImageMeta, options: { modules?: readonly ModuleRequest[] } = {}): Promise<BaseInitramfs> {
  const busyboxPath = await findStaticBusybox(ctx.env);
  const bb = await stat(busyboxPath);
  const scripts = await readGuestScripts();
  const { load: modules, unavailable } = await loadModuleList(ctx, image, options.modules ?? []);
  // The image is immutable and content-keyed, so its id stands for its modules' bytes.
  const key = sha256(JSON.stringify({ FORMAT, image: image.id, busybox: [bb.size, bb.mtimeMs, bb.ino], init: sha256(scripts.init), agent: sha256(scripts.agent), refresh: sha256(scripts.refresh), attach: sha256(scripts.attach), lib: scripts.lib.map(([n, d]) => [n, sha256(d)]), modules }));
  const target = path.join(ctx.dirs.initramfs, `${key}.cpio`);
  const names = modules.map((m) => m.name);
  if (await stat(target).then(() => true, () => false)) return { path: target, key, cached: true, modules: names, unavailable };

  const files = await readModuleFiles(ctx, image, modules);
  const archive = await packNewc(baseEntries({ ...scripts, busybox: await readFile(busyboxPath), modules: files }));
  await writeFileAtomic(target, archive);
  return { path: target, key, cached: false, modules: names, unavailable };
}

/** The per-boot archive: /sim/config and, with a command, /sim/command. */
export async function configArchive(config: GuestConfig): Promise<Buffer> {
  const entries: CpioEntry[] = [
    { type: 'directory', name: 'sim' },
    { type: 'file', name: 'sim/config', data: Buffer.from(renderGuestConfig(config)) },
  ];
  if (config.command) entries.push({ type: 'file', name: 'sim/command', data: Buffer.from(renderCommand(config.command)) });
  return packNewc(entries);
}

/** Write the archives (sim's base, or the image's initrd and sim's hook) + config as one initrd file for QEMU's -initrd. */
export async function writeSessionInitrd(archives: readonly string[], config: GuestConfig, dest: string): Promise<void> {
  await writeFile(dest, concatArchives([...(await Promise.all(archives.map((a) => readFile(a)))), await configArchive(config)]));
}
