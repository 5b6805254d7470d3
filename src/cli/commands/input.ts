import type { CommandModule } from 'yargs';
import { emit } from '../../core/events.js';
import { sendInput } from '../../display/send-input.js';
import type { MouseButton } from '../../display/input.js';
import { keyChord, mouseButton, screenPoint, simulatorName, typedText } from '../../config/option-values.js';
import { SimError } from '../../core/errors.js';
import { runCommand, type GlobalArgs } from './context.js';
import { checked, checkedEach } from '../option-value.js';

type InputArgs = GlobalArgs & { name?: string; key?: string[]; type?: string; click?: { x: number; y: number }; button?: MouseButton };

const describe = "Press keys, type text or click on a running simulator's screen";

export const inputCommand: CommandModule<GlobalArgs, InputArgs> = {
  command: 'input [name]',
  describe,
  builder: (y) =>
    y
      .usage(`$0 input [name] [--click X,Y] [--key CHORD]... [--type TEXT]\n\n${describe} (in that order: click, keys, text).\nExamples: --key super (the overview), --key ctrl-alt-t, --type 'hello\\n', --click 640,400 --button right`)
      .positional('name', { type: 'string', describe: 'Simulator name (default: the only one running)', coerce: checked('NAME', simulatorName) })
      .option('key', { type: 'string', array: true, nargs: 1, describe: 'A key or chord to press, like super, ret, esc, ctrl-alt-f2 (repeat for more)', coerce: checkedEach('--key', keyChord) })
      .option('type', { type: 'string', describe: 'Text to type (US keyboard layout; \\n is Enter)', coerce: checked('--type', typedText) })
      .option('click', { type: 'string', describe: 'Click at X,Y (pixels from the top left of the screen)', coerce: checked('--click', screenPoint) })
      .option('button', { type: 'string', describe: 'The button for --click: left (default), right or middle', coerce: checked('--button', mouseButton) }),
  handler: async (args) => {
    process.exitCode = await runCommand(args, async ({ context, events, json }) => {
      if (args.button && !args.click) throw new SimError('USAGE', '--button goes with --click.', 'Give the position too, like --click 640,400 --button right.');
      const click = args.click && { ...args.click, button: args.button };
      const result = await sendInput(context, args.name, { keys: args.key, text: args.type, click });
      if (json) emit(events, { type: 'log', level: 'info', message: `input: ${result.steps} steps sent to ${result.name}` });
      return 0;
    });
  },
};
