# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for the netns scenarios (selftests/netns/NN-story.sh). Source it
# after `set -e`:
#
#	set -e
#	source "$(dirname "$0")/../lib.sh"
#
# It sets `trap cleanup EXIT`, and its cleanup() is nt_cleanup: a scenario
# with more to undo (a process of its own, a sysctl, a mount) defines its
# own cleanup(), which calls nt_cleanup, and says `trap cleanup EXIT` next
# to it for the reader.
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

# The checks and their KTAP lines: nt_check, nt_check_fails, nt_skip_check,
# nt_diag, NT_N, NT_FAILED.
source "$(dirname "${BASH_SOURCE[0]}")/ktap.sh"

NT_SELFTESTS=${NT_SELFTESTS:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}
NT_NETNS=()		# namespaces made by nt_netns_new, deleted by nt_cleanup
NT_PIDS=()		# background processes from nt_bg, killed by nt_cleanup
NT_TMPDIRS=()		# directories made by nt_tmpdir, removed by nt_cleanup

# Report the line of an unexpected failure that `set -e` is about to turn
# into a failed scenario (the runner then records "exited with status N").
# (A failed nt_check has said why already.)
nt__on_err() {
	if [ "$NT_CHECK_JUST_FAILED" = 1 ] && [ "$3" = "return 1" ]; then
		NT_CHECK_JUST_FAILED=0
		return
	fi
	NT_CHECK_JUST_FAILED=0
	echo "# line $2: \"$3\" exited with status $1" >&2
}
trap 'nt__on_err $? $LINENO "$BASH_COMMAND"' ERR

# The default cleanup on exit (see the top); a scenario may redefine it.
cleanup() { nt_cleanup; }
trap cleanup EXIT

# nt_fuzz_record NAME SECONDS CASES: how long a fuzzer ran and how many
# cases (packets, requests) it tried, for the suite's reliability table
# (scripts/reliability-table.sh reads these lines from the results).
nt_fuzz_record() {
	echo "# nt-fuzz: $1 seconds=$2 cases=$3"
}

# nt_bench_record ID BETTER UNIT NOISETUN WIREGUARD LABEL...: one row of
# make bench (scripts/bench-report.sh reads these lines from the results):
# ID a short name ([a-z0-9-]), BETTER "higher" or "lower", UNIT without
# spaces, NOISETUN and WIREGUARD the figures of every round, comma
# separated (decimal numbers), LABEL what the row measures. Prints
#   # nt-bench: ID better=B unit=U noisetun=V,... wireguard=V,... label=LABEL
nt_bench_record() {
	local id=$1 better=$2 unit=$3 nt=$4 wg=$5
	shift 5
	echo "# nt-bench: $id better=$better unit=$unit noisetun=$nt wireguard=$wg label=$*"
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

# nt_have CMD...: true when every CMD is in PATH (for checks that only
# some scenarios' parts need: the others go on without them).
nt_have() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || return 1
	done
}

# nt_testprog VAR NAME: put the path of the test program
# selftests/NAME/NAME (built by make testprogs) in the variable VAR; skip
# the scenario unless it is there.
nt_testprog() {
	printf -v "$1" '%s' "$NT_SELFTESTS/$2/$2"
	[ -x "$NT_SELFTESTS/$2/$2" ] || nt_skip "selftests/$2/$2 is not built (make testprogs)"
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

# nt_tmpdir [VAR]: make a temporary directory and put its path in the
# variable VAR (default: tmp); nt_cleanup removes it.
nt_tmpdir() {
	local d
	d=$(mktemp -d)
	NT_TMPDIRS+=("$d")
	printf -v "${1:-tmp}" '%s' "$d"
}

# nt_cleanup: nt_teardown, then remove the nt_tmpdir directories. Call it
# from the scenario's cleanup(), which runs on EXIT; never fails.
nt_cleanup() {
	local i
	nt_teardown
	for i in "${NT_TMPDIRS[@]}"; do
		rm -rf "$i"
	done
	NT_TMPDIRS=()
	return 0
}

# nt_teardown: kill the nt_bg processes and delete the nt_netns_new
# namespaces (newest first), keeping the nt_tmpdir directories: for a
# scenario that starts over in new namespaces. Never fails.
nt_teardown() {
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
# Succeeds when they are gone already: under set -e, a failing kill inside
# a function ends the scenario without lib.sh's ERR trap saying where.
nt__kill_tree() {
	local c
	for c in $(pgrep -P "$1" 2>/dev/null); do
		nt__kill_tree "$c"
	done
	kill "$1" 2>/dev/null || true
}

# nt_load_module: `modprobe noisetun` unless it is already loaded.
nt_load_module() {
	[ -d /sys/module/noisetun ] && return 0
	modprobe noisetun
}

# nt_noisetun_devices: every noisetun device of every namespace, a line
# each; nothing when there is none (then the module can be unloaded).
nt_noisetun_devices() {
	local ns
	for ns in "" $(ip netns list | cut -d' ' -f1); do
		ip ${ns:+-n "$ns"} -o link show type noisetun 2>/dev/null
	done
}

# nt_module_reloadable: succeeds when nothing keeps noisetun from being
# unloaded and loaded again by nt_reload_module: no noisetun device exists
# in any namespace.
nt_module_reloadable() {
	[ -z "$(nt_noisetun_devices)" ]
}

# nt_can_reload_with PARAM: succeeds when the loaded noisetun has module
# parameter PARAM and can be reloaded to set it (nt_module_reloadable).
nt_can_reload_with() {
	[ -e "/sys/module/noisetun/parameters/$1" ] && nt_module_reloadable
}

# nt_require_reload_with PARAM: skip the scenario, saying which, unless
# nt_can_reload_with PARAM.
nt_require_reload_with() {
	[ -e "/sys/module/noisetun/parameters/$1" ] ||
		nt_skip "this noisetun has no $1 parameter"
	nt_module_reloadable ||
		nt_skip "other noisetun devices exist; the module cannot be reloaded"
}

# nt_reload_module [PARAM=VALUE...]: noisetun unloaded (when loaded) and
# loaded again with those module parameters.
nt_reload_module() {
	{ [ ! -d /sys/module/noisetun ] || nt_wait_until 10 rmmod noisetun; } &&
		modprobe noisetun "$@"
}

# NT_SLAB_CACHES: our kmem caches, as /proc/slabinfo names them (slub_debug
# on the stock kernel's command line keeps them unmerged, so each has a
# line of its own).
NT_SLAB_CACHES="nt_peer nt_allowedips_node4 nt_allowedips_node6"

# nt_slab_counts: "CACHE=ACTIVE ..." for each of NT_SLAB_CACHES, its
# active objects, or "missing" for a cache that has no line.
nt_slab_counts() {
	awk -v want="$NT_SLAB_CACHES" '
		{ act[$1] = $2 }
		END {
			n = split(want, w, " ")
			for (i = 1; i <= n; i++)
				printf "%s%s=%s", (i > 1 ? " " : ""), w[i], ((w[i] in act) ? act[w[i]] : "missing")
			print ""
		}' /proc/slabinfo
}

# nt_slab_slack: "CACHE=N ..." for each of NT_SLAB_CACHES, the objects
# that may still count as active once freed: none with slub_debug (SLUB
# then keeps no per-CPU slabs for our caches), else one slab per CPU.
nt_slab_slack() {
	awk -v want="$NT_SLAB_CACHES" -v cpus="$(nproc)" \
		-v debug="$(grep -c -w 'slub_debug=[A-Z]*' /proc/cmdline)" '
		{ per[$1] = $5 }
		END {
			n = split(want, w, " ")
			for (i = 1; i <= n; i++)
				printf "%s%s=%d", (i > 1 ? " " : ""), w[i], (debug ? 0 : per[w[i]] * cpus)
			print ""
		}' /proc/slabinfo
}

# nt_slab_at_most BASE [SLACK]: succeeds when each of NT_SLAB_CACHES has
# at most as many active objects as BASE gives it (nt_slab_counts's
# form), plus what SLACK gives it (nt_slab_slack's form); prints the
# counts. A cache missing now or in BASE fails.
nt_slab_at_most() {
	awk -v want="$NT_SLAB_CACHES" -v base="$1" -v slack="${2:-}" '
		function parse(s, into,   kv, p, i, n) {
			n = split(s, kv, " ")
			for (i = 1; i <= n; i++) {
				split(kv[i], p, "=")
				into[p[1]] = p[2]
			}
		}
		BEGIN { parse(base, b); parse(slack, sl) }
		{ act[$1] = $2 }
		END {
			ok = 1
			n = split(want, w, " ")
			for (i = 1; i <= n; i++) {
				c = w[i]
				cur = (c in act) ? act[c] : "missing"
				printf "%s %s (base %s%s)%s", c, cur, ((c in b) ? b[c] : "missing"),
					(sl[c] + 0 ? ", slack " sl[c] : ""), (i < n ? ", " : "\n")
				if (cur == "missing" || !(c in b) || b[c] == "missing" ||
				    cur + 0 > b[c] + sl[c])
					ok = 0
			}
			exit !ok
		}' /proc/slabinfo
}

# nt_veth_link NS1 NS2 PREFIX [DEV1 DEV2 [HOST2]]: a veth pair, DEV1
# (default veth1) in NS1 as PREFIX.1/24 and DEV2 (default veth2) in NS2 as
# PREFIX.HOST2/24 (default 2), PREFIX like 192.168.60, both up.
nt_veth_link() {
	local d1=${4:-veth1} d2=${5:-veth2}
	ip link add "$d1" netns "$1" type veth peer name "$d2" netns "$2"
	ip -n "$1" addr add "$3.1/24" dev "$d1"
	ip -n "$2" addr add "$3.${6:-2}/24" dev "$d2"
	ip -n "$1" link set "$d1" up
	ip -n "$2" link set "$d2" up
}

# nt_kind KIND [CMD...]: select the device under test and set $kind and
# $ctl. noisetun: skip unless tunctl and every CMD exist, load the module,
# ctl=tunctl. wireguard (the in-tree module, to check a scenario's own
# logic against it): skip unless wg and every CMD exist and the module
# loads, ctl=wg. Any other KIND: skip.
nt_kind() {
	kind=$1
	shift
	case "$kind" in
	noisetun)
		ctl=tunctl
		nt_require tunctl "$@"
		nt_load_module
		;;
	wireguard)
		ctl=wg
		nt_require wg "$@"
		modprobe wireguard 2>/dev/null || nt_skip "the in-tree wireguard module does not load"
		;;
	*)
		nt_skip "device kind $kind is neither noisetun nor wireguard"
		;;
	esac
}

# nt_self_kind [CMD...]: for a scenario that runs noisetun beside the
# in-tree wireguard: self_kind is $NT_SELF_KIND (default noisetun;
# wireguard stands the in-tree module in for noisetun, a check of the
# scenario's own logic), selected with nt_kind, its tool in self_tool.
# Skip unless wg and every CMD exist and the wireguard module loads.
nt_self_kind() {
	self_kind=${NT_SELF_KIND:-noisetun}
	nt_require wg "$@"
	[ "$self_kind" != wireguard ] ||
		nt_diag "NT_SELF_KIND=wireguard: the in-tree wireguard module stands in for noisetun"
	nt_kind "$self_kind"
	self_tool=$ctl
	modprobe wireguard 2>/dev/null || nt_skip "the in-tree wireguard module does not load"
}

# nt_device_ns NS [DEV...]: the namespace NS (nt_netns_new) with a device
# of $kind (nt_kind) named DEV in it, for each DEV (default nt0). Defines
# t: `t ARGS...` runs $ctl ARGS... in NS.
nt_device_ns() {
	local ns=$1 dev
	shift
	nt_netns_new "$ns"
	for dev in "${@:-nt0}"; do
		ip -n "$ns" link add "$dev" type "$kind"
	done
	eval "t() { ip netns exec '$ns' '$ctl' \"\$@\"; }"
}

# nt_keys DIR N...: for each N, a private key in DIR/kN (mode 600) and its
# public key in DIR/pN and in the variable pubN.
nt_keys() {
	local dir=$1 i mask
	shift
	mask=$(umask)
	umask 077	# tunctl genkey, like wg genkey, warns about readable key files
	for i in "$@"; do
		tunctl genkey >"$dir/k$i"
		tunctl pubkey <"$dir/k$i" >"$dir/p$i"
		printf -v "pub$i" '%s' "$(cat "$dir/p$i")"
	done
	umask "$mask"
}

# nt_fails_saying TEXT CMD...: CMD fails, and its output (both streams)
# holds TEXT (a fixed string); else says what happened (for nt_check).
nt_fails_saying() {
	local text=$1 out
	shift
	if out=$("$@" 2>&1); then
		echo "unexpectedly succeeded: $out"
		return 1
	fi
	grep -qF -- "$text" <<<"$out" || { echo "$out"; return 1; }
}

# --- the wall clock, moved and put back ---------------------------------------

# nt_clock_mark: remember the true time now, as (wall clock, uptime), for
# nt_true_now and nt_set_clock (a scenario that moves the clock).
nt_clock_mark() {
	read -r NT_CLOCK_UP0 _ </proc/uptime
	NT_CLOCK_WALL0=$(date +%s.%N)
}
# nt_true_now: the true wall-clock time, seconds with milliseconds.
nt_true_now() {
	local up
	read -r up _ </proc/uptime
	awk -v w="$NT_CLOCK_WALL0" -v u0="$NT_CLOCK_UP0" -v u="$up" 'BEGIN { printf "%.3f", w + u - u0 }'
}
# nt_set_clock OFFSET: the wall clock set to the true time plus OFFSET
# seconds (0 puts it back).
nt_set_clock() {
	date -s "@$(awk -v t="$(nt_true_now)" -v o="$1" 'BEGIN { printf "%.3f", t + o }')" >/dev/null
}

# --- the rigs the scenarios share ------------------------------------------

# nt_container_rig NS0 NS1 NS2: WireGuard's container pattern. Make the
# three namespaces; an nt0 of $kind is created in NS0 and moved into NS1
# and another into NS2, so both UDP sockets stay in NS0 (on its lo).
# Defines n0, n1 and n2: `n1 CMD...` runs CMD in NS1.
nt_container_rig() {
	local ns
	nt_netns_new "$@"
	eval "n0() { ip netns exec '$1' \"\$@\"; }"
	eval "n1() { ip netns exec '$2' \"\$@\"; }"
	eval "n2() { ip netns exec '$3' \"\$@\"; }"
	for ns in "$2" "$3"; do
		ip -n "$1" link add nt0 type "$kind"
		ip -n "$1" link set nt0 netns "$ns"
	done
}

# nt_pair_up [--v4] NS1 NS2 DIR [SETARGS1 [SETARGS2]]: configure the nt0
# of NS1 and of NS2 as each other's peer with $ctl: addresses
# 192.168.241.N/24 and fd00::N/112 (N = 1 in NS1, 2 in NS2), private key
# DIR/kN, listen port N, the peer's key $pubN and the preshared key
# DIR/psk, allowed IPs the peer's two addresses; SETARGS1/2 (words, e.g.
# "endpoint 127.0.0.1:2") are added to the peer. With --v4: the IPv4
# address only, and no preshared key. Both devices are set up.
nt_pair_up() {
	local v6=1
	if [ "$1" = --v4 ]; then
		v6=
		shift
	fi
	local nss=("$1" "$2") dir=$3 extra=("${4:-}" "${5:-}") i o ns pub allowed psk
	for i in 1 2; do
		o=$((3 - i))
		ns=${nss[i - 1]}
		pub="pub$o"
		allowed="192.168.241.$o/32"
		psk=()
		ip -n "$ns" addr add "192.168.241.$i/24" dev nt0
		if [ -n "$v6" ]; then
			ip -n "$ns" addr add "fd00::$i/112" dev nt0
			allowed+=",fd00::$o/128"
			psk=(preshared-key "$dir/psk")
		fi
		# shellcheck disable=SC2086 # SETARGS are words
		ip netns exec "$ns" "$ctl" set nt0 private-key "$dir/k$i" listen-port "$i" \
			peer "${!pub}" "${psk[@]}" allowed-ips "$allowed" ${extra[i - 1]}
	done
	ip -n "$1" link set nt0 up
	ip -n "$2" link set nt0 up
}

# nt_tunnel_pair NS1 NS2 DIR OUTER INNER PORT [INNER6 [KIND DEV]]: a
# noisetun nt0 in NS1 and in NS2, each the other's peer over the veth of
# nt_veth_link NS1 NS2 OUTER: keys DIR/kN and DIR/pN (nt_keys DIR 1 2),
# listen port PORTN (N = 1 in NS1, 2 in NS2), endpoint OUTER.M:PORTM of
# the other side (M), address INNER.N/24 and allowed IPs INNER.M/32; with
# INNER6 (like fd56:; may be empty) also INNER6:N/64 (no DAD) and
# INNER6:M/128. KIND wireguard makes the in-tree module's devices instead
# (configured with wg), DEV names them. Both up.
nt_tunnel_pair() {
	local nss=("$1" "$2") dir=$3 outer=$4 inner=$5 port=$6 inner6=${7:-}
	local type=${8:-noisetun} dev=${9:-nt0} tool=tunctl i o ns allowed
	[ "$type" = wireguard ] && tool=wg
	for i in 1 2; do
		o=$((3 - i))
		ns=${nss[i - 1]}
		allowed="$inner.$o/32"
		[ -z "$inner6" ] || allowed+=",$inner6:$o/128"
		ip -n "$ns" link add "$dev" type "$type"
		ip netns exec "$ns" "$tool" set "$dev" private-key "$dir/k$i" listen-port "$port$i" \
			peer "$(cat "$dir/p$o")" allowed-ips "$allowed" endpoint "$outer.$o:$port$o"
		ip -n "$ns" addr add "$inner.$i/24" dev "$dev"
		[ -z "$inner6" ] || ip -n "$ns" addr add "$inner6:$i/64" dev "$dev" nodad
		ip -n "$ns" link set "$dev" up
	done
}

# --- what the scenarios ask of a device or a namespace -----------------------

# nt_listening NS t|u PORT: something listens on PORT (TCP or UDP) in NS.
nt_listening() {
	[ -n "$(ip netns exec "$1" ss -H -"$2"ln "sport = :$3")" ]
}

# nt_iperf SERVER_NS CLIENT_NS ADDR [CLIENT ARGS...]: one 1-second iperf3
# run from CLIENT_NS to a one-shot server on ADDR in SERVER_NS.
nt_iperf() {
	local srv=$1 cli=$2 addr=$3 pid rc=0
	shift 3
	ip netns exec "$srv" iperf3 -s -1 -B "$addr" >/dev/null 2>&1 &
	pid=$!
	if nt_wait_until 10 nt_listening "$srv" t 5201; then
		ip netns exec "$cli" timeout 60 iperf3 --connect-timeout 5000 -t 1 -c "$addr" "$@" || rc=$?
	else
		echo "the iperf3 server did not start"
		rc=1
	fi
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	return "$rc"
}

# nt_flood NS [PING ARGS...] ADDR: 10 flood pings from NS to ADDR, every
# one answered: ping's summary must say 10 transmitted and 10 received, no
# loss at all (its exit status alone says only that one reply came). -W 5
# lets ping wait up to 5 s for the last replies; a deadline (-w) would
# not do: with one, ping sends on until it has 10 replies.
nt_flood() {
	local ns=$1 out
	shift
	out=$(ip netns exec "$ns" ping -f -c 10 -W 5 "$@" 2>&1) || { echo "$out"; return 1; }
	grep -q '^10 packets transmitted, 10 received,' <<<"$out" && return 0
	echo "$out"
	return 1
}

# nt_endpoint_is NS PUBKEY WANT: `$ctl show nt0 endpoints` in NS (ctl:
# tunctl unless set) has exactly the line "PUBKEY<tab>WANT".
nt_endpoint_is() {
	local got
	got=$(ip netns exec "$1" "${ctl:-tunctl}" show nt0 endpoints | grep -F "$2")
	[ "$got" = "$2	$3" ] && return 0
	printf 'expected: %s\ngot:      %s\n' "$2	$3" "$got"
	return 1
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

# nt_ep_start NS ARGS...: start evilpeer with ARGS (its options) in NS;
# with NT_EP_CPU=N, pinned to CPU N (its datagrams then leave in the order
# it sends them: a sender that moves between CPUs mid-burst puts them in
# two CPUs' backlogs, and they may arrive in another order).
nt_ep_start() {
	local ns=$1 pin=()
	shift
	[ -z "${NT_EP_CPU:-}" ] || pin=(taskset -c "$NT_EP_CPU")
	NT_EP_ERR=${NT_EP_ERR:-$(mktemp)}
	coproc NT_EP { ip netns exec "$ns" "${pin[@]}" "$NT_SELFTESTS/evilpeer/evilpeer" "$@" 2>>"$NT_EP_ERR"; }
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
