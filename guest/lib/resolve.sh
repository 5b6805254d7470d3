# shellcheck shell=dash
# resolve NAME: RESOLVED, the image's program for a bare command name, on $PATH. The shells
# that run commands (guest/agent, guest/refresh) are busybox, which would otherwise run its own
# applet of that name (ls, sh, ...) instead of the image's. A variable, not output: a command
# substitution would fork for every command run.
# shellcheck disable=SC2034 # RESOLVED is the caller's
resolve() {
	RESOLVED=$1
	case $1 in */*) return 0 ;; esac
	old_ifs=$IFS
	IFS=:
	for dir in $PATH; do
		if [ -x "$dir/$1" ] && [ ! -d "$dir/$1" ]; then
			IFS=$old_ifs
			RESOLVED=$dir/$1
			return 0
		fi
	done
	IFS=$old_ifs
	return 1
}
