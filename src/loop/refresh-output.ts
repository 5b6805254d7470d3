/**
 * One output stream of the guest's refresh when it runs a command after itself (guest/refresh,
 * step 6): the lines before the marker are the refresh's (protocol lines and warnings), every
 * byte after it is the command's output. Pure.
 */

/** What guest/refresh prints on both streams just before it runs the command. */
export const REFRESH_DONE = '\x1esim-refresh-done\x1e\n';

export class RefreshStream {
  private pending = '';
  /** Whether the marker was seen: the command runs. */
  done = false;

  constructor(
    private readonly onLine: (line: string) => void,
    private readonly onOutput: (data: string) => void,
    private readonly onDone: () => void = () => undefined,
  ) {}

  push(data: string): void {
    if (this.done) {
      this.onOutput(data);
      return;
    }
    this.pending += data;
    const at = this.pending.indexOf(REFRESH_DONE);
    let head = at >= 0 ? this.pending.slice(0, at) : this.pending;
    for (let newline = head.indexOf('\n'); newline >= 0; newline = head.indexOf('\n')) {
      this.onLine(head.slice(0, newline).replace(/\r$/, ''));
      head = head.slice(newline + 1);
    }
    if (at < 0) {
      this.pending = head;
      return;
    }
    if (head) this.onLine(head);
    const after = this.pending.slice(at + REFRESH_DONE.length);
    this.pending = '';
    this.done = true;
    this.onDone();
    if (after) this.onOutput(after);
  }

  /** The end of the stream: a last line without its newline is still a line. */
  flush(): void {
    if (this.pending) this.onLine(this.pending);
    this.pending = '';
  }
}
