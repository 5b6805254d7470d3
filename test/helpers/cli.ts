/** Running the CLI in-process, stopped right before a command's handler, and reading its table. */
import yargs, { type Argv } from 'yargs';
import { createCli, main } from '../../src/cli/main.js';

export interface CliRun {
  code: number;
  /** Everything written to stdout and stderr. */
  output: string;
  /** The parsed arguments, when every check passed and a handler would have run. */
  reached?: Record<string, unknown>;
}

class Stop extends Error {}

/** `main(argv)` with its output captured; the handler never runs (a sentinel stops it). */
export async function runCli(argv: string[]): Promise<CliRun> {
  let output = '';
  let reached: Record<string, unknown> | undefined;
  // Saved to be put back on the same objects, so their `this` is right again.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const writes = { out: process.stdout.write, err: process.stderr.write };
  const capture = ((chunk: string | Uint8Array) => ((output += chunk.toString()), true)) as typeof process.stdout.write;
  process.stdout.write = capture;
  process.stderr.write = capture;
  const exitCode = process.exitCode;
  try {
    const code = await main(argv, {
      beforeHandler: (args) => {
        reached = { ...args };
        throw new Stop('handler reached');
      },
    });
    return { code, output, reached };
  } finally {
    process.stdout.write = writes.out;
    process.stderr.write = writes.err;
    process.exitCode = exitCode;
  }
}

export interface CommandEntry {
  /** e.g. ['image', 'add'] */
  path: string[];
  /** Long option names the command takes (global ones included). */
  options: string[];
  /** Positionals that must be given, e.g. ['file']. */
  demanded: string[];
  /** Has subcommands of its own. */
  parent: boolean;
}

interface Handler {
  builder?: ((y: Argv) => unknown) | Record<string, unknown>;
  demanded: { cmd: string[] }[];
}

interface Internals {
  getInternalMethods(): { getCommandInstance(): { getCommandHandlers(): Record<string, Handler> } };
  getOptions(): { key: Record<string, unknown> };
}

const internals = (y: Argv) => y as unknown as Internals;

/**
 * Every command and subcommand of the real table, each with its options, read back from yargs.
 * Async: a command's builder loads its module first (src/cli/lazy-command.ts).
 */
export async function commandTable(): Promise<CommandEntry[]> {
  const entries: CommandEntry[] = [];
  const walk = async (parent: Argv, path: string[]) => {
    for (const [name, handler] of Object.entries(internals(parent).getInternalMethods().getCommandInstance().getCommandHandlers())) {
      const inner = yargs([]).option('json', { type: 'boolean' }).option('verbose', { alias: 'v', type: 'boolean' });
      if (typeof handler.builder === 'function') await handler.builder(inner);
      const children = Object.keys(internals(inner).getInternalMethods().getCommandInstance().getCommandHandlers());
      const options = Object.keys(internals(inner).getOptions().key).filter((key) => key.length > 1 && !/[A-Z]/.test(key) && key !== 'help' && key !== 'version');
      entries.push({ path: [...path, name], options, demanded: handler.demanded.map((d) => d.cmd[0]!), parent: children.length > 0 });
      await walk(inner, [...path, name]);
    }
  };
  await walk(createCli([]), []);
  return entries;
}

/** A slip of the fingers: the last two letters swapped (or a letter doubled when they are equal). */
export function misspell(name: string): string {
  const a = name.at(-2)!;
  const b = name.at(-1)!;
  return a === b ? `${name}${b}` : `${name.slice(0, -2)}${b}${a}`;
}
