/**
 * The running simulators, from `sim ls --watch --json`'s stream (each event carries the whole
 * list) or `sim ls --json`'s one line per simulator. Pure.
 */
import type { SimEvent, Simulator } from './events';

export function reduceSimulators(list: readonly Simulator[], event: SimEvent): readonly Simulator[] {
  switch (event.type) {
    case 'simulators':
    case 'simulator-change':
      return Array.isArray(event.simulators) ? sortByName(event.simulators) : list;
    case 'simulator': {
      const { type: _type, time: _time, ...simulator } = event;
      return sortByName([...list.filter((s) => s.name !== simulator.name), simulator]);
    }
    default:
      return list;
  }
}

function sortByName(list: readonly Simulator[]): readonly Simulator[] {
  return [...list].sort((a, b) => a.name.localeCompare(b.name));
}

/** What the picker shows under a simulator's name: its image, its prefix and its state. */
export function describeSimulator(simulator: Simulator): string {
  return [`image ${simulator.image}`, simulator.overlay ? `overlay ${simulator.overlay}` : 'no overlay', simulator.status].join(' · ');
}
