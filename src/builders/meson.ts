/** meson: configure once with the guest's prefix and libdir, build with ninja, install to DESTDIR. */
import { GUEST_PREFIX, guestLibdir } from './libdir.js';
import type { BuildPlan, PlanInput } from './types.js';

export function mesonPlan({ module, srcdir, builddir, libdir, destdir }: PlanInput): BuildPlan {
  const env = { ...module.env };
  const setup = ['meson', 'setup', `--prefix=${GUEST_PREFIX}`, `--libdir=${guestLibdir(libdir).prefixRelative}`, ...module.options, builddir, srcdir];
  return {
    system: 'meson',
    bootstrap: [],
    configure: [{ phase: 'configure', argv: setup, cwd: srcdir, env }],
    // ninja directly: a no-op `meson compile` costs a Python start-up for nothing.
    build: [{ phase: 'build', argv: ['ninja', '-C', builddir], cwd: builddir, env }],
    // meson install strips the build-tree RPATHs, so the guest's linker cache decides.
    // --only-changed: into the kept stage, only files newer than their staged copy.
    install: [{ phase: 'install', argv: ['meson', 'install', '-C', builddir, '--no-rebuild', '--quiet', '--only-changed', `--destdir=${destdir}`], cwd: builddir, env }],
    configuredMarker: 'build.ninja',
    incrementalInstall: 'meson',
  };
}
