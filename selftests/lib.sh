# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for the netns scenarios (selftests/netns/NN-story.sh). Source it
# after `set -e`:
#
#	set -e
#	source "$(dirname "$0")/../lib.sh"
#	cleanup() { nt_cleanup; }
#	trap cleanup EXIT
#
# A scenario prints one KTAP result line per check ("ok N - desc" or
# "not ok N - desc", numbered from 1, at column 0); the VM runner nests
# them under the scenario and counts them. Anything else a scenario prints
# is kept as diagnostics. Exit 0 = pass, 1 = fail, 4 = skip.
#
# The scenarios only ever run inside the test VM (they load modules and
# build network namespaces): sourcing this file elsewhere exits with a skip.

if [ "${NT_IN_VM:-}" != 1 ]; then
	echo "# SKIP: selftests run only inside the test VM (make check)"
	exit 4
fi

NT_SELFTESTS=${NT_SELFTESTS:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
NT_N=0			# number of the last check printed
NT_FAILED=0		# number of failed checks so far
NT_NETNS=()		# namespaces made by nt_netns_new, deleted by nt_cleanup
NT_PIDS=()		# background processes from nt_bg, killed by nt_cleanup

# Report the line of an unexpected failure that `set -e` is about to turn
# into a failed scenario (the runner then records "exited with status N").
# (A failed nt_check has said why already.)
NT_CHECK_JUST_FAILED=0
nt__on_err() {
	if [ "$NT_CHECK_JUST_FAILED" = 1 ] && [ "$3" = "return 1" ]; then
		NT_CHECK_JUST_FAILED=0
		return
	fi
	NT_CHECK_JUST_FAILED=0
	echo "# line $2: \"$3\" exited with status $1" >&2
}
trap 'nt__on_err $? $LINENO "$BASH_COMMAND"' ERR

# nt_diag MESSAGE...: print a diagnostic line ("# MESSAGE").
nt_diag() {
	echo "# $*"
}

# nt_fuzz_record NAME SECONDS CASES: how long a fuzzer ran and how many
# cases (packets, requests) it tried, for the suite's reliability table
# (scripts/reliability-table.sh reads these lines from the results).
nt_fuzz_record() {
	echo "# nt-fuzz: $1 seconds=$2 cases=$3"
}

# nt_check DESC CMD [ARGS...]: run CMD; print "ok N - DESC" if it exits 0,
# else "not ok N - DESC" followed by CMD's output as diagnostics, and
# return 1 (so `set -e` ends the scenario; write `nt_check ... || true` to
# go on after a failure). CMD's output is shown only on failure. CMD runs
# in a subshell: variables it sets are lost (use a function that prints,
# or run it again outside nt_check).
nt_check() {
	local desc=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	NT_N=$((NT_N + 1))
	if [ "$rc" -eq 0 ]; then
		echo "ok $NT_N - $desc"
		return 0
	fi
	echo "not ok $NT_N - $desc"
	echo "# command: $* (exit $rc)"
	[ -n "$out" ] && printf '%s\n' "$out" | tail -n 40 | sed 's/^/# /'
	NT_FAILED=$((NT_FAILED + 1))
	NT_CHECK_JUST_FAILED=1
	return 1
}

# nt_check_fails DESC CMD [ARGS...]: like nt_check, but the check passes
# when CMD exits non-zero (for "must be refused" cases).
nt_check_fails() {
	local desc=$1
	shift
	nt_check "$desc" nt__fails "$@"
}
nt__fails() {
	if "$@"; then
		echo "unexpectedly succeeded"
		return 1
	fi
	return 0
}

# nt_skip_check DESC REASON: record one skipped check
# ("ok N - DESC # SKIP REASON").
nt_skip_check() {
	NT_N=$((NT_N + 1))
	echo "ok $NT_N - $1 # SKIP $2"
}

# nt_skip REASON: skip the rest of the scenario (exit 4). Checks already
# printed still count.
nt_skip() {
	echo "# SKIP $*"
	exit 4
}

# nt_require CMD...: skip the scenario unless every CMD is in PATH.
nt_require() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || nt_skip "$c is not available in the VM"
	done
}

# nt_wait_until TIMEOUT CMD [ARGS...]: run CMD every 0.1 s until it exits
# 0 (return 0) or TIMEOUT seconds (may be fractional) pass (return 1).
# Use it instead of sleep. TIMEOUT is multiplied by NT_TIMEOUT_SCALE (set
# by the runner for slow kernels: make check-debug).
nt_wait_until() {
	local deadline now
	deadline=$(awk -v t="$1" -v s="${NT_TIMEOUT_SCALE:-1}" 'BEGIN { printf "%d", t * s * 1000 }')
	shift
	now=$(date +%s%3N)
	deadline=$((now + deadline))
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(date +%s%3N)" -ge "$deadline" ] && return 1
		sleep 0.1
	done
}

# nt_netns_new NAME...: create network namespaces with loopback up; they
# are deleted by nt_cleanup. Name them with $$ ("ns1-$$") so they are
# unique.
nt_netns_new() {
	local ns
	for ns in "$@"; do
		ip netns add "$ns"
		NT_NETNS+=("$ns")
		ip -n "$ns" link set lo up
	done
}

# nt_bg CMD [ARGS...]: start CMD in the background (output to stderr);
# nt_cleanup kills it and its children. Its pid is in $NT_LAST_PID.
nt_bg() {
	"$@" >&2 &
	NT_LAST_PID=$!
	NT_PIDS+=("$NT_LAST_PID")
}

# nt_cleanup: kill the nt_bg processes, delete the nt_netns_new
# namespaces (newest first). Call it from the scenario's cleanup(), which
# runs on EXIT; never fails.
nt_cleanup() {
	local i
	set +e
	for i in "${NT_PIDS[@]}"; do
		nt__kill_tree "$i"
	done
	for i in "${NT_PIDS[@]}"; do
		wait "$i" 2>/dev/null
	done
	for ((i = ${#NT_NETNS[@]} - 1; i >= 0; i--)); do
		ip netns delete "${NT_NETNS[i]}" 2>/dev/null
	done
	NT_PIDS=()
	NT_NETNS=()
	return 0
}

# nt__kill_tree PID: SIGTERM PID and all its descendants (children first
# are found before the parent dies, so none is orphaned and missed).
nt__kill_tree() {
	local c
	for c in $(pgrep -P "$1" 2>/dev/null); do
		nt__kill_tree "$c"
	done
	kill "$1" 2>/dev/null
}

# nt_load_module: `modprobe noisetun` unless it is already loaded.
nt_load_module() {
	[ -d /sys/module/noisetun ] && return 0
	modprobe noisetun
}

# nt_veth_link NS1 NS2 PREFIX: a veth pair, veth1 in NS1 as PREFIX.1/24
# and veth2 in NS2 as PREFIX.2/24 (PREFIX like 192.168.60), both up.
nt_veth_link() {
	ip link add veth1 netns "$1" type veth peer name veth2 netns "$2"
	ip -n "$1" addr add "$3.1/24" dev veth1
	ip -n "$2" addr add "$3.2/24" dev veth2
	ip -n "$1" link set veth1 up
	ip -n "$2" link set veth2 up
}

# nt_keys DIR N...: for each N, a private key in DIR/kN and its public key
# in DIR/pN.
nt_keys() {
	local dir=$1 i
	shift
	for i in "$@"; do
		tunctl genkey >"$dir/k$i"
		tunctl pubkey <"$dir/k$i" >"$dir/p$i"
	done
}

# nt_kmsg: print the kernel log (text only, one message per line) from the
# VM's /dev/kmsg capture, which holds every message since boot.
nt_kmsg() {
	if [ -r "${NT_KMSG:-}" ]; then
		sed 's/^[^;]*;//' "$NT_KMSG"
	else
		dmesg
	fi
}

# --- evilpeer as a coprocess ---------------------------------------------------
# selftests/evilpeer answers each command line with one line, "ok NAME
# key=value..." or "err NAME why". One evilpeer at a time runs as the
# scenario's coprocess (its stderr goes to $NT_EP_ERR, a temporary file);
# call nt_ep_stop from the scenario's cleanup().

NT_EP_REPLY=		# the answer to the last command read

# nt_ep_start NS ARGS...: start evilpeer with ARGS (its options) in NS.
nt_ep_start() {
	local ns=$1
	shift
	NT_EP_ERR=${NT_EP_ERR:-$(mktemp)}
	coproc NT_EP { ip netns exec "$ns" "$NT_SELFTESTS/evilpeer/evilpeer" "$@" 2>>"$NT_EP_ERR"; }
}

# nt_ep_send COMMAND: give evilpeer a command without waiting for its answer.
nt_ep_send() {
	[ -n "${NT_EP[1]:-}" ] || { NT_EP_REPLY="evilpeer is not running"; return 1; }
	echo "$*" >&"${NT_EP[1]}"
}

# nt_ep_read [TIMEOUT]: the answer to the command sent last (waiting up to
# TIMEOUT seconds, default 120), in $NT_EP_REPLY; fails unless "ok ...".
nt_ep_read() {
	NT_EP_REPLY=
	if [ -z "${NT_EP[0]:-}" ] || ! read -r -t "${1:-120}" NT_EP_REPLY <&"${NT_EP[0]}"; then
		NT_EP_REPLY="no answer from evilpeer: $(tail -n 3 "${NT_EP_ERR:-/dev/null}" 2>/dev/null)"
		return 1
	fi
	[[ "$NT_EP_REPLY" == ok* ]]
}

# nt_ep COMMAND: one command and its answer (as nt_ep_read).
nt_ep() {
	nt_ep_send "$@" && nt_ep_read
}

# nt_ep_ok: $NT_EP_REPLY says ok (printed either way, for a check's log).
nt_ep_ok() {
	echo "$NT_EP_REPLY"
	[[ "$NT_EP_REPLY" == ok* ]]
}

# nt_ep_val KEY: the value of KEY= in $NT_EP_REPLY (0 when absent).
nt_ep_val() {
	local w
	for w in $NT_EP_REPLY; do
		[ "${w%%=*}" = "$1" ] && { echo "${w#*=}"; return 0; }
	done
	echo 0
}

# nt_ep_stop: quit evilpeer, if one runs, and wait for it.
nt_ep_stop() {
	if [ -n "${NT_EP_PID:-}" ]; then
		[ -n "${NT_EP[1]:-}" ] && echo quit >&"${NT_EP[1]}" 2>/dev/null
		wait "$NT_EP_PID" 2>/dev/null || true
		NT_EP_PID=
	fi
	return 0
}
