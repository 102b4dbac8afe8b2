#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 1200
#
# make bench, handshakes: M client devices of each kind (128; 16 in the
# quick profile), each with its own key and listen port, all peers of one
# server device of their kind; each client has a persistent keepalive,
# configured while it is down, so that setting it up sends a keepalive
# and so starts a handshake. All M are set up at once (one ip -batch); the
# figure is M divided by the time until the server shows M handshakes
# (polled every 50 ms with `show latest-handshakes`, by one shell in its
# namespace). The kinds alternate (common.sh). The server is made anew
# for every run; the clients are made and configured once, and set down
# after each run (which ends their sessions and handshakes: each run
# starts from none).
#
#   +----------- ntbh1-$$ -----------+          +------------- ntbh2-$$ -------------+
#   | srv: M peers, port 9301,       |          | n1 .. nM (noisetun): port 9400+i,  |
#   |      10.93.0.i/32 each         |          | w1 .. wM (wireguard): port 9700+i, |
#   |                                |          |   peer srv, keepalive 25,          |
#   |                                |          |   endpoint 192.168.93.1:9301       |
#   | veth1 192.168.93.1 ------------+----------+-- veth2 192.168.93.2               |
#   +--------------------------------+          +------------------------------------+

set -e
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/common.sh"

ns1="ntbh1-$$"
ns2="ntbh2-$$"
nt_tmpdir

m=${NT_BENCH_CLIENTS:-128}
[ "$bench_quick" = 1 ] && m=${NT_BENCH_CLIENTS:-16}
[ "$m" -le 250 ] || nt_skip "NT_BENCH_CLIENTS=$m: at most 250 (the ports and addresses)"
declare -A pfx=([noisetun]=n [wireguard]=w) base=([noisetun]=9400 [wireguard]=9700)

bench_kinds
nt_netns_new "$ns1" "$ns2"
nt_veth_link "$ns1" "$ns2" 192.168.93
nt_keys "$tmp" 0 $(seq 1 "$m")

# The server's configuration (its peers: the clients).
{
	echo "[Interface]"
	echo "PrivateKey = $(cat "$tmp/k0")"
	echo "ListenPort = 9301"
	for i in $(seq 1 "$m"); do
		echo "[Peer]"
		echo "PublicKey = $(cat "$tmp/p$i")"
		echo "AllowedIPs = 10.93.0.$i/32"
	done
} >"$tmp/srv.conf"

# The clients of each kind, made and configured once (down), by one shell
# in the namespace (a process per step costs tens of ms under TCG), and
# the batches that set them up and down.
for k in noisetun wireguard; do
	p=${pfx[$k]}
	for i in $(seq 1 "$m"); do
		{
			echo "[Interface]"
			echo "PrivateKey = $(cat "$tmp/k$i")"
			echo "ListenPort = $((base[$k] + i))"
			echo "[Peer]"
			echo "PublicKey = $(cat "$tmp/p0")"
			echo "AllowedIPs = 10.93.1.1/32"
			echo "Endpoint = 192.168.93.1:9301"
			echo "PersistentKeepalive = 25"
		} >"$tmp/$p$i.conf"
		echo "link add $p$i type $k" >>"$tmp/$p.add"
		echo "link set $p$i up" >>"$tmp/$p.up"
		echo "link set $p$i down" >>"$tmp/$p.down"
	done
	ip -n "$ns2" -batch "$tmp/$p.add"
	ip netns exec "$ns2" bash -c 'set -e; for i in $(seq 1 "$2"); do "$1" setconf "$3$i" "$4/$3$i.conf"; done' \
		- "$(bench_ctl "$k")" "$m" "$p" "$tmp"
done

# run KIND: make the server, set KIND's clients up at once, and print
# handshakes per second; then the clients down and the server deleted.
run() {
	local k=$1 ctl p=${pfx[$1]} t0 t1
	ctl=$(bench_ctl "$k")
	ip -n "$ns1" link add srv type "$k"
	ip netns exec "$ns1" "$ctl" setconf srv "$tmp/srv.conf"
	ip -n "$ns1" link set srv up
	t0=$(bench_now_ms)
	ip -n "$ns2" -batch "$tmp/$p.up"
	# Poll until the server shows M handshakes (60 s at most), from one
	# shell (the poll competes with what it measures); print the time
	# then, or what it showed.
	t1=$(ip netns exec "$ns1" bash -c '
		end=$(($(date +%s%3N) + 60000))
		while :; do
			n=$("$1" show srv latest-handshakes | awk "\$2 != 0 { n++ } END { print n + 0 }")
			now=$(date +%s%3N)
			[ "$n" = "$2" ] && { echo "$now"; exit 0; }
			[ "$now" -gt "$end" ] && { echo "after 60 s the server shows $n of $2 handshakes" >&2; exit 1; }
			sleep 0.05
		done' - "$ctl" "$m") || t1=
	ip -n "$ns2" -batch "$tmp/$p.down"
	ip -n "$ns1" link del srv
	[ -n "$t1" ] || return 1
	awk -v m="$m" -v ms=$((t1 - t0)) 'BEGIN { printf "%.1f\n", m * 1000 / ms }'
}

nt_diag "setup took $(bench_since 0)"
declare -A fig
for r in $(seq 1 "$bench_rounds"); do
	line="round $r:"
	t=$SECONDS
	for k in $(bench_order "$r"); do
		v=$(run "$k") || v=
		[ -n "$v" ] && fig[$k]=${fig[$k]:+${fig[$k]},}$v
		line+=" $k ${v:-none}/s"
	done
	nt_diag "$line ($(bench_since "$t"))"
done

nt_bench_record handshakes higher 1/s "${fig[noisetun]:-}" "${fig[wireguard]:-}" \
	"handshakes completed per second, $m peers initiating at once"
for k in noisetun wireguard; do
	n=$(tr ',' '\n' <<<"${fig[$k]:-}" | grep -c .) || true
	# Test that every round completed all M handshakes within 60 s.
	nt_check "handshakes: $k completed all $m in $n of $bench_rounds rounds" test "$n" = "$bench_rounds" || true
done
