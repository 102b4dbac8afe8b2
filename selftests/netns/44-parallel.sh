#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 300
# nt-category: concurrency
#
# What the transport's design promises and only a running device shows
# (module/queueing.h): crypto runs on every CPU, yet each peer's packets
# leave and arrive in the order they were sent; and TCP through the tunnel
# is batched, GSO on the sending side, GRO on the receiving side.
#
# - a stream of 20000 sequence-numbered UDP datagrams, sent in bursts of
#   64 from ns1 through both devices to ns2 (nt0 of ns1 encrypts, nt0 of
#   ns2 decrypts, both in parallel), arrives in order, over inner IPv4
#   and IPv6; a control through netem's reordering shows the checker sees
#   disorder when there is some;
# - during those streams the encrypt and decrypt workers ran on each of
#   the VM's CPUs (the workqueue_execute_start tracepoint, in a private
#   trace instance: no change to the module needed);
# - a TCP flow ns1 -> ns2: ns1's IP layer sends fewer, larger packets
#   than nt0 encrypts (GSO: nt0 takes super-packets and segments them),
#   and ns2's IP layer receives fewer, larger packets than nt0 decrypts
#   (GRO merges them); with gso_max_segs 1 and gro_max_size 0 the batching
#   stops, so these two checks can fail.
#
# The container pattern: both devices are created in ns0 and moved out,
# so both UDP sockets stay in ns0, on lo. ns1 and ns2 are also joined by a
# veth, for the reordering control only.
#
#   +---- ntpa1-$$ ------+     +-------- ntpa0-$$ --------+     +---- ntpa2-$$ ------+
#   | nt0 10.44.0.1/24   |=====| lo: ns1's socket :4401   |=====| nt0 10.44.0.2/24   |
#   |     fd44::1/64     |     |     ns2's socket :4402   |     |     fd44::2/64     |
#   | veth1 10.45.0.1 ---+-----+--- (netem, control) -----+-----+--- veth2 10.45.0.2 |
#   +--------------------+     +--------------------------+     +--------------------+

set -e
source "$(dirname "$0")/../lib.sh"

ns0="ntpa0-$$"
ns1="ntpa1-$$"
ns2="ntpa2-$$"
nt_testprog seqcheck seqcheck
nt_tmpdir
trace=

cleanup() {
	if [ -n "$trace" ] && [ -d "$trace" ]; then
		echo 0 >"$trace/events/workqueue/workqueue_execute_start/enable" 2>/dev/null
		rmdir "$trace" 2>/dev/null
	fi
	nt_cleanup
}
trap cleanup EXIT

nt_kind noisetun iperf3 ss tc
ncpu=$(nproc)

n0() { ip netns exec "$ns0" "$@"; }
n1() { ip netns exec "$ns1" "$@"; }
n2() { ip netns exec "$ns2" "$@"; }

nt_netns_new "$ns0" "$ns1" "$ns2"
nt_keys "$tmp" 1 2
for i in 1 2; do
	ns=$ns1
	[ "$i" = 2 ] && ns=$ns2
	o=$((3 - i))
	n0 ip link add nt0 type noisetun
	n0 ip link set nt0 netns "$ns"
	ip netns exec "$ns" tunctl set nt0 private-key "$tmp/k$i" listen-port "440$i" \
		peer "$(cat "$tmp/p$o")" allowed-ips "10.44.0.$o/32,fd44::$o/128" \
		endpoint "127.0.0.1:440$o"
	ip -n "$ns" addr add "10.44.0.$i/24" dev nt0
	ip -n "$ns" addr add "fd44::$i/64" dev nt0 nodad
	ip -n "$ns" link set nt0 up
done
nt_veth_link "$ns1" "$ns2" 10.45.0

# Test that the session comes up.
nt_check "session up" nt_wait_until 15 n1 ping -c 1 -W 1 10.44.0.2

# --- in order, under parallel crypto ----------------------------------------

# trace_instance: a private tracefs instance recording the workqueue
# executions (its path in $trace), or nothing when tracefs is missing.
trace_instance() {
	local t
	for t in /sys/kernel/tracing /sys/kernel/debug/tracing; do
		[ -d "$t/instances" ] && break
		mount -t tracefs nodev "$t" 2>/dev/null && [ -d "$t/instances" ] && break
		t=
	done
	[ -n "$t" ] || return 1
	trace="$t/instances/nt44-$$"
	mkdir "$trace" || { trace=; return 1; }
	echo 4096 >"$trace/buffer_size_kb"
	echo 1 >"$trace/events/workqueue/workqueue_execute_start/enable"
}

# worker_cpus FUNCTION: the CPUs the trace saw run FUNCTION, "cpu:count"
# each, in CPU order.
worker_cpus() {
	awk -v f="function $1" 'index($0, f) && match($0, /\[[0-9]+\]/) {
		n[substr($0, RSTART + 1, RLENGTH - 2) + 0]++ }
		END { for (c = 0; c < 64; c++) if (c in n) printf "%d:%d ", c, n[c] }' "$tmp/trace"
}

# on_every_cpu FUNCTION: the trace saw FUNCTION run on each of the
# $ncpu CPUs at least 10 times.
on_every_cpu() {
	local seen
	seen=$(worker_cpus "$1")
	echo "$1 ran on (cpu:times) $seen"
	[ "$(awk '{ for (i = 1; i <= NF; i++) { split($i, kv, ":"); if (kv[2] >= 10) n++ } }
		END { print n + 0 }' <<<"$seen")" -ge "$ncpu" ]
}

# stream NS_FROM NS_TO ADDR PORT COUNT: COUNT numbered datagrams of 100
# bytes, 64 per sendmmsg, from NS_FROM to ADDR:PORT in NS_TO; prints the
# receiver's line and succeeds when they came in order, without
# duplicates, and at least half of them (queue-full drops under a flood
# are allowed; disorder is not).
stream() {
	local from=$1 to=$2 addr=$3 port=$4 count=$5 pid rc=0 got
	ip netns exec "$to" "$seqcheck" recv "$addr" "$port" "$count" 2000 >"$tmp/recv" 2>&1 &
	pid=$!
	if ! nt_wait_until 10 grep -q ready "$tmp/recv"; then
		kill "$pid" 2>/dev/null
		echo "the receiver did not start: $(cat "$tmp/recv")"
		return 1
	fi
	ip netns exec "$from" "$seqcheck" send "$addr" "$port" "$count" 100 64 || rc=1
	wait "$pid" || rc=1
	cat "$tmp/recv"
	got=$(sed -n 's/.*received=\([0-9]*\).*/\1/p' "$tmp/recv")
	[ "${got:-0}" -ge $((count / 2)) ] || { echo "fewer than half arrived"; rc=1; }
	return "$rc"
}

# Test (control) that the checker sees disorder: through netem, which
# sends a quarter of the datagrams at once and delays the rest, a stream
# is reported out of order.
reordered() {	# reordered ARGS: stream ARGS came out of order
	stream "$@" || true
	grep -q 'reordered=[1-9]' "$tmp/recv"
}
n1 tc qdisc add dev veth1 root netem limit 100000 delay 5ms reorder 25% 50%
nt_check "control: a stream reordered by netem is seen out of order" \
	reordered "$ns1" "$ns2" 10.45.0.2 4500 2000 || true
n1 tc qdisc del dev veth1 root
nt_diag "control: $(cat "$tmp/recv")"

have_trace=0
if trace_instance; then
	have_trace=1
	echo >"$trace/trace"
else
	nt_diag "no tracefs: the per-CPU crypto checks are skipped"
fi

# Test that a flood of numbered datagrams through both devices arrives in
# order, over inner IPv4 and IPv6.
nt_check "20000 datagrams ns1 -> ns2 over inner IPv4 arrive in order" \
	stream "$ns1" "$ns2" 10.44.0.2 4400 20000 || true
nt_diag "inner IPv4: $(cat "$tmp/recv")"
nt_check "20000 datagrams ns1 -> ns2 over inner IPv6 arrive in order" \
	stream "$ns1" "$ns2" fd44::2 4400 20000 || true
nt_diag "inner IPv6: $(cat "$tmp/recv")"
nt_diag "ns1 nt0 drops: $(n1 tunctl show nt0 --json | tr -d ' \n' |
	grep -o '"drops":{[^}]*}' | awk 'NR == 1' | grep -o '"[a-z_]*":[1-9][0-9]*' | tr '\n' ' ')"
nt_diag "ns2 nt0 drops: $(n2 tunctl show nt0 --json | tr -d ' \n' |
	grep -o '"drops":{[^}]*}' | awk 'NR == 1' | grep -o '"[a-z_]*":[1-9][0-9]*' | tr '\n' ' ')"

# Test that the crypto of those streams ran on every CPU: the encrypt
# worker (ns1's nt0) and the decrypt worker (ns2's nt0) each on all
# $ncpu CPUs.
if [ "$have_trace" = 1 ]; then
	echo 0 >"$trace/events/workqueue/workqueue_execute_start/enable"
	cat "$trace/trace" >"$tmp/trace"
	nt_diag "trace: $(grep -c workqueue_execute_start "$tmp/trace" || true) work items recorded"
	if [ "$ncpu" -lt 2 ]; then
		nt_skip_check "encryption ran on every CPU" "the VM has one CPU"
		nt_skip_check "decryption ran on every CPU" "the VM has one CPU"
	else
		nt_check "encryption ran on every CPU ($ncpu)" on_every_cpu nt_send_encrypt_worker || true
		nt_check "decryption ran on every CPU ($ncpu)" on_every_cpu nt_receive_decrypt_worker || true
	fi
else
	nt_skip_check "encryption ran on every CPU" "no tracefs in the VM"
	nt_skip_check "decryption ran on every CPU" "no tracefs in the VM"
fi

# --- GSO and GRO --------------------------------------------------------------

# ip_stat NS FIELD: the Ip: FIELD counter of /proc/net/snmp in NS.
ip_stat() {
	ip netns exec "$1" awk -v f="$2" '$1 == "Ip:" && !h { for (i = 2; i <= NF; i++) c[$i] = i; h = 1; next }
		$1 == "Ip:" && h { print $c[f]; found = 1 } END { exit !found }' /proc/net/snmp
}
dev_stat() {	# dev_stat NS NAME: nt0's statistics/NAME in NS
	ip netns exec "$1" cat "/sys/class/net/nt0/statistics/$2"
}

listening() {	# listening NS PORT: a TCP listener on PORT in NS
	local out
	out=$(ip netns exec "$1" ss -Htln "sport = :$2") || return 1
	[ -n "$out" ]
}

# tcp_flow: 2 s of iperf3 TCP from ns1 to ns2; writes "GSO GRO" to
# $tmp/ratios: ns1's nt0 tx packets per IP packet sent and ns2's nt0 rx
# packets per IP packet received, both times 100, from the counters
# around the flow.
tcp_flow() {
	local pid out1 tx1 in2 rx2 out1b tx1b in2b rx2b
	n2 iperf3 -s -1 -B 10.44.0.2 -p 5244 >/dev/null 2>&1 &
	pid=$!
	nt_wait_until 10 listening "$ns2" 5244 || { kill "$pid"; return 1; }
	out1=$(ip_stat "$ns1" OutRequests) && tx1=$(dev_stat "$ns1" tx_packets) &&
	in2=$(ip_stat "$ns2" InReceives) && rx2=$(dev_stat "$ns2" rx_packets) || return 1
	n1 timeout 60 iperf3 -c 10.44.0.2 -p 5244 -t 2 --connect-timeout 5000 >"$tmp/iperf" 2>&1 ||
		{ cat "$tmp/iperf"; kill "$pid" 2>/dev/null; return 1; }
	wait "$pid" || true
	out1b=$(ip_stat "$ns1" OutRequests) && tx1b=$(dev_stat "$ns1" tx_packets) &&
	in2b=$(ip_stat "$ns2" InReceives) && rx2b=$(dev_stat "$ns2" rx_packets) || return 1
	echo "ns1: IP OutRequests +$((out1b - out1)), nt0 tx_packets +$((tx1b - tx1));" \
	     "ns2: IP InReceives +$((in2b - in2)), nt0 rx_packets +$((rx2b - rx2))"
	echo "$(( (tx1b - tx1) * 100 / (out1b - out1 > 0 ? out1b - out1 : 1) ))" \
	     "$(( (rx2b - rx2) * 100 / (in2b - in2 > 0 ? in2b - in2 : 1) ))" >"$tmp/ratios"
	# A flow that carried little proves nothing either way.
	[ $((tx1b - tx1)) -ge 1000 ] || { echo "too few packets"; return 1; }
}

# Test that TCP through the tunnel is batched both ways: ns1's stack hands
# nt0 GSO super-packets (nt0 encrypts at least 1.5 segments per IP packet
# sent), and ns2's stack receives GRO-merged ones (at least 1.05 decrypted
# packets per IP packet received: GRO merges what one NAPI poll finds, and
# a poll may find few: 1.4 was seen with four VMs on two cores, 1.12 on
# 6.12 with both vCPUs in one host thread, while the control without GRO
# gives exactly 1.0 every time). The ratios need the ACKs, which go the
# other way, not to count: OutRequests in ns1 and InReceives in ns2 see
# only the data direction, since each side's ACKs are output in ns2 and
# input in ns1.
gso=0 gro=0
if nt_check "TCP flow ns1 -> ns2 (2 s)" tcp_flow; then
	read -r gso gro <"$tmp/ratios"
	nt_diag "batching: GSO $gso/100 segments per packet sent, GRO $gro/100 per packet received"
	nt_check "GSO: nt0 gets super-packets ($gso/100 segments per IP packet sent >= 150/100)" \
		test "$gso" -ge 150 || true
	nt_check "GRO: nt0's packets are merged ($gro/100 per IP packet received >= 105/100)" \
		test "$gro" -ge 105 || true

	# Test (control) that the ratios measure batching: with GSO limited
	# to single segments on ns1's nt0 and GRO to nothing on ns2's, both
	# fall, GRO's to below 1.2 and GSO's to 2/1 or less, below the
	# batched figure (GSO's comes out at exactly 2/1, not 1/1, with
	# batching off: what else ns1's OutRequests counts is not this
	# check's concern; the batched figure varies with the host's load,
	# 5.6/1 to 34/1 seen).
	batched_gso=$gso
	n1 ip link set nt0 gso_max_segs 1
	n2 ip link set nt0 gro_max_size 0
	if nt_check "control: TCP flow without batching" tcp_flow; then
		read -r gso gro <"$tmp/ratios"
		nt_diag "control: GSO $gso/100, GRO $gro/100"
		nt_check "control: gso_max_segs 1 cuts GSO ($gso/100 <= 200/100, < $batched_gso/100)" \
			eval '[ "$gso" -le 200 ] && [ "$gso" -lt "$batched_gso" ]' || true
		nt_check_fails "control: gro_max_size 0 stops GRO ($gro/100 < 105/100)" \
			test "$gro" -ge 105 || true
	fi
	n1 ip link set nt0 gso_max_segs 65535
	n2 ip link set nt0 gro_max_size 65536
fi

[ "$NT_FAILED" -eq 0 ]
