/**
 * `sim ls [--watch]`: what an IDE polls or watches, so it loads only the registry and the command
 * runner (no zod, no execa; test/integration/cli-launcher.test.ts checks).
 */
import type { CommandModule } from 'yargs';
import { emit } from '../../core/events.js';
import { listSimulators, type SimulatorState } from '../../simulators/registry.js';
import { watchSimulators } from '../../simulators/watch.js';
import { runCommand, type GlobalArgs } from './context.js';

type LsArgs = GlobalArgs & { watch?: boolean };

function uptime(startedAt: string): string {
  const s = Math.round((Date.now() - Date.parse(startedAt)) / 1000);
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m${s % 60}s` : `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

function printTable(sims: SimulatorState[]): void {
  process.stdout.write('NAME\tSTATUS\tIMAGE\tOVERLAY\tPID\tACCEL\tUPTIME\n');
  for (const s of sims) process.stdout.write(`${s.name}\t${s.status}\t${s.image}\t${s.overlay ?? '-'}\t${s.pid}\t${s.accel}\t${uptime(s.startedAt)}\n`);
}

export const lsCommand: CommandModule<GlobalArgs, LsArgs> = {
  command: 'ls',
  describe: 'List running simulators (stale entries are cleaned up)',
  builder: (y) => y.option('watch', { alias: 'w', type: 'boolean', describe: 'Then go on: a line each time a simulator appears, becomes ready or stops (until Ctrl-C)' }),
  handler: async (args) => {
    process.exitCode = await runCommand(args, async ({ context, json, events, signal }) => {
      if (!args.watch) {
        const sims = await listSimulators(context);
        if (json) for (const s of sims) emit(events, { type: 'simulator', ...s });
        else printTable(sims);
        return;
      }
      for await (const update of watchSimulators(context, { signal })) {
        if (!update.changes.length) {
          if (json) emit(events, { type: 'simulators', simulators: update.simulators });
          else printTable(update.simulators);
          continue;
        }
        for (const { change, name } of update.changes) {
          if (json) emit(events, { type: 'simulator-change', change, name, simulators: update.simulators });
          else process.stdout.write(`${new Date().toTimeString().slice(0, 8)}\t${change}\t${name}${change === 'appeared' ? `\t${update.simulators.find((s) => s.name === name)?.image ?? ''}` : ''}\n`);
        }
      }
    });
  },
};
