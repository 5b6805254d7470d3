/** `sim web`: the web console (src/web/server.ts) until Ctrl-C. */
import type { CommandModule } from 'yargs';
import { emit } from '../../core/events.js';
import { spawn, which } from '../../core/process.js';
import { runCommand, type GlobalArgs } from './context.js';
import { checked } from '../option-value.js';
import { webPort } from '../../config/option-values.js';

type WebArgs = GlobalArgs & { port?: number; open?: boolean };

const describe = 'Serve the web console on loopback: running simulators with their screens, consoles, events and controls';

export const webCommand: CommandModule<GlobalArgs, WebArgs> = {
  command: 'web',
  describe,
  builder: (y) =>
    y
      .usage(`$0 web [--port N] [--open]\n\n${describe}. Prints the page's address (with its access token); from another machine, forward the port over SSH.`)
      .option('port', { type: 'string', describe: 'Port on 127.0.0.1 (default: any free one)', coerce: checked('--port', webPort) })
      .option('open', { type: 'boolean', describe: 'Also open the page in the desktop browser (xdg-open)' }),
  handler: async (args) => {
    process.exitCode = await runCommand(args, async ({ context, events, signal }) => {
      const { startWebServer } = await import('../../web/server.js');
      const server = await startWebServer(context, { port: args.port });
      emit(events, { type: 'web-console', url: server.url, port: server.port });
      if (args.open) {
        const opener = await which('xdg-open', context.env);
        if (!opener) emit(events, { type: 'log', level: 'warn', message: 'xdg-open is not installed: open the address above yourself (Debian: apt-get install xdg-utils)' });
        else void spawn(opener, [server.url], { stdio: 'ignore', detached: true }).catch(() => undefined);
      }
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      await server.close();
      return 0;
    });
  },
};
