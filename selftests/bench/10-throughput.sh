#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 1500
#
# make bench, the data path: the same workloads through a noisetun pair
# (nt0) and a wireguard pair (wg0) between two namespaces, alternating
# (common.sh), each for bench_secs seconds:
#   - TCP (iperf3), one flow and four flows: receiver Mbit/s;
#   - UDP (iperf3 -u -b 0) of 64- and 1400-byte inner packets (IP header
#     included: payloads of 36 and 1372 bytes): datagrams the receiver
#     got per second (the datagrams sent minus those it counted lost);
#   - ping round-trip time, p50 and p99 of 300 pings 10 ms apart (50 in
#     the quick profile), on an idle tunnel and under one TCP flow the
#     same way.
# Every figure is also a check: a run that yields no figure fails its row.
# NT_BENCH_GRO=1 (make bench GRO=1): GRO on at the veth pair (below).
#
#   +----------- ntbt1-$$ -----------+          +----------- ntbt2-$$ -----------+
#   | nt0 10.91.0.1 (port 9101)      |          | nt0 10.91.0.2 (port 9102)      |
#   | wg0 10.92.0.1 (port 9201)      |          | wg0 10.92.0.2 (port 9202)      |
#   | iperf3 -s :5201 (nt), :5202 (wg)|         | iperf3 -c, ping                |
#   | veth1 192.168.91.1 ------------+----------+-- veth2 192.168.91.2           |
#   +--------------------------------+          +--------------------------------+

set -e
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/common.sh"

ns1="ntbt1-$$"
ns2="ntbt2-$$"
nt_tmpdir

gro=${NT_BENCH_GRO:-0}
if [ "$gro" = 1 ]; then bench_kinds iperf3 ping ethtool; else bench_kinds iperf3 ping; fi
nt_netns_new "$ns1" "$ns2"
nt_veth_link "$ns1" "$ns2" 192.168.91
# GRO=1: GRO at both ends of the veth pair, as a server's NIC has it by
# default (a veth has it off). A veth does GRO only in its NAPI mode,
# which turning GRO on starts, and passes a packet that way only when
# the sending end has TSO off (or the packet is a local socket's UDP,
# which the tunnels' packets are not); the pair carries nothing but the
# tunnels' datagrams, so TSO goes off at both ends. Both modules alike.
if [ "$gro" = 1 ]; then
	ip netns exec "$ns1" ethtool -K veth1 gro on tso off
	ip netns exec "$ns2" ethtool -K veth2 gro on tso off
	nt_diag "underlay GRO: $(ip netns exec "$ns1" ethtool -k veth1 |
		grep -E '^(generic-receive-offload|tcp-segmentation-offload):' | tr -s ' \n' ' ')"
fi
nt_keys "$tmp" 1 2
nt_tunnel_pair "$ns1" "$ns2" "$tmp" 192.168.91 10.91.0 910 "" noisetun nt0
nt_tunnel_pair "$ns1" "$ns2" "$tmp" 192.168.91 10.92.0 920 "" wireguard wg0

declare -A addr=([noisetun]=10.91.0.1 [wireguard]=10.92.0.1)
declare -A port=([noisetun]=5201 [wireguard]=5202)
# The pings of a latency run, and how long its TCP load lasts: the first
# second (slow start, not measured) and the pings (10 ms apart), with a
# margin for the pings' own delays; less of it in the quick profile.
pings=300
load_secs=$((pings / 100 + 3))
if [ "$bench_quick" = 1 ]; then
	pings=50
	load_secs=2
fi

bench_iperf_servers "$ns1" "$ns2"
nt_diag "setup took $(bench_since 0)"

# iperf KIND ARGS...: one iperf3 client run from ns2 to KIND's server.
iperf() {
	local k=$1
	shift
	ip netns exec "$ns2" timeout $((bench_secs + 60)) iperf3 --connect-timeout 5000 \
		-c "${addr[$k]}" -p "${port[$k]}" "$@"
}

# tcp KIND FLOWS: receiver Mbit/s of FLOWS parallel TCP flows.
tcp() {
	iperf "$1" -P "$2" -t "$bench_secs" -f m 2>&1 |
		awk '/receiver/ { for (i = 1; i < NF; ++i) if ($(i + 1) == "Mbits/sec") v = $i }
		     END { if (v == "") exit 1; print v }'
}

# udp KIND LEN: datagrams of LEN bytes (payload) received per second.
udp() {
	iperf "$1" -u -b 0 -l "$2" -t "$bench_secs" 2>&1 |
		awk '/receiver/ { split($3, t, "-")
				  for (i = 1; i <= NF; ++i) if ($i ~ /^[0-9]+\/[0-9]+$/) { split($i, n, "/") } }
		     END { if (n[2] == "" || t[2] - t[1] <= 0) exit 1
			   printf "%d\n", (n[2] - n[1]) / (t[2] - t[1]) }'
}

# rtts KIND: the round-trip times (microseconds) of $pings pings, one a line.
rtts() {
	ip netns exec "$ns2" ping -n -i 0.01 -c "$pings" -W 2 "${addr[$1]}" |
		sed -n 's/.* time=\([0-9.]*\) ms.*/\1/p' | awk '{ printf "%d\n", $1 * 1000 }'
}

# latency KIND OUT: p50 and p99 of rtts in OUT.p50, OUT.p99.
latency() {
	local f=$tmp/rtt
	rtts "$1" >"$f" || true
	# At least 90 % answered, or there is no figure.
	[ "$(wc -l <"$f")" -ge $((pings * 9 / 10)) ] || return 1
	bench_percentile 50 <"$f" >"$2.p50"
	bench_percentile 99 <"$f" >"$2.p99"
}

# latency_loaded KIND OUT: latency under one TCP flow from ns2 to ns1.
latency_loaded() {
	local pid rc=0
	iperf "$1" -t "$load_secs" >"$tmp/load.log" 2>&1 &
	pid=$!
	# The flow's first second (slow start) is not the load to measure.
	sleep 1
	latency "$1" "$2" || rc=1
	wait "$pid" || { cat "$tmp/load.log"; rc=1; }
	return "$rc"
}

declare -A fig	# fig[ROW,KIND]: the figures, comma separated
add() {	# add ROW KIND VALUE
	fig[$1,$2]=${fig[$1,$2]:+${fig[$1,$2]},}$3
}

for r in $(seq 1 "$bench_rounds"); do
	for w in tcp-1 tcp-4 udp-64 udp-1400 ping-idle ping-load; do
		bench_wanted "$w" || continue
		line="round $r, $w:"
		t=$SECONDS
		for k in $(bench_order "$r"); do
			v=
			case "$w" in
			tcp-1) v=$(tcp "$k" 1) || v= ;;
			tcp-4) v=$(tcp "$k" 4) || v= ;;
			udp-64) v=$(udp "$k" 36) || v= ;;
			udp-1400) v=$(udp "$k" 1372) || v= ;;
			ping-idle | ping-load)
				rm -f "$tmp/lat.p50" "$tmp/lat.p99"
				if [ "$w" = ping-idle ]; then
					latency "$k" "$tmp/lat" || true
				else
					latency_loaded "$k" "$tmp/lat" || true
				fi
				if [ -s "$tmp/lat.p99" ]; then
					add "$w-p50" "$k" "$(cat "$tmp/lat.p50")"
					add "$w-p99" "$k" "$(cat "$tmp/lat.p99")"
					v="$(cat "$tmp/lat.p50")/$(cat "$tmp/lat.p99")"
				fi ;;
			esac
			case "$w" in ping-*) ;; *) [ -n "$v" ] && add "$w" "$k" "$v" ;; esac
			line+=" $k ${v:-none}"
		done
		nt_diag "$line ($(bench_since "$t"))"
	done
done

# With NT_BENCH_PROFILE=1 (make bench PROFILE=1): one more tcp-1 run of
# each module under perf, sampling the whole VM (cpu-clock: TCG has no
# hardware counters), and the hottest symbols into the log. Not a figure:
# the sampling costs both modules alike but slows them.
if [ "${NT_BENCH_PROFILE:-0}" = 1 ]; then
	for k in noisetun wireguard; do
		perf record -q -a -e cpu-clock -F 499 -o "$tmp/perf.data" \
			-- sleep "$((bench_secs + 1))" 2>"$tmp/perf.err" &
		pid=$!
		v=$(tcp "$k" 1) || v=none
		wait "$pid" || cat "$tmp/perf.err"
		nt_diag "profile of $k, tcp-1 ($v Mbit/s under perf), hottest symbols:"
		perf report -q -i "$tmp/perf.data" --stdio --no-children --sort sym,dso \
			2>/dev/null | head -n 45 | sed 's/^/#   /'
		for sort in dso cpu comm; do
			perf report -q -i "$tmp/perf.data" --stdio --no-children --sort "$sort" \
				2>/dev/null | head -n 12 | sed 's/^/#   /'
		done
	done
fi

# gro_merges: with GRO=1, whether GRO merged the tunnels' datagrams, from
# one more tcp-1 run of each module (not a figure): the packets veth1
# handed up (net:netif_receive_skb) and how many of them were longer than
# one datagram. Only a socket that asks for UDP GRO gets merged ones.
gro_merges() {
	local t tr='' k v
	for t in /sys/kernel/tracing /sys/kernel/debug/tracing; do
		[ -d "$t/instances" ] || mount -t tracefs nodev "$t" 2>/dev/null || continue
		[ -d "$t/instances" ] && { tr=$t/instances/ntbt-$$; break; }
	done
	[ -n "$tr" ] && mkdir "$tr" || return 1
	echo 8192 >"$tr/buffer_size_kb"
	echo 'name == "veth1"' >"$tr/events/net/netif_receive_skb/filter" || return 1
	for k in noisetun wireguard; do
		echo >"$tr/trace"
		echo 1 >"$tr/events/net/netif_receive_skb/enable"
		v=$(tcp "$k" 1) || v=none
		echo 0 >"$tr/events/net/netif_receive_skb/enable"
		nt_diag "underlay GRO, $k tcp-1 ($v Mbit/s traced): $(awk '
			/netif_receive_skb/ && match($0, /len=[0-9]+/) {
				n++; if (substr($0, RSTART + 4, RLENGTH - 4) + 0 > 1500) m++ }
			END { printf "%d packets up from veth1, %d of them merged", n, m }' "$tr/trace")"
	done
	rmdir "$tr"
}
if [ "$gro" = 1 ]; then
	gro_merges || nt_diag "underlay GRO: no tracefs, merges not counted"
fi

# row ID BETTER UNIT LABEL: record the row and check it has every round.
row() {
	bench_wanted "${1%-p[0-9]*}" || return 0
	bench_row "$1" "$2" "$3" "${fig[$1,noisetun]:-}" "${fig[$1,wireguard]:-}" "${@:4}"
}
row tcp-1 higher Mbit/s "TCP, one flow (iperf3), receiver throughput"
row tcp-4 higher Mbit/s "TCP, four flows (iperf3 -P 4), receiver throughput"
row udp-64 higher pkt/s "UDP, 64-byte packets received per second (iperf3 -u -b 0)"
row udp-1400 higher pkt/s "UDP, 1400-byte packets received per second (iperf3 -u -b 0)"
row ping-idle-p50 lower us "ping round trip, idle tunnel, median"
row ping-idle-p99 lower us "ping round trip, idle tunnel, 99th percentile"
row ping-load-p50 lower us "ping round trip under one TCP flow, median"
row ping-load-p99 lower us "ping round trip under one TCP flow, 99th percentile"
nt_diag "noisetun drops (receiver): $(ip netns exec "$ns1" tunctl show --json nt0 |
	tr -d ' \n' | grep -o '"drops":{[^}]*}' | head -n 1 | grep -o '"[a-z_]*":[1-9][0-9]*' | tr '\n' ' ')"
