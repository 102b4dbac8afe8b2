#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The device's fwmark steers its own outer packets (netns.sh #11, #13, the
# wg-quick pattern): ns2 reaches ns1's endpoint only through routing table
# 51, which a policy rule selects for packets marked 0x51. With fwmark
# 0x51 set on nt0 the tunnel works; with the mark cleared, the outer
# packets follow the main table, which has no route, and nothing gets
# through; with the mark back, it works again.
#
#   +------ ntfm1-$$ ------+          +------------ ntfm2-$$ ------------+
#   | nt0 10.58.0.1 :5801  |          | nt0 10.58.0.2 :5802, fwmark 0x51 |
#   | veth1 192.168.58.1 --+----------+-- veth2 (no address route in     |
#   +----------------------+          |   main; table 51 has one)        |
#                                     +----------------------------------+

set -e
source "$(dirname "$0")/../lib.sh"

ns1="ntfm1-$$"
ns2="ntfm2-$$"
nt_tmpdir

nt_kind noisetun ping
nt_netns_new "$ns1" "$ns2"
ip link add veth1 netns "$ns1" type veth peer name veth2 netns "$ns2"
ip -n "$ns1" addr add 192.168.58.1/24 dev veth1
# No prefix route in ns2's main table: 192.168.58.1 is reachable only
# through table 51.
ip -n "$ns2" addr add 192.168.58.2/32 dev veth2
ip -n "$ns1" link set veth1 up
ip -n "$ns2" link set veth2 up
ip -n "$ns2" route add 192.168.58.0/24 dev veth2 src 192.168.58.2 table 51
ip -n "$ns2" rule add fwmark 0x51 table 51
ip -n "$ns1" route add 192.168.58.2/32 dev veth1
nt_keys "$tmp" 1 2
nt_tunnel_pair "$ns1" "$ns2" "$tmp" 192.168.58 10.58.0 580
ip netns exec "$ns2" tunctl set nt0 fwmark 0x51

ping2() { ip netns exec "$ns2" ping -c1 -W1 10.58.0.1 >/dev/null; }
# says REGEX CMD...: CMD succeeds and its output matches REGEX (captured
# first: in a pipe into grep, a failing CMD's status would be lost).
says() {
	local re=$1 out
	shift
	out=$("$@") || return 1
	grep -q -- "$re" <<<"$out"
}

# Test that with the mark, the outer packets find table 51.
nt_check "fwmark 0x51: the tunnel works" nt_wait_until 15 ping2
nt_check "fwmark reads back" \
	says '^0x51$' ip netns exec "$ns2" tunctl show nt0 fwmark

# Test that without the mark nothing reaches ns1 (no route in main): the
# session is forgotten first, so the next packet needs a handshake.
ip netns exec "$ns2" tunctl set nt0 fwmark 0
ip -n "$ns2" link set nt0 down
ip -n "$ns2" link set nt0 up
nt_check_fails "fwmark 0: no route, no tunnel" nt_wait_until 4 ping2
nt_check "the failed sends counted as no_route" \
	says '"no_route": [1-9]' ip netns exec "$ns2" tunctl show --json nt0

# Test that setting the mark again restores it.
ip netns exec "$ns2" tunctl set nt0 fwmark 0x51
nt_check "fwmark 0x51 again: the tunnel works" nt_wait_until 15 ping2
