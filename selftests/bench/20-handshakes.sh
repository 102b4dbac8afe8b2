#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 1200
#
# make bench, handshakes: M client devices (128; 32 in the quick
# profile), each with its own key and listen port, all peers of one
# server device; each client has a persistent keepalive, configured while
# it is down, so that setting it up sends a keepalive and so starts a
# handshake. All M are set up at once (one ip -batch); the figure is M
# divided by the time until the server shows M handshakes (polled every
# 50 ms with `show latest-handshakes`, by one shell in its namespace). Clients and server of one kind,
# alternating with the other kind (common.sh); the devices are made anew
# for every run.
#
#   +------------- ntbh1-$$ -------------+          +------------ ntbh2-$$ ------------+
#   | srv: M peers, port 9301,           |          | c1 .. cM: port 9400+i,           |
#   |      10.93.i/32 each               |          |   peer srv, keepalive 25,        |
#   |                                    |          |   endpoint 192.168.93.1:9301     |
#   | veth1 192.168.93.1 ----------------+----------+-- veth2 192.168.93.2             |
#   +------------------------------------+          +----------------------------------+

set -e
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/common.sh"

ns1="ntbh1-$$"
ns2="ntbh2-$$"
nt_tmpdir

m=${NT_BENCH_CLIENTS:-128}
[ "$bench_quick" = 1 ] && m=${NT_BENCH_CLIENTS:-32}

bench_kinds
nt_netns_new "$ns1" "$ns2"
nt_veth_link "$ns1" "$ns2" 192.168.93
nt_keys "$tmp" 0 $(seq 1 "$m")

# The server's configuration (its peers: the clients) and the batches
# that make, configure-free, set up and delete the clients.
{
	echo "[Interface]"
	echo "PrivateKey = $(cat "$tmp/k0")"
	echo "ListenPort = 9301"
	for i in $(seq 1 "$m"); do
		echo "[Peer]"
		echo "PublicKey = $(cat "$tmp/p$i")"
		echo "AllowedIPs = 10.93.$((i / 256)).$((i % 256))/32"
	done
} >"$tmp/srv.conf"
for i in $(seq 1 "$m"); do
	{
		echo "[Interface]"
		echo "PrivateKey = $(cat "$tmp/k$i")"
		echo "ListenPort = $((9400 + i))"
		echo "[Peer]"
		echo "PublicKey = $(cat "$tmp/p0")"
		echo "AllowedIPs = 10.93.255.1/32"
		echo "Endpoint = 192.168.93.1:9301"
		echo "PersistentKeepalive = 25"
	} >"$tmp/c$i.conf"
	echo "link set c$i up" >>"$tmp/up.batch"
	echo "link del c$i" >>"$tmp/del.batch"
done

# run KIND: make the server and the M clients (down), set the clients up
# at once; print handshakes per second. The clients are configured, and
# the server polled, by one shell in the namespace each (a process per
# step costs tens of ms under TCG, and the poll competes with what it
# measures).
run() {
	local k=$1 ctl i t0 t1
	ctl=$(bench_ctl "$k")
	ip -n "$ns1" link add srv type "$k"
	ip netns exec "$ns1" "$ctl" setconf srv "$tmp/srv.conf"
	ip -n "$ns1" link set srv up
	for i in $(seq 1 "$m"); do
		echo "link add c$i type $k"
	done >"$tmp/add.batch"
	ip -n "$ns2" -batch "$tmp/add.batch"
	ip netns exec "$ns2" bash -c 'set -e; for i in $(seq 1 "$2"); do "$1" setconf "c$i" "$3/c$i.conf"; done' \
		- "$ctl" "$m" "$tmp"
	t0=$(bench_now_ms)
	ip -n "$ns2" -batch "$tmp/up.batch"
	# Poll until the server shows M handshakes (60 s at most); print
	# the time then, or what it showed.
	t1=$(ip netns exec "$ns1" bash -c '
		end=$(($(date +%s%3N) + 60000))
		while :; do
			n=$("$1" show srv latest-handshakes | awk "\$2 != 0 { n++ } END { print n + 0 }")
			now=$(date +%s%3N)
			[ "$n" = "$2" ] && { echo "$now"; exit 0; }
			[ "$now" -gt "$end" ] && { echo "after 60 s the server shows $n of $2 handshakes" >&2; exit 1; }
			sleep 0.05
		done' - "$ctl" "$m") || t1=
	ip -n "$ns2" -batch "$tmp/del.batch"
	ip -n "$ns1" link del srv
	[ -n "$t1" ] || return 1
	awk -v m="$m" -v ms=$((t1 - t0)) 'BEGIN { printf "%.1f\n", m * 1000 / ms }'
}

declare -A fig
for r in $(seq 1 "$bench_rounds"); do
	line="round $r:"
	for k in $(bench_order "$r"); do
		v=$(run "$k") || v=
		[ -n "$v" ] && fig[$k]=${fig[$k]:+${fig[$k]},}$v
		line+=" $k ${v:-none}/s"
	done
	nt_diag "$line"
done

nt_bench_record handshakes higher 1/s "${fig[noisetun]:-}" "${fig[wireguard]:-}" \
	"handshakes completed per second, $m peers initiating at once"
for k in noisetun wireguard; do
	n=$(tr ',' '\n' <<<"${fig[$k]:-}" | grep -c .) || true
	# Test that every round completed all M handshakes within 60 s.
	nt_check "handshakes: $k completed all $m in $n of $bench_rounds rounds" test "$n" = "$bench_rounds" || true
done
