# shellcheck shell=dash
# Talking to the console and to the host. Sourced by the initramfs's /init (and, later, a
# systemd-initrd unit). CTL is the /dev node of the sim.ctl port once it is known.

CTL=${CTL:-}

log() { echo "sim: $*" > /dev/console; }

# One line to the host over the sim.ctl virtio port (once the port exists).
say() { [ -n "$CTL" ] && echo "$*" > "$CTL"; }

fail() {
	log "error: $*"
	say "error $*"
	sync
	poweroff -f
	sleep 5
	exit 1
}

# Milliseconds since boot, for the timings sent to the host.
now_ms() {
	# /proc may have moved into the new root already (move_api_mounts).
	uptime=/proc/uptime
	[ -r "$uptime" ] || uptime=${SYSROOT:-}/proc/uptime
	read -r up _ < "$uptime"
	# Two decimals; "1$frac - 100" keeps a leading 0 from reading as octal.
	frac=${up#*.}
	echo $((${up%.*} * 1000 + (1$frac - 100) * 10))
}

# The /dev node of the virtio-serial port with this name (no udev in here).
port() {
	for p in /sys/class/virtio-ports/*; do
		[ -e "$p/name" ] && [ "$(cat "$p/name")" = "$1" ] && { echo "/dev/${p##*/}"; return 0; }
	done
	return 1
}

# virtio devices probe asynchronously: wait briefly (5 s) for a condition to hold.
wait_for() {
	i=0
	while ! eval "$1"; do
		i=$((i + 1))
		[ $i -gt 500 ] && return 1
		usleep 10000
	done
	return 0
}

# quiet_cache_drops: the kernel notes every write to drop_caches in its log, which a console
# boot's terminal shows, and sim drops caches after every build (guest/refresh). A write of 4
# silences those notes for the rest of the boot (the kernel notes that one write, among the
# boot's own messages).
quiet_cache_drops() {
	echo 4 > /proc/sys/vm/drop_caches 2> /dev/null || :
}
