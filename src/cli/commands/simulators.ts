import type { Argv, CommandModule } from 'yargs';
import { emit } from '../../core/events.js';
import { openConsole } from '../../simulators/api.js';
import { findSimulator, simulatorDir } from '../../simulators/registry.js';
import { execInSimulator, stopSimulator } from '../../simulators/control.js';
import { followConsole } from '../../simulators/follow.js';
import { simulatorName, timeoutSeconds } from '../../config/option-values.js';
import { runCommand, type GlobalArgs } from './context.js';
import { checked } from '../option-value.js';

type NameArgs = GlobalArgs & { name?: string; '--'?: (string | number)[] };
const nameArg = <T>(y: Argv<T>) => y.positional('name', { type: 'string', describe: 'Simulator name (default: the only one running)', coerce: checked('NAME', simulatorName) });

const execDescription = 'Run a command in a running simulator; exits with its status';

export const execCommand: CommandModule<GlobalArgs, NameArgs> = {
  // The guest's command follows `--`: shown in the usage, not declared (yargs would fill it from other words).
  command: 'exec [name]',
  describe: execDescription,
  builder: (y) => nameArg(y.usage(`$0 exec [name] -- command...\n\n${execDescription}`)),
  handler: async (args) => {
    process.exitCode = await runCommand(args, async ({ context, events, signal }) => execInSimulator(context, args.name, (args['--'] ?? []).map(String), { events, signal }));
  },
};

export const stopCommand: CommandModule<GlobalArgs, NameArgs & { timeout: number }> = {
  command: 'stop [name]',
  describe: 'Shut a simulator down (ACPI power-off, then kill after --timeout seconds)',
  builder: (y) => nameArg(y).option('timeout', { type: 'string', default: '30', describe: 'Seconds to wait for a clean power-off', coerce: checked('--timeout', timeoutSeconds) }),
  handler: async (args) => {
    process.exitCode = await runCommand(args, async ({ context, events }) => {
      const sim = await stopSimulator(context, args.name, { timeoutMs: args.timeout * 1000 });
      emit(events, { type: 'log', level: 'info', message: `stopped ${sim.name}` });
    });
  },
};

export const consoleCommand: CommandModule<GlobalArgs, NameArgs & { follow?: boolean }> = {
  command: 'console [name]',
  describe: "Attach to a simulator's serial console (Ctrl-] detaches)",
  builder: (y) =>
    nameArg(y).option('follow', {
      type: 'boolean',
      describe: "Only show it (read-only, no terminal needed; --json: a 'console' event per line), until Ctrl-C or the simulator stops: for an IDE's output panel",
    }),
  handler: async (args) => {
    process.exitCode = await runCommand(args, async ({ context, events, json, signal }) => {
      if (args.follow) {
        await followConsole(context, args.name, { events, signal, ...(json ? {} : { write: (chunk: Buffer) => void process.stdout.write(chunk) }) });
        return;
      }
      const sim = await findSimulator(context, args.name);
      const socket = await openConsole(simulatorDir(context, sim.name));
      emit(events, { type: 'log', level: 'info', message: `attached to ${sim.name}'s console; Ctrl-] detaches` });
      const stdin = process.stdin;
      if (stdin.isTTY) stdin.setRawMode(true);
      socket.pipe(process.stdout);
      const onInput = (data: Buffer) => {
        if (data.includes(0x1d)) return socket.end();
        socket.write(data);
      };
      stdin.on('data', onInput);
      await new Promise<void>((resolve) => socket.on('close', resolve));
      stdin.off('data', onInput);
      if (stdin.isTTY) stdin.setRawMode(false);
      stdin.pause();
    });
  },
};
