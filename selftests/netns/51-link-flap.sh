#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 1500
# nt-category: faults
#
# The link going down and up under traffic, over and over (Documentation/testing.md
# section 4, F5). The device in ns1 has two peers, each with a persistent
# keepalive of 1 s: another noisetun device (ns2) and an in-tree wireguard
# one (ns3). Both ping ns1 through the tunnel every 10 ms, and ns2 runs a
# TCP stream to it, while ns1's device is set down and up again and again,
# back to back. Every 10th toggle (every 50th with SLOW=1), and the last,
# first waits for both sessions to be up. Checks:
#   - nothing crashes or warns (the rig's kernel-health);
#   - a down clears the sessions: after each checked down, the keypairs
#     the device logged as created are all logged as destroyed within 3 s
#     (and at least one per peer and checked down is destroyed);
#   - after the last up, both peers have a new session within 5.4 s
#     (REKEY_TIMEOUT plus jitter) without any traffic from ns1: the
#     persistent keepalive starts the handshakes;
#   - the tunnel carries traffic at the end, both ways, to both peers;
#   - once deleted, every keypair and peer of the device is freed.
# 1000 toggles take many minutes under TCG, so make check runs 30 and
# make check SLOW=1 the full 1000.
#
#   +------- ntfl2-$$ -------+     +---------- ntfl1-$$ -----------+     +------- ntfl3-$$ -------+
#   | nt0 (noisetun)         |     | nf<tag> (noisetun) 10.51.0.1  |     | wg0 (wireguard)        |
#   | 10.51.0.2 :5102        |=====|   :5101, peers 2 and 3,       |=====| 10.51.0.3 :5103        |
#   | ping, iperf3 -c        |     |   keepalive 1; iperf3 -s;     |     | ping                   |
#   |                        |     |   set down and up N times     |     |                        |
#   | veth2 192.168.51.2 ----+-----+-- veth12 192.168.51.1         |     |                        |
#   +------------------------+     |   veth13 192.168.52.1 --------+-----+-- veth3 192.168.52.3   |
#                                  +-------------------------------+     +------------------------+

set -e
source "$(dirname "$0")/../lib.sh"

ns1="ntfl1-$$"
ns2="ntfl2-$$"
ns3="ntfl3-$$"
nt_tmpdir

# Every $sample-th down, and the last, is checked (see below).
toggles=30 sample=10
if [ "${NT_SLOW:-0}" = 1 ]; then
	toggles=1000 sample=50
fi

nt_require tunctl wg ping iperf3
nt_load_module
modprobe wireguard 2>/dev/null || nt_skip "the in-tree wireguard module does not load"

# The device under test has a name of its own, so that its lines in the
# kernel log are only ours.
dev="nf$(($$ % 100000))"

# The kernel log from here on (before the device exists): lines of ours
# only.
kmsg_start=$(stat -c %s "$NT_KMSG" 2>/dev/null || echo 0)
nt_netns_new "$ns1" "$ns2" "$ns3"
nt_veth_link "$ns1" "$ns2" 192.168.51 veth12 veth2
nt_veth_link "$ns1" "$ns3" 192.168.52 veth13 veth3 3
nt_keys "$tmp" 1 2 3

ip -n "$ns1" link add "$dev" type noisetun
ip netns exec "$ns1" tunctl set "$dev" private-key "$tmp/k1" listen-port 5101 \
	peer "$(cat "$tmp/p2")" allowed-ips 10.51.0.2/32 endpoint 192.168.51.2:5102 \
		persistent-keepalive 1 \
	peer "$(cat "$tmp/p3")" allowed-ips 10.51.0.3/32 endpoint 192.168.52.3:5103 \
		persistent-keepalive 1
ip -n "$ns2" link add nt0 type noisetun
ip netns exec "$ns2" tunctl set nt0 private-key "$tmp/k2" listen-port 5102 \
	peer "$(cat "$tmp/p1")" allowed-ips 10.51.0.1/32 endpoint 192.168.51.1:5101
ip -n "$ns3" link add wg0 type wireguard
ip netns exec "$ns3" wg set wg0 private-key "$tmp/k3" listen-port 5103 \
	peer "$(cat "$tmp/p1")" allowed-ips 10.51.0.1/32 endpoint 192.168.52.1:5101
ip -n "$ns1" addr add 10.51.0.1/24 dev "$dev"
ip -n "$ns2" addr add 10.51.0.2/24 dev nt0
ip -n "$ns3" addr add 10.51.0.3/24 dev wg0
ip -n "$ns2" link set nt0 up
ip -n "$ns3" link set wg0 up

klog() {
	tail -c +$((kmsg_start + 1)) "$NT_KMSG" | sed 's/^[^;]*;//'
}
# kcount REGEX: how many of our device's log lines match "DEV: REGEX".
kcount() {
	klog | grep -c -E "noisetun: $dev: $1\$" || true
}
# keys_gone: every keypair of the device created so far is destroyed.
keys_gone() {
	[ "$(kcount 'Keypair [0-9]+ created')" = "$(kcount 'Keypair [0-9]+ destroyed')" ]
}

ip -n "$ns1" link set "$dev" up

# both_sessions: ns1 reaches both peers through the tunnel.
both_sessions() {
	ip netns exec "$ns1" sh -c 'ping -c1 -W2 -q 10.51.0.2 && ping -c1 -W2 -q 10.51.0.3' >/dev/null 2>&1
}

# Test that the tunnel works to both peers before the traffic starts.
nt_check "sessions up with both peers" nt_wait_until 15 both_sessions

nt_bg ip netns exec "$ns1" iperf3 -s -B 10.51.0.1 -i 0
nt_bg ip netns exec "$ns2" ping -i 0.01 -q 10.51.0.1
nt_bg ip netns exec "$ns3" ping -i 0.01 -q 10.51.0.1
sleep 1
nt_bg ip netns exec "$ns2" iperf3 -c 10.51.0.1 -t 3600 -b 10M -i 0

# The toggles: down and up back to back, so that most downs land in the
# middle of a handshake or of the traffic. Every $sample-th toggle, and
# the last, first waits for both sessions to be up (a ping each way
# proves it), and after its down every keypair must be gone within 3 s
# (what is in flight finishes first).
t0=$(date +%s%N)
no_session=0 kept=0 checked=0
destroyed0=$(kcount 'Keypair [0-9]+ destroyed')
for ((i = 1; i <= toggles; i++)); do
	sampled=0
	if [ $((i % sample)) = 0 ] || [ "$i" = "$toggles" ]; then
		sampled=1
		checked=$((checked + 1))
		t1=$(date +%s%3N)
		if ! nt_wait_until 15 both_sessions; then
			no_session=$((no_session + 1))
			nt_diag "toggle $i: no session with both peers after 15 s"
		elif [ "$checked" = 1 ]; then
			nt_diag "toggle $i: both sessions up after $(($(date +%s%3N) - t1)) ms"
		fi
	fi
	ip -n "$ns1" link set "$dev" down
	if [ "$sampled" = 1 ] && ! nt_wait_until 3 keys_gone; then
		kept=$((kept + 1))
		nt_diag "toggle $i: keypairs left after the down:" \
			"$(kcount 'Keypair [0-9]+ created') created, $(kcount 'Keypair [0-9]+ destroyed') destroyed"
	fi
	if [ "$i" = "$toggles" ]; then
		break	# the last up is timed below
	fi
	ip -n "$ns1" link set "$dev" up
done
secs=$((($(date +%s%N) - t0) / 1000000))
destroyed=$(($(kcount 'Keypair [0-9]+ destroyed') - destroyed0))
nt_diag "$toggles toggles in $secs ms ($((secs / toggles)) ms each), $destroyed keypairs destroyed"

# Test that before every sampled down both sessions came up (those
# toggles really ran with live sessions).
nt_check "both sessions up before each of $checked sampled downs" test "$no_session" = 0 || true
# Test that the sampled downs cleared every session.
nt_check "every keypair destroyed after each of $checked sampled downs" test "$kept" = 0 || true
# Test that at least one keypair per peer and sampled down was destroyed.
nt_check "at least $((2 * checked)) keypairs destroyed ($destroyed)" \
	test "$destroyed" -ge $((2 * checked)) || true

# handshakes_since N: both peers of the device completed a handshake in
# the log lines after line N of klog (the initiator logs "Handshake with
# peer P complete", the responder "Answered the handshake initiation of
# peer P").
peer_ids=$(klog | sed -n -E "s/.*noisetun: $dev: Peer ([0-9]+) created\$/\1/p" | sort -u)
handshakes_since() {
	local seen p
	[ "$(echo $peer_ids | wc -w)" = 2 ] || return 1
	seen=$(klog | tail -n +$(($1 + 1)) |
		sed -n -E "s/.*noisetun: $dev: (Handshake with peer ([0-9]+) complete|Answered the handshake initiation of peer ([0-9]+))\$/\2\3/p" |
		sort -u)
	for p in $peer_ids; do
		printf '%s\n' "$seen" | grep -qx "$p" || return 1
	done
}

# Test that after the last up both peers have a session within 5.4 s, with
# nothing sent from ns1 but the persistent keepalives.
nt_diag "peers of $dev: $(echo $peer_ids)"
line0=$(klog | wc -l)
t0=$(date +%s%N)
ip -n "$ns1" link set "$dev" up
ok=0
nt_wait_until 5.4 handshakes_since "$line0" && ok=1
ms=$((($(date +%s%N) - t0) / 1000000))
nt_diag "handshakes with both peers $([ "$ok" = 1 ] && echo "after $ms ms" || echo "missing after $ms ms")"
nt_check "handshakes with both peers within 5.4 s of the last up" test "$ok" = 1 || true

# Test that the tunnel carries traffic at the end, both ways, to both
# peers.
nt_check "traffic to both peers at the end" nt_wait_until 10 both_sessions || true
nt_check "traffic from both peers at the end" eval \
	'ip netns exec "$ns2" ping -c3 -i 0.2 -W2 -q 10.51.0.1 >/dev/null && ip netns exec "$ns3" ping -c3 -i 0.2 -W2 -q 10.51.0.1 >/dev/null' || true

nt_cleanup
# Test that once the devices are gone, every keypair and peer the device
# logged as created is destroyed.
objects_paired() {
	keys_gone && [ "$(kcount 'Peer [0-9]+ created')" = "$(kcount 'Peer [0-9]+ destroyed')" ]
}
nt_check "every keypair and peer of $dev freed" nt_wait_until 10 objects_paired
[ "$NT_FAILED" -eq 0 ]
