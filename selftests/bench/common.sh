# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# What the benchmarks of make bench share (sourced after ../lib.sh). Every
# workload runs through noisetun and through the in-tree wireguard module,
# the same topology in the same VM, alternating: round r runs each kind
# once, and who goes first alternates from one round to the next, because
# the first run of a round may see the host in another state than the
# second. Each row is reported with nt_bench_record (every round's
# figure); scripts/bench-report.sh takes the medians and their ratio.
#
# NT_BENCH_QUICK=1 (make bench QUICK=1) is the short profile: fewer
# rounds, 1-s runs, fewer clients and peers (bench/README.md says where
# its time goes). NT_BENCH_ROUNDS and NT_BENCH_SECONDS
# override the rounds and the seconds per throughput run. NT_BENCH_ROWS
# (make bench ROWS=regex) runs only the workloads whose name matches
# (bench_wanted), for measuring one lever on a few rows.

if [ "${NT_BENCH_QUICK:-0}" = 1 ]; then
	bench_rounds=${NT_BENCH_ROUNDS:-3}
	bench_secs=${NT_BENCH_SECONDS:-1}
	bench_quick=1
else
	bench_rounds=${NT_BENCH_ROUNDS:-5}
	bench_secs=${NT_BENCH_SECONDS:-5}
	bench_quick=0
fi

# bench_wanted NAME: is the workload NAME picked by NT_BENCH_ROWS (all when
# it is empty)?
bench_wanted() {
	[ -z "${NT_BENCH_ROWS:-}" ] || [[ $1 =~ $NT_BENCH_ROWS ]]
}

# bench_order R: the two kinds in round R's order.
bench_order() {
	if [ $(($1 % 2)) = 1 ]; then
		echo noisetun wireguard
	else
		echo wireguard noisetun
	fi
}

# bench_ctl KIND: the tool that configures KIND.
bench_ctl() {
	if [ "$1" = noisetun ]; then echo tunctl; else echo wg; fi
}

# bench_join V...: the values, comma separated.
bench_join() {
	local IFS=,
	echo "$*"
}

# bench_median V...: the median of decimal numbers (the mean of the two
# middle ones for an even count).
bench_median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
		END { if (NR == 0) exit 1
		      if (NR % 2) print v[(NR + 1) / 2]
		      else printf "%g\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# bench_percentile P: the P-th percentile (nearest rank) of the numbers on
# stdin, one a line; fails when there is none.
bench_percentile() {
	sort -g | awk -v p="$1" '{ v[NR] = $1 }
		END { if (NR == 0) exit 1
		      r = int(p / 100 * NR); if (r < p / 100 * NR) r++; if (r < 1) r = 1
		      print v[r] }'
}

# bench_since T: the seconds since the $SECONDS value T, as "Ns" (for the
# diagnostics that say where a run's time goes).
bench_since() {
	echo "$((SECONDS - $1))s"
}

# bench_now_ms: milliseconds since the epoch.
bench_now_ms() {
	date +%s%3N
}

# bench_kinds: load both modules (skip unless wg, tunctl and CMD... exist).
bench_kinds() {
	nt_require tunctl wg "$@"
	if [ -n "${NT_BENCH_AEAD:-}" ]; then
		# make bench AEAD=...: noisetun with that implementation.
		nt_reload_module aead="$NT_BENCH_AEAD"
	else
		nt_load_module
	fi
	modprobe wireguard 2>/dev/null || nt_skip "the in-tree wireguard module does not load"
	# Which AEAD noisetun chose at load, and its timings (the report's).
	echo "# nt-bench: aead $(dmesg | sed -n 's/.*data-path ChaCha20-Poly1305: //p' | tail -n 1)"
}

# What the report says about the VM and the profile (one line a scenario;
# scripts/bench-report.sh takes the first).
echo "# nt-bench: vm vcpus=$(nproc) kernel=$(uname -r)" \
	"memory_mib=$(awk '$1 == "MemTotal:" { print int($2 / 1024) }' /proc/meminfo)" \
	"rounds=$bench_rounds seconds=$bench_secs quick=$bench_quick gro=${NT_BENCH_GRO:-0}"

# bench_row ID BETTER UNIT NOISETUN WIREGUARD LABEL...: record a row (each
# kind's figures of every round, comma separated) and check that each
# kind has a figure for every round.
bench_row() {
	local id=$1 better=$2 unit=$3 k n
	local -A v=([noisetun]=$4 [wireguard]=$5)
	shift 5
	nt_bench_record "$id" "$better" "$unit" "${v[noisetun]}" "${v[wireguard]}" "$@"
	for k in noisetun wireguard; do
		n=$(tr ',' '\n' <<<"${v[$k]}" | grep -c .) || true
		# Test that every round of this row gave a figure.
		nt_check "$id: $k measured in $n of $bench_rounds rounds" test "$n" = "$bench_rounds" || true
	done
}

# bench_iperf_servers NS1 NS2: check that both tunnels carry a ping from
# NS2 to NS1, then start an iperf3 server in NS1 for each kind, on the
# caller's addr[KIND] and port[KIND] (logs in $tmp/server-KIND.log).
bench_iperf_servers() {
	local ns1=$1 ns2=$2 k
	# Test that both tunnels carry traffic before they are measured.
	for k in noisetun wireguard; do
		nt_check "$k tunnel up" nt_wait_until 15 ip netns exec "$ns2" ping -c1 -W1 "${addr[$k]}"
	done
	for k in noisetun wireguard; do
		nt_bg ip netns exec "$ns1" iperf3 -s -B "${addr[$k]}" -p "${port[$k]}" --logfile "$tmp/server-$k.log"
	done
	for k in noisetun wireguard; do
		nt_wait_until 10 nt_listening "$ns1" t "${port[$k]}"
	done
}
