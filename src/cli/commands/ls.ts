/**
 * `sim ls`: what an IDE polls, so it loads only the registry and the command runner (no zod, no
 * execa; test/integration/cli-launcher.test.ts checks).
 */
import type { CommandModule } from 'yargs';
import { listSimulators } from '../../simulators/registry.js';
import { runCommand, type GlobalArgs } from './context.js';

function uptime(startedAt: string): string {
  const s = Math.round((Date.now() - Date.parse(startedAt)) / 1000);
  return s < 60 ? `${s}s` : s < 3600 ? `${Math.floor(s / 60)}m${s % 60}s` : `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
}

export const lsCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'ls',
  describe: 'List running simulators (stale entries are cleaned up)',
  handler: async (args) => {
    process.exitCode = await runCommand(args, async ({ context, json }) => {
      const sims = await listSimulators(context);
      if (json) {
        for (const s of sims) process.stdout.write(`${JSON.stringify({ type: 'simulator', time: new Date().toISOString(), ...s })}\n`);
        return;
      }
      process.stdout.write('NAME\tSTATUS\tIMAGE\tOVERLAY\tPID\tACCEL\tUPTIME\n');
      for (const s of sims) process.stdout.write(`${s.name}\t${s.status}\t${s.image}\t${s.overlay ?? '-'}\t${s.pid}\t${s.accel}\t${uptime(s.startedAt)}\n`);
    });
  },
};
