/**
 * `sim logs NAME [-f]`: the guest's log as entries (journal.ts). Following polls the guest once a
 * second from the last entry's cursor: the agent runs one command at a time, so a never-ending
 * `journalctl -f` would hold it and every `sim exec` would wait behind it.
 */
import type { SimContext } from '../core/context.js';
import { pause } from '../core/pause.js';
import { SimError } from '../core/errors.js';
import { parseLogOutput, shownCursor, type JournalEntry } from './journal.js';
import { guestMessage, runGuestScript } from './guest-run.js';
import { findSimulator } from './registry.js';

/**
 * $1: how many of the last entries ('all': the whole boot), $2: the cursor to go on from ('' at
 * first). systemd's journal when the guest runs journald, else the kernel's log, which all have.
 */
const LOG_SCRIPT = `
bb=/run/sim/busybox
if command -v journalctl > /dev/null 2>&1 && [ -S /run/systemd/journal/socket ]; then
	if [ -n "$2" ]; then exec journalctl -o json --no-pager --after-cursor="$2"; fi
	if [ "$1" = all ]; then exec journalctl -o json --no-pager --show-cursor -b; fi
	exec journalctl -o json --no-pager --show-cursor -b -n "$1"
fi
read -r up _ < /proc/uptime
echo "B $(( $($bb date +%s) - \${up%%.*} ))"
after=\${2#k:}
$bb dmesg -r | $bb awk -v after="\${after:--1}" -v n="$1" '
	match($0, /^<[0-9]+>\\[ *[0-9.]+\\] /) {
		head = substr($0, 1, RLENGTH); msg = substr($0, RLENGTH + 1)
		split(head, f, /[^0-9.]+/)
		if (f[3] + 0 > after + 0) line[count++] = "K " f[2] " " f[3] " " msg
	}
	END { first = (n == "all" || count <= n) ? 0 : count - n; for (i = first; i < count; i++) print line[i] }'
`;

export const FOLLOW_INTERVAL_MS = 1000;

export interface LogsOptions {
  /** The last N entries of this boot; undefined: all of it (10 when following, as journalctl -f). */
  lines?: number;
  follow?: boolean;
  signal?: AbortSignal;
}

/** The guest's log entries: those there now, then (following) each new one, until `signal` aborts or the simulator stops. */
export async function* simulatorLogs(ctx: SimContext, name: string | undefined, options: LogsOptions = {}): AsyncGenerator<JournalEntry> {
  const sim = await findSimulator(ctx, name);
  const lines = options.lines ?? (options.follow ? 10 : undefined);
  let cursor = '';
  for (;;) {
    let run;
    try {
      run = await runGuestScript(ctx, sim, LOG_SCRIPT, [lines === undefined || cursor ? 'all' : String(lines), cursor]);
    } catch (error) {
      // A followed simulator that stops ends the log, as journalctl -f ends with its machine.
      if (cursor !== '' || options.follow) {
        if (error instanceof SimError && (error.code === 'SIMULATOR_NOT_FOUND' || error.code === 'GUEST_CRASHED')) return;
      }
      throw error;
    }
    if (run.status !== 0) throw new SimError('GUEST_ACTION_FAILED', `Reading the guest's log failed: ${guestMessage(run)}`, 'Look at the guest with `sim exec NAME -- journalctl -b` or `dmesg`.');
    const entries = parseLogOutput(run.stdout);
    for (const entry of entries) yield entry;
    if (!options.follow) return;
    // An empty first read still needs a cursor to go on from: the journal's tail, or the kernel's log from its start.
    cursor = entries.at(-1)?.cursor ?? (cursor || shownCursor(run.stdout) || (run.stdout.startsWith('B ') ? 'k:0' : ''));
    if (!(await pause(FOLLOW_INTERVAL_MS, options.signal))) return;
  }
}
