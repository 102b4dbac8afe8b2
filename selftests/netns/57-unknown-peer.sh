#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 300
#
# The opt-in unknown-peer event (Documentation/uapi.md "Events"): an
# initiation with a valid mac1 whose static key opens but is no peer's is
# announced with that key and its source endpoint, and still dropped
# (handshake_invalid, no response). Off by default; `tunctl set nt0
# unknown-peer-events on|off` turns it on and off, and show says so; at
# most NOISETUN_UNKNOWN_PEER_EVENTS_PER_SEC (10) a second per device. The
# configuration-file key UnknownPeerEvents: setconf turns them on, addconf
# without it leaves them, syncconf without it turns them off, and a bad
# value is refused naming its line.
#
# evilpeer's key is not a peer of nt0: its initiations are the unknown
# peer's. `tunctl monitor nt0 --json` records the events; a sync peer
# added and removed tells when the monitor has seen everything before.
#
#  +------- ntup1-$$ -------+      +------- ntup2-$$ -------+
#  | nt0, port 4001         |      | evilpeer, port 4002    |
#  | tunctl monitor --json  |      | (key 2: no peer of nt0)|
#  | veth1 192.168.74.1 ----+------+- veth2 192.168.74.2    |
#  +------------------------+      +------------------------+

set -e
source "$(dirname "$0")/../lib.sh"

ns1="ntup1-$$"
ns2="ntup2-$$"
nt_tmpdir
nt_kind noisetun gawk
nt_testprog evilpeer evilpeer

cleanup() {
	nt_ep_stop
	nt_cleanup
}

nt_netns_new "$ns1" "$ns2"
nt_veth_link "$ns1" "$ns2" 192.168.74
umask 077
nt_keys "$tmp" 1 2 3 9	# 1: nt0, 2: evilpeer (unknown), 3: a known peer, 9: sync
ip -n "$ns1" link add nt0 type noisetun
ip netns exec "$ns1" tunctl set nt0 private-key "$tmp/k1" listen-port 4001 \
	peer "$pub3" allowed-ips 10.74.0.3/32
ip -n "$ns1" link set nt0 up

nt_bg bash -c 'exec ip netns exec "$1" tunctl monitor nt0 --json >"$2" 2>"$2.err"' - "$ns1" "$tmp/events"
# listening: the monitor has seen a sync peer added and removed.
listening() {
	ip netns exec "$ns1" tunctl set nt0 peer "$pub9"
	ip netns exec "$ns1" tunctl set nt0 peer "$pub9" remove
	grep -qF -- "$pub9" "$tmp/events"
}
# sync_wait: one more sync peer added and removed, seen by the monitor:
# so is every event sent before (one socket, in order).
sync_wait() {
	local want
	want=$(($(grep -c '"event": "peer-removed"' "$tmp/events") + 1))
	ip netns exec "$ns1" tunctl set nt0 peer "$pub9"
	ip netns exec "$ns1" tunctl set nt0 peer "$pub9" remove
	nt_wait_until 20 bash -c "[ \$(grep -c '\"event\": \"peer-removed\"' $tmp/events) -ge $want ]"
}
# Test that the monitor listens.
nt_check "the monitor listens" nt_wait_until 20 listening

unknown_events() {
	grep -c '"event": "unknown-peer"' "$tmp/events" || true
}
invalid() {	# nt0's handshake_invalid drops
	ip netns exec "$ns1" tunctl show nt0 --json |
		gawk '/"peers": \[/ { exit } /"handshake_invalid":/ { v = $2; sub(/,$/, "", v); print v }'
}
invalid_is() {
	[ "$(invalid)" = "$1" ]
}

nt_ep_start "$ns2" --key "$tmp/k2" --peer-key "$tmp/p1" \
	--bind 192.168.74.2:4002 --endpoint 192.168.74.1:4001

# --- off by default ------------------------------------------------------------
# Test that a new device has the events off, as show says.
nt_check "show --json: unknown_peer_events false" \
	bash -c "ip netns exec $ns1 tunctl show nt0 --json | grep -q '\"unknown_peer_events\": false'"
nt_check "show: no 'unknown peer events' line" \
	bash -c "! ip netns exec $ns1 tunctl show nt0 | grep -q 'unknown peer events'"
inv0=$(invalid)
nt_ep initiations count=3 rate=10 || true
nt_check "evilpeer: 3 initiations" nt_ep_ok
# Test that they are dropped as handshake_invalid, and announce nothing.
nt_check "3 initiations dropped (handshake_invalid)" nt_wait_until 10 invalid_is $((inv0 + 3))
nt_check "monitor caught up" sync_wait
nt_check "off: no unknown-peer event" nt_is 0 unknown_events

# --- on ------------------------------------------------------------------------
ip netns exec "$ns1" tunctl set nt0 unknown-peer-events on
# Test that show says it is on.
nt_check "show: unknown peer events: on" \
	bash -c "ip netns exec $ns1 tunctl show nt0 | grep -q '^  unknown peer events: on$'"
nt_check "show --json: unknown_peer_events true" \
	bash -c "ip netns exec $ns1 tunctl show nt0 --json | grep -q '\"unknown_peer_events\": true'"
inv0=$(invalid)
nt_ep stats || true
resp0=$(nt_ep_val rx_response)
nt_ep initiations count=3 rate=5 || true
nt_check "evilpeer: 3 initiations" nt_ep_ok
nt_check "3 initiations dropped (handshake_invalid)" nt_wait_until 10 invalid_is $((inv0 + 3))
nt_check "monitor caught up" sync_wait
nt_diag "$(grep '"unknown-peer"' "$tmp/events" | head -n 1)"
# Test that each was announced once, with evilpeer's key and endpoint.
nt_check "on: 3 unknown-peer events" nt_is 3 unknown_events
nt_check "each with evilpeer's key and endpoint" nt_is 3 bash -c \
	"grep '\"event\": \"unknown-peer\"' $tmp/events | grep -F '\"peer\": \"$pub2\"' | grep -cF '\"endpoint\": \"192.168.74.2:4002\"'"
# Test that they were still dropped: no response came back.
nt_ep recv ms=300 || true
nt_check "no response to evilpeer" nt_is "$resp0" nt_ep_val rx_response
# Test that a known peer's key is never announced as unknown.
nt_check "the known peer's key is not in an unknown-peer event" \
	bash -c "! grep '\"unknown-peer\"' $tmp/events | grep -qF '$pub3'"

# --- at most 10 a second ---------------------------------------------------------
sleep 1.1	# a new second for the budget
before=$(unknown_events)
inv0=$(invalid)
t0=$(date +%s%N)
nt_ep initiations count=40 reuse=1 || true
nt_check "evilpeer: 40 initiations at once" nt_ep_ok
nt_check "40 initiations dropped (handshake_invalid)" nt_wait_until 30 invalid_is $((inv0 + 40))
elapsed_ms=$((($(date +%s%N) - t0) / 1000000))
nt_check "monitor caught up" sync_wait
got=$(($(unknown_events) - before))
most=$((10 * (1 + elapsed_ms / 1000)))
nt_diag "40 initiations in about $elapsed_ms ms (sent and dropped): $got unknown-peer events"
# Test that the budget held: 10 in the first second, and no more than 10
# in each further second the burst took.
nt_check "rate: at least 10 events (the first second's budget)" [ "$got" -ge 10 ]
nt_check "rate: at most $most events ($elapsed_ms ms, 10 a second)" [ "$got" -le "$most" ]

# --- off again ---------------------------------------------------------------------
# two_unannounced LABEL: in a fresh second, two initiations from the
# unknown key are dropped and announced by no unknown-peer event.
two_unannounced() {
	local before inv0
	sleep 1.1
	before=$(unknown_events)
	inv0=$(invalid)
	nt_ep initiations count=2 rate=10 || true
	nt_check "evilpeer: 2 initiations" nt_ep_ok
	nt_check "2 initiations dropped" nt_wait_until 10 invalid_is $((inv0 + 2))
	nt_check "monitor caught up" sync_wait
	nt_check "$1: no new unknown-peer event" nt_is "$before" unknown_events
}
ip netns exec "$ns1" tunctl set nt0 unknown-peer-events off
# Test that turning it off stops the events.
two_unannounced "off again"
# Test that a bad value is refused by tunctl, naming the word.
nt_check_fails "tunctl set nt0 unknown-peer-events maybe is refused" \
	ip netns exec "$ns1" tunctl set nt0 unknown-peer-events maybe

# --- in configuration files ------------------------------------------------------
T1() { ip netns exec "$ns1" tunctl "$@"; }
json_says() {	# json_says true|false
	T1 show nt0 --json | grep -q "\"unknown_peer_events\": $1"
}
T1 showconf nt0 >"$tmp/off.conf"
# The key where showconf writes it: at the end of [Interface].
sed '0,/^$/s/^$/UnknownPeerEvents = on\n/' "$tmp/off.conf" >"$tmp/on.conf"
# Test that setconf of a file with UnknownPeerEvents = on turns them on:
# show, --json and showconf say so, and an unknown initiation is announced.
nt_check "setconf of a file with UnknownPeerEvents = on" T1 setconf nt0 "$tmp/on.conf"
nt_check "after setconf: show --json says true" json_says true
nt_check "after setconf: show says on" \
	bash -c "ip netns exec $ns1 tunctl show nt0 | grep -q '^  unknown peer events: on$'"
nt_check "showconf writes UnknownPeerEvents = on" \
	bash -c "ip netns exec $ns1 tunctl showconf nt0 | grep -qx 'UnknownPeerEvents = on'"
nt_check "showconf gives the file back" \
	bash -c "[ \"\$(ip netns exec $ns1 tunctl showconf nt0)\" = \"\$(cat $tmp/on.conf)\" ]"
sleep 1.1
before=$(unknown_events)
nt_ep initiations count=2 rate=10 || true
nt_check "evilpeer: 2 initiations" nt_ep_ok
nt_check "monitor caught up" sync_wait
nt_check "set by the file: 2 unknown-peer events" \
	nt_wait_until 10 eval '[ "$(unknown_events)" = $((before + 2)) ]'

# Test that addconf of a file without the key leaves them on.
printf '[Interface]\nListenPort = 4001\n' >"$tmp/port.conf"
nt_check "addconf of a file without UnknownPeerEvents" T1 addconf nt0 "$tmp/port.conf"
nt_check "after addconf: still on" json_says true

# Test that syncconf of a file without the key turns them off (the file is
# the whole configuration, as setconf has it), and nothing is announced.
nt_check "syncconf of a file without UnknownPeerEvents" T1 syncconf nt0 "$tmp/off.conf"
nt_check "after syncconf: show --json says false" json_says false
nt_check "after syncconf: showconf is the file again" \
	bash -c "[ \"\$(ip netns exec $ns1 tunctl showconf nt0)\" = \"\$(cat $tmp/off.conf)\" ]"
two_unannounced "off by syncconf"

# Test that a bad value is refused with the file's line, and changes nothing.
printf '[Interface]\nListenPort = 4001\nUnknownPeerEvents = 10\n' >"$tmp/bad.conf"
refused_at_line_3() {
	local got
	if got=$(T1 setconf nt0 "$tmp/bad.conf" 2>&1); then
		echo "accepted"
		return 1
	fi
	echo "$got"
	grep -qF "bad.conf:3: 'UnknownPeerEvents' expects on or off" <<<"$got"
}
nt_check "setconf of UnknownPeerEvents = 10 is refused, naming line 3" refused_at_line_3
nt_check "the refused file changed nothing" json_says false
