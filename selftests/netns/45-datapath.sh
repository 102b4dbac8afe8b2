#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 300
# nt-category: floods
#
# Data both ways between two noisetun devices (Documentation/testing.md 1.1 #1,
# #3, #4; F8): flood pings over inner IPv4 and IPv6 each way and short iperf3
# TCP and UDP runs each way, over an IPv4 and then an IPv6 outer transport, at
# the default MTU 1420 and at the big MTU 34736; the DF edge of the MTU;
# then a route MTU below the device MTU, which the padding must respect.
#
# The container pattern: both devices are created in ntdp0 and moved out,
# so both UDP sockets stay in ntdp0, on lo.
#
#   +---- ntdp1-$$ -----+     +---------- ntdp0-$$ ----------+     +---- ntdp2-$$ -----+
#   | nt0               |     | lo 127.0.0.1, ::1 (MTU 65536)|     |               nt0 |
#   | 192.168.241.1/24  |=====| ns1's socket :1              |=====| 192.168.241.2/24  |
#   | fd00::1/112       |     | ns2's socket :2              |     | fd00::2/112       |
#   +-------------------+     +------------------------------+     +-------------------+

set -e
source "$(dirname "$0")/../lib.sh"

# The device under test. To check this script's own logic against the
# in-tree module, set kind=wireguard here in a scratch copy (never commit
# that): the same story then runs on `type wireguard` configured by wg.
kind=noisetun

ns0="ntdp0-$$"
ns1="ntdp1-$$"
ns2="ntdp2-$$"
nt_tmpdir

nt_kind "$kind" ping ss

nt_container_rig "$ns0" "$ns1" "$ns2"

nt_keys "$tmp" 1 2
tunctl genpsk >"$tmp/psk"

nt_pair_up "$ns1" "$ns2" "$tmp"

# outer_count iptables|ip6tables: UDP datagrams to port 1 or 2 seen in ns0
# (the accounting rules below); fails when the listing does.
outer_count() {
	local out
	out=$(n0 "$1" -nvxL INPUT) || return 1
	awk '/udp dpts:1:2/ { n += $1; found = 1 } END { print n + 0; exit !found }' <<<"$out"
}

# outer_mark: note the outer datagram counts, for outer_was.
outer_mark() {
	nt_have iptables || return 0
	v4_before=$(outer_count iptables)
	v6_before=$(outer_count ip6tables)
}

# outer_was 4|6 LABEL: check that the datagrams since outer_mark were all
# of that outer family: its count grew, the other's did not.
outer_was() {
	local v4_after v6_after desc="$2: the datagrams were IPv$1"
	if ! nt_have iptables; then
		nt_skip_check "$desc" "iptables is not in the VM"
		return 0
	fi
	v4_after=$(outer_count iptables)
	v6_after=$(outer_count ip6tables)
	desc+=" ($v4_before -> $v4_after v4, $v6_before -> $v6_after v6)"
	if [ "$1" = 4 ]; then
		nt_check "$desc" test "$v4_after" -gt "$v4_before" -a "$v6_after" = "$v6_before" || true
	else
		nt_check "$desc" test "$v6_after" -gt "$v6_before" -a "$v4_after" = "$v4_before" || true
	fi
}

# data_both_ways LABEL: the data-path story (netns.sh's tests()).
data_both_ways() {
	local l=$1 failed0=$NT_FAILED
	nt_check "$l: ping v4 ns2->ns1 (10 flood, no loss)" nt_flood "$ns2" 192.168.241.1 || true
	nt_check "$l: ping v4 ns1->ns2 (10 flood, no loss)" nt_flood "$ns1" 192.168.241.2 || true
	nt_check "$l: ping v6 ns2->ns1 (10 flood, no loss)" nt_flood "$ns2" -6 fd00::1 || true
	nt_check "$l: ping v6 ns1->ns2 (10 flood, no loss)" nt_flood "$ns1" -6 fd00::2 || true
	if ! nt_have iperf3; then
		nt_skip_check "$l: iperf3 TCP and UDP each way" "iperf3 is not in the VM"
		return 0
	fi
	if [ "$NT_FAILED" -gt "$failed0" ]; then
		nt_skip_check "$l: iperf3 TCP and UDP each way" "the pings failed"
		return 0
	fi
	nt_check "$l: iperf3 TCP over v4, ns1->ns2" nt_iperf "$ns2" "$ns1" 192.168.241.2 || true
	nt_check "$l: iperf3 TCP over v6, ns2->ns1" nt_iperf "$ns1" "$ns2" fd00::1 || true
	nt_check "$l: iperf3 UDP over v4, ns2->ns1" nt_iperf "$ns1" "$ns2" 192.168.241.1 -u -b 0 || true
	nt_check "$l: iperf3 UDP over v6, ns1->ns2" nt_iperf "$ns2" "$ns1" fd00::2 -u -b 0 || true
}

# set_mtu MTU: both tunnel devices to MTU.
set_mtu() {
	ip -n "$ns1" link set nt0 mtu "$1"
	ip -n "$ns2" link set nt0 mtu "$1"
}

orig_mtu=$(n1 cat /sys/class/net/nt0/mtu)
big_mtu=$((34816 - 1500 + orig_mtu))

# Test that a new device has the default MTU 1420 (1500 minus the 80 bytes
# of an IPv6 outer header, UDP and the transport overhead).
nt_check "default MTU is 1420" test "$orig_mtu" = 1420 || true

if nt_have iptables; then
	# Count the outer datagrams by family, to tell v4 from v6 transport.
	n0 iptables -A INPUT -p udp --dport 1:2
	n0 ip6tables -A INPUT -p udp --dport 1:2
fi

# --- outer IPv4 -------------------------------------------------------------
n1 "$ctl" set nt0 peer "$pub2" endpoint 127.0.0.1:2
n2 "$ctl" set nt0 peer "$pub1" endpoint 127.0.0.1:1

# Test that a first packet starts a handshake and gets through, and that
# each side still has the endpoint it was given (replies came from it).
nt_check "outer v4: first ping ns2->ns1 brings the session up" \
	n2 ping -c 1 -W 10 192.168.241.1
nt_check "outer v4: ns1 sees ns2 at 127.0.0.1:2" nt_endpoint_is "$ns1" "$pub2" 127.0.0.1:2 || true
nt_check "outer v4: ns2 sees ns1 at 127.0.0.1:1" nt_endpoint_is "$ns2" "$pub1" 127.0.0.1:1 || true

# Test that data flows both ways, inner v4 and v6, over outer IPv4, MTU 1420.
outer_mark
data_both_ways "outer v4, MTU $orig_mtu"

# Test that an inner packet of exactly the MTU goes out with DF set, and
# one byte more is refused locally (F8).
nt_check "outer v4, MTU $orig_mtu: DF ping of 1420 bytes gets through" \
	n1 ping -c 1 -W 2 -M "do" -s $((orig_mtu - 28)) 192.168.241.2 || true
nt_check_fails "outer v4, MTU $orig_mtu: DF ping of 1421 bytes is refused" \
	n1 ping -c 1 -W 2 -M "do" -s $((orig_mtu - 27)) 192.168.241.2 || true

# Test that the transport really was IPv4.
outer_was 4 "outer v4"

# Test the same at the big MTU (34736: lo's 65536 carries it).
set_mtu "$big_mtu"
data_both_ways "outer v4, MTU $big_mtu"
set_mtu "$orig_mtu"

# --- outer IPv6 -------------------------------------------------------------
n1 "$ctl" set nt0 peer "$pub2" endpoint "[::1]:2"
n2 "$ctl" set nt0 peer "$pub1" endpoint "[::1]:1"
outer_mark

# Test that data flows both ways over outer IPv6, at 1420 and 34736.
data_both_ways "outer v6, MTU $orig_mtu"
set_mtu "$big_mtu"
data_both_ways "outer v6, MTU $big_mtu"
set_mtu "$orig_mtu"

# Test that the transport really was IPv6, and that the endpoints stayed.
outer_was 6 "outer v6"
nt_check "outer v6: ns1 sees ns2 at [::1]:2" nt_endpoint_is "$ns1" "$pub2" "[::1]:2" || true
nt_check "outer v6: ns2 sees ns1 at [::1]:1" nt_endpoint_is "$ns2" "$pub1" "[::1]:1" || true

# --- route MTU below the device MTU (netns.sh #4) ---------------------------
# Device MTU 1300, a route MTU of 1299 to the peer, and a ping whose inner
# packet is 1269 + 8 + 20 = 1297 bytes. Padding to a multiple of 16 must
# stop at the route MTU (1299), so the outer IPv4 datagram is 1299 + 32 +
# 8 + 20 = 1359 bytes; padded to the device MTU it would be 1360, and ns0
# drops exactly those.
if ! nt_have iptables; then
	nt_skip_check "padding stops at the route MTU" "iptables is not in the VM"
else
	set_mtu 1300
	n1 "$ctl" set nt0 peer "$pub2" endpoint 127.0.0.1:2
	n2 "$ctl" set nt0 peer "$pub1" endpoint 127.0.0.1:1
	n0 iptables -I INPUT -m length --length 1360 -j DROP
	ip -n "$ns1" route add 192.168.241.2/32 dev nt0 mtu 1299
	ip -n "$ns2" route add 192.168.241.1/32 dev nt0 mtu 1299

	# Test that the padded packet fits the route MTU and gets through.
	nt_check "route MTU 1299: ping -s 1269 ns2->ns1 gets through" \
		n2 ping -c 1 -W 3 -s 1269 192.168.241.1 || true
	ip -n "$ns2" route del 192.168.241.1/32 dev nt0 mtu 1299
	ip -n "$ns1" route del 192.168.241.2/32 dev nt0 mtu 1299

	# Test (control) that without the route the datagram is padded to the
	# device MTU, 1360 bytes, which the rule drops: so the rule is live.
	nt_check_fails "control, no route MTU: ping -s 1269 is padded to 1360 and dropped" \
		n2 ping -c 1 -W 2 -s 1269 192.168.241.1 || true
	n0 iptables -D INPUT -m length --length 1360 -j DROP
	set_mtu "$orig_mtu"
fi

# Every failed check is recorded above; the story went on past the
# independent ones.
[ "$NT_FAILED" -eq 0 ] || exit 1
