# shellcheck shell=dash
# Merge mode: each top-level directory of the prefix is layered over the image's directory of
# the same name with overlayfs: the share as the top (read-only) lower layer (below the hot
# layer: copies in memory of what it maps, in a guest told of builds), the image's own
# directory below it, and an upper layer on the tmpfs /run so that the guest can still write
# there (those writes end with the boot; the share and the image's disk stay untouched). A file
# of the prefix then is the file at that path for every process. The prefix's usr/ is settled
# instead where it can be (settle.sh): its programs and libraries copied into the image's own
# directories on the session's disk, the rest of it layered subtree by subtree.
# Needs SYSROOT, OVERLAY, SIM_LIBDIRS (overlay-path.sh's helpers for the linker cache and PATH),
# HOT (prefetch.sh), settle (settle.sh).

MERGE_STATE=/run/sim/merge
# (HOT, the copies in memory of the prefix's programs and libraries layered above the share, is
# prefetch.sh's.)
# No redirects, index, xino or metacopy: those record lower-layer identities (file handles,
# inode numbers) that a 9p lower replaced by rename on the host does not keep, and overlayfs
# then refuses or serves the old file. Without them a lookup is by name, each time it is made.
MERGE_OPTS=redirect_dir=off,index=off,xino=off,metacopy=off
MERGED=

# path_key PATH: KEY, PATH with each / made _ (by the shell: a process costs tens of ms under
# emulation).
path_key() {
	KEY=
	p_rest=$1
	while :; do
		case $p_rest in
		*/*) KEY="$KEY${p_rest%%/*}_"; p_rest=${p_rest#*/} ;;
		*) KEY="$KEY$p_rest"; return 0 ;;
		esac
	done
}

# merge_dir REL: layer $OVERLAY/REL over /REL (or over what /REL links to: /lib -> usr/lib).
merge_dir() {
	rel=$1
	case $rel in *[!A-Za-z0-9._+/-]*)
		log "warning: the prefix's $rel is not layered (overlayfs options cannot name it)"
		return 0 ;;
	esac
	target=/$rel
	if [ -L "$SYSROOT$target" ]; then
		target=$(in_root /run/sim/busybox readlink -f "$target")
		[ -d "$SYSROOT$target" ] || { log "warning: the prefix's $rel is not layered: /$rel in the image points nowhere"; return 0; }
	fi
	path_key "${target#/}"
	key=$KEY
	state=$SYSROOT$MERGE_STATE/$key
	mkdir -p "$state/upper" "$state/work" "$SYSROOT$target" || return 1
	lower=$SYSROOT$OVERLAY/$rel:$SYSROOT$target
	[ -d "$SYSROOT$HOT/$rel" ] && lower=$SYSROOT$HOT/$rel:$lower
	mount -t overlay -o "lowerdir=$lower,upperdir=$state/upper,workdir=$state/work,$MERGE_OPTS" "sim-$key" "$SYSROOT$target" || return 1
	MERGED="$MERGED $target"
}

# Libraries the image keeps in glibc-hwcaps/ directories beat a plain copy of the same name:
# hide the image's copy (a whiteout in the upper layer) for each library the prefix has.
hide_hwcaps() {
	for d in $SIM_LIBDIRS; do
		[ -d "$SYSROOT$OVERLAY/$d" ] || continue
		for h in "$SYSROOT/$d"/glibc-hwcaps/*/; do
			[ -d "$h" ] || continue
			for lib in "$SYSROOT$OVERLAY/$d"/*.so*; do
				[ -e "$h${lib##*/}" ] || continue
				# In a settled usr/ the image's own copy: kept aside (settle.sh) before it goes.
				if [ -s "$SYSROOT$SETTLED" ]; then
					h_rel=${h#"$SYSROOT"/}
					keep_aside "${h_rel%/}" "${lib##*/}"
					echo "${h_rel%/}/${lib##*/}" >> "$SYSROOT$SETTLED_FILES"
				fi
				rm -f "$h${lib##*/}"
			done
		done
	done
}

# has_overlayfs: the kernel knows overlayfs (read by the shell: a quick boot's attach counts
# every process it starts).
has_overlayfs() {
	while read -r _ fs; do
		[ "$fs" = overlay ] && return 0
	done < /proc/filesystems
	return 1
}

# merge_mode: 0 when the prefix is layered; 1 when nothing could be (the caller falls back to
# path mode, with nothing mounted).
merge_mode() {
	has_overlayfs || { log "warning: the kernel has no overlayfs"; return 1; }
	share=$SYSROOT$OVERLAY
	# usr settled where it can be (settle.sh): its programs and libraries copied into the image's
	# own directories, on the session's disk. Not with an uncached share (--overlay-cache none):
	# it shows a file replaced behind sim's back at once, and a copy would not.
	if [ -d "$share/usr" ] && [ ! -L "$share/usr" ] && [ "$SIM_9P_CACHE" != none ] && settle usr; then
		MERGED_TOPS=usr
		MERGED="$MERGED /usr"
	fi
	# The hot layer's directories (guest/lib/prefetch.sh fills them in a guest told of builds, with
	# a caching share): the host's list of the prefix's directories that hold programs and
	# libraries, those of a settled usr/ aside. They must exist now: the overlay decides which
	# layers a directory has when it first looks it up.
	if [ "$SIM_SERVE" = 1 ] && [ "$SIM_9P_CACHE" = loose ]; then
		for d in ${SIM_HOT_DIRS:-}; do
			case " ${MERGED_TOPS:-} " in *" ${d%%/*} "*) continue ;; esac
			mkdir -p "$SYSROOT$HOT/$d"
		done
	fi
	# usr first: /lib, /bin... of a merged-/usr image link into it and stack on top.
	for top in "$share/usr" "$share"/*; do
		[ -d "$top" ] && [ ! -L "$top" ] || continue
		name=${top##*/}
		case " ${MERGED_TOPS:-} " in *" $name "*) continue ;; esac
		MERGED_TOPS="${MERGED_TOPS:-} $name"
		case $name in
		run | proc | sys | dev | tmp | boot | lost+found)
			log "warning: the prefix's $name/ is not layered (it belongs to the running system)" ;;
		var)
			# /var is the system's own state: only the prefix's var/lib/NAME trees are layered.
			for d in "$top"/lib/*; do
				[ -d "$d" ] && ! [ -L "$d" ] && { merge_dir "var/lib/${d##*/}" || log "warning: could not layer the prefix's var/lib/${d##*/}"; }
			done ;;
		*)
			if ! merge_dir "$name"; then
				[ -z "$MERGED" ] && return 1
				log "warning: could not layer the prefix's $name/"
			fi ;;
		esac
	done
	hide_hwcaps

	# Prefixes installed elsewhere (/usr/local, /opt/NAME) work at their own paths: their
	# libdirs go first in the linker cache and /opt/NAME/bin into PATH.
	libdirs=
	for d in $SIM_LIBDIRS; do
		[ -d "$share/$d" ] && libdirs="$libdirs /$d"
	done
	multiarch=${SIM_LIBDIRS%% *}
	for o in "$share"/opt/*; do
		[ -d "$o" ] || continue
		for l in lib lib64 "${multiarch#usr/}"; do
			[ -d "$o/$l" ] && libdirs="$libdirs /opt/${o##*/}/$l"
		done
		[ -d "$o/bin" ] && OVPATH="$OVPATH${OVPATH:+:}/opt/${o##*/}/bin"
	done
	# shellcheck disable=SC2086 # a word list
	write_ldconf $libdirs
	write_path_lists
	return 0
}
