/** The command table. Each command lives in src/cli/commands/ and is loaded only when it runs. */
import yargs, { type Argv } from 'yargs';
import { runCommand } from './commands/context.js';
import { lazyCommand } from './lazy-command.js';
import { usageError } from './usage.js';
import { simVersion } from './version.js';
import { isSimError } from '../core/errors.js';

// zod compiles each schema into a checker of its own (new Function) at its first use: worth it
// in a long-lived process, 3-8 ms of a command here, which validates a few documents once. zod
// keeps what z.config() sets in this global and reads it as it builds a schema, so it is set
// before any command's module loads zod (test/unit/cli/zod-jitless.test.ts checks zod sees it).
const zodConfig = ((globalThis as { __zod_globalConfig?: { jitless?: boolean } }).__zod_globalConfig ??= {});
zodConfig.jitless = true;

export const commands = [
  lazyCommand('boot', 'Boot an image with an overlay prefix; with a command, run it in the guest and exit with its status', async () => (await import('./commands/boot.js')).bootCommand),
  lazyCommand('image', 'Manage the image store (add, pull, update, publish, ls, rm, verify, build)', async () => (await import('./commands/image.js')).imageCommand),
  lazyCommand('snapshot', 'Manage quick-boot snapshots (ls, rm)', async () => (await import('./commands/snapshot.js')).snapshotCommand),
  lazyCommand('build [modules..]', "Build modules from sim.json into the overlay prefix, matching the image's paths (a detached simulator or a console boot running on the prefix is told what changed)", async () => (await import('./commands/build.js')).buildCommand),
  lazyCommand('rebuild-and-boot [modules..]', 'Build modules into the overlay prefix, then boot with it (every boot option applies), or hot-reload a simulator already serving it (detached, or a sim boot at its console)', async () => (await import('./commands/build.js')).rebuildAndBootCommand),
  lazyCommand('init', "Set the project up for an IDE's Run button: sim.json (one module: this directory) and a 'Run in simulator (sim)' configuration in .buildconfig (GNOME Builder, Foundry)", async () => (await import('./commands/init.js')).initCommand),
  lazyCommand('ls', 'List running simulators (stale entries are cleaned up)', async () => (await import('./commands/ls.js')).lsCommand),
  lazyCommand('exec [name]', 'Run a command in a running simulator; exits with its status', async () => (await import('./commands/simulators.js')).execCommand),
  lazyCommand('console [name]', "Attach to a simulator's serial console (Ctrl-] detaches)", async () => (await import('./commands/simulators.js')).consoleCommand),
  lazyCommand('stop [name]', 'Shut a simulator down (ACPI power-off, then kill after --timeout seconds)', async () => (await import('./commands/simulators.js')).stopCommand),
  lazyCommand('screenshot [name]', "Save a running simulator's screen as PNG (prints the file's path)", async () => (await import('./commands/screenshot.js')).screenshotCommand),
  lazyCommand('web', 'Serve the web console on loopback: running simulators with their screens, consoles, events and controls', async () => (await import('./commands/web.js')).webCommand),
  lazyCommand('logs [name]', "Show the guest's log: systemd's journal of this boot (the kernel's log on an image without one)", async () => (await import('./commands/logs.js')).logsCommand),
  lazyCommand('push <name> <source> <destination>', 'Copy a file or directory into a running simulator (into DST when it is a directory or ends in /)', async () => (await import('./commands/transfer.js')).pushCommand),
  lazyCommand('pull <name> <source> <destination>', 'Copy a file or directory out of a running simulator (into DST when it is a directory or ends in /)', async () => (await import('./commands/transfer.js')).pullCommand),
  lazyCommand('launch <name> <app>', "Start a desktop app in the simulator's graphical session, as GNOME starts it (prints its pids)", async () => (await import('./commands/apps.js')).launchCommand),
  lazyCommand('terminate <name> <app>', "End a desktop app's processes in the simulator (SIGTERM, SIGKILL after 5 s)", async () => (await import('./commands/apps.js')).terminateCommand),
  lazyCommand('open <name> <uri>', "Open a URI in the simulator's session with its default handler (a web page, a file, an app's scheme)", async () => (await import('./commands/apps.js')).openCommand),
  lazyCommand('record [name]', "Record a running simulator's screen as a WebM video (until Ctrl-C or --duration; needs ffmpeg)", async () => (await import('./commands/record.js')).recordCommand),
  lazyCommand('input [name]', "Press keys, type text or click on a running simulator's screen", async () => (await import('./commands/input.js')).inputCommand),
  lazyCommand(
    'demo [component]',
    "The main job in one command: rebuild GLib from Debian's source, boot the default image with it and show it winning in the guest (gnome-shell: fetch, change and build Debian's gnome-shell for the gnome image)",
    async () => (await import('./commands/demo.js')).demoCommand,
  ),
  lazyCommand('doctor', 'Check this machine: QEMU, KVM (really probed), 9p, busybox, image-build tools, the cache', async () => (await import('./commands/doctor.js')).doctorCommand),
];

export interface CliOptions {
  /** Runs after every check passed, right before a command's handler (tests stop there). */
  beforeHandler?: (args: Record<string, unknown>) => void;
}

/** What fail() asks of yargs about the command being parsed, and its help renderer (not in @types/yargs). */
interface YargsInternals {
  getInternalMethods(): { getContext(): { commands: string[] }; getCommandInstance(): { getCommands(): string[] }; getUsageInstance(): { cacheHelpMessage(): void } };
  getOptions(): { key: Record<string, unknown>; alias: Record<string, string[]> };
}

/** The words before `--`; the rest is the guest's command. */
function ownWords(argv: readonly string[]): string[] {
  const end = argv.indexOf('--');
  return end < 0 ? [...argv] : argv.slice(0, end);
}

/** The parser, not yet run. */
export function createCli(argv: string[], options: CliOptions = {}): Argv {
  const cli: Argv = yargs(argv)
    .scriptName('sim')
    .usage('$0 <command> [options]\n\nBoot a complete OS image in QEMU with your freshly built component layered on top.')
    // Our messages are English; yargs' must be too, to be recognised in fail().
    .locale('en')
    // '--no-init' is a flag of its own, not the negation of '--init'.
    .parserConfiguration({ 'populate--': true, 'boolean-negation': false })
    .option('json', { type: 'boolean', describe: 'Emit NDJSON events on stdout instead of human output' })
    .option('verbose', { alias: 'v', type: 'boolean', describe: 'Show the commands sim runs and the guest console' })
    .command(commands)
    .demandCommand(1)
    .strict()
    // Throwing here stops yargs before the command's handler: nothing runs after a usage error.
    .fail((message, error) => {
      if (isSimError(error)) throw error;
      const internals = (cli as unknown as YargsInternals).getInternalMethods();
      const known = (cli as unknown as YargsInternals).getOptions();
      throw usageError(message ?? error?.message ?? 'The command line is not valid', {
        command: [...internals.getContext().commands],
        options: [...Object.keys(known.key), ...Object.values(known.alias).flat()],
        commands: internals.getCommandInstance().getCommands(),
        argv: ownWords(argv),
      });
    })
    .help()
    .version(simVersion());
  if (options.beforeHandler) cli.middleware(options.beforeHandler);
  // yargs renders the whole help of the command being run as its handler starts, kept for a
  // handler that asks for it (showHelp) or a failure that prints it: sim's handlers never ask,
  // and fail() above prints no help. Rendering it cost each command about 14 ms.
  (cli as unknown as YargsInternals).getInternalMethods().getUsageInstance().cacheHelpMessage = () => {};
  return cli;
}

/**
 * Load the module of the command being run, the first word that is not an option (sim's own
 * options take no values), before yargs parses: then its builder is synchronous, as yargs needs
 * it to be to report a bad option value through fail().
 */
async function preload(argv: readonly string[]): Promise<void> {
  const word = ownWords(argv).find((w) => !w.startsWith('-'));
  await commands.find((command) => command.name === word)?.load();
}

export async function main(argv: string[], options: CliOptions = {}): Promise<number> {
  try {
    await preload(argv);
    await createCli(argv, options).parseAsync();
  } catch (error) {
    // Reported like any command's error (human or --json); anything but a SimError is a bug.
    return runCommand({ json: ownWords(argv).includes('--json'), verbose: false }, () => {
      throw error;
    });
  }
  return typeof process.exitCode === 'number' ? process.exitCode : 0;
}
