#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ECN across the tunnel (RFC 6040, as ip_tunnel_ecn_encap and
# INET_ECN_decapsulate implement it): the outer header of a data message
# carries the inner packet's ECN codepoint, and congestion marked on the
# outer header on the way (CE) reaches the inner packet when it supports
# ECN.
#
#   +------ ntec1-$$ ------+            +------ ntec2-$$ ------+
#   | nt0 10.57.0.1 :5701  |            | nt0 10.57.0.2 :5702  |
#   | INPUT: count inner   |            | POSTROUTING: mark    |
#   |  ECT(0) and CE pings |            |  outer packets CE    |
#   | veth1 192.168.57.1 --+------------+-- veth2 192.168.57.2 |
#   +----------------------+            +----------------------+

set -e
source "$(dirname "$0")/../lib.sh"

ns1="ntec1-$$"
ns2="ntec2-$$"
nt_tmpdir

nt_kind noisetun ping iptables
modprobe xt_ecn 2>/dev/null && modprobe xt_DSCP 2>/dev/null ||
	nt_skip "the ECN match or the TOS target of iptables is missing"
nt_netns_new "$ns1" "$ns2"
nt_veth_link "$ns1" "$ns2" 192.168.57
nt_keys "$tmp" 1 2
nt_tunnel_pair "$ns1" "$ns2" "$tmp" 192.168.57 10.57.0 570

# Test that the session is up.
nt_check "session up" nt_wait_until 15 ip netns exec "$ns2" ping -c1 -W1 10.57.0.1

ipt1() { ip netns exec "$ns1" iptables "$@"; }
ipt2() { ip netns exec "$ns2" iptables "$@"; }
# count NS CHAIN: packets matched by the rule commented "probe" in CHAIN.
count() {
	ip netns exec "$1" iptables -t "${3:-filter}" -L "$2" -v -n -x |
		awk '/probe/ { print $1 }'
}

# Test encapsulation: pings sent ECT(0) inside leave in data messages
# whose outer header is ECT(0) too.
ipt1 -A INPUT -i veth1 -p udp --dport 5701 -m ecn --ecn-ip-ect 2 -m comment --comment probe
ip netns exec "$ns2" ping -c 5 -i 0.2 -Q 0x02 10.57.0.1 >/dev/null
nt_check "5 ECT(0) pings: outer headers ECT(0)" test "$(count "$ns1" INPUT)" -ge 5
ipt1 -F INPUT

# Test decapsulation: outer headers marked CE on the way; the ECT(0)
# pings arrive CE inside, as congestion experienced on the path.
ipt2 -t mangle -A POSTROUTING -o veth2 -p udp --dport 5701 -j TOS --set-tos 0x03/0x03
ipt1 -A INPUT -i nt0 -p icmp -m ecn --ecn-ip-ect 3 -m comment --comment probe
ip netns exec "$ns2" ping -c 5 -i 0.2 -Q 0x02 10.57.0.1 >/dev/null
nt_check "5 ECT(0) pings through a congested path arrive CE" test "$(count "$ns1" INPUT)" = 5
ipt1 -F INPUT

# Test that a packet that does not support ECN is not marked CE inside
# (RFC 6040 leaves it Not-ECT) and still arrives.
ipt1 -A INPUT -i nt0 -p icmp -m ecn --ecn-ip-ect 0 -m comment --comment probe
ip netns exec "$ns2" ping -c 3 -i 0.2 -Q 0 10.57.0.1 >/dev/null
nt_check "3 Not-ECT pings arrive Not-ECT" test "$(count "$ns1" INPUT)" = 3
