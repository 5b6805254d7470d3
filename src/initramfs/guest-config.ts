/**
 * The per-boot settings the host hands to the guest's init, rendered as a shell fragment
 * (/sim/config) and, for a command, a shell-quoted argv (/sim/command). Pure.
 */

export interface GuestConfig {
  rootDevice: string;
  fstype: string;
  /** Mount options of the root beyond rw (the image's rootflags, e.g. subvol=root). */
  rootOptions?: string;
  /** A usr-only image (root on a tmpfs): the partition mounted read-only on /usr. */
  usr?: { device: string; fstype: string };
  /** 9p mount tag of the overlay share, when there is one. */
  overlayTag?: string;
  /** Candidate libdirs and bindirs inside the prefix, most important first. */
  libdirs: string[];
  bindirs: string[];
  /** The prefix's directories of programs and libraries (src/boot/hot-dirs.ts): settled (settlesPrefix in src/boot/plan.ts), and those it cannot settle the hot layer's in a guest told of builds with a caching share (guest/lib/overlay-merge.sh). */
  hotDirs?: readonly string[];
  /** 9p cache mode: "none" so that a rebuilt file is never served stale. */
  cacheMode: 'none' | 'loose' | 'fscache' | 'mmap';
  /** init: boot the image's init; direct: run the command right after switch_root. */
  mode: 'init' | 'direct';
  init?: string;
  autologin: boolean;
  command?: string[];
  /** Stay up and run the host's commands from the sim.cmd port (servesHost in src/boot/plan.ts: detached simulators, console boots). */
  serve?: boolean;
  /** save: a boot whose state is saved for quick boots (src/snapshots/): no share is mounted, the agent waits for the host's settings. */
  quick?: 'save' | 'resumed';
  /** SIM_* variables the boot's contributions add (src/boot/contribution.ts), after sim's own. */
  extra?: Readonly<Record<string, string>>;
}

/** Quote a value for a POSIX shell: single quotes, with embedded ones spliced in. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

const SAFE_WORD = /^[A-Za-z0-9_./@:+-]*$/;

export function renderGuestConfig(config: GuestConfig): string {
  const vars: [string, string][] = [
    ['SIM_ROOT_DEV', config.rootDevice],
    ['SIM_ROOT_FSTYPE', config.fstype],
    // Only when there are some: a config without them reads as it always has.
    ...(config.rootOptions ? [['SIM_ROOT_OPTIONS', config.rootOptions] as [string, string]] : []),
    ...(config.usr ? ([['SIM_USR_DEV', config.usr.device], ['SIM_USR_FSTYPE', config.usr.fstype]] as [string, string][]) : []),
    ['SIM_TAG', config.overlayTag ?? ''],
    ['SIM_LIBDIRS', config.libdirs.join(' ')],
    ['SIM_BINDIRS', config.bindirs.join(' ')],
    ['SIM_9P_CACHE', config.cacheMode],
    ...(config.hotDirs?.length ? [['SIM_HOT_DIRS', config.hotDirs.join(' ')] as [string, string]] : []),
    ['SIM_MODE', config.mode],
    ['SIM_INIT', config.init ?? ''],
    ['SIM_AUTOLOGIN', config.autologin ? '1' : '0'],
    ['SIM_SERVE', config.serve ? '1' : '0'],
    ...(config.quick ? [['SIM_QUICK', config.quick] as [string, string]] : []),
  ];
  for (const [name, value] of Object.entries(config.extra ?? {})) {
    // A contribution adds variables; it never replaces sim's own.
    if (!/^SIM_[A-Z0-9_]+$/.test(name) || vars.some(([own]) => own === name)) throw new Error(`unusable guest config variable: ${name}`);
    vars.push([name, value]);
  }
  for (const [name, value] of vars) {
    // These are word lists the init splits on spaces: refuse anything that could be misread.
    // Mount options are one comma-separated word with name=value pairs.
    const safe = name === 'SIM_ROOT_OPTIONS' ? /^[A-Za-z0-9_./@:+=,-]*$/ : SAFE_WORD;
    if (!value.split(' ').every((word) => safe.test(word))) throw new Error(`unsafe value for ${name}: ${value}`);
  }
  return `${vars.map(([name, value]) => `${name}=${shellQuote(value)}`).join('\n')}\n`;
}

export function renderCommand(argv: readonly string[]): string {
  return `${argv.map(shellQuote).join(' ')}\n`;
}

/**
 * One `sim exec` request line for the guest agent (guest/agent): `ID q ARGV`, the shell-quoted
 * argv as it is, or `ID b BASE64` when an argument holds a line break, which would end the line
 * (decoding costs the guest a process, tens of ms under emulation). With `input`, the kind
 * carries its length (`q123`) and its bytes follow the line: the command's stdin. They travel
 * raw, not in the line, because the agent's shell reads a line a byte per system call (slow under
 * emulation) while `head -c` reads the input in blocks.
 */
export function execRequestLine(id: number | string, argv: readonly string[]): string;
export function execRequestLine(id: number | string, argv: readonly string[], input: Buffer | undefined): string | Buffer;
export function execRequestLine(id: number | string, argv: readonly string[], input?: Buffer): string | Buffer {
  const quoted = argv.map(shellQuote).join(' ');
  const size = input ? String(input.length) : '';
  const line = /[\n\r]/.test(quoted) ? `${id} b${size} ${Buffer.from(`${quoted}\n`).toString('base64')}\n` : `${id} q${size} ${quoted}\n`;
  return input ? Buffer.concat([Buffer.from(line), input]) : line;
}

/** The line that ends request `id`'s command in the guest, if it still runs (guest/lib/jobs.sh). */
export function execCancelLine(id: number | string): string {
  return `${id} cancel\n`;
}

/** Where a DESTDIR-style prefix keeps libraries, given the image's libdir (e.g. usr/lib/x86_64-linux-gnu). */
export function overlayLibdirs(imageLibdir: string): string[] {
  const dirs = [imageLibdir, 'usr/lib64', 'usr/lib', 'usr/local/lib', 'lib'];
  return [...new Set(dirs)];
}

export function overlayBindirs(): string[] {
  return ['usr/local/bin', 'usr/bin', 'usr/sbin', 'bin', 'sbin'];
}
