# shellcheck shell=dash
# Finding and mounting the host's 9p share (read-only; the host exports it read-only too).

has_tag() {
	for f in /sys/bus/virtio/drivers/9pnet_virtio/*/mount_tag; do
		[ -e "$f" ] && [ "$(tr -d '\000' < "$f")" = "$1" ] && return 0
	done
	return 1
}

# mount_share TAG DIR CACHE: 0 when mounted, 1 when there is no such share.
mount_share() {
	[ -n "$1" ] && wait_for "has_tag '$1'" || return 1
	mkdir -p "$2"
	mount -t 9p -o "trans=virtio,version=9p2000.L,msize=512000,ro,cache=$3" "$1" "$2" ||
		fail "could not mount the overlay share '$1'"
	return 0
}

# mounted DIR: something is mounted there (read by the shell: busybox has no mountpoint applet
# everywhere, and a process costs tens of ms under emulation).
mounted() {
	while read -r _ at _; do
		[ "$at" = "$1" ] && return 0
	done < /proc/mounts
	return 1
}
