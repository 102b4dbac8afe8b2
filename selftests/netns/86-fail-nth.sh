#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 1200
# nt-category: faults
#
# Allocation failures, one at a time (Documentation/testing.md, F7): for each kind of SET
# request, for device creation and for the first handshake, the kernel
# fails the n-th allocation, for n = 1, 2, ... until the operation runs
# without meeting the fault. A SET or a device creation that meets it
# fails with ENOMEM and changes nothing (showconf byte-identical, no
# device); kmemleak (the runner's check after the scenario) finds nothing.
#
# How: /proc/thread-self/fail-nth, written N, makes the task's N-th
# fault-injection site fail (failslab and fail_page_alloc, set here to
# count every allocation). selftests/failnth/libfailnth.so, preloaded into
# tunctl, nlprobe or ip, arms it around the one sendto()/sendmsg() that
# carries the request: the kernel handles a netlink request inside that
# call, so the fault lands in its handling and nowhere else. The shim
# reports whether the fault fired; when it did not, the request ran whole
# and the loop ends.
#
# Outcomes that are not ENOMEM from the handler, each with the state it
# must leave: the fault hit the socket layer taking the message (send
# fails, nothing changed); it hit the ack after a successful request
# (ENOBUFS, the request applied; ip gets no answer at all and would wait
# for ever, so a run still waiting in recvmsg() 2 s after its request was
# handled is killed, and its request must be whole or refused whole); it
# hit an allocation whose failure is absorbed (kmemleak's own
# bookkeeping, an optional cache: success). A run that does not return
# in 30 s otherwise is a failure, shown with its kernel stacks.
#
# The handshake runs in workqueue context, so fail-nth is written to every
# kworker (each counts its own sites); the first initiation, the response
# and the session's first packets meet the fault in turn. An allocation
# failure there must be a counted drop or a send error, and the handshake
# must complete afterwards.
#
# Two profiles (below, "the profiles"): by default, every n for the first
# allocations and a sample of the rest, for CI's debug lane; with
# NT_SLOW=1 every n, well over 20 minutes on the debug kernel (the
# timeout above is for that one: 3600 s on the debug kernel). Each loop's
# summary line says which ran, how many runs and how many seconds.
#
# Needs a kernel with CONFIG_FAULT_INJECTION (make check-debug); skipped
# on Debian's kernel, which has none.
#
#   +----------------- ntfn1-$$ -----------------+   +---- ntfn2-$$ ----+
#   | nt0: the SET requests, one fault each      |   | nt0              |
#   | nt1, nt2...: device creation, one fault    |   |                  |
#   | veth 192.168.241.1 ----------------------- | - | veth .2          |
#   | nt0 10.99.0.1 <== first handshake, faults =|===|=> nt0 10.99.0.2  |
#   +--------------------------------------------+   +------------------+

set -e
source "$(dirname "$0")/../lib.sh"

ns1="ntfn1-$$"
ns2="ntfn2-$$"
tmp=$(mktemp -d)
shim="$NT_SELFTESTS/failnth/libfailnth.so"
probe_bin="$NT_SELFTESTS/nlprobe/nlprobe"
dbg=/sys/kernel/debug
saved=()

restore_debugfs() {
	local s
	for s in "${saved[@]+"${saved[@]}"}"; do
		{ echo "${s#*=}" >"${s%%=*}"; } 2>/dev/null || true
	done
}

disarm_kworkers() {
	local f
	for f in /proc/[0-9]*/task/[0-9]*/fail-nth; do
		{ echo 0 >"$f"; } 2>/dev/null || true
	done
}

cleanup() {
	disarm_kworkers
	restore_debugfs
	rm -rf "$tmp"
	nt_cleanup
}
trap cleanup EXIT

[ -e /proc/thread-self/fail-nth ] ||
	nt_skip "the kernel has no fault injection (CONFIG_FAULT_INJECTION, FAILSLAB): make check-debug runs this"
[ -d "$dbg/failslab" ] && [ -d "$dbg/fail_page_alloc" ] ||
	nt_skip "no failslab/fail_page_alloc in debugfs (CONFIG_FAILSLAB, CONFIG_FAIL_PAGE_ALLOC, CONFIG_FAULT_INJECTION_DEBUG_FS)"
[ -r "$shim" ] || nt_skip "selftests/failnth/libfailnth.so is not built"
[ -x "$probe_bin" ] || nt_skip "selftests/nlprobe/nlprobe is not built"
nt_require tunctl nsenter

# set FILE VALUE: write a debugfs knob, restored at the end.
set_knob() {
	saved+=("$1=$(cat "$1")")
	echo "$2" >"$1"
}
# Count every allocation, sleeping or not, of any order from 1 (order-0
# pages are left alone: a user page fault that fails ends in the OOM
# killer, not in an error the request could return). One line per fault
# in the kernel log, no stack (verbose 2 prints one on the console).
set_knob "$dbg/failslab/ignore-gfp-wait" N
set_knob "$dbg/failslab/verbose" 1
set_knob "$dbg/fail_page_alloc/ignore-gfp-wait" N
set_knob "$dbg/fail_page_alloc/ignore-gfp-highmem" N
set_knob "$dbg/fail_page_alloc/verbose" 1

nt_load_module
nt_netns_new "$ns1" "$ns2"
nt_veth_link "$ns1" "$ns2" 192.168.241

N1() { nsenter --net="/run/netns/$ns1" "$@"; }
N2() { nsenter --net="/run/netns/$ns2" "$@"; }
T1() { N1 tunctl "$@"; }
T2() { N2 tunctl "$@"; }

umask 077
for i in 1 2 3 4 5 6; do
	tunctl genkey >"$tmp/k$i"
	tunctl pubkey <"$tmp/k$i" >"$tmp/p$i"
done
tunctl genpsk >"$tmp/psk"
pub() { cat "$tmp/p$1"; }

# --- the profiles -----------------------------------------------------------------

# Which n each loop tries. Every loop runs until the fault no longer
# fires, so each proves that its request completes afterwards.
#  - NT_SLOW=1 (make check-debug SLOW=1), exhaustive: every n up to each
#    loop's DENSE, then every STRIDE-th (1 for most: every n).
#  - default (CI's debug lane): every n up to sample_dense (the early
#    allocations, where the error paths are unwinding the least), then
#    steps of n / sample_grow (at least the loop's STRIDE), starting at a
#    random phase: about one run per doubling of n (about 12 runs for a
#    hundred allocations, 16 for thousands), and another run samples
#    other n.
if [ "${NT_SLOW:-0}" = 1 ]; then
	profile=slow
else
	profile=default
fi
sample_dense=8
sample_grow=2

# next_n N DENSE STRIDE: the n to try after N.
next_n() {
	local n=$1 dense=$2 stride=$3 step
	if [ "$profile" = default ] && [ "$dense" -gt "$sample_dense" ]; then
		dense=$sample_dense
	fi
	if [ "$n" -lt "$dense" ]; then
		echo $((n + 1))
		return
	fi
	if [ "$profile" = slow ]; then
		echo $((n + stride))
		return
	fi
	step=$((n / sample_grow))
	[ "$step" -ge "$stride" ] || step=$stride
	if [ "$n" -eq "$dense" ]; then
		# The first sampled n: a random phase within the first step.
		echo $((n + 1 + RANDOM % step))
	else
		echo $((n + step))
	fi
}

# profile_says DENSE STRIDE: the profile, for a loop's summary line.
profile_says() {
	local dense=$1 stride=$2
	if [ "$profile" = slow ]; then
		if [ "$stride" -gt 1 ]; then
			echo "profile slow: every n to $dense, then every ${stride}th"
		else
			echo "profile slow: every n"
		fi
	else
		[ "$dense" -le "$sample_dense" ] || dense=$sample_dense
		echo "profile default: every n to $dense, then steps of n/$sample_grow (at least $stride) from a random phase"
	fi
}

# --- one run --------------------------------------------------------------------

# A request that never returns is a finding too, not a scenario timeout:
# each run has run_limit seconds.
run_limit=$((30 * ${NT_TIMEOUT_SCALE:-1}))

# descendants PID: PID and every process below it.
descendants() {
	local c
	echo "$1"
	for c in $(awk -v p="$1" '$4 == p { print $1 }' /proc/[0-9]*/stat 2>/dev/null); do
		descendants "$c"
	done
}

# waits_for_netlink PID: a process of PID's waits in a netlink recvmsg().
waits_for_netlink() {
	local p
	for p in $(descendants "$1"); do
		grep -q 'netlink_recvmsg' "/proc/$p/stack" 2>/dev/null && return 0
	done
	return 1
}

# kill_all PID: PID and every process below it.
kill_all() {
	local p
	for p in $(descendants "$1"); do
		kill -9 "$p" 2>/dev/null || true
	done
	wait "$1" 2>/dev/null || true
}

# armed N REPORT CMD...: run CMD with fail-nth N armed by the shim, its
# output in $tmp/run.out. Returns 125 when the request was handled (the
# shim's report is written once the send returns: the kernel handles the
# request inside it, and queues its answer there) and CMD still waits in
# a netlink recvmsg() 2 s (times the scale) later: the fault hit the
# allocation of its answer (netlink_ack), and iproute2's ip waits for it
# for ever. After run_limit seconds, prints where each of its processes
# waits (state, wchan, kernel stack), kills them and returns 124.
armed() {
	local n=$1 report=$2 pid p deadline handled=''
	shift 2
	(
		export LD_PRELOAD="$shim" NT_FAILNTH="$n" NT_FAILNTH_REPORT="$report"
		"$@"
	) >"$tmp/run.out" 2>&1 &
	pid=$!
	deadline=$((SECONDS + run_limit))
	while kill -0 "$pid" 2>/dev/null; do
		if [ -z "$handled" ] && [ -s "$report" ]; then
			handled=$((SECONDS + 2 * ${NT_TIMEOUT_SCALE:-1}))
		fi
		if [ -n "$handled" ] && [ "$SECONDS" -ge "$handled" ] && waits_for_netlink "$pid"; then
			kill_all "$pid"
			return 125
		fi
		if [ "$SECONDS" -ge "$deadline" ]; then
			for p in $(descendants "$pid"); do
				echo "  pid $p $(cat "/proc/$p/comm" 2>/dev/null)" \
					"state $(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null)" \
					"wchan $(cat "/proc/$p/wchan" 2>/dev/null)"
				sed 's/^/    /' "/proc/$p/stack" 2>/dev/null | head -n 25
			done
			kill_all "$pid"
			return 124
		fi
		sleep 0.1
	done
	wait "$pid"
}

# hung_fault N CMD...: once more, with a stack per fault in the kernel
# log, and print the stack of the fault that made CMD hang.
hung_fault() {
	local n=$1 k0
	shift
	restore_fn_quiet
	k0=$(wc -l <"$NT_KMSG")
	echo 2 >"$dbg/failslab/verbose"
	echo 2 >"$dbg/fail_page_alloc/verbose"
	run_limit=$((5 * ${NT_TIMEOUT_SCALE:-1})) armed "$n" /dev/null "$@" >/dev/null 2>&1 || true
	echo 1 >"$dbg/failslab/verbose"
	echo 1 >"$dbg/fail_page_alloc/verbose"
	echo "the fault at n=$n, again:"
	tail -n +"$((k0 + 1))" "$NT_KMSG" | sed 's/^[^;]*;//' |
		sed -n '/FAULT_INJECTION: forcing a failure/,$p' | head -n 45 | sed 's/^/  /'
	restore_fn_quiet
}
restore_fn_quiet() {
	[ "$($state_fn 2>/dev/null)" = "$before" ] || $restore_fn >/dev/null 2>&1 || true
}

# --- the loop -------------------------------------------------------------------

# State and restore functions of the request under test; set per request.
state_fn=''
restore_fn=''
# One line per loop, for the diagnostics (the loops run inside nt_check's
# command substitution: a variable would not survive it).
summary="$tmp/summary"
: >"$summary"
print_summary() {
	local s
	while IFS= read -r s; do
		nt_diag "$s"
	done <"$summary"
	: >"$summary"
}

# failnth NAME DENSE STRIDE CMD...: run CMD (a netlink request in ns1)
# with its n-th allocation failed, for n = 1, 2, ... as the profile says
# (next_n), until the fault no longer fires. Each run must end as the
# comment at the top says. Prints the problems; returns 1 on any.
failnth() {
	local name=$1 dense=$2 stride=$3
	shift 3
	local before after got out rc rep n=0 tried=0 failed=0 absorbed=0
	local sendfail=0 acklost=0 noanswer=0 line injected send problems=0 last='' t0=$SECONDS

	before=$($state_fn) || { echo "$name: cannot read the state"; return 1; }
	out=$("$@" 2>&1) || { echo "$name: fails without a fault: $out"; return 1; }
	after=$($state_fn)
	if [ "$after" = "$before" ]; then
		echo "$name: the request changes nothing: not a test"
		return 1
	fi
	$restore_fn
	got=$($state_fn)
	if [ "$got" != "$before" ]; then
		echo "$name: cannot restore the state before the request"
		return 1
	fi

	rep="$tmp/report"
	while :; do
		n=$(next_n "$n" "$dense" "$stride")
		: >"$rep"
		rc=0
		armed "$n" "$rep" "$@" >"$tmp/hung" || rc=$?
		out=$(cat "$tmp/run.out")
		if [ "$rc" = 124 ]; then
			echo "$name n=$n: did not return in $run_limit s; where it waits:"
			cat "$tmp/hung"
			hung_fault "$n" "$@"
			echo "$name: giving up (a request that does not return)"
			problems=$((problems + 1))
			break
		fi
		line=$(cat "$rep")
		if [[ $line != "n=$n injected="[01]" send="* ]]; then
			echo "$name n=$n: the shim did not arm fail-nth (report '$line'; exit $rc: $out)"
			return 1
		fi
		injected=${line#*injected=}
		injected=${injected%% *}
		send=${line##*send=}
		got=$($state_fn) || got="(state unreadable)"
		tried=$((tried + 1))
		last=$n

		if [ "$injected" = 0 ]; then
			# Past the last allocation: the request ran whole.
			if [ "$rc" -ne 0 ] || [ "$got" != "$after" ]; then
				echo "$name n=$n: no fault fired, yet exit $rc: $out"
				[ "$got" != "$after" ] && diff <(echo "$after") <(echo "$got") | head -n 20
				problems=$((problems + 1))
			fi
			break
		fi

		if [ "$rc" -eq 0 ]; then
			# Absorbed by a fallback: the request must be whole.
			absorbed=$((absorbed + 1))
			if [ "$got" != "$after" ]; then
				echo "$name n=$n: succeeded with a fault, but the state is not the request's:"
				diff <(echo "$after") <(echo "$got") | head -n 20
				problems=$((problems + 1))
			fi
		elif [ "$rc" = 125 ]; then
			# No answer (see armed): the ack was lost; the request
			# must be applied whole or refused whole.
			noanswer=$((noanswer + 1))
			if [ "$got" != "$after" ] && [ "$got" != "$before" ]; then
				echo "$name n=$n: no answer, and the request is neither applied whole nor refused whole:"
				diff <(echo "$after") <(echo "$got") | head -n 20
				problems=$((problems + 1))
			fi
		elif [ "$send" != 0 ]; then
			# The socket layer could not take the message.
			sendfail=$((sendfail + 1))
			if [ "$got" != "$before" ]; then
				echo "$name n=$n: send failed ($send), but the state changed:"
				diff <(echo "$before") <(echo "$got") | head -n 20
				problems=$((problems + 1))
			fi
		elif [[ $out == *"No buffer space available"* || $out == *ENOBUFS* ]]; then
			# netlink's own ENOBUFS: either the ack could not be
			# allocated (the request was applied whole), or the
			# request never reached the module (nothing changed).
			acklost=$((acklost + 1))
			if [ "$got" != "$after" ] && [ "$got" != "$before" ]; then
				echo "$name n=$n: ENOBUFS, and the request is neither applied whole nor refused whole:"
				diff <(echo "$after") <(echo "$got") | head -n 20
				problems=$((problems + 1))
			fi
		elif [[ $out == *"Too many open files in system"* && $out == *LISTEN_PORT* ]]; then
			# The core's errno when a socket's inode cannot be
			# allocated (sock_alloc: ENFILE): refused whole.
			failed=$((failed + 1))
			if [ "$got" != "$before" ]; then
				echo "$name n=$n: ENFILE binding the port, but the state changed:"
				diff <(echo "$before") <(echo "$got") | head -n 20
				problems=$((problems + 1))
			fi
		elif [[ $out == *"Cannot allocate memory"* || $out == *"error ENOMEM"* ]]; then
			failed=$((failed + 1))
			if [ "$got" != "$before" ]; then
				echo "$name n=$n: ENOMEM, but the state changed (half-applied?):"
				diff <(echo "$before") <(echo "$got") | head -n 20
				problems=$((problems + 1))
			fi
		else
			echo "$name n=$n: failed with something else than ENOMEM: $out"
			problems=$((problems + 1))
		fi
		[ "$got" != "$before" ] && $restore_fn
		if [ "$problems" -ge 5 ]; then
			echo "$name: giving up after 5 problems"
			break
		fi
	done
	echo "$name: n=1..$last ($tried runs, $((SECONDS - t0)) s, $(profile_says "$dense" "$stride")): ENOMEM $failed, send failed $sendfail, ack lost $acklost, no answer $noanswer, absorbed $absorbed, then whole at n=$last" >>"$summary"
	[ "$problems" -eq 0 ]
}

# --- SET requests -----------------------------------------------------------------

showconf1() { T1 showconf nt0; }
restore1() { T1 setconf nt0 "$tmp/before.conf"; }
state_fn=showconf1
restore_fn=restore1

# set_case NAME DENSE STRIDE CMD...: save the state of nt0 as the
# restore point, then run the loop; the request is applied afterwards.
set_case() {
	local name=$1
	showconf1 >"$tmp/before.conf"
	# Test that every allocation failure of the request fails it with
	# ENOMEM and leaves the configuration byte-identical.
	nt_check "$name: each failed allocation fails it whole" failnth "$@" || true
	# The last run succeeded: the device has the request's state.
}

ip -n "$ns1" link add nt0 type noisetun
ip -n "$ns1" link set nt0 up

set_case "private key and listen port (device up: binds)" 200 1 \
	T1 set nt0 private-key "$tmp/k1" listen-port 51820

set_case "two peers: psk, endpoints, keepalive, allowed IPs" 200 1 \
	T1 set nt0 peer "$(pub 2)" preshared-key "$tmp/psk" endpoint 192.168.241.2:51820 \
		persistent-keepalive 25 allowed-ips 10.99.0.2/32,10.2.0.0/16,fd00:2::/64 \
		peer "$(pub 3)" endpoint '[2001:db8::3]:4500' allowed-ips 10.3.0.0/24

ranges=$(for i in $(seq 0 47); do printf '10.4.%d.0/24,fd04:%x::/32,' "$i" "$i"; done)
set_case "one peer with 96 allowed IPs" 60 7 \
	T1 set nt0 peer "$(pub 4)" allowed-ips "${ranges%,}"

set_case "replace allowed IPs" 200 1 \
	T1 set nt0 peer "$(pub 3)" allowed-ips 10.30.0.0/16,fd00:3::/48

set_case "add and remove single ranges" 200 1 \
	T1 set nt0 peer "$(pub 2)" allowed-ips +10.20.0.0/16,-10.2.0.0/16

set_case "remove a peer" 200 1 \
	T1 set nt0 peer "$(pub 4)" remove

# UPDATE_ONLY: tunctl never sends it; nlprobe does.
set_case "update-only: an existing peer changed, a missing one not made" 200 1 \
	N1 "$probe_bin" set ifname strz nt0 nest peers \
		nest 0 public_key key "$(pub 3)" flags u32 4 persistent_keepalive_interval u16 9 end \
		nest 1 public_key key "$(pub 5)" flags u32 4 end end

cat >"$tmp/replace.conf" <<EOF
[Interface]
PrivateKey = $(cat "$tmp/k1")
ListenPort = 51821
FwMark = 0x7

[Peer]
PublicKey = $(pub 2)
PresharedKey = $(cat "$tmp/psk")
Endpoint = 192.168.241.2:51820
AllowedIPs = 10.99.0.2/32, 10.2.0.0/16

[Peer]
PublicKey = $(pub 6)
AllowedIPs = 10.6.0.0/16, fd00:6::/64
PersistentKeepalive = 5
EOF
set_case "setconf: replace-peers, new port and fwmark" 200 1 \
	T1 setconf nt0 "$tmp/replace.conf"

# Large enough for two SET messages (tunctl splits at 32 KiB): fail the
# n-th allocation of the second one, every 97th n after the first 30 (its
# allocations are mostly alike: two trie nodes per range).
# Before it, the state after the first message alone.
{
	printf '[Interface]\nPrivateKey = %s\nListenPort = 51821\n\n[Peer]\nPublicKey = %s\n' \
		"$(cat "$tmp/k1")" "$(pub 2)"
	printf 'Endpoint = 192.168.241.2:51820\nAllowedIPs = 10.99.0.2/32\n\n[Peer]\nPublicKey = %s\n' \
		"$(pub 5)"
	for i in $(seq 0 1499); do
		printf 'AllowedIPs = 10.%d.%d.0/24\n' $((100 + i / 256)) $((i % 256))
	done
} >"$tmp/large.conf"
cut_state() { LD_PRELOAD="$shim" NT_FAILNTH_CUT=2 T1 setconf nt0 "$tmp/large.conf" >/dev/null 2>&1 || true; }
# Test that the large file takes two requests (else the case below is
# not what it says).
nt_check "the large setconf takes two requests" \
	bash -c '! LD_PRELOAD="$1" NT_FAILNTH_CUT=2 nsenter --net="$2" tunctl setconf nt0 "$3" 2>/dev/null' \
	_ "$shim" "/run/netns/$ns1" "$tmp/large.conf"
restore_fn=cut_state
cut_state
# Test that a failed allocation in the second request of a large setconf
# fails that request whole: the first one's state stays, nothing more.
nt_check "large setconf, second request: each failed allocation fails it whole" \
	failnth "large setconf (1500 ranges), second request" 30 97 \
	env NT_FAILNTH_MSG=2 nsenter --net="/run/netns/$ns1" tunctl setconf nt0 "$tmp/large.conf" || true
restore_fn=restore1

# --- device creation ----------------------------------------------------------------

links1() { ip -n "$ns1" -o link show type noisetun | awk '{ print $2 }'; }
dellink1() { ip -n "$ns1" link del nt1 2>/dev/null || true; }
state_fn=links1
restore_fn=dellink1
# Test that every allocation failure of a device creation fails it with
# ENOMEM and leaves no device.
nt_check "ip link add type noisetun: each failed allocation fails it whole" \
	failnth "device creation" 150 3 N1 ip link add nt1 type noisetun || true
# Test that the device made at last works: it takes a configuration.
nt_check "the device made at last takes a configuration" \
	T1 set nt1 private-key "$tmp/k3" listen-port 0 peer "$(pub 4)" allowed-ips 10.7.0.0/16
ip -n "$ns1" link del nt1

print_summary

# --- the first handshake ------------------------------------------------------------

# Fresh devices on both sides, configured; ns1's nt0 starts the handshake
# when ping sends.
ip -n "$ns1" link del nt0
ip -n "$ns1" link add nt0 type noisetun
ip -n "$ns2" link add nt0 type noisetun
ip -n "$ns1" addr add 10.99.0.1/24 dev nt0
ip -n "$ns2" addr add 10.99.0.2/24 dev nt0
T1 set nt0 private-key "$tmp/k1" listen-port 51820
T2 set nt0 private-key "$tmp/k2" listen-port 51820
ip -n "$ns1" link set nt0 up
ip -n "$ns2" link set nt0 up
for i in 1 2; do
	o=$((3 - i))
	cat >"$tmp/hs$i.conf" <<EOF
[Interface]
PrivateKey = $(cat "$tmp/k$i")
ListenPort = 51820

[Peer]
PublicKey = $(pub $o)
Endpoint = 192.168.241.$o:51820
AllowedIPs = 10.99.0.$o/32
EOF
done

# The first handshake, from scratch: the peers made again on both sides.
fresh_peers() {
	T1 setconf nt0 "$tmp/hs1.conf" && T2 setconf nt0 "$tmp/hs2.conf"
}

handshake_done() {
	local a b
	a=$(T1 show nt0 latest-handshakes | cut -f2)
	b=$(T2 show nt0 latest-handshakes | cut -f2)
	[ "${a:-0}" != 0 ] && [ "${b:-0}" != 0 ]
}

# drops: the sum of every drop counter of both devices and their peers
# (tunctl show --json), where an allocation failure must be counted.
drops() {
	{ T1 show nt0 --json; T2 show nt0 --json; } | awk '
		/"drops": \{/ { on = 1; next }
		on && /\}/ { on = 0 }
		on && match($0, /": [0-9]+/) { s += substr($0, RSTART + 3, RLENGTH - 3) }
		END { print s + 0 }'
}

attempts() { T1 show nt0 --json | sed -n 's/.*"handshake_attempts": \([0-9]*\).*/\1/p'; }

kmsg_lines() { wc -l <"$NT_KMSG"; }

# fired_any: a kworker armed by hs_try met its fault (reads back 0).
fired_any() {
	local t c
	for t in "${workers[@]}"; do
		{ read -r c <"$t/fail-nth"; } 2>/dev/null || continue
		[ "$c" = 0 ] && return 0
	done
	return 1
}

# hs_try N: arm every kworker with fail-nth N (each counts its own
# allocations), start the handshake with one ping, and wait until it
# completes, or a drop was counted for a fault that fired (the outcome
# hs_loop needs), or 3 s pass. Sets fired (a kworker met the fault), done,
# ndrops (drops counted meanwhile), natt (initiations sent) and stack
# (the fault's report in the kernel log).
hs_try() {
	local n=$1 t c d0 k0 deadline
	workers=()
	fresh_peers
	d0=$(drops)
	k0=$(kmsg_lines)
	for t in /proc/[0-9]*/task/[0-9]*; do
		{ read -r c <"$t/comm"; } 2>/dev/null || continue
		[[ $c == kworker/* ]] && workers+=("$t")
	done
	for t in "${workers[@]}"; do
		{ echo "$n" >"$t/fail-nth"; } 2>/dev/null || true
	done
	N1 ping -c 1 -W 1 10.99.0.2 >/dev/null 2>&1 || true
	done=0
	deadline=$(($(date +%s) + 3 * ${NT_TIMEOUT_SCALE:-1}))
	while [ "$(date +%s)" -lt "$deadline" ]; do
		if handshake_done; then
			done=1
			break
		fi
		[ "$n" != 0 ] && fired_any && [ "$(drops)" -gt "$d0" ] && break
		sleep 0.2
	done
	fired=0
	for t in "${workers[@]}"; do
		{ read -r c <"$t/fail-nth"; } 2>/dev/null || continue
		[ "$c" = 0 ] && fired=1
		{ echo 0 >"$t/fail-nth"; } 2>/dev/null || true
	done
	ndrops=$(($(drops) - d0))
	natt=$(attempts)
	stack=$(tail -n +"$((k0 + 1))" "$NT_KMSG" | sed 's/^[^;]*;//' |
		sed -n '/FAULT_INJECTION: forcing a failure/,$p' | head -n 40)
}

# Test that a fault-free first handshake completes here (the loop relies
# on it).
hs_try 0
nt_check "the first handshake completes without faults" test "$done" = 1

# With a stack per fault: is the failed allocation on the tunnel's path?
echo 2 >"$dbg/failslab/verbose"
echo 2 >"$dbg/fail_page_alloc/verbose"

# hs_loop: n = 1, 2, ... (as the profile says, up to 60) until no kworker
# meets the fault.
hs_loop() {
	local n=0 tried=0 counted=0 absorbed=0 handoff=0 elsewhere=0 problems=0 t0=$SECONDS
	while [ "$n" -lt 60 ]; do
		n=$(next_n "$n" 60 1)
		hs_try "$n"
		tried=$((tried + 1))
		if [ "$fired" = 0 ]; then
			if [ "$done" != 1 ]; then
				echo "n=$n: no fault fired, yet no handshake in time"
				problems=$((problems + 1))
			fi
			break
		fi
		if [ "$ndrops" -gt 0 ]; then
			counted=$((counted + 1))
		elif [ "$done" = 1 ] && [ "${natt:-0}" -le 1 ]; then
			absorbed=$((absorbed + 1))
		elif grep -qE '^ *(iptunnel_xmit|ip6tunnel_xmit|udp_tunnel6?_xmit_skb)\+' <<<"$stack"; then
			# Handed to the IP stack, which drops and counts it
			# there (udp_tunnel_xmit_skb() returns nothing).
			handoff=$((handoff + 1))
		elif ! grep -q '\[noisetun\]' <<<"$stack"; then
			elsewhere=$((elsewhere + 1))
			echo "first handshake n=$n: the fault hit work outside the tunnel:" \
				"$(grep -oE '[a-z_0-9.]+\+0x[0-9a-f]+' <<<"$stack" | head -n 8 | paste -sd' ')" >>"$summary"
		else
			echo "n=$n: the fault cost the handshake (done=$done, initiations ${natt:-?}) but no drop was counted:"
			printf '%s\n' "$stack" | head -n 30
			problems=$((problems + 1))
		fi
		[ "$problems" -ge 3 ] && break
	done
	echo "first handshake: n=1..$n ($tried runs, $((SECONDS - t0)) s, $(profile_says 60 1)): counted drop $counted, absorbed $absorbed, dropped by the IP stack $handoff, outside the tunnel $elsewhere, then whole at n=$n" >>"$summary"
	[ "$problems" -eq 0 ] && [ "$fired" = 0 ]
}

# Test that every allocation failure on the first handshake's path (each
# kworker's n-th allocation) is a counted drop or is absorbed.
nt_check "first handshake: each failed allocation is counted or absorbed" hs_loop || true
echo 1 >"$dbg/failslab/verbose"
echo 1 >"$dbg/fail_page_alloc/verbose"

# Test that the handshake completes and traffic flows afterwards.
fresh_peers
nt_check "after the faults, a handshake and a ping" \
	nt_wait_until 20 N1 ping -c 1 -W 1 10.99.0.2

print_summary
