/** Shapes shared by the build planners (pure) and the runner (effects). */
import type { BuildSystem, ModuleSpec } from '../config/project.js';

export type { BuildSystem };

export type Phase = 'bootstrap' | 'configure' | 'build' | 'install';

export interface Step {
  phase: Phase;
  argv: string[];
  cwd: string;
  /** Added to the environment sim itself runs with. */
  env: Record<string, string>;
}

export interface PlanInput {
  module: ModuleSpec;
  srcdir: string;
  builddir: string;
  /** The image's libdir relative to / as sim stores it, e.g. usr/lib/x86_64-linux-gnu. */
  libdir: string;
  /** Staging directory the install step writes to (DESTDIR). */
  destdir: string;
  /** Parallel jobs for tools that do not pick their own (make). */
  jobs: number;
  /** Top-level entry names of srcdir: what detection and autotools bootstrapping look at. */
  srcEntries: readonly string[];
}

export interface BuildPlan {
  system: BuildSystem;
  /** Generates the configure script in the source tree (autotools); runs only before a configure. */
  bootstrap: Step[];
  /** Runs only when the build dir is new or these steps changed (see staleness.ts). */
  configure: Step[];
  build: Step[];
  install: Step[];
  /** A file in builddir the configure step leaves behind; when missing, configure runs again. */
  configuredMarker?: string;
  /**
   * meson: the install step copies only what changed into a stage kept between builds, and
   * what it reads can be fingerprinted (install-inputs.ts), so a build that changed none of it
   * skips the install and the sync. Otherwise the stage is written afresh each time.
   */
  incrementalInstall?: 'meson';
}
