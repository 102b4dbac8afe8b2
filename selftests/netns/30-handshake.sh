#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Handshakes with the in-tree wireguard module, in both roles: noisetun
# initiates when a packet is staged for a peer with an endpoint and answers
# wireguard's initiations, with and without a preshared key, and the staged
# packet gets through; garbage initiations are dropped as bad_mac1.
#
#   +------- nths1-$$ -------+          +------- nths2-$$ -------+
#   |  nt0 10.99.0.1/24      |          |  wg0 10.99.0.2/24      |
#   |  (noisetun, port 4001) |          |  (wireguard, port 4002)|
#   |  veth1 192.168.241.1 --+----------+-- veth2 192.168.241.2  |
#   +------------------------+          +------------------------+

set -e
source "$(dirname "$0")/../lib.sh"

ns1="nths1-$$"
ns2="nths2-$$"
nt_tmpdir

nt_kind noisetun wg ping
modprobe wireguard 2>/dev/null || nt_skip "the in-tree wireguard module does not load"
nt_netns_new "$ns1" "$ns2"
nt_veth_link "$ns1" "$ns2" 192.168.241

k1=$(tunctl genkey)
k2=$(tunctl genkey)
p1=$(tunctl pubkey <<<"$k1")
p2=$(tunctl pubkey <<<"$k2")
psk=$(tunctl genpsk)
echo "$k1" >"$tmp/k1"
echo "$k2" >"$tmp/k2"
echo "$psk" >"$tmp/psk"

# fresh_pair [PSK_FILE] [nt|wg]: new nt0 and wg0, each the other's peer;
# the side named last knows the other's endpoint (the initiator), the
# other learns it from the handshake.
fresh_pair() {
	local psk_args=() nt_ep=() wg_ep=()
	ip -n "$ns1" link del nt0 2>/dev/null || true
	ip -n "$ns2" link del wg0 2>/dev/null || true
	[ -n "$1" ] && psk_args=(preshared-key "$1")
	if [ "$2" = nt ]; then
		nt_ep=(endpoint 192.168.241.2:4002)
	else
		wg_ep=(endpoint 192.168.241.1:4001)
	fi
	ip -n "$ns1" link add nt0 type noisetun
	ip netns exec "$ns1" tunctl set nt0 private-key "$tmp/k1" listen-port 4001 \
		peer "$p2" allowed-ips 10.99.0.2/32 "${psk_args[@]}" "${nt_ep[@]}"
	ip -n "$ns1" addr add 10.99.0.1/24 dev nt0
	ip -n "$ns1" link set nt0 up
	ip -n "$ns2" link add wg0 type wireguard
	ip netns exec "$ns2" wg set wg0 private-key "$tmp/k2" listen-port 4002 \
		peer "$p1" allowed-ips 10.99.0.1/32 "${psk_args[@]}" "${wg_ep[@]}"
	ip -n "$ns2" addr add 10.99.0.2/24 dev wg0
	ip -n "$ns2" link set wg0 up
}

# handshake_time NS TOOL DEV: the peer's latest handshake, unix seconds.
handshake_time() {
	ip netns exec "$1" "$2" show "$3" latest-handshakes | awk '{ print $2 }'
}

has_handshake() {
	[ "$(handshake_time "$@")" -gt 0 ]
}

# endpoint_is NS TOOL DEV ADDR: the peer's endpoint is ADDR.
endpoint_is() {
	[ "$(ip netns exec "$1" "$2" show "$3" endpoints | awk '{ print $2 }')" = "$4" ]
}

nt_field() {
	ip netns exec "$ns1" tunctl show nt0 "$1" | awk '{ print $2 }'
}

# json_has REGEX: `tunctl show nt0 --json` in ns1 succeeds and matches
# REGEX (captured first: in a pipe into grep, its status would be lost).
json_has() {
	local out
	out=$(ip netns exec "$ns1" tunctl show nt0 --json) || return 1
	grep -q -- "$1" <<<"$out"
}

# nt_transfer_at_least RX TX: nt0's peer has received at least RX bytes
# and sent at least TX.
nt_transfer_at_least() {
	local out
	out=$(ip netns exec "$ns1" tunctl show nt0 transfer) || return 1
	set -- "$1" "$2" $out
	[ "$#" = 5 ] && [ "$4" -ge "$1" ] && [ "$5" -ge "$2" ]
}

# Test that noisetun initiates: a packet for wg0 starts a handshake,
# wireguard accepts it (and learns nt0's endpoint from it), and noisetun
# completes it on the response.
fresh_pair "" nt
ip netns exec "$ns1" ping -c1 -W1 10.99.0.2 >/dev/null 2>&1 || true
nt_check "noisetun initiator: handshake completes on nt0" \
	nt_wait_until 10 has_handshake "$ns1" tunctl nt0
nt_check "noisetun initiator: wg0 learnt nt0's endpoint" \
	nt_wait_until 5 endpoint_is "$ns2" wg wg0 192.168.241.1:4001
nt_check "noisetun initiator: one attempt counted" \
	json_has '"handshake_attempts": [1-9]'
# An initiation (148) and the staged ping (84 bytes padded to 96, +32) sent;
# a response (92) and the ping's reply (128) received.
transfer_is() {
	[ "$(ip netns exec "$ns1" tunctl show nt0 transfer | awk '{ print $2, $3 }')" = "$1" ]
}
nt_check "noisetun initiator: handshake and staged ping counted" \
	nt_wait_until 5 transfer_is "220 276"
nt_check "noisetun initiator: ping gets through" \
	ip netns exec "$ns1" ping -c1 -W2 10.99.0.2

# Test that noisetun responds: wireguard's initiation is answered, and
# wireguard records the handshake on the response.
fresh_pair "" wg
ip netns exec "$ns2" ping -c1 -W1 10.99.0.1 >/dev/null 2>&1 || true
nt_check "noisetun responder: handshake completes on wg0" \
	nt_wait_until 10 has_handshake "$ns2" wg wg0
nt_check "noisetun responder: nt0 learnt wg0's endpoint" \
	endpoint_is "$ns1" tunctl nt0 192.168.241.2:4002
nt_check "noisetun responder: ping gets through" \
	ip netns exec "$ns2" ping -c1 -W2 10.99.0.1
nt_check "noisetun responder: handshake recorded on key confirmation" \
	nt_wait_until 5 has_handshake "$ns1" tunctl nt0

# Test that a preshared key is mixed in, in both roles.
fresh_pair "$tmp/psk" nt
ip netns exec "$ns1" ping -c1 -W1 10.99.0.2 >/dev/null 2>&1 || true
nt_check "psk, noisetun initiator: handshake completes" \
	nt_wait_until 10 has_handshake "$ns1" tunctl nt0
fresh_pair "$tmp/psk" wg
ip netns exec "$ns2" ping -c1 -W1 10.99.0.1 >/dev/null 2>&1 || true
nt_check "psk, noisetun responder: handshake completes" \
	nt_wait_until 10 has_handshake "$ns2" wg wg0

# Test that a preshared key on one side only fails the handshake: wg0's
# initiation reaches nt0 (which counts its 148 bytes) and is answered (a
# 92-byte response), but wg0 never completes, since the response does
# not authenticate.
fresh_pair "" wg
ip netns exec "$ns1" tunctl set nt0 peer "$p2" preshared-key "$tmp/psk"
ip netns exec "$ns2" ping -c1 -W1 10.99.0.1 >/dev/null 2>&1 || true
nt_check "psk mismatch: nt0 took wg0's initiation and answered it" \
	nt_wait_until 5 nt_transfer_at_least 148 92
nt_check_fails "psk mismatch: no handshake on wg0" \
	nt_wait_until 2 has_handshake "$ns2" wg wg0

# Test that initiations with a wrong mac1 are dropped and counted.
{ printf '\001\000\000\000'; head -c 144 /dev/zero; } >"$tmp/garbage"
for _ in 1 2 3; do
	ip netns exec "$ns2" bash -c "cat '$tmp/garbage' >/dev/udp/192.168.241.1/4001"
done
bad_mac1() {
	json_has '"bad_mac1": [1-9]'
}
nt_check "garbage initiations counted as bad_mac1" nt_wait_until 5 bad_mac1

# Test that an unanswered initiation is retried after REKEY_TIMEOUT, and
# that removing the peer and deleting the device while the retry timer is
# armed stop it cleanly (the kernel-health check catches a late timer).
attempts() {
	ip netns exec "$ns1" tunctl show nt0 --json |
		sed -n 's/.*"handshake_attempts": \([0-9]*\).*/\1/p'
}
attempts_at_least() {
	[ "$(attempts)" -ge "$1" ]
}
fresh_pair "" nt
ip -n "$ns2" link set wg0 down
ip netns exec "$ns1" ping -c1 -W1 10.99.0.2 >/dev/null 2>&1 || true
nt_check "unanswered: first attempt" nt_wait_until 5 attempts_at_least 1
nt_check "unanswered: retried after REKEY_TIMEOUT" nt_wait_until 8 attempts_at_least 2
nt_check "unanswered: peer removed while retrying" \
	ip netns exec "$ns1" tunctl set nt0 peer "$p2" remove
ip netns exec "$ns1" tunctl set nt0 peer "$p2" allowed-ips 10.99.0.2/32 \
	endpoint 192.168.241.2:4002
ip netns exec "$ns1" ping -c1 -W1 10.99.0.2 >/dev/null 2>&1 || true
nt_check "unanswered: new peer attempts again" nt_wait_until 5 attempts_at_least 1

ip -n "$ns1" link del nt0
ip -n "$ns2" link del wg0
