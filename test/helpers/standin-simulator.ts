/**
 * A running simulator as the registry sees it, without QEMU: a state.json and a live process
 * whose command line names the simulator's directory (what the registry checks of QEMU's pid).
 * For what only reads the registry (`sim ls`): a real one would boot a guest and load the machine.
 */
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export async function standInSimulator(runtimeDir: string, name: string): Promise<{ stop: () => void }> {
  const dir = path.join(runtimeDir, 'sims', name);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // argv0 puts the directory into /proc/PID/cmdline; sleep does not mind its name.
  const process = spawn('sleep', ['3600'], { argv0: dir, stdio: 'ignore' });
  const state = { name, status: 'running', pid: process.pid, launcherPid: process.pid, image: 'debian', imageId: 'stand-in', overlay: null, accel: 'tcg', startedAt: new Date().toISOString() };
  await writeFile(path.join(dir, 'state.json'), `${JSON.stringify(state, null, 2)}\n`);
  return { stop: () => void process.kill() };
}
