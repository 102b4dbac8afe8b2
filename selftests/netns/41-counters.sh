#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 300
#
# Byte counters, as WireGuard's netns.sh checks them (Documentation/testing.md
# 1.1 #2): on a fresh pair, 10 pings from side 2 to side 1 leave side 2 with
# rx_bytes exactly 1372 (one 92-byte handshake response + 10 transport
# messages of 128 bytes) and tx_bytes 1428 (one 148-byte initiation + 10
# x 128) or 1460 (plus one 32-byte keepalive), side 1 the mirror, and a
# latest handshake on both. Run for the reference pair wireguard.ko <->
# wireguard.ko, then noisetun as side 2 and as side 1 against wireguard.ko;
# noisetun's figures must equal the reference's.
#
#   +------------ ntc1-$$ (side 1) -----------+        +------------ ntc2-$$ (side 2) -----------+
#   | nt0 or wg0  10.99.0.1/24  fd99::1/64     |========| nt0 or wg0  10.99.0.2/24  fd99::2/64     |
#   |             udp 4001                     | tunnel |             udp 4002                     |
#   | veth1 192.168.241.1/24 ------------------+--------+-- veth2 192.168.241.2/24                  |
#   +------------------------------------------+        +------------------------------------------+
#                          <--- ping -f -c 10 10.99.0.1 from side 2 ---
#
# NT_SELF_KIND=wireguard stands the in-tree wireguard module (and wg) in
# for noisetun: a check of this scenario's own logic. Default noisetun.

set -e
source "$(dirname "$0")/../lib.sh"

ns1="ntc1-$$"
ns2="ntc2-$$"
nt_tmpdir

umask 077	# private keys in files
nt_self_kind ping

nt_netns_new "$ns1" "$ns2"
nt_veth_link "$ns1" "$ns2" 192.168.241

pub=()
for i in 1 2; do
	wg genkey >"$tmp/k$i"
	pub[i]=$(wg pubkey <"$tmp/k$i")
done

# Per side (1, 2): namespace, kind (self or wg), device, tool.
ns=("" "$ns1" "$ns2")
kind=() dev=() tool=()

# pair KIND1 KIND2: fresh devices, side 1 of KIND1 and side 2 of KIND2,
# each the other's only peer with its endpoint (as netns.sh sets them).
pair() {
	local i him k
	for i in 1 2; do
		[ -n "${dev[i]:-}" ] && ip -n "${ns[i]}" link del "${dev[i]}"
		dev[i]=
	done
	kind=("" "$1" "$2")
	for i in 1 2; do
		him=$((3 - i))
		k=wireguard tool[i]=wg dev[i]=wg0
		if [ "${kind[i]}" = self ]; then
			k=$self_kind tool[i]=$self_tool dev[i]=nt0
		fi
		ip -n "${ns[i]}" link add "${dev[i]}" type "$k"
		ip netns exec "${ns[i]}" "${tool[i]}" set "${dev[i]}" \
			private-key "$tmp/k$i" listen-port $((4000 + i)) \
			peer "${pub[him]}" allowed-ips "10.99.0.$him/32,fd99::$him/128" \
			endpoint "192.168.241.$him:$((4000 + him))"
		ip -n "${ns[i]}" -b - <<-EOF
			addr add 10.99.0.$i/24 dev ${dev[i]}
			addr add fd99::$i/64 dev ${dev[i]} nodad
			link set ${dev[i]} up
		EOF
	done
}

# transfer SIDE: "rx tx" of the side's peer, from `wg|tunctl show DEV transfer`.
transfer() {
	ip netns exec "${ns[$1]}" "${tool[$1]}" show "${dev[$1]}" transfer | awk '{ print $2, $3 }'
}

# all_arrived: side 2 got its 10 replies and side 1 its 10 requests.
all_arrived() {
	local rx1 rx2
	read -r rx1 _ < <(transfer 1)
	read -r rx2 _ < <(transfer 2)
	[ "$rx1" -ge 1428 ] && [ "$rx2" -ge 1372 ]
}

# is N WANT...: N is one of WANT (prints what it saw).
is() {
	local n=$1 w
	shift
	for w in "$@"; do
		[ "$n" = "$w" ] && return 0
	done
	echo "got $n, want one of: $*"
	return 1
}

# has_handshake SIDE: the side's peer has a latest handshake.
has_handshake() {
	local t
	t=$(ip netns exec "${ns[$1]}" "${tool[$1]}" show "${dev[$1]}" latest-handshakes | awk '{ print $2 }')
	echo "${dev[$1]} latest handshake: $t"
	[ "$t" -gt 0 ]
}

# json_agrees SIDE RX TX: noisetun's --json rx_bytes/tx_bytes are RX/TX.
json_agrees() {
	local j
	j=$(ip netns exec "${ns[$1]}" tunctl show "${dev[$1]}" --json)
	echo "$j" | grep -E '"(rx|tx)_bytes"'
	echo "$j" | grep -q "\"rx_bytes\": $2," && echo "$j" | grep -q "\"tx_bytes\": $3,"
}

# netdev_counters SIDE: the device's rx_packets rx_bytes tx_packets tx_bytes.
netdev_counters() {
	local c out=
	for c in rx_packets rx_bytes tx_packets tx_bytes; do
		out+="$(ip netns exec "${ns[$1]}" cat "/sys/class/net/${dev[$1]}/statistics/$c") "
	done
	echo "${out% }"
}

# same_as_ref GOT REF: "rx2 tx2 rx1 tx1" equal, but for one keepalive
# (32 bytes) more or less on side 2's tx and side 1's rx, which netns.sh
# allows too.
same_as_ref() {
	local g r
	read -r -a g <<<"$1"
	read -r -a r <<<"$2"
	echo "got (side 2 rx tx, side 1 rx tx) $1; wireguard.ko <-> wireguard.ko: $2"
	[ "${g[0]}" = "${r[0]}" ] && [ "${g[3]}" = "${r[3]}" ] &&
		is "${g[1]}" 1428 1460 >/dev/null && is "${g[2]}" 1428 1460 >/dev/null &&
		is "$((g[1] - r[1]))" 0 32 -32 && is "$((g[2] - r[2]))" 0 32 -32
}

# run LABEL KIND1 KIND2: one fresh pair, the pings, the checks; the
# figures in $figures ("rx2 tx2 rx1 tx1").
# ten_replies: side 2's 10 flood pings are all answered (the summary says
# so: ping's exit status alone says only that one reply came).
ten_replies() {
	local out
	out=$(ip netns exec "$ns2" ping -f -c 10 -W 5 10.99.0.1 2>&1) || { echo "$out"; return 1; }
	grep -q '^10 packets transmitted, 10 received,' <<<"$out" && return 0
	echo "$out"
	return 1
}
figures=
run() {
	local label=$1 rx1 tx1 rx2 tx2
	pair "$2" "$3"
	nt_diag "$label: side 1 ${dev[1]} (${kind[1]}), side 2 ${dev[2]} (${kind[2]})"

	# Test that side 2's 10 pings all get their replies (the first one
	# waiting for the handshake it starts).
	nt_check "$label: 10 pings from side 2, 10 replies" ten_replies || true
	nt_wait_until 5 all_arrived || true
	read -r rx2 tx2 < <(transfer 2)
	read -r rx1 tx1 < <(transfer 1)
	figures="$rx2 $tx2 $rx1 $tx1"
	nt_diag "$label: side 2 ${dev[2]} rx $rx2 tx $tx2; side 1 ${dev[1]} rx $rx1 tx $tx1"

	# Test the exact figures: side 2 received one response and 10
	# replies, sent one initiation and 10 requests (and maybe a
	# keepalive); side 1 the mirror.
	nt_check "$label: side 2 (${dev[2]}) rx_bytes 1372" is "$rx2" 1372 || true
	nt_check "$label: side 2 (${dev[2]}) tx_bytes 1428 or 1460" is "$tx2" 1428 1460 || true
	nt_check "$label: side 1 (${dev[1]}) rx_bytes 1428 or 1460" is "$rx1" 1428 1460 || true
	nt_check "$label: side 1 (${dev[1]}) tx_bytes 1372" is "$tx1" 1372 || true
	# Test that both sides record the handshake.
	nt_check "$label: side 1 (${dev[1]}) latest handshake non-zero" has_handshake 1 || true
	nt_check "$label: side 2 (${dev[2]}) latest handshake non-zero" has_handshake 2 || true
	# Test that a noisetun device's own counters (ip -s link) are the
	# inner packets, once each: 10 echo requests and 10 replies of 84
	# bytes each way (the sending side's tunnel transmit helper must not
	# count the sealed messages again).
	local i
	for i in 1 2; do
		[ "$self_kind" = noisetun ] && [ "${kind[i]}" = self ] || continue
		nt_check "$label: side $i (${dev[i]}) ip -s link: 10 packets, 840 bytes each way" \
			nt_is "10 840 10 840" netdev_counters "$i" || true
	done
	# Test that noisetun's --json agrees with its transfer line.
	if [ "$self_kind" = noisetun ] && [ "${kind[1]}" = self ]; then
		nt_check "$label: side 1 (${dev[1]}) --json bytes equal transfer" \
			json_agrees 1 "$rx1" "$tx1" || true
	fi
	if [ "$self_kind" = noisetun ] && [ "${kind[2]}" = self ]; then
		nt_check "$label: side 2 (${dev[2]}) --json bytes equal transfer" \
			json_agrees 2 "$rx2" "$tx2" || true
	fi
}

run "wireguard.ko <-> wireguard.ko" wg wg
ref=$figures
run "noisetun as side 2" wg self
# Test that noisetun as side 2 counts what wireguard.ko counts there.
nt_check "noisetun as side 2: figures equal wireguard.ko's" same_as_ref "$figures" "$ref" || true
run "noisetun as side 1" self wg
# Test that noisetun as side 1 counts what wireguard.ko counts there.
nt_check "noisetun as side 1: figures equal wireguard.ko's" same_as_ref "$figures" "$ref" || true

ip -n "$ns1" link del "${dev[1]}"
ip -n "$ns2" link del "${dev[2]}"

# A failed check above went on (|| true): fail the scenario now.
[ "$NT_FAILED" -eq 0 ] || exit 1
