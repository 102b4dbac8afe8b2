#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The noisetun link and its sockets: creation attributes, MTU limits, the
# private/public key round trip, the listen port (0 picks one, remembered
# while down, a busy port refused with the old one still bound), and the
# sockets staying in the creating namespace when the device moves.
#
#   +------------- ntdev0-$$ -------------+      +---- ntdev1-$$ ----+
#   |  nt0  UDP sockets of nt0 and nt1    |      |                   |
#   |  nt1 --------- ip link set netns --------> |  nt1              |
#   |  nt2 (holds a port, to make it busy)|      |                   |
#   +-------------------------------------+      +-------------------+

set -e
source "$(dirname "$0")/../lib.sh"

ns0="ntdev0-$$"
ns1="ntdev1-$$"
nt_testprog probe_bin nlprobe

nt_require wg ss
nt_load_module
nt_netns_new "$ns0" "$ns1"

probe0() { ip netns exec "$ns0" "$probe_bin" "$@"; }

# udp_ports NS: the UDP ports bound in NS, one "ADDR:PORT" per line.
udp_ports() {
	local out
	out=$(ip netns exec "$1" ss -Hnlu) || return 1
	awk '{ print $4 }' <<<"$out" | sort
}

# has_port NS PORT: PORT is bound for IPv4 and IPv6 in NS (ss shows the
# IPv6-only wildcard as "*" or "[::]", depending on its version).
has_port() {
	local ports
	ports=$(udp_ports "$1") || return 1
	grep -qx "0.0.0.0:$2" <<<"$ports" && grep -qx -e "\*:$2" -e "\[::\]:$2" <<<"$ports" && return 0
	echo "bound UDP ports:" $ports
	return 1
}

no_port() {
	local ports
	ports=$(udp_ports "$1") || return 1
	! grep -q ":$2\$" <<<"$ports"
}

# field DEV NAME: a line of `nlprobe get DEV` ("NAME VALUE"), the value.
field() {
	local out
	out=$(probe0 get "$1") || return 1
	awk -v n="$2" '$1 == n { print $2 }' <<<"$out"
}

ip -n "$ns0" link add nt0 type noisetun
link=$(ip -n "$ns0" -d link show dev nt0)
nt_diag "$(echo "$link" | head -n 1)"

# Test that the device has the documented defaults: MTU 1420, no link
# layer, point-to-point without ARP.
nt_check "mtu is 1420" nt_is 1420 ip netns exec "$ns0" cat /sys/class/net/nt0/mtu
nt_check "link/none" grep -q 'link/none' <<<"$link"
nt_check "POINTOPOINT,NOARP" grep -q '<POINTOPOINT,NOARP>' <<<"$link"

# Test that the MTU range is 68 (IPv4's minimum) to 65535 - 80.
nt_check "mtu 68 accepted" ip -n "$ns0" link set nt0 mtu 68
nt_check_fails "mtu 67 refused" ip -n "$ns0" link set nt0 mtu 67
nt_check_fails "mtu 0 refused" ip -n "$ns0" link set nt0 mtu 0
nt_check "mtu 65455 accepted" ip -n "$ns0" link set nt0 mtu 65455
nt_check_fails "mtu 65456 refused" ip -n "$ns0" link set nt0 mtu 65456
ip -n "$ns0" link set nt0 mtu 1420

# Test that a fresh device has no key, port 0 and fwmark 0.
nt_check "no private key yet" nt_is "" field nt0 private_key
nt_check "listen_port 0" nt_is 0 field nt0 listen_port
nt_check "fwmark 0" nt_is 0 field nt0 fwmark

# Test that the private key reads back and the public key is derived from
# it as wg derives it.
priv=$(wg genkey)
pub=$(wg pubkey <<<"$priv")
nt_check "set private_key" probe0 set ifname strz nt0 private_key key "$priv"
nt_check "private_key reads back" nt_is "$priv" field nt0 private_key
nt_check "public_key is wg pubkey of it" nt_is "$pub" field nt0 public_key

# Test that an unclamped private key is stored clamped (netns.sh #21: a
# key starting with "/" reads back starting with "+").
unclamped="/${priv:1:42}="
nt_check "set an unclamped key" probe0 set ifname strz nt0 private_key key "$unclamped"
nt_check "it reads back clamped" nt_is "+" eval 'field nt0 private_key | cut -c1'
nt_check "its public key still matches wg" nt_is "$(wg pubkey <<<"$unclamped")" field nt0 public_key

# Test that an all-zero private key removes the identity.
zero=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
nt_check "set all-zero private key" probe0 set ifname strz nt0 private_key key "$zero"
nt_check "no private key" nt_is "" field nt0 private_key
nt_check "no public key" nt_is "" field nt0 public_key
probe0 set ifname strz nt0 private_key key "$priv" >/dev/null

# Test that a port set while down is remembered, and bound only once up.
nt_check "set listen_port 40000 while down" probe0 set ifname strz nt0 listen_port u16 40000
nt_check "reads back 40000" nt_is 40000 field nt0 listen_port
nt_check "not bound while down" no_port "$ns0" 40000
ip -n "$ns0" link set nt0 up
nt_check "bound for v4 and v6 once up" has_port "$ns0" 40000
# Test that an up device has no queue discipline (IFF_NO_QUEUE).
qdisc_noqueue() {
	local l
	l=$(ip -n "$ns0" link show dev nt0) || return 1
	grep -q 'qdisc noqueue' <<<"$l"
}
nt_check "qdisc noqueue" qdisc_noqueue
ip -n "$ns0" link set nt0 down
nt_check "closed when down again" no_port "$ns0" 40000

# Test that port 0 on an up device binds a port the kernel picks, the
# same for IPv4 and IPv6, and that it becomes the configured port.
probe0 set ifname strz nt0 listen_port u16 0 >/dev/null
ip -n "$ns0" link set nt0 up
picked=$(field nt0 listen_port)
nt_diag "port picked: $picked"
nt_check "a port was picked" [ "$picked" -gt 0 ]
nt_check "the picked port is bound for v4 and v6" has_port "$ns0" "$picked"
ip -n "$ns0" link set nt0 down
ip -n "$ns0" link set nt0 up
nt_check "it sticks across down/up" nt_is "$picked" field nt0 listen_port

# Test that changing the port of an up device moves the sockets.
nt_check "set listen_port 40001 while up" probe0 set ifname strz nt0 listen_port u16 40001
nt_check "40001 is bound" has_port "$ns0" 40001
nt_check "the old port is closed" no_port "$ns0" "$picked"

# Test that a busy port is refused with EADDRINUSE, and the old port is
# still bound and reported (Documentation/testing.md N5).
ip -n "$ns0" link add nt2 type noisetun
probe0 set ifname strz nt2 listen_port u16 40002 >/dev/null
ip -n "$ns0" link set nt2 up
before=$(probe0 get nt0)
nt_check "busy port: EADDRINUSE" probe0 --expect EADDRINUSE set ifname strz nt0 listen_port u16 40002
nt_check "old port 40001 still bound" has_port "$ns0" 40001
nt_check "configuration unchanged" nt_is "$before" probe0 get nt0

# Test that a device moved to another namespace keeps its sockets in the
# one it was created in, and rebinds them there when brought up again.
ip -n "$ns0" link add nt1 type noisetun
probe0 set ifname strz nt1 listen_port u16 40010 >/dev/null
ip -n "$ns0" link set nt1 up
nt_check "nt1 bound in its namespace" has_port "$ns0" 40010
ip -n "$ns0" link set nt1 netns "$ns1"
ip -n "$ns1" link set nt1 up
nt_check "after the move, bound in the creating namespace" has_port "$ns0" 40010
nt_check "and not in the new one" no_port "$ns1" 40010
nt_check "GET works in the new namespace" \
	nt_is 40010 eval "ip netns exec $ns1 $probe_bin get nt1 | awk '\$1 == \"listen_port\" { print \$2 }'"
nt_check "set listen_port from the new namespace" \
	ip netns exec "$ns1" "$probe_bin" set ifname strz nt1 listen_port u16 40011
nt_check "the new port is bound in the creating namespace" has_port "$ns0" 40011
nt_check "the old one is closed" no_port "$ns0" 40010

# Test that deleting a device closes its sockets.
ip -n "$ns1" link del nt1
nt_check "nt1's port closed after deletion" no_port "$ns0" 40011
ip -n "$ns0" link del nt0
nt_check "nt0's port closed after deletion" no_port "$ns0" 40001
ip -n "$ns0" link del nt2
