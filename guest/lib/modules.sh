# shellcheck shell=dash
# Kernel modules in load order (/sim/modules.list); soft dependencies may fail (e.g. a
# CPU-specific crc32c).

load_modules() {
	while read -r file kind; do
		[ -n "$file" ] || continue
		if ! out=$(insmod "/sim/modules/$file" 2>&1); then
			[ "$kind" = soft ] || fail "could not load module $file: $out"
		fi
	done < "${1:-/sim/modules.list}"
}
