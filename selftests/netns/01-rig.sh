#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The rig itself, without noisetun: the VM has the real tools and the
# kernel modules the scenarios need, and the reference peers work. Two
# namespaces joined by a veth ping each other; the in-tree wireguard module
# handshakes and carries ping, TCP (iperf3, nc) between them; a kernel
# wireguard device handshakes with wireguard-go; iptables (legacy) loads
# its NAT, length, mark and conntrack modules.
#
#   +------------- ns1-$$ -------------+        +------------- ns2-$$ -------------+
#   | veth1 192.0.2.1/24               |--------| veth2 192.0.2.2/24               |
#   | wg0 198.51.100.1/24  udp 51820   |========| wg0 198.51.100.2/24  udp 51820   |  kernel <-> kernel
#   | wg1 203.0.113.1/24   udp 51821   |========| wggo 203.0.113.2/24  udp 51821   |  kernel <-> wireguard-go
#   +----------------------------------+        +----------------------------------+

set -e
source "$(dirname "$0")/../lib.sh"

ns1="rig1-$$"
ns2="rig2-$$"
nt_tmpdir

umask 077	# private keys in files
n1() { ip netns exec "$ns1" "$@"; }
n2() { ip netns exec "$ns2" "$@"; }

is_real() {	# is_real CMD: CMD resolves to a program that is not busybox
	local p
	p=$(command -v "$1") && [ "$(readlink -f "$p")" != /bin/busybox ]
}

# Test that the scenarios get the real tools, not busybox applets of the same name.
for c in ip ss wg wireguard-go iperf3 nc iptables ping modprobe timeout; do
	nt_check "real $c in PATH ($(command -v "$c" || echo none))" is_real "$c"
done
if command -v tunctl >/dev/null; then
	nt_check "our tunctl in PATH" is_real tunctl
else
	nt_skip_check "our tunctl in PATH" "tools/tunctl not built"
fi

# Test that the kernel modules the scenarios need load.
for m in veth wireguard tun dummy; do
	nt_check "modprobe $m" modprobe "$m"
done

nt_netns_new "$ns1" "$ns2"
nt_veth_link "$ns1" "$ns2" 192.0.2

# Test that the two namespaces reach each other over the veth.
nt_check "ping over veth" nt_wait_until 10 n1 ping -c 1 -W 1 192.0.2.2

# wg_pair DEV1 DEV2 PORT NET: DEV1 in ns1 and DEV2 in ns2, both made
# already, each other's peer over the veth with new keys (wg genkey), on
# PORT, as NET.1/24 and NET.2/24; up.
wg_pair() {
	local i
	for i in 1 2; do
		wg genkey >"$tmp/$3.key$i"
		wg pubkey <"$tmp/$3.key$i" >"$tmp/$3.pub$i"
	done
	n1 wg set "$1" private-key "$tmp/$3.key1" listen-port "$3" \
		peer "$(cat "$tmp/$3.pub2")" endpoint "192.0.2.2:$3" allowed-ips "$4.2/32"
	n2 wg set "$2" private-key "$tmp/$3.key2" listen-port "$3" \
		peer "$(cat "$tmp/$3.pub1")" endpoint "192.0.2.1:$3" allowed-ips "$4.1/32"
	n1 ip addr add "$4.1/24" dev "$1"
	n2 ip addr add "$4.2/24" dev "$2"
	n1 ip link set "$1" up
	n2 ip link set "$2" up
}

# Kernel <-> kernel: wg0 on both sides.
n1 ip link add wg0 type wireguard
n2 ip link add wg0 type wireguard
wg_pair wg0 wg0 51820 198.51.100

# Test that the in-tree wireguard module handshakes and carries ping.
nt_check "wireguard: ping through wg0" nt_wait_until 15 n1 ping -c 1 -W 1 198.51.100.2
# handshake_recorded NS DEV: `wg show DEV latest-handshakes` in NS
# succeeds with one peer line whose time is not 0. (Captured first: awk
# exits 0 on no input, so a failing wg piped into it would pass.)
handshake_recorded() {
	local out
	out=$(ip netns exec "$1" wg show "$2" latest-handshakes) || return 1
	echo "$out"
	[ -n "$out" ] && awk '{ exit !($2 > 0) }' <<<"$out"
}
nt_check "wireguard: latest handshake recorded" handshake_recorded "$ns1" wg0

# Test that TCP flows through the tunnel (iperf3 for 1 s).
nt_bg n2 iperf3 -s -1 -B 198.51.100.2
listening() { n2 ss -tln | grep -q '198.51.100.2:5201'; }
nt_wait_until 10 listening || true
nt_check "iperf3: 1 s of TCP through wg0" n1 iperf3 -c 198.51.100.2 -t 1

# Test that nc carries a line through the tunnel.
nt_bg n2 sh -c "exec nc -l 198.51.100.2 9999 >'$tmp/nc.out'"
nc_listening() { n2 ss -tln | grep -q '198.51.100.2:9999'; }
nt_wait_until 10 nc_listening || true
nt_check "nc: send a line through wg0" sh -c "echo hello-rig | ip netns exec '$ns1' nc -N 198.51.100.2 9999"
nc_got() { grep -q hello-rig "$tmp/nc.out"; }
nt_check "nc: line received" nt_wait_until 5 nc_got

# Kernel <-> wireguard-go: wg1 <-> wggo. The names must differ: wg(8)
# prefers a userspace device's socket (/run/wireguard/NAME.sock, visible
# from every namespace) over a kernel device of the same name.
nt_bg env WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1 ip netns exec "$ns2" wireguard-go -f wggo
go_up() { n2 wg show wggo >/dev/null; }
nt_check "wireguard-go: wggo created" nt_wait_until 20 go_up
n1 ip link add wg1 type wireguard
wg_pair wg1 wggo 51821 203.0.113

# Test that the kernel module and wireguard-go handshake and carry ping.
nt_check "wireguard-go: ping through wg1 <-> wggo" nt_wait_until 20 n1 ping -c 1 -W 1 203.0.113.2
nt_check "wireguard-go: latest handshake recorded" handshake_recorded "$ns2" wggo

# Test that iptables (legacy) loads its tables and the matches later tests use.
nt_check "iptables: nat MASQUERADE" n1 iptables -t nat -A POSTROUTING -o veth1 -j MASQUERADE
nt_check "iptables: -m length" n1 iptables -A OUTPUT -m length --length 1360 -j DROP
nt_check "iptables: mangle MARK" n1 iptables -t mangle -A OUTPUT -j MARK --set-mark 1
nt_check "iptables: -m mark" n1 iptables -A INPUT -m mark --mark 1 -j ACCEPT
nt_check "iptables: -m conntrack" n1 iptables -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
nt_check "ip6tables: filter" n1 ip6tables -A OUTPUT -p udp --dport 9 -j DROP

# Test that traffic still flows through NAT and the rules.
nt_check "ping through wg0 with NAT and rules in place" n1 ping -c 2 -W 2 198.51.100.2
