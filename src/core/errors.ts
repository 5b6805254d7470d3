/**
 * Errors a user can cause. Each has a stable code, one sentence saying what is wrong and one
 * saying what to do. The CLI prints message + hint (no stack) and exits with `exitCode`.
 */

/** Stable process exit codes. Guest command statuses pass through unchanged (0-255). */
export const ExitCode = {
  ok: 0,
  /** Generic failure of sim itself. */
  failure: 1,
  usage: 64,
  /** Image missing, unreadable, corrupted or without a usable root filesystem/kernel. */
  image: 65,
  /** A required host tool (qemu, busybox, ...) is missing or broken, or the host lacks what it needs (user namespaces). */
  tool: 69,
  /** A build of a module failed. */
  build: 70,
  /** QEMU failed to start or the guest crashed/panicked before finishing. */
  guest: 71,
  /** The guest did not become ready before --timeout. */
  timeout: 72,
  /** The filesystem of the cache or runtime directory is full. */
  noSpace: 73,
  /** A server failed: not found, an HTTP error, unreachable, stalled, a body cut short (sysexits' EX_IOERR). */
  remote: 74,
  /** What was downloaded failed verification: a checksum, a signature, a damaged index (sysexits' EX_PROTOCOL). */
  verification: 76,
  /** Interrupted by SIGINT/SIGTERM. */
  interrupted: 130,
} as const;

export type ErrorCode =
  | 'USAGE'
  | 'CONFIG_INVALID'
  | 'CONFIG_NOT_FOUND'
  | 'IMAGE_NOT_FOUND'
  | 'IMAGE_UNREADABLE'
  | 'IMAGE_NO_ROOT'
  | 'IMAGE_NO_KERNEL'
  | 'IMAGE_CORRUPTED'
  | 'IMAGE_UNSUPPORTED_FS'
  | 'IMAGE_UNSUPPORTED_LAYOUT'
  | 'IMAGE_NO_INITRD'
  | 'IMAGE_INITRD_UNSUPPORTED'
  | 'KERNEL_NO_MODULES'
  | 'OVERLAY_NOT_FOUND'
  | 'OVERLAY_NOT_DIRECTORY'
  | 'TOOL_MISSING'
  | 'USERNS_UNAVAILABLE'
  | 'TOOL_FAILED'
  | 'QEMU_FAILED'
  | 'GUEST_CRASHED'
  | 'GUEST_TIMEOUT'
  | 'RECIPE_INVALID'
  | 'IMAGE_BUILD_FAILED'
  | 'BUILD_FAILED'
  | 'MODULE_NOT_FOUND'
  | 'SIMULATOR_NOT_FOUND'
  | 'SIMULATOR_EXISTS'
  | 'SNAPSHOT_NOT_FOUND'
  | 'QUICK_BOOT_FAILED'
  | 'QUICK_BOOT_DECLINED'
  | 'DISPLAY_UNAVAILABLE'
  | 'NO_SPACE'
  | 'REMOTE_NOT_FOUND'
  | 'REMOTE_HTTP_ERROR'
  | 'REMOTE_UNREACHABLE'
  | 'REMOTE_TIMEOUT'
  | 'REMOTE_TRUNCATED'
  | 'IMAGE_CHECKSUM_MISMATCH'
  | 'IMAGE_SIGNATURE_BAD'
  | 'IMAGE_UNVERIFIED'
  | 'REMOTE_BAD_DATA'
  | 'PERMISSION_DENIED'
  | 'WEB_PORT_IN_USE'
  | 'WEB_ASSETS_MISSING'
  | 'GUEST_PATH_NOT_FOUND'
  | 'GUEST_ACTION_FAILED'
  | 'APP_NOT_FOUND'
  | 'NO_GUEST_SESSION'
  | 'INTERRUPTED';

const exitCodes: Record<ErrorCode, number> = {
  USAGE: ExitCode.usage,
  CONFIG_INVALID: ExitCode.usage,
  CONFIG_NOT_FOUND: ExitCode.usage,
  IMAGE_NOT_FOUND: ExitCode.image,
  IMAGE_UNREADABLE: ExitCode.image,
  IMAGE_NO_ROOT: ExitCode.image,
  IMAGE_NO_KERNEL: ExitCode.image,
  IMAGE_CORRUPTED: ExitCode.image,
  IMAGE_UNSUPPORTED_FS: ExitCode.image,
  IMAGE_UNSUPPORTED_LAYOUT: ExitCode.image,
  IMAGE_NO_INITRD: ExitCode.image,
  IMAGE_INITRD_UNSUPPORTED: ExitCode.image,
  KERNEL_NO_MODULES: ExitCode.image,
  OVERLAY_NOT_FOUND: ExitCode.usage,
  OVERLAY_NOT_DIRECTORY: ExitCode.usage,
  TOOL_MISSING: ExitCode.tool,
  USERNS_UNAVAILABLE: ExitCode.tool,
  TOOL_FAILED: ExitCode.failure,
  QEMU_FAILED: ExitCode.guest,
  GUEST_CRASHED: ExitCode.guest,
  GUEST_TIMEOUT: ExitCode.timeout,
  RECIPE_INVALID: ExitCode.usage,
  IMAGE_BUILD_FAILED: ExitCode.image,
  BUILD_FAILED: ExitCode.build,
  MODULE_NOT_FOUND: ExitCode.usage,
  SIMULATOR_NOT_FOUND: ExitCode.usage,
  SIMULATOR_EXISTS: ExitCode.usage,
  SNAPSHOT_NOT_FOUND: ExitCode.usage,
  // Caught by the boot, which boots cold instead; a caller of the library sees it only from resumeSnapshot.
  QUICK_BOOT_FAILED: ExitCode.guest,
  QUICK_BOOT_DECLINED: ExitCode.guest,
  DISPLAY_UNAVAILABLE: ExitCode.usage,
  NO_SPACE: ExitCode.noSpace,
  REMOTE_NOT_FOUND: ExitCode.remote,
  REMOTE_HTTP_ERROR: ExitCode.remote,
  REMOTE_UNREACHABLE: ExitCode.remote,
  REMOTE_TIMEOUT: ExitCode.remote,
  REMOTE_TRUNCATED: ExitCode.remote,
  IMAGE_CHECKSUM_MISMATCH: ExitCode.verification,
  IMAGE_SIGNATURE_BAD: ExitCode.verification,
  // Nothing to verify against was named: the user's to fix on the command line.
  IMAGE_UNVERIFIED: ExitCode.usage,
  REMOTE_BAD_DATA: ExitCode.verification,
  PERMISSION_DENIED: ExitCode.usage,
  WEB_PORT_IN_USE: ExitCode.usage,
  WEB_ASSETS_MISSING: ExitCode.failure,
  // `sim pull`, `sim logs` on a path or a log the guest does not have: the user named it.
  GUEST_PATH_NOT_FOUND: ExitCode.usage,
  // A guest-side step of push, pull, launch, open or logs failed (its stderr is the message).
  GUEST_ACTION_FAILED: ExitCode.failure,
  APP_NOT_FOUND: ExitCode.usage,
  // launch/terminate/open need a logged-in graphical session in the guest.
  NO_GUEST_SESSION: ExitCode.guest,
  INTERRUPTED: ExitCode.interrupted,
};

export class SimError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  readonly exitCode: number;
  /**
   * Extra lines worth showing (e.g. the last console lines of a crashed guest); the error event's
   * `details`. Not named `details` here: test runners (uvu) treat an error's `details` as a diff
   * string, and an array there crashes uvu's report and silently skips the rest of a test file.
   */
  readonly detailLines: string[];

  constructor(code: ErrorCode, message: string, hint: string, options: { cause?: unknown; details?: string[] } = {}) {
    super(message, { cause: options.cause });
    this.name = 'SimError';
    this.code = code;
    this.hint = hint;
    this.exitCode = exitCodes[code];
    this.detailLines = options.details ?? [];
  }
}

export function isSimError(error: unknown): error is SimError {
  return error instanceof SimError;
}

/**
 * A full disk is the user's to fix, not a bug in sim: ENOSPC/EDQUOT from Node, or a tool that
 * said so, becomes NO_SPACE naming the place that is full when it is known.
 */
export function noSpaceError(error: unknown): SimError | undefined {
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  const text = error instanceof Error ? error.message : String(error);
  if (errno !== 'ENOSPC' && errno !== 'EDQUOT' && !/No space left on device|Disk quota exceeded/.test(text)) return undefined;
  const where = (error as NodeJS.ErrnoException).path;
  return new SimError(
    'NO_SPACE',
    `There is no space left on the filesystem${where ? ` of ${where}` : ' holding the cache or runtime directory'}.`,
    "Free some space there ('sim image rm' removes stored images), or point SIM_CACHE_DIR or SIM_RUNTIME_DIR at a larger filesystem.",
    { cause: error },
  );
}

/**
 * A file system refusal (EACCES, EPERM, EROFS) on a path as a SimError: typically a cache made
 * by an earlier run as root. `ownDirs` are sim's own directories (cache, runtime), which get the
 * hint to take them back or choose another. Undefined for any other error. Pure.
 */
export function permissionError(error: unknown, ownDirs: readonly { dir: string; variable: string }[], user: string): SimError | undefined {
  const { code, path: file } = (error ?? {}) as NodeJS.ErrnoException;
  if (!file || !(code === 'EACCES' || code === 'EPERM' || code === 'EROFS')) return undefined;
  const why = code === 'EROFS' ? 'the file system is read-only' : 'permission denied';
  const own = ownDirs.find(({ dir }) => file === dir || file.startsWith(`${dir}/`));
  const hint = own
    ? `${own.dir} is not writable by ${user} (made by an earlier run as root?): take it back with 'sudo chown -R ${user}: ${own.dir}', or set ${own.variable} to a directory you own.`
    : `Check the permissions of ${file}.`;
  return new SimError('PERMISSION_DENIED', `sim cannot write ${file}: ${why}.`, hint, { cause: error });
}

/** An error that is not sim's own, as the bug it is (the CLI's last resort, and a watch cycle's). */
export function unexpectedError(error: unknown): SimError {
  return new SimError('TOOL_FAILED', `sim failed unexpectedly: ${(error as Error)?.message ?? String(error)}`, 'This is a bug in sim; please report it with the output of --verbose.');
}
