// "Start a simulator": POST api/simulators with the fields filled in, its progress (image build,
// boot phases) streamed into the form's own log. On success the page shows the new simulator.
import { asProblem } from './actions.js';
import { getJson, postAction } from './api.js';
import { byId, h } from './dom.js';
import { summarize } from './events-view.js';
import type { Announcer, Banners } from './feedback.js';
import type { ImageInfo, SimEvent } from './types.js';

const MAX_LOG_LINES = 300;

export class StartForm {
  private readonly form = byId('start-form', HTMLFormElement);
  private readonly section = byId('start-section', HTMLDetailsElement);
  private readonly image = byId('start-image', HTMLSelectElement);
  private readonly submit = byId('start-submit', HTMLButtonElement);
  private readonly log = byId('start-log', HTMLOListElement);
  private imagesLoaded = false;

  /**
   * `onStarted` gets the new simulator's name when the answer or the form says it, and the names
   * that were running before (`runningNames()` at the submit) to tell the new one otherwise.
   */
  constructor(
    private readonly banners: Banners,
    private readonly announcer: Announcer,
    private readonly runningNames: () => string[],
    private readonly onStarted: (name: string | undefined, namesBefore: ReadonlySet<string>) => void,
  ) {
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.start();
    });
    this.section.addEventListener('toggle', () => {
      if (this.section.open && !this.imagesLoaded) void this.loadImages();
    });
    if (this.section.open) void this.loadImages();
  }

  /** Open the form and put the cursor in it (from the empty state's button). */
  reveal(): void {
    this.section.open = true;
    this.section.scrollIntoView({ block: 'nearest' });
    this.image.focus();
  }

  /** Open it when nothing runs (the first thing to do then), without taking focus. */
  openIfClosed(): void {
    this.section.open = true;
  }

  async loadImages(): Promise<void> {
    try {
      const { images } = await getJson<{ images: ImageInfo[] }>('api/images');
      const chosen = this.image.value;
      this.image.replaceChildren(
        h('option', { value: '' }, 'Default image'),
        ...images.map((image) => h('option', { value: image.name ?? image.id, title: image.id }, image.name ?? image.id.slice(0, 12))),
      );
      this.image.value = [...this.image.options].some((option) => option.value === chosen) ? chosen : '';
      this.imagesLoaded = true;
    } catch (error) {
      this.banners.showError('Listing the images', asProblem(error));
    }
  }

  private async start(): Promise<void> {
    // Only the fields filled in: the server's defaults apply to the others.
    const request: Record<string, string> = {};
    for (const field of ['image', 'overlay', 'project', 'name']) {
      const control = this.form.elements.namedItem(field);
      const value = control instanceof HTMLInputElement || control instanceof HTMLSelectElement ? control.value.trim() : '';
      if (value) request[field] = value;
    }
    const namesBefore = new Set(this.runningNames());
    this.setBusy(true);
    this.log.replaceChildren();
    this.log.hidden = false;
    this.line(`Starting ${request.name ?? 'a simulator'}…`);
    try {
      const { result, error } = await postAction('api/simulators', request, (event) => this.show(event));
      if (result.exitCode !== 0) {
        this.banners.showError('Starting the simulator', error ?? { code: `EXIT_${result.exitCode}`, message: `It ended with exit code ${result.exitCode}.`, hint: 'The log in the form says what happened.' });
        return;
      }
      const started = typeof result.data?.name === 'string' ? result.data.name : request.name;
      this.line(`Started${started ? ` ${started}` : ''}.`, 'ok');
      this.announcer.say(`Started ${started ?? 'the simulator'}`);
      this.onStarted(started, namesBefore);
    } catch (error) {
      const problem = asProblem(error);
      this.line(`${problem.code}: ${problem.message}`, 'error');
      this.banners.showError('Starting the simulator', problem);
    } finally {
      this.setBusy(false);
    }
  }

  private show(event: SimEvent): void {
    if (event.type === 'error') this.line(`${event.code}: ${event.message}${event.hint ? ` — ${event.hint}` : ''}`, 'error');
    else if (event.type === 'log' && event.level === 'warn') this.line(event.message, 'warn');
    else {
      const summary = summarize(event);
      if (summary) this.line(summary, event.type === 'phase' ? 'phase' : undefined);
    }
  }

  private line(text: string, level?: string): void {
    // A transfer repeats its message with new byte counts: the last line is replaced, not added.
    const last = this.log.lastElementChild as HTMLElement | null;
    const base = text.replace(/ \d+%$/, '');
    if (last?.dataset.base === base) last.remove();
    this.log.append(h('li', { 'data-level': level, 'data-base': base }, text));
    while (this.log.childElementCount > MAX_LOG_LINES) this.log.firstElementChild?.remove();
    this.log.scrollTop = this.log.scrollHeight;
  }

  private setBusy(busy: boolean): void {
    this.submit.disabled = busy;
    this.submit.setAttribute('aria-busy', String(busy));
    this.submit.querySelector('.btn-label')!.textContent = busy ? 'Starting…' : 'Start';
  }
}
