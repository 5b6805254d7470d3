/**
 * `sim init`, decided: from what a project directory holds, the sim.json to write (one module,
 * the directory itself, named after the project) and the command an IDE's Run button starts.
 * Pure; src/cli/commands/init.ts reads the directory and writes the files.
 */
import path from 'node:path';
import { SimError } from '../core/errors.js';
import { detectBuildSystem, detectionMarkers } from '../builders/detect.js';
import { SIMULATOR_NAME } from '../simulators/name.js';
import { CONFIG_FILE, type BuildSystem } from './project.js';

export interface InitInput {
  /** Absolute project directory. */
  dir: string;
  /** Its top-level entries. */
  entries: readonly string[];
  /** The text of its build file (meson.build, CMakeLists.txt, configure.ac), for the project's name. */
  buildFile?: string;
  /** A sim.json is there already (it is kept). */
  hasConfig: boolean;
  /** The program and arguments that run sim (`sim`, or node and sim's bin/sim.js). */
  sim: readonly string[];
  image: string;
  /** Detached simulator: Run starts or updates it and follows its console; Stop leaves it running. */
  detach: boolean;
  /** Name of the detached simulator (default: the module's name). */
  name?: string;
  /** The guest command Run runs (after the build); none: the guest's console. */
  command: readonly string[];
}

export interface InitPlan {
  buildSystem: BuildSystem;
  module: string;
  configPath: string;
  /** sim.json's text; undefined when one exists. */
  config?: string;
  /** The detached simulator's name, with `detach`. */
  simulator?: string;
  /** The Run button's argv. */
  runCommand: string[];
}

/** The file whose text names the project, per build system. */
export const buildFiles: Partial<Record<BuildSystem, string[]>> = {
  meson: ['meson.build'],
  cmake: ['CMakeLists.txt'],
  autotools: ['configure.ac', 'configure.in'],
};

/** The project's own name from its build file, if it says one. */
export function projectName(system: BuildSystem, text: string | undefined): string | undefined {
  if (!text) return undefined;
  const pattern = {
    meson: /\bproject\s*\(\s*['"]([^'"]+)['"]/,
    cmake: /\bproject\s*\(\s*([A-Za-z0-9_.+-]+)/i,
    autotools: /\bAC_INIT\s*\(\s*\[?\s*([^\],)]+?)\s*\]?\s*[,)]/,
  }[system as 'meson' | 'cmake' | 'autotools'];
  return pattern?.exec(text)?.[1];
}

/** A name made fit for a module (and a simulator): letters, digits and . _ - only. */
export function plainName(name: string): string {
  const plain = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 40).replace(/[^A-Za-z0-9]+$/, '');
  return plain || 'app';
}

export function planInit(input: InitInput): InitPlan {
  const buildSystem = detectBuildSystem(input.entries);
  if (!buildSystem) {
    throw new SimError('USAGE', `${input.dir} has no build sim knows.`, `Run sim init in the project's top directory: it looks for ${detectionMarkers.join(', ')}.`);
  }
  if (input.name && !input.detach) throw new SimError('USAGE', '--name names a detached simulator.', 'Add --detach, or drop --name.');
  const module = plainName(projectName(buildSystem, input.buildFile) ?? path.basename(input.dir));
  const simulator = input.detach ? (input.name ?? module) : undefined;
  if (simulator && !SIMULATOR_NAME.test(simulator)) throw new SimError('USAGE', `'${simulator}' is not a simulator name.`, 'Give --name: up to 40 letters, digits, ".", "_" or "-".');
  const configPath = path.join(input.dir, CONFIG_FILE);
  const config = input.hasConfig ? undefined : `${JSON.stringify({ image: input.image, modules: { [module]: { source: '.' } } }, null, 2)}\n`;
  // An absolute sim.json: Builder runs the command from a directory of its choosing.
  const runCommand = [
    ...input.sim,
    'rebuild-and-boot',
    '--config',
    configPath,
    // --follow: when a detached simulator serves the prefix (started here or already running), Run stays on its console.
    ...(simulator ? ['--detach', '--name', simulator] : []),
    '--follow',
    ...(input.command.length ? ['--', ...input.command] : []),
  ];
  return { buildSystem, module, configPath, ...(config ? { config } : {}), ...(simulator ? { simulator } : {}), runCommand };
}
