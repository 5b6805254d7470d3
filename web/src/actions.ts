// Running an action on a simulator (reboot, stop, keys…): the POST, its NDJSON answer streamed
// into the events view, the latest progress for the busy indicator, errors into a banner.
import { ApiError, postAction, simPath } from './api.js';
import { summarize, type EventsView } from './events-view.js';
import type { Announcer, Banners } from './feedback.js';
import type { SimEvent } from './types.js';

export type ActionName = 'rebuild' | 'reboot' | 'stop' | 'force-off' | 'keys' | 'type';

/** An action in progress: which, and the latest thing it said. */
export interface RunningAction {
  action: ActionName;
  activity: string;
}

// The lifecycle actions exclude each other on a simulator; keys and typing do not.
const LIFECYCLE: readonly ActionName[] = ['rebuild', 'reboot', 'stop', 'force-off'];

export class ActionRunner {
  private readonly running = new Map<string, RunningAction[]>();

  constructor(
    private readonly events: EventsView,
    private readonly banners: Banners,
    private readonly announcer: Announcer,
    /** The simulator on view: only its actions' events go to the events view. */
    private readonly selected: () => string | null,
    /** Something started, progressed or ended: the toolbar redraws. */
    private readonly onChange: () => void,
  ) {}

  /** The actions in progress on a simulator. */
  runningOn(name: string): readonly RunningAction[] {
    return this.running.get(name) ?? [];
  }

  lifecycleBusy(name: string): boolean {
    return this.runningOn(name).some((running) => LIFECYCLE.includes(running.action));
  }

  /** Run it; true when it succeeded. `label` names it for messages ("Reboot"). */
  async run(name: string, action: ActionName, label: string, body?: unknown): Promise<boolean> {
    const entry: RunningAction = { action, activity: `${label}…` };
    this.running.set(name, [...this.runningOn(name), entry]);
    this.onChange();
    const onEvent = (event: SimEvent): void => {
      if (this.selected() === name) this.events.add(event);
      const summary = summarize(event);
      if (summary) {
        entry.activity = summary;
        this.onChange();
      }
    };
    try {
      const { result, error } = await postAction(simPath('api', name, action), body, onEvent);
      if (result.exitCode === 0) {
        this.announcer.say(`${label} ${name}: done`);
        return true;
      }
      this.banners.showError(`${label} ${name}`, error ?? { code: `EXIT_${result.exitCode}`, message: `It ended with exit code ${result.exitCode}.`, hint: 'The events say what happened.' });
      return false;
    } catch (error) {
      this.banners.showError(`${label} ${name}`, asProblem(error));
      return false;
    } finally {
      const left = this.runningOn(name).filter((running) => running !== entry);
      if (left.length) this.running.set(name, left);
      else this.running.delete(name);
      this.onChange();
    }
  }
}

export function asProblem(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError('PAGE_ERROR', error instanceof Error ? error.message : String(error));
}
