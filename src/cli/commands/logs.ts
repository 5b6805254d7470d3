import type { CommandModule } from 'yargs';
import { emit } from '../../core/events.js';
import { formatEntry } from '../../simulators/journal.js';
import { simulatorLogs } from '../../simulators/logs.js';
import { logLines, simulatorName } from '../../config/option-values.js';
import { runCommand, type GlobalArgs } from './context.js';
import { checked } from '../option-value.js';

type LogsArgs = GlobalArgs & { name?: string; follow?: boolean; lines?: number };

const describe = "Show the guest's log: systemd's journal of this boot (the kernel's log on an image without one)";

export const logsCommand: CommandModule<GlobalArgs, LogsArgs> = {
  command: 'logs [name]',
  describe,
  builder: (y) =>
    y
      .usage(`$0 logs [name] [-f] [-n N]\n\n${describe}; with --json, one {"type":"journal","entry":{...}} line per entry`)
      .positional('name', { type: 'string', describe: 'Simulator name (default: the only one running)', coerce: checked('NAME', simulatorName) })
      .option('follow', { alias: 'f', type: 'boolean', describe: 'Then go on with new entries as they come (until Ctrl-C or the simulator stops)' })
      .option('lines', { alias: 'n', type: 'string', describe: 'Only the last N entries (default: all of this boot; 10 with --follow)', coerce: checked('--lines', logLines) }),
  handler: async (args) => {
    process.exitCode = await runCommand(args, async ({ context, events, json, signal }) => {
      for await (const entry of simulatorLogs(context, args.name, { follow: args.follow, lines: args.lines, signal })) {
        if (json) emit(events, { type: 'journal', entry });
        else process.stdout.write(`${formatEntry(entry)}\n`);
      }
    });
  },
};
