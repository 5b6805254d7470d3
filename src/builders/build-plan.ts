/** Choose the build system for a module and produce its plan. Pure. */
import { SimError } from '../core/errors.js';
import { autotoolsPlan } from './autotools.js';
import { cmakePlan } from './cmake.js';
import { commandsPlan } from './commands.js';
import { detectBuildSystem, detectionMarkers } from './detect.js';
import { makePlan } from './make.js';
import { mesonPlan } from './meson.js';
import type { BuildPlan, BuildSystem, PlanInput } from './types.js';

const planners: Record<BuildSystem, (input: PlanInput) => BuildPlan> = {
  meson: mesonPlan,
  cmake: cmakePlan,
  autotools: autotoolsPlan,
  make: makePlan,
  commands: commandsPlan,
};

export function resolveBuildSystem(input: Pick<PlanInput, 'module' | 'srcEntries'>): BuildSystem {
  const { module } = input;
  const system = module.buildSystem ?? detectBuildSystem(input.srcEntries);
  if (!system) {
    throw new SimError(
      'CONFIG_INVALID',
      `Cannot tell how to build module '${module.name}': ${module.source} has none of ${detectionMarkers.join(', ')}.`,
      `Set modules.${module.name}.buildSystem in sim.json, or use buildSystem "commands" with your own build and install commands.`,
    );
  }
  return system;
}

export function planBuild(input: PlanInput): BuildPlan {
  return planners[resolveBuildSystem(input)](input);
}
