# shellcheck shell=dash
# Path mode: the prefix stays at $OVERLAY (under /run/sim); its libdirs go first in the linker
# cache and its bindirs first in PATH. Used when merge mode cannot be done, or when asked for.
# Needs SYSROOT, OVERLAY, SIM_LIBDIRS, SIM_BINDIRS; sets OVPATH.

LDCONF=/etc/ld.so.conf.d/00-sim-overlay.conf
PROFILE=/etc/profile.d/00-sim-overlay.sh
BASE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
OVPATH=

ldconfig_in_root() {
	for l in /sbin/ldconfig /usr/sbin/ldconfig; do
		if [ -x "$SYSROOT$l" ] || [ -L "$SYSROOT$l" ]; then
			# -X: no symlinks are made (the share is read-only).
			in_root "$l" -X && return 0
		fi
	done
	log "warning: no ldconfig in the image; the overlay's libraries are not in the linker cache"
	return 1
}

# write_ldconf DIR...: the linker cache lists these directories (paths inside the guest) first.
write_ldconf() {
	[ -d "$SYSROOT${LDCONF%/*}" ] || mkdir -p "$SYSROOT${LDCONF%/*}"
	{
		echo "# Written by sim at boot: the overlay prefix's libraries win over the image's."
		for l in "$@"; do echo "$l"; done
	} > "$SYSROOT$LDCONF"
}

# write_path_lists: PATH for the whole system (systemd's services, user sessions, login shells)
# starts with $OVPATH.
write_path_lists() {
	if [ -n "$OVPATH" ]; then
		mkdir -p "$SYSROOT/run/systemd/system.conf.d" "$SYSROOT/run/environment.d" "$SYSROOT${PROFILE%/*}"
		printf '[Manager]\nDefaultEnvironment=PATH=%s:%s\n' "$OVPATH" "$BASE_PATH" > "$SYSROOT/run/systemd/system.conf.d/50-sim-overlay.conf"
		printf 'PATH=%s:${PATH}\n' "$OVPATH" > "$SYSROOT/run/environment.d/50-sim-overlay.conf"
		printf '# Written by sim at boot.\ncase ":$PATH:" in *":%s:"*) ;; *) PATH="%s:$PATH" ;; esac\nexport PATH\n' "${OVPATH%%:*}" "$OVPATH" > "$SYSROOT$PROFILE"
	elif [ -e "$SYSROOT$PROFILE" ]; then
		rm -f "$SYSROOT$PROFILE"
	fi
}

path_mode() {
	libdirs=
	for d in $SIM_LIBDIRS; do
		[ -d "$SYSROOT$OVERLAY/$d" ] && libdirs="$libdirs $OVERLAY/$d"
	done
	for d in $SIM_BINDIRS; do
		[ -d "$SYSROOT$OVERLAY/$d" ] && OVPATH="$OVPATH${OVPATH:+:}$OVERLAY/$d"
	done
	# shellcheck disable=SC2086 # a word list
	write_ldconf $libdirs
	ldconfig_in_root
	write_path_lists
}

# No share: boot the image unchanged, dropping what an earlier overlay boot may have left.
no_overlay() {
	unsettle
	if [ -e "$SYSROOT$LDCONF" ]; then
		rm -f "$SYSROOT$LDCONF"
		ldconfig_in_root
	fi
	rm -f "$SYSROOT$PROFILE"
}
