import type { CommandModule } from 'yargs';
import { doctor, formatDoctorReport } from '../../doctor/doctor.js';
import { ExitCode } from '../../core/errors.js';
import { runCommand, type GlobalArgs } from './context.js';

export const doctorCommand: CommandModule<GlobalArgs, GlobalArgs> = {
  command: 'doctor',
  describe: 'Check this machine: QEMU, KVM (really probed), 9p, busybox, image-build tools, the cache',
  handler: async (args) => {
    process.exitCode = await runCommand(args, async ({ context, events, json }) => {
      const report = await doctor(context, { events });
      if (json) process.stdout.write(`${JSON.stringify({ type: 'doctor', time: new Date().toISOString(), ...report })}\n`);
      else process.stdout.write(formatDoctorReport(report));
      return report.ok ? 0 : ExitCode.tool;
    });
  },
};
