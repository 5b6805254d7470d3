// The controls of the simulator on view: the lifecycle buttons (rebuild, reboot, stop, force
// off), the keys menu, the paste dialog and the screenshot. What is enabled follows the
// simulator (its project, its screen, whether it runs) and the actions in progress.
import type { ActionName, ActionRunner } from './actions.js';
import { asProblem } from './actions.js';
import { getFile, simPath } from './api.js';
import { confirmAction } from './dialogs.js';
import { byId } from './dom.js';
import type { Banners } from './feedback.js';
import type { ScreenView } from './screen.js';
import type { Simulator } from './types.js';

interface LifecycleButton {
  action: ActionName;
  button: HTMLButtonElement;
  label: string;
  busyLabel: string;
}

export class Toolbar {
  private name: string | null = null;
  private sim: Simulator | undefined;
  private readonly lifecycle: LifecycleButton[];
  private readonly activity = byId('activity', HTMLElement);
  private readonly activityText = byId('activity-text', HTMLElement);
  private readonly keysButton = byId('btn-keys', HTMLButtonElement);
  private readonly keysMenu = byId('keys-menu', HTMLElement);
  private readonly pasteButton = byId('btn-paste', HTMLButtonElement);
  private readonly pasteDialog = byId('paste-dialog', HTMLDialogElement);
  private readonly pasteText = byId('paste-text', HTMLTextAreaElement);
  private readonly pasteSubmit = byId('paste-submit', HTMLButtonElement);
  private readonly screenshotButton = byId('btn-screenshot', HTMLButtonElement);
  private screenshotBusy = false;

  constructor(private readonly runner: ActionRunner, private readonly screen: ScreenView, private readonly banners: Banners) {
    const lifecycle = (action: ActionName, id: string, label: string, busyLabel: string): LifecycleButton => ({ action, button: byId(id, HTMLButtonElement), label, busyLabel });
    this.lifecycle = [
      lifecycle('rebuild', 'btn-rebuild', 'Rebuild & reload', 'Rebuilding…'),
      lifecycle('reboot', 'btn-reboot', 'Reboot', 'Rebooting…'),
      lifecycle('stop', 'btn-stop', 'Stop', 'Stopping…'),
      lifecycle('force-off', 'btn-force-off', 'Force off', 'Forcing off…'),
    ];
    for (const entry of this.lifecycle) entry.button.addEventListener('click', () => void this.runLifecycle(entry));
    this.setUpKeysMenu();
    this.setUpPaste();
    this.screenshotButton.addEventListener('click', () => void this.screenshot());
  }

  /** The simulator on view (undefined: it is not running). */
  show(name: string | null, sim: Simulator | undefined): void {
    this.name = name;
    this.sim = sim;
    this.render();
  }

  render(): void {
    const sim = this.sim;
    const running = this.name ? this.runner.runningOn(this.name) : [];
    const lifecycleBusy = this.name ? this.runner.lifecycleBusy(this.name) : false;
    for (const { action, button, label, busyLabel } of this.lifecycle) {
      const busy = running.some((r) => r.action === action);
      let why = sim ? '' : 'The simulator is not running';
      if (sim && action === 'rebuild' && !sim.project) why = 'Rebuild needs a project: this simulator was not started from a sim.json (start one with a project path to rebuild it here)';
      // Stop and force off stay available while a rebuild or reboot hangs: they are the way out.
      const blocked = busy || (lifecycleBusy && (action === 'rebuild' || action === 'reboot'));
      button.disabled = !sim || blocked || why !== '';
      button.title = why || (busy ? busyLabel : label);
      button.setAttribute('aria-busy', String(busy));
      button.querySelector('.btn-label')!.textContent = busy ? busyLabel : label;
    }
    const noScreen = !sim ? 'The simulator is not running' : !sim.screen ? 'This simulator has no screen' : '';
    for (const button of [this.keysButton, this.pasteButton, this.screenshotButton]) {
      button.disabled = noScreen !== '' || (button === this.screenshotButton && this.screenshotBusy);
      button.title = noScreen || button.getAttribute('aria-label') || '';
    }
    this.screenshotButton.setAttribute('aria-busy', String(this.screenshotBusy));
    if (noScreen && this.pasteDialog.open) this.pasteDialog.close();
    const latest = running.at(-1);
    this.activity.hidden = !latest;
    this.activityText.textContent = latest?.activity ?? '';
    this.activityText.title = latest?.activity ?? '';
  }

  private async runLifecycle(entry: LifecycleButton): Promise<void> {
    const name = this.name;
    if (!name) return;
    if (entry.action === 'force-off' && !(await confirmAction(`Force off ${name}?`, 'QEMU ends at once, as if the power cord were pulled: what the guest has not written to its disk is lost.', 'Force off'))) return;
    await this.runner.run(name, entry.action, entry.label);
  }

  private setUpKeysMenu(): void {
    // The menu is a popover (light dismiss and Escape for free), placed under its button.
    this.keysMenu.addEventListener('beforetoggle', (event) => {
      if (event.newState !== 'open') return;
      const box = this.keysButton.getBoundingClientRect();
      this.keysMenu.style.top = `${box.bottom + 4}px`;
      this.keysMenu.style.left = `${Math.max(8, Math.min(box.left, window.innerWidth - 240))}px`;
    });
    this.keysMenu.addEventListener('toggle', (event) => {
      const open = event.newState === 'open';
      this.keysButton.setAttribute('aria-expanded', String(open));
      if (open) this.keysMenu.querySelector('button')?.focus();
    });
    // Up and down move through the items, as in any menu.
    this.keysMenu.addEventListener('keydown', (event) => {
      if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
      event.preventDefault();
      const items = [...this.keysMenu.querySelectorAll('button')];
      const index = items.indexOf(document.activeElement as HTMLButtonElement);
      items[(index + (event.key === 'ArrowDown' ? 1 : -1) + items.length) % items.length]?.focus();
    });
    for (const item of this.keysMenu.querySelectorAll<HTMLButtonElement>('button[data-keys]')) {
      item.addEventListener('click', () => {
        this.keysMenu.hidePopover();
        void this.sendKeys(item.dataset.keys!, item.textContent?.trim() ?? item.dataset.keys!);
      });
    }
  }

  private async sendKeys(keys: string, label: string): Promise<void> {
    const name = this.name;
    if (!name) return;
    this.screen.focus();
    await this.runner.run(name, 'keys', `Send ${label} to`, { keys });
  }

  private setUpPaste(): void {
    this.pasteButton.addEventListener('click', () => {
      this.pasteDialog.showModal();
      this.pasteText.select();
    });
    byId('paste-cancel', HTMLButtonElement).addEventListener('click', () => this.pasteDialog.close());
    byId('paste-form', HTMLFormElement).addEventListener('submit', (event) => {
      event.preventDefault();
      void this.typeText();
    });
  }

  private async typeText(): Promise<void> {
    const name = this.name;
    const text = this.pasteText.value;
    if (!name || !text) return;
    this.pasteSubmit.disabled = true;
    this.pasteSubmit.setAttribute('aria-busy', 'true');
    const typed = await this.runner.run(name, 'type', 'Type the text on', { text });
    this.pasteSubmit.disabled = false;
    this.pasteSubmit.setAttribute('aria-busy', 'false');
    if (typed) {
      this.pasteText.value = '';
      this.pasteDialog.close();
      this.screen.focus();
    }
  }

  private async screenshot(): Promise<void> {
    const name = this.name;
    if (!name) return;
    this.screenshotBusy = true;
    this.render();
    try {
      const { blob, fileName } = await getFile(simPath('api', name, 'screenshot'), `${name}.png`);
      const url = URL.createObjectURL(blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = fileName;
      link.click();
      // The download has its own copy once it has started.
      window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      this.banners.showError(`Screenshot of ${name}`, asProblem(error));
    } finally {
      this.screenshotBusy = false;
      this.render();
    }
  }
}
