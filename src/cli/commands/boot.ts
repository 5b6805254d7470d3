import type { Argv, CommandModule } from 'yargs';
import { DEFAULT_TIMEOUT_MS } from '../../boot/timeout.js';
import { DEFAULT_IMAGE, resolveOrBuildImage } from '../../images/default.js';
import { SimError } from '../../core/errors.js';
import { cpuCount, displayBackend, guestProgram, hostPath, imageRef, initrdChoice, kernelArg, memoryMiB, overlayCache, overlayMode, resolution, simulatorName, timeoutSeconds, vncListen, type OverlayCache } from '../../config/option-values.js';
import type { OverlayMode } from '../../boot/overlay-mode.js';
import type { InitrdChoice } from '../../boot/initrd-choice.js';
import { runCommand, type GlobalArgs } from './context.js';
import { checked, checkedEach } from '../option-value.js';

export interface BootArgs extends GlobalArgs {
  image?: string;
  overlay?: string;
  'overlay-mode'?: OverlayMode;
  'overlay-cache'?: OverlayCache;
  initrd?: InitrdChoice;
  'no-init'?: boolean;
  init?: string;
  memory: number;
  cpus?: number;
  'kernel-arg'?: string[];
  timeout: number;
  'compressed-kernel'?: boolean;
  display?: string;
  resolution?: string;
  'vnc-listen'?: string;
  cold?: boolean;
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
      coerce: checked('--image', imageRef),
    })
    .option('overlay', { alias: 'o', type: 'string', describe: 'Host prefix (DESTDIR-style, e.g. ./prefix/usr/...) to layer over the image', coerce: checked('--overlay', hostPath) })
    .option('overlay-mode', { type: 'string', describe: "How the overlay wins: merge (default: layered over the image's /usr, /etc and other directories) or path (linker cache and PATH only)", coerce: checked('--overlay-mode', overlayMode) })
    .option('overlay-cache', { type: 'string', describe: "How the guest caches the prefix: loose (default: cached, and sim drops what its builds replace) or none (every read goes to the host: for a prefix you write yourself while the guest runs)", coerce: checked('--overlay-cache', overlayCache) })
    .option('initrd', { type: 'string', describe: "Initrd: sim (sim's own busybox initramfs) or image (the image's own initramfs-tools or systemd initrd, with sim's hook appended); default sim, except for GNOME-OS-like images (their own)", coerce: checked('--initrd', initrdChoice) })
    .option('no-init', { type: 'boolean', describe: "Run the command right after switch_root, without booting the image's init (fast; for tests)" })
    .option('init', { type: 'string', describe: 'Init program in the image to hand over to (default /sbin/init)', coerce: checked('--init', guestProgram) })
    .option('memory', { alias: 'm', type: 'string', default: '1024', describe: 'Guest memory: MiB (e.g. 2048) or with a unit (512M, 2G)', coerce: checked('--memory', memoryMiB) })
    .option('cpus', { type: 'string', describe: 'Guest CPUs (1 to 255; default 2, or 1 with SIM_ICOUNT)', coerce: checked('--cpus', cpuCount) })
    .option('kernel-arg', { type: 'string', array: true, nargs: 1, describe: 'Extra kernel command-line word, key=value (repeat the option for more)', coerce: checkedEach('--kernel-arg', kernelArg) })
    .option('timeout', { type: 'string', default: String(DEFAULT_TIMEOUT_MS / 1000), describe: 'Seconds the guest may take to become ready', coerce: checked('--timeout', timeoutSeconds) })
    .option('compressed-kernel', { type: 'boolean', describe: 'Boot the compressed bzImage instead of the extracted vmlinux' })
    .option('display', { type: 'string', describe: 'Screen: gtk or sdl (a window; default with a desktop), vnc, spice, or none (a virtual screen for sim screenshot)', coerce: checked('--display', displayBackend) })
    .option('resolution', { type: 'string', describe: 'Screen size WIDTHxHEIGHT (default 1280x800)', coerce: checked('--resolution', resolution) })
    .option('vnc-listen', { type: 'string', describe: 'Serve VNC on a loopback TCP address like 127.0.0.1:5901 instead of a private unix socket', coerce: checked('--vnc-listen', vncListen) })
    .option('cold', { type: 'boolean', describe: "Boot the image's init from the start instead of resuming the saved, booted guest (quick boot)" });
}

export function bootRequestFrom(args: BootArgs) {
  const command = (args['--'] ?? []).map(String);
  return {
    image: args.image ?? DEFAULT_IMAGE,
    overlay: args.overlay,
    overlayMode: args['overlay-mode'],
    overlayCache: args['overlay-cache'],
    initrd: args.initrd,
    command: command.length ? command : undefined,
    noInit: args['no-init'],
    init: args.init,
    memoryMiB: args.memory,
    cpus: args.cpus,
    kernelArgs: args['kernel-arg'] ?? [],
    timeoutMs: args.timeout * 1000,
    compressedKernel: args['compressed-kernel'],
    display: args.display,
    resolution: args.resolution,
    vncListen: args['vnc-listen'],
    cold: args.cold,
  };
}

const bootDescription = 'Boot an image with an overlay prefix; with a command, run it in the guest and exit with its status';

export const bootCommand: CommandModule<GlobalArgs, BootArgs> = {
  // The guest's command follows `--`: shown in the usage, not declared (yargs would fill it from other words).
  command: 'boot',
  describe: bootDescription,
  builder: (yargs) =>
    bootOptions(yargs.usage(`$0 boot [options] [-- command...]\n\n${bootDescription}`))
      .option('detach', { alias: 'd', type: 'boolean', describe: 'Start a long-running simulator in the background; returns once the guest is ready' })
      .option('name', { type: 'string', describe: 'Name of the detached simulator (default: the image name)', coerce: checked('--name', simulatorName) }),
  handler: async (args) => {
    if (args.detach) {
      process.exitCode = await runCommand(args, async ({ context, events, signal, json }) => {
        const { command, ...request } = bootRequestFrom(args);
        if (command) throw new SimError('USAGE', 'A detached simulator does not take a command.', "Start it with 'sim boot --detach', then run commands with 'sim exec -- CMD'.");
        const { startSimulator } = await import('../../simulators/start.js');
        const state = await startSimulator(context, { ...request, name: args.name, events, signal, resolve: (ref) => resolveOrBuildImage(context, ref, { events, signal }) });
        if (!json) process.stdout.write(`${state.name}\n`);
        return { data: { name: state.name } };
      });
      return;
    }
    process.exitCode = await runCommand(args, async ({ context, events, signal }) => {
      const { boot } = await import('../../boot/boot.js');
      const result = await boot(context, { ...bootRequestFrom(args), events, signal, resolve: (ref) => resolveOrBuildImage(context, ref, { events, signal }) });
      return result.exitCode;
    }, { interactive: !args['--']?.length });
  },
};
