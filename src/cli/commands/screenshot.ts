import type { CommandModule } from 'yargs';
import { emit } from '../../core/events.js';
import { screenshot } from '../../display/screenshot.js';
import { hostPath, simulatorName } from '../../config/option-values.js';
import { runCommand, type GlobalArgs } from './context.js';
import { checked } from '../option-value.js';

type ScreenshotArgs = GlobalArgs & { name?: string; output?: string };

export const screenshotCommand: CommandModule<GlobalArgs, ScreenshotArgs> = {
  command: 'screenshot [name]',
  describe: "Save a running simulator's screen as PNG (prints the file's path)",
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'Simulator name (default: the only one running)', coerce: checked('NAME', simulatorName) })
      .option('output', { alias: 'o', type: 'string', describe: 'PNG file to write (default: NAME-TIMESTAMP.png here)', coerce: checked('--output', hostPath) }),
  handler: async (args) => {
    process.exitCode = await runCommand(args, async ({ context, events, json }) => {
      const shot = await screenshot(context, args.name, { output: args.output });
      if (json) emit(events, { type: 'log', level: 'info', message: `screenshot ${shot.file} (${shot.width}x${shot.height})` });
      else process.stdout.write(`${shot.file}\n`);
      return 0;
    });
  },
};
