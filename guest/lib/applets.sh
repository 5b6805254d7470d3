# shellcheck shell=dash
# The file tools the guest's scripts call by name (cp, mv, rm, mkdir, rmdir, ln, sort) are
# busybox's wherever those run. In sim's initramfs they are anyway; in a running system (a
# refresh after a rebuild, a quick boot's attach) the name would start the image's coreutils
# instead: a dynamically linked program, about 20 ms under TCG against 4 ms for the static
# busybox (and its cp copies with sendfile), a few times per replaced file on the way from an
# edit to what the guest shows. The same tool everywhere also means the same options. (sim's
# init and the image initrd's hook source this before they stage /run/sim/busybox: there the
# names stay PATH's, busybox's applets.)
if [ -x /run/sim/busybox ]; then
	cp() { /run/sim/busybox cp "$@"; }
	mv() { /run/sim/busybox mv "$@"; }
	rm() { /run/sim/busybox rm "$@"; }
	mkdir() { /run/sim/busybox mkdir "$@"; }
	rmdir() { /run/sim/busybox rmdir "$@"; }
	ln() { /run/sim/busybox ln "$@"; }
	sort() { /run/sim/busybox sort "$@"; }
fi
