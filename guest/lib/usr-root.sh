# shellcheck shell=dash
# Usr-only images (GNOME OS): no root partition, the root is a tmpfs with the image's /usr
# partition mounted read-only on it. What systemd does when it switches into such a root (the
# base symlinks bin, sbin, lib, lib64 -> usr/...) and what the image's tmpfiles do for /etc
# (copy /usr/share/factory/etc) is done here, because busybox's switch_root does neither.
# Needs SYSROOT, SIM_USR_DEV, SIM_USR_FSTYPE.

# base_links: the top-level directories and merged-/usr links a root needs, where missing.
base_links() {
	for d in bin sbin lib lib64; do
		[ -e "$SYSROOT/$d" ] || [ -L "$SYSROOT/$d" ] || [ ! -d "$SYSROOT/usr/$d" ] || ln -s "usr/$d" "$SYSROOT/$d"
	done
	for d in dev:0755 proc:0755 sys:0755 run:0755 var:0755 tmp:1777 root:0700; do
		[ -d "$SYSROOT/${d%:*}" ] || mkdir -m "${d#*:}" "$SYSROOT/${d%:*}"
	done
}

# factory_etc: /etc from the image's factory copy, as `C /etc - - - - /usr/share/factory/etc` would.
factory_etc() {
	[ -e "$SYSROOT/etc" ] && return 0
	if [ -d "$SYSROOT/usr/share/factory/etc" ]; then
		cp -a "$SYSROOT/usr/share/factory/etc" "$SYSROOT/etc" || fail "could not copy /usr/share/factory/etc to /etc"
	else
		log "warning: the image has no /usr/share/factory/etc: /etc starts empty"
		mkdir -p "$SYSROOT/etc"
	fi
}

# mount_usr_root: the tmpfs root, /usr on it (verity is not checked: busybox cannot set up dm-verity).
mount_usr_root() {
	mount -t tmpfs -o mode=0755 tmpfs "$SYSROOT" || fail "could not mount a tmpfs root"
	wait_for '[ -b "$SIM_USR_DEV" ]' || fail "usr disk $SIM_USR_DEV did not appear"
	mkdir -p "$SYSROOT/usr"
	mount -t "$SIM_USR_FSTYPE" -o ro "$SIM_USR_DEV" "$SYSROOT/usr" || fail "could not mount $SIM_USR_DEV ($SIM_USR_FSTYPE) on /usr"
	factory_etc
	base_links
}
