/**
 * sim.json: the project file naming the modules a developer rebuilds and the prefix they are
 * installed into. Found from the working directory upward (like .git) or given with --config.
 * Every path in the returned Project is absolute.
 */
import { readFile, stat } from 'node:fs/promises';
import { statSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { SimError } from '../core/errors.js';
import { imageRef, initrdChoice, moduleName, overlayCache, overlayMode, type OverlayCache } from './option-values.js';
import type { OverlayMode } from '../boot/overlay-mode.js';
import type { InitrdChoice } from '../boot/initrd-choice.js';

export const CONFIG_FILE = 'sim.json';
export const buildSystems = ['meson', 'cmake', 'autotools', 'make', 'commands'] as const;
export type BuildSystem = (typeof buildSystems)[number];

const argv = z.array(z.string()).min(1, 'a command needs at least the program name');

const moduleSchema = z
  .strictObject({
    source: z.string().min(1, 'a directory, relative to sim.json'),
    buildSystem: z.enum(buildSystems).optional(),
    options: z.array(z.string()).default([]),
    env: z.record(z.string(), z.string()).default({}),
    commands: z
      .strictObject({ configure: z.array(argv).optional(), build: z.array(argv), install: z.array(argv) })
      .optional(),
    kind: z.enum(['library', 'app']).optional(),
    restart: z.strictObject({ unit: z.string().optional(), process: z.string().optional() }).optional(),
  })
  .superRefine((m, ctx) => {
    if (m.buildSystem === 'commands' && !m.commands) {
      ctx.addIssue({ code: 'custom', path: ['commands'], message: "required when buildSystem is 'commands' (give build and install argv arrays)" });
    }
    if (m.commands && m.buildSystem && m.buildSystem !== 'commands') {
      ctx.addIssue({ code: 'custom', path: ['commands'], message: `only used with buildSystem 'commands', not '${m.buildSystem}'` });
    }
  });


export const projectFileSchema = z.strictObject({
  prefix: z.string().min(1).optional(),
  image: imageRef.optional(),
  /** How the prefix wins in the guest: merge (default) or path. */
  overlayMode: overlayMode.optional(),
  /** How the guest caches the prefix: loose (default) or none. */
  overlayCache: overlayCache.optional(),
  /** Which initrd boots: sim or image; absent: the image's default (sim's, or a GNOME-OS-like image's own). */
  initrd: initrdChoice.optional(),
  modules: z.record(moduleName, moduleSchema),
});
export type ProjectFile = z.infer<typeof projectFileSchema>;

export interface ModuleSpec {
  name: string;
  /** Absolute source directory. */
  source: string;
  /** Absent: detected from the source tree at build time. `commands` when only commands were given. */
  buildSystem?: BuildSystem;
  options: string[];
  env: Record<string, string>;
  commands?: { configure?: string[][]; build: string[][]; install: string[][] };
  kind?: 'library' | 'app';
  restart?: { unit?: string; process?: string };
}

export interface Project {
  configPath: string;
  /** Directory holding sim.json; relative paths in it are resolved from here. */
  root: string;
  /** Host directory layered over the guest (default .sim/prefix). */
  prefix: string;
  /** Build directories live in <buildRoot>/<module> (default .sim/build). */
  buildRoot: string;
  image?: string;
  /** sim.json's overlayMode; --overlay-mode wins over it. */
  overlayMode?: OverlayMode;
  /** sim.json's overlayCache; --overlay-cache wins over it. */
  overlayCache?: OverlayCache;
  /** sim.json's initrd; --initrd wins over it. */
  initrd?: InitrdChoice;
  /** In file order. */
  modules: Record<string, ModuleSpec>;
}

const createHint = `Create ${CONFIG_FILE} in your project directory, for example: {"modules": {"mylib": {"source": "."}}}`;

function formatPath(parts: readonly PropertyKey[]): string {
  let out = '';
  for (const part of parts) out += typeof part === 'number' ? `[${part}]` : `${out ? '.' : ''}${String(part)}`;
  return out || '(top level)';
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      // A bad record key: the useful text is the key's own issue.
      const inner = issue.code === 'invalid_key' ? issue.issues[0]?.message : undefined;
      return `${formatPath(issue.path)}: ${inner ?? issue.message}`;
    })
    .join('; ');
}

async function isFile(p: string): Promise<boolean> {
  return stat(p).then((s) => s.isFile(), () => false);
}

/**
 * The sim.json whose prefix is `prefix`, looked for in the prefix's parent directories (a
 * project's prefix lives inside it, .sim/prefix by default); undefined when none claims it.
 */
export async function projectServing(prefix: string): Promise<string | undefined> {
  const target = path.resolve(prefix);
  for (let dir = path.dirname(target), depth = 0; depth < 4; dir = path.dirname(dir), depth++) {
    const configPath = path.join(dir, CONFIG_FILE);
    if (await isFile(configPath)) {
      const project = await loadProject({ configPath }).catch(() => undefined);
      if (project && path.resolve(project.prefix) === target) return configPath;
    }
    if (path.dirname(dir) === dir) break;
  }
  return undefined;
}

/** The sim.json to use: the explicit path (a file, or a directory holding one), else the nearest upward from cwd. */
export async function findConfig(opts: { cwd?: string; configPath?: string }): Promise<string> {
  const cwd = path.resolve(opts.cwd ?? process.cwd());
  if (opts.configPath) {
    const given = path.resolve(cwd, opts.configPath);
    const candidate = (await stat(given).then((s) => s.isDirectory(), () => false)) ? path.join(given, CONFIG_FILE) : given;
    if (await isFile(candidate)) return candidate;
    throw new SimError('CONFIG_NOT_FOUND', `The project file ${candidate} does not exist.`, `Check the --config path. ${createHint}.`);
  }
  for (let dir = cwd; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, CONFIG_FILE);
    if (await isFile(candidate)) return candidate;
    if (path.dirname(dir) === dir) break;
  }
  throw new SimError('CONFIG_NOT_FOUND', `No ${CONFIG_FILE} was found in ${cwd} or any directory above it.`, `${createHint}, or pass --config PATH.`);
}

function invalid(configPath: string, problem: string, hint = `Fix ${CONFIG_FILE} and run the command again.`): SimError {
  return new SimError('CONFIG_INVALID', `${configPath} is invalid: ${problem}.`, hint);
}

/** Parse and validate file contents; exported for tests. Paths stay as written. */
export function parseProjectFile(text: string, configPath: string): ProjectFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalid(configPath, `not valid JSON (${(error as Error).message})`);
  }
  const result = projectFileSchema.safeParse(json);
  if (!result.success) throw invalid(configPath, describeIssues(result.error.issues));
  return result.data;
}

export async function loadProject(opts: { cwd?: string; configPath?: string } = {}): Promise<Project> {
  const configPath = await findConfig(opts);
  const file = parseProjectFile(await readFile(configPath, 'utf8'), configPath);
  const root = path.dirname(configPath);
  const prefix = path.resolve(root, file.prefix ?? '.sim/prefix');
  // sync writes and deletes files in the prefix: never let it be the host root or the project itself.
  if (prefix === path.parse(prefix).root || prefix === root) {
    throw invalid(configPath, `prefix: ${prefix} cannot be used as a prefix (it would install into ${prefix === root ? 'the project directory' : 'the host root'})`, 'Use a dedicated directory such as ".sim/prefix".');
  }
  const modules: Record<string, ModuleSpec> = {};
  for (const [name, m] of Object.entries(file.modules)) {
    modules[name] = {
      name,
      source: path.resolve(root, m.source),
      buildSystem: m.buildSystem ?? (m.commands ? 'commands' : undefined),
      options: m.options,
      env: m.env,
      ...(m.commands && { commands: m.commands }),
      ...(m.kind && { kind: m.kind }),
      ...(m.restart && { restart: m.restart }),
    };
  }
  return { configPath, root, prefix, buildRoot: path.join(root, '.sim', 'build'), ...(file.image && { image: file.image }), ...(file.overlayMode && { overlayMode: file.overlayMode }), ...(file.overlayCache && { overlayCache: file.overlayCache }), ...(file.initrd && { initrd: file.initrd }), modules };
}

/**
 * A module by name, with its source directory checked. Checked here rather than in loadProject
 * so that a module that is not checked out yet does not block building the others.
 */
export function getModule(project: Project, name: string): ModuleSpec {
  const module = Object.hasOwn(project.modules, name) ? project.modules[name] : undefined;
  if (!module) {
    const known = Object.keys(project.modules);
    throw new SimError(
      'MODULE_NOT_FOUND',
      `There is no module '${name}' in ${project.configPath}.`,
      known.length ? `Known modules: ${known.join(', ')}.` : `Add it under "modules" in ${CONFIG_FILE}.`,
    );
  }
  const isDir = (() => {
    try {
      return statSync(module.source).isDirectory();
    } catch {
      return false;
    }
  })();
  if (!isDir) {
    throw invalid(project.configPath, `modules.${name}.source: the directory ${module.source} does not exist`, `Check out the module's sources there, or fix the path (it is relative to ${CONFIG_FILE}).`);
  }
  return module;
}
