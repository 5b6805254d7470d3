/**
 * The hook archive appended to the image's own initrd (`--initrd image`), cached per image like
 * sim's base initramfs: by a key over everything in it. Its entries come from the pure
 * `hookEntries` (src/boot/image-initrd-hook.ts).
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../core/atomic.js';
import type { SimContext } from '../core/context.js';
import { hookEntries, type ImageInitrdFacts } from '../boot/image-initrd-hook.js';
import { sha256 } from '../images/hash.js';
import type { ImageMeta } from '../images/meta.js';
import { findStaticBusybox } from './busybox.js';
import { baseInitramfs, loadModuleList, readGuestScripts, readModuleFiles, type BaseInitramfs } from './build.js';
import { imageFile } from '../images/store.js';
import { imageInitrdFacts } from '../boot/image-initrd.js';
import { DEFAULT_INITRD, type InitrdChoice } from '../boot/initrd-choice.js';
import { packNewc } from './cpio.js';
import type { ModuleRequest } from './modules.js';

/** Bump when the layout of the hook archive changes. */
const FORMAT = 1;

export async function imageInitrdHook(ctx: SimContext, image: ImageMeta, facts: ImageInitrdFacts, options: { modules?: readonly ModuleRequest[] } = {}): Promise<BaseInitramfs> {
  const busyboxPath = await findStaticBusybox(ctx.env);
  const bb = await stat(busyboxPath);
  const scripts = await readGuestScripts();
  // The same modules sim's own initramfs loads: the ones the image's initrd loaded already are skipped in the guest.
  const { load: modules, unavailable } = await loadModuleList(ctx, image, options.modules ?? []);
  const key = sha256(JSON.stringify({ FORMAT, hook: 'image-initrd', image: image.id, facts, busybox: [bb.size, bb.mtimeMs, bb.ino], scripts: [scripts.initrdHook, scripts.agent, scripts.refresh, scripts.attach].map((d) => sha256(d)), lib: scripts.lib.map(([n, d]) => [n, sha256(d)]), modules }));
  const target = path.join(ctx.dirs.initramfs, `${key}.hook.cpio`);
  const names = modules.map((m) => m.name);
  if (await stat(target).then(() => true, () => false)) return { path: target, key, cached: true, modules: names, unavailable };
  const entries = hookEntries(facts, { busybox: await readFile(busyboxPath), hook: scripts.initrdHook, agent: scripts.agent, refresh: scripts.refresh, attach: scripts.attach, lib: scripts.lib, modules: await readModuleFiles(ctx, image, modules) });
  await writeFileAtomic(target, await packNewc(entries));
  return { path: target, key, cached: false, modules: names, unavailable };
}

/**
 * The archives QEMU's -initrd is made of (before the per-boot config): sim's base initramfs, or
 * the image's own initrd followed by sim's hook.
 */
export async function bootArchives(ctx: SimContext, image: ImageMeta, choice: InitrdChoice | undefined, options: { modules?: readonly ModuleRequest[] }): Promise<{ archives: string[]; built: BaseInitramfs }> {
  if ((choice ?? DEFAULT_INITRD) === 'sim') {
    const built = await baseInitramfs(ctx, image, options);
    return { archives: [built.path], built };
  }
  const built = await imageInitrdHook(ctx, image, imageInitrdFacts(image), options);
  return { archives: [imageFile(ctx, image, image.kernel.initrd!.file), built.path], built };
}
