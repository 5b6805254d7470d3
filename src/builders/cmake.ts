/** CMake: GNUInstallDirs-style cache variables, generator-neutral build and install. */
import { GUEST_PREFIX, guestLibdir } from './libdir.js';
import type { BuildPlan, PlanInput } from './types.js';

export function cmakePlan({ module, srcdir, builddir, libdir, destdir, jobs }: PlanInput): BuildPlan {
  const env = { ...module.env };
  const configure = [
    'cmake', '-S', srcdir, '-B', builddir,
    `-DCMAKE_INSTALL_PREFIX=${GUEST_PREFIX}`,
    `-DCMAKE_INSTALL_LIBDIR=${guestLibdir(libdir).prefixRelative}`,
    ...module.options,
  ];
  return {
    system: 'cmake',
    bootstrap: [],
    configure: [{ phase: 'configure', argv: configure, cwd: builddir, env }],
    build: [{ phase: 'build', argv: ['cmake', '--build', builddir, '--parallel', String(jobs)], cwd: builddir, env }],
    // cmake --install reads DESTDIR from the environment and drops the build RPATH.
    install: [{ phase: 'install', argv: ['cmake', '--install', builddir], cwd: builddir, env: { ...env, DESTDIR: destdir } }],
    configuredMarker: 'CMakeCache.txt',
  };
}
