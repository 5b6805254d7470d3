/**
 * The host side's one table of the guest protocol (docs/guest-protocol.md): the virtio-serial
 * ports, the control words on sim.ctl in both directions, and the end-of-stream marker. The
 * guest scripts in initramfs/ spell the same words; test/unit/guest-protocol.test.ts checks
 * that both sides agree.
 */

/** virtio-serial port names the guest finds under /sys/class/virtio-ports. */
export const GUEST_PORTS = {
  /** Control words, both directions. */
  ctl: 'sim.ctl',
  /** The command's stdout, then STREAM_END. */
  out: 'sim.out',
  /** The command's stderr, then STREAM_END. */
  err: 'sim.err',
  /** Detached simulators only: one `ID BASE64-ARGV` line per `sim exec`. */
  cmd: 'sim.cmd',
} as const;

/** Words the guest sends on sim.ctl, one per line, with what follows them. */
export const GUEST_WORDS = {
  initramfs: 'the initramfs runs (files the host handed over may be deleted)',
  'overlay-mounted': 'PATH MODE — the prefix is mounted there and wins in MODE (merge or path)',
  trigger: 'NAME ok|failed MS, or NAME missing TOOL — a cache refreshed for the prefix (merge mode), and how long it took',
  'in-use': 'PID COMM PATH — hot reload: a process still maps a file the rebuild replaced (it keeps the previous build)',
  'switch-root': 'the initramfs hands over to the new root',
  ready: 'the guest is up: the agent runs',
  'command-started': "the boot's command starts",
  exit: "STATUS, or ID STATUS for a `sim exec` request — a command's exit status",
  error: 'MESSAGE — the initramfs failed',
  'snapshot-ready': 'quick boot: the guest is up with no prefix attached and waits to be saved (then for `attach`)',
  restarted: 'UNIT — quick boot: a service that mapped a file the prefix replaces was restarted',
  cold: 'REASON — quick boot: the resumed guest cannot become what a cold boot with this prefix gives; the host boots cold',
} as const;

/** Words the host sends on sim.ctl. */
export const HOST_WORDS = {
  drained: "the host has read both output streams up to STREAM_END: the guest may power off",
  attach: "BASE64 — quick boot: this boot's settings (a shell fragment) for the resumed guest, which attaches its prefix",
} as const;

export type GuestWord = keyof typeof GUEST_WORDS;

/** Ends a command's output on sim.out and sim.err: record separators around "sim-end". */
export const STREAM_END = '\x1esim-end\x1e';

/** A host word as the line sent on sim.ctl. */
export function hostLine(word: keyof typeof HOST_WORDS): string {
  return `${word}\n`;
}
