/**
 * Running image-build steps as root inside a user namespace, so that a normal user can build
 * images: the user's subordinate ids (/etc/subuid, /etc/subgid) become ids 0..N-1 inside, and
 * the user itself becomes id N+1, so the build directory (the user's) stays reachable. mmdebstrap
 * then runs as "root" (its unshare mode as root), and mke2fs reads the tree in the same mapping,
 * so files in the image are owned by root, not by the user's subordinate ids. As real root the
 * steps run directly.
 */
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { SimError } from '../core/errors.js';
import { run, which } from '../core/process.js';

/** Debian packages use ids up to 65534 (nobody): a smaller range breaks dpkg. */
export const MIN_SUBORDINATE_IDS = 65536;

export interface IdRange {
  start: number;
  count: number;
}

/** The user's first range in /etc/subuid or /etc/subgid text (by name or numeric id). Pure. */
export function subordinateRange(text: string, user: { name: string; id: number }): IdRange | undefined {
  for (const line of text.split('\n')) {
    const [owner, start, count] = line.trim().split(':');
    if (owner !== user.name && owner !== String(user.id)) continue;
    if (!/^\d+$/.test(start ?? '') || !/^\d+$/.test(count ?? '')) continue;
    return { start: Number(start), count: Number(count) };
  }
  return undefined;
}

/** What the host offers, gathered by `hostFacts`. */
export interface HostFacts {
  user: string;
  uid: number;
  subuid?: IdRange;
  subgid?: IdRange;
  newuidmap: boolean;
  newgidmap: boolean;
  /** Contents of the sysctls that can forbid unprivileged user namespaces (undefined: absent). */
  sysctl: { unprivilegedUsernsClone?: string; maxUserNamespaces?: string; apparmorRestrict?: string };
}

/** Runs a program as root: directly, or through unshare with the mapping. */
export interface RootRunner {
  /** True when this is a user namespace (the caller is not root). */
  namespaced: boolean;
  wrap(file: string, args: readonly string[]): [string, string[]];
}

export const realRoot: RootRunner = { namespaced: false, wrap: (file, args) => [file, [...args]] };

/** util-linux unshare's options for the mapping (newuidmap/newgidmap do the privileged part). Pure. */
export function unshareArgs(subuid: IdRange, subgid: IdRange): string[] {
  // The user's own id goes above the range; unshare shortens a range the single id touches
  // (util-linux 2.38 counts the id just past its end as touching), hence one more.
  return [
    `--map-users=${subuid.start},0,${subuid.count}`,
    `--map-groups=${subgid.start},0,${subgid.count}`,
    `--map-user=${subuid.count + 1}`,
    `--map-group=${subgid.count + 1}`,
    '--setuid=0',
    '--setgid=0',
    '--',
  ];
}

/**
 * Decide how to run as root, or say in one sentence what the host lacks and how to fix it.
 * Pure: facts in, runner or SimError out.
 */
export function planRootRunner(facts: HostFacts): RootRunner | SimError {
  if (facts.uid === 0) return realRoot;
  const unavailable = (what: string, fix: string) =>
    new SimError('USERNS_UNAVAILABLE', `Building an image as a normal user needs ${what}.`, fix);
  const { unprivilegedUsernsClone, maxUserNamespaces, apparmorRestrict } = facts.sysctl;
  if (unprivilegedUsernsClone === '0') return unavailable('user namespaces, which this kernel has disabled', 'Enable them with: sudo sysctl -w kernel.unprivileged_userns_clone=1 (or build as root).');
  if (maxUserNamespaces === '0') return unavailable('user namespaces, which this kernel has disabled', 'Enable them with: sudo sysctl -w user.max_user_namespaces=15000 (or build as root).');
  if (apparmorRestrict === '1') return unavailable('user namespaces, which AppArmor restricts here', 'Allow them with: sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 (or build as root).');
  const enough = (range?: IdRange) => range && range.count >= MIN_SUBORDINATE_IDS;
  if (!enough(facts.subuid) || !enough(facts.subgid)) {
    return unavailable(
      `${MIN_SUBORDINATE_IDS} subordinate user and group ids, and ${facts.user} has fewer (or none) in ${enough(facts.subuid) ? '/etc/subgid' : enough(facts.subgid) ? '/etc/subuid' : '/etc/subuid and /etc/subgid'}`,
      `Add them with: sudo usermod --add-subuids 100000-165535 --add-subgids 100000-165535 ${facts.user} (pick a range no other user has).`,
    );
  }
  if (!facts.newuidmap || !facts.newgidmap) {
    return new SimError('TOOL_MISSING', 'Building an image as a normal user needs newuidmap and newgidmap, which are not installed.', 'Install them with: sudo apt-get install uidmap');
  }
  const prefix = unshareArgs(facts.subuid!, facts.subgid!);
  return { namespaced: true, wrap: (file, args) => ['unshare', [...prefix, file, ...args]] };
}

async function readOptional(file: string): Promise<string | undefined> {
  return readFile(file, 'utf8').then((text) => text.trim(), () => undefined);
}

export async function hostFacts(): Promise<HostFacts> {
  const info = os.userInfo();
  const user = { name: info.username, id: info.uid };
  const [subuid, subgid, unprivilegedUsernsClone, maxUserNamespaces, apparmorRestrict, newuidmap, newgidmap] = await Promise.all([
    readOptional('/etc/subuid'),
    readOptional('/etc/subgid'),
    readOptional('/proc/sys/kernel/unprivileged_userns_clone'),
    readOptional('/proc/sys/user/max_user_namespaces'),
    readOptional('/proc/sys/kernel/apparmor_restrict_unprivileged_userns'),
    which('newuidmap'),
    which('newgidmap'),
  ]);
  return {
    user: info.username,
    uid: info.uid,
    subuid: subuid === undefined ? undefined : subordinateRange(subuid, user),
    // Both files list owners by user name or uid.
    subgid: subgid === undefined ? undefined : subordinateRange(subgid, user),
    newuidmap: Boolean(newuidmap),
    newgidmap: Boolean(newgidmap),
    sysctl: { unprivilegedUsernsClone, maxUserNamespaces, apparmorRestrict },
  };
}

/**
 * The runner for this process, checked before any build step starts: as a normal user a trial
 * `id -u` in the namespace must print 0, else the error says what failed.
 */
export async function rootRunner(): Promise<RootRunner> {
  const planned = planRootRunner(await hostFacts());
  if (planned instanceof SimError) throw planned;
  if (!planned.namespaced) return planned;
  const [file, args] = planned.wrap('id', ['-u']);
  const trial = await run(file, args, { allowFailure: true, timeoutMs: 30_000 });
  if (trial.exitCode !== 0 || trial.stdout.trim() !== '0') {
    const why = trial.stderr.trim().split('\n').pop() ?? `exit code ${trial.exitCode}`;
    throw new SimError('USERNS_UNAVAILABLE', `Building an image as a normal user needs a user namespace, and creating one failed: ${why}`, 'Check /etc/subuid, /etc/subgid and that newuidmap is setuid root (sudo apt-get install --reinstall uidmap), or build as root.');
  }
  return planned;
}
