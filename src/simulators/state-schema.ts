/**
 * A simulator's state.json, as a zod schema: what the library API exports. The registry reads
 * state files with the zod-free twin in state-check.ts, which must accept the same.
 */
import { z } from 'zod';

export const simulatorStateSchema = z.object({
  name: z.string(),
  status: z.enum(['starting', 'running']),
  /** QEMU's pid. */
  pid: z.number().int(),
  /** The `sim boot --detach` process that started it (only matters while starting). */
  launcherPid: z.number().int(),
  image: z.string(),
  imageId: z.string(),
  overlay: z.string().nullable(),
  accel: z.enum(['kvm', 'tcg']),
  startedAt: z.string(),
  readyMs: z.number().optional(),
  display: z.record(z.string(), z.unknown()).optional(),
  /** The sim.json whose prefix this simulator serves (what a rebuild from `sim web` builds). */
  project: z.string().optional(),
});
export type SimulatorState = z.infer<typeof simulatorStateSchema>;
