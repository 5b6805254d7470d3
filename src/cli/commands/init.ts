/**
 * `sim init`: make the current project runnable in a simulator from an IDE. Writes sim.json (one
 * module: the project) unless there is one, and a configuration in `.buildconfig` whose Run
 * button (GNOME Builder, Foundry) rebuilds the module into the prefix and runs it in the
 * simulator. Decisions are src/config/init-plan.ts and src/ide/buildconfig.ts; this file reads
 * and writes.
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { CommandModule } from 'yargs';
import { writeFileAtomic } from '../../core/atomic.js';
import { emit } from '../../core/events.js';
import { which } from '../../core/process.js';
import { packageRoot } from '../../core/paths.js';
import { buildFiles, planInit } from '../../config/init-plan.js';
import { BUILDCONFIG_FILE, buildconfigTarget, FOUNDRY_BUILDCONFIG_FILE, planBuildconfig, SIM_GROUP } from '../../ide/buildconfig.js';
import { detectBuildSystem, listSource } from '../../builders/detect.js';
import { CONFIG_FILE } from '../../config/project.js';
import { imageRef, simulatorName } from '../../config/option-values.js';
import { DEFAULT_IMAGE } from '../../images/default.js';
import { runCommand, type GlobalArgs } from './context.js';
import { checked } from '../option-value.js';

type InitArgs = GlobalArgs & { image?: string; name?: string; detach?: boolean; force?: boolean; '--'?: (string | number)[] };

const describe = "Set the project up for an IDE's Run button: sim.json (one module: this directory) and a 'Run in simulator (sim)' configuration in .buildconfig (GNOME Builder, Foundry)";

const readText = (file: string) => readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)));

/**
 * How the Run button starts sim: `sim` when the one on PATH is this installation, else node and
 * this installation's bin/sim.js by absolute path (an IDE's PATH may lack npm's bin directory).
 */
async function simProgram(): Promise<string[]> {
  const bin = path.join(packageRoot, 'bin', 'sim.js');
  const onPath = await which('sim');
  const same = onPath && (await Promise.all([stat(onPath), stat(bin)]).then(([a, b]) => a.ino === b.ino && a.dev === b.dev, () => false));
  return same ? ['sim'] : [process.execPath, bin];
}

export const initCommand: CommandModule<GlobalArgs, InitArgs> = {
  command: 'init',
  describe,
  builder: (y) =>
    y
      .usage(`$0 init [options] [-- command...]\n\n${describe}.\nRun rebuilds the module (sim rebuild-and-boot) and boots the simulator with it, or hot-reloads a detached one serving the prefix; the command after -- is what runs in the guest (none: the guest's console).`)
      .option('image', { alias: 'i', type: 'string', describe: `Image of the new sim.json (default: ${DEFAULT_IMAGE})`, coerce: checked('--image', imageRef) })
      .option('detach', {
        alias: 'd',
        type: 'boolean',
        describe: "Run starts (or hot-reloads) a detached simulator and shows its console; Stop leaves it running. Default: Run boots in the foreground and Stop ends the guest",
      })
      .option('name', { type: 'string', describe: "Name of the detached simulator (default: the module's name)", coerce: checked('--name', simulatorName) })
      .option('force', { alias: 'f', type: 'boolean', describe: `Replace sim's own configuration in ${BUILDCONFIG_FILE} (or in ${FOUNDRY_BUILDCONFIG_FILE}, in a project that has only that one); sim.json is never replaced` }),
  handler: async (args) => {
    process.exitCode = await runCommand(args, async ({ events }) => {
      const dir = process.cwd();
      const entries = await listSource(dir);
      const existingConfig = await readText(path.join(dir, CONFIG_FILE));
      const system = detectBuildSystem(entries);
      const buildFile = system ? (buildFiles[system] ?? []).find((f) => entries.includes(f)) : undefined;
      const plan = planInit({
        dir,
        entries,
        buildFile: buildFile ? await readText(path.join(dir, buildFile)) : undefined,
        hasConfig: existingConfig !== undefined,
        sim: await simProgram(),
        image: args.image ?? DEFAULT_IMAGE,
        detach: Boolean(args.detach),
        name: args.name,
        command: (args['--'] ?? []).map(String),
      });
      const isFile = (file: string) => stat(path.join(dir, file)).then((s) => s.isFile(), () => false);
      const target = buildconfigTarget({ buildconfig: await isFile(BUILDCONFIG_FILE), foundry: await isFile(FOUNDRY_BUILDCONFIG_FILE) });
      const buildconfigPath = path.join(dir, target);
      const ide = planBuildconfig(await readText(buildconfigPath), { group: SIM_GROUP, runCommand: plan.runCommand, force: Boolean(args.force) });

      if (plan.config) await writeFileAtomic(plan.configPath, plan.config);
      emit(events, { type: 'log', level: 'info', message: plan.config ? `wrote ${CONFIG_FILE}: module '${plan.module}' (${plan.buildSystem}, this directory) on image ${args.image ?? DEFAULT_IMAGE}` : `kept the existing ${CONFIG_FILE}` });
      if (ide.text !== undefined) {
        await mkdir(path.dirname(buildconfigPath), { recursive: true });
        await writeFileAtomic(buildconfigPath, ide.text);
      }
      const what = { created: 'wrote', added: 'added to', replaced: 'replaced in', kept: 'kept in' }[ide.action];
      emit(events, { type: 'log', level: 'info', message: `${what} ${target}: [${SIM_GROUP}] 'Run in simulator (sim)'${ide.action === 'kept' ? ' (--force replaces it)' : ''}` });
      if (target === FOUNDRY_BUILDCONFIG_FILE) emit(events, { type: 'log', level: 'info', message: `no ${BUILDCONFIG_FILE} here: wrote Foundry's own file (a ${BUILDCONFIG_FILE} would hide it from Foundry); GNOME Builder before Foundry reads only ${BUILDCONFIG_FILE}` });
      emit(events, { type: 'log', level: 'info', message: `run-command=${ide.runCommand}` });
      if (ide.otherDefault) emit(events, { type: 'log', level: 'warn', message: `[${ide.otherDefault}] stays Builder's default configuration: pick 'Run in simulator (sim)' in Builder's build configurations` });
      emit(events, { type: 'log', level: 'info', message: plan.simulator ? `Run: build, then start or hot-reload the detached simulator '${plan.simulator}' and show its console; Stop leaves it running (sim stop ${plan.simulator})` : 'Run: build, then boot the simulator in the foreground (or hot-reload a detached one serving the prefix); Stop ends it' });
      return {
        data: {
          config: plan.configPath,
          configWritten: Boolean(plan.config),
          module: plan.module,
          buildSystem: plan.buildSystem,
          buildconfig: buildconfigPath,
          buildconfigAction: ide.action,
          default: ide.isDefault,
          runCommand: ide.runCommand,
          ...(plan.simulator ? { simulator: plan.simulator } : {}),
        },
      };
    });
  },
};
