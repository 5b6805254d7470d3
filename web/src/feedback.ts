// Errors the user has to see: a banner each (code, message, hint), until dismissed.
import { h } from './dom.js';
import type { Problem } from './types.js';

const MAX_BANNERS = 3;

export class Banners {
  constructor(private readonly region: HTMLElement) {}

  /** `context` says what failed ("Reboot glib"). */
  showError(context: string, problem: Problem): void {
    const dismiss = h('button', { type: 'button', class: 'banner-dismiss', 'aria-label': 'Dismiss', title: 'Dismiss' }, '×');
    const banner = h('div', { class: 'banner banner-error', role: 'alert' },
      h('div', { class: 'banner-body' },
        h('p', { class: 'banner-title' }, `${context} failed`, h('code', { class: 'banner-code' }, problem.code)),
        h('p', { class: 'banner-message' }, problem.message),
        problem.hint ? h('p', { class: 'banner-hint' }, problem.hint) : null,
      ),
      dismiss,
    );
    dismiss.addEventListener('click', () => banner.remove());
    this.region.prepend(banner);
    while (this.region.childElementCount > MAX_BANNERS) this.region.lastElementChild?.remove();
  }

  clear(): void {
    this.region.replaceChildren();
  }
}

/** Status messages for screen readers and the header (an aria-live region). */
export class Announcer {
  private timer: number | undefined;

  constructor(private readonly region: HTMLElement) {}

  say(text: string): void {
    this.region.textContent = text;
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => {
      this.region.textContent = '';
    }, 8000);
  }
}
