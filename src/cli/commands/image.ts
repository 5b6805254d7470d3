import type { CommandModule } from 'yargs';
import { listImages, removeImage, resolveImage, verifyImage } from '../../images/store.js';
import { importImage } from '../../images/import.js';
import { formatBytes } from '../../doctor/doctor.js';
import { removeImageSnapshots, snapshotUsage } from '../../snapshots/store.js';
import { emit } from '../../core/events.js';
import { buildImage } from '../../images/build.js';
import { DEFAULT_IMAGE } from '../../images/default.js';
import { hostPath, imageName, imageRef, imageUrl, keepCount, packageList, sha256Hex, versionName } from '../../config/option-values.js';
import type { ImageMeta } from '../../images/meta.js';
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
      process.stdout.write('NAME\tID\tKERNEL\tDISK\tSNAPSHOTS\tUPDATED\tSOURCE\n');
      for (const m of images) {
        const snapshotBytes = snapshots.get(m.id);
        process.stdout.write(`${m.names.join(',') || '-'}\t${m.id.slice(0, 12)}\t${m.kernel.version}\t${formatBytes(m.disk.bytes)}\t${snapshotBytes ? formatBytes(snapshotBytes) : '-'}\t${updatedText(m)}\t${sourceText(m)}\n`);
      }
    });
  },
};

/** When the stored version arrived (and, for a pulled image, when the server was last asked). Pure. */
function updatedText(meta: ImageMeta): string {
  const day = (iso: string) => iso.slice(0, 16).replace('T', ' ');
  if (!meta.remote) return day(meta.addedAt);
  return `${day(meta.remote.pulledAt)}${meta.remote.checkedAt !== meta.remote.pulledAt ? ` (checked ${day(meta.remote.checkedAt)})` : ''}`;
}

function sourceText(meta: ImageMeta): string {
  if (!meta.remote) return `${meta.source.kind} ${meta.source.path}`;
  return `${meta.remote.url}${meta.remote.version ? ` ${meta.remote.version}` : ''}`;
}

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

type PullArgs = GlobalArgs & { url: string; name?: string; sha256?: string; keyring?: string; noVerify?: boolean };

const pull: CommandModule<GlobalArgs, PullArgs> = {
  command: 'pull <url>',
  describe: 'Download an image file or a published directory (ending in /) over http(s), verify it, and store it',
  builder: (y) =>
    y
      .positional('url', { type: 'string', demandOption: true, describe: 'URL of a qcow2/raw/ISO file (.xz, .zst, .gz too) or of a directory written by `sim image publish`', coerce: checked('URL', imageUrl) })
      .option('name', { alias: 'n', type: 'string', describe: "Name to refer to the image by (default: the publisher's or the file's)", coerce: checked('--name', imageName) })
      .option('sha256', { type: 'string', describe: "Expected sha256: of the file as served, or of a published directory's raw disk (its image id)", coerce: checked('--sha256', sha256Hex) })
      .option('keyring', { type: 'string', describe: "OpenPGP keyring with the publisher's keys: the checksum list beside the image must be signed by one", coerce: checked('--keyring', hostPath) })
      .option('no-verify', { type: 'boolean', describe: 'Store the image unchecked (neither --sha256 nor --keyring)' }),
  handler: async (args) => {
    process.exitCode = await runCommand(args, async ({ context, events, signal, json }) => {
      const { pullImage } = await import('../../remote/pull.js');
      const result = await pullImage(context, args.url, { name: args.name, sha256: args.sha256, keyring: args.keyring, verify: !args.noVerify, events, signal });
      if (!json) process.stdout.write(`${result.meta.names.join(', ')}\t${result.meta.id.slice(0, 12)}\tkernel ${result.meta.kernel.version}\n`);
      return { data: { image: result.meta.names[0] ?? result.meta.id, id: result.meta.id, changed: result.changed, transferredBytes: result.transferredBytes, imageBytes: result.imageBytes, reusedBytes: result.reusedBytes } };
    });
  },
};

type UpdateArgs = GlobalArgs & { image?: string; sha256?: string; keep?: number };

const update: CommandModule<GlobalArgs, UpdateArgs> = {
  command: 'update [image]',
  describe: "Fetch a pulled image's newest version, only what changed (every pulled image when none is named)",
  builder: (y) =>
    y
      .positional('image', { type: 'string', describe: 'A pulled image (default: all of them)', coerce: checked('IMAGE', imageRef) })
      .option('sha256', { type: 'string', describe: 'The new version\'s sha256 (for images pulled with --sha256)', coerce: checked('--sha256', sha256Hex) })
      .option('keep', { type: 'number', default: 0, describe: 'Older versions to keep, named NAME-VERSION (others go once no simulator uses them)', coerce: checked('--keep', keepCount) }),
  handler: async (args) => {
    process.exitCode = await runCommand(args, async ({ context, events, signal, json }) => {
      const { pulledImages, updateImage } = await import('../../remote/pull.js');
      const targets = args.image ? [args.image] : (await pulledImages(context)).map((meta) => meta.names[0] ?? meta.id);
      if (!targets.length) emit(events, { type: 'log', level: 'info', message: "no pulled images to update (pull one with 'sim image pull URL')" });
      const updated: Record<string, unknown>[] = [];
      for (const target of targets) {
        const result = await updateImage(context, target, { sha256: args.sha256, keep: args.keep, events, signal });
        updated.push({ image: target, id: result.meta.id, version: result.meta.remote?.version, changed: result.changed, transferredBytes: result.transferredBytes, imageBytes: result.imageBytes, reusedBytes: result.reusedBytes, removed: result.removed, kept: result.kept });
        if (!json) process.stdout.write(`${target}\t${result.meta.id.slice(0, 12)}\t${result.changed ? `updated to ${result.meta.remote?.version ?? result.meta.id.slice(0, 12)}` : 'up to date'}\n`);
      }
      return { data: { images: updated } };
    });
  },
};

type PublishArgs = GlobalArgs & { image: string; dir: string; name?: string; versionName?: string; signKey?: string; indexOnly?: boolean; keep?: number };

const publish: CommandModule<GlobalArgs, PublishArgs> = {
  command: 'publish <image> <dir>',
  describe: 'Write what pull and update need (chunks, index, checksums, signature) into a directory any static web server can serve',
  builder: (y) =>
    y
      .positional('image', { type: 'string', demandOption: true, describe: 'A qcow2 or raw disk image file, or a stored image by name', coerce: checked('IMAGE', hostPath) })
      .positional('dir', { type: 'string', demandOption: true, describe: 'The directory to publish into (made if missing; a later publish adds a version)', coerce: checked('DIR', hostPath) })
      .option('name', { alias: 'n', type: 'string', describe: 'The name pull gives the image by default', coerce: checked('--name', imageName) })
      .option('version-name', { type: 'string', describe: 'This version\'s name (default: the UTC date and time)', coerce: checked('--version-name', versionName) })
      .option('sign-key', { type: 'string', describe: 'Sign the checksum list with this GnuPG key (id, fingerprint or e-mail)' })
      .option('index-only', { type: 'boolean', describe: 'Do not copy the image file itself (pull of the directory needs only the chunks)' })
      .option('keep', { type: 'number', default: 3, describe: 'Versions whose chunks stay on the server (clients mid-update still fetch them)', coerce: checked('--keep', keepCount) }),
  handler: async (args) => {
    process.exitCode = await runCommand(args, async ({ context, events, json }) => {
      const { publishImage } = await import('../../remote/publish.js');
      const { stat } = await import('node:fs/promises');
      let file = args.image;
      let name = args.name;
      if (!(await stat(file).catch(() => undefined))) {
        const meta = await resolveImage(context, args.image);
        file = (await import('../../images/store.js')).imageFile(context, meta, meta.disk.file);
        name ??= meta.names[0];
      }
      const result = await publishImage(file, args.dir, { name, version: args.versionName, signKey: args.signKey, indexOnly: args.indexOnly, keep: args.keep, events });
      if (!json) process.stdout.write(`${result.manifest.name}\t${result.manifest.version}\t${result.manifest.raw.sha256}\t${result.dir}\n`);
      return { data: { dir: result.dir, ...result.manifest, newChunks: result.newChunks, chunks: result.chunks } };
    });
  },
};

export const imageCommands = [add, pull, update, publish, ls, rm, verify, buildCmd];

export const imageCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'image',
  describe: 'Manage the image store (add, pull, update, publish, ls, rm, verify, build)',
  builder: (y) => y.command(imageCommands as CommandModule<GlobalArgs, GlobalArgs>[]).demandCommand(1),
  handler: () => undefined,
};
