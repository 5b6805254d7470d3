/**
 * The hand-written baseline: plain QEMU as a user would type it, with the image's own compressed
 * kernel and the distro's own initramfs (Debian's initramfs-tools, generated once inside the
 * Debian image for its kernel and cached), driven over the serial console like a person would:
 * wait for the login or shell prompt, type the command, power off.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../src/core/atomic.js';
import { boot } from '../../src/index.js';
import type { BenchImage, Workspace } from './workspace.js';
import { runConsole, type ConsoleRun, type ConsoleStep } from './proc.js';

/** Debian's own initramfs for the image's kernel (MODULES=most, as installed), made in the image once. */
export async function distroInitrd(ws: Workspace, log: (line: string) => void): Promise<string> {
  const image = ws.debian.meta;
  const target = path.join(ws.benchCache, `initrd-${image.id.slice(0, 16)}-${image.kernel.version}.img`);
  if (await stat(target).then((s) => s.size > 0, () => false)) return target;
  log(`generating Debian's initramfs for ${image.kernel.version} inside the image (once; a few minutes under TCG)`);
  let out = '';
  let err = '';
  const result = await boot({
    image: ws.debian.ref,
    noInit: true,
    command: ['/bin/sh', '-c', `mkinitramfs -o /tmp/initrd.img ${image.kernel.version} >&2 && base64 -w0 /tmp/initrd.img`],
    env: ws.env,
    timeoutMs: 600_000,
    memoryMiB: 2048,
    events: (e) => {
      if (e.type === 'output') {
        if (e.stream === 'stdout') out += e.data;
        else err += e.data;
      }
    },
  });
  if (result.exitCode !== 0) throw new Error(`mkinitramfs in the Debian image failed (${result.exitCode}): ${err.trim().split('\n').slice(-5).join(' | ')}`);
  await writeFileAtomic(target, Buffer.from(out.trim(), 'base64'));
  return target;
}

export interface BaselineOptions {
  image: BenchImage;
  initrd: string;
  accel: 'tcg' | 'kvm';
  /** Disk to boot: the stored base (booted with -snapshot) or a rebuilt raw image. */
  disk?: { file: string; format: 'qcow2' | 'raw' };
  /** Shell command typed at the prompt. */
  command: string;
  timeoutMs?: number;
}

/** The QEMU command line of the baseline (what a user would type). */
export function baselineArgs(options: BaselineOptions): string[] {
  const disk = options.disk ?? { file: options.image.disk, format: 'qcow2' as const };
  return [
    '-machine', 'q35', '-accel', options.accel, '-cpu', options.accel === 'kvm' ? 'host' : 'max', '-smp', '2', '-m', '1024',
    '-nographic',
    '-kernel', options.image.vmlinuz, '-initrd', options.initrd,
    '-append', `root=${options.image.rootDevice} console=ttyS0`,
    '-drive', `file=${disk.file},if=virtio,format=${disk.format}`,
    '-snapshot',
  ];
}

/** A shell prompt at the end of the output so far; busybox ash follows it with a cursor query (ESC [6n). */
// eslint-disable-next-line no-control-regex -- a terminal escape is what it matches
const PROMPT = /# (?:\x1b\[[0-9;]*[A-Za-z])*$/m;

/** Marker the guest prints after the command; written so the echoed input line does not contain it. */
const DONE = /BENCH-42-DONE/;

export function baselineSteps(image: BenchImage, command: string): ConsoleStep[] {
  const typed = `${command}; echo BENCH-$((6*7))-DONE; poweroff -f\n`;
  if (image.label === 'fixture') {
    // busybox init respawns a root shell on ttyS0.
    return [{ wait: PROMPT, mark: 'ready', send: typed }, { wait: DONE, mark: 'command' }];
  }
  // systemd's serial getty: log in as root (no password in this image), then type.
  return [
    { wait: /login: $/m, mark: 'ready', send: 'root\n' },
    { wait: PROMPT, mark: 'shell', send: typed },
    { wait: DONE, mark: 'command' },
  ];
}

export async function runBaseline(options: BaselineOptions): Promise<ConsoleRun> {
  return runConsole('qemu-system-x86_64', baselineArgs(options), baselineSteps(options.image, options.command), options.timeoutMs ?? 180_000);
}
