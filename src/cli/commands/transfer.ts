import type { CommandModule } from 'yargs';
import { emit } from '../../core/events.js';
import { pullFromSimulator, pushToSimulator } from '../../simulators/transfer.js';
import { guestPath, hostPath, simulatorName } from '../../config/option-values.js';
import { runCommand, type GlobalArgs } from './context.js';
import { checked } from '../option-value.js';

type TransferArgs = GlobalArgs & { name: string; source: string; destination: string };

const pushDescribe = "Copy a file or directory into a running simulator (into DST when it is a directory or ends in /)";
const pullDescribe = 'Copy a file or directory out of a running simulator (into DST when it is a directory or ends in /)';

export const pushCommand: CommandModule<GlobalArgs, TransferArgs> = {
  command: 'push <name> <source> <destination>',
  describe: pushDescribe,
  builder: (y) =>
    y
      .positional('name', { type: 'string', demandOption: true, describe: 'Simulator name', coerce: checked('NAME', simulatorName) })
      .positional('source', { type: 'string', demandOption: true, describe: 'File or directory on this machine', coerce: checked('SRC', hostPath) })
      .positional('destination', { type: 'string', demandOption: true, describe: 'Absolute path in the guest', coerce: checked('DST', guestPath) }),
  handler: async (args) => {
    process.exitCode = await runCommand(args, async ({ context, events }) => {
      const result = await pushToSimulator(context, args.name, args.source, args.destination);
      emit(events, { type: 'log', level: 'info', message: `pushed ${result.source} to ${args.name}:${result.destination} (${result.bytes} bytes)` });
      return { data: { ...result } };
    });
  },
};

export const pullCommand: CommandModule<GlobalArgs, TransferArgs> = {
  command: 'pull <name> <source> <destination>',
  describe: pullDescribe,
  builder: (y) =>
    y
      .positional('name', { type: 'string', demandOption: true, describe: 'Simulator name', coerce: checked('NAME', simulatorName) })
      .positional('source', { type: 'string', demandOption: true, describe: 'Absolute path in the guest', coerce: checked('SRC', guestPath) })
      .positional('destination', { type: 'string', demandOption: true, describe: 'File or directory on this machine', coerce: checked('DST', hostPath) }),
  handler: async (args) => {
    process.exitCode = await runCommand(args, async ({ context, events }) => {
      const result = await pullFromSimulator(context, args.name, args.source, args.destination);
      emit(events, { type: 'log', level: 'info', message: `pulled ${args.name}:${result.source} to ${result.destination} (${result.bytes} bytes)` });
      return { data: { ...result } };
    });
  },
};
