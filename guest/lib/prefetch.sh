# shellcheck shell=dash
# prefetch: what processes map from the prefix (programs, libraries, typelibs, resource bundles:
# MAPPED below), made quick to start, in the background at the lowest priority. Guests that
# serve the host only (guest/agent, serve mode: detached simulators and console boots, which
# are told of builds): once ready, and again after each hot-reload refresh.
#
# In merge mode with a caching share, each such file outside a settled usr/ (settle.sh: those are
# on the session's disk already) is copied into the hot layer (/run/sim/hot,
# a tmpfs the merge put above the share: guest/lib/overlay-merge.sh), so that opening it costs
# what opening an image file costs — a 9p open and close are round trips to the host (an open,
# read and close: about 0.9 ms under emulation, against 0.16 ms on tmpfs or ext4). Never stale: a copy is
# made only when it reads as the bytes sim's last sync wrote (/run/sim/hot-md5, from the
# refresh's --expect), the refresh stops this before it removes the copies of replaced files,
# and only in the directories the merge layered (the overlay decides a directory's layers when
# it first looks it up). Elsewhere (path mode, an uncached share), the files are read into the
# page cache instead. /run/sim/prefetched: done.
PREFETCH_SKIP='usr/include usr/share/locale usr/share/doc usr/share/man usr/share/gtk-doc usr/share/help usr/share/icons'
# The same files as MAPPED in src/boot/mapped-paths.ts (what the host lists as replaced, whose
# copies a refresh removes): a copy of anything else could go stale. A unit test holds them equal.
PREFETCH_MAPPED='(^|/)(s?bin|libexec)/|\.so(\.[0-9]+)*$|\.typelib$|\.gresource$'
HOT=/run/sim/hot

prefetch_list() {
	share=/run/sim/overlay
	set -- -path "$share/.sim"
	for d in $PREFETCH_SKIP; do
		set -- "$@" -o -path "$share/$d"
	done
	# Files of 64 MiB and more (a library with its debug info) are left to be read when used.
	/run/sim/busybox find "$share" \( "$@" \) -prune -o \( -type f -size -131072 -o -type l \) -print |
		/run/sim/busybox grep -E "$PREFETCH_MAPPED"
}

# hot_copy: copy what is not in the hot layer yet, up to a quarter of the guest's memory; then
# drop the cached lookups, so that the next open finds the copies.
hot_copy() {
	bb=/run/sim/busybox
	budget=$(($($bb awk '/^MemTotal:/ { print $2 }' /proc/meminfo) * 256))
	used=$($bb du -s -k "$HOT" | $bb awk '{ print $1 * 1024 }')
	copied=
	share=/run/sim/overlay
	while read -r file; do
		rel=${file#"$share"/}
		# /run/sim/hot-md5 and the refresh's list are word lists: such a name stays in the share.
		case $rel in *[[:space:]]*) continue ;; esac
		dst=$HOT/$rel
		[ -e "$dst" ] || [ -L "$dst" ] && continue
		[ -d "${dst%/*}" ] || continue
		if [ ! -L "$file" ]; then
			size=$($bb stat -c %s "$file") || continue
			[ $((used + size)) -le "$budget" ] || continue
		fi
		# Beside the layer, not in it (/run is one tmpfs: the rename is atomic).
		tmp=/run/sim/hot-tmp
		$bb cp -a "$file" "$tmp" || { $bb rm -f "$tmp"; continue; }
		# (A link is not mapped, so nothing pins an old one: it is copied as it reads.)
		if [ ! -L "$tmp" ] && [ -s /run/sim/hot-md5 ] && want=$($bb awk -v rel="$rel" '$2 == rel { m = $1 } END { if (m == "") exit 1; print m }' /run/sim/hot-md5 2> /dev/null); then
			# Replaced since boot: only the bytes the host wrote (a process still mapping the
			# previous build pins it in the share's cache).
			[ "$($bb md5sum < "$tmp")" = "$want  -" ] || { $bb rm -f "$tmp"; continue; }
		fi
		$bb mv -f "$tmp" "$dst" && copied=1
		[ -L "$dst" ] || used=$((used + size))
	done
	[ -z "$copied" ] || echo 2 > /proc/sys/vm/drop_caches
}

# prefetch_kind: PREFETCH_KIND, what a walk does here: hot (copies into the hot layer), read
# (into the cache), or none: a settled usr/ (settle.sh) without a hot layer, whose programs and
# libraries are on the session's disk, just written, so in the cache (reading the share's
# copies too would only cost). A variable: no process.
prefetch_kind() {
	p_mode=
	read -r p_mode < /run/sim/overlay-mode
	if [ "$p_mode" = merge ] && [ -d "$HOT" ]; then
		PREFETCH_KIND='hot'
	elif [ "$p_mode" = merge ] && [ -s /run/sim/settled ]; then
		PREFETCH_KIND='none'
	else
		PREFETCH_KIND='read'
	fi
}

prefetch_walk() {
	prefetch_kind
	case $PREFETCH_KIND in
	hot) prefetch_list | hot_copy ;;
	read) prefetch_list | /run/sim/busybox xargs -r /run/sim/busybox cat > /dev/null ;;
	esac
}

# prefetch_loop: walk until nobody asked for another walk. Runs in a session of its own
# (setsid), so that the refresh can stop it, with whatever it runs, by its process group.
prefetch_loop() {
	while [ -e /run/sim/prefetch-wanted ]; do
		/run/sim/busybox rm -f /run/sim/prefetch-wanted
		prefetch_walk
	done
	: > /run/sim/prefetched
	# Gone with it: a pid the kernel gives another process must not be taken for this one.
	/run/sim/busybox rm -f /run/sim/prefetch.pid
}

# prefetch: start it, or when one runs, have it walk once more when done.
prefetch() {
	[ -f /run/sim/overlay-mode ] || return 0
	# Nothing to walk: no process at all (this runs after every refresh).
	prefetch_kind
	if [ "$PREFETCH_KIND" = none ]; then
		: > /run/sim/prefetched
		return 0
	fi
	: > /run/sim/prefetch-wanted
	pid=
	[ -r /run/sim/prefetch.pid ] && read -r pid < /run/sim/prefetch.pid
	[ -n "$pid" ] && [ -d "/proc/$pid" ] && return 0
	/run/sim/busybox rm -f /run/sim/prefetched
	# The image's nice (busybox has none here); without one, at the normal priority.
	nice=
	command -v nice > /dev/null 2>&1 && nice='nice -n 19'
	# shellcheck disable=SC2086 # $nice is a command and its arguments, or nothing
	$nice /run/sim/busybox setsid /run/sim/busybox sh -c '. /run/sim/lib/prefetch.sh; prefetch_loop' < /dev/null > /dev/null 2>&1 3<&- &
	echo $! > /run/sim/prefetch.pid
}

# prefetch_stop: end a running prefetch and everything it started, and wait until they are gone
# (a copy it was making is then either in place or not at all). For the refresh.
prefetch_stop() {
	pid=
	[ -r /run/sim/prefetch.pid ] && read -r pid < /run/sim/prefetch.pid
	[ -n "$pid" ] || return 0
	# Only the prefetch's own group (its leader's command line says so).
	/run/sim/busybox grep -q prefetch_loop "/proc/$pid/cmdline" 2> /dev/null || return 0
	/run/sim/busybox kill -9 -- "-$pid" 2> /dev/null || return 0
	i=0
	while /run/sim/busybox kill -0 -- "-$pid" 2> /dev/null && [ $i -lt 100 ]; do
		/run/sim/busybox sleep 0.02
		i=$((i + 1))
	done
	/run/sim/busybox rm -f /run/sim/prefetch.pid
	/run/sim/busybox rm -f /run/sim/hot-tmp
}
