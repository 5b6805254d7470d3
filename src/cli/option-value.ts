/**
 * Option values checked while yargs parses, with the shared schemas of src/config/option-values.ts:
 * a wrong value stops the command before its handler runs, with one sentence naming the option
 * and what it takes.
 */
import type { z } from 'zod';
import { accepted } from '../config/option-values.js';

/** Thrown from a coerce function; yargs keeps only the message and hands it to fail(). */
export class OptionValueError extends Error {}

function shown(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : String(value);
}

/** The value of a single-valued option (`label` '--memory') or positional ('NAME'), checked by `schema`. */
export function checked<S extends z.ZodType>(label: string, schema: S): (value: unknown) => z.output<S> {
  return (value) => {
    // yargs coerces options that are absent but declared with an undefined default.
    if (value === undefined) return value as z.output<S>;
    // yargs turns a repeated option into an array; which one was meant is a guess, so ask.
    if (Array.isArray(value)) throw new OptionValueError(`${label} is given ${value.length} times (${value.map(shown).join(', ')}); give it once.`);
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    if (value === '') throw new OptionValueError(`${label} needs a value: ${accepted(result.error)}.`);
    throw new OptionValueError(`${label} takes ${accepted(result.error)}, not ${shown(value)}.`);
  };
}

/** The values of a repeatable option (declare it with `array: true, nargs: 1`), each checked by `schema`. */
export function checkedEach<S extends z.ZodType>(label: string, schema: S): (value: unknown) => z.output<S>[] {
  const one = checked(label, schema);
  return (value) => (value === undefined ? value : ([] as unknown[]).concat(value).map((item) => one(item))) as z.output<S>[];
}
