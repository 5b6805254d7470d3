import type { Argv, CommandModule } from 'yargs';
import { emit } from '../../core/events.js';
import { build, rebuildAndBoot } from '../../loop/rebuild.js';
import { bootOptions, bootRequestFrom, type BootArgs } from './boot.js';
import { hostPath, imageRef, moduleName, rebootPolicy, simulatorName } from '../../config/option-values.js';
import { SimError } from '../../core/errors.js';
import { runCommand, type GlobalArgs } from './context.js';
import { followConsole } from '../../simulators/follow.js';
import { checked, checkedEach } from '../option-value.js';

interface ProjectArgs extends GlobalArgs {
  modules: string[];
  config?: string;
  image?: string;
}

/** yargs hands a single variadic positional over as a plain string. */
function moduleList(value: string[] | string | undefined): string[] {
  return ([] as string[]).concat(value ?? []).map(String);
}

function projectOptions<T>(yargs: Argv<T>) {
  return yargs
    .positional('modules', { type: 'string', array: true, default: [] as string[], describe: "Modules from sim.json (default: all of them)", coerce: checkedEach('MODULE', moduleName) })
    .option('config', { alias: 'c', type: 'string', describe: 'sim.json to use (default: found from the current directory upward)', coerce: checked('--config', hostPath) });
}

export const buildCommand: CommandModule<GlobalArgs, ProjectArgs> = {
  command: 'build [modules..]',
  describe: "Build modules from sim.json into the overlay prefix, matching the image's paths (a detached simulator or a console boot running on the prefix is told what changed)",
  builder: (y) =>
    projectOptions(y).option('image', { alias: 'i', type: 'string', describe: "Image whose libdir to build for (default: sim.json's image, else debian)", coerce: checked('--image', imageRef) }),
  handler: async (args) => {
    process.exitCode = await runCommand(args, async ({ context, events, signal }) => {
      const result = await build(context, moduleList(args.modules), { configPath: args.config, image: args.image, events, signal });
      for (const r of result.results) {
        const what = r.changedFiles.length ? `${r.changedFiles.length} file(s) updated` : 'up to date';
        emit(events, { type: 'log', level: 'info', message: `${r.module}: ${what}${r.configured ? ' (configured)' : ''} in ${(r.ms / 1000).toFixed(1)} s` });
      }
      emit(events, { type: 'log', level: 'info', message: `prefix: ${result.prefix}` });
    });
  },
};

type RebuildArgs = ProjectArgs & BootArgs & { reboot: 'auto' | 'always' | 'never'; detach?: boolean; name?: string; follow?: boolean; watch?: boolean };

const rebuildDescription = 'Build modules into the overlay prefix, then boot with it (every boot option applies), or hot-reload a simulator already serving it (detached, or a sim boot at its console)';

export const rebuildAndBootCommand: CommandModule<GlobalArgs, RebuildArgs> = {
  command: 'rebuild-and-boot [modules..]',
  describe: rebuildDescription,
  builder: (y) =>
    bootOptions(projectOptions(y.usage(`$0 rebuild-and-boot [modules..] [options] [-- command...]\n\n${rebuildDescription}`)), { image: undefined }).option('reboot', {
      choices: ['auto', 'always', 'never'] as const,
      default: 'auto' as const,
      describe: 'With a detached simulator already serving this prefix: reboot it in place for library changes and for files a running process still maps (auto), always, or never (only warn)',
      coerce: checked('--reboot', rebootPolicy),
    })
      .option('detach', { alias: 'd', type: 'boolean', describe: 'With no simulator serving the prefix: start a detached one (returns once the guest is ready; with --follow the command runs in it, then its console is shown)' })
      .option('name', { type: 'string', describe: 'Name of the detached simulator (default: the image name)', coerce: checked('--name', simulatorName) })
      .option('watch', {
        alias: 'w',
        type: 'boolean',
        describe: "Stay, and at each save in a module's source build again and reload: the command still running in the simulator is ended and started anew (a detached simulator serves the prefix, started when none does; Ctrl-C ends the watch and the command, not the simulator)",
      })
      .option('follow', {
        type: 'boolean',
        describe: "When a detached simulator serves the prefix (started by --detach, or already running): after the build and the command, show its console until interrupted; ending sim, even by SIGKILL, leaves the simulator running (an IDE's Run and Stop)",
      }),
  handler: async (args) => {
    process.exitCode = await runCommand(args, async ({ context, events, signal, json }) => {
      const request = bootRequestFrom(args);
      if (args.watch && args.follow) throw new SimError('USAGE', '--watch shows the command\'s output, not the console.', 'Drop --follow; follow the console in another terminal with `sim console --follow`.');
      if (args.watch) {
        const { watchAndReload } = await import('../../loop/watch.js');
        return watchAndReload(context, { ...request, image: args.image, modules: moduleList(args.modules), configPath: args.config, reboot: args.reboot, detach: { name: args.name }, events, signal });
      }
      const detach = args.detach ? { name: args.name, runCommand: Boolean(args.follow) } : undefined;
      if (!detach && args.name) throw new SimError('USAGE', '--name names a detached simulator.', 'Add --detach or --watch, or drop --name.');
      const result = await rebuildAndBoot(context, { ...request, image: args.image, modules: moduleList(args.modules), configPath: args.config, reboot: args.reboot, detach, events, signal });
      const simulator = result.started ?? result.reloaded;
      if (args.follow && simulator && !signal.aborted) await followConsole(context, simulator, { events, signal, ...(json ? {} : { write: (chunk: Buffer) => void process.stdout.write(chunk) }) });
      if (!result.started) return result.exitCode;
      if (!json && !args.follow) process.stdout.write(`${result.started}\n`);
      return result.exitCode ? result.exitCode : { data: { name: result.started } };
    }, { interactive: !args['--']?.length && !args.detach && !args.watch });
  },
};
