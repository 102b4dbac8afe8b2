#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 240
# nt-category: faults
#
# Wall-clock jumps during a session (Documentation/testing.md section 4, F10), told side
# by side for a noisetun pair and an in-tree wireguard pair in the same
# VM, which share the clock: every check is made of both, and wireguard's
# result is the reference. The protocol's timers run on the boot-time
# clock; only the handshake initiation's timestamp (TAI64N) reads the wall
# clock, and a responder refuses an initiation whose timestamp is not
# later than the latest it accepted from that peer (a replay).
#   1. a session is set up (ns1 initiates; ns2 knows no endpoint for ns1,
#      so it never initiates);
#   2. the clock goes back an hour: the session goes on, no new handshake;
#   3. the clock goes forward a day: the same;
#   4. ns1 forgets its session (link down/up) and makes a new one, whose
#      initiation carries a timestamp a day ahead;
#   5. the clock comes back to the true time and ns1 forgets its session
#      again: its new initiations carry older timestamps than step 4's and
#      ns2 refuses them (noisetun counts handshake_replay);
#   6. ns2 removes the peer and adds it again: the next retry of ns1's
#      initiation is accepted.
# ns1 sends a keepalive every second: ns2, which answers ns1's pings,
# would otherwise start a handshake of its own 15 s after its last reply
# went unanswered (the protocol's new-handshake timer), which a slow host
# reaches within step 5 and which would be taken for ns1's initiation
# getting through. The clock is put back on every exit (from /proc/uptime's
# progress).
#
#   +---------- ntcj1-$$ ----------+          +---------- ntcj2-$$ ----------+
#   | nt0 10.59.0.1/24 :5901       |          | nt0 10.59.0.2/24 :5902       |
#   | wg0 10.60.0.1/24 :5911       |          | wg0 10.60.0.2/24 :5912       |
#   |   (endpoints of ns2's)       |          |   (no endpoint for ns1)      |
#   | veth1 192.168.59.1 ----------+----------+-- veth2 192.168.59.2         |
#   +------------------------------+          +------------------------------+

set -e
source "$(dirname "$0")/../lib.sh"

ns1="ntcj1-$$"
ns2="ntcj2-$$"
nt_tmpdir

# The true time at the start.
nt_clock_mark
cleanup() {
	nt_set_clock 0
	nt_cleanup
}
trap cleanup EXIT

nt_require tunctl wg ping date
nt_load_module
modprobe wireguard 2>/dev/null || nt_skip "the in-tree wireguard module does not load"

nt_netns_new "$ns1" "$ns2"
nt_veth_link "$ns1" "$ns2" 192.168.59
nt_keys "$tmp" 1 2 3 4
for t in nt wg; do
	if [ "$t" = nt ]; then
		ip -n "$ns1" link add nt0 type noisetun
		ip -n "$ns2" link add nt0 type noisetun
		cfg=tunctl d=nt0 k1=1 k2=2 net=10.59.0 port=590
	else
		ip -n "$ns1" link add wg0 type wireguard
		ip -n "$ns2" link add wg0 type wireguard
		cfg=wg d=wg0 k1=3 k2=4 net=10.60.0 port=591
	fi
	ip netns exec "$ns1" $cfg set "$d" private-key "$tmp/k$k1" listen-port "${port}1" \
		peer "$(cat "$tmp/p$k2")" allowed-ips "$net.2/32" endpoint "192.168.59.2:${port}2" \
		persistent-keepalive 1
	ip netns exec "$ns2" $cfg set "$d" private-key "$tmp/k$k2" listen-port "${port}2" \
		peer "$(cat "$tmp/p$k1")" allowed-ips "$net.1/32"
	ip -n "$ns1" addr add "$net.1/24" dev "$d"
	ip -n "$ns2" addr add "$net.2/24" dev "$d"
	ip -n "$ns1" link set "$d" up
	ip -n "$ns2" link set "$d" up
done

# Per kind (nt: noisetun, wg: wireguard): its device, tool, inner prefix.
dev() { [ "$1" = nt ] && echo nt0 || echo wg0; }
tool() { [ "$1" = nt ] && echo tunctl || echo wg; }
net() { [ "$1" = nt ] && echo 10.59.0 || echo 10.60.0; }
name() { [ "$1" = nt ] && echo noisetun || echo "wireguard (reference)"; }
ping12() { ip netns exec "$ns1" ping -c1 -W1 -q "$(net "$1").2" >/dev/null; }
# handshake NS KIND: the latest handshake time NS's device shows.
handshake() {
	ip netns exec "$1" "$(tool "$2")" show "$(dev "$2")" latest-handshakes | cut -f2
}
forget() {	# forget KIND: ns1 drops its session (keys are cleared on down)
	ip -n "$ns1" link set "$(dev "$1")" down
	ip -n "$ns1" link set "$(dev "$1")" up
}
replays() {	# ns2's noisetun device: the device-wide handshake_replay count
	ip netns exec "$ns2" tunctl show --json nt0 |
		awk '$1 == "\"handshake_replay\":" { gsub(/,/, "", $2); print $2; exit }'
}

# Test that both pairs set up a session.
for t in nt wg; do
	nt_check "$(name $t): session up" nt_wait_until 15 ping12 $t
done
declare -A hs
for t in nt wg; do hs[$t]=$(handshake "$ns2" $t); done
# same_handshake KIND DESC: check that ns2's latest handshake with KIND is
# still ${hs[KIND]}: no new one was made.
same_handshake() {
	nt_check "$(name "$1"): $2" test "$(handshake "$ns2" "$1")" = "${hs[$1]}" || true
}

# Test that after each jump the session goes on: pings pass at once and
# no new handshake was made (the latest handshake time is unchanged).
for jump in -3600 86400; do
	nt_set_clock "$jump"
	nt_diag "clock set $jump s off the true time: $(date -u)"
	for t in nt wg; do
		nt_check "$(name $t): clock ${jump} s: the session goes on" \
			nt_wait_until 5 ping12 $t || true
		same_handshake $t "clock ${jump} s: no new handshake"
	done
done

# Test that a new session made while the clock is a day ahead is
# accepted (its initiation's timestamp is the latest ns2 has seen).
for t in nt wg; do
	forget $t
	nt_check "$(name $t): new session a day ahead" nt_wait_until 15 ping12 $t || true
	hs[$t]=$(handshake "$ns2" $t)
done

# Test that with the clock back at the true time, ns1's initiations carry
# older timestamps and are refused as replays: no session for 4 s (the
# first retry is after REKEY_TIMEOUT, 5 s), ns2's handshake time stays.
nt_set_clock 0
nt_diag "clock back at the true time: $(date -u)"
replays0=$(replays)
for t in nt wg; do
	forget $t
done
for t in nt wg; do
	nt_check_fails "$(name $t): back in time: initiation refused" \
		nt_wait_until 4 ping12 $t || true
	same_handshake $t "back in time: no handshake at ns2"
done
more_replays() { [ "$(replays)" -gt "$replays0" ]; }
nt_check "noisetun: the refusal counted as handshake_replay" \
	nt_wait_until 5 more_replays || true

# Test that once ns2 removes the peer and adds it again, the next retry
# of ns1's initiation is accepted (within REKEY_TIMEOUT plus jitter, and
# slack for a loaded host under TCG).
for t in nt wg; do
	ip netns exec "$ns2" "$(tool $t)" set "$(dev $t)" peer "$(cat "$tmp/p$([ $t = nt ] && echo 1 || echo 3)")" remove
	ip netns exec "$ns2" "$(tool $t)" set "$(dev $t)" \
		peer "$(cat "$tmp/p$([ $t = nt ] && echo 1 || echo 3)")" allowed-ips "$(net $t).1/32"
done
for t in nt wg; do
	nt_check "$(name $t): peer re-added: the session comes back" \
		nt_wait_until 20 ping12 $t || true
done
[ "$NT_FAILED" -eq 0 ]
