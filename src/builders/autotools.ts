/**
 * autotools: a VPATH build (configure run from the build dir). A tree without a generated
 * configure script is bootstrapped first: autogen.sh (with NOCONFIGURE=1, which GNOME-style
 * scripts honour) when present, else autoreconf.
 */
import { GUEST_PREFIX, guestLibdir } from './libdir.js';
import type { BuildPlan, PlanInput, Step } from './types.js';

export function autotoolsPlan({ module, srcdir, builddir, libdir, destdir, jobs, srcEntries }: PlanInput): BuildPlan {
  const env = { ...module.env };
  const has = (name: string) => srcEntries.includes(name);
  const bootstrap: Step[] = has('configure')
    ? []
    : has('autogen.sh')
      ? [{ phase: 'bootstrap', argv: [`${srcdir}/autogen.sh`], cwd: srcdir, env: { ...env, NOCONFIGURE: '1' } }]
      : [{ phase: 'bootstrap', argv: ['autoreconf', '--install'], cwd: srcdir, env }];
  const configure = [
    `${srcdir}/configure`,
    `--prefix=${GUEST_PREFIX}`,
    `--libdir=${guestLibdir(libdir).absolute}`,
    // autoconf's defaults would be /usr/etc and /usr/var; the guest uses /etc and /var.
    '--sysconfdir=/etc',
    '--localstatedir=/var',
    ...module.options,
  ];
  return {
    system: 'autotools',
    bootstrap,
    configure: [{ phase: 'configure', argv: configure, cwd: builddir, env }],
    build: [{ phase: 'build', argv: ['make', `-j${jobs}`], cwd: builddir, env }],
    install: [{ phase: 'install', argv: ['make', 'install', `DESTDIR=${destdir}`], cwd: builddir, env }],
    configuredMarker: 'config.status',
  };
}
