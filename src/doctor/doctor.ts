/**
 * `sim doctor`: is this machine ready to boot (and build) images? Each check says what it found
 * and, when something is wrong, the command that fixes it.
 */
import { constants } from 'node:fs';
import { access, lstat, readdir, statfs } from 'node:fs/promises';
import path from 'node:path';
import { isSimError, SimError } from '../core/errors.js';
import type { EventSink } from '../core/events.js';
import { findStaticBusybox } from '../initramfs/busybox.js';
import { imageFile, listImages } from '../images/store.js';
import { listSnapshots } from '../snapshots/store.js';
import { hostFacts, planRootRunner } from '../images/userns.js';
import type { SimContext } from '../core/context.js';
import { run, SYSTEM_DIRS, toolPackages, which } from '../core/process.js';
import { probeAccelerator } from '../qemu/accel.js';
import { missingRequirements } from '../demo/demo.js';
import { GNOME_SHELL_HOST_REQUIREMENTS } from '../demo/gnome-shell.js';

export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
  /** A command or step that fixes a failed check. */
  fix?: string;
  /** Only some commands need it (e.g. image builds); a failure does not fail the report. */
  optional?: boolean;
}

export interface DoctorReport {
  /** True when every non-optional check passed. */
  ok: boolean;
  checks: DoctorCheck[];
}

/** Programs sim runs: name, version flag, what for, optional. */
const TOOLS: [string, string, string, boolean][] = [
  ['qemu-system-x86_64', '--version', 'runs the guest', false],
  ['qemu-img', '--version', 'creates session disks and imports images', false],
  ['debugfs', '-V', 'reads kernels out of images', false],
  ['sfdisk', '--version', 'finds the root partition of images', false],
  ['setpriv', '--version', 'stops QEMU when sim is killed', true],
  ['btrfs', '--version', 'reads images whose root is btrfs (Fedora)', true],
  ['xfs_db', '-V', 'reads images whose root is xfs (RHEL, CentOS)', true],
  ['mdir', '--version', 'reads EFI partitions of images', true],
  ['zstd', '--version', 'decompresses .ko.zst kernel modules (Ubuntu)', true],
  ['mke2fs', '-V', 'writes filesystems for `sim image build`', true],
  ['mmdebstrap', '--version', 'installs Debian for `sim image build`', true],
  ['sqv', '--version', 'checks the signatures of pulled images (gpgv also does)', true],
  ['casync', '--version', 'cuts images into chunks for `sim image publish`', true],
  ['gpg', '--version', 'signs what `sim image publish --sign-key` writes', true],
];

const installFix = (tool: string) => `apt-get install ${toolPackages[tool] ?? tool}`;

/** "QEMU emulator version 7.2.22 (Debian ...)" -> "7.2.22". Pure. */
export function versionOf(output: string): string | undefined {
  // casync says only "casync 2".
  return /\d+\.\d+(?:\.\d+)?/.exec(output)?.[0] ?? /\b\d+\b/.exec(output)?.[0];
}

async function checkTool(tool: string, flag: string, purpose: string, optional: boolean, env: NodeJS.ProcessEnv): Promise<DoctorCheck> {
  const found = await which(tool, env);
  if (!found) return { name: tool, ok: false, detail: `not found on PATH or in ${SYSTEM_DIRS.join(', ')} (${purpose})`, fix: installFix(tool), optional };
  const result = await run(found, [flag], { allowFailure: true, timeoutMs: 10_000 }).catch(() => undefined);
  const version = result && versionOf(`${result.stdout}\n${result.stderr}`);
  if (!version) return { name: tool, ok: false, detail: `${found} does not run (${purpose})`, fix: installFix(tool), optional };
  return { name: tool, ok: true, detail: `${version} (${found})`, optional };
}

async function checkBusybox(env: NodeJS.ProcessEnv): Promise<DoctorCheck> {
  try {
    return { name: 'busybox (static)', ok: true, detail: await findStaticBusybox(env) };
  } catch (error) {
    if (!isSimError(error)) throw error;
    return { name: 'busybox (static)', ok: false, detail: error.message, fix: installFix('busybox') };
  }
}

async function check9p(qemu: string | undefined): Promise<DoctorCheck> {
  const name = '9p in QEMU';
  if (!qemu) return { name, ok: false, detail: 'cannot check without qemu-system-x86_64', fix: installFix('qemu-system-x86_64') };
  const result = await run(qemu, ['-device', 'help'], { allowFailure: true, timeoutMs: 10_000 }).catch(() => undefined);
  if (result && /"virtio-9p-pci"/.test(result.stdout + result.stderr)) return { name, ok: true, detail: 'virtio-9p-pci is available' };
  return { name, ok: false, detail: 'this QEMU has no virtio-9p-pci device (the overlay needs it)', fix: `${installFix('qemu-system-x86_64')} (Debian's QEMU is built with virtfs)` };
}

/** Bytes used below `dir` (allocated blocks, so sparse files count as stored). */
async function diskUsage(dir: string): Promise<number> {
  const info = await lstat(dir).catch(() => undefined);
  if (!info) return 0;
  if (!info.isDirectory()) return info.blocks * 512;
  const entries = await readdir(dir).catch(() => [] as string[]);
  const sizes = await Promise.all(entries.map((entry) => diskUsage(path.join(dir, entry))));
  return sizes.reduce((sum, size) => sum + size, info.blocks * 512);
}

/** The directory itself, or the nearest ancestor that exists (where it would be created). */
async function existingAncestor(dir: string): Promise<string> {
  let current = dir;
  while (!(await lstat(current).catch(() => undefined)) && path.dirname(current) !== current) current = path.dirname(current);
  return current;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit ? value.toFixed(1) : value} ${units[unit]}`;
}

async function checkCache(ctx: SimContext): Promise<DoctorCheck> {
  const dir = ctx.dirs.cache;
  const name = 'cache';
  const base = await existingAncestor(dir);
  try {
    await access(base, constants.W_OK);
  } catch {
    return { name, ok: false, detail: `${dir} is not writable`, fix: 'Point SIM_CACHE_DIR at a writable directory.' };
  }
  const [used, fs, images, snapshots] = await Promise.all([diskUsage(dir), statfs(base), listImages(ctx).catch(() => []), listSnapshots(ctx).catch(() => [])]);
  const free = fs.bavail * fs.bsize;
  const snapshotBytes = snapshots.reduce((sum, s) => sum + s.diskBytes, 0);
  const detail = `${dir}: ${formatBytes(used)} used, ${images.length} image${images.length === 1 ? '' : 's'}, ${snapshots.length} quick-boot snapshot${snapshots.length === 1 ? '' : 's'} (${formatBytes(snapshotBytes)}; sim snapshot ls), ${formatBytes(free)} free`;
  if (free < 1024 ** 3) return { name, ok: false, detail, fix: 'Free some space there, or point SIM_CACHE_DIR at a larger filesystem.' };
  return { name, ok: true, detail };
}

/** Can `sim image build` run here, as this user? (Without the trial run: that is the build's.) */
async function checkImageBuildUser(): Promise<DoctorCheck> {
  const name = 'image builds';
  const facts = await hostFacts();
  const planned = planRootRunner(facts);
  if (planned instanceof SimError) return { name, ok: false, detail: planned.message, fix: planned.hint, optional: true };
  if (!planned.namespaced) return { name, ok: true, detail: 'as root', optional: true };
  return { name, ok: true, detail: `as ${facts.user}, in a user namespace over subordinate ids ${facts.subuid!.start}+${facts.subuid!.count}`, optional: true };
}

async function checkAccel(ctx: SimContext, qemu: string | undefined, events?: EventSink): Promise<DoctorCheck> {
  const name = 'KVM';
  if (!qemu) return { name, ok: false, detail: 'cannot check without qemu-system-x86_64', optional: true };
  // A stored image's kernel lets the probe test-boot once; the verdict is cached.
  const image = (await listImages(ctx).catch(() => []))[0];
  const kernel = image ? imageFile(ctx, image, image.kernel.file) : undefined;
  try {
    const verdict = await probeAccelerator(ctx, { kernel, qemu, events });
    if (verdict.accel === 'kvm') return { name, ok: true, detail: `KVM works: ${verdict.reason}`, optional: true };
    return { name, ok: false, detail: `sim uses software emulation (TCG, slower): ${verdict.reason}`, fix: verdict.hint, optional: true };
  } catch (error) {
    return { name, ok: false, detail: `the KVM probe failed: ${(error as Error).message}`, optional: true };
  }
}

/** Can `sim demo gnome-shell` build gnome-shell here? Its build dependencies, by Debian package. */
async function checkGnomeShellBuild(env: NodeJS.ProcessEnv): Promise<DoctorCheck> {
  const missing = await missingRequirements(['build'], env, GNOME_SHELL_HOST_REQUIREMENTS);
  const packages = [...new Set(missing.map((r) => r.pkg))];
  const name = 'gnome-shell build';
  if (!packages.length) return { name, ok: true, detail: `the build dependencies of gnome-shell are installed (sim demo gnome-shell)`, optional: true };
  return { name, ok: false, detail: `${packages.length} of gnome-shell's build dependencies are missing (only sim demo gnome-shell needs them)`, fix: `apt-get install --no-install-recommends ${packages.join(' ')}`, optional: true };
}

export async function doctor(ctx: SimContext, options: { events?: EventSink } = {}): Promise<DoctorReport> {
  const env = ctx.env;
  const qemu = await which('qemu-system-x86_64', env);
  const checks = await Promise.all([
    ...TOOLS.map(([tool, flag, purpose, optional]) => checkTool(tool, flag, purpose, optional, env)),
    checkBusybox(env),
    check9p(qemu),
    checkCache(ctx),
    checkImageBuildUser(),
    checkAccel(ctx, qemu, options.events),
    checkGnomeShellBuild(env),
  ]);
  return { ok: checks.every((c) => c.ok || c.optional), checks };
}

/** Plain text, one line per check plus its fix. Pure. */
export function formatDoctorReport(report: DoctorReport): string {
  const width = Math.max(...report.checks.map((c) => c.name.length));
  const lines = report.checks.flatMap((c) => {
    const mark = c.ok ? '✓' : c.optional ? '!' : '✗';
    const line = `${mark} ${c.name.padEnd(width)}  ${c.detail}${c.optional && !c.ok ? ' (optional)' : ''}`;
    return c.fix && !c.ok ? [line, `  ${' '.repeat(width)}  fix: ${c.fix}`] : [line];
  });
  const failed = report.checks.filter((c) => !c.ok && !c.optional).length;
  lines.push('', failed ? `${failed} problem${failed === 1 ? '' : 's'} found.` : 'sim is ready to boot images.');
  return `${lines.join('\n')}\n`;
}
