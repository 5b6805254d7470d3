/**
 * The guest's log as sim reads it: systemd's journal where the image has one (journalctl's JSON
 * export, one object per line), else the kernel's ring buffer (busybox `dmesg -r`), which every
 * guest has. Parsing what the guest script (logs.ts) prints into entries is pure.
 */

export interface JournalEntry {
  /** ISO 8601. */
  timestamp: string;
  message: string;
  /** syslog priority, 0 (emerg) to 7 (debug). */
  priority?: number;
  /** SYSLOG_IDENTIFIER, else the command's name; 'kernel' for the kernel's log. */
  identifier?: string;
  pid?: number;
  /** The systemd unit (system or user) the entry came from. */
  unit?: string;
  source: 'journal' | 'kernel';
  /** Where to go on from: the journal's cursor, or `k:SECONDS` in the kernel's log. */
  cursor: string;
}

type JournalJson = Record<string, unknown>;

/** journalctl exports a field that is not valid UTF-8 as an array of bytes. */
function field(record: JournalJson, name: string): string | undefined {
  const value = record[name];
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((b) => typeof b === 'number')) return Buffer.from(value).toString('utf8');
  return undefined;
}

function numberField(record: JournalJson, name: string): number | undefined {
  const text = field(record, name);
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}

function journalEntry(record: JournalJson): JournalEntry | undefined {
  const cursor = field(record, '__CURSOR');
  const micros = field(record, '__REALTIME_TIMESTAMP');
  if (!cursor || !micros || !/^\d+$/.test(micros)) return undefined;
  const unit = field(record, '_SYSTEMD_USER_UNIT') ?? field(record, '_SYSTEMD_UNIT');
  const identifier = field(record, 'SYSLOG_IDENTIFIER') ?? field(record, '_COMM');
  const priority = numberField(record, 'PRIORITY');
  const pid = numberField(record, '_PID');
  return {
    timestamp: new Date(Number(BigInt(micros) / 1000n)).toISOString(),
    message: field(record, 'MESSAGE') ?? '',
    ...(priority === undefined ? {} : { priority }),
    ...(identifier === undefined ? {} : { identifier }),
    ...(pid === undefined ? {} : { pid }),
    ...(unit === undefined ? {} : { unit }),
    source: 'journal',
    cursor,
  };
}

/**
 * The logs script's output: journal lines (`{...}`), or for the kernel's log a `B EPOCH` line
 * (the guest's boot time) followed by `K PRIORITY SECONDS MESSAGE` lines. Lines that are neither
 * (a partial last line) are skipped.
 */
export function parseLogOutput(text: string): JournalEntry[] {
  const entries: JournalEntry[] = [];
  let bootEpoch = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('{')) {
      let record: unknown;
      try {
        record = JSON.parse(line);
      } catch {
        continue;
      }
      const entry = record && typeof record === 'object' ? journalEntry(record as JournalJson) : undefined;
      if (entry) entries.push(entry);
      continue;
    }
    const boot = /^B (\d+)$/.exec(line);
    if (boot) {
      bootEpoch = Number(boot[1]);
      continue;
    }
    const kernel = /^K (\d+) (\d+(?:\.\d+)?) (.*)$/.exec(line);
    if (kernel) {
      const seconds = kernel[2]!;
      entries.push({
        timestamp: new Date(Math.round((bootEpoch + Number(seconds)) * 1000)).toISOString(),
        message: kernel[3]!,
        // dmesg -r gives facility * 8 + level.
        priority: Number(kernel[1]) & 7,
        identifier: 'kernel',
        source: 'kernel',
        cursor: `k:${seconds}`,
      });
    }
  }
  return entries;
}

/**
 * The cursor journalctl's --show-cursor prints after the last entry (`-- cursor: ...`), which
 * says where to go on from even when no entry was printed. Pure.
 */
export function shownCursor(text: string): string | undefined {
  return /^-- cursor: (.+)$/m.exec(text)?.[1];
}

/** A line for a person, like journalctl's short format. Pure. */
export function formatEntry(entry: JournalEntry): string {
  const time = entry.timestamp.replace('T', ' ').replace(/\.\d+Z$/, '');
  const who = `${entry.identifier ?? '?'}${entry.pid === undefined ? '' : `[${entry.pid}]`}`;
  return `${time} ${who}: ${entry.message}`;
}
