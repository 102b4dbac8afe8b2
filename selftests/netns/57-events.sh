#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 300
#
# Events on the "events" multicast group, read by `tunctl monitor`
# (Documentation/uapi.md "Events"): the exact sequence of events for a
# handshake (as initiator in ntev1, as responder in ntev2), a roam, a
# peer change, a peer removal, a device key change that displaces a peer,
# a device deleted with its peers (ip link del in ntev1; in ntev2, a
# device whose creating namespace ntevc dies): one device-removed event
# each and no peer-removed, and (SLOW=1) a handshake given up after REKEY_ATTEMPT_TIME, each
# compared with an expected transcript once the variable fields (keys,
# ifindex, round trip) are normalized. Also: the interface filter, a
# listener without CAP_NET_ADMIN over the namespace gets nothing, a
# reader that stops reading is told that events were lost, no event
# carries a private or preshared key, and SIGINT ends the monitor with
# status 0.
#
#   +--------- ntev1-$$ ----------+            +--------- ntev2-$$ ---------+
#   | nt0 10.57.0.1  :5701        |            | nt0 10.57.0.2  :5702/3/4   |
#   | nt1 (no peers: filter,      |            | nt9 (2 peers; created in   |
#   |      overrun)               |            |  ntevc-$$, moved here; gone|
#   | nt2 (2 peers, deleted)      |            |  when ntevc-$$ dies)       |
#   | veth1 192.168.57.1 =========|============|= veth2 192.168.57.2        |
#   | monitors: all --json,       |            | monitor (human lines)      |
#   |   nt0 --json, a stopped one |            |                            |
#   +-----------------------------+            +----------------------------+
#
#   +--------- ntev3-$$ (SLOW=1) ---------+
#   | nt0, one peer at 127.0.0.1:9,       |
#   | which never answers: given up       |
#   +-------------------------------------+

set -e
source "$(dirname "$0")/../lib.sh"

ns1="ntev1-$$"
ns2="ntev2-$$"
ns3="ntev3-$$"
nsc="ntevc-$$"
nt_tmpdir
nt_kind noisetun unshare ping
nt_netns_new "$ns1" "$ns2"
nt_veth_link "$ns1" "$ns2" 192.168.57
n1() { ip netns exec "$ns1" "$@"; }
n2() { ip netns exec "$ns2" "$@"; }

nt_keys "$tmp" 1 2 3 4 9
(umask 077 && tunctl genpsk >"$tmp/psk")
psk=$(cat "$tmp/psk")
psync=$pub9	# the key of the peer that synchronizes the monitors

for ns in "$ns1" "$ns2"; do
	ip -n "$ns" link add nt0 type noisetun
done
ip -n "$ns1" link add nt1 type noisetun
# Devices with peers, to delete later: nt2 in ntev1 (ip link del), and
# nt9, created in ntevc and moved to ntev2, which goes when ntevc dies.
ip -n "$ns1" link add nt2 type noisetun
n1 tunctl set nt2 peer "$pub3" peer "$pub4"
nt_netns_new "$nsc"
ip -n "$nsc" link add nt9 type noisetun
ip netns exec "$nsc" tunctl set nt9 peer "$pub3" peer "$pub4"
ip -n "$nsc" link set nt9 netns "$ns2"
n1 tunctl set nt0 private-key "$tmp/k1" listen-port 5701
n2 tunctl set nt0 private-key "$tmp/k2" listen-port 5702
ip -n "$ns1" addr add 10.57.0.1/24 dev nt0
ip -n "$ns2" addr add 10.57.0.2/24 dev nt0
ip -n "$ns1" link set nt0 up
ip -n "$ns2" link set nt0 up

# monitor NS FILE ARGS...: `tunctl monitor ARGS` in NS in the background,
# its output in FILE, its errors in FILE.err; its pid in $NT_LAST_PID
# (tunctl itself: bash and ip netns exec exec it).
monitor() {
	local ns=$1 out=$2
	shift 2
	nt_bg bash -c 'out=$1 ns=$2; shift 2; exec ip netns exec "$ns" tunctl monitor "$@" >"$out" 2>"$out.err"' \
		- "$out" "$ns" "$@"
}

monitor "$ns1" "$tmp/all" --json
mon_all=$NT_LAST_PID
monitor "$ns1" "$tmp/nt0" nt0 --json
mon_nt0=$NT_LAST_PID
monitor "$ns1" "$tmp/slow" nt1 --json
mon_slow=$NT_LAST_PID
monitor "$ns2" "$tmp/human"
mon_human=$NT_LAST_PID

# synced NS FILE...: add and remove the sync peer on NS's nt0; true once
# every FILE shows it, that is once each monitor has joined the group.
# (The kernel sends a SET's events before it answers the SET.)
synced() {
	local ns=$1 f
	shift
	ip netns exec "$ns" tunctl set nt0 peer "$psync"
	ip netns exec "$ns" tunctl set nt0 peer "$psync" remove
	for f in "$@"; do
		grep -qF -- "$psync" "$f" || return 1
	done
}
# The slow monitor watches nt1: sync it through nt1's own events.
synced_nt1() {
	n1 tunctl set nt1 peer "$psync"
	n1 tunctl set nt1 peer "$psync" remove
	grep -qF -- "$psync" "$tmp/slow"
}

# Test that each monitor joins the events group.
nt_check "monitors in $ns1 listen" nt_wait_until 20 synced "$ns1" "$tmp/all" "$tmp/nt0"
nt_check "the nt1 monitor listens" nt_wait_until 20 synced_nt1
nt_check "the monitor in $ns2 listens" nt_wait_until 20 synced "$ns2" "$tmp/human"

# transcript FILE: FILE without the sync peer's events, with keys named
# and ifindex and round trip normalized.
transcript() {
	grep -vF -- "$psync" "$1" | sed -e "s|$pub1|PUB1|g; s|$pub2|PUB2|g; s|$pub3|PUB3|g; s|$pub4|PUB4|g" \
		-e 's/"ifindex": [0-9]*/"ifindex": I/; s/"rtt_ns": [0-9]*/"rtt_ns": N/' \
		-e 's/round trip [0-9.]* ms/round trip N ms/'
}
# lines FILE N: FILE holds at least N events beyond the sync peer's.
lines() {
	[ "$(grep -vcF -- "$psync" "$1")" -ge "$2" ]
}

# --- the story ---------------------------------------------------------------
# Peers added (ntev1: PUB2; nt1 of ntev1: PUB4; ntev2: PUB1).
n1 tunctl set nt0 peer "$pub2" preshared-key "$tmp/psk" allowed-ips 10.57.0.2/32 \
	endpoint 192.168.57.2:5702
n1 tunctl set nt1 peer "$pub4"
n2 tunctl set nt0 peer "$pub1" preshared-key "$tmp/psk" allowed-ips 10.57.0.1/32 \
	endpoint 192.168.57.1:5701

# A handshake: ntev1 initiates, with its first ping.
nt_check "handshake: ping ntev1 -> ntev2" n1 ping -c 1 -W 10 10.57.0.2
nt_check "handshake: ntev1 reports it" nt_wait_until 10 lines "$tmp/all" 3
nt_check "handshake: ntev2 reports it" nt_wait_until 10 lines "$tmp/human" 2

# rtt FILE: the round trip of FILE's first handshake-complete, in ns.
rtt() {
	sed -n 's/.*"rtt_ns": \([0-9]*\).*/\1/p' "$1" | head -n 1
}
# Test that the initiator's round trip is measured: above 0, below 10 s.
nt_check "handshake: a round trip measured ($(rtt "$tmp/all") ns)" \
	test "$(rtt "$tmp/all")" -gt 0 -a "$(rtt "$tmp/all")" -lt 10000000000

# A roam, and another within the same second: ntev2 moves to port 5703
# and pings, then at once to 5704 and pings. ntev1 follows both, but
# announces the second only with the first packet after that second.
nt_check "roam: pings ntev2 -> ntev1 from port 5703, then at once from 5704" \
	n2 sh -c "tunctl set nt0 listen-port 5703 && ping -c 1 -W 10 10.57.0.1 >/dev/null &&
		tunctl set nt0 listen-port 5704 && ping -c 1 -W 10 10.57.0.1 >/dev/null"
nt_check "roam: ntev1 reports the first" nt_wait_until 10 lines "$tmp/all" 4
# Test that the second change, within a second of the first's event, is
# not announced yet, though ntev1 follows it.
nt_check "roam: the second is held back" \
	eval 'n1 tunctl show nt0 endpoints | grep -q ":5704$" && ! lines "$tmp/all" 5'
sleep 1.2
# Test that the next packet after the second announces the endpoint then
# in use.
nt_check "roam: ping ntev2 -> ntev1 after the second" n2 ping -c 1 -W 10 10.57.0.1
nt_check "roam: the held change is announced" nt_wait_until 10 lines "$tmp/all" 5

# A change, a removal, and a key change that displaces a peer.
n1 tunctl set nt0 peer "$pub2" persistent-keepalive 25 allowed-ips 10.57.0.2/32,10.57.9.0/24
n1 tunctl set nt0 peer "$pub2" remove
n1 tunctl set nt0 peer "$pub3"
n1 tunctl set nt0 private-key "$tmp/k3"
nt_check "configuration: ntev1 reports it" nt_wait_until 10 lines "$tmp/all" 10

# Devices deleted with their peers: nt2 by ip link del; nt9 (in ntev2)
# when the namespace that created it dies.
ip -n "$ns1" link del nt2
nt_check "ip link del: ntev1 reports it" nt_wait_until 10 lines "$tmp/all" 11
ip netns del "$nsc"
nt_check "creating namespace gone: ntev2 reports its device's end" \
	nt_wait_until 30 lines "$tmp/human" 3

cat >"$tmp/want-nt0" <<'EOF'
{"event": "peer-added", "interface": "nt0", "ifindex": I, "peer": "PUB2"}
{"event": "handshake-complete", "interface": "nt0", "ifindex": I, "peer": "PUB2", "role": "initiator", "rtt_ns": N, "endpoint": "192.168.57.2:5702"}
{"event": "endpoint-changed", "interface": "nt0", "ifindex": I, "peer": "PUB2", "endpoint": "192.168.57.2:5703"}
{"event": "endpoint-changed", "interface": "nt0", "ifindex": I, "peer": "PUB2", "endpoint": "192.168.57.2:5704"}
{"event": "peer-changed", "interface": "nt0", "ifindex": I, "peer": "PUB2", "changes": ["allowed-ips", "persistent-keepalive"]}
{"event": "peer-removed", "interface": "nt0", "ifindex": I, "peer": "PUB2"}
{"event": "peer-added", "interface": "nt0", "ifindex": I, "peer": "PUB3"}
{"event": "device-key-changed", "interface": "nt0", "ifindex": I, "public_key": "PUB3"}
{"event": "peer-removed", "interface": "nt0", "ifindex": I, "peer": "PUB3"}
EOF
{
	head -n 1 "$tmp/want-nt0"
	echo '{"event": "peer-added", "interface": "nt1", "ifindex": I, "peer": "PUB4"}'
	tail -n +2 "$tmp/want-nt0"
	echo '{"event": "device-removed", "interface": "nt2", "ifindex": I}'
} >"$tmp/want-all"
cat >"$tmp/want-human" <<'EOF'
nt0: peer PUB1: added
nt0: peer PUB1: handshake complete (responder, endpoint 192.168.57.1:5701)
nt9: device removed, with its peers
EOF

# same WANT FILE: FILE's transcript is WANT, exactly.
same() {
	diff -u "$1" <(transcript "$2")
}

# Test that each listener saw exactly the expected events, in order.
nt_check "transcript of ntev1, every device (JSON)" same "$tmp/want-all" "$tmp/all"
nt_check "transcript of ntev1, 'monitor nt0' (JSON): no nt1 event" same "$tmp/want-nt0" "$tmp/nt0"
nt_check "transcript of ntev2 (human lines)" same "$tmp/want-human" "$tmp/human"

# no_secrets FILE...: no private key and no preshared key in any FILE.
no_secrets() {
	local f k
	for f in "$@"; do
		for k in "$psk" $(cat "$tmp/k1" "$tmp/k2" "$tmp/k3" "$tmp/k4"); do
			! grep -qF -- "$k" "$f" || { echo "$f holds a secret key"; return 1; }
		done
	done
}
# Test that no event carries a private or preshared key.
nt_check "no private or preshared key in any event" \
	no_secrets "$tmp/all" "$tmp/nt0" "$tmp/human"

# --- a listener without CAP_NET_ADMIN over the namespace ---------------------
# root of a user namespace of its own: no CAP_NET_ADMIN over ntev1's.
nocap() {
	local rc=0
	n1 unshare -U -r timeout 10 tunctl monitor --json >"$tmp/nocap" 2>"$tmp/nocap.err" || rc=$?
	cat "$tmp/nocap.err"
	[ "$rc" = 1 ] && grep -q "permission denied" "$tmp/nocap.err" && [ ! -s "$tmp/nocap" ]
}
# Test that joining the group without CAP_NET_ADMIN is refused, so that
# listener receives nothing.
nt_check "no CAP_NET_ADMIN over the namespace: refused, nothing received" nocap

# --- a reader that stops reading ------------------------------------------------
# 4000 peers added to nt1 while the nt1 monitor is stopped: far more
# events than its socket's receive buffer holds.
kill -STOP "$mon_slow"
awk 'BEGIN { for (i = 1; i <= 4000; i++)
	printf "[Peer]\nPublicKey = BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB%06dA=\n", i }' >"$tmp/many.conf"
n1 tunctl addconf nt1 "$tmp/many.conf"
kill -CONT "$mon_slow"
# Test that the monitor says events were lost, where they were lost.
nt_check "overrun: the stopped monitor says events were lost" \
	nt_wait_until 20 grep -qx '{"event": "lost", "reason": "overrun"}' "$tmp/slow"

# --- SIGINT ----------------------------------------------------------------------
# stop PID: SIGINT to PID, and its exit status in $rc (run here, not in a
# subshell: only this shell may wait for it).
stop() {
	rc=0
	kill -INT "$1"
	wait "$1" || rc=$?
}
# Test that SIGINT ends each monitor cleanly.
stop "$mon_all"
nt_check "SIGINT: 'monitor --json' exits with 0 (got $rc)" test "$rc" = 0
stop "$mon_nt0"
nt_check "SIGINT: 'monitor nt0 --json' exits with 0 (got $rc)" test "$rc" = 0
stop "$mon_human"
nt_check "SIGINT: 'monitor' exits with 0 (got $rc)" test "$rc" = 0
stop "$mon_slow"
nt_check "SIGINT: the monitor that overran exits with 0 (got $rc)" test "$rc" = 0
# Test that each output ends with a whole line.
nt_check "outputs end with a newline" \
	test "$(tail -c 1 "$tmp/all" | od -An -c | tr -d ' ')" = '\n'

# --- giving up after REKEY_ATTEMPT_TIME (SLOW=1) -----------------------------------
if [ "$NT_SLOW" != 1 ]; then
	nt_skip_check "give-up: transcript after REKEY_ATTEMPT_TIME" "slow (about 100 s): make check SLOW=1"
	exit 0
fi
nt_netns_new "$ns3"
ip -n "$ns3" link add nt0 type noisetun
ip netns exec "$ns3" tunctl set nt0 private-key "$tmp/k4"
ip -n "$ns3" addr add 10.58.0.1/24 dev nt0
ip -n "$ns3" link set nt0 up
monitor "$ns3" "$tmp/giveup" --json
nt_check "give-up: the monitor listens" nt_wait_until 20 synced "$ns3" "$tmp/giveup"
ip netns exec "$ns3" tunctl set nt0 peer "$pub2" allowed-ips 10.58.0.2/32 endpoint 127.0.0.1:9
ip netns exec "$ns3" ping -c 1 -W 1 10.58.0.2 >/dev/null 2>&1 || true
cat >"$tmp/want-giveup" <<'EOF'
{"event": "peer-added", "interface": "nt0", "ifindex": I, "peer": "PUB2"}
{"event": "handshake-given-up", "interface": "nt0", "ifindex": I, "peer": "PUB2", "attempts": 20}
EOF
# Test that the handshake is given up after 90 s (plus jitter), with 20
# initiations, and said so once.
nt_check "give-up: reported after REKEY_ATTEMPT_TIME" nt_wait_until 120 lines "$tmp/giveup" 2
nt_check "give-up: transcript" same "$tmp/want-giveup" "$tmp/giveup"
