# shellcheck shell=dash
# Kernel modules in load order (/sim/modules.list); soft dependencies may fail (e.g. a
# CPU-specific crc32c). A module already loaded (by the image's own initrd and its udev, which
# may load one at the same moment) is fine.

load_modules() {
	while read -r file kind; do
		[ -n "$file" ] || continue
		# NN-name.ko: the name the kernel lists it under in /sys/module.
		name=${file#*-}
		name=$(echo "${name%.ko}" | tr - _)
		[ -d "/sys/module/$name" ] && continue
		if ! out=$(insmod "/sim/modules/$file" 2>&1); then
			[ "$kind" = soft ] || [ -d "/sys/module/$name" ] || fail "could not load module $file: $out"
		fi
	done < "${1:-/sim/modules.list}"
}
