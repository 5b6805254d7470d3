import type { Argv, CommandModule } from 'yargs';
import { boot, DEFAULT_TIMEOUT_MS } from '../boot.js';
import { DEFAULT_IMAGE, resolveOrBuildImage } from '../images.js';
import { SimError } from '../errors.js';
import { startSimulator } from '../simulators/start.js';
import { runCommand, type GlobalArgs } from './context.js';

export interface BootArgs extends GlobalArgs {
  image?: string;
  overlay?: string;
  'no-init'?: boolean;
  init?: string;
  memory: number;
  cpus: number;
  'kernel-arg': string[];
  timeout: number;
  'compressed-kernel'?: boolean;
  display?: string;
  resolution?: string;
  'vnc-listen'?: string;
  detach?: boolean;
  name?: string;
  '--'?: (string | number)[];
}

/** Options shared by `boot` and `rebuild-and-boot`. */
export function bootOptions<T>(yargs: Argv<T>, defaults: { image?: string } = { image: DEFAULT_IMAGE }) {
  return yargs
    .option('image', {
      alias: 'i',
      type: 'string',
      default: defaults.image,
      describe: defaults.image ? `Image name or id from the store ('${DEFAULT_IMAGE}' is built on first use)` : "Image name or id (default: sim.json's image, else debian)",
    })
    .option('overlay', { alias: 'o', type: 'string', describe: 'Host prefix (DESTDIR-style, e.g. ./prefix/usr/...) to layer over the image' })
    .option('no-init', { type: 'boolean', describe: "Run the command right after switch_root, without booting the image's init (fast; for tests)" })
    .option('init', { type: 'string', describe: 'Init program in the image to hand over to (default /sbin/init)' })
    .option('memory', { alias: 'm', type: 'number', default: 1024, describe: 'Guest memory in MiB' })
    .option('cpus', { type: 'number', default: 2, describe: 'Guest CPUs' })
    .option('kernel-arg', { type: 'string', array: true, default: [] as string[], describe: 'Extra kernel command-line word (repeatable)' })
    .option('timeout', { type: 'number', default: DEFAULT_TIMEOUT_MS / 1000, describe: 'Seconds the guest may take to become ready' })
    .option('compressed-kernel', { type: 'boolean', describe: 'Boot the compressed bzImage instead of the extracted vmlinux' })
    .option('display', { type: 'string', describe: 'Screen: gtk or sdl (a window; default with a desktop), vnc, spice, or none (a virtual screen for sim screenshot)' })
    .option('resolution', { type: 'string', describe: 'Screen size WIDTHxHEIGHT (default 1280x800)' })
    .option('vnc-listen', { type: 'string', describe: 'Serve VNC on a loopback TCP address like 127.0.0.1:5901 instead of a private unix socket' });
}

export function bootRequestFrom(args: BootArgs) {
  const command = (args['--'] ?? []).map(String);
  return {
    image: args.image ?? DEFAULT_IMAGE,
    overlay: args.overlay,
    command: command.length ? command : undefined,
    noInit: args['no-init'],
    init: args.init,
    memoryMiB: args.memory,
    cpus: args.cpus,
    kernelArgs: args['kernel-arg'],
    timeoutMs: args.timeout * 1000,
    compressedKernel: args['compressed-kernel'],
    display: args.display,
    resolution: args.resolution,
    vncListen: args['vnc-listen'],
  };
}

export const bootCommand: CommandModule<GlobalArgs, BootArgs> = {
  command: 'boot [options] [-- command...]',
  describe: 'Boot an image with an overlay prefix; with a command, run it in the guest and exit with its status',
  builder: (yargs) =>
    bootOptions(yargs)
      .option('detach', { alias: 'd', type: 'boolean', describe: 'Start a long-running simulator in the background; returns once the guest is ready' })
      .option('name', { type: 'string', describe: 'Name of the detached simulator (default: the image name)' }) as unknown as Argv<BootArgs>,
  handler: async (args) => {
    if (args.detach) {
      process.exitCode = await runCommand(args, async ({ events, signal, json }) => {
        const { command, ...request } = bootRequestFrom(args);
        if (command) throw new SimError('USAGE', 'A detached simulator does not take a command.', "Start it with 'sim boot --detach', then run commands with 'sim exec -- CMD'.");
        const state = await startSimulator({ ...request, name: args.name, events, signal, resolve: (ref) => resolveOrBuildImage(ref, { events, signal }) });
        if (!json) process.stdout.write(`${state.name}\n`);
      });
      return;
    }
    process.exitCode = await runCommand(args, async ({ events, signal }) => {
      const result = await boot({ ...bootRequestFrom(args), events, signal, resolve: (ref) => resolveOrBuildImage(ref, { events, signal }) });
      return result.exitCode;
    }, { interactive: !args['--']?.length });
  },
};
