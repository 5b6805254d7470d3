/** What a BUILD_FAILED report shows: the first error-looking lines and the last lines of output. */

const ERROR_LINE = /(^|[^\w-])(error|fatal)([^\w-]|$)|undefined reference|^FAILED:|No such file or directory/i;
const MAX_ERROR_LINES = 10;
const TAIL_LINES = 15;

/** Keeps what a failure report needs without holding a whole build log in memory. */
export class FailureLog {
  private count = 0;
  private readonly errors: [number, string][] = [];
  private readonly tail: [number, string][] = [];

  push(line: string): void {
    const n = this.count++;
    if (ERROR_LINE.test(line) && this.errors.length < MAX_ERROR_LINES) this.errors.push([n, line]);
    this.tail.push([n, line]);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
  }

  /** The first error-looking lines, then the last lines, in output order, without repeats. */
  lines(): string[] {
    const byIndex = new Map([...this.errors, ...this.tail]);
    return [...byIndex.keys()].sort((a, b) => a - b).map((n) => byIndex.get(n)!);
  }
}
