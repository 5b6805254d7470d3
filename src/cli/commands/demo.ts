import type { CommandModule } from 'yargs';
import { DEFAULT_TIMEOUT_MS } from '../../boot/timeout.js';
import { emit, type EventSink } from '../../core/events.js';
import { nextSteps, runDemo } from '../../demo/demo.js';
import { nextGnomeShellSteps, runGnomeShellDemo } from '../../demo/gnome-shell.js';
import { demoComponent, timeoutSeconds } from '../../config/option-values.js';
import { runCommand, type GlobalArgs } from './context.js';
import { checked } from '../option-value.js';

interface DemoArgs extends GlobalArgs {
  timeout: number;
  component?: string;
}


export const demoCommand: CommandModule<GlobalArgs, DemoArgs> = {
  command: 'demo [component]',
  describe: "The main job in one command: rebuild GLib from Debian's source, boot the default image with it and show it winning in the guest (gnome-shell: fetch, change and build Debian's gnome-shell for the gnome image)",
  builder: (y) =>
    y
      .positional('component', { type: 'string', describe: 'glib (default) or gnome-shell', coerce: checked('COMPONENT', demoComponent) })
      .option('timeout', { type: 'string', default: String(DEFAULT_TIMEOUT_MS / 1000), describe: 'Seconds the guest may take to become ready', coerce: checked('--timeout', timeoutSeconds) }),
  handler: async (args) => {
    process.exitCode = await runCommand(args, async ({ context, events, verbose, json, signal }) => {
      // GLib's compiler lines are for --verbose (or the NDJSON stream); a failure still shows them.
      const sink: EventSink = verbose || json ? events : (event) => event.type !== 'build-output' && events(event);
      if (args.component === 'gnome-shell') {
        const shell = await runGnomeShellDemo(context, { events: sink, signal });
        for (const line of nextGnomeShellSteps(shell)) emit(events, { type: 'log', level: 'info', message: line });
        return 0;
      }
      const result = await runDemo(context, { events: sink, signal, timeoutMs: args.timeout * 1000 });
      for (const line of nextSteps(result)) emit(events, { type: 'log', level: 'info', message: line });
      return result.exitCode;
    });
  },
};
