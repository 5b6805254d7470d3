/** The command table. Each command lives in src/commands/. */
import yargs from 'yargs';
import { bootCommand } from './commands/boot.js';
import { buildCommand, rebuildAndBootCommand } from './commands/build.js';
import { demoCommand } from './commands/demo.js';
import { doctorCommand } from './commands/doctor.js';
import { imageCommand } from './commands/image.js';
import { screenshotCommand } from './commands/screenshot.js';
import { consoleCommand, execCommand, lsCommand, stopCommand } from './commands/simulators.js';
import { ExitCode } from './errors.js';

export async function main(argv: string[]): Promise<number> {
  let usageError = false;
  await yargs(argv)
    .scriptName('sim')
    .usage('$0 <command> [options]\n\nBoot a complete OS image in QEMU with your freshly built component layered on top.')
    // '--no-init' is a flag of its own, not the negation of '--init'.
    .parserConfiguration({ 'populate--': true, 'boolean-negation': false })
    .option('json', { type: 'boolean', describe: 'Emit NDJSON events on stdout instead of human output' })
    .option('verbose', { alias: 'v', type: 'boolean', describe: 'Show the commands sim runs and the guest console' })
    .command(bootCommand)
    .command(imageCommand)
    .command(buildCommand)
    .command(rebuildAndBootCommand)
    .command(lsCommand)
    .command(execCommand)
    .command(consoleCommand)
    .command(stopCommand)
    .command(screenshotCommand)
    .command(demoCommand)
    .command(doctorCommand)
    .demandCommand(1)
    .strict()
    .fail((message, error, y) => {
      if (error) throw error;
      usageError = true;
      process.stderr.write(`${y.help() && ''}sim: ${message}\nRun 'sim --help' for usage.\n`);
    })
    .help()
    .version()
    .parseAsync();
  if (usageError) return ExitCode.usage;
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}
