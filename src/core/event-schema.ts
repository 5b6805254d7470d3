/**
 * The zod schema of sim's events (see events.ts): what the library API exports for IDEs to
 * validate the NDJSON stream, and where the SimEvent type comes from.
 */
import { z } from 'zod';
import { phaseNames } from './events.js';

const base = { time: z.string().describe('ISO 8601 timestamp') };

export const simEventSchema = z.discriminatedUnion('type', [
  z.object({ ...base, type: z.literal('phase'), phase: z.enum(phaseNames), ms: z.number().describe('milliseconds since the operation started'), detail: z.record(z.string(), z.unknown()).optional() }),
  z.object({
    ...base,
    type: z.literal('progress'),
    task: z.string(),
    message: z.string(),
    done: z.boolean().optional(),
    bytes: z.object({ done: z.number(), total: z.number().optional() }).optional().describe('a transfer\'s progress: repeated with the same message as bytes arrive (about 4 times a second)'),
  }),
  z.object({ ...base, type: z.literal('log'), level: z.enum(['debug', 'info', 'warn']), message: z.string() }),
  z.object({ ...base, type: z.literal('console'), line: z.string() }),
  z.object({ ...base, type: z.literal('output'), stream: z.enum(['stdout', 'stderr']), data: z.string() }),
  z.object({
    ...base,
    type: z.literal('trigger'),
    name: z.string().describe('the cache refreshed for the prefix: ldconfig, gsettings-schemas, gio-modules, ...'),
    status: z.enum(['ok', 'failed', 'missing']),
    ms: z.number().optional().describe('how long it took in the guest'),
    tool: z.string().optional().describe('the program the image lacks (status missing)'),
  }),
  z.object({ ...base, type: z.literal('build-output'), module: z.string(), line: z.string() }),
  z.object({ ...base, type: z.literal('error'), code: z.string(), message: z.string(), hint: z.string(), details: z.array(z.string()).optional() }),
  z.object({ ...base, type: z.literal('web-console'), url: z.string().describe('the page, with its token: open it in a browser'), port: z.number().int() }),
  z.object({ ...base, type: z.literal('result'), exitCode: z.number().int(), data: z.record(z.string(), z.unknown()).optional() }),
]);

export type SimEvent = z.infer<typeof simEventSchema>;
