import type { CommandModule } from 'yargs';
import { importImage, listImages, removeImage, resolveImage, verifyImage } from '../../images/store.js';
import { formatBytes } from '../../doctor/doctor.js';
import { removeImageSnapshots, snapshotUsage } from '../../snapshots/store.js';
import { emit } from '../../core/events.js';
import { buildImage } from '../../images/build.js';
import { DEFAULT_IMAGE } from '../../images/default.js';
import { hostPath, imageName, imageRef, packageList } from '../../config/option-values.js';
import { runCommand, type GlobalArgs } from './context.js';
import { checked, checkedEach } from '../option-value.js';

const add: CommandModule<GlobalArgs, GlobalArgs & { file: string; name?: string }> = {
  command: 'add <file>',
  describe: 'Import a qcow2 or raw disk image into the store (once; the same content again is a no-op)',
  builder: (y) => y.positional('file', { type: 'string', demandOption: true, coerce: checked('FILE', hostPath) }).option('name', { alias: 'n', type: 'string', describe: 'Name to refer to the image by', coerce: checked('--name', imageName) }),
  handler: async (args) => {
    process.exitCode = await runCommand(args, async ({ context, events, json }) => {
      const meta = await importImage(context, args.file, { name: args.name, events });
      if (json) emit(events, { type: 'log', level: 'info', message: JSON.stringify(meta) });
      else process.stdout.write(`${meta.names.join(', ') || meta.id.slice(0, 12)}\t${meta.id.slice(0, 12)}\tkernel ${meta.kernel.version}\n`);
    });
  },
};

const ls: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'ls',
  describe: 'List stored images',
  handler: async (args) => {
    process.exitCode = await runCommand(args, async ({ context, json }) => {
      const [images, snapshots] = await Promise.all([listImages(context), snapshotUsage(context)]);
      if (json) {
        for (const meta of images) process.stdout.write(`${JSON.stringify({ type: 'image', time: new Date().toISOString(), ...meta, snapshotBytes: snapshots.get(meta.id) ?? 0 })}\n`);
        return;
      }
      process.stdout.write('NAME\tID\tKERNEL\tLIBDIR\tDISK\tSNAPSHOTS\n');
      for (const m of images) {
        const snapshotBytes = snapshots.get(m.id);
        process.stdout.write(`${m.names.join(',') || '-'}\t${m.id.slice(0, 12)}\t${m.kernel.version}\t${m.libdir}\t${formatBytes(m.disk.bytes)}\t${snapshotBytes ? formatBytes(snapshotBytes) : '-'}\n`);
      }
    });
  },
};

const rm: CommandModule<GlobalArgs, GlobalArgs & { image: string }> = {
  command: 'rm <image>',
  describe: 'Remove an image from the store',
  builder: (y) => y.positional('image', { type: 'string', demandOption: true, coerce: checked('IMAGE', imageRef) }),
  handler: async (args) => {
    process.exitCode = await runCommand(args, async ({ context, events }) => {
      const meta = await removeImage(context, args.image);
      // Its quick-boot snapshots resume nothing any more.
      await removeImageSnapshots(context, meta.id);
      emit(events, { type: 'log', level: 'info', message: `removed ${meta.names.join(', ') || meta.id.slice(0, 12)}` });
    });
  },
};

const verify: CommandModule<GlobalArgs, GlobalArgs & { image: string }> = {
  command: 'verify <image>',
  describe: "Check a stored image's base disk against its recorded sha256",
  builder: (y) => y.positional('image', { type: 'string', demandOption: true, coerce: checked('IMAGE', imageRef) }),
  handler: async (args) => {
    process.exitCode = await runCommand(args, async ({ context, events }) => {
      await verifyImage(context, await resolveImage(context, args.image), { full: true });
      emit(events, { type: 'log', level: 'info', message: 'ok: the base disk matches its sha256' });
    });
  },
};

type BuildArgs = GlobalArgs & { recipe: string; include?: string[][]; name?: string; force?: boolean };

const buildCmd: CommandModule<GlobalArgs, BuildArgs> = {
  command: 'build [recipe]',
  describe: `Build a base image from a recipe in images/ (default: ${DEFAULT_IMAGE}) or a recipe file; a built recipe is a cache hit`,
  builder: (y) =>
    y
      .positional('recipe', { type: 'string', default: DEFAULT_IMAGE, describe: 'Recipe name (images/NAME.json) or path to a recipe file', coerce: checked('RECIPE', hostPath) })
      .option('include', { type: 'string', array: true, nargs: 1, describe: 'Extra Debian packages (pkg,pkg or repeat the option)', coerce: checkedEach('--include', packageList) })
      .option('name', { alias: 'n', type: 'string', describe: "Image name (default: the recipe's name)", coerce: checked('--name', imageName) })
      .option('force', { type: 'boolean', describe: 'Build again even when the store has this recipe' }),
  handler: async (args) => {
    process.exitCode = await runCommand(args, async ({ context, events, signal, json }) => {
      const meta = await buildImage(context, { recipe: args.recipe, include: (args.include ?? []).flat(), name: args.name, force: args.force, events, signal });
      if (!json) process.stdout.write(`${meta.names.join(', ')}\t${meta.id.slice(0, 12)}\tkernel ${meta.kernel.version}\n`);
    });
  },
};

export const imageCommands = [add, ls, rm, verify, buildCmd];

export const imageCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'image',
  describe: 'Manage the image store (add, ls, rm, verify, build)',
  builder: (y) => y.command(imageCommands as CommandModule<GlobalArgs, GlobalArgs>[]).demandCommand(1),
  handler: () => undefined,
};
