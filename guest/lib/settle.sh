# shellcheck shell=dash
# Merge mode's /usr, settled: the directories that hold the prefix's programs and libraries
# (SIM_HOT_DIRS, worked out on the host) and their parents stay the image's own directories,
# on the session's throw-away disk, and the prefix's files in them are copied there, at their
# own paths. Every other directory of the prefix's usr/ is layered with overlayfs at the top of
# its subtree (merge_dir, overlay-merge.sh). A program then starts as an image's program does:
# no lookup of its libraries passes through overlayfs (an overlay over the whole of /usr costs
# every program start 0.3-0.7%, the image's programs as much as the prefix's: issue #18).
#
# The image's files the copies replace are kept, as second names (hard links), under
# $DISPLACED: the refresh (guest/refresh) puts one back when the prefix no longer has it, and so
# does the next boot on the same disk (a reboot in place), before it settles the prefix as it is
# then ($SETTLED_FILES, on the disk too, lists what was copied). In a running system (a quick
# boot's attach, the refresh) each file is replaced by a rename, so that a process starting
# meanwhile finds the old file or the new one, never none, and a running process keeps what it
# maps.
# Needs SYSROOT, OVERLAY, log, merge_dir, mounted (share.sh). Its file tools (cp, mv, rm...) are
# busybox's applets: every shell that sources it is busybox's ash, which runs an applet's name as
# the applet, never the image's program of that name.

DISPLACED=/usr/.sim/kept
SETTLED_FILES=/usr/.sim/files
# The settled directories (prefix-relative, one per line, parents first): the refresh's and the
# prefetch's list.
SETTLED=/run/sim/settled

# settled_dirs TOP: the hot directories under TOP and all their parents up to TOP, parents first.
settled_dirs() {
	for d in ${SIM_HOT_DIRS:-}; do
		case $d in "$1" | "$1"/*) ;; *) continue ;; esac
		while :; do
			echo "$d"
			[ "$d" = "$1" ] && break
			d=${d%/*}
		done
	done | sort -u
}

# can_settle TOP: the root's TOP is a directory sim can write (not a usr-only image's
# read-only /usr), and no settled directory is anything but a directory there.
can_settle() {
	[ -d "$SYSROOT/$1" ] && ! [ -L "$SYSROOT/$1" ] || return 1
	probe=$SYSROOT/$1/.sim-probe
	{ true > "$probe"; } 2> /dev/null || return 1
	rm -f "$probe"
	while read -r d; do
		if [ -L "$SYSROOT/$d" ] || { [ -e "$SYSROOT/$d" ] && ! [ -d "$SYSROOT/$d" ]; }; then
			log "note: /$d is not a directory of the image: the prefix's $1/ is layered whole"
			return 1
		fi
	done < "$SYSROOT$SETTLED.new"
	return 0
}

# settle_entry DIR NAME: the prefix's DIR/NAME put in place in the root (copied, or removed
# when the prefix no longer has it: the image's own file comes back). For the refresh; the
# first settling copies a directory's files at once (settle_dir).
settle_entry() {
	e_src=$SYSROOT$OVERLAY/$1/$2
	e_dst=$SYSROOT/$1/$2
	e_kept=$SYSROOT$DISPLACED/$1/$2
	if [ -e "$e_src" ] || [ -L "$e_src" ]; then
		if [ -d "$e_src" ] && ! [ -L "$e_src" ]; then
			# A new directory: layered (a settled one exists already, as a directory).
			is_settled "$1/$2" || mounted "$SYSROOT/$1/$2" || merge_dir "$1/$2"
			return
		fi
		if [ -d "$e_dst" ] && ! [ -L "$e_dst" ]; then
			log "warning: the prefix's $1/$2 is not used: the image has a directory there"
			return 0
		fi
		keep_aside "$1" "$2"
		e_tmp=$SYSROOT/$1/.sim-new-$2
		cp -a "$e_src" "$e_tmp" && mv -fT "$e_tmp" "$e_dst" || { rm -f "$e_tmp"; return 1; }
		# (Listed again after each copy: the readers take each line once.)
		echo "$1/$2" >> "$SYSROOT$SETTLED_FILES"
	elif [ -e "$e_kept" ] || [ -L "$e_kept" ]; then
		mv -fT "$e_kept" "$e_dst"
	else
		rm -f "$e_dst"
	fi
}

# keep_aside DIR NAME...: the image's DIR/NAMEs kept under $DISPLACED, unless they are kept
# already (the image's, not an earlier copy of the prefix's).
keep_aside() {
	k_dir=$1
	shift
	k_n=$#
	while [ "$k_n" -gt 0 ]; do
		k_name=$1
		shift
		k_n=$((k_n - 1))
		{ [ -e "$SYSROOT/$k_dir/$k_name" ] || [ -L "$SYSROOT/$k_dir/$k_name" ]; } || continue
		{ [ -e "$SYSROOT$DISPLACED/$k_dir/$k_name" ] || [ -L "$SYSROOT$DISPLACED/$k_dir/$k_name" ]; } && continue
		set -- "$@" "$SYSROOT/$k_dir/$k_name"
	done
	[ $# -gt 0 ] || return 0
	[ -d "$SYSROOT$DISPLACED/$k_dir" ] || mkdir -p "$SYSROOT$DISPLACED/$k_dir"
	# In the initramfs nothing runs yet: moved. In a running system, a second name on the same
	# filesystem (a copy when /usr spans filesystems), so that the file stays where it is until
	# a rename replaces it.
	if [ -n "$SYSROOT" ]; then
		mv -f "$@" "$SYSROOT$DISPLACED/$k_dir/"
	else
		cp -al "$@" "$SYSROOT$DISPLACED/$k_dir/" 2> /dev/null || cp -a "$@" "$SYSROOT$DISPLACED/$k_dir/"
	fi
}

# settle_dir DIR LIST: the prefix's files in DIR copied into the root's DIR; its directories
# that are not settled themselves (not lines of LIST, settled_dirs's list as one string with a
# newline before and after each line) layered. Every process a guest starts costs tens of ms
# under emulation: a directory's files go in a few commands, whatever their number.
settle_dir() {
	s_dir=$1
	s_list=$2
	s_from=$SYSROOT$OVERLAY/$s_dir
	[ -d "$SYSROOT/$s_dir" ] || mkdir -p "$SYSROOT/$s_dir" || return 1
	set --
	for s_e in "$s_from"/* "$s_from"/.[!.]* "$s_from"/..?*; do
		[ -e "$s_e" ] || [ -L "$s_e" ] || continue
		s_name=${s_e##*/}
		if [ -d "$s_e" ] && ! [ -L "$s_e" ]; then
			case $s_list in *"
$s_dir/$s_name
"*) continue ;; esac
			mounted "$SYSROOT/$s_dir/$s_name" || merge_dir "$s_dir/$s_name" || log "warning: could not layer the prefix's $s_dir/$s_name"
			continue
		fi
		case $s_name in .sim-new*) continue ;; esac
		if [ -d "$SYSROOT/$s_dir/$s_name" ] && ! [ -L "$SYSROOT/$s_dir/$s_name" ]; then
			log "warning: the prefix's $s_dir/$s_name is not used: the image has a directory there"
			continue
		fi
		set -- "$@" "$s_name"
	done
	[ $# -gt 0 ] || return 0
	# The names, for the record below (before "$@" becomes the source paths).
	s_names=$*
	keep_aside "$s_dir" "$@" || return 1
	s_n=$#
	while [ "$s_n" -gt 0 ]; do
		set -- "$@" "$s_from/$1"
		shift
		s_n=$((s_n - 1))
	done
	if [ -n "$SYSROOT" ]; then
		# In the initramfs nothing runs yet, and keep_aside moved the image's files away: the
		# copies go straight into place.
		cp -a "$@" "$SYSROOT/$s_dir/" || return 1
	else
		# Copied beside the directory's files, then renamed over them: one rename each.
		s_stage=$SYSROOT/$s_dir/.sim-new
		{ ! [ -e "$s_stage" ] || rm -rf "$s_stage"; } && mkdir "$s_stage" || return 1
		cp -a "$@" "$s_stage/" || { rm -rf "$s_stage"; return 1; }
		set --
		for s_e in "$s_stage"/* "$s_stage"/.[!.]* "$s_stage"/..?*; do
			[ -e "$s_e" ] || [ -L "$s_e" ] && set -- "$@" "$s_e"
		done
		mv -f "$@" "$SYSROOT/$s_dir/" || { rm -rf "$s_stage"; return 1; }
		rmdir "$s_stage"
	fi
	# shellcheck disable=SC2086 # the names, as words: a name with a space is a word list's two
	# words here (and later given back as two missing files, which is harmless)
	for s_e in $s_names; do
		echo "$s_dir/$s_e"
	done >> "$SYSROOT$SETTLED_FILES"
}

# settle TOP: the prefix's TOP settled into the root (0), or nothing done (1: the caller
# layers TOP whole).
settle() {
	[ -d "$SYSROOT${SETTLED%/*}" ] || mkdir -p "$SYSROOT${SETTLED%/*}"
	settled_dirs "$1" > "$SYSROOT$SETTLED.new"
	if ! [ -s "$SYSROOT$SETTLED.new" ] || ! can_settle "$1"; then
		rm -f "$SYSROOT$SETTLED.new"
		unsettle
		return 1
	fi
	# What an earlier boot on this disk settled that the prefix no longer has goes first.
	unsettle
	[ -d "$SYSROOT${SETTLED_FILES%/*}" ] || mkdir -p "$SYSROOT${SETTLED_FILES%/*}"
	settled_list
	while read -r d; do
		[ -d "$SYSROOT$OVERLAY/$d" ] || continue
		settle_dir "$d" "$SETTLED_LIST" || log "warning: could not settle the prefix's $d"
	done < "$SYSROOT$SETTLED.new"
	mv -f "$SYSROOT$SETTLED.new" "$SYSROOT$SETTLED"
}

# settled_list: SETTLED_LIST, the lines of $SETTLED.new (or $SETTLED) as one string, each with a
# newline before and after it (for `case`, which costs no process).
settled_list() {
	SETTLED_LIST='
'
	l_file=$SYSROOT$SETTLED.new
	[ -e "$l_file" ] || l_file=$SYSROOT$SETTLED
	[ -e "$l_file" ] || return 0
	while read -r l_line; do
		SETTLED_LIST="$SETTLED_LIST$l_line
"
	done < "$l_file"
}

# is_settled DIR: DIR is a settled directory (of SETTLED_LIST, read once: settled_list).
is_settled() {
	[ -n "${SETTLED_LIST:-}" ] || settled_list
	case $SETTLED_LIST in *"
$1
"*) return 0 ;; esac
	return 1
}

# settle_changed REL: after a build, the prefix's REL (replaced, new or removed) as it is now,
# where it is settled: a file of a settled directory is copied (or the image's comes back); a
# directory new below one is layered. Anything else is served by an overlay already.
settle_changed() {
	c_dir=${1%/*}
	[ "$c_dir" != "$1" ] || return 0
	if is_settled "$c_dir"; then
		settle_entry "$c_dir" "${1##*/}"
		return
	fi
	# The deepest settled directory above it, and the directory below that on the way to REL.
	c_below=$c_dir
	while c_up=${c_below%/*}; [ "$c_up" != "$c_below" ]; do
		if is_settled "$c_up"; then
			[ -d "$SYSROOT$OVERLAY/$c_below" ] && ! mounted "$SYSROOT/$c_below" && { merge_dir "$c_below" || log "warning: could not layer the prefix's $c_below"; }
			return 0
		fi
		c_below=$c_up
	done
	return 0
}

# unsettle: what an earlier boot on this disk (a reboot in place) settled that the share does not
# have now: the image's own file back, or nothing (settle_entry). With no share, everything.
unsettle() {
	[ -s "$SYSROOT$SETTLED_FILES" ] || return 0
	sort -u "$SYSROOT$SETTLED_FILES" | while IFS= read -r u_rel; do
		[ -e "$SYSROOT$OVERLAY/$u_rel" ] || [ -L "$SYSROOT$OVERLAY/$u_rel" ] || settle_entry "${u_rel%/*}" "${u_rel##*/}"
	done
}

# resettle: every settled directory made what the prefix has now (a refresh without the host's
# whole list of changed files).
resettle() {
	settled_list
	while read -r r_dir; do
		[ -d "$SYSROOT$OVERLAY/$r_dir" ] && { settle_dir "$r_dir" "$SETTLED_LIST" || log "warning: could not settle the prefix's $r_dir"; }
	done < "$SYSROOT$SETTLED"
	# What the prefix no longer has: the image's own file back, or nothing.
	unsettle
}

# layered REL: REL is served by an overlay (its top layered whole, or a subtree of a settled usr/).
layered() {
	l_dir=${1%/*}
	while [ "$l_dir" != "$1" ] && [ -n "$l_dir" ]; do
		path_key "$l_dir"
		[ -d "$SYSROOT$MERGE_STATE/$KEY" ] && return 0
		case $l_dir in */*) l_dir=${l_dir%/*} ;; *) return 1 ;; esac
	done
	return 1
}
