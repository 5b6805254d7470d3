/**
 * buildSystem 'commands': argv arrays from sim.json, run in the build dir. Known placeholders
 * are substituted anywhere in an argument; other braces are left alone (shell and sed scripts
 * use them). Install steps also get DESTDIR in the environment.
 */
import { GUEST_PREFIX, guestLibdir } from './libdir.js';
import type { BuildPlan, Phase, PlanInput, Step } from './types.js';

export const commandPlaceholders = ['prefix', 'libdir', 'bindir', 'destdir', 'builddir', 'srcdir', 'jobs'] as const;

export function commandsPlan({ module, srcdir, builddir, libdir, destdir, jobs }: PlanInput): BuildPlan {
  const values: Record<(typeof commandPlaceholders)[number], string> = {
    prefix: GUEST_PREFIX,
    libdir: guestLibdir(libdir).absolute,
    bindir: `${GUEST_PREFIX}/bin`,
    destdir,
    builddir,
    srcdir,
    jobs: String(jobs),
  };
  const pattern = new RegExp(`\\{(${commandPlaceholders.join('|')})\\}`, 'g');
  const substitute = (arg: string) => arg.replace(pattern, (_, name: keyof typeof values) => values[name]);
  const steps = (phase: Phase, argvs: string[][] | undefined, extraEnv: Record<string, string> = {}): Step[] =>
    (argvs ?? []).map((argv) => ({ phase, argv: argv.map(substitute), cwd: builddir, env: { ...module.env, ...extraEnv } }));
  const commands = module.commands ?? { build: [], install: [] };
  return {
    system: 'commands',
    bootstrap: [],
    configure: steps('configure', commands.configure),
    build: steps('build', commands.build),
    install: steps('install', commands.install, { DESTDIR: destdir }),
  };
}
