// The web console's page: wires the list, the simulator on view, the toolbar and the start form.
// docs/web-console.md is what the page and `sim web` say to each other.
import { ActionRunner } from './actions.js';
import { ConsoleView } from './console.js';
import { byId } from './dom.js';
import { EventsView } from './events-view.js';
import { Announcer, Banners } from './feedback.js';
import { ScreenView } from './screen.js';
import { onSelectionChange, selectedName, setSelectedName } from './selection.js';
import { SimulatorFeed, type FeedState } from './simulator-feed.js';
import { SimulatorList } from './simulator-list.js';
import { SimView } from './sim-view.js';
import { StartForm } from './start-form.js';
import { Tabs } from './tabs.js';
import { Toolbar } from './toolbar.js';
import type { Simulator } from './types.js';

let simulators: Simulator[] | undefined;
// After a start whose answer did not name the simulator: the names before it, to spot the new one.
let namesBeforeStart: ReadonlySet<string> | undefined;

const banners = new Banners(byId('banners', HTMLElement));
const announcer = new Announcer(byId('status-message', HTMLElement));
const consoleView = new ConsoleView(byId('console', HTMLElement));
const events = new EventsView(byId('events', HTMLOListElement), byId('phases', HTMLOListElement), (level) => tabs.flag('panel-events', level));
const tabs = new Tabs(byId('bottom-tabs', HTMLElement), (panelId) => {
  if (panelId === 'panel-console') consoleView.fitToContainer();
  if (panelId === 'panel-events') events.reveal();
});
const screen = new ScreenView(byId('screen', HTMLElement), byId('screen-status', HTMLElement), byId('screen-scale', HTMLInputElement), byId('screen-view-only', HTMLInputElement));
const runner: ActionRunner = new ActionRunner(events, banners, announcer, (): string | null => simView.selected, (): void => toolbar.render());
const toolbar = new Toolbar(runner, screen, banners);
const simView = new SimView(screen, consoleView, events, toolbar);
const list = new SimulatorList(byId('sim-list', HTMLUListElement), byId('sim-list-empty', HTMLElement), (name) => select(name));
const startForm = new StartForm(banners, announcer, () => (simulators ?? []).map((sim) => sim.name), (name, namesBefore) => {
  if (name) select(name);
  else {
    namesBeforeStart = namesBefore;
    selectNewlyStarted();
  }
});

function select(name: string | null): void {
  setSelectedName(name);
  simView.select(name);
  list.render(simulators, name);
  document.title = name ? `${name} — sim web console` : 'sim — web console';
}

function selectNewlyStarted(): void {
  const started = namesBeforeStart && simulators?.find((sim) => !namesBeforeStart!.has(sim.name));
  if (!started) return;
  namesBeforeStart = undefined;
  select(started.name);
}

function onList(next: Simulator[]): void {
  const first = simulators === undefined;
  simulators = next;
  simView.update(next);
  selectNewlyStarted();
  // With nothing chosen, a lone simulator is the obvious one to show.
  if (simView.selected === null && next.length === 1 && first) select(next[0]!.name);
  else list.render(next, simView.selected);
  if (first && next.length === 0) startForm.openIfClosed();
}

function onFeedState(state: FeedState): void {
  const indicator = byId('server-state', HTMLElement);
  indicator.dataset.state = state;
  indicator.textContent = { connecting: 'Connecting…', open: 'Connected', reconnecting: 'Reconnecting…' }[state];
  indicator.title = state === 'reconnecting' ? 'The connection to `sim web` dropped; trying again' : '';
  // The list shown is the last one known until the socket is back.
  byId('sim-list', HTMLUListElement).toggleAttribute('data-stale', state === 'reconnecting');
}

for (const button of document.querySelectorAll<HTMLButtonElement>('[data-action="reveal-start-form"]')) {
  button.addEventListener('click', () => startForm.reveal());
}
byId('events-clear', HTMLButtonElement).addEventListener('click', () => events.clearRows());

onSelectionChange((name) => select(name));
select(selectedName());
new SimulatorFeed(onList, onFeedState).start();
