# shellcheck shell=dash
# Handing over to the new root: where the agent talks to the host, how it starts (a systemd
# unit, or beside another init), then switch_root. Needs SYSROOT, RUN, CTL, SIM_* settings.

# write_agent_env: the ports and settings the agent reads from /run/sim/env.
write_agent_env() {
	{
		echo "CTL='$CTL'"
		echo "OUT='$(port sim.out)'"
		echo "ERR='$(port sim.err)'"
		echo "CMD='$(port sim.cmd)'"
		echo "SIM_SERVE='$SIM_SERVE'"
		echo "SIM_PATH='$PATH'"
	} > "$RUN/env"
}

move_api_mounts() {
	for fs in dev proc sys; do
		[ -d "$SYSROOT/$fs" ] && mount --move "/$fs" "$SYSROOT/$fs"
	done
	# The shell opens /dev/null for background jobs: keep one here after /dev moved.
	[ -e /dev/null ] || mknod -m 666 /dev/null c 1 3
	# The control port moved with /dev: later words (triggers, switch-root) go there.
	[ -n "$CTL" ] && CTL=$SYSROOT$CTL
	return 0
}

# systemd_agent_unit: the agent runs as a unit once multi-user.target is reached.
systemd_agent_unit() {
	units=$SYSROOT/run/systemd/system
	mkdir -p "$units/multi-user.target.wants"
	cat > "$units/sim-agent.service" <<UNIT
[Unit]
Description=sim guest agent: readiness and the host's command
After=multi-user.target

[Service]
Type=simple
Environment=HOME=/root
ExecStart=/run/sim/busybox sh /run/sim/agent systemd
UNIT
	ln -s ../sim-agent.service "$units/multi-user.target.wants/sim-agent.service"
	if [ "$SIM_AUTOLOGIN" = 1 ]; then
		mkdir -p "$units/serial-getty@ttyS0.service.d"
		agetty=/sbin/agetty
		[ -e "$SYSROOT/sbin/agetty" ] || agetty=/usr/sbin/agetty
		cat > "$units/serial-getty@ttyS0.service.d/50-sim-autologin.conf" <<UNIT
[Service]
ExecStart=
ExecStart=-$agetty --autologin root --noclear --keep-baud 115200,57600,38400,9600 - \$TERM
UNIT
	fi
}

# init_target INIT: where the image's init really is in the new root (it fails when there is none).
init_target() {
	target=$(chroot "$SYSROOT" /run/sim/busybox readlink -f "$1")
	[ -n "$target" ] && [ -e "$SYSROOT$target" ] || fail "the image has no init at $1"
	echo "$target"
}

# start_agent TARGET: the agent starts as a systemd unit when the init (TARGET) is systemd, else
# beside it, already inside the new root.
start_agent() {
	if [ "${1##*/}" = systemd ]; then
		systemd_agent_unit
	else
		# Wait until it is in there: switch_root empties this initramfs and moves the root away
		# from under it.
		chroot "$SYSROOT" /run/sim/busybox sh /run/sim/agent background &
		wait_for '[ -e "$RUN/agent-started" ]' || fail "the guest agent did not start"
	fi
}

# hand_over: exec the image's init (or, in direct mode, the agent) in the new root.
hand_over() {
	if [ "$SIM_MODE" = direct ]; then
		say "switch-root"
		exec switch_root "$SYSROOT" /run/sim/busybox sh /run/sim/agent direct
	fi
	INIT=${SIM_INIT:-/sbin/init}
	target=$(init_target "$INIT") || exit 1
	# Said before the agent can start: a virtio port takes one opener at a time, and a
	# background agent saying "ready" at the same moment would get EBUSY and the host would
	# wait for a word that never comes.
	say "switch-root"
	start_agent "$target"
	exec switch_root "$SYSROOT" "$INIT"
}
