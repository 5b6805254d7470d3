/**
 * The mmdebstrap run that turns a recipe into a root tree, customisation included (as hooks, so
 * that it happens inside mmdebstrap's own namespace with the chroot's own tools). Recipe data
 * never reaches a shell: extra files travel in a tarball (`tar-in`), the hook scripts are fixed.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { run } from '../core/process.js';
import type { Recipe } from './recipe.js';

/** The staging tarball, relative to the build directory (special hooks split on spaces). */
export const FILES_TAR = 'files.tar';
export const TREE_DIR = 'tree';
const PASSWORD_FILE = 'root/.sim-root-password';

/**
 * sim brings its own initramfs: keep the kernel's postinst from spending ~20 s generating one.
 * update-initramfs (initramfs-tools) and dracut (whose kernel hook and package trigger call it
 * directly, each generating one) are diverted to /bin/true while packages install and restored
 * afterwards; a recipe that wants the image's own initrd gets it made once, by MAKE_INITRD.
 */
const INITRD_TOOLS = ['/usr/sbin/update-initramfs', '/usr/bin/dracut'];
const DISABLE_INITRAMFS = INITRD_TOOLS.flatMap((tool) => [
  `chroot "$1" dpkg-divert --quiet --local --rename --divert ${tool}.sim-disabled --add ${tool}`,
  `ln -s /bin/true "$1${tool}"`,
]).join(' && ');

const FINISH = `set -e
${INITRD_TOOLS.map((tool) => `rm -f "$1${tool}"\nchroot "$1" dpkg-divert --quiet --local --rename --remove ${tool}`).join('\n')}
for d in "$1"/usr/lib/modules/*/; do
  [ -d "$d" ] || continue
  [ -s "$d/modules.dep" ] || chroot "$1" depmod "$(basename "$d")"
done
# A recipe's *.gschema.override changes GSettings defaults only once the schemas are compiled.
schemas=/usr/share/glib-2.0/schemas compile=/usr/lib/x86_64-linux-gnu/glib-2.0/glib-compile-schemas
if [ -x "$1$compile" ] && ls "$1$schemas"/*.gschema.override >/dev/null 2>&1; then chroot "$1" "$compile" "$schemas"; fi
if [ -s "$1/${PASSWORD_FILE}" ]; then chroot "$1" chpasswd < "$1/${PASSWORD_FILE}"; else chroot "$1" passwd --quiet --delete root; fi
rm -f "$1/${PASSWORD_FILE}" "$1/etc/resolv.conf" "$1/etc/dpkg/dpkg.cfg.d/99mmdebstrap" "$1/etc/apt/apt.conf.d/99mmdebstrap"`;

/** With `initrd` in the recipe: each kernel's initrd, by the image's own tool, once. */
const MAKE_INITRD = `set -e
for d in "$1"/usr/lib/modules/*/; do
  [ -d "$d" ] || continue
  v=$(basename "$d")
  if [ -x "$1/usr/sbin/update-initramfs" ]; then chroot "$1" update-initramfs -c -k "$v"
  elif [ -x "$1/usr/bin/dracut" ]; then chroot "$1" dracut --force "/boot/initrd.img-$v" "$v"
  else echo "E: the recipe asks for an initrd but installs neither initramfs-tools nor dracut" >&2; exit 1
  fi
done`;

/** mmdebstrap's argument list for a recipe, run with cwd = the build directory. Pure. */
export function mmdebstrapArgs(recipe: Recipe): string[] {
  const args = [
    // unshare also for root: mounts live in a private namespace and vanish with the process,
    // so an interrupted build never leaves /dev or /proc bind-mounted inside the tree.
    '--mode=unshare',
    `--variant=${recipe.variant}`,
    '--format=directory',
    '--verbose',
    // No fsync per file; the option file is removed again by the FINISH hook.
    '--dpkgopt=force-unsafe-io',
  ];
  if (recipe.packages.length) args.push(`--include=${recipe.packages.join(',')}`);
  args.push(`--essential-hook=${DISABLE_INITRAMFS}`, `--customize-hook=tar-in ${FILES_TAR} /`, `--customize-hook=${FINISH}`);
  if (recipe.initrd) args.push(`--customize-hook=${MAKE_INITRD}`);
  args.push(recipe.suite, TREE_DIR);
  if (recipe.mirror) args.push(recipe.mirror);
  return args;
}

/** Files the image gets besides its packages: guest path -> content and mode. Pure. */
export function stagedFiles(recipe: Recipe): Map<string, { content: string; mode: number }> {
  const files = new Map<string, { content: string; mode: number }>([
    ['/etc/hostname', { content: `${recipe.hostname}\n`, mode: 0o644 }],
    ['/etc/hosts', { content: `127.0.0.1\tlocalhost\n127.0.1.1\t${recipe.hostname}\n::1\tlocalhost ip6-localhost ip6-loopback\n`, mode: 0o644 }],
  ]);
  for (const [guest, content] of Object.entries(recipe.files)) files.set(guest, { content, mode: 0o644 });
  if (recipe.rootPassword) files.set(`/${PASSWORD_FILE}`, { content: `root:${recipe.rootPassword}\n`, mode: 0o600 });
  return files;
}

/**
 * Write the staged files under `buildDir/files/` and pack them as root-owned `files.tar`.
 * Only files are listed (no directory entries), so existing directories keep their modes.
 */
export async function writeFilesTar(recipe: Recipe, buildDir: string): Promise<void> {
  const stage = path.join(buildDir, 'files');
  const names: string[] = [];
  for (const [guest, { content, mode }] of stagedFiles(recipe)) {
    const relative = guest.slice(1);
    await mkdir(path.join(stage, path.dirname(relative)), { recursive: true });
    await writeFile(path.join(stage, relative), content, { mode });
    names.push(relative);
  }
  await run('tar', ['--create', '--file', path.join(buildDir, FILES_TAR), '--owner=0', '--group=0', '--numeric-owner', '--no-recursion', '-C', stage, '--verbatim-files-from', '--files-from=-'], {
    input: names.map((n) => `${n}\n`).join(''),
  });
}

export type BuildPhase = 'debootstrap' | 'customize';

/** Turn mmdebstrap's "I:" lines into short progress messages and the phase they belong to. Pure. */
export function mmdebstrapStep(line: string): { phase: BuildPhase; message: string } | undefined {
  const steps: [RegExp, BuildPhase, string][] = [
    [/^I: running apt-get update/, 'debootstrap', 'updating package lists'],
    [/^I: downloading packages/, 'debootstrap', 'downloading packages'],
    [/^I: extracting archives/, 'debootstrap', 'extracting essential packages'],
    [/^I: installing essential packages/, 'debootstrap', 'installing essential packages'],
    [/^I: installing remaining packages/, 'debootstrap', 'installing packages'],
    [/^I: running --customize-hook/, 'customize', 'hostname, root login, extra files, module index'],
    [/^I: cleaning package lists/, 'customize', 'cleaning apt caches'],
  ];
  for (const [pattern, phase, message] of steps) if (pattern.test(line)) return { phase, message };
  return undefined;
}

/** The first "E:" line says what went wrong; the lines around the errors show where. Pure. */
export function summarizeFailure(tail: readonly string[]): { reason?: string; details: string[] } {
  const errors = tail.filter((line) => line.startsWith('E: '));
  const reason = errors[0]?.slice(3);
  const details = errors.length ? errors.slice(1) : tail.slice(-10);
  return { reason, details: details.map((line) => (line.length > 300 ? `${line.slice(0, 300)}…` : line)) };
}
