/**
 * Plain Makefiles. Assumed conventions: the Makefile honours PREFIX/LIBDIR (or GNU's lowercase
 * prefix/libdir) and DESTDIR on install; all four are passed on the command line, which
 * overrides assignments in the Makefile. Plain Makefiles have no out-of-tree convention, so
 * they build in the source tree; the build dir only holds sim's stamp and staging area.
 * Module options are extra make arguments (e.g. "CFLAGS=-O2 -g").
 */
import { GUEST_PREFIX, guestLibdir } from './libdir.js';
import type { BuildPlan, PlanInput } from './types.js';

export function makePlan({ module, srcdir, libdir, destdir, jobs }: PlanInput): BuildPlan {
  const env = { ...module.env };
  const lib = guestLibdir(libdir).absolute;
  const vars = [`PREFIX=${GUEST_PREFIX}`, `prefix=${GUEST_PREFIX}`, `LIBDIR=${lib}`, `libdir=${lib}`];
  return {
    system: 'make',
    bootstrap: [],
    configure: [],
    build: [{ phase: 'build', argv: ['make', '-C', srcdir, `-j${jobs}`, ...vars, ...module.options], cwd: srcdir, env }],
    install: [{ phase: 'install', argv: ['make', '-C', srcdir, 'install', ...vars, `DESTDIR=${destdir}`, ...module.options], cwd: srcdir, env }],
  };
}
