// The sidebar's list of simulators. Rebuilt on each list message; keeps keyboard focus on the
// item it was on. The selected name stays listed (as stopped) while the simulator is gone.
import { h, shortenPath } from './dom.js';
import type { Simulator } from './types.js';

const statusText = { starting: 'Starting…', running: 'Running', stopped: 'Stopped' } as const;

export class SimulatorList {
  constructor(
    private readonly list: HTMLUListElement,
    private readonly emptyState: HTMLElement,
    private readonly onSelect: (name: string) => void,
  ) {}

  /** `simulators` undefined: not loaded yet. */
  render(simulators: Simulator[] | undefined, selected: string | null): void {
    const focusedName = document.activeElement instanceof HTMLElement && this.list.contains(document.activeElement) ? document.activeElement.dataset.name : undefined;
    this.list.setAttribute('aria-busy', String(simulators === undefined));
    const items = (simulators ?? []).map((sim) => this.item(sim.name, sim.status, sim, sim.name === selected));
    if (simulators && selected && !simulators.some((sim) => sim.name === selected)) items.unshift(this.item(selected, 'stopped', undefined, true));
    this.list.replaceChildren(...items);
    this.emptyState.hidden = simulators === undefined || simulators.length > 0;
    if (focusedName !== undefined) this.list.querySelector<HTMLButtonElement>(`button[data-name="${CSS.escape(focusedName)}"]`)?.focus();
  }

  private item(name: string, status: keyof typeof statusText, sim: Simulator | undefined, selected: boolean): HTMLLIElement {
    const details = sim
      ? [sim.image, sim.overlay ? shortenPath(sim.overlay) : 'no overlay'].join(' · ')
      : 'waiting for it to start again';
    const button = h('button', { type: 'button', class: 'sim-item', 'data-name': name, 'data-status': status, 'aria-current': selected ? 'true' : null, title: sim?.overlay ?? undefined },
      h('span', { class: 'sim-item-line' },
        h('span', { class: 'status-dot', 'aria-hidden': 'true' }),
        h('span', { class: 'sim-item-name' }, name),
        sim && h('span', { class: `chip chip-${sim.accel}`, title: sim.accel === 'kvm' ? 'Hardware virtualization (KVM)' : 'Emulated (TCG): slower' }, sim.accel.toUpperCase()),
      ),
      h('span', { class: 'sim-item-status' }, statusText[status]),
      h('span', { class: 'sim-item-meta' }, details),
    );
    button.addEventListener('click', () => this.onSelect(name));
    return h('li', {}, button);
  }
}
