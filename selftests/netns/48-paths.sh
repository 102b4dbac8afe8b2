#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 300
# nt-category: faults
#
# Outer paths that change under a session (Documentation/testing.md 1.1 #10,
# #14-#18; F9): a SNAT mapping kept alive by persistent keepalive 1 s with
# conntrack UDP timeouts of 2 s (and lost without it); an ICMP error for a
# removed peer goes back through the NAT; the local source address follows
# address changes (not too sticky); replies leave from the address the peer
# contacted; an address on another interface; a better route appearing
# mid-session moves the source address the peer sees.
#
# Part 1, NAT: ntpa0 is a router doing SNAT from 192.168.1.0/24.
#
#   +--- ntpa1-$$ ---+     +------------- ntpa0-$$ -------------+     +--- ntpa2-$$ ---+
#   | nt0 .241.1/24  |     | vethrc 192.168.1.1  vethrs 10.0.0.1 |     | nt0 .241.2/24  |
#   | vethc          |-----|   SNAT 192.168.1.0/24 -> 10.0.0.1   |-----| veths          |
#   | 192.168.1.100  |     |   conntrack UDP timeouts 2 s        |     | 10.0.0.100     |
#   +----------------+     +-------------------------------------+     +----------------+
#
# Part 2, one veth, several addresses (devices and sockets in ntpa1/2):
#
#   +------------ ntpa1-$$ ------------+     +------------ ntpa2-$$ ------------+
#   | nt0 192.168.241.1/24, fd00::1    |     | nt0 192.168.241.2/24, fd00::2    |
#   | veth1 10.0.0.1, 10.0.0.2, ...    |-----| veth2 10.0.0.3, fd00:aa::3, ... |
#   | veth3 10.0.0.3 (route test)      |-----| veth4                            |
#   | dummy0 10.50.0.1                 |     |                                  |
#   +----------------------------------+     +----------------------------------+

set -e
source "$(dirname "$0")/../lib.sh"

# The device under test. To check this script's own logic against the
# in-tree module, set kind=wireguard here in a scratch copy (never commit
# that): the same story then runs on `type wireguard` configured by wg.
kind=noisetun

ns0="ntpa0-$$"
ns1="ntpa1-$$"
ns2="ntpa2-$$"
nt_tmpdir

nt_kind "$kind" ping

n0() { ip netns exec "$ns0" "$@"; }
n1() { ip netns exec "$ns1" "$@"; }
n2() { ip netns exec "$ns2" "$@"; }

nt_netns_new "$ns0" "$ns1" "$ns2"
for ns in "$ns0" "$ns1" "$ns2"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0
done

nt_keys "$tmp" 1 2
tunctl genpsk >"$tmp/psk"

# fresh_pair: nt0 created in ns1 and in ns2 (sockets there), each the
# other's peer, no endpoints yet.
fresh_pair() {
	ip -n "$ns1" link del nt0 2>/dev/null || true
	ip -n "$ns2" link del nt0 2>/dev/null || true
	ip -n "$ns1" link add nt0 type "$kind"
	ip -n "$ns2" link add nt0 type "$kind"
	nt_pair_up "$ns1" "$ns2" "$tmp"
}

# ping_then_endpoint FROM_NS TO_ADDR NS PUBKEY WANT: one ping, then the
# endpoint check (the ping's reply is what teaches the endpoint).
ping_then_endpoint() {
	ip netns exec "$1" ping -c 1 -W 5 "$2" || return 1
	nt_endpoint_is "$3" "$4" "$5"
}

# unreachable_from_ns2: ns0's ping to 192.168.241.1 is answered by ns2's
# ICMP host unreachable (prints ping's output otherwise).
unreachable_from_ns2() {
	local out
	out=$(n0 ping -c 1 -W 2 192.168.241.1 2>&1)
	grep -q "From 10.0.0.100 icmp_seq=1 Destination Host Unreachable" <<<"$out" && return 0
	echo "$out"
	return 1
}

# --- part 1: NAT ------------------------------------------------------------
nat_ok=1
if ! command -v iptables >/dev/null 2>&1; then
	nat_ok=0 nat_why="iptables is not in the VM"
elif ! n0 iptables -t nat -A POSTROUTING -s 192.168.1.0/24 -d 10.0.0.0/24 \
	-j SNAT --to 10.0.0.1 2>"$tmp/ipt.err"; then
	nat_ok=0 nat_why="no iptables nat table: $(head -n 1 "$tmp/ipt.err")"
elif ! n0 sh -c 'echo 2 >/proc/sys/net/netfilter/nf_conntrack_udp_timeout &&
	echo 2 >/proc/sys/net/netfilter/nf_conntrack_udp_timeout_stream' 2>"$tmp/ct.err"; then
	nat_ok=0 nat_why="conntrack UDP timeouts not settable: $(head -n 1 "$tmp/ct.err")"
fi

if [ "$nat_ok" = 0 ]; then
	nt_skip_check "NAT: keepalive keeps the SNAT mapping; ICMP through NAT" "$nat_why"
else
	fresh_pair
	nt_veth_link "$ns0" "$ns1" 192.168.1 vethrc vethc 100
	nt_veth_link "$ns0" "$ns2" 10.0.0 vethrs veths 100
	ip -n "$ns1" route add default via 192.168.1.1
	n0 sysctl -qw net.ipv4.ip_forward=1

	n1 "$ctl" set nt0 peer "$pub2" endpoint 10.0.0.100:2 persistent-keepalive 1

	# Test that ns1 behind the NAT reaches ns2, and ns2 then reaches ns1
	# at the mapped address 10.0.0.1:1.
	nt_check "NAT: ping ns1->ns2" n1 ping -c 1 -W 10 192.168.241.2 || true
	nt_check "NAT: ping ns2->ns1" n2 ping -c 1 -W 5 192.168.241.1 || true
	nt_check "NAT: ns2 sees ns1 at the mapped 10.0.0.1:1" nt_endpoint_is "$ns2" "$pub1" 10.0.0.1:1 || true

	# Test that keepalives every 1 s keep the 2 s mapping alive: after 3 s
	# of idle tunnel, ns2 still reaches ns1. (A plain sleep: the wait is
	# what is tested.)
	sleep 3
	nt_check "NAT, keepalive 1 s: ns2->ns1 still works after 3 s idle" \
		n2 ping -c 1 -W 5 192.168.241.1 || true

	# Test (control) that without the keepalive the mapping expires in
	# those 3 s, so ns2's packets no longer reach ns1.
	n1 "$ctl" set nt0 peer "$pub2" persistent-keepalive 0
	sleep 3
	nt_check_fails "NAT, no keepalive (control): ns2->ns1 fails after 3 s idle" \
		n2 ping -c 1 -W 2 192.168.241.1 || true
	nt_check "NAT: ns1->ns2 opens the mapping again" n1 ping -c 1 -W 10 192.168.241.2 || true

	# Test that an ICMP error for traffic NATed into the tunnel goes back
	# along the right path: ns2 SNATs ns0's packets into nt0; once ns2 has
	# no peer for 192.168.241.1, ns0 is told "Destination Host
	# Unreachable" by 10.0.0.100 (netns.sh #14).
	n2 iptables -t nat -A POSTROUTING -s 10.0.0.0/24 -d 192.168.241.0/24 -j SNAT --to 192.168.241.2
	n0 iptables -A INPUT ! -s 10.0.0.0/24 -i vethrs -j DROP
	n2 sysctl -qw net.ipv4.ip_forward=1
	ip -n "$ns0" -4 route add 192.168.241.1 via 10.0.0.100
	n2 "$ctl" set nt0 peer "$pub1" remove
	nt_check "ICMP through NAT: ns0 gets 'From 10.0.0.100 icmp_seq=1 Destination Host Unreachable'" \
		unreachable_from_ns2 || true

	n0 iptables -t nat -F
	n0 iptables -F
	n2 iptables -t nat -F
	ip -n "$ns0" link del vethrc
	ip -n "$ns0" link del vethrs
fi

# --- part 2: source addresses over one veth ---------------------------------
fresh_pair
ip -n "$ns1" link add veth1 type veth peer name veth2 netns "$ns2"
n1 sysctl -qw net.ipv4.conf.veth1.promote_secondaries=1
n1 sysctl -qw net.ipv6.conf.veth1.accept_dad=0
n2 sysctl -qw net.ipv6.conf.veth2.accept_dad=0
ip -n "$ns1" addr add 10.0.0.1/24 dev veth1
ip -n "$ns1" addr add fd00:aa::1/96 dev veth1
ip -n "$ns2" addr add 10.0.0.2/24 dev veth2
ip -n "$ns2" addr add fd00:aa::2/96 dev veth2
ip -n "$ns1" link set veth1 up
ip -n "$ns2" link set veth2 up

# Test that the source address is sticky but not too sticky (netns.sh
# #15): when the address in use goes, the next packet leaves from the new
# one, and ns2 sees it there.
n1 "$ctl" set nt0 peer "$pub2" endpoint 10.0.0.2:2
nt_check "source v4: ns2 sees ns1 at 10.0.0.1:1" \
	ping_then_endpoint "$ns1" 192.168.241.2 "$ns2" "$pub1" 10.0.0.1:1 || true
ip -n "$ns1" addr add 10.0.0.10/24 dev veth1
ip -n "$ns1" addr del 10.0.0.1/24 dev veth1
nt_check "source v4: after 10.0.0.1 goes, ns2 sees ns1 at 10.0.0.10:1" \
	ping_then_endpoint "$ns1" 192.168.241.2 "$ns2" "$pub1" 10.0.0.10:1 || true
n1 "$ctl" set nt0 peer "$pub2" endpoint "[fd00:aa::2]:2"
nt_check "source v6: ns2 sees ns1 at [fd00:aa::1]:1" \
	ping_then_endpoint "$ns1" 192.168.241.2 "$ns2" "$pub1" "[fd00:aa::1]:1" || true
ip -n "$ns1" addr add fd00:aa::10/96 dev veth1
ip -n "$ns1" addr del fd00:aa::1/96 dev veth1
nt_check "source v6: after fd00:aa::1 goes, ns2 sees ns1 at [fd00:aa::10]:1" \
	ping_then_endpoint "$ns1" 192.168.241.2 "$ns2" "$pub1" "[fd00:aa::10]:1" || true

# Test that replies leave from the address the peer contacted (netns.sh
# #16): ns1 has two addresses of each family; whichever ns2 writes to is
# the one its replies come from, so ns2's endpoint stays exactly that.
ip -n "$ns1" link set veth1 down
ip -n "$ns2" link set veth2 down
ip -n "$ns1" addr flush dev veth1
ip -n "$ns2" addr flush dev veth2
ip -n "$ns1" addr add 10.0.0.1/24 dev veth1
ip -n "$ns1" addr add 10.0.0.2/24 dev veth1
ip -n "$ns1" addr add fd00:aa::1/96 dev veth1
ip -n "$ns1" addr add fd00:aa::2/96 dev veth1
ip -n "$ns2" addr add 10.0.0.3/24 dev veth2
ip -n "$ns2" addr add fd00:aa::3/96 dev veth2
ip -n "$ns1" link set veth1 up
ip -n "$ns2" link set veth2 up
for ep in 10.0.0.1:1 "[fd00:aa::1]:1" 10.0.0.2:1 "[fd00:aa::2]:1"; do
	n2 "$ctl" set nt0 peer "$pub1" endpoint "$ep"
	nt_check "reply to sender: ns2 writes to $ep and still sees ns1 there" \
		ping_then_endpoint "$ns2" 192.168.241.1 "$ns2" "$pub1" "$ep" || true
done

# Test that an inbound destination address on another interface (dummy0)
# than the one the packet came in on is answered from that address
# (netns.sh #17).
ip -n "$ns1" link add dummy0 type dummy
ip -n "$ns1" addr add 10.50.0.1/24 dev dummy0
ip -n "$ns1" link set dummy0 up
ip -n "$ns2" route add 10.50.0.0/24 dev veth2
n2 "$ctl" set nt0 peer "$pub1" endpoint 10.50.0.1:1
nt_check "foreign destination: ns2 writes to 10.50.0.1:1 and still sees ns1 there" \
	ping_then_endpoint "$ns2" 192.168.241.1 "$ns2" "$pub1" 10.50.0.1:1 || true
ip -n "$ns1" link del dummy0
ip -n "$ns1" addr flush dev veth1
ip -n "$ns2" addr flush dev veth2
ip -n "$ns1" route flush dev veth1
ip -n "$ns2" route flush dev veth2

# Test that a better route appearing mid-session moves the source address
# ns1 uses, from 10.0.0.1 (veth1, metric 2) to 10.0.0.3 (veth3, metric 1)
# (netns.sh #18).
ip -n "$ns1" link add veth3 type veth peer name veth4 netns "$ns2"
ip -n "$ns1" addr add 10.0.0.1/24 dev veth1
ip -n "$ns2" addr add 10.0.0.2/24 dev veth2
ip -n "$ns1" addr add 10.0.0.3/24 dev veth3
ip -n "$ns1" link set veth1 up
ip -n "$ns2" link set veth2 up
ip -n "$ns1" link set veth3 up
ip -n "$ns2" link set veth4 up
ip -n "$ns1" route flush dev veth1
ip -n "$ns1" route flush dev veth3
ip -n "$ns1" route add 10.0.0.0/24 dev veth1 src 10.0.0.1 metric 2
n1 "$ctl" set nt0 peer "$pub2" endpoint 10.0.0.2:2
nt_check "route precedence: ns2 sees ns1 at 10.0.0.1:1 first" \
	ping_then_endpoint "$ns1" 192.168.241.2 "$ns2" "$pub1" 10.0.0.1:1 || true
ip -n "$ns1" route add 10.0.0.0/24 dev veth3 src 10.0.0.3 metric 1
n1 sysctl -qw net.ipv4.conf.veth1.rp_filter=0
n2 sysctl -qw net.ipv4.conf.veth4.rp_filter=0
n1 sysctl -qw net.ipv4.conf.all.rp_filter=0
n2 sysctl -qw net.ipv4.conf.all.rp_filter=0
nt_check "route precedence: after the better route, ns2 sees ns1 at 10.0.0.3:1" \
	ping_then_endpoint "$ns1" 192.168.241.2 "$ns2" "$pub1" 10.0.0.3:1 || true

ip -n "$ns1" link del veth3
ip -n "$ns1" link del nt0
ip -n "$ns2" link del nt0

# Every failed check is recorded above; the story went on past the
# independent ones.
[ "$NT_FAILED" -eq 0 ] || exit 1
