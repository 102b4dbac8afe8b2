#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Speed sanity: one iperf3 TCP flow through noisetun and one through the
# in-tree wireguard module, the same topology, in the same VM run,
# back to back and alternating who goes first, and compared round by
# round: the median of the per-round ratios (TCG on a shared host is
# noisy, a run can be off by half, but both runs of a round see about the
# same host). noisetun must reach at least 90 % of
# wireguard's throughput (issue #3); the figures, their ratio and any drop
# noisetun counted are printed as diagnostics.
#
#   +---------- ntsp1-$$ ----------+          +---------- ntsp2-$$ ----------+
#   | nt0 10.70.0.1  (port 5001)   |          | nt0 10.70.0.2  (port 5002)   |
#   | wg0 10.71.0.1  (port 6001)   |          | wg0 10.71.0.2  (port 6002)   |
#   | iperf3 -s                    |          | iperf3 -c                    |
#   | veth1 192.168.70.1 ----------+----------+-- veth2 192.168.70.2         |
#   +------------------------------+          +------------------------------+

set -e
source "$(dirname "$0")/../lib.sh"

ns1="ntsp1-$$"
ns2="ntsp2-$$"
nt_tmpdir

# Seconds per iperf3 run, runs per kind, and the ratio demanded (percent).
secs=${NT_SPEED_SECONDS:-4}
rounds=${NT_SPEED_ROUNDS:-7}
demand=90

nt_kind noisetun wg iperf3
modprobe wireguard 2>/dev/null || nt_skip "the in-tree wireguard module does not load"
nt_netns_new "$ns1" "$ns2"
nt_veth_link "$ns1" "$ns2" 192.168.70

nt_keys "$tmp" 1 2

# pair KIND TOOL DEV SUBNET PORTBASE: DEV in both namespaces, peered.
pair() {
	local kind=$1 tool=$2 dev=$3 net=$4 base=$5 i o ns
	for i in 1 2; do
		o=$((3 - i))
		ns=$ns1
		[ "$i" = 2 ] && ns=$ns2
		ip -n "$ns" link add "$dev" type "$kind"
		ip netns exec "$ns" "$tool" set "$dev" private-key "$tmp/k$i" \
			listen-port "$base$i" peer "$(cat "$tmp/p$o")" \
			allowed-ips "$net.$o/32" endpoint "192.168.70.$o:$base$o"
		ip -n "$ns" addr add "$net.$i/24" dev "$dev"
		ip -n "$ns" link set "$dev" up
	done
}
pair noisetun tunctl nt0 10.70.0 500
pair wireguard wg wg0 10.71.0 600

# Test that both tunnels carry traffic before they are measured.
nt_check "noisetun tunnel up" nt_wait_until 15 ip netns exec "$ns2" ping -c1 -W1 10.70.0.1
nt_check "wireguard tunnel up" nt_wait_until 15 ip netns exec "$ns2" ping -c1 -W1 10.71.0.1

nt_bg ip netns exec "$ns1" iperf3 -s -B 10.70.0.1 -p 5201
nt_bg ip netns exec "$ns1" iperf3 -s -B 10.71.0.1 -p 5202
listening() {
	ip netns exec "$ns1" ss -ltn | grep -q ":$1 "
}
nt_wait_until 10 listening 5201
nt_wait_until 10 listening 5202

# mbps ADDR PORT: one iperf3 run's receiver throughput in Mbit/s, integer.
mbps() {
	ip netns exec "$ns2" iperf3 -c "$1" -p "$2" -t "$secs" -f m 2>&1 |
		awk '/receiver/ { for (i = 1; i < NF; ++i) if ($(i + 1) == "Mbits/sec") v = $i }
		     END { if (v == "") exit 1; printf "%d\n", v }'
}

# median N...: the middle value of integers.
median() {
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

nt_runs=()
wg_runs=()
ratios=()
for r in $(seq 1 "$rounds"); do
	# Who goes first alternates: the first run of a round may see the
	# host in another state than the second.
	if [ $((r % 2)) = 1 ]; then
		w=$(mbps 10.71.0.1 5202) || w=0
		n=$(mbps 10.70.0.1 5201) || n=0
	else
		n=$(mbps 10.70.0.1 5201) || n=0
		w=$(mbps 10.71.0.1 5202) || w=0
	fi
	nt_diag "round $r: wireguard $w Mbit/s, noisetun $n Mbit/s"
	wg_runs+=("$w")
	nt_runs+=("$n")
	[ "$w" -gt 0 ] && ratios+=("$((n * 100 / w))")
done
nt_diag "noisetun drops (receiver): $(ip netns exec "$ns1" tunctl show --json nt0 |
	tr -d ' \n' | grep -o '"drops":{[^}]*}' | head -n 1 | grep -o '"[a-z_]*":[1-9][0-9]*' | tr '\n' ' ')"

# Test that every run measured something.
nt_check "wireguard throughput measured in every round" \
	test "$(median "${wg_runs[@]}")" -gt 0 -a "${#ratios[@]}" = "$rounds"
nt_check "noisetun throughput measured" test "$(median "${nt_runs[@]}")" -gt 0
ratio=$(median "${ratios[@]}")
nt_diag "single flow, $rounds rounds x ${secs}s: median wireguard $(median "${wg_runs[@]}") Mbit/s, noisetun $(median "${nt_runs[@]}") Mbit/s; median per-round ratio ${ratio}%"
# Test that noisetun is within 10% of wireguard (or faster).
nt_check "noisetun/wireguard throughput ratio ${ratio}% >= ${demand}%" test "$ratio" -ge "$demand"
