# shellcheck shell=dash
# prefetch: read what processes map from the prefix (programs, libraries, typelibs, resource
# bundles) into the guest's page cache, in the background at the lowest priority, so that a
# prefix program's first start reads no more over 9p than its second (the share is cached:
# cache=loose). Detached simulators only (guest/agent, serve mode): once ready, and again after
# each hot-reload refresh, whose cache drop evicts the unused files with their pages. Walks the
# share in the guest but for the directories nothing maps from. /run/sim/prefetched: done.
#
# In merge mode the programs and libraries are also copied into RAM and bind-mounted over their
# merged paths (up to an eighth of the guest's memory): every open of a file through 9p costs
# round trips to the host (walk, open, clunk: about 2 ms each start under emulation, per file),
# which made a prefix program start slower than the image's own. The refresh unbinds them all
# before it drops the share's lookups (guest/refresh, ram_unbind_all), and this binds the new
# builds again afterwards; a generation number under a lock keeps a copy read before a sync
# from being bound after the refresh that follows it.
PREFETCH_SKIP='usr/include usr/share/locale usr/share/doc usr/share/man usr/share/gtk-doc usr/share/help usr/share/icons'
RAM=/run/sim/ram

# prefetch_find ACTION...: the prefix files worth having in memory, with find's ACTION.
prefetch_find() {
	share=/run/sim/overlay
	prune="-path $share/.sim"
	for d in $PREFETCH_SKIP; do
		prune="$prune -o -path $share/$d"
	done
	# The image's nice (busybox has none here); without one, at the normal priority.
	nice=
	command -v nice > /dev/null 2>&1 && nice='nice -n 19'
	# Files of 64 MiB and more (a library with its debug info) are left to be read when used.
	# shellcheck disable=SC2086 # $nice and $prune are words without spaces (or nothing)
	$nice /run/sim/busybox find "$share" \( $prune \) -prune -o -type f -size -131072 \
		\( -name '*.so' -o -name '*.so.*' -o -path '*/bin/*' -o -path '*/sbin/*' -o -path '*/libexec/*' \
		-o -name '*.typelib' -o -name '*.gresource' \) "$@"
}

prefetch_walk() {
	prefetch_find -exec /run/sim/busybox cat {} +
	[ "$(/run/sim/busybox cat /run/sim/overlay-mode 2> /dev/null)" = merge ] || return 0
	prefetch_find -print | ram_bind
}

ram_lock() { until /run/sim/busybox mkdir "$RAM.lock" 2> /dev/null; do /run/sim/busybox sleep 0.01; done; }
ram_unlock() { /run/sim/busybox rmdir "$RAM.lock"; }

# ram_bind: bind RAM copies of the share's files read on stdin (ELF programs and libraries).
ram_bind() {
	bb=/run/sim/busybox
	gen=0
	[ -r "$RAM.gen" ] && read -r gen < "$RAM.gen"
	budget=$(($($bb awk '/^MemTotal:/ { print $2 }' /proc/meminfo) * 128))
	used=0
	[ -r "$RAM.used" ] && read -r used < "$RAM.used"
	while IFS= read -r file; do
		rel=${file#/run/sim/overlay/}
		# ELF only: data files are read, not mapped, and rarely opened at every start.
		[ "$($bb head -c 4 "$file" 2> /dev/null)" = "$(printf '\177ELF')" ] || continue
		[ -f "/$rel" ] && ! $bb grep -qxF "/$rel" "$RAM.list" 2> /dev/null || continue
		size=$($bb stat -c %s "$file") || continue
		[ $((used + size)) -le "$budget" ] || continue
		$bb mkdir -p "$RAM/${rel%/*}" && $bb cp -p "$file" "$RAM/$rel" || continue
		ram_lock
		now=0
		[ -r "$RAM.gen" ] && read -r now < "$RAM.gen"
		if [ "$now" = "$gen" ] && $bb mount --bind "$RAM/$rel" "/$rel"; then
			echo "/$rel" >> "$RAM.list"
			used=$((used + size))
			echo "$used" > "$RAM.used"
		else
			$bb rm -f "$RAM/$rel"
		fi
		ram_unlock
		# A refresh came between: what was copied may predate its sync; the next walk binds again.
		[ "$now" = "$gen" ] || break
	done
}

# ram_unbind_all: back to the share for every bound file (processes that map one keep it).
ram_unbind_all() {
	bb=/run/sim/busybox
	ram_lock
	gen=0
	[ -r "$RAM.gen" ] && read -r gen < "$RAM.gen"
	echo $((gen + 1)) > "$RAM.gen"
	if [ -s "$RAM.list" ]; then
		# shellcheck disable=SC2046 # one path per line, without spaces (the prefix's own files)
		$bb umount -l $($bb cat "$RAM.list") 2> /dev/null
		$bb rm -rf "$RAM" "$RAM.list" "$RAM.used"
	fi
	ram_unlock
}

# prefetch: start it, or when one runs, have it walk once more when done.
prefetch() {
	[ -f /run/sim/overlay-mode ] || return 0
	: > /run/sim/prefetch-wanted
	pid=
	[ -r /run/sim/prefetch.pid ] && read -r pid < /run/sim/prefetch.pid
	[ -n "$pid" ] && [ -d "/proc/$pid" ] && return 0
	/run/sim/busybox rm -f /run/sim/prefetched
	(
		while [ -e /run/sim/prefetch-wanted ]; do
			/run/sim/busybox rm -f /run/sim/prefetch-wanted
			prefetch_walk
		done
		: > /run/sim/prefetched
	) < /dev/null > /dev/null 2>&1 3<&- &
	echo $! > /run/sim/prefetch.pid
}
