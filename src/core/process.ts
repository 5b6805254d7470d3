/**
 * The one wrapper every external program goes through: argument arrays only (never a shell
 * string), a missing program becomes a TOOL_MISSING SimError naming the Debian package, and
 * `--verbose` shows each command run.
 */
import { execa, type Options, type ResultPromise } from 'execa';
import { SimError } from './errors.js';
import { formatCommand, logCommand } from './command-log.js';

export { formatCommand, setCommandLogger } from './command-log.js';

/** Which Debian package provides each program sim runs, for error hints and `sim doctor`. */
export const toolPackages: Record<string, string> = {
  'qemu-system-x86_64': 'qemu-system-x86',
  'qemu-img': 'qemu-utils',
  busybox: 'busybox-static',
  debugfs: 'e2fsprogs',
  mke2fs: 'e2fsprogs',
  sfdisk: 'fdisk',
  mmdebstrap: 'mmdebstrap',
  newuidmap: 'uidmap',
  newgidmap: 'uidmap',
  unshare: 'util-linux',
  setpriv: 'util-linux',
  meson: 'meson',
  ninja: 'ninja-build',
  cmake: 'cmake',
  make: 'make',
  gcc: 'gcc',
  cc: 'gcc',
  depmod: 'kmod',
  btrfs: 'btrfs-progs',
  xfs_db: 'xfsprogs',
  xfs_logprint: 'xfsprogs',
  mdir: 'mtools',
  mcopy: 'mtools',
  mtype: 'mtools',
  zstd: 'zstd',
  'fsck.erofs': 'erofs-utils',
  autoreconf: 'autoconf',
  readelf: 'binutils',
  'apt-get': 'apt',
  'dpkg-source': 'dpkg-dev',
  'pkg-config': 'pkgconf',
  python3: 'python3',
  casync: 'casync',
  sqv: 'sqv',
  gpgv: 'gpgv',
  gpg: 'gpg',
  xz: 'xz-utils',
  gzip: 'gzip',
  ffmpeg: 'ffmpeg',
};

/**
 * System programs (sfdisk, mke2fs, debugfs...) live in sbin directories, which a normal user's
 * PATH lacks on Debian. They are searched after PATH, for lookups and for every child's PATH
 * (mmdebstrap and others run sbin tools themselves).
 */
export const SYSTEM_DIRS: readonly string[] = ['/usr/local/sbin', '/usr/sbin', '/sbin'];

/** PATH with the sbin directories appended where missing. Pure. */
export function systemPath(path: string | undefined): string {
  const dirs = (path ?? '').split(':').filter(Boolean);
  return [...dirs, ...SYSTEM_DIRS.filter((dir) => !dirs.includes(dir))].join(':');
}

/** The environment a child gets: `env` (or sim's own) with the system PATH. */
export function childEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, PATH: systemPath(env.PATH ?? process.env.PATH) };
}


export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Input written to the program's stdin. */
  input?: string | Buffer;
  /** Return non-zero exits instead of throwing TOOL_FAILED. */
  allowFailure?: boolean;
  /** Kill the program after this many milliseconds. */
  timeoutMs?: number;
  /** Write stdout to this file instead of capturing it (large outputs: a decompressed image). */
  outputFile?: string;
}

export function missingTool(file: string, cause?: unknown): SimError {
  const pkg = toolPackages[file];
  return new SimError(
    'TOOL_MISSING',
    `The program '${file}' is not installed.`,
    pkg ? `Install it with: apt-get install ${pkg}` : `Install '${file}' and make sure it is on PATH.`,
    { cause },
  );
}

/**
 * The program and arguments that run `file` tied to this process: setpriv's parent-death signal
 * kills it when sim dies, even by SIGKILL, instead of letting it write on into the cache. Falls
 * back to `file` itself (whose absence then surfaces as TOOL_MISSING).
 */
export async function tiedToParent(file: string, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<[string, string[]]> {
  const search = { ...process.env, ...env };
  const setpriv = await which('setpriv', search);
  const program = file.includes('/') ? file : await which(file, search);
  return setpriv && program ? [setpriv, ['--pdeathsig', 'KILL', '--', program, ...args]] : [file, [...args]];
}

/** Run a program to completion and capture its output. */
export async function run(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  logCommand(file, args);
  const [program, argv] = await tiedToParent(file, args, options.env);
  const result = await execa(program, argv, {
    cwd: options.cwd,
    // Node looks the program up in the child's PATH.
    env: childEnv(options.env),
    extendEnv: true,
    input: options.input,
    reject: false,
    timeout: options.timeoutMs,
    stripFinalNewline: false,
    // Not kept in memory as well: a decompressed image is gigabytes.
    ...(options.outputFile ? { stdout: { file: options.outputFile }, buffer: { stdout: false } } : {}),
  });
  if (result.failed && result.exitCode === undefined) {
    const cause = result.cause as NodeJS.ErrnoException | undefined;
    if (cause?.code === 'ENOENT') throw missingTool(file, cause);
    if (result.timedOut) {
      throw new SimError('TOOL_FAILED', `'${file}' did not finish within ${options.timeoutMs} ms.`, 'Run again with --verbose to see the command.', { cause });
    }
    throw new SimError('TOOL_FAILED', `'${file}' could not be run: ${result.shortMessage}`, 'Run again with --verbose to see the command.', { cause });
  }
  const stdout = String(result.stdout ?? '');
  const stderr = String(result.stderr ?? '');
  const exitCode = result.exitCode ?? 1;
  if (exitCode !== 0 && !options.allowFailure) {
    const last = stderr.trim().split('\n').slice(-5).join('\n');
    throw new SimError(
      'TOOL_FAILED',
      `'${formatCommand(file, args)}' failed with exit code ${exitCode}${last ? `: ${last}` : '.'}`,
      'Run again with --verbose to see every command sim runs.',
    );
  }
  return { stdout, stderr, exitCode };
}

/** Run a program and return its stdout as bytes. */
export async function runBinary(file: string, args: readonly string[], options: RunOptions = {}): Promise<Buffer> {
  logCommand(file, args);
  const [program, argv] = await tiedToParent(file, args, options.env);
  const result = await execa(program, argv, { cwd: options.cwd, env: childEnv(options.env), reject: false, encoding: 'buffer', stripFinalNewline: false });
  if (result.failed && result.exitCode === undefined) {
    const cause = result.cause as NodeJS.ErrnoException | undefined;
    if (cause?.code === 'ENOENT') throw missingTool(file, cause);
  }
  if (result.exitCode !== 0) {
    throw new SimError('TOOL_FAILED', `'${formatCommand(file, args)}' failed with exit code ${result.exitCode}.`, 'Run again with --verbose to see every command sim runs.');
  }
  return Buffer.from(result.stdout);
}

/**
 * Start a long-running program (QEMU, a build tool) and hand back the execa subprocess.
 * A missing program still surfaces as TOOL_MISSING when awaited.
 */
export function spawn(file: string, args: readonly string[], options: Options = {}): ResultPromise {
  logCommand(file, args);
  return execa(file, args, { reject: false, ...options, env: childEnv(options.env ?? undefined) });
}

/**
 * Start a program that outlives sim (a simulator's daemon): its own session, output appended to
 * `logFile` by the kernel (no pipe back to this process), not waited for.
 */
export async function spawnDetached(file: string, args: readonly string[], options: { logFile: string; env?: NodeJS.ProcessEnv }): Promise<number> {
  logCommand(file, args);
  const { spawn: spawnChild } = await import('node:child_process');
  const { openSync, closeSync } = await import('node:fs');
  const log = openSync(options.logFile, 'a');
  try {
    const child = spawnChild(file, [...args], { detached: true, stdio: ['ignore', log, log], env: childEnv(options.env) });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (error) => reject(spawnFailure(file, error) ?? error));
    });
    child.unref();
    return child.pid!;
  } finally {
    closeSync(log);
  }
}

/** Map an execa spawn failure to TOOL_MISSING when the program does not exist. */
export function spawnFailure(file: string, cause: unknown): SimError | undefined {
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' ? missingTool(file, cause) : undefined;
}

/** Where a program is: on PATH, else in a system (sbin) directory. */
export async function which(file: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const { access } = await import('node:fs/promises');
  const { constants } = await import('node:fs');
  const path = await import('node:path');
  for (const dir of systemPath(env.PATH).split(':')) {
    if (!dir) continue;
    const candidate = path.join(dir, file);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
