/** The command table. Each command lives in src/cli/commands/. */
import yargs, { type Argv, type CommandModule } from 'yargs';
import { bootCommand } from './commands/boot.js';
import { buildCommand, rebuildAndBootCommand } from './commands/build.js';
import { runCommand } from './commands/context.js';
import { demoCommand } from './commands/demo.js';
import { doctorCommand } from './commands/doctor.js';
import { imageCommand } from './commands/image.js';
import { inputCommand } from './commands/input.js';
import { screenshotCommand } from './commands/screenshot.js';
import { snapshotCommand } from './commands/snapshot.js';
import { consoleCommand, execCommand, lsCommand, stopCommand } from './commands/simulators.js';
import { usageError } from './usage.js';
import { isSimError } from '../core/errors.js';

export const commands = [
  bootCommand,
  imageCommand,
  snapshotCommand,
  buildCommand,
  rebuildAndBootCommand,
  lsCommand,
  execCommand,
  consoleCommand,
  stopCommand,
  screenshotCommand,
  inputCommand,
  demoCommand,
  doctorCommand,
] as CommandModule[];

export interface CliOptions {
  /** Runs after every check passed, right before a command's handler (tests stop there). */
  beforeHandler?: (args: Record<string, unknown>) => void;
}

/** What fail() asks of yargs about the command being parsed (not in @types/yargs). */
interface YargsInternals {
  getInternalMethods(): { getContext(): { commands: string[] }; getCommandInstance(): { getCommands(): string[] } };
  getOptions(): { key: Record<string, unknown>; alias: Record<string, string[]> };
}

/** The words before `--`; the rest is the guest's command. */
function ownWords(argv: readonly string[]): string[] {
  const end = argv.indexOf('--');
  return end < 0 ? [...argv] : argv.slice(0, end);
}

/** The parser, not yet run. */
export function createCli(argv: string[], options: CliOptions = {}): Argv {
  const cli: Argv = yargs(argv)
    .scriptName('sim')
    .usage('$0 <command> [options]\n\nBoot a complete OS image in QEMU with your freshly built component layered on top.')
    // Our messages are English; yargs' must be too, to be recognised in fail().
    .locale('en')
    // '--no-init' is a flag of its own, not the negation of '--init'.
    .parserConfiguration({ 'populate--': true, 'boolean-negation': false })
    .option('json', { type: 'boolean', describe: 'Emit NDJSON events on stdout instead of human output' })
    .option('verbose', { alias: 'v', type: 'boolean', describe: 'Show the commands sim runs and the guest console' })
    .command(commands)
    .demandCommand(1)
    .strict()
    // Throwing here stops yargs before the command's handler: nothing runs after a usage error.
    .fail((message, error) => {
      if (isSimError(error)) throw error;
      const internals = (cli as unknown as YargsInternals).getInternalMethods();
      const known = (cli as unknown as YargsInternals).getOptions();
      throw usageError(message ?? error?.message ?? 'The command line is not valid', {
        command: [...internals.getContext().commands],
        options: [...Object.keys(known.key), ...Object.values(known.alias).flat()],
        commands: internals.getCommandInstance().getCommands(),
        argv: ownWords(argv),
      });
    })
    .help()
    .version();
  if (options.beforeHandler) cli.middleware(options.beforeHandler);
  return cli;
}

export async function main(argv: string[], options: CliOptions = {}): Promise<number> {
  try {
    await createCli(argv, options).parseAsync();
  } catch (error) {
    // Reported like any command's error (human or --json); anything but a SimError is a bug.
    return runCommand({ json: ownWords(argv).includes('--json'), verbose: false }, () => {
      throw error;
    });
  }
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}
