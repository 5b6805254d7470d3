/**
 * A command whose module is loaded only when it runs. `sim --help` needs nothing but the
 * commands' names and descriptions, `sim ls` nothing of `sim boot`; loading every command's
 * module (and through them QEMU, image and build code, execa and zod) at each start cost
 * `sim --version` about 300 ms.
 */
import type { Argv, CommandModule } from 'yargs';

// The table holds commands of every argument type; yargs itself types them so.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyCommand = CommandModule<any, any>;

export interface LazyCommand extends CommandModule {
  /** The first word of `command`: what the user types. */
  name: string;
  /** The command's module, loaded once; main.ts loads it before parsing, so that yargs finds the builder synchronous. */
  load(): Promise<AnyCommand>;
}

function build(yargs: Argv, module: AnyCommand): Argv {
  if (typeof module.builder === 'function') return module.builder(yargs) as Argv;
  return module.builder ? yargs.options(module.builder) : yargs;
}

/** `command` and `describe` must be the module's own (test/unit/cli/command-table.test.ts checks). */
export function lazyCommand(command: string, describe: string, load: () => Promise<AnyCommand>): LazyCommand {
  let loaded: AnyCommand | undefined;
  const ensure = async () => (loaded ??= await load());
  return {
    command,
    describe,
    name: command.split(' ')[0]!,
    load: ensure,
    // yargs awaits a builder's promise too, but then lets an option's coerce error escape
    // instead of handing it to fail(): the promise is only a fallback for callers that did not load().
    // (@types/yargs types a builder as either synchronous or not, never both.)
    builder: ((yargs: Argv) => (loaded ? build(yargs, loaded) : ensure().then((module) => build(yargs, module)))) as (yargs: Argv) => Argv,
    handler: async (args) => {
      await (await ensure()).handler(args);
    },
  };
}
