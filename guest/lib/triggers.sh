# shellcheck shell=dash
# The caches a package manager's triggers refresh, refreshed for what the prefix holds and
# nothing else, over the merged directories (so every cache lands in the overlay's upper layer
# on /run, never on the share). Run in the new root before its init starts, so that systemd,
# D-Bus and the desktop read fresh caches from their first start; run again by the agent on hot
# reload (guest/refresh). Needs SYSROOT ("" once in the new root), OVERLAY, SIM_LIBDIRS.

# wants STEP: SIM_STEPS names the steps to run (the hot-reload refresh); empty: all of them.
wants() {
	[ -z "${SIM_STEPS:-}" ] && return 0
	case " $SIM_STEPS " in *" $1 "*) return 0 ;; esac
	return 1
}

# find_tool NAME: the tool's path inside the new root.
find_tool() {
	for d in /usr/bin /usr/sbin /bin /sbin "/${SIM_LIBDIRS%% *}/glib-2.0"; do
		[ -x "$SYSROOT$d/$1" ] && { echo "$d/$1"; return 0; }
	done
	return 1
}

# in_root PROGRAM ARGS...: run it inside the new root.
in_root() {
	if [ -n "$SYSROOT" ]; then chroot "$SYSROOT" "$@"; else "$@"; fi
}

# run_trigger NAME TOOL ARGS...: time it and tell the host; a tool the image lacks is a warning.
run_trigger() {
	wants "$1" || return 0
	name=$1
	tool=$2
	shift 2
	if ! path=$(find_tool "$tool"); then
		log "warning: the image has no $tool: the $name cache is not refreshed for the prefix"
		say "trigger $name missing $tool"
		return 0
	fi
	t0=$(now_ms)
	if out=$(in_root "$path" "$@" 2>&1); then
		status=ok
	else
		status=failed
		log "warning: $tool failed: $(echo "$out" | tail -n 2)"
	fi
	say "trigger $name $status $(($(now_ms) - t0))"
}

run_triggers() {
	share=$SYSROOT$OVERLAY
	libdir=${SIM_LIBDIRS%% *}
	has_libs=
	for d in $SIM_LIBDIRS; do
		[ -d "$share/$d" ] && has_libs=1
	done
	for d in "$share"/opt/*/lib "$share"/opt/*/lib64; do
		[ -d "$d" ] && has_libs=1
	done
	[ -n "$has_libs" ] && run_trigger ldconfig ldconfig -X
	[ -d "$share/usr/share/glib-2.0/schemas" ] && run_trigger gsettings-schemas glib-compile-schemas /usr/share/glib-2.0/schemas
	[ -d "$share/$libdir/gio/modules" ] && run_trigger gio-modules gio-querymodules "/$libdir/gio/modules"
	[ -d "$share/usr/share/applications" ] && run_trigger desktop-database update-desktop-database -q /usr/share/applications
	[ -d "$share/usr/share/mime/packages" ] && run_trigger mime-database update-mime-database /usr/share/mime
	for theme in "$share"/usr/share/icons/*; do
		[ -d "$theme" ] && run_trigger icon-cache gtk-update-icon-cache -q -f -t "/usr/share/icons/${theme##*/}"
	done
	[ -d "$share/usr/share/fonts" ] && run_trigger fontconfig fc-cache -s
	return 0
}
