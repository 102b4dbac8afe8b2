#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-category: bad UDP input
#
# Odd inner packets, handed straight to nt0 through an AF_PACKET socket
# (selftests/pktsend), so that the IP stack cannot tidy them up first:
# - on the sending side (Documentation/testing.md B4): no protocol, a frame too
# short to
#   be IP, a protocol that disagrees with the IP version, a version that is
#   neither 4 nor 6 are refused before anything is encrypted (bad_packet,
#   tx_errors), and nothing crashes;
# - on the receiving side (B14): a packet that decrypts but whose IP
#   length field claims more than arrived, or less than its own header, is
#   dropped as inner_length with rx_length_errors, and a well-formed one
#   sent the same way is delivered (the control).
#
#   +------ ntin1-$$ ------+          +------ ntin2-$$ ------+
#   | nt0 10.56.0.1 :5601  |          | nt0 10.56.0.2 :5602  |
#   |     fd56::1          |          |     fd56::2          |
#   |                      |          | pktsend nt0 ...      |
#   | veth1 192.168.56.1 --+----------+-- veth2 192.168.56.2 |
#   +----------------------+          +----------------------+

set -e
source "$(dirname "$0")/../lib.sh"

ns1="ntin1-$$"
ns2="ntin2-$$"
nt_tmpdir
nt_testprog pktsend pktsend

nt_kind noisetun ping
nt_netns_new "$ns1" "$ns2"
nt_veth_link "$ns1" "$ns2" 192.168.56
nt_keys "$tmp" 1 2
nt_tunnel_pair "$ns1" "$ns2" "$tmp" 192.168.56 10.56.0 560 fd56:

# Test that the session is up before anything odd is sent.
nt_check "session up" nt_wait_until 15 ip netns exec "$ns2" ping -c1 -W1 10.56.0.1

# drops NS REASON: the device-wide count of one drop reason.
drops() {
	local out
	out=$(ip netns exec "$1" tunctl show --json nt0) || return 1
	tr -d ' \n' <<<"$out" | grep -o '"drops":{[^}]*}' | awk 'NR == 1' |
		sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p"
}
stat() {	# stat NS NAME: /sys/class/net/nt0/statistics/NAME
	ip netns exec "$1" cat "/sys/class/net/nt0/statistics/$2"
}
send() {	# send ETHERTYPE HEX: one raw packet on ns2's nt0
	ip netns exec "$ns2" "$pktsend" nt0 "$@"
}
equals() {	# equals VALUE CMD...: CMD succeeds and prints VALUE
	local want=$1 got
	shift
	got=$(set -o pipefail; "$@") || { echo "failed: $*"; return 1; }
	[ "$got" = "$want" ] || { echo "got '$got', want '$want'"; return 1; }
}
tx_bytes() {	# tx_bytes NS: bytes nt0 in NS sent to its peer
	local out
	out=$(ip netns exec "$1" tunctl show nt0 transfer) || return 1
	awk '{ print $3 }' <<<"$out"
}

# peer_inner_drops NS: the inner_* drop counts of nt0's peer in NS.
peer_inner_drops() {
	local out
	out=$(ip netns exec "$1" tunctl show --json nt0) || return 1
	tr -d ' \n' <<<"$out" | grep -o '"drops":{[^}]*}' | awk 'NR == 2' |
		grep -o '"inner_[a-z]*":[0-9]*' | tr '\n' ' '
}
# only_keepalives TX0 TX1 RX0 INNER0: ns2 sent nothing but keepalives
# since TX0 (its peer's tx bytes), and ns1 got no inner packet since RX0
# (nt0's rx_packets) and dropped none as a bad one since INNER0.
only_keepalives() {
	local sent=$(($2 - $1)) rx inner
	rx=$(stat "$ns1" rx_packets) inner=$(peer_inner_drops "$ns1")
	echo "ns2 sent $sent bytes; ns1 rx_packets $3 -> $rx; ns1 inner drops '$4' -> '$inner'"
	[ $((sent % 32)) = 0 ] && [ "$sent" -le 64 ] && [ "$rx" = "$3" ] && [ "$inner" = "$4" ]
}

# IPv4 header from 10.56.0.2 to 10.56.0.1, UDP, with the given version
# and IHL byte and total length (hex), then 8 bytes of UDP and 4 of data.
v4() {
	echo "$1 00 $2 0000 0000 40 11 0000 0a380002 0a380001 d431 0009 000c 0000 61626364"
}
# IPv6 header from fd56::2 to fd56::1, UDP, with the given payload length.
v6() {
	echo "60000000 $1 11 40 fd560000000000000000000000000002 fd560000000000000000000000000001 d431 0009 000c 0000 61626364"
}

# Test B4: what is not IP, or not the IP it claims, never gets encrypted:
# no protocol, 5 bytes (too short for IPv4), ARP's protocol, the IPv6
# protocol on an IPv4 packet and the reverse, IP version 7.
bad0=$(drops "$ns2" bad_packet)
err0=$(stat "$ns2" tx_errors)
tx0=$(tx_bytes "$ns2")
rx0=$(stat "$ns1" rx_packets)
inner0=$(peer_inner_drops "$ns1")
n=0
for p in "0x0000 $(v4 45 0020)" \
	 "0x0800 4500000500" \
	 "0x0806 $(v4 45 0020)" \
	 "0x86dd $(v4 45 0020)" \
	 "0x0800 $(v6 000c)" \
	 "0x0800 7$(v4 45 0020 | cut -c2-)"; do
	# shellcheck disable=SC2086
	out=$(send $p 2>&1) || nt_diag "pktsend: $out"
	n=$((n + 1))
	nt_diag "after ${p:0:20}...: bad_packet $(drops "$ns2" bad_packet), tx_errors $(stat "$ns2" tx_errors)"
done
nt_check "six local non-IP packets counted as bad_packet" \
	nt_wait_until 5 equals $((bad0 + 6)) drops "$ns2" bad_packet
nt_check "and as tx_errors" equals $((err0 + 6)) stat "$ns2" tx_errors
# (A passive keepalive may go out meanwhile on a slow host: 32 bytes, where
# the smallest data message is 48. What ns1 received tells the rest: no
# inner packet delivered, none dropped as a bad inner packet.)
nt_check "none of them was sent" \
	only_keepalives "$tx0" "$(tx_bytes "$ns2")" "$rx0" "$inner0"

# Test the control: a well-formed UDP packet sent the same way arrives.
rx0=$(stat "$ns1" rx_packets)
nt_check "pktsend: a valid IPv4 packet is taken" send 0x0800 "$(v4 45 0020)"
nt_check "and delivered by the receiver" nt_wait_until 5 equals $((rx0 + 1)) stat "$ns1" rx_packets

# Test B14: lengths that lie are dropped by the receiver after decryption.
len0=$(drops "$ns1" inner_length)
lerr0=$(stat "$ns1" rx_length_errors)
rx0=$(stat "$ns1" rx_packets)
send 0x0800 "$(v4 45 0400)"	# total length 1024, 32 bytes arrived
send 0x0800 "$(v4 45 000a)"	# total length 10 < the 20-byte header
send 0x0800 "$(v4 44 0020)"	# header length 16 < 20
send 0x86dd "$(v6 0400)"	# payload length 1024, 12 bytes arrived
nt_check "four lying lengths counted as inner_length" \
	nt_wait_until 5 equals $((len0 + 4)) drops "$ns1" inner_length
nt_check "and as rx_length_errors" equals $((lerr0 + 4)) stat "$ns1" rx_length_errors
nt_check "none delivered" equals "$rx0" stat "$ns1" rx_packets

# Test that the session still works after all that.
nt_check "session still up" ip netns exec "$ns2" ping -c1 -W2 10.56.0.1
