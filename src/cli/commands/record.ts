import type { CommandModule } from 'yargs';
import { emit } from '../../core/events.js';
import { DEFAULT_FPS, recordScreen } from '../../display/record.js';
import { framesPerSecond, hostPath, simulatorName, timeoutSeconds } from '../../config/option-values.js';
import { runCommand, type GlobalArgs } from './context.js';
import { checked } from '../option-value.js';

type RecordArgs = GlobalArgs & { name?: string; output?: string; duration?: number; fps?: number };

export const recordCommand: CommandModule<GlobalArgs, RecordArgs> = {
  command: 'record [name]',
  describe: "Record a running simulator's screen as a WebM video (until Ctrl-C or --duration; needs ffmpeg)",
  builder: (y) =>
    y
      .positional('name', { type: 'string', describe: 'Simulator name (default: the only one running)', coerce: checked('NAME', simulatorName) })
      .option('output', { alias: 'o', type: 'string', describe: 'The .webm file to write (default: NAME-TIMESTAMP.webm here)', coerce: checked('--output', hostPath) })
      .option('duration', { type: 'string', describe: 'Stop after this many seconds (default: at Ctrl-C)', coerce: checked('--duration', timeoutSeconds) })
      .option('fps', { type: 'string', describe: `Frames per second to capture (default ${DEFAULT_FPS}; a guest under emulation may give fewer)`, coerce: checked('--fps', framesPerSecond) }),
  handler: async (args) => {
    process.exitCode = await runCommand(args, async ({ context, events, signal }) => {
            const result = await recordScreen(context, args.name, {
        output: args.output,
        durationS: args.duration,
        fps: args.fps,
        signal,
        onStart: (file) => emit(events, { type: 'progress', task: 'record', message: `recording to ${file}${args.duration ? ` for ${args.duration} s` : ' (Ctrl-C stops)'}` }),
      });
      emit(events, { type: 'progress', task: 'record', message: `recorded ${result.frames} frames in ${result.seconds.toFixed(1)} s to ${result.file}`, done: true });
      return { data: { ...result } };
    });
  },
};
