// The Console / Events tabs under the screen (WAI-ARIA tabs: arrow keys move between them). The
// Events tab shows a mark when an error or warning arrives while it is hidden.
const TAB_KEY = 'sim-web.tab';

export class Tabs {
  private readonly tabs: HTMLButtonElement[];

  constructor(tablist: HTMLElement, private readonly onShow: (panelId: string) => void) {
    this.tabs = [...tablist.querySelectorAll<HTMLButtonElement>('[role="tab"]')];
    for (const tab of this.tabs) {
      tab.addEventListener('click', () => this.show(tab));
      tab.addEventListener('keydown', (event) => this.onKey(event, tab));
    }
    const saved = this.tabs.find((tab) => tab.id === localStorage.getItem(TAB_KEY));
    this.show(saved ?? this.tabs[0]!, false);
  }

  /** Mark a hidden tab (by its panel) as having news. */
  flag(panelId: string, level: 'error' | 'warn'): void {
    const tab = this.tabs.find((candidate) => candidate.getAttribute('aria-controls') === panelId);
    if (!tab || tab.getAttribute('aria-selected') === 'true') return;
    if (tab.dataset.flag !== 'error') tab.dataset.flag = level;
  }

  private show(tab: HTMLButtonElement, remember = true): void {
    for (const candidate of this.tabs) {
      const selected = candidate === tab;
      candidate.setAttribute('aria-selected', String(selected));
      candidate.tabIndex = selected ? 0 : -1;
      document.getElementById(candidate.getAttribute('aria-controls') ?? '')!.hidden = !selected;
    }
    delete tab.dataset.flag;
    if (remember) localStorage.setItem(TAB_KEY, tab.id);
    this.onShow(tab.getAttribute('aria-controls') ?? '');
  }

  private onKey(event: KeyboardEvent, tab: HTMLButtonElement): void {
    const index = this.tabs.indexOf(tab);
    const next = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: this.tabs.length - 1 }[event.key];
    if (next === undefined) return;
    event.preventDefault();
    const target = this.tabs[(next + this.tabs.length) % this.tabs.length]!;
    this.show(target);
    target.focus();
  }
}
