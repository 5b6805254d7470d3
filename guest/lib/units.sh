# shellcheck shell=dash
# Services between fork and exec. systemd names a service's child "(PROGRAM)" from its fork until
# its exec; a Type=idle one (getty@tty1) waits there for up to about 6 s, until the boot's jobs are
# done. Such a child decides which file it runs only later: saved in a snapshot, it may go on to
# run the image's program after a resume whatever the prefix replaced, and the attach's scan of
# the processes' mappings does not see it before its exec. The save waits until there is none
# (guest/agent).

# forking: the PIDs of PID 1's children that have not exec'd yet (/proc/PID/stat reads
# "PID ((PROGRAM)) STATE 1 ..."), one per line; nothing when there are none.
forking() {
	/run/sim/busybox grep -l -E '^[0-9]+ \(\(.+\)\) [A-Za-z] 1 ' /proc/[0-9]*/stat 2> /dev/null
}
