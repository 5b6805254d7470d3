/**
 * The --verbose hook that sees every command line sim runs. Apart from process.ts so that the CLI
 * can install it without loading execa: `sim ls` and `sim --version` run no programs.
 */
type Logger = (line: string) => void;
let commandLogger: Logger | undefined;

/** Install a callback that sees every command line run (used by --verbose). */
export function setCommandLogger(logger: Logger | undefined): void {
  commandLogger = logger;
}

export function formatCommand(file: string, args: readonly string[]): string {
  const quote = (s: string) => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`);
  return [file, ...args].map(quote).join(' ');
}

/** Tell the installed logger, if any, that `file args` is about to run. */
export function logCommand(file: string, args: readonly string[]): void {
  commandLogger?.(formatCommand(file, args));
}
