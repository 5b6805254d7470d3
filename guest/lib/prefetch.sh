# shellcheck shell=dash
# prefetch: read what processes map from the prefix (programs, libraries, typelibs, resource
# bundles) into the guest's page cache, in the background at the lowest priority, so that a
# prefix program's first start reads no more over 9p than its second (the share is cached:
# cache=loose). Detached simulators only (guest/agent, serve mode): once ready, and again after
# each hot-reload refresh, whose cache drop evicts the unused files with their pages. Walks the
# share in the guest but for the directories nothing maps from. /run/sim/prefetched: done.
PREFETCH_SKIP='usr/include usr/share/locale usr/share/doc usr/share/man usr/share/gtk-doc usr/share/help usr/share/icons'

prefetch_walk() {
	share=/run/sim/overlay
	set -- -path "$share/.sim"
	for d in $PREFETCH_SKIP; do
		set -- "$@" -o -path "$share/$d"
	done
	# The image's nice (busybox has none here); without one, at the normal priority.
	nice=
	command -v nice > /dev/null 2>&1 && nice='nice -n 19'
	# Files of 64 MiB and more (a library with its debug info) are left to be read when used.
	# shellcheck disable=SC2086 # $nice is a command and its arguments, or nothing
	$nice /run/sim/busybox find "$share" \( "$@" \) -prune -o -type f -size -131072 \
		\( -name '*.so' -o -name '*.so.*' -o -path '*/bin/*' -o -path '*/sbin/*' -o -path '*/libexec/*' \
		-o -name '*.typelib' -o -name '*.gresource' \) -exec /run/sim/busybox cat {} +
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
