/**
 * One `sim web --json` for the extension's lifetime, started when the screen is first shown:
 * its page is what the screen panel shows. Started again if it ends.
 */
import type { ErrorEvent } from './events';
import { runSim, type SimProcess, type Spawner } from './sim-process';

export class WebConsoleError extends Error {
  constructor(readonly event: ErrorEvent) {
    super(`${event.message} — ${event.hint}`);
  }
}

export class WebConsole {
  private url_: Promise<string> | undefined;
  private process: SimProcess | undefined;

  constructor(
    private readonly spawner: Spawner,
    private readonly simPath: () => string,
    private readonly log: (line: string) => void,
  ) {}

  /** The page's address (with its token), once the server listens. */
  url(): Promise<string> {
    this.url_ ??= this.start();
    return this.url_;
  }

  dispose(): void {
    this.process?.kill();
    this.process = undefined;
    this.url_ = undefined;
  }

  private start(): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const process = runSim(this.spawner, this.simPath(), ['web', '--json'], {}, {
        onEvent: (event) => {
          if (event.type === 'web-console') resolve(event.url);
        },
        onText: (line) => this.log(`sim web: ${line}`),
      });
      this.process = process;
      void process.done.then((outcome) => {
        if (this.process === process) {
          this.process = undefined;
          this.url_ = undefined;
        }
        this.log(`sim web ended (exit code ${outcome.exitCode})`);
        // Does nothing when the address was already given.
        reject(new WebConsoleError(outcome.error ?? { type: 'error', code: 'web-ended', message: `sim web ended (exit code ${outcome.exitCode}) before serving`, hint: outcome.stderrTail.at(-1) ?? 'See the output channel "sim".' }));
      });
    });
  }
}
