/** `sim snapshot ls|rm`: the saved, booted guests quick boot resumes (src/snapshots/). */
import type { CommandModule } from 'yargs';
import { formatBytes } from '../../doctor/doctor.js';
import { emit } from '../../core/events.js';
import { listSnapshots, removeSnapshot } from '../../snapshots/store.js';
import { runCommand, type GlobalArgs } from './context.js';

const ls: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'ls',
  describe: 'List quick-boot snapshots: the image and machine each serves, when it was saved, its disk use',
  handler: async (args) => {
    process.exitCode = await runCommand(args, async ({ context, json }) => {
      const snapshots = await listSnapshots(context);
      if (json) {
        for (const s of snapshots) process.stdout.write(`${JSON.stringify({ type: 'snapshot', time: new Date().toISOString(), ...s.meta, dir: s.dir, diskBytes: s.diskBytes })}\n`);
        return;
      }
      process.stdout.write('KEY\tIMAGE\tMACHINE\tSAVED\tDISK\n');
      for (const s of snapshots) process.stdout.write(`${s.meta.key}\t${s.meta.image.name}\t${s.meta.label}\t${s.meta.created}\t${formatBytes(s.diskBytes)}\n`);
    });
  },
};

const rm: CommandModule<GlobalArgs, GlobalArgs & { key?: string; all?: boolean }> = {
  command: 'rm [key]',
  describe: 'Remove a snapshot by its key (or the start of it), or every one with --all; the next boot saves a new one',
  builder: (y) =>
    y
      .positional('key', { type: 'string', describe: 'The key, as sim snapshot ls shows it' })
      .option('all', { type: 'boolean', describe: 'Remove every snapshot' })
      .check((a) => {
        if (Boolean(a.key) === Boolean(a.all)) throw new Error('Give a snapshot key or --all.');
        return true;
      }),
  handler: async (args) => {
    process.exitCode = await runCommand(args, async ({ context, events }) => {
      const keys = args.all ? (await listSnapshots(context)).map((s) => s.meta.key) : [args.key!];
      for (const key of keys) {
        const meta = await removeSnapshot(context, key);
        emit(events, { type: 'log', level: 'info', message: `removed the snapshot ${meta.key} (${meta.image.name}, ${meta.label})` });
      }
    });
  },
};

export const snapshotCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'snapshot',
  describe: 'Manage quick-boot snapshots (ls, rm)',
  builder: (y) => y.command([ls, rm] as CommandModule<GlobalArgs, GlobalArgs>[]).demandCommand(1),
  handler: () => undefined,
};
