// The serial console: xterm.js on `ws/sim/NAME/console`, bytes both ways. The server sends the
// recent output first, so each new connection starts from a clean terminal.
import { FitAddon } from '@xterm/addon-fit';
import { Terminal, type ITheme } from '@xterm/xterm';
import { simPath, wsUrl } from './api.js';
import type { Connection, LinkState } from './sim-link.js';

const darkTheme: ITheme = { background: '#14161a', foreground: '#d8dde6', cursor: '#d8dde6', selectionBackground: '#3b5c8c' };
const lightTheme: ITheme = { background: '#fbfcfd', foreground: '#1e2329', cursor: '#1e2329', selectionBackground: '#bcd3f5', black: '#1e2329', brightBlack: '#5c6570', white: '#c8ccd2', brightWhite: '#e9ecef', yellow: '#8a6d00', brightYellow: '#a68300' };

export class ConsoleView {
  private readonly terminal: Terminal;
  private readonly fit = new FitAddon();
  private readonly encoder = new TextEncoder();
  private socket: WebSocket | undefined;
  private linkState: LinkState = 'idle';

  constructor(private readonly container: HTMLElement) {
    const dark = window.matchMedia('(prefers-color-scheme: dark)');
    this.terminal = new Terminal({
      fontFamily: 'ui-monospace, "Cascadia Mono", "DejaVu Sans Mono", Menlo, Consolas, monospace',
      fontSize: 13,
      scrollback: 5000,
      cursorBlink: true,
      theme: dark.matches ? darkTheme : lightTheme,
    });
    dark.addEventListener('change', () => {
      this.terminal.options.theme = dark.matches ? darkTheme : lightTheme;
    });
    this.terminal.loadAddon(this.fit);
    this.terminal.open(container);
    this.terminal.onData((data) => this.send(this.encoder.encode(data)));
    // Mouse reports and the like come as binary strings: one char per byte.
    this.terminal.onBinary((data) => this.send(Uint8Array.from(data, (char) => char.charCodeAt(0) & 0xff)));
    new ResizeObserver(() => this.fitToContainer()).observe(container);
  }

  open(name: string): Connection {
    const socket = new WebSocket(wsUrl(simPath('ws', name, 'console')));
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    socket.addEventListener('open', () => {
      if (this.socket === socket) this.terminal.reset();
    });
    socket.addEventListener('message', (event) => {
      if (this.socket !== socket) return;
      if (event.data instanceof ArrayBuffer) this.terminal.write(new Uint8Array(event.data));
      else if (typeof event.data === 'string') this.terminal.write(event.data);
    });
    return {
      socket,
      close: () => {
        if (this.socket === socket) this.socket = undefined;
        socket.close();
      },
    };
  }

  /** A line in the terminal (dim) when an open console closes: the console itself says nothing then. */
  showLinkState(state: LinkState): void {
    const wasOpen = this.linkState === 'open';
    this.linkState = state;
    if (!wasOpen) return; // Each failed retry would add a line.
    if (state === 'dropped') this.note('console disconnected — reconnecting…');
    else if (state === 'gone') this.note('console closed: the simulator is not running');
  }

  /** Clear the terminal (another simulator is shown). */
  clear(): void {
    this.terminal.reset();
  }

  focus(): void {
    this.terminal.focus();
  }

  /** Size the terminal to its box; a hidden tab has no size, so it is fitted when shown. */
  fitToContainer(): void {
    if (this.container.clientWidth > 0 && this.container.clientHeight > 0) this.fit.fit();
  }

  private note(text: string): void {
    this.terminal.write(`\r\n\x1b[2m[${text}]\x1b[0m\r\n`);
  }

  private send(bytes: Uint8Array): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(bytes);
  }
}
