#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 300
# nt-category: concurrency
#
# Every way a configured device goes away frees it completely (peers,
# allowed IPs, sockets) and logs its destruction: `ip link del`; deleting
# the namespace it lives in; deleting the namespace it was created in
# while it lives elsewhere (its sockets are there); two devices swapped
# between two namespaces that then die together (netns.sh #24); and
# `rmmod` with configured, running devices in several namespaces.
#
#   +--- ntdA-$$ ---+  d1 moved  +--- ntdB-$$ ---+
#   |  d2 (of B)    | ---------> |  d1 (of A)    |   the circular pair
#   |  d1's sockets | <--------- |  d2's sockets |
#   +---------------+  d2 moved  +---------------+
#   +--- ntdC-$$ ---+            +--- ntdD-$$ ---+
#   |  c1, c2       |            |  (c2 lives    |   creating vs living
#   |               | ---------> |   here)       |
#   +---------------+            +---------------+

set -e
source "$(dirname "$0")/../lib.sh"

nsA="ntdA-$$"
nsB="ntdB-$$"
nsC="ntdC-$$"
nsD="ntdD-$$"
nt_testprog probe_bin nlprobe

nt_require wg ss
nt_load_module

# Unique device names, so that the kernel log can be read per device.
tag=$(( $$ % 100000 ))
name() { echo "td$1$tag"; }

# configure NS DEV PORT: a key, a port, two peers with allowed IPs and
# endpoints, and the device up (sockets bound).
configure() {
	ip netns exec "$1" "$probe_bin" set ifname strz "$2" private_key key "$(wg genkey)" \
		listen_port u16 "$3" nest peers \
		nest 0 public_key key "$(wg genkey | wg pubkey)" endpoint sa 192.0.2.1:1 \
			nest allowedips nest 0 family u16 2 ipaddr ip 10.1.0.0 cidr_mask u8 16 end \
			nest 1 family u16 10 ipaddr ip fd00:: cidr_mask u8 64 end end end \
		nest 1 public_key key "$(wg genkey | wg pubkey)" \
			nest allowedips nest 0 family u16 2 ipaddr ip 10.2.0.0 cidr_mask u8 16 end end end \
		end >/dev/null
	ip -n "$1" link set "$2" up
}

# logged DEV WHAT: how many "DEV: WHAT" lines the module logged.
logged() {
	nt_kmsg | grep -c "noisetun: $1: $2\$" || true
}

# peers_balanced DEV: as many peers of DEV destroyed as created (ids are
# module-wide, so peers pair by id).
peers_balanced() {
	local ids
	ids=$(nt_kmsg | sed -n "s/.*noisetun: $1: Peer \([0-9]*\) created\$/\1/p")
	for id in $ids; do
		nt_kmsg | grep -q "noisetun: [^ ]*: Peer $id destroyed\$" || return 1
	done
}

# gone DEV: DEV was logged destroyed as often as created, peers included.
gone() {
	[ "$(logged "$1" "Interface created")" -gt 0 ] &&
	[ "$(logged "$1" "Interface created")" = "$(logged "$1" "Interface destroyed")" ] &&
	peers_balanced "$1"
}

# port_bound NS PORT / port_free NS PORT: ss in NS succeeds and lists
# (does not list) a UDP socket on PORT. Both fail when ss fails (e.g. NS
# is gone): a port in a namespace that cannot be looked at is neither.
udp_sockets() {
	ip netns exec "$1" ss -Hnlu
}
port_bound() {
	local out
	out=$(udp_sockets "$1") || return 1
	grep -q ":$2 " <<<"$out"
}
port_free() {
	local out
	out=$(udp_sockets "$1") || return 1
	! grep -q ":$2 " <<<"$out"
}

# netns_gone NS...: `ip netns list` succeeds and lists none of NS.
netns_gone() {
	local out ns
	out=$(ip netns list) || return 1
	for ns in "$@"; do
		! grep -q "^$ns\b" <<<"$out" || return 1
	done
}

# Whether this build logs objects (DEBUG); without it, only the state is checked.
ip link add "$(name probe)" type noisetun
ip link del "$(name probe)"
if [ "$(logged "$(name probe)" "Interface created")" = 0 ]; then
	debug=0
	nt_diag "not a DEBUG build: object log checks are skipped"
else
	debug=1
fi

# check_gone DESC DEV: DEV's destruction was logged, when this build logs.
check_gone() {
	if [ "$debug" = 1 ]; then
		nt_check "$1" nt_wait_until 10 gone "$2"
	else
		nt_skip_check "$1" "not a DEBUG build"
	fi
}

# Test that `ip link del` of a configured, running device frees it all.
nt_netns_new "$nsA" "$nsB" "$nsC" "$nsD"
d=$(name del)
ip -n "$nsA" link add "$d" type noisetun
configure "$nsA" "$d" 43000
nt_check "its port is bound" port_bound "$nsA" 43000
nt_check "ip link del" ip -n "$nsA" link del "$d"
nt_check "its port is closed" nt_wait_until 5 port_free "$nsA" 43000
check_gone "interface and peers destroyed" "$d"

# Test that deleting the namespace a device lives (and was created) in
# frees it.
d=$(name own)
ip -n "$nsC" link add "$d" type noisetun
configure "$nsC" "$d" 43001
ip netns del "$nsC"
check_gone "deleting its namespace destroys it" "$d"

# Test that a device created in one namespace and living in another is
# deleted when its creating namespace dies (its sockets lived there).
nt_netns_new "$nsC"
c1=$(name c1)
c2=$(name c2)
ip -n "$nsC" link add "$c1" type noisetun
ip -n "$nsC" link add "$c2" netns "$nsD" type noisetun
configure "$nsD" "$c2" 43002
nt_check "c2 lives in D, its sockets in C" port_bound "$nsC" 43002
ip netns del "$nsC"
nt_check "c2 disappears from D" nt_wait_until 10 eval "! ip -n $nsD link show dev $c2"
check_gone "c1 destroyed" "$c1"
check_gone "c2 destroyed" "$c2"

# Test that a device living in a dying namespace, created in a live one,
# is deleted and its sockets closed in the live one.
nt_netns_new "$nsC"
c3=$(name c3)
ip -n "$nsC" link add "$c3" netns "$nsD" type noisetun
configure "$nsD" "$c3" 43003
nt_check "c3's sockets are in C" port_bound "$nsC" 43003
ip netns del "$nsD"
nt_check "c3's port in C closes" nt_wait_until 10 port_free "$nsC" 43003
check_gone "c3 destroyed" "$c3"

# Test the circular case: A's device moved to B, B's to A, both die.
d1=$(name d1)
d2=$(name d2)
ip -n "$nsA" link add "$d1" type noisetun
ip -n "$nsB" link add "$d2" type noisetun
configure "$nsA" "$d1" 43004
configure "$nsB" "$d2" 43005
ip -n "$nsA" link set "$d1" netns "$nsB"
ip -n "$nsB" link set "$d2" netns "$nsA"
ip -n "$nsA" link set "$d2" up
ip -n "$nsB" link set "$d1" up
nt_check "d1's sockets in A, d2's in B" eval "port_bound $nsA 43004 && port_bound $nsB 43005"
ip netns del "$nsA"
ip netns del "$nsB"
check_gone "d1 destroyed" "$d1"
check_gone "d2 destroyed" "$d2"
nt_check "both namespaces are really gone" \
	nt_wait_until 10 netns_gone "$nsA" "$nsB"

# Test that rmmod deletes configured, running devices in several
# namespaces, and that the module can be loaded again.
nsE="ntdE-$$"
nsF="ntdF-$$"
nt_netns_new "$nsE" "$nsF"
e1=$(name e1)
e2=$(name e2)
f1=$(name f1)
ip -n "$nsE" link add "$e1" type noisetun
ip -n "$nsE" link add "$e2" netns "$nsF" type noisetun
ip -n "$nsF" link add "$f1" type noisetun
configure "$nsE" "$e1" 43010
configure "$nsF" "$e2" 43011
configure "$nsF" "$f1" 43012
nt_check "rmmod with three configured devices" nt_wait_until 10 rmmod noisetun
nt_check "the module is gone" nt_wait_until 5 eval "! test -d /sys/module/noisetun"
nt_check "their ports are closed" \
	eval "port_free $nsE 43010 && port_free $nsE 43011 && port_free $nsF 43012"
check_gone "e1 destroyed" "$e1"
check_gone "e2 destroyed" "$e2"
check_gone "f1 destroyed" "$f1"
nt_check "modprobe again" modprobe noisetun
