#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 1800
#
# make bench, the control plane: one configuration file of P peers
# (10 000; 250 in the quick profile) with 10 allowed IPs each (/32s,
# all distinct) and random public keys (32 random bytes each, in base64),
# applied to a new, down device with `tunctl setconf` and with
# `wg setconf` (the same file), alternating (common.sh). Rows:
#   - the time setconf takes (seconds);
#   - the time showconf takes to dump it all back (seconds; its output
#     must hold the P peers and their 10 P allowed IPs);
#   - kernel memory per peer (bytes): what the setconf added to the slab
#     objects in use (/proc/slabinfo, active objects times object size,
#     summed; the VM runs with slab_nomerge), plus per-CPU and vmalloc
#     memory (/proc/meminfo), divided by P. Measured from a settled
#     baseline (the last device's frees done) with the device made.
#
#   +------ ntbc-$$ ------+
#   | cfg: P peers x 10   |
#   +---------------------+

set -e
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/common.sh"

ns="ntbc-$$"
nt_tmpdir

peers=${NT_BENCH_PEERS:-10000}
[ "$bench_quick" = 1 ] && peers=${NT_BENCH_PEERS:-250}

bench_kinds
nt_netns_new "$ns"
nt_keys "$tmp" 0

# The file: P peers, peer i with 10.X.Y.Z/32 for addresses 10 i .. 10 i + 9.
t0=$(bench_now_ms)
{
	echo "[Interface]"
	echo "PrivateKey = $(cat "$tmp/k0")"
	echo "ListenPort = 9501"
	head -c $((32 * peers)) /dev/urandom | od -An -v -tu1 -w32 |
	awk 'BEGIN { b = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" }
	{
		k = ""
		for (i = 1; i <= 30; i += 3) {
			n = $i * 65536 + $(i + 1) * 256 + $(i + 2)
			k = k substr(b, int(n / 262144) + 1, 1) substr(b, int(n / 4096) % 64 + 1, 1) \
			      substr(b, int(n / 64) % 64 + 1, 1) substr(b, n % 64 + 1, 1)
		}
		n = $31 * 256 + $32
		k = k substr(b, int(n / 1024) + 1, 1) substr(b, int(n / 16) % 64 + 1, 1) \
		      substr(b, (n % 16) * 4 + 1, 1) "="
		a = ""
		for (j = 0; j < 10; j++) {
			x = (NR - 1) * 10 + j
			a = a (j ? ", " : "") "10." int(x / 65536) "." int(x / 256) % 256 "." x % 256 "/32"
		}
		print "[Peer]"
		print "PublicKey = " k
		print "AllowedIPs = " a
	}'
} >"$tmp/cfg.conf"
nt_diag "generated $peers peers x 10 allowed IPs ($(wc -c <"$tmp/cfg.conf") bytes) in $(($(bench_now_ms) - t0)) ms"

# Test that the generated file has P peers with distinct keys.
nt_check "the file has $peers distinct peer keys" \
	nt_is "$peers" sh -c "grep '^PublicKey' '$tmp/cfg.conf' | sort -u | wc -l"

# kmem: bytes of kernel memory in use that a device's peers can take:
# slab objects, per-CPU, vmalloc.
kmem() {
	{
		awk 'NR > 2 { s += $2 * $4 } END { printf "slab %d\n", s }' /proc/slabinfo
		awk '$1 == "Percpu:" || $1 == "VmallocUsed:" { printf "%s %d\n", $1, $2 * 1024 }' /proc/meminfo
	} | awk '{ s += $2 } END { print s }'
}
# settled: kmem moved by less than 64 KiB since the last call.
settled() {
	local now last
	now=$(kmem)
	last=$(cat "$tmp/kmem.last" 2>/dev/null || echo 0)
	echo "$now" >"$tmp/kmem.last"
	[ $((now - last)) -lt 65536 ] && [ $((last - now)) -lt 65536 ]
}

# run KIND: setconf seconds, showconf seconds, bytes per peer; one line.
run() {
	local k=$1 ctl t0 t1 t2 m0 m1 n s0=$SECONDS s1 s2
	ctl=$(bench_ctl "$k")
	ip -n "$ns" link add cfg type "$k"
	rm -f "$tmp/kmem.last"
	# The frees of the last run (RCU, workqueues) are done: kmem steady
	# over half a second.
	nt_wait_until 30 eval 'sleep 0.5; settled' || echo "memory did not settle" >&2
	s1=$SECONDS
	m0=$(kmem)
	t0=$(bench_now_ms)
	ip netns exec "$ns" "$ctl" setconf cfg "$tmp/cfg.conf" || { ip -n "$ns" link del cfg; return 1; }
	t1=$(bench_now_ms)
	m1=$(kmem)
	ip netns exec "$ns" "$ctl" showconf cfg >"$tmp/show.conf" || { ip -n "$ns" link del cfg; return 1; }
	t2=$(bench_now_ms)
	s2=$SECONDS
	ip -n "$ns" link del cfg
	echo "$k: settle $((s1 - s0))s, del $((SECONDS - s2))s;" >>"$tmp/steps"
	n=$(grep -c '^PublicKey' "$tmp/show.conf") || true
	[ "$n" = "$peers" ] || { echo "showconf gave $n peers, not $peers" >&2; return 1; }
	n=$(grep '^AllowedIPs' "$tmp/show.conf" | tr ',' '\n' | grep -c /32) || true
	[ "$n" = $((peers * 10)) ] || { echo "showconf gave $n allowed IPs, not $((peers * 10))" >&2; return 1; }
	awk -v a=$((t1 - t0)) -v b=$((t2 - t1)) -v m=$((m1 - m0)) -v p="$peers" \
		'BEGIN { printf "%.2f %.2f %d\n", a / 1000, b / 1000, m / p }'
}

nt_diag "setup took $(bench_since 0)"
declare -A fig
add() {	# add ROW KIND VALUE
	fig[$1,$2]=${fig[$1,$2]:+${fig[$1,$2]},}$3
}
for r in $(seq 1 "$bench_rounds"); do
	line="round $r:"
	t=$SECONDS
	for k in $(bench_order "$r"); do
		if v=$(run "$k") && [ -n "$v" ]; then
			read -r a b c <<<"$v"
			add setconf "$k" "$a"
			add showconf "$k" "$b"
			add mem "$k" "$c"
			line+=" $k setconf ${a}s showconf ${b}s ${c} B/peer;"
		else
			line+=" $k failed;"
		fi
	done
	nt_diag "$line ($(bench_since "$t"); $(tr '\n' ' ' <"$tmp/steps" 2>/dev/null))"
	rm -f "$tmp/steps"
done

# With NT_BENCH_PROFILE=1 (make bench PROFILE=1): one more setconf and
# showconf of each module under perf, sampling the whole VM (cpu-clock:
# TCG has no hardware counters), and the hottest symbols into the log, as
# 10-throughput does for tcp-1. Not a figure.
profile() {	# profile KIND STEP COMMAND...: COMMAND under perf, its top symbols
	local k=$1 step=$2
	shift 2
	perf record -q -a -e cpu-clock -F 499 -o "$tmp/perf.data" -- "$@" \
		>/dev/null 2>"$tmp/perf.err" || cat "$tmp/perf.err" >&2
	nt_diag "profile of $k, $step, hottest symbols:"
	perf report -q -i "$tmp/perf.data" --stdio --no-children --sort sym,dso \
		2>/dev/null | head -n 45 | sed 's/^/#   /'
	perf report -q -i "$tmp/perf.data" --stdio --no-children --sort dso \
		2>/dev/null | head -n 12 | sed 's/^/#   /'
}
if [ "${NT_BENCH_PROFILE:-0}" = 1 ]; then
	for k in noisetun wireguard; do
		ctl=$(bench_ctl "$k")
		ip -n "$ns" link add cfg type "$k"
		profile "$k" setconf ip netns exec "$ns" "$ctl" setconf cfg "$tmp/cfg.conf"
		profile "$k" showconf ip netns exec "$ns" "$ctl" showconf cfg
		ip -n "$ns" link del cfg
	done
fi

row() {	# row ID BETTER UNIT LABEL: record the row and check it has every round
	bench_row "$1" "$2" "$3" "${fig[$1,noisetun]:-}" "${fig[$1,wireguard]:-}" "${@:4}"
}
row setconf lower s "setconf of $peers peers x 10 allowed IPs (tunctl / wg), seconds"
row showconf lower s "showconf of $peers peers x 10 allowed IPs (tunctl / wg), seconds"
row mem lower B/peer "kernel memory per peer with 10 allowed IPs (slab objects, per-CPU, vmalloc)"
