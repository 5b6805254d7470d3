import type { CommandModule } from 'yargs';
import { emit } from '../../core/events.js';
import { launchApp, openInSimulator, terminateApp } from '../../simulators/apps.js';
import { desktopAppId, openUri, simulatorName } from '../../config/option-values.js';
import { runCommand, type GlobalArgs } from './context.js';
import { checked } from '../option-value.js';

type AppArgs = GlobalArgs & { name: string; app: string };
type OpenArgs = GlobalArgs & { name: string; uri: string };

const nameArg = { type: 'string', demandOption: true, describe: 'Simulator name', coerce: checked('NAME', simulatorName) } as const;
const appArg = { type: 'string', demandOption: true, describe: "The app's id: its desktop file's name without .desktop (org.gnome.TextEditor)", coerce: checked('APP', desktopAppId) } as const;

export const launchCommand: CommandModule<GlobalArgs, AppArgs> = {
  command: 'launch <name> <app>',
  describe: "Start a desktop app in the simulator's graphical session, as GNOME starts it (prints its pids)",
  builder: (y) => y.positional('name', nameArg).positional('app', appArg),
  handler: async (args) => {
    process.exitCode = await runCommand(args, async ({ context, events, json }) => {
      const result = await launchApp(context, args.name, args.app);
      if (json) emit(events, { type: 'log', level: 'info', message: `launched ${result.app}` });
      else process.stdout.write(`${result.app}: ${result.pids.join(' ') || '(no process yet)'}\n`);
      return { data: { ...result } };
    });
  },
};

export const terminateCommand: CommandModule<GlobalArgs, AppArgs> = {
  command: 'terminate <name> <app>',
  describe: "End a desktop app's processes in the simulator (SIGTERM, SIGKILL after 5 s)",
  builder: (y) => y.positional('name', nameArg).positional('app', appArg),
  handler: async (args) => {
    process.exitCode = await runCommand(args, async ({ context, events }) => {
      const result = await terminateApp(context, args.name, args.app);
      emit(events, { type: 'log', level: 'info', message: result.pids.length ? `terminated ${result.app} (${result.pids.join(' ')})` : `${result.app} was not running` });
      return { data: { ...result } };
    });
  },
};

export const openCommand: CommandModule<GlobalArgs, OpenArgs> = {
  command: 'open <name> <uri>',
  describe: "Open a URI in the simulator's session with its default handler (a web page, a file, an app's scheme)",
  builder: (y) => y.positional('name', nameArg).positional('uri', { type: 'string', demandOption: true, describe: 'A URI with its scheme: https://..., file:///...', coerce: checked('URI', openUri) }),
  handler: async (args) => {
    process.exitCode = await runCommand(args, async ({ context, events }) => {
      await openInSimulator(context, args.name, args.uri);
      emit(events, { type: 'log', level: 'info', message: `opened ${args.uri} in ${args.name}` });
      return { data: { uri: args.uri } };
    });
  },
};
