// The simulator on view: its header, its three sockets (screen, console, events) and the state
// they are in. The list decides: while the simulator is in it the sockets are kept open; when it
// leaves (or a socket closes with 4404/4410) the view waits, and reconnects when it is back.
import { byId, formatMs, h, shortenPath } from './dom.js';
import type { ConsoleView } from './console.js';
import type { EventsView } from './events-view.js';
import type { ScreenView } from './screen.js';
import { CLOSE_STOPPED, SimLink, type LinkState } from './sim-link.js';
import type { Toolbar } from './toolbar.js';
import type { Simulator } from './types.js';

interface Links {
  screen: SimLink;
  console: SimLink;
  events: SimLink;
}

export class SimView {
  private name: string | null = null;
  private sim: Simulator | undefined;
  private simulators: Simulator[] | undefined;
  private links: Links | undefined;
  // Set when the simulator on view left (its return gets a line in the events), and whether it
  // was ever seen running (only then is its leaving worth a line).
  private stopped = false;
  private seen = false;

  private readonly view = byId('sim-view', HTMLElement);
  private readonly placeholder = byId('no-selection', HTMLElement);
  private readonly title = byId('sim-title', HTMLElement);
  private readonly badge = byId('sim-status', HTMLElement);
  private readonly meta = byId('sim-meta', HTMLElement);
  private readonly overlay = byId('screen-overlay', HTMLElement);
  private readonly overlayTitle = byId('screen-overlay-title', HTMLElement);
  private readonly overlayText = byId('screen-overlay-text', HTMLElement);

  constructor(
    private readonly screen: ScreenView,
    private readonly console: ConsoleView,
    private readonly events: EventsView,
    private readonly toolbar: Toolbar,
  ) {}

  get selected(): string | null {
    return this.name;
  }

  /** Show another simulator (null: none). */
  select(name: string | null): void {
    if (name === this.name) return;
    this.links?.screen.stop();
    this.links?.console.stop();
    this.links?.events.stop();
    this.links = undefined;
    this.name = name;
    this.sim = undefined;
    this.stopped = false;
    this.seen = false;
    this.events.reset();
    this.console.clear();
    this.view.hidden = name === null;
    this.placeholder.hidden = name !== null;
    if (name !== null) {
      this.links = {
        screen: new SimLink(() => this.screen.open(name), (state) => this.linkChanged('screen', state)),
        console: new SimLink(() => this.console.open(name), (state) => this.linkChanged('console', state)),
        events: new SimLink(() => this.events.open(name), (state, code) => this.linkChanged('events', state, code)),
      };
    }
    this.apply();
  }

  /** The list changed (or arrived). */
  update(simulators: Simulator[]): void {
    this.simulators = simulators;
    this.apply();
  }

  private apply(): void {
    if (this.name === null || !this.links) {
      this.toolbar.show(null, undefined);
      return;
    }
    // Before the first list nothing is known: the sockets wait for it.
    if (!this.simulators) {
      this.render();
      return;
    }
    const sim = this.simulators.find((candidate) => candidate.name === this.name);
    this.sim = sim;
    if (sim) {
      if (this.stopped) this.events.divider(`${sim.name} started (${new Date(sim.startedAt).toLocaleTimeString([], { hour12: false })})`);
      this.stopped = false;
      this.seen = true;
      this.links.events.setPresent(true);
      this.links.console.setPresent(true);
      // The events and the console tell the boot's progress; the screen waits until it is ready.
      if (!sim.screen) {
        this.links.screen.stop();
        this.screen.showMessage('No screen: this simulator runs without a display');
      } else if (sim.status === 'running') {
        this.links.screen.setPresent(true);
      } else {
        this.links.screen.stop();
        this.screen.showMessage('Waiting for the guest to be ready…');
      }
    } else {
      this.markStopped();
      this.links.events.setPresent(false);
      this.links.console.setPresent(false);
      this.links.screen.setPresent(false);
    }
    this.render();
  }

  private linkChanged(which: keyof Links, state: LinkState, code?: number): void {
    if (which === 'screen') this.screen.showLinkState(state);
    if (which === 'console') this.console.showLinkState(state);
    if (which === 'events' && state === 'gone' && code === CLOSE_STOPPED) this.markStopped();
    this.render();
  }

  /** It left (the list says so, or its events socket closed with 4410, whichever comes first). */
  private markStopped(): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.seen && this.name) this.events.divider(`${this.name} stopped`);
  }

  private render(): void {
    const name = this.name;
    if (name === null) return;
    const sim = this.sim;
    const known = this.simulators !== undefined;
    this.title.textContent = name;
    const status = !known ? 'unknown' : sim ? sim.status : 'stopped';
    this.badge.dataset.status = status;
    this.badge.textContent = { unknown: 'Connecting…', starting: 'Starting…', running: 'Running', stopped: 'Stopped' }[status];
    this.meta.replaceChildren(...(sim ? metaItems(sim) : []));
    this.toolbar.show(name, sim);

    // The overlay says why there is no screen to see.
    const screenGone = this.links?.screen.state === 'gone';
    let overlay: [string, string] | undefined;
    if (known && (!sim || (screenGone && sim.status === 'running'))) {
      overlay = [`stopped — waiting for ${name} to start again`, `It reconnects by itself when ${name} runs again: start it with the form, or with \`sim boot --detach --name ${name}\`.`];
    } else if (sim?.status === 'starting' && !this.screen.connected) {
      overlay = [`${name} is starting…`, 'The screen appears once it is ready.'];
    } else if (sim && !sim.screen) {
      overlay = ['No screen', `${name} runs without a display: its serial console and events are below.`];
    }
    this.overlay.hidden = !overlay;
    this.overlay.dataset.kind = !sim ? 'stopped' : sim.status;
    this.overlayTitle.textContent = overlay?.[0] ?? '';
    this.overlayText.textContent = overlay?.[1] ?? '';
  }
}

/** The header's facts about a simulator (full paths in their titles). */
function metaItems(sim: Simulator): HTMLElement[] {
  const item = (label: string, value: string, title?: string): HTMLElement => h('span', { class: 'meta-item', title }, h('span', { class: 'meta-key' }, label), value);
  return [
    item('image', sim.image),
    item('accel', sim.accel.toUpperCase(), sim.accel === 'kvm' ? 'Hardware virtualization (KVM)' : 'Emulated (TCG): slower'),
    item('overlay', sim.overlay ? shortenPath(sim.overlay, 3) : 'none', sim.overlay ?? undefined),
    ...(sim.project ? [item('project', shortenPath(sim.project, 2), sim.project)] : []),
    ...(sim.screen ? [item('screen', `${sim.screen.width}×${sim.screen.height}`)] : []),
    ...(sim.readyMs !== undefined ? [item('ready in', formatMs(sim.readyMs))] : []),
  ];
}
