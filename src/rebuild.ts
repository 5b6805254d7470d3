/**
 * The developer's loop: build modules into the project's overlay prefix with the image's
 * libdir, then boot with that prefix. A failed build never boots.
 */
import { boot, type BootOptions, type BootResult } from './boot.js';
import { buildModules, type BuildModulesResult } from './build/index.js';
import type { ImageMeta } from './config.js';
import type { EventSink } from './events.js';
import { DEFAULT_IMAGE, resolveOrBuildImage } from './images.js';
import { loadProject, type Project } from './project.js';

export interface ProjectOptions {
  /** sim.json (or its directory); found from `cwd` upward when absent. */
  configPath?: string;
  cwd?: string;
  /** Image name; the project's `image`, else the default image. */
  image?: string;
  events?: EventSink;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

async function projectAndImage(options: ProjectOptions): Promise<{ project: Project; image: ImageMeta }> {
  const project = await loadProject({ cwd: options.cwd, configPath: options.configPath });
  const image = await resolveOrBuildImage(options.image ?? project.image ?? DEFAULT_IMAGE, options);
  return { project, image };
}

/** Build modules (all of the project's when `modules` is empty) into the overlay prefix. */
export async function build(modules: string[], options: ProjectOptions = {}): Promise<BuildModulesResult & { image: ImageMeta }> {
  const { project, image } = await projectAndImage(options);
  const result = await buildModules(modules, { project, libdir: image.libdir, events: options.events });
  return { ...result, image };
}

export type RebuildAndBootOptions = ProjectOptions & Omit<BootOptions, 'image' | 'overlay' | 'resolve'> & { modules: string[] };

export async function rebuildAndBoot(options: RebuildAndBootOptions): Promise<BootResult & { build: BuildModulesResult }> {
  const built = await build(options.modules, options);
  const result = await boot({ ...options, image: built.image.id, overlay: built.prefix });
  return { ...result, build: built };
}
