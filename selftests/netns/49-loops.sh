#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 300
#
# Tunnels inside tunnels (Documentation/testing.md 1.1 #8, #9, #12): nt1 carried
# over nt0 passes data both ways; a cross-namespace routing loop must not
# amplify (tx growth under 70 000 bytes for 10 flood pings plus 1 s,
# fatal here where upstream only warns); an onion whose outer endpoint is
# moved inside its own tunnel must fail quietly, not crash, and leave the
# carrier tunnel working.
#
# Part 1 (#8, #9): the container pattern for nt0 (sockets in ntlp0); nt1
# is created in ntlp1/ntlp2, so its socket is there and it rides on nt0.
#
#   +------- ntlp1-$$ -------+     +---- ntlp0-$$ ----+     +------- ntlp2-$$ -------+
#   | nt1 192.168.241.1/24   |     | lo: nt0 sockets  |     | nt1 192.168.241.2/24   |
#   |     fd00::1/112 (:5)   |     |   :1 and :2      |     |     fd00::2/112 (:5)   |
#   | nt0 fd00::5:1/112 =====+=====+==================+=====+= nt0 fd00::5:2/112     |
#   +------------------------+     +------------------+     +------------------------+
#
# Then nt1 of ntlp1 moves into ntlp0 (its socket stays in ntlp1), ntlp1's
# nt0 is pointed at 192.168.241.2:7, which ntlp0 routes into nt1, and
# ntlp2's devices go: every packet now loops ntlp0 -> ntlp1 -> ntlp0.
#
# Part 2 (#12): nt0 created in ntlp1/ntlp2 over a veth; ntlp2 adds nt1
# (port 5) reached through nt0.
#
#   +------- ntlp1-$$ -------+              +------- ntlp2-$$ -------+
#   | nt0 192.168.241.1/24   |              | nt0 192.168.241.2/24   |
#   |     192.168.242.1/24   |              | nt1 192.168.242.2/24   |
#   |   peer 3 -> .241.2:5   |              |                        |
#   | veth1 10.0.0.1/24 -----+--------------+-- veth2 10.0.0.2/24    |
#   +------------------------+              +------------------------+

set -e
source "$(dirname "$0")/../lib.sh"

# The device under test. To check this script's own logic against the
# in-tree module, set kind=wireguard here in a scratch copy (never commit
# that): the same story then runs on `type wireguard` configured by wg.
kind=noisetun

ns0="ntlp0-$$"
ns1="ntlp1-$$"
ns2="ntlp2-$$"
nt_tmpdir

nt_kind "$kind" ping ss

nt_container_rig "$ns0" "$ns1" "$ns2"

nt_keys "$tmp" 1 2 3 4

# tx_bytes NS DEV: bytes DEV in NS sent to its (only) peer; fails when
# the show does (captured first: piped into awk, it would read as "").
tx_bytes() {
	local out
	out=$(ip netns exec "$1" "$ctl" show "$2" transfer) || return 1
	awk 'NR == 1 { print $3 }' <<<"$out"
}

# nonzero_drops NS DEV: the device's non-zero drop counters, "reason=N ..."
# (noisetun only: the device's "drops" object comes first in --json).
nonzero_drops() {
	ip netns exec "$1" tunctl show "$2" --json |
		awk '/"drops"/ { n++ } n == 1 && /": [1-9]/ { gsub(/[",]/, ""); printf "%s%s ", $1, $2 }
		     /}/ && n == 1 { exit }'
}

# --- part 1: nt1 over nt0 (netns.sh #8) -------------------------------------
ip -n "$ns1" addr add fd00::5:1/112 dev nt0
ip -n "$ns2" addr add fd00::5:2/112 dev nt0
n1 "$ctl" set nt0 private-key "$tmp/k1" listen-port 1 \
	peer "$pub2" allowed-ips fd00::5:2/128 endpoint 127.0.0.1:2
n2 "$ctl" set nt0 private-key "$tmp/k2" listen-port 2 \
	peer "$pub1" allowed-ips fd00::5:1/128 endpoint 127.0.0.1:1
ip -n "$ns1" link set nt0 up
ip -n "$ns2" link set nt0 up

ip -n "$ns1" link add nt1 type "$kind"
ip -n "$ns2" link add nt1 type "$kind"
ip -n "$ns1" addr add 192.168.241.1/24 dev nt1
ip -n "$ns1" addr add fd00::1/112 dev nt1
ip -n "$ns2" addr add 192.168.241.2/24 dev nt1
ip -n "$ns2" addr add fd00::2/112 dev nt1
ip -n "$ns1" link set nt1 mtu 1340 up
ip -n "$ns2" link set nt1 mtu 1340 up
n1 "$ctl" set nt1 listen-port 5 private-key "$tmp/k3" \
	peer "$pub4" allowed-ips 192.168.241.2/32,fd00::2/128 endpoint "[fd00::5:2]:5"
n2 "$ctl" set nt1 listen-port 5 private-key "$tmp/k4" \
	peer "$pub3" allowed-ips 192.168.241.1/32,fd00::1/128 endpoint "[fd00::5:1]:5"

# Test that nt1 carries data both ways through nt0: pings, inner v4 and
# v6, and short iperf3 TCP and UDP runs.
nt_check "nt1 over nt0: first ping ns1->ns2 brings both sessions up" \
	n1 ping -c 1 -W 10 192.168.241.2
nt_check "nt1 over nt0: ping v4 ns2->ns1 (10 flood, no loss)" nt_flood "$ns2" 192.168.241.1 || true
nt_check "nt1 over nt0: ping v4 ns1->ns2 (10 flood, no loss)" nt_flood "$ns1" 192.168.241.2 || true
nt_check "nt1 over nt0: ping v6 ns2->ns1 (10 flood, no loss)" nt_flood "$ns2" -6 fd00::1 || true
nt_check "nt1 over nt0: ping v6 ns1->ns2 (10 flood, no loss)" nt_flood "$ns1" -6 fd00::2 || true
if nt_have iperf3; then
	nt_check "nt1 over nt0: iperf3 TCP ns1->ns2" nt_iperf "$ns2" "$ns1" 192.168.241.2 || true
	nt_check "nt1 over nt0: iperf3 UDP ns2->ns1" nt_iperf "$ns1" "$ns2" fd00::1 -u -b 0 || true
else
	nt_skip_check "nt1 over nt0: iperf3 TCP and UDP" "iperf3 is not in the VM"
fi

# --- routing loop (netns.sh #9) ---------------------------------------------
ip -n "$ns1" link set nt1 netns "$ns0"
ip -n "$ns0" addr add 192.168.241.1/24 dev nt1
ip -n "$ns0" link set nt1 up

# Test that nt1, now in ns0 with its socket still in ns1, still reaches
# ns2 through ns1's nt0.
nt_check "loop setup: ping ns0->ns2 through the moved nt1" n0 ping -c 1 -W 5 192.168.241.2 || true

# Close the loop: ns1's nt0 now sends to 192.168.241.2:7, which ns0 (where
# that socket lives) routes into nt1, whose socket in ns1 routes into nt0.
n1 "$ctl" set nt0 peer "$pub2" endpoint 192.168.241.2:7
ip -n "$ns2" link del nt0
ip -n "$ns2" link del nt1

# Test that the looping packets die out instead of multiplying: nt1's tx
# growth over 10 flood pings and 1 s more stays under 70 000 bytes. And
# that they did loop: each ping leaves nt1 as a 128-byte message (84
# bytes padded to 96, + 32), which nt0 wraps into a 236-byte datagram
# that comes back into nt1 as a 272-byte message, so at least 400 bytes
# per ping (a loop that never carried anything would pass the upper
# bound alone).
before=$(tx_bytes "$ns0" nt1)
nt_check_fails "routing loop: the flood pings get no reply" n0 ping -c 10 -f -W 1 192.168.241.2 || true
sleep 1		# the time the loop is given to amplify
after=$(tx_bytes "$ns0" nt1)
nt_diag "routing loop: nt1 sent $((after - before)) bytes"
nt_check "routing loop: nt1 tx growth $((after - before)) B < 70000 B" \
	test $((after - before)) -lt 70000 || true
nt_check "routing loop: the pings went round it (nt1 tx growth $((after - before)) B >= 10 * 400 B)" \
	test $((after - before)) -ge 4000 || true
ip -n "$ns0" link del nt1
ip -n "$ns1" link del nt0

# --- onion loop (netns.sh #12) ----------------------------------------------
nt_veth_link "$ns1" "$ns2" 10.0.0
ip -n "$ns1" link add nt0 type "$kind"
ip -n "$ns2" link add nt0 type "$kind"
nt_pair_up --v4 "$ns1" "$ns2" "$tmp" "endpoint 10.0.0.2:2"
nt_check "onion: the carrier nt0 works" n1 ping -c 1 -W 10 192.168.241.2 || true

# ns1's nt0 gets a second peer (ns2's nt1, key 3) whose endpoint is inside
# the first peer's tunnel: the onion.
n1 "$ctl" set nt0 peer "$pub3" allowed-ips 192.168.242.2/32 endpoint 192.168.241.2:5
ip -n "$ns1" addr add 192.168.242.1/24 dev nt0
ip -n "$ns2" link add nt1 type "$kind"
ip -n "$ns2" addr add 192.168.242.2/24 dev nt1
n2 "$ctl" set nt1 private-key "$tmp/k3" listen-port 5 peer "$pub1" allowed-ips 192.168.242.1/32
ip -n "$ns2" link set nt1 up

# Test that the onion works, then that moving its outer endpoint inside
# its own tunnel (ns2's nt1 gone) fails the ping without crashing, and
# leaves the carrier tunnel working.
if ! nt_check "onion: ping ns1->ns2 through both layers" n1 ping -c 1 -W 10 192.168.242.2; then
	[ "$kind" = noisetun ] && nt_diag "ns1's nt0 drops: $(nonzero_drops "$ns1" nt0)"
fi
ip -n "$ns2" link del nt1
n1 "$ctl" set nt0 peer "$pub3" endpoint 192.168.242.2:5
nt_check_fails "onion loop: the ping fails" n1 ping -c 1 -W 2 192.168.242.2 || true
nt_check "onion loop: the device still answers netlink" n1 "$ctl" show nt0 dump || true
n1 "$ctl" set nt0 peer "$pub3" remove
ip -n "$ns1" addr del 192.168.242.1/24 dev nt0
nt_check "onion loop: the carrier nt0 still works" n1 ping -c 1 -W 5 192.168.241.2 || true
ip -n "$ns1" link del nt0
ip -n "$ns2" link del nt0

# Every failed check is recorded above; the story went on past the
# independent ones.
[ "$NT_FAILED" -eq 0 ] || exit 1
