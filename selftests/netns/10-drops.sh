#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-category: bad UDP input
#
# What the device does with packets before any session exists, and how it
# counts each drop by reason. Transmit: no peer for the destination
# (no_peer, with an ICMP unreachable back), a peer without endpoint
# (no_endpoint), and a peer with one: packets wait for a session, at most
# 128, the oldest dropped beyond (staged_overflow), all dropped when the
# device goes down. Receive: messages whose type, reserved bytes or size
# are wrong (bad_type, bad_size, Documentation/testing.md B1/B3); well-formed
# data messages for no known session (bad_keypair, B12).
#
#   +-------------------- ntdrop-$$ --------------------+
#   |  nt0 10.0.0.1/24, port 44000                      |
#   |   peer P: allowed 10.0.0.2/32, endpoint later     |
#   |  bash /dev/udp -> 127.0.0.1:44000 (raw messages)  |
#   +---------------------------------------------------+

set -e
source "$(dirname "$0")/../lib.sh"

ns="ntdrop-$$"
nt_testprog probe_bin nlprobe
nt_tmpdir

nt_require wg ping seq
nt_load_module
nt_netns_new "$ns"

P() { ip netns exec "$ns" "$probe_bin" "$@"; }

# device_drops REASON / peer_drops REASON
device_drops() {
	P --stats get nt0 | awk -v r="$1" '$0 ~ /^drops / {
		for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == r) print kv[2] } }'
}
peer_drops() {
	P --stats get nt0 | awk -v r="$1" '$0 ~ /^  drops / {
		for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == r) print kv[2] } }'
}

ip -n "$ns" link add nt0 type noisetun
P set ifname strz nt0 private_key key "$(wg genkey)" listen_port u16 44000 >/dev/null
ip -n "$ns" addr add 10.0.0.1/24 dev nt0
ip -n "$ns" link set nt0 up

# Test that a packet for which no peer has an allowed IP is dropped as
# no_peer, and the sender is told the host is unreachable.
out=$(ip netns exec "$ns" ping -c 1 -W 2 10.0.0.2 2>&1 || true)
nt_diag "$(echo "$out" | grep -i unreachable | head -n 1)"
nt_check "ping gets Destination Host Unreachable" grep -qi 'unreachable' <<<"$out"
nt_check "no_peer counted once" nt_is 1 device_drops no_peer

# Test that a packet for a peer without endpoint is dropped as
# no_endpoint, on the peer and on the device.
peer=$(wg genkey | wg pubkey)
P set ifname strz nt0 nest peers nest 0 public_key key "$peer" \
	nest allowedips nest 0 family u16 2 ipaddr ip 10.0.0.2 cidr_mask u8 32 end end end end >/dev/null
ip netns exec "$ns" ping -c 1 -W 2 10.0.0.2 >/dev/null 2>&1 || true
nt_check "no_endpoint counted on the peer" nt_is 1 peer_drops no_endpoint
nt_check "and on the device" nt_is 1 device_drops no_endpoint

# Test that with an endpoint, packets wait for a session: 128 of them;
# beyond, the oldest go (staged_overflow).
P set ifname strz nt0 nest peers nest 0 public_key key "$peer" endpoint sa 192.0.2.9:51820 end end >/dev/null
# (UDP datagrams, not ping: ping slows down when nothing answers.)
ip netns exec "$ns" bash -c 'for i in $(seq 130); do echo x >/dev/udp/10.0.0.2/9; done'
nt_check "staged_overflow is 2 after 130 datagrams" nt_is 2 peer_drops staged_overflow
nt_check "tx_dropped is 2" nt_is 2 ip netns exec "$ns" cat /sys/class/net/nt0/statistics/tx_dropped

# Test that taking the device down drops the 128 waiting packets.
ip -n "$ns" link set nt0 down
nt_check "tx_dropped is 130 after down" nt_is 130 ip netns exec "$ns" cat /sys/class/net/nt0/statistics/tx_dropped
ip -n "$ns" link set nt0 up

# send FILE: one UDP datagram with FILE's bytes to nt0's port.
send() {
	ip netns exec "$ns" bash -c "cat '$1' > /dev/udp/127.0.0.1/44000"
}

# msg NAME TYPE RESERVED SIZE: a message file: type byte, three reserved
# bytes (RESERVED repeated), zeros up to SIZE bytes in total.
msg() {
	local f=$tmp/$1
	printf "\\x$(printf %02x "$2")\\x$3\\x$3\\x$3" >"$f"
	[ "$4" -gt 4 ] && head -c $(($4 - 4)) /dev/zero >>"$f"
	head -c "$4" "$f" >"$f.cut" && mv "$f.cut" "$f"
}

printf 'abc' >"$tmp/short"
msg type5 5 00 4
msg reserved 1 01 148
msg init147 1 00 147
msg resp93 2 00 93
msg cookie63 3 00 63
msg data31 4 00 31
msg init148 1 00 148
msg keepalive 4 00 32
msg data100 4 00 100

base_type=$(device_drops bad_type)
base_size=$(device_drops bad_size)

# Test B1: a payload shorter than the header, an unknown type, a reserved
# byte set: bad_type.
for f in short type5 reserved; do send "$tmp/$f"; done
nt_check "three bad_type drops" nt_wait_until 5 eval "[ \$(device_drops bad_type) = $((base_type + 3)) ]"

# Test B3: each type one byte off its size, and a data message shorter
# than a keepalive: bad_size.
for f in init147 resp93 cookie63 data31; do send "$tmp/$f"; done
nt_check "four bad_size drops" nt_wait_until 5 eval "[ \$(device_drops bad_size) = $((base_size + 4)) ]"

# Test that well-formed messages (an initiation of 148 bytes, a keepalive
# of 32, a data message) pass the framing checks; the two data messages
# then name no session (index 0, Documentation/testing.md B12) and count as
# bad_keypair. A bad one last: once it is counted, the ones before it were
# handled.
base_keypair=$(device_drops bad_keypair)
for f in init148 keepalive data100 short; do send "$tmp/$f"; done
nt_check "only the last one counted (bad_type)" \
	nt_wait_until 5 eval "[ \$(device_drops bad_type) = $((base_type + 4)) ]"
nt_check "no further bad_size" nt_is $((base_size + 4)) device_drops bad_size
nt_check "no bad_header" nt_is 0 device_drops bad_header
nt_check "data for an unknown index: two bad_keypair" \
	nt_is $((base_keypair + 2)) device_drops bad_keypair
