/**
 * `sim launch` / `sim terminate` / `sim open`: desktop apps in the guest's graphical session, as
 * GNOME itself starts them. The app runs as the session's user with the session's environment
 * (its Wayland display, session bus, data dirs), in a transient scope named as GNOME Shell names
 * its own (app-gnome-ID-PID.scope); an app that is D-Bus activatable is started by the session
 * bus in a unit that carries its id too. Terminating stops every process of the units whose name
 * carries the id, as simctl's terminate does.
 */
import type { SimContext } from '../core/context.js';
import { SimError } from '../core/errors.js';
import { guestMessage, runGuestScript, type GuestRun } from './guest-run.js';
import { findSimulator } from './registry.js';

/**
 * Sourced first by each script: finds the graphical session's user (exit 4 without one) and
 * `as_user CMD...`, which runs CMD as that user with the session's environment, as systemd's user
 * manager holds it (values shell-quoted by systemctl, with characters a shell would need quoted,
 * are left out: none of the variables an app needs has them).
 */
const SESSION_PRELUDE = `
bb=/run/sim/busybox
user=
for s in $(loginctl list-sessions --no-legend 2> /dev/null | $bb awk '{ print $1 }'); do
	info=$(loginctl show-session "$s" -p Type -p Name -p Active 2> /dev/null)
	case $info in *Type=wayland*|*Type=x11*) ;; *) continue ;; esac
	name=$(echo "$info" | $bb sed -n 's/^Name=//p')
	[ -n "$user" ] && case $info in *Active=no*) continue ;; esac
	user=$name
done
[ -n "$user" ] || { echo "no graphical session is logged in in the guest" >&2; exit 4; }
uid=$($bb id -u "$user")
export XDG_RUNTIME_DIR=/run/user/$uid DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/$uid/bus
session_env=$(runuser -u "$user" -- env XDG_RUNTIME_DIR="$XDG_RUNTIME_DIR" DBUS_SESSION_BUS_ADDRESS="$DBUS_SESSION_BUS_ADDRESS" systemctl --user show-environment 2> /dev/null | $bb grep -E "^[A-Za-z_][A-Za-z0-9_]*=[^'\\$]*$")
as_user() {
	home=$(getent passwd "$user" | $bb cut -d: -f6)
	set -f
	IFS='
'
	# shellcheck disable=SC2086 # one variable per line
	runuser -u "$user" -- env -i $session_env HOME="$home" USER="$user" LOGNAME="$user" XDG_RUNTIME_DIR="$XDG_RUNTIME_DIR" DBUS_SESSION_BUS_ADDRESS="$DBUS_SESSION_BUS_ADDRESS" "$@"
	status=$?
	unset IFS
	set +f
	return $status
}
# $1 as systemd writes it in a unit's name: "-" separates the name's parts, so it is \\x2d.
unit_escape() {
	printf '%s' "$1" | $bb sed 's/-/\\\\x2d/g'
}
# The cgroups (below the user's manager) of units whose name carries the app id $1, as systemd
# escapes it in a unit name ("-" is \x2d): GNOME's app-gnome-ID-PID.scope, the bus's
# dbus-:1.N-ID@0.service, sim's own scopes.
app_cgroups() {
	esc=$(unit_escape "$1")
	$bb find "/sys/fs/cgroup/user.slice/user-$uid.slice/user@$uid.service" -type d 2> /dev/null | ESC=$esc $bb awk '
		BEGIN { id = ENVIRON["ESC"] }
		{ n = $0; sub(/.*\\//, "", n); if (index(n, "-" id "-") || index(n, "-" id "@")) print }'
}
# The app's processes: those of its units; else (an app the bus started itself, as dbus-daemon
# does without a systemd service) the user's processes running its desktop file's program.
app_pids() {
	{
		for cg in $(app_cgroups "$1"); do $bb cat "$cg/cgroup.procs"; done
		[ -n "$(app_cgroups "$1")" ] || [ -z "$2" ] || $bb pgrep -u "$user" -x "$2"
	} 2> /dev/null | $bb sort -un
}
# $1: the app id; sets file (its desktop file, exit 3 when there is none) and program (the base
# name of its Exec's program).
find_app() {
	dirs=$(echo "$session_env" | $bb sed -n 's/^XDG_DATA_DIRS=//p')
	home=$(getent passwd "$user" | $bb cut -d: -f6)
	file=
	for d in "$home/.local/share" $(echo "\${dirs:-/usr/local/share:/usr/share}" | $bb tr ':' ' '); do
		[ -f "$d/applications/$1.desktop" ] && { file=$d/applications/$1.desktop; break; }
	done
	[ -n "$file" ] || { echo "no desktop file $1.desktop in the guest's applications directories" >&2; exit 3; }
	program=$($bb sed -n 's/^Exec=//p' "$file" | $bb head -n 1 | $bb awk '{ print $1 }')
	program=$($bb basename "\${program:-none}" | $bb cut -c 1-15)
}
`;

/**
 * $1: the app id. Its desktop file, where the session's data dirs have it (exit 3: nowhere), is
 * started by gio as GNOME would, in a scope of its own; then the pids of the app's units, once
 * there are any (a D-Bus activated app starts after gio has returned).
 */
const LAUNCH_SCRIPT = `${SESSION_PRELUDE}
find_app "$1"
esc=$(unit_escape "$1")
# The app's output goes to the journal under its id, as a GNOME session's apps' does; never to
# this command's output ports, which a process left running would hold open.
as_user systemd-run --user --scope --quiet --collect --unit="app-gnome-$esc-$$" -- systemd-cat --identifier="$1" gio launch "$file" < /dev/null > /dev/null 2>&1 || exit 1
for _ in $($bb seq 50); do
	pids=$(app_pids "$1" "$program")
	[ -n "$pids" ] && break
	$bb sleep 0.2
done
echo $pids
`;

/** $1: the app id. SIGTERM to its processes, SIGKILL to those left after 5 s; prints the pids it ended. */
const TERMINATE_SCRIPT = `${SESSION_PRELUDE}
find_app "$1"
pids=$(app_pids "$1" "$program")
[ -n "$pids" ] || exit 0
# shellcheck disable=SC2086 # a list of pids
$bb kill -TERM $pids 2> /dev/null
for _ in $($bb seq 25); do
	left=
	for p in $pids; do [ -d "/proc/$p" ] && left="$left $p"; done
	[ -z "$left" ] && break
	$bb sleep 0.2
done
# shellcheck disable=SC2086
[ -z "$left" ] || $bb kill -KILL $left 2> /dev/null
echo $pids
`;

/** $1: a URI, opened by the session's default handler for it, as a click in GNOME would. */
const OPEN_SCRIPT = `${SESSION_PRELUDE}
# In a scope of the user's session (not this command's), as a click in GNOME would start it.
as_user systemd-run --user --scope --quiet --collect --unit="app-gnome-sim\\x2dopen-$$" -- systemd-cat --identifier=sim-open gio open "$1" < /dev/null > /dev/null 2>&1
`;

export interface AppResult {
  app: string;
  /** The app's processes after the launch, or those terminate ended (empty: it was not running). */
  pids: number[];
}

function pidsOf(run: GuestRun): number[] {
  return run.stdout.split(/\s+/).filter((w) => /^\d+$/.test(w)).map(Number);
}

function failure(run: GuestRun, what: string, app?: string): SimError {
  if (run.status === 4) return new SimError('NO_GUEST_SESSION', `${what}: ${guestMessage(run)}.`, 'Apps run in a graphical session: boot an image with a desktop (like the gnome recipe) and wait until it has logged in.');
  if (run.status === 3) return new SimError('APP_NOT_FOUND', `${guestMessage(run)}.`, `Check the id (the desktop file's name without .desktop): sim exec NAME -- ls /usr/share/applications${app ? ` | grep -i ${app.split('.').at(-1)}` : ''}`);
  return new SimError('GUEST_ACTION_FAILED', `${what}: ${guestMessage(run)}`, 'Look at the guest\'s log: sim logs NAME -n 50');
}

/** Start the desktop app `app` (its id) in the guest's session. */
export async function launchApp(ctx: SimContext, name: string | undefined, app: string): Promise<AppResult> {
  const run = await runGuestScript(ctx, await findSimulator(ctx, name), LAUNCH_SCRIPT, [app]);
  if (run.status !== 0) throw failure(run, `Could not launch ${app}`, app);
  return { app, pids: pidsOf(run) };
}

/** End the desktop app `app`'s processes in the guest (nothing to do when it is not running). */
export async function terminateApp(ctx: SimContext, name: string | undefined, app: string): Promise<AppResult> {
  const run = await runGuestScript(ctx, await findSimulator(ctx, name), TERMINATE_SCRIPT, [app]);
  if (run.status !== 0) throw failure(run, `Could not terminate ${app}`, app);
  return { app, pids: pidsOf(run) };
}

/** Open `uri` with the guest session's default handler for it. */
export async function openInSimulator(ctx: SimContext, name: string | undefined, uri: string): Promise<void> {
  const run = await runGuestScript(ctx, await findSimulator(ctx, name), OPEN_SCRIPT, [uri]);
  if (run.status !== 0) throw failure(run, `Could not open ${uri}`);
}
