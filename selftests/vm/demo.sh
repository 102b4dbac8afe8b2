#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 300
#
# make demo: two namespaces joined by a veth, each with an nt0 configured
# by tunctl (generated keys, one peer each, endpoints, allowed IPs), then
# `tunctl show` on both sides, a ping through the tunnel (the first one
# makes the handshake), and `tunctl show` again with the handshake and the
# traffic. Run in the VM by runner.sh (NT_MODE=demo).
#
#   +------------- demo1-$$ -------------+        +------------- demo2-$$ -------------+
#   | veth1 192.0.2.1/24                 |--------| veth2 192.0.2.2/24                 |
#   | nt0   198.51.100.1/24  udp 51820   |========| nt0   198.51.100.2/24  udp 51820   |
#   +------------------------------------+        +------------------------------------+

set -e
source "$(dirname "$0")/../lib.sh"

ns1="demo1-$$"
ns2="demo2-$$"
nt_tmpdir
umask 077

step() {	# step TITLE: a visible heading in the demo output
	printf '\n### %s\n' "$*"
}
show() {	# show NS CMD...: print "NS$ CMD" and run it there
	local ns=$1
	shift
	echo "[$ns]\$ $*"
	ip netns exec "$ns" "$@"
}

nt_require tunctl

step "Load the module"
nt_check "modprobe noisetun" nt_load_module

step "Two namespaces joined by a veth"
nt_netns_new "$ns1" "$ns2"
nt_veth_link "$ns1" "$ns2" 192.0.2
nt_check "veth ping" nt_wait_until 10 ip netns exec "$ns1" ping -c 1 -W 1 192.0.2.2

step "Keys (tunctl genkey | tunctl pubkey)"
for i in 1 2; do
	tunctl genkey >"$tmp/private$i"
	tunctl pubkey <"$tmp/private$i" >"$tmp/public$i"
	echo "side $i public key: $(cat "$tmp/public$i")"
done

step "nt0 in each namespace, configured by tunctl set"
for i in 1 2; do
	ns=$ns1 peer=2
	[ "$i" = 2 ] && ns=$ns2 peer=1
	nt_check "[$ns] ip link add nt0 type noisetun" ip -n "$ns" link add nt0 type noisetun
	echo "[$ns]\$ tunctl set nt0 private-key private$i listen-port 51820 peer <public$peer> endpoint 192.0.2.$peer:51820 allowed-ips 198.51.100.$peer/32"
	nt_check "[$ns] tunctl set nt0 ..." ip netns exec "$ns" tunctl set nt0 \
		private-key "$tmp/private$i" listen-port 51820 \
		peer "$(cat "$tmp/public$peer")" endpoint "192.0.2.$peer:51820" \
		allowed-ips "198.51.100.$peer/32"
	ip -n "$ns" addr add "198.51.100.$i/24" dev nt0
	nt_check "[$ns] ip link set nt0 up" ip -n "$ns" link set nt0 up
done

step "tunctl show, both sides"
show "$ns1" tunctl show nt0
echo
show "$ns2" tunctl show nt0
nt_check "[$ns1] tunctl show lists the peer" sh -c "ip netns exec '$ns1' tunctl show nt0 peers | grep -q -F '$(cat "$tmp/public2")'"
nt_check "[$ns2] tunctl show lists the peer" sh -c "ip netns exec '$ns2' tunctl show nt0 peers | grep -q -F '$(cat "$tmp/public1")'"

step "Handshake and ping through the tunnel"
show "$ns1" ping -c 3 -W 2 198.51.100.2 || true
nt_check "ping through nt0" ip netns exec "$ns1" ping -c 1 -W 2 198.51.100.2
has_handshake() {
	[ "$(ip netns exec "$1" tunctl show nt0 latest-handshakes | awk '{ print $2 }')" -gt 0 ]
}
nt_check "[$ns1] latest handshake recorded" has_handshake "$ns1"
nt_check "[$ns2] latest handshake recorded" has_handshake "$ns2"
echo
show "$ns1" tunctl show nt0
echo
show "$ns2" tunctl show nt0

step "Clean up"
ip -n "$ns1" link del nt0
ip -n "$ns2" link del nt0
echo "done"
