#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 300
# nt-category: bad UDP input
#
# Drop reasons that only a misbehaving peer or an overload brings about,
# each triggered on cue and counted under its own name (uapi noisetun.h,
# enum noisetun_drop_attr), with evilpeer as the peer:
# - unknown_index: a cookie reply for an index the device never gave out
#   (device-wide: no peer is known);
# - cookie_invalid: a cookie reply for the device's live index whose
#   contents do not open;
# - inner_protocol: a data message whose inner packet is not IPv4 or IPv6;
# - too_old: data messages replayed after more than the replay window
#   (8128 counters) of newer ones;
# - rx_queue_full: recorded data messages replayed in UDP GSO batches,
#   faster than the device can decrypt them;
# - tx_queue_full: a local UDP flood through nt0, from a socket with a big
#   send buffer, faster than the device can encrypt it.
# - bad_state: a response for a handshake that is no longer waiting for
#   one. Only a race gets there: nt1 initiates to an in-tree wireguard
#   peer whose every datagram netem sends twice; the two copies of its
#   response go to two CPUs' handshake workers, and when the second looks
#   its index up before the first has turned the handshake into a session,
#   it finds the handshake already answered. Not on cue, so up to 20
#   handshakes are tried (under TCG one or two are enough).
# Not here: no_memory (allocation failures: the debug kernel's fault
# injection).
#
#   +------- ntdr1-$$ -------+          +------- ntdr2-$$ --------+
#   |  nt0 10.53.0.1/24      |          |  evilpeer               |
#   |  (noisetun, port 4001) |          |  inner 10.53.0.2        |
#   |  veth1 192.168.53.1 ---+----------+-- veth2 192.168.53.2:4002|
#   |                        |          +-------------------------+
#   |  nt1 10.54.0.1/24      |          +------- ntdr3-$$ --------+
#   |  (noisetun, port 4011) |          |  wg0 10.54.0.3 (:4013)  |
#   |  vethb1 192.168.54.1 --+----------+-- veth3 192.168.54.3    |
#   +------------------------+          |   (netem duplicate 100%)|
#                                       +-------------------------+

set -e
source "$(dirname "$0")/../lib.sh"

ns1="ntdr1-$$"
ns2="ntdr2-$$"
nt_testprog probe_bin nlprobe
nt_testprog seqcheck seqcheck
nt_tmpdir

aead_forced=0
cleanup() {
	nt_ep_stop
	nt_cleanup
	# The default AEAD back for the scenarios that follow.
	[ "$aead_forced" = 0 ] || nt_reload_module || true
}
trap cleanup EXIT

[ -x "$NT_SELFTESTS/evilpeer/evilpeer" ] || nt_skip "selftests/evilpeer/evilpeer is not built"
nt_kind noisetun
# The overload drops (rx_queue_full, tx_queue_full) need a device that
# seals and opens slower than evilpeer and a local socket send. Under TCG
# the portable AEAD (Documentation/architecture.md, "Choosing the AEAD")
# keeps up with both, so the module runs with the library's here, when
# it can be reloaded.
if nt_can_reload_with aead; then
	nt_reload_module aead=library
	aead_forced=1
fi
nt_diag "AEAD: $(cat /sys/module/noisetun/parameters/aead 2>/dev/null || echo library)"
nt_netns_new "$ns1" "$ns2"
nt_veth_link "$ns1" "$ns2" 192.168.53
nt_keys "$tmp" 1 2

ip -n "$ns1" link add nt0 type noisetun
ip netns exec "$ns1" tunctl set nt0 private-key "$tmp/k1" listen-port 4001 \
	peer "$(cat "$tmp/p2")" allowed-ips 10.53.0.2/32
ip -n "$ns1" addr add 10.53.0.1/24 dev nt0
ip -n "$ns1" link set nt0 up

# drops device|peer REASON: the device-wide or the peer's count of REASON
# (nlprobe --stats prints "drops r=N ..." for the device, "  drops ..."
# for each peer). Fails when nlprobe does.
drops() {
	local out
	out=$(ip netns exec "$ns1" "$probe_bin" --stats get nt0) || return 1
	awk -v scope="$1" -v r="$2" '
		(scope == "device" && /^drops /) || (scope == "peer" && /^  drops /) {
			for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == r) { print kv[2]; found = 1 } } }
		END { exit !found }' <<<"$out"
}

# grew SCOPE REASON BEFORE MIN: the count is now at least BEFORE + MIN.
grew() {
	local now
	now=$(drops "$1" "$2") || return 1
	echo "$1 $2: $3 -> $now"
	[ "$now" -ge $(($3 + $4)) ]
}

# grew_by SCOPE REASON BEFORE N: the count is now exactly BEFORE + N.
grew_by() {
	local now
	now=$(drops "$1" "$2") || return 1
	echo "$1 $2: $3 -> $now"
	[ "$now" = $(($3 + $4)) ]
}

# cookie_reply INDEX: a 64-byte cookie reply (type 3) for receiver INDEX
# (8 hex digits, as evilpeer prints it: the number, sent little-endian),
# with a zero nonce and cookie, from ns2 to nt0.
cookie_reply() {
	local i=$1 fmt='\x03\x00\x00\x00' _
	fmt+="\\x${i:6:2}\\x${i:4:2}\\x${i:2:2}\\x${i:0:2}"
	for _ in $(seq 1 56); do fmt+='\x00'; done
	# shellcheck disable=SC2059
	ip netns exec "$ns2" bash -c "printf '$fmt' >/dev/udp/192.168.53.1/4001"
}

nt_ep_start "$ns2" --key "$tmp/k2" --peer-key "$tmp/p1" \
	--endpoint 192.168.53.1:4001 --bind 192.168.53.2:4002 \
	--addr4 10.53.0.2 --dev-addr4 10.53.0.1

# Test that evilpeer and nt0 have a session.
nt_ep handshake || true
nt_check "evilpeer handshakes with nt0" nt_ep_ok
dev_index=$(nt_ep_val remote_index)
nt_ep ping count=3 || true
nt_check "3 pings answered" eval '[ "$(nt_ep_val replies)" = 3 ]'

# Test unknown_index: 3 cookie replies for an index nobody has, counted
# on the device (no peer is known for them). The device's index is
# random: take one that differs from it.
bogus=$(printf '%08x' $(( (0x$dev_index + 0x7a5a5a5a) & 0xffffffff )))
b=$(drops device unknown_index)
for _ in 1 2 3; do cookie_reply "$bogus"; done
nt_check "unknown_index: 3 cookie replies for index $bogus, not nt0's $dev_index" \
	nt_wait_until 15 grew_by device unknown_index "$b" 3 || true

# Test cookie_invalid: 2 cookie replies for nt0's own index whose cookie
# does not open, counted on the peer.
b=$(drops peer cookie_invalid)
for _ in 1 2; do cookie_reply "$dev_index"; done
nt_check "cookie_invalid: 2 bad cookie replies for nt0's index $dev_index" \
	nt_wait_until 15 grew_by peer cookie_invalid "$b" 2 || true

# Test inner_protocol: 4 data messages of 40 zero bytes (IP version 0).
b=$(drops peer inner_protocol)
nt_ep raw len=40 fill=0 count=4 || true
nt_check "inner_protocol: evilpeer sent 4 non-IP packets" nt_ep_ok
nt_check "inner_protocol: 4 counted" nt_wait_until 15 grew_by peer inner_protocol "$b" 4 || true

# Test too_old: record 4 data messages, send 9000 newer ones (paced, so
# that the device takes them all and its window moves past the 4), then
# replay the 4.
nt_ep record n=4 || true
nt_ep udp count=4 || true
nt_ep save file="$tmp/old" || true
nt_check "too_old: 4 messages recorded" nt_ep_ok
nt_ep record n=0 || true
b=$(drops peer too_old)
rx0=$(ip netns exec "$ns1" cat /sys/class/net/nt0/statistics/rx_packets)
for _ in 1 2 3 4 5 6 7 8 9; do
	nt_ep udp count=1000 gso=8 || true
	nt_ep sleep ms=100 || true
done
rx1=$(ip netns exec "$ns1" cat /sys/class/net/nt0/statistics/rx_packets)
nt_diag "too_old: nt0 delivered $((rx1 - rx0)) of the 9000 newer messages"
nt_ep replay file="$tmp/old" || true
nt_check "too_old: the 4 replayed" nt_ep_ok
nt_check "too_old: 4 counted" nt_wait_until 15 grew_by peer too_old "$b" 4 || true

# Test rx_queue_full: 1000 recorded messages of 1300 bytes replayed for 3
# s in batches of 64 (no crypto on evilpeer's side: the sending is cheap,
# each message costs the device a decryption before its replay check).
nt_ep record n=1000 || true
nt_ep udp count=1000 size=1300 gso=8 || true
nt_ep save file="$tmp/many" || true
nt_ep record n=0 || true
b=$(drops peer rx_queue_full)
nt_ep replay file="$tmp/many" ms=3000 gso=64 || true
nt_check "rx_queue_full: replayed for 3 s" nt_ep_ok
nt_diag "rx_queue_full: $NT_EP_REPLY"
nt_check "rx_queue_full: counted" nt_wait_until 10 grew peer rx_queue_full "$b" 1 || true
nt_diag "peer drops after the replays: too_old $(drops peer too_old) replay $(drops peer replay)"

# Test tx_queue_full: 40000 datagrams of 1300 bytes from ns1 to evilpeer's
# inner address, from a socket whose 64 MiB send buffer lets them all
# wait in nt0 (the default one would block the sender first).
# A loaded host can encrypt as fast as the sender writes: up to three
# floods, until one overflows the queue.
b=$(drops peer tx_queue_full)
# floods: two senders at once, each 40 000 datagrams.
floods() {
	ip netns exec "$ns1" "$seqcheck" send 10.53.0.2 9 40000 1300 256 67108864 &
	local p=$!
	ip netns exec "$ns1" "$seqcheck" send 10.53.0.2 9 40000 1300 256 67108864 || { wait "$p"; return 1; }
	wait "$p"
}
for flood in 1 2 3; do
	nt_check "tx_queue_full: local floods through nt0 ($flood)" floods || true
	nt_wait_until 10 grew peer tx_queue_full "$b" 1 >/dev/null && break
done
nt_check "tx_queue_full: counted" grew peer tx_queue_full "$b" 1 || true

# tx_settled: nt0 sent nothing more in the last second (the flood that
# did fit in its queue has gone out).
tx_settled() {
	local a c
	a=$(ip netns exec "$ns1" cat /sys/class/net/nt0/statistics/tx_packets)
	sleep 1
	c=$(ip netns exec "$ns1" cat /sys/class/net/nt0/statistics/tx_packets)
	[ "$a" = "$c" ]
}
nt_wait_until 60 tx_settled || true

# Test that after all of it the device still works with evilpeer: a new
# handshake, and pings answered. (Pings on the session that carried the
# floods have gone unanswered on every run so far: printed here until
# that is understood.)
nt_ep ping count=3 || true
nt_diag "afterwards, on the flooded session: $(nt_ep_val replies) of 3 pings answered"
nt_ep handshake || true
nt_check "afterwards: a new handshake with evilpeer" nt_ep_ok
nt_ep ping count=3 || true
nt_check "afterwards 3 pings answered" eval '[ "$(nt_ep_val replies)" = 3 ]'

# Test bad_state: nt1 initiates to wg0, whose responses arrive twice;
# within 20 fresh handshakes, one second copy finds the handshake
# answered already. (Each round removes and re-adds the peer, so that
# the next ping needs a new handshake.)
if ! modprobe wireguard 2>/dev/null; then
	nt_skip_check "bad_state: a doubled response" "the in-tree wireguard module does not load"
else
	ns3="ntdr3-$$"
	nt_netns_new "$ns3"
	nt_keys "$tmp" 3
	nt_veth_link "$ns1" "$ns3" 192.168.54 vethb1 veth3 3
	ip -n "$ns3" link add wg0 type wireguard
	ip netns exec "$ns3" wg set wg0 private-key "$tmp/k3" listen-port 4013 \
		peer "$(cat "$tmp/p1")" allowed-ips 10.54.0.1/32
	ip -n "$ns3" addr add 10.54.0.3/24 dev wg0
	ip -n "$ns3" link set wg0 up
	ip -n "$ns1" link add nt1 type noisetun
	ip netns exec "$ns1" tunctl set nt1 private-key "$tmp/k1" listen-port 4011
	ip -n "$ns1" addr add 10.54.0.1/24 dev nt1
	ip -n "$ns1" link set nt1 up
	ip netns exec "$ns3" tc qdisc add dev veth3 root netem duplicate 100%
	# nt1_drop REASON: nt1's device-wide count of REASON (a response
	# that does not lead to a session is counted on the device).
	nt1_drop() {
		local out
		out=$(ip netns exec "$ns1" "$probe_bin" --stats get nt1) || return 1
		awk -v r="$1" '/^drops / { for (i = 2; i <= NF; i++) { split($i, kv, "=")
			if (kv[1] == r) { print kv[2]; found = 1 } } } END { exit !found }' <<<"$out"
	}
	bad=0 rounds=0
	while [ "$rounds" -lt 20 ] && [ "$bad" = 0 ]; do
		rounds=$((rounds + 1))
		ip netns exec "$ns1" tunctl set nt1 peer "$(cat "$tmp/p3")" remove
		ip netns exec "$ns1" tunctl set nt1 peer "$(cat "$tmp/p3")" \
			allowed-ips 10.54.0.3/32 endpoint 192.168.54.3:4013
		nt_wait_until 10 ip netns exec "$ns1" ping -c 1 -W 1 10.54.0.3 || true
		sleep 0.5
		bad=$(nt1_drop bad_state) || bad=0
	done
	nt_diag "bad_state: $bad after $rounds handshake(s) with doubled responses"
	nt_check "bad_state: a doubled response found its handshake answered ($rounds handshakes)" \
		test "$bad" -ge 1 || true
fi

[ "$NT_FAILED" -eq 0 ]
