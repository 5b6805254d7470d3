# shellcheck shell=dash
# What every boot strategy does once the new root is mounted: sim's guest files staged under
# $RUN (the new root's /run/sim) for the agent and hot reload, and the overlay made to win.
# Needs SYSROOT, RUN, OVERLAY, SIM_* settings; used by /init and by the hook in the image's own
# initrd (initrd-hook).

# stage_run BUSYBOX: busybox, the agent, the refresh, the attach (quick boot), these functions and the settings into $RUN.
stage_run() {
	mkdir -p "$RUN"
	cp "$1" "$RUN/busybox"
	cp /sim/agent /sim/refresh /sim/attach "$RUN/"
	cp -r /sim/lib "$RUN/lib"
	cp /sim/config "$RUN/config"
	[ -f /sim/command ] && cp /sim/command "$RUN/command"
	return 0
}

# layer_overlay: the share is mounted at $SYSROOT$OVERLAY; make it win (merge mode, else path
# mode) and tell the host which. Sets USED.
layer_overlay() {
	USED=path
	if [ "$SIM_OVERLAY_MODE" = merge ]; then
		if merge_mode; then
			USED=merge
		else
			log "warning: merge mode could not be done; the prefix wins through the linker cache and PATH only (path mode)"
		fi
	fi
	[ "$USED" = path ] && path_mode
	echo "$USED" > "$RUN/overlay-mode"
	say "overlay-mounted $OVERLAY $USED"
}
