// The live list of simulators from `ws/simulators`: the whole list at once, then again at each
// change. Reconnects with backoff when the socket drops (the server restarted, the laptop slept).
import { wsUrl } from './api.js';
import { Backoff } from './backoff.js';
import type { Simulator, SimulatorsMessage } from './types.js';

export type FeedState = 'connecting' | 'open' | 'reconnecting';

export class SimulatorFeed {
  private readonly backoff = new Backoff(500, 10_000);

  constructor(private readonly onList: (simulators: Simulator[]) => void, private readonly onState: (state: FeedState) => void) {}

  start(): void {
    this.onState('connecting');
    this.connect();
  }

  private connect(): void {
    const socket = new WebSocket(wsUrl('ws/simulators'));
    socket.addEventListener('message', (event) => {
      if (typeof event.data !== 'string') return;
      let message: SimulatorsMessage;
      try {
        message = JSON.parse(event.data) as SimulatorsMessage;
      } catch {
        return;
      }
      if (message.type !== 'simulators' || !Array.isArray(message.simulators)) return;
      this.backoff.reset();
      this.onState('open');
      this.onList(message.simulators);
    });
    socket.addEventListener('close', () => {
      this.onState('reconnecting');
      window.setTimeout(() => this.connect(), this.backoff.next());
    });
  }
}
