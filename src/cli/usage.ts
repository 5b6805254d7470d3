/**
 * Turning what yargs refuses (unknown options and commands, missing values) into one SimError
 * with a "did you mean" where a known name is close. Pure: the CLI passes in what yargs knew
 * about the command being parsed.
 */
import { SimError } from '../core/errors.js';

export interface UsageContext {
  /** The command path parsed so far, e.g. ['image', 'add']. */
  command: string[];
  /** Option names and aliases the command knows (without dashes). */
  options: string[];
  /** Subcommands at this level, e.g. ['add', 'ls', ...] for `sim image`. */
  commands: string[];
  /** The words the user typed, up to `--` (what follows goes to the guest). */
  argv: string[];
}

/** Edit distance counting a swap of two neighbours as one edit (typing order slips). */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The known name closest to `word`, if one is close enough to be what was meant. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    // A shortened name (--mem for --memory) is as good as one slip.
    const distance = lower.length >= 3 && name.startsWith(lower) ? 1 : editDistance(lower, name);
    if (distance <= (lower.length <= 4 ? 1 : 2) && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

const dashed = (name: string) => (name.length === 1 ? `-${name}` : `--${name}`);

/** Names written as options (`--x`, `--x=1`, `-abc`) and how they were written, to tell them from positionals. */
function optionNames(argv: readonly string[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const word of argv) {
    if (word.startsWith('--')) names.set(word.slice(2).split('=')[0]!, word.split('=')[0]!);
    else if (/^-[^-\d]/.test(word)) for (const letter of word.slice(1).split('=')[0]!) names.set(letter, `-${letter}`);
  }
  return names;
}

function unknownOptions(names: readonly string[], context: UsageContext, where: string): SimError {
  const written = optionNames(context.argv);
  const longOptions = context.options.filter((name) => name.length > 1 && !/[A-Z]/.test(name));
  const close = names.length === 1 ? suggest(names[0]!, longOptions) : undefined;
  return new SimError(
    'USAGE',
    `${where} has no option ${names.map((name) => written.get(name) ?? dashed(name)).join(', ')}.`,
    `${close ? `Did you mean ${dashed(close)}? ` : ''}Run '${where} --help' for its options.`,
  );
}

/** yargs also reports the camelCase twin of an unknown dashed option (foo-bar, fooBar): keep one. */
function withoutCamelTwins(names: string[]): string[] {
  const set = new Set(names);
  return names.filter((name) => !/[A-Z]/.test(name) || !set.has(name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)));
}

export function usageError(message: string, context: UsageContext): SimError {
  const where = ['sim', ...context.command].join(' ');
  const help = `Run '${where} --help' for`;
  const written = optionNames(context.argv);

  const unknown = /^Unknown arguments?: (.*)$/s.exec(message);
  if (unknown) {
    const names = withoutCamelTwins(unknown[1]!.split(', ').map((n) => n.replace(/^"(.*)"$/, '$1')));
    const options = names.filter((name) => written.has(name));
    const words = names.filter((name) => !written.has(name));
    // A wrong command first: the options that follow it were meant for that command.
    if (words.length && context.commands.length) {
      const close = suggest(words[0]!, context.commands);
      return new SimError('USAGE', `${where} has no command '${words[0]}'.`, `${close ? `Did you mean '${where} ${close}'? ` : ''}${help} its commands: ${context.commands.join(', ')}.`);
    }
    if (options.length) return unknownOptions(options, context, where);
    return new SimError('USAGE', `${where} does not take ${words.map((w) => `'${w}'`).join(', ')}.`, `${help} what it takes; a command for the guest goes after --.`);
  }
  if (/^Not enough non-option arguments/.test(message)) {
    // yargs counts arguments before it looks for unknown options: a misspelt one is the likelier mistake.
    const strangers = [...written.keys()].filter((name) => !context.options.includes(name));
    if (strangers.length) return unknownOptions(strangers, context, where);
    if (context.commands.length) return new SimError('USAGE', `${where} needs a command: ${context.commands.join(', ')}.`, `${help} what each does.`);
    return new SimError('USAGE', `${where} is missing an argument.`, `${help} what it takes.`);
  }
  const noValue = /^Not enough arguments following: (.*)$/.exec(message);
  if (noValue) return new SimError('USAGE', `${dashed(noValue[1]!)} needs a value.`, `${help} what it takes.`);
  const missing = /^Missing required arguments?: (.*)$/.exec(message);
  if (missing) return new SimError('USAGE', `${where} needs ${missing[1]!.split(', ').map((n) => n.toUpperCase()).join(' and ')}.`, `${help} how to use it.`);
  return new SimError('USAGE', /[.?!]$/.test(message) ? message : `${message}.`, `${help} how to use it.`);
}
