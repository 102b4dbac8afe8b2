#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-boot: ipv6.disable=1
# nt-timeout: 120
# nt-category: faults
#
# A kernel booted with ipv6.disable=1 (Documentation/testing.md section 4, F14): the
# IPv6 stack is not there at all, so the device binds only an IPv4 socket.
# A peer may still be given an IPv6 endpoint; what is sent to it must be
# dropped and counted (no_route, tx_errors), never crash or leak, and the
# device's IPv4 peers must go on working. The in-tree wireguard module,
# in the same VM, is the reference: it takes the same endpoint and sends
# nothing (it drops without counting). This scenario runs in a VM of its
# own (the nt-boot line above; see selftests/vm/runner.sh).
#
#   +-------------- ntv61-$$ ----------------+          +----- ntv62-$$ -------+
#   | nv<pid> 10.62.0.1/24 :6201             |          | nt0 10.62.0.3 :6203  |
#   |   peer A: 10.62.0.2, [fd62::2]:6202    |          |                      |
#   |     (later 192.168.64.2:6202)          |          |                      |
#   |   peer B: 10.62.0.3, 192.168.62.2:6203 |          |                      |
#   | wg0 10.63.0.1/24 :6301 (wireguard)     |          |                      |
#   |   peer: 10.63.0.2, [fd62::2]:6302      |          |                      |
#   | veth1 192.168.62.1 --------------------+----------+-- veth2 192.168.62.2 |
#   | veth13 192.168.64.1 ------------+      |          +----------------------+
#   +---------------------------------+------+          +----- ntv63-$$ -------+
#                                     +-----------------+-- veth3 192.168.64.2 |
#                                                       | nt0 10.62.0.2 :6202  |
#                                                       +----------------------+

set -e
source "$(dirname "$0")/../lib.sh"

ns1="ntv61-$$"
ns2="ntv62-$$"
ns3="ntv63-$$"
nt_tmpdir

nt_require tunctl wg ping ss

# Test that the kernel really runs without IPv6 (else nothing below
# means anything).
nt_check "ipv6.disable=1 is in effect (no /proc/sys/net/ipv6)" \
	test ! -e /proc/sys/net/ipv6 -a ! -e /proc/net/if_inet6

nt_load_module
modprobe wireguard 2>/dev/null || nt_skip "the in-tree wireguard module does not load"

slab0=$(nt_slab_counts)
kmsg_start=$(stat -c %s "$NT_KMSG" 2>/dev/null || echo 0)
klog() {
	tail -c +$((kmsg_start + 1)) "$NT_KMSG" | sed 's/^[^;]*;//'
}

nt_netns_new "$ns1" "$ns2" "$ns3"
nt_veth_link "$ns1" "$ns2" 192.168.62
nt_veth_link "$ns1" "$ns3" 192.168.64 veth13 veth3
nt_keys "$tmp" 1 2 3 4 5

# The device name is ours alone in this VM's log.
dev="nv$(($$ % 100000))"
ip -n "$ns1" link add "$dev" type noisetun
ip -n "$ns1" addr add 10.62.0.1/24 dev "$dev"
ip -n "$ns2" link add nt0 type noisetun
ip -n "$ns2" addr add 10.62.0.3/24 dev nt0
ip netns exec "$ns2" tunctl set nt0 private-key "$tmp/k3" listen-port 6203 \
	peer "$(cat "$tmp/p1")" allowed-ips 10.62.0.1/32 endpoint 192.168.62.1:6201
ip -n "$ns2" link set nt0 up

# Test that an IPv6 endpoint is accepted and reads back, as wg does on
# this kernel.
nt_check "tunctl takes an IPv6 endpoint" ip netns exec "$ns1" tunctl set "$dev" \
	private-key "$tmp/k1" listen-port 6201 \
	peer "$(cat "$tmp/p2")" allowed-ips 10.62.0.2/32 endpoint '[fd62::2]:6202' \
	peer "$(cat "$tmp/p3")" allowed-ips 10.62.0.3/32 endpoint 192.168.62.2:6203
nt_check "the IPv6 endpoint reads back" eval \
	"ip netns exec $ns1 tunctl show $dev endpoints | grep -q -F \"$(cat "$tmp/p2")	[fd62::2]:6202\""

ip -n "$ns1" link add wg0 type wireguard
ip -n "$ns1" addr add 10.63.0.1/24 dev wg0
nt_check "wg takes the same endpoint (reference)" ip netns exec "$ns1" wg set wg0 \
	private-key "$tmp/k4" listen-port 6301 \
	peer "$(cat "$tmp/p5")" allowed-ips 10.63.0.2/32 endpoint '[fd62::2]:6302'

# Test that the device comes up with only an IPv4 socket.
nt_check "$dev comes up" ip -n "$ns1" link set "$dev" up
ip -n "$ns1" link set wg0 up
nt_check "only a UDP IPv4 socket on :6201" eval \
	"ip netns exec $ns1 ss -uln | grep -q -E '0\\.0\\.0\\.0:6201 ' &&
	 ! ip netns exec $ns1 ss -uln | grep -q -E '\\[.*\\]:6201 '"

# peer_drop NS DEV PUBKEY REASON: the peer's drop counter REASON (the
# JSON puts one key a line; a peer's lines follow its public_key).
peer_drop() {
	ip netns exec "$1" tunctl show --json "$2" |
		awk -v k="$3" -v r="\"$4\":" '/"public_key":/ { p = index($0, k) > 0 }
			p && $1 == r { gsub(/,/, "", $2); print $2; exit }'
}
tx_errors() {
	ip netns exec "$1" cat "/sys/class/net/$2/statistics/tx_errors"
}
counted() {	# counted NS DEV PUBKEY: no_route > 0 and tx_errors > 0
	local n
	n=$(peer_drop "$1" "$2" "$3" no_route)
	echo "no_route=$n tx_errors=$(tx_errors "$1" "$2")"
	[ "${n:-0}" -gt 0 ] && [ "$(tx_errors "$1" "$2")" -gt 0 ]
}

# Test that traffic for the IPv6 peer is dropped, counted against it as
# no_route and in the device's tx_errors.
ip netns exec "$ns1" ping -c 3 -i 0.3 -W 1 -q 10.62.0.2 >/dev/null 2>&1 || true
nt_check "the failed sends are counted (peer no_route, device tx_errors)" \
	nt_wait_until 10 counted "$ns1" "$dev" "$(cat "$tmp/p2")"
p3_route=$(peer_drop "$ns1" "$dev" "$(cat "$tmp/p3")" no_route)

# Test that the wireguard reference, given the same, sends nothing either
# (it tries: ping makes it stage packets and start a handshake).
ip netns exec "$ns1" ping -c 3 -i 0.3 -W 1 -q 10.63.0.2 >/dev/null 2>&1 || true
nt_check "wireguard (reference) sent nothing to its IPv6 endpoint" eval \
	"ip netns exec $ns1 wg show wg0 transfer | awk '{ s += \$3 } END { exit s != 0 }'"

# Test that the device's IPv4 peer is not affected.
nt_check "the IPv4 peer works meanwhile" nt_wait_until 15 \
	ip netns exec "$ns1" ping -c 1 -W 1 -q 10.62.0.3
nt_check "no drop counted against the IPv4 peer" test "${p3_route:-x}" = 0

# Test that moving the peer to an IPv4 endpoint brings it into use (the
# IPv6 endpoint left nothing behind that blocks it).
ip netns exec "$ns1" tunctl set "$dev" peer "$(cat "$tmp/p2")" endpoint 192.168.64.2:6202
ip -n "$ns3" link add nt0 type noisetun
ip -n "$ns3" addr add 10.62.0.2/24 dev nt0
ip netns exec "$ns3" tunctl set nt0 private-key "$tmp/k2" listen-port 6202 \
	peer "$(cat "$tmp/p1")" allowed-ips 10.62.0.1/32 endpoint 192.168.64.1:6201
ip -n "$ns3" link set nt0 up
nt_check "peer A works once its endpoint is IPv4" nt_wait_until 15 \
	ip netns exec "$ns1" ping -c 1 -W 1 -q 10.62.0.2

# Test that nothing leaks: once the namespaces are gone, every peer and
# keypair the device logged is destroyed, and our slab caches are back
# to where they were.
nt_cleanup
objects_paired() {
	local k
	for k in 'Peer [0-9]+' 'Keypair [0-9]+' 'Interface'; do
		[ "$(klog | grep -c -E "noisetun: $dev: $k created\$")" = \
		  "$(klog | grep -c -E "noisetun: $dev: $k destroyed\$")" ] || return 1
	done
	[ "$(klog | grep -c -E "noisetun: $dev: Peer [0-9]+ created\$")" -ge 2 ]
}
nt_check "every interface, peer and keypair of $dev freed" nt_wait_until 10 objects_paired
nt_check "our slab caches ($NT_SLAB_CACHES) back to their start" \
	nt_wait_until 10 nt_slab_at_most "$slab0" ||
	nt_diag "$(nt_slab_at_most "$slab0" || true)"
[ "$NT_FAILED" -eq 0 ]
