#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 400
# nt-category: concurrency
#
# Tearing down under traffic (Documentation/testing.md section 4, F1-F4): peers
# removed, devices deleted, namespaces deleted and the module unloaded while a
# flood ping and a TCP stream run through the tunnel. Nothing may crash, warn,
# hang or leak (the rig's kernel-health check and 90-objects judge that); every
# removed peer and deleted device logs its destruction promptly, and the
# tunnel works again after each rebuild. Before each teardown the device's
# packet counters are read twice and must have grown: the traffic was
# moving right then, so every teardown really happened under traffic.
#
# The container pattern: both devices are created in ns0 (their sockets
# stay on its lo) and then moved out.
#
#   +--- ntt1-$$ ---+          +---------- ntt0-$$ ----------+          +--- ntt2-$$ ---+
#   | A 10.80.0.1   |==========| lo 127.0.0.1 :1001 and :1002|==========| B 10.80.0.2   |
#   | iperf3 -s     |          +-----------------------------+          | iperf3 -c     |
#   | ping -f       |                                                   | ping -f       |
#   +---------------+                                                   +---------------+

set -e
source "$(dirname "$0")/../lib.sh"

ns0="ntt0-$$"
ns1="ntt1-$$"
ns2="ntt2-$$"
nt_tmpdir

nt_kind noisetun ping iperf3

tag=$(( $$ % 100000 ))
A="ta$tag"
B="tb$tag"
nt_keys "$tmp" 1 2

# logged DEV WHAT: how many "DEV: WHAT" lines the module logged.
logged() {
	nt_kmsg | grep -c -E "noisetun: $1: $2\$" || true
}
logged_at_least() {
	[ "$(logged "$1" "$2")" -ge "$3" ]
}

# device NAME N NS: create NAME in ns0 (sockets there, port 100N), move
# it to NS and configure it as side N of the pair.
device() {
	local o=$((3 - $2))
	ip -n "$ns0" link add "$1" type noisetun
	ip -n "$ns0" link set "$1" netns "$3"
	ip netns exec "$3" tunctl set "$1" private-key "$tmp/k$2" listen-port "100$2" \
		peer "$(cat "$tmp/p$o")" allowed-ips "10.80.0.$o/32,fd80::$o/128" \
		endpoint "127.0.0.1:100$o"
	ip -n "$3" addr add "10.80.0.$2/24" dev "$1"
	ip -n "$3" addr add "fd80::$2/64" dev "$1" nodad
	ip -n "$3" link set "$1" up
}

setup() {
	nt_netns_new "$ns0" "$ns1" "$ns2"
	ip -n "$ns0" link set lo up
	device "$A" 1 "$ns1"
	device "$B" 2 "$ns2"
}

# traffic: a flood ping each way and a TCP stream from ns2 to ns1, all in
# the background until nt_cleanup or the namespaces go.
traffic() {
	nt_bg ip netns exec "$ns1" iperf3 -s -1 -B 10.80.0.1
	nt_bg ip netns exec "$ns1" ping -f -q 10.80.0.2
	nt_bg ip netns exec "$ns2" ping -f -q -6 fd80::1
	sleep 1
	nt_bg ip netns exec "$ns2" iperf3 -c 10.80.0.1 -t 600
}

works() {
	ip netns exec "$ns2" ping -c1 -W1 10.80.0.1 >/dev/null &&
		ip netns exec "$ns1" ping -c1 -W1 -6 fd80::2 >/dev/null
}

# stats NS DEV: "RX TX RXBYTES": DEV's packets received (decrypted and
# delivered) and sent (encrypted), and its bytes received.
stats() {
	local d=/sys/class/net/$2/statistics out
	out=$(ip netns exec "$1" cat "$d/rx_packets" "$d/tx_packets" "$d/rx_bytes") || return 1
	tr '\n' ' ' <<<"$out"
}

# moving NS DEV RX TX [RXBYTES]: within 5 s, DEV's counters grow by at
# least RX packets received, TX sent (and RXBYTES bytes received).
moving() {
	local a b i s
	s=$(stats "$1" "$2") || return 1
	read -r -a a <<<"$s"
	for i in $(seq 1 50); do
		sleep 0.1
		s=$(stats "$1" "$2") || return 1
		read -r -a b <<<"$s"
		[ "${b[0]}" -ge $((a[0] + $3)) ] && [ "${b[1]}" -ge $((a[1] + $4)) ] &&
			[ "${b[2]}" -ge $((a[2] + ${5:-0})) ] && return 0
	done
	echo "$2: rx ${a[0]} -> ${b[0]}, tx ${a[1]} -> ${b[1]}, rx bytes ${a[2]} -> ${b[2]} in 5 s"
	return 1
}

# flowing NS DEV: traffic both ways through DEV right now (20 packets
# each way within 5 s); counts the misses in $still.
still=0
flowing() {
	moving "$1" "$2" 20 20 && return 0
	still=$((still + 1))
	return 1
}

setup
# Test that the tunnel works before the traffic starts.
nt_check "tunnel up" nt_wait_until 15 works
traffic

# Test that the traffic runs: the pings both ways, and the TCP stream
# (1 MB in 5 s is far below what it carries).
nt_check "traffic flows: packets both ways, and the TCP stream" moving "$ns1" "$A" 20 20 1000000

# Test that removing the peer under traffic, 15 times, frees it each time
# within 3 s (F1), and that the tunnel works once it is back.
destroyed=$(logged "$A" "Peer [0-9]+ destroyed")
failed=0
still=0
for i in $(seq 1 15); do
	flowing "$ns1" "$A" || nt_diag "removal $i: no traffic right before it"
	ip netns exec "$ns1" tunctl set "$A" peer "$(cat "$tmp/p2")" remove
	if ! nt_wait_until 3 logged_at_least "$A" "Peer [0-9]+ destroyed" \
		$((destroyed + i)); then
		failed=$((failed + 1))
	fi
	ip netns exec "$ns1" tunctl set "$A" peer "$(cat "$tmp/p2")" \
		allowed-ips 10.80.0.2/32,fd80::2/128 endpoint 127.0.0.1:1002
	sleep 0.3
done
nt_check "15 peer removals under traffic, each freed within 3 s" test "$failed" = 0
nt_check "traffic flowed right before each of the 15 removals ($still without)" test "$still" = 0
nt_check "tunnel works after the removals" nt_wait_until 15 works

# Test that deleting a device under traffic, 5 times, frees it each time
# (F2), and that a new one works.
gone=$(logged "$B" "Interface destroyed")
failed=0
still=0
for i in $(seq 1 5); do
	flowing "$ns2" "$B" || nt_diag "deletion $i: no traffic right before it"
	ip -n "$ns2" link del "$B"
	nt_wait_until 5 logged_at_least "$B" "Interface destroyed" $((gone + i)) ||
		failed=$((failed + 1))
	device "$B" 2 "$ns2"
	sleep 0.5
done
nt_check "5 device deletions under traffic, each freed" test "$failed" = 0
nt_check "traffic flowed right before each of the 5 deletions ($still without)" test "$still" = 0
nt_check "tunnel works after the deletions" nt_wait_until 15 works

# kill_ns NS: stop what runs in NS, as a container stops, and delete it;
# the namespace dies once nothing holds it.
kill_ns() {
	ip netns pids "$1" | xargs -r kill -9 2>/dev/null || true
	ip netns del "$1"
}

# Test that deleting the namespace a device lives in, under traffic,
# frees the device (F4).
gone=$(logged "$A" "Interface destroyed")
nt_check "traffic flows through A right before its namespace goes" flowing "$ns1" "$A"
kill_ns "$ns1"
nt_check "device freed with the namespace it lived in" \
	nt_wait_until 20 logged_at_least "$A" "Interface destroyed" $((gone + 1))

# Test that deleting the namespace the sockets live in (the creating one),
# under traffic in the device's own namespace, frees the device too.
gone=$(logged "$B" "Interface destroyed")
# (A is gone, so nothing comes back: B only sends.)
nt_check "B still sends right before its creating namespace goes" moving "$ns2" "$B" 0 20
kill_ns "$ns0"
nt_check "device freed with its creating namespace" \
	nt_wait_until 20 logged_at_least "$B" "Interface destroyed" $((gone + 1))
nt_teardown

# Test that the module unloads with live devices under traffic (F3), and
# loads again.
setup
nt_check "tunnel up again" nt_wait_until 15 works
traffic
nt_check "traffic flows right before rmmod" flowing "$ns1" "$A"
nt_check "rmmod noisetun under traffic" rmmod noisetun
nt_check "module gone" test ! -d /sys/module/noisetun
nt_check "module loads again" modprobe noisetun
