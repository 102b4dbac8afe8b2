#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 900
#
# make bench, under attack: one TCP flow (iperf3, bench_secs seconds)
# through the tunnel while udpflood sends garbage at the receiving
# device's listen port, 5 000 datagrams a second (NT_BENCH_FLOOD_RATE),
# from 16 sockets of a third namespace: 148-byte datagrams shaped like
# handshake initiations (type 1) with random bytes after the type, so that
# their mac1 is wrong (what anyone can send without knowing the device's
# public key). The rate is fixed, not as fast as the flooder can: sharing
# the VM's CPUs, an unpaced flooder would send more at the device that
# costs it less CPU, and the two would not face the same flood. The
# figure is the flow's receiver Mbit/s; the rate the flood reached is a
# diagnostic (on a slow host it may fall short of the target for both).
# noisetun and wireguard alternate (common.sh).
#
#   +--------- ntbf1-$$ ---------+      +--------- ntbf2-$$ ---------+
#   | nt0 10.94.0.1 :9601        |      | nt0 10.94.0.2 :9602        |
#   | wg0 10.95.0.1 :9701        |======| wg0 10.95.0.2 :9702        |
#   | iperf3 -s :5201, :5202     |      | iperf3 -c                  |
#   | veth1 192.168.94.1 --------+------+-- veth2 192.168.94.2       |
#   | veth13 192.168.95.1 -------+--+   +----------------------------+
#   +----------------------------+  |   +--------- ntbf3-$$ ---------+
#                                   +---+-- veth3 192.168.95.3       |
#                                       | udpflood send -> :9601/9701|
#                                       +----------------------------+

set -e
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/common.sh"

ns1="ntbf1-$$"
ns2="ntbf2-$$"
ns3="ntbf3-$$"
nt_tmpdir

bench_kinds iperf3
nt_testprog udpflood udpflood
nt_netns_new "$ns1" "$ns2" "$ns3"
nt_veth_link "$ns1" "$ns2" 192.168.94
nt_veth_link "$ns1" "$ns3" 192.168.95 veth13 veth3 3
nt_keys "$tmp" 1 2
nt_tunnel_pair "$ns1" "$ns2" "$tmp" 192.168.94 10.94.0 960 "" noisetun nt0
nt_tunnel_pair "$ns1" "$ns2" "$tmp" 192.168.94 10.95.0 970 "" wireguard wg0

declare -A addr=([noisetun]=10.94.0.1 [wireguard]=10.95.0.1)
declare -A port=([noisetun]=5201 [wireguard]=5202)
declare -A lport=([noisetun]=9601 [wireguard]=9701)
flood_rate=${NT_BENCH_FLOOD_RATE:-5000}

# The garbage: type 1, three zero bytes, 144 random bytes.
{ printf '\001\000\000\000'; head -c 144 /dev/urandom; } >"$tmp/garbage"

bench_iperf_servers "$ns1" "$ns2"

# run KIND: the flow's Mbit/s under the flood, then the flood's rate, on
# one line.
run() {
	local k=$1 fpid v rate
	ip netns exec "$ns3" "$udpflood" send -r "$flood_rate" 192.168.95.1 "${lport[$k]}" \
		"$tmp/garbage" $((bench_secs + 2)) 16 >"$tmp/flood.out" 2>&1 &
	fpid=$!
	# The flood has reached its pace before the flow starts.
	sleep 1
	v=$(ip netns exec "$ns2" timeout $((bench_secs + 60)) iperf3 --connect-timeout 5000 \
		-c "${addr[$k]}" -p "${port[$k]}" -t "$bench_secs" -f m 2>&1 |
		awk '/receiver/ { for (i = 1; i < NF; ++i) if ($(i + 1) == "Mbits/sec") v = $i }
		     END { if (v == "") exit 1; print v }') || v=
	wait "$fpid" || { echo "udpflood failed: $(cat "$tmp/flood.out")" >&2; return 1; }
	rate=$(grep -o 'rate=[0-9.]*' "$tmp/flood.out" | cut -d= -f2)
	[ -n "$v" ] && [ -n "$rate" ] || return 1
	echo "$v $rate"
}

nt_diag "setup took $(bench_since 0)"
declare -A fig rates
for r in $(seq 1 "$bench_rounds"); do
	line="round $r:"
	t=$SECONDS
	for k in $(bench_order "$r"); do
		if out=$(run "$k"); then
			read -r v rate <<<"$out"
			fig[$k]=${fig[$k]:+${fig[$k]},}$v
			rates[$k]=${rates[$k]:+${rates[$k]},}$rate
			line+=" $k $v Mbit/s (flood ${rate}/s);"
		else
			line+=" $k failed;"
		fi
	done
	nt_diag "$line ($(bench_since "$t"))"
done
for k in noisetun wireguard; do
	nt_diag "$k: flood rates ${rates[$k]:-none} datagrams/s (target $flood_rate)"
done

bench_row flood-tcp higher Mbit/s "${fig[noisetun]:-}" "${fig[wireguard]:-}" \
	"TCP, one flow, under a garbage flood of $flood_rate datagrams/s at the listen port"
