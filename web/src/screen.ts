// The simulator's screen: noVNC on `ws/sim/NAME/screen`. The page makes the WebSocket itself and
// hands it to RFB (same URL and 'binary' subprotocol as RFB's own) so that the close code (4404,
// 4410) reaches the SimLink, which noVNC's disconnect event does not tell.
import RFB from '@novnc/novnc';
import { simPath, wsUrl } from './api.js';
import type { Connection, LinkState } from './sim-link.js';

const SCALE_KEY = 'sim-web.scale-to-fit';
const VIEW_ONLY_KEY = 'sim-web.view-only';

export class ScreenView {
  private rfb: RFB | undefined;
  private rfbConnected = false;
  private rfbEnded = true;

  constructor(
    private readonly container: HTMLElement,
    private readonly status: HTMLElement,
    private readonly scaleToggle: HTMLInputElement,
    private readonly viewOnlyToggle: HTMLInputElement,
  ) {
    scaleToggle.checked = localStorage.getItem(SCALE_KEY) !== 'false';
    viewOnlyToggle.checked = localStorage.getItem(VIEW_ONLY_KEY) === 'true';
    scaleToggle.addEventListener('change', () => {
      localStorage.setItem(SCALE_KEY, String(scaleToggle.checked));
      if (this.rfb) this.rfb.scaleViewport = scaleToggle.checked;
    });
    viewOnlyToggle.addEventListener('change', () => {
      localStorage.setItem(VIEW_ONLY_KEY, String(viewOnlyToggle.checked));
      if (this.rfb) this.rfb.viewOnly = viewOnlyToggle.checked;
      this.showStatus();
    });
    // The hint says where the keyboard goes: to the guest only while the screen has focus.
    container.addEventListener('focusin', () => this.showStatus());
    container.addEventListener('focusout', () => this.showStatus());
  }

  open(name: string): Connection {
    this.end();
    const socket = new WebSocket(wsUrl(simPath('ws', name, 'screen')), ['binary']);
    const rfb = new RFB(this.container, socket);
    rfb.scaleViewport = this.scaleToggle.checked;
    rfb.viewOnly = this.viewOnlyToggle.checked;
    rfb.background = 'transparent';
    rfb.focusOnClick = true;
    this.rfb = rfb;
    this.rfbConnected = false;
    this.rfbEnded = false;
    rfb.addEventListener('connect', () => {
      if (this.rfb !== rfb) return;
      this.rfbConnected = true;
      this.showStatus();
    });
    rfb.addEventListener('disconnect', () => {
      if (this.rfb !== rfb) return;
      this.rfbConnected = false;
      this.rfbEnded = true;
      this.showStatus();
    });
    this.showStatus('Connecting to the screen…');
    return { socket, close: () => this.end(rfb) };
  }

  /** The link's state, for the status line (the RFB's own events say when it is connected). */
  showLinkState(state: LinkState): void {
    if (state === 'dropped') this.showStatus('Disconnected — reconnecting…');
    else if (state === 'gone') this.showStatus('Disconnected');
  }

  /** Why there is no screen to show (no display, not ready yet); ends a connection. */
  showMessage(text: string): void {
    this.end();
    this.showStatus(text);
  }

  /** Keys typed next go to the guest. */
  focus(): void {
    if (this.rfbConnected) this.rfb?.focus();
  }

  get connected(): boolean {
    return this.rfbConnected;
  }

  /** Disconnect the RFB on view (a Connection's close() for one already replaced does nothing). */
  private end(rfb = this.rfb): void {
    if (!rfb || rfb !== this.rfb) return;
    // disconnect() on an RFB that has ended logs an error.
    if (!this.rfbEnded) rfb.disconnect();
    this.rfb = undefined;
    this.rfbConnected = false;
    this.rfbEnded = true;
  }

  private showStatus(text?: string): void {
    let message = text;
    if (message === undefined) {
      if (!this.rfbConnected) message = this.rfbEnded ? 'Disconnected' : 'Connecting to the screen…';
      else if (this.viewOnlyToggle.checked) message = 'Connected · view only';
      else message = this.container.contains(document.activeElement) ? 'Connected · keys go to the guest' : 'Connected · click the screen to type into the guest';
    }
    this.status.textContent = message;
    this.status.dataset.state = this.rfbConnected ? 'connected' : this.rfbEnded ? 'disconnected' : 'connecting';
  }
}
