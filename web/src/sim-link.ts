// One of the selected simulator's sockets (screen, console, events), kept open while the simulator
// is in the list. The server closes a simulator's sockets with 4404 (not running) or 4410 (it
// stopped): the link then waits for the list to show the simulator again. Any other close (the
// server restarted, the network dropped) is retried with backoff.
import { Backoff } from './backoff.js';

export const CLOSE_NOT_RUNNING = 4404;
export const CLOSE_STOPPED = 4410;

/** idle: not wanted; gone: closed with 4404/4410; dropped: closed otherwise, a retry is due. */
export type LinkState = 'idle' | 'connecting' | 'open' | 'gone' | 'dropped';

/** An opened socket and how to end it (noVNC wants its own disconnect() called, not the socket's close()). */
export interface Connection {
  socket: WebSocket;
  close(): void;
}

// A socket open this long counts as a success: the next drop retries quickly again.
const STABLE_MS = 3000;

export class SimLink {
  private connection: Connection | undefined;
  private retryTimer: number | undefined;
  private openedAt = 0;
  private present = false;
  private readonly backoff = new Backoff(1000, 30_000);
  private current: LinkState = 'idle';

  /** `open` makes the socket and attaches the view's own listeners to it. */
  constructor(private readonly open: () => Connection, private readonly onState: (state: LinkState, closeCode?: number) => void) {}

  get state(): LinkState {
    return this.current;
  }

  /**
   * The list says whether the simulator is there. There: connect now unless connected (a list
   * change is when a stopped simulator may be back). Not there: close and wait.
   */
  setPresent(present: boolean): void {
    this.present = present;
    if (!present) {
      this.close('gone');
      return;
    }
    if (this.current !== 'connecting' && this.current !== 'open') this.connect();
  }

  /** Close for good (another simulator is selected; its screen is not there or not ready). */
  stop(): void {
    this.present = false;
    this.close('idle');
  }

  private connect(): void {
    this.clearRetry();
    let connection: Connection;
    try {
      connection = this.open();
    } catch {
      this.dropped();
      return;
    }
    this.connection = connection;
    this.setState('connecting');
    connection.socket.addEventListener('open', () => {
      if (this.connection !== connection) return;
      this.openedAt = Date.now();
      this.setState('open');
    });
    connection.socket.addEventListener('close', (event) => {
      if (this.connection !== connection) return; // Closed by us: already handled.
      this.connection = undefined;
      if (Date.now() - this.openedAt > STABLE_MS) this.backoff.reset();
      this.openedAt = 0;
      if (event.code === CLOSE_NOT_RUNNING || event.code === CLOSE_STOPPED) {
        this.setState('gone', event.code);
        // The list may already show it back (a quick restart) and not change again: try later too.
        if (this.present) this.scheduleRetry();
      } else {
        this.dropped(event.code);
      }
    });
  }

  private dropped(code?: number): void {
    this.setState('dropped', code);
    if (this.present) this.scheduleRetry();
  }

  private scheduleRetry(): void {
    this.clearRetry();
    this.retryTimer = window.setTimeout(() => {
      this.retryTimer = undefined;
      if (this.present) this.connect();
    }, this.backoff.next());
  }

  private clearRetry(): void {
    if (this.retryTimer !== undefined) window.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private close(state: 'idle' | 'gone'): void {
    this.clearRetry();
    const connection = this.connection;
    this.connection = undefined;
    connection?.close();
    if (state === 'idle') this.backoff.reset();
    if (this.current !== state) this.setState(state);
  }

  private setState(state: LinkState, closeCode?: number): void {
    this.current = state;
    this.onState(state, closeCode);
  }
}
