# shellcheck shell=dash
# The agent's requests and the ending of a command the host gave up on (guest/agent, serve mode).
# sim.cmd has one reader, serve_port (in the background, for the agent's whole life): it hands
# each request on to the agent's loop through a FIFO, and ends the running command at once when
# a `ID cancel` line comes for it (the host sends one when the client of that command went away:
# `sim exec` interrupted or killed, an IDE's Stop, a watch cycle that starts the app again).
# Without it a command that keeps running (a GUI app) held every later request behind it.

# serve_port: read requests from stdin (sim.cmd), write "ID [STDIN-FILE]" per line to stdout
# (the FIFO) once the request's words are in /run/sim/request (`set -- WORDS`, sourced by the
# command's subshell) and its stdin in /run/sim/stdin. The loop sources the words rather than
# reading the line again: the shell's read takes a byte per system call, slow under emulation,
# while a sourced file is read in blocks.
serve_port() {
	while IFS= read -r line; do
		id=${line%% *}
		rest=${line#* }
		kind=${rest%% *}
		argv=${rest#* }
		case $kind in
		cancel)
			cancel_job "$id"
			;;
		q* | b*)
			size=${kind#?}
			input=
			if [ -n "$size" ]; then
				input=/run/sim/stdin
				/run/sim/busybox head -c "$size" > "$input"
			fi
			case $kind in b*) argv=$(echo "$argv" | /run/sim/busybox base64 -d) ;; esac
			printf 'set -- %s\n' "$argv" > /run/sim/request
			echo "$id $input"
			;;
		esac
	done
}

# cancel_job ID: end request ID's command if it runs (/run/sim/job: "ID PID" of the subshell
# that runs it, written by the job itself); noted in /run/sim/cancel first, so that a command
# about to start sees it (job_cancelled) — of the two sides, one always sees the other's write.
cancel_job() {
	echo "$1" > /run/sim/cancel
	read -r jid jpid < /run/sim/job
	[ "$jid" = "$1" ] && [ -n "$jpid" ] && end_tree "$jpid"
}

# job_cancelled ID: whether a cancel for ID came before its command started.
job_cancelled() {
	read -r cancelled < /run/sim/cancel
	[ "$cancelled" = "$1" ]
}

# end_tree PID: SIGTERM to PID and every process below it (found by parent, so one that left the
# process group goes too), SIGKILL to those left 2 s later. One that daemonized (its parent
# exited, it was reparented to PID 1) is no longer the command's, and stays.
end_tree() {
	# shellcheck disable=SC2016 # an awk program
	pids=$(/run/sim/busybox cat /proc/[0-9]*/stat 2> /dev/null | /run/sim/busybox awk -v root="$1" '
		{ s = $0; sub(/.*\) /, "", s); split(s, f, " "); parent[$1] = f[2] }
		END {
			tree[root] = 1; out = root; grew = 1
			while (grew) { grew = 0; for (p in parent) if (!(p in tree) && (parent[p] in tree)) { tree[p] = 1; out = out " " p; grew = 1 } }
			print out
		}')
	# shellcheck disable=SC2086 # a list of PIDs
	kill -TERM $pids 2> /dev/null
	# shellcheck disable=SC2086
	(/run/sim/busybox sleep 2 && kill -KILL $pids 2> /dev/null) &
}
