/**
 * The zod schema of sim's events (see events.ts): what the library API exports for IDEs to
 * validate the NDJSON stream, and where the SimEvent type comes from.
 */
import { z } from 'zod';
import { phaseNames } from './events.js';
import { simulatorStateSchema } from '../simulators/state-schema.js';

const base = { time: z.string().describe('ISO 8601 timestamp') };

const journalEntrySchema = z.object({
  timestamp: z.string().describe('ISO 8601'),
  message: z.string(),
  priority: z.number().int().min(0).max(7).optional().describe('syslog priority: 0 emerg ... 7 debug'),
  identifier: z.string().optional().describe("SYSLOG_IDENTIFIER or the command's name; 'kernel' for the kernel's log"),
  pid: z.number().int().optional(),
  unit: z.string().optional().describe('the systemd unit (system or user) it came from'),
  source: z.enum(['journal', 'kernel']).describe("systemd's journal, or the kernel's log on an image without journald"),
  cursor: z.string().describe('where to go on from'),
});

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
  z.object({ ...base, ...simulatorStateSchema.shape, type: z.literal('simulator') }).describe('`sim ls --json`: one line per running simulator'),
  z.object({ ...base, type: z.literal('simulators'), simulators: z.array(simulatorStateSchema) }).describe('`sim ls --watch`: the list when watching starts'),
  z
    .object({ ...base, type: z.literal('simulator-change'), change: z.enum(['appeared', 'ready', 'stopped']), name: z.string(), simulators: z.array(simulatorStateSchema).describe('the whole list after the change') })
    .describe('`sim ls --watch`: a simulator appeared, became ready or stopped'),
  z.object({ ...base, type: z.literal('journal'), entry: journalEntrySchema }).describe("`sim logs`: an entry of the guest's log"),
  z.object({ ...base, type: z.literal('result'), exitCode: z.number().int(), data: z.record(z.string(), z.unknown()).optional() }),
]);

export type SimEvent = z.infer<typeof simEventSchema>;
