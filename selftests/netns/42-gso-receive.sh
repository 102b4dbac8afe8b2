#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 240
# nt-category: bad UDP input
#
# A peer that batches its data messages with UDP GSO (UDP_SEGMENT), as
# newer wireguard-go does (Documentation/testing.md B18). The UDP stack splits
# such a batch and hands the tunnel its segments one by one while they are still
# chained through skb->next; a receive path that keeps that link lets GRO
# or a list free run into segments it does not own (a use-after-free,
# which slub_debug and panic_on_warn turn into a dead VM here).
#
# evilpeer handshakes with nt0 and sends data messages in UDP_SEGMENT
# batches of 50, each carrying one in-order segment of one inner TCP flow,
# so that nt0's GRO merges them:
#   (a) to a port with no listener: nt0's stack answers with RSTs;
#   (b) to `nc -l`: the bytes arrive, exact and in order;
# over an IPv4 and then an IPv6 outer transport (inner IPv4 and IPv6
# respectively), with nt0's counters exact: the peer's rx_packets and
# rx_bytes grow by what evilpeer sent, with no drop;
#   (c) the peer removed from nt0 in the middle of a burst;
#   (d) nt0 deleted in the middle of a burst.
# Then the same bursts at an in-tree wireguard device (wg0): it survives
# them and counts the same bytes, a check of this scenario itself.
#
#   +-------------- ntgso1-$$ --------------+        +--------- ntgso2-$$ ---------+
#   | nt0 (or wg0)  10.99.0.1/24 fd99::1/64 |        | evilpeer                    |
#   |   udp 4001    nc -l 10.99.0.1 5001    |========|  inner 10.99.0.2, fd99::2   |
#   |                     or [fd99::1] 5001 | tunnel |  udp 4002                   |
#   | veth1 192.168.241.1/24                |        | veth2 192.168.241.2/24      |
#   |       fd00:241::1/64 -----------------+--------+--     fd00:241::2/64        |
#   +---------------------------------------+        +-----------------------------+

set -e
source "$(dirname "$0")/../lib.sh"

ns1="ntgso1-$$"
ns2="ntgso2-$$"
nt_tmpdir
nt_testprog evilpeer evilpeer

# Bursts: segments of 1000 (IPv4) or 980 (IPv6) bytes, one per message,
# 50 messages per UDP_SEGMENT send.
gso=50
blast_bytes=600000	# (a): 600 segments, 12 sends
stream_bytes=800000	# (b)
race_ms=3000		# (c), (d): a blast this long, the change in its middle

cleanup() {
	nt_ep_stop
	nt_cleanup
}
trap cleanup EXIT

nt_kind noisetun wg nc ss ping
modprobe wireguard 2>/dev/null || nt_skip "the in-tree wireguard module does not load"

n1() { ip netns exec "$ns1" "$@"; }

nt_netns_new "$ns1" "$ns2"
nt_veth_link "$ns1" "$ns2" 192.168.241
ip -n "$ns1" addr add fd00:241::1/64 dev veth1 nodad
ip -n "$ns2" addr add fd00:241::2/64 dev veth2 nodad
umask 077
nt_keys "$tmp" 1 2

# --- the device under test: nt0 (tunctl) or wg0 (wg) ------------------------
kind= dev= ctl=

# dev_up KIND: a fresh device of KIND in ns1 whose one peer is evilpeer.
dev_up() {
	kind=$1
	if [ "$kind" = noisetun ]; then dev=nt0 ctl=tunctl; else dev=wg0 ctl=wg; fi
	ip -n "$ns1" link add "$dev" type "$kind"
	n1 "$ctl" set "$dev" private-key "$tmp/k1" listen-port 4001 \
		peer "$(cat "$tmp/p2")" allowed-ips 10.99.0.2/32,fd99::2/128
	ip -n "$ns1" -b - <<-EOF
		addr add 10.99.0.1/24 dev $dev
		addr add fd99::1/64 dev $dev nodad
		link set $dev up
	EOF
}

# peer_field KEY: KEY of nt0's one peer in `tunctl show --json` (a
# counter, or a drop reason); for wg0, rx_bytes only.
peer_field() {
	if [ "$kind" = wireguard ]; then
		[ "$1" = rx_bytes ] || return 1
		n1 wg show wg0 transfer | awk '{ print $2 }'
		return
	fi
	n1 tunctl show nt0 --json | awk -v key="\"$1\":" '
		/"peers":/ { peers = 1 }
		peers && $1 == key { v = $2; sub(/,$/, "", v); print v; exit }'
}

# dev_drops_total: the sum of every device-wide drop counter of nt0.
dev_drops_total() {
	n1 tunctl show nt0 --json | awk '
		/"drops":/ && !peers { in_drops = 1; next }
		/"peers":/ { peers = 1 }
		in_drops && /}/ { in_drops = 0 }
		in_drops { v = $2; sub(/,$/, "", v); sum += v }
		END { print sum + 0 }'
}

# dev_drop KEY: nt0's device-wide drop counter KEY.
snap_dev_drop=0
dev_drop() {
	n1 tunctl show nt0 --json | awk -v key="\"$1\":" '
		/"peers":/ { exit }
		$1 == key { v = $2; sub(/,$/, "", v); print v; exit }'
}

# dev_drop_grew KEY: KEY grew since it was $snap_dev_drop.
dev_drop_grew() {
	local now
	now=$(dev_drop "$1")
	echo "$1: $snap_dev_drop before, $now after"
	[ "$now" -gt "$snap_dev_drop" ]
}

# peer_drops: every non-zero drop counter of nt0's peer, "name=N ...".
peer_drops() {
	n1 tunctl show nt0 --json | awk '
		/"peers":/ { peers = 1 }
		peers && /"drops":/ { in_drops = 1; next }
		in_drops && /}/ { in_drops = 0 }
		in_drops { v = $2; sub(/,$/, "", v); gsub(/[":]/, "", $1); if (v != 0) printf "%s=%s ", $1, v }'
}

# --- evilpeer as a coprocess (lib.sh's nt_ep_*) --------------------------------
# ep_start OUTER: evilpeer in ns2 over IPv4 (4) or IPv6 (6) outer addresses.
ep_start() {
	local bind=192.168.241.2:4002 endpoint=192.168.241.1:4001
	if [ "$1" = 6 ]; then bind=[fd00:241::2]:4002 endpoint=[fd00:241::1]:4001; fi
	nt_ep_start "$ns2" --key "$tmp/k2" \
		--peer-key "$tmp/p1" --bind "$bind" --endpoint "$endpoint" \
		--addr4 10.99.0.2 --dev-addr4 10.99.0.1 \
		--addr6 fd99::2 --dev-addr6 fd99::1
}

# --- the checks ---------------------------------------------------------------
# snapshot: the counters before a burst (evilpeer's and the device's).
snap_tx= snap_txb= snap_rx= snap_rxb= snap_devdrops=
snapshot() {
	nt_ep stats || true
	snap_tx=$(nt_ep_val tx_data) snap_txb=$(nt_ep_val tx_data_bytes)
	snap_rxb=$(peer_field rx_bytes)
	snap_rx=0 snap_devdrops=0
	if [ "$kind" = noisetun ]; then
		snap_rx=$(peer_field rx_packets)
		snap_devdrops=$(dev_drops_total)
	fi
}

# arrived: the device has counted every data message sent since the
# snapshot (received or dropped: the drops show in counters_exact).
arrived() {
	local rxb
	rxb=$(peer_field rx_bytes)
	[ $((rxb - snap_rxb)) -ge $((tx_bytes - snap_txb)) ]
}

# counters_exact: since the snapshot, the device's peer received exactly
# the messages and bytes evilpeer sent, and neither the peer nor the
# device dropped any (received = delivered + dropped, with nothing
# dropped). wg0 shows its rx bytes only.
counters_exact() {
	local rx rxb drops devdrops
	rxb=$(peer_field rx_bytes)
	echo "evilpeer sent $((tx - snap_tx)) messages, $((tx_bytes - snap_txb)) bytes; $dev rx_bytes +$((rxb - snap_rxb))"
	[ $((rxb - snap_rxb)) -eq $((tx_bytes - snap_txb)) ] || return 1
	[ "$kind" = wireguard ] && return 0
	rx=$(peer_field rx_packets)
	drops=$(peer_drops)
	devdrops=$(dev_drops_total)
	echo "$dev rx_packets +$((rx - snap_rx)); peer drops: ${drops:-none}; device-wide drops +$((devdrops - snap_devdrops))"
	[ $((rx - snap_rx)) -eq $((tx - snap_tx)) ] && [ -z "$drops" ] &&
		[ "$devdrops" -eq "$snap_devdrops" ]
}

# settle: evilpeer's totals now, and the device's counters caught up.
tx= tx_bytes=
settle() {
	nt_ep stats || true
	tx=$(nt_ep_val tx_data) tx_bytes=$(nt_ep_val tx_data_bytes)
	nt_wait_until 10 arrived || true
}

listening() {
	n1 ss -Hltn "sport = :$1" | grep -q .
}

# expected_stream N: the first N bytes evilpeer's TCP stream carries.
expected_stream() {
	yes abcdefghijklmnopqrstuvwxyz | tr -d '\n' | head -c "$1"
}

# received_exact FILE N: FILE holds exactly the stream's first N bytes.
received_exact() {
	local size
	size=$(stat -c %s "$1")
	echo "the listener received $size of $2 bytes"
	[ "$size" -eq "$2" ] && cmp -s "$1" <(expected_stream "$2")
}

# bursts LABEL OUTER: handshake, pings, (a) and (b) over OUTER (4 or 6).
bursts() {
	local label=$1 outer=$2 v=$2 addr=10.99.0.1 pid
	[ "$v" = 6 ] && addr=fd99::1
	ep_start "$outer"

	# Test that evilpeer's handshake is accepted and both inner
	# families answer pings through the new session.
	nt_ep handshake || true
	nt_check "$label: evilpeer handshakes with $dev" nt_ep_ok
	nt_ep ping v=4 count=3 || true
	nt_check "$label: 3 inner IPv4 pings answered" reply_ok_and [ "$(nt_ep_val replies)" -eq 3 ]
	nt_ep ping v=6 count=3 || true
	nt_check "$label: 3 inner IPv6 pings answered" reply_ok_and [ "$(nt_ep_val replies)" -eq 3 ]

	# Test that GSO batches of in-order TCP segments to a port with no
	# listener are all received (counted exactly) and answered with RSTs.
	snapshot
	nt_ep tcp-blast v="$v" port=5999 bytes="$blast_bytes" gso="$gso" || true
	nt_diag "$label: (a) $NT_EP_REPLY"
	nt_check "$label: (a) no listener: $(nt_ep_val segments) segments in sends of $gso" \
		reply_ok_and [ "$(nt_ep_val sends)" -eq $(( ($(nt_ep_val segments) + gso - 1) / gso )) ]
	# Test that the device answered, and that its GRO merged segments
	# (one RST answers one merged packet).
	nt_check "$label: (a) no listener: RSTs came back, fewer than the segments" rst_merged
	settle
	nt_check "$label: (a) no listener: $dev counted every message, no drop" counters_exact

	# Test that a stream of GSO batches reaches a listener whole and in
	# order, with the counters exact.
	rm -f "$tmp/recv"
	n1 timeout 90 nc -l "$addr" 5001 >"$tmp/recv" </dev/null &
	pid=$!
	nt_wait_until 10 listening 5001 || true
	snapshot
	nt_ep tcp-connect v="$v" port=5001 || true
	nt_check "$label: (b) listener: TCP connection through $dev" nt_ep_ok
	nt_ep tcp-send bytes="$stream_bytes" gso="$gso" || true
	nt_diag "$label: (b) $NT_EP_REPLY"
	nt_check "$label: (b) listener: all $stream_bytes bytes acknowledged" reply_ok_and [ "$(nt_ep_val acked)" -eq "$stream_bytes" ]
	nt_ep tcp-close || true
	nt_diag "$label: (b) close: $NT_EP_REPLY"
	wait "$pid" || true
	nt_check "$label: (b) listener: received exactly the bytes sent" received_exact "$tmp/recv" "$stream_bytes"
	settle
	nt_check "$label: (b) listener: $dev counted every message, no drop" counters_exact
	nt_ep_stop
}

# rst_merged: the blast in $NT_EP_REPLY drew RSTs, fewer than its segments.
rst_merged() {
	echo "$NT_EP_REPLY"
	[ "$(nt_ep_val rst)" -ge 1 ] && [ "$(nt_ep_val rst)" -lt "$(nt_ep_val segments)" ]
}

# reply_ok_and CMD...: $NT_EP_REPLY says ok and CMD holds.
reply_ok_and() {
	nt_ep_ok && "$@"
}

# rx_moving: the device has received part of the running burst.
rx_moving() {
	[ $(($(peer_field rx_bytes) - snap_rxb)) -ge 100000 ]
}

# races LABEL: (c) the peer removed, (d) the device deleted, each in the
# middle of a burst.
races() {
	local label=$1
	ep_start 4
	nt_ep handshake || true
	nt_check "$label: evilpeer handshakes with $dev" nt_ep_ok

	# Test that removing the peer while a burst is being received
	# neither crashes nor hangs, and the device works on after it.
	snapshot
	if [ "$kind" = noisetun ]; then
		snap_dev_drop=$(dev_drop bad_keypair)
	fi
	nt_ep_send tcp-blast port=5999 ms="$race_ms" gso="$gso"
	nt_wait_until 10 rx_moving || true
	n1 "$ctl" set "$dev" peer "$(cat "$tmp/p2")" remove
	nt_ep_read $((race_ms / 1000 + 30)) || true
	nt_diag "$label: (c) $NT_EP_REPLY"
	nt_check "$label: (c) peer removed mid-burst: the burst went on" nt_ep_ok
	if [ "$kind" = noisetun ]; then
		# Test that what came after the removal was counted as
		# dropped for its unknown receiver index. On a loaded host
		# the burst may be over before tunctl has run, so evilpeer
		# sends 20 more with the same keypair first.
		nt_ep udp count=20 || true
		nt_check "$label: (c) the rest of the burst dropped as bad_keypair" \
			nt_wait_until 5 dev_drop_grew bad_keypair
	fi
	n1 "$ctl" set "$dev" peer "$(cat "$tmp/p2")" allowed-ips 10.99.0.2/32,fd99::2/128
	nt_ep handshake || true
	nt_check "$label: (c) the peer re-added: a new handshake" nt_ep_ok
	nt_ep ping count=3 || true
	nt_check "$label: (c) the peer re-added: pings answered" reply_ok_and [ "$(nt_ep_val replies)" -eq 3 ]

	# Test that deleting the device while a burst is being received
	# neither crashes nor hangs (unregister_netdevice would wait).
	snapshot
	nt_ep_send tcp-blast port=5999 ms="$race_ms" gso="$gso"
	nt_wait_until 10 rx_moving || true
	nt_check "$label: (d) device deleted mid-burst" ip -n "$ns1" link del "$dev"
	nt_ep_read $((race_ms / 1000 + 30)) || true
	nt_diag "$label: (d) $NT_EP_REPLY"
	nt_check "$label: (d) the burst went on after the device was gone" nt_ep_ok
	nt_ep_stop
}

# --- noisetun ------------------------------------------------------------------
dev_up noisetun
bursts "nt0, IPv4 outer" 4
bursts "nt0, IPv6 outer" 6
races "nt0"

# --- wireguard.ko: the same bursts ------------------------------------------
dev_up wireguard
bursts "wg0, IPv4 outer" 4
bursts "wg0, IPv6 outer" 6
races "wg0"

[ "$NT_FAILED" -eq 0 ] || exit 1
