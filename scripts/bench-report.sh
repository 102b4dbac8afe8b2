#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The report of make bench: reads the "# nt-bench:" lines the scenarios of
# selftests/bench printed (selftests/lib.sh nt_bench_record; the VM's
# runner passes them on to results.ktap) and writes results.md, a table of
# the medians of noisetun and wireguard.ko and their ratio per row, with
# the machine, kernel, vCPU count, date and rounds, and results.png, a bar
# chart of the ratios (gnuplot), and prints the table.
#
# Usage: scripts/bench-report.sh [--failed] [--in DIR] [--out DIR]
#
# --in: the run's logs (default .cache/bench). --out: where to write
# (default bench/, the published results). The published results are
# only replaced by a whole run that passed: with --failed (make bench saw
# a failure), a T, ROWS, ROUNDS or SECS filter, the quick profile (too
# few figures to publish), GRO at the underlay (GRO=1), or when a row has
# no figure of one kind, the files go to the --in directory instead and
# the exit status is 1 for a failure. A row: "# nt-bench: ID better=higher|lower unit=U
# noisetun=V,V,... wireguard=V,V,... label=TEXT"; "# nt-bench: vm
# KEY=VALUE..." describes the VM and the profile.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
in=$top/.cache/bench out=$top/bench failed=0
while [ $# -gt 0 ]; do
	case "$1" in
	--failed) failed=1; shift ;;
	--in) in=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	*) echo "usage: $0 [--failed] [--in DIR] [--out DIR]" >&2; exit 2 ;;
	esac
done
results=$in/results.ktap
[ -r "$results" ] || { echo "bench-report: no $results (make bench first)" >&2; exit 1; }
rows=$in/bench-rows.tsv
sed -n 's/^[[:space:]]*# nt-bench: //p' "$results" >"$in/bench-lines"
[ -s "$in/bench-lines" ] || { echo "bench-report: no nt-bench line in $results" >&2; exit 1; }

partial=0
[ -n "${T:-}${ROWS:-}${ROUNDS:-}${SECS:-}${AEAD:-}" ] && partial=1
grep -q '^vm .* quick=1' "$in/bench-lines" && partial=1
grep -q '^vm .* gro=1' "$in/bench-lines" && partial=1
if [ "$failed" = 1 ] || [ "$partial" = 1 ]; then
	out=$in
fi
mkdir -p "$out"

# One row a line: id, better, unit, label, n(nt), n(wg), median nt,
# median wg, ratio nt/wg, ahead (yes/no/-).
awk '
function med(s,    a, n, i, j, t) {
	n = split(s, a, ",")
	if (s == "" || n == 0) return ""
	for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
	if (n % 2) return a[(n + 1) / 2] + 0
	return (a[n / 2] + a[n / 2 + 1]) / 2
}
function count(s,    a) { return s == "" ? 0 : split(s, a, ",") }
$1 == "vm" || $1 == "aead" { next }
{
	id = $1; better = ""; unit = ""; nt = ""; wg = ""; label = ""
	for (i = 2; i <= NF; i++) {
		if ($i ~ /^better=/) better = substr($i, 8)
		else if ($i ~ /^unit=/) unit = substr($i, 6)
		else if ($i ~ /^noisetun=/) nt = substr($i, 10)
		else if ($i ~ /^wireguard=/) wg = substr($i, 11)
		else if ($i ~ /^label=/) { label = substr($0, index($0, "label=") + 6); break }
	}
	mn = med(nt); mw = med(wg); ratio = ""; ahead = "-"
	if (mn != "" && mw != "" && mw + 0 != 0) {
		ratio = sprintf("%.2f", mn / mw)
		if (better == "higher") ahead = (mn > mw) ? "yes" : "no"
		else ahead = (mn < mw) ? "yes" : "no"
	}
	printf "%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\n", id, better, unit, label,
		count(nt), count(wg), mn, mw, ratio, ahead
}' "$in/bench-lines" >"$rows"

vmline=$(grep -m1 '^vm ' "$in/bench-lines" || true)
vm() {	# vm KEY: its value in the vm line
	printf '%s\n' "$vmline" | tr ' ' '\n' | sed -n "s/^$1=//p"
}
missing=$(awk -F'\t' '$9 == "" { print $1 }' "$rows" | xargs)
[ -n "$missing" ] && { partial=1; out=$in; }

when=$(date -u -r "$results" '+%Y-%m-%d %H:%M UTC')
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
accel=$(grep -a -m1 -o -- '-accel [a-z]*' "$in/qemu.log" 2>/dev/null | cut -d' ' -f2 || true)
# The build's version (make exports it), else the tree's now.
version=${NOISETUN_VERSION:-$(cd "$top" && scripts/version.sh 2>/dev/null || echo unknown)}
profile="default"
[ "$(vm quick)" = 1 ] && profile="QUICK=1"
[ "$(vm gro)" = 1 ] && profile="$profile, GRO=1 (GRO on at the veth pair under the tunnels)"
fmt() {	# fmt NUMBER: at most 3 significant decimals, no exponent
	awk -v v="$1" 'BEGIN { if (v == "") { print "-"; exit }
		if (v >= 100 || v == int(v)) printf "%d\n", v + 0.5; else printf "%.3g\n", v }'
}

{
	echo "# make bench: noisetun against wireguard.ko"
	echo
	echo "Ratio = noisetun median / wireguard.ko median. Where higher is better, a"
	echo "ratio above 1 is noisetun ahead; where lower is better, below 1 is."
	[ "$failed" = 1 ] && { echo; echo "**This run had failures (see .cache/bench/): figures may be missing.**"; }
	[ -n "$missing" ] && { echo; echo "**Rows without a figure for one kind: $missing.**"; }
	echo
	echo "| Row | Better | noisetun | wireguard.ko | Ratio | noisetun ahead | Rounds (nt/wg) |"
	echo "|---|---|---:|---:|---:|:---:|---:|"
	while IFS=$'\t' read -r id better unit label nn nw mn mw ratio ahead; do
		echo "| $label (\`$id\`) | $better | $(fmt "$mn") $unit | $(fmt "$mw") $unit | ${ratio:--} | $ahead | $nn/$nw |"
	done <"$rows"
	echo
	echo "- Date: $when"
	echo "- noisetun: $version (built without DEBUG); wireguard.ko: the kernel's own"
	aead=$(sed -n 's/^aead //p' "$in/bench-lines" | head -n 1)
	echo "- noisetun's data-path ChaCha20-Poly1305, chosen at load: ${aead:-not logged}" \
		"(wireguard.ko always runs the library's; bench/README.md, \"The AEAD\")"
	echo "- Kernel (VM): $(vm kernel), $(vm vcpus) vCPUs, $(vm memory_mib) MiB, QEMU ${accel:-?}" \
		"(no slub_debug or page poisoning; slab_nomerge)"
	echo "- Host: $cpu, $(nproc) CPUs, shared with other work (load average at the report: $(cut -d' ' -f1-3 /proc/loadavg))"
	echo "- Profile: $profile: $(vm rounds) rounds of each kind, alternating who goes first;" \
		"$(vm seconds) s per throughput run"
	echo
	echo "Figures of every round are in \`.cache/bench/results.ktap\` of the run;"
	echo "\`bench/README.md\` says how each row is measured and what to make of it."
} >"$out/results.md"

# The chart: one bar per row, the ratio, a line at 1.0; green where
# noisetun is ahead, red where it is behind.
awk -F'\t' '$9 != "" { printf "\"%s (%s)\"\t%s\t%d\n", $1, ($2 == "higher" ? "higher better" : "lower better"), $9, ($10 == "yes") }' \
	"$rows" >"$in/bench-chart.dat"
if ! command -v gnuplot >/dev/null; then
	echo "bench-report: gnuplot is missing (make deps installs gnuplot-nox): no results.png" >&2
	rc_png=1
elif [ -s "$in/bench-chart.dat" ]; then
	ymax=$(awk -F'\t' '{ if ($2 > m) m = $2 } END { m *= 1.15; print (m < 1.25 ? 1.25 : m) }' "$in/bench-chart.dat")
	gnuplot <<GP
set terminal pngcairo size 1100,650 font "sans,10"
set output "$out/results.png"
set title "noisetun / wireguard.ko, medians of $(vm rounds) rounds ($profile, $(vm kernel), $(vm vcpus) vCPUs ${accel:-}, $when)"
set ylabel "ratio noisetun / wireguard.ko"
set style fill solid 0.8 border -1
set boxwidth 0.7
set yrange [0:$ymax]
set grid ytics
set xtics rotate by -35 left
set key off
set bmargin 10
set rmargin 10
set arrow from graph 0, first 1 to graph 1, first 1 nohead lw 2 lc rgb "black"
set palette defined (0 "#c0392b", 1 "#27ae60")
unset colorbox
set cbrange [0:1]
plot "$in/bench-chart.dat" using 0:2:3:xtic(1) with boxes lc palette, \
     "" using 0:2:(sprintf("%.2f", \$2)) with labels offset 0,0.7
GP
	rc_png=0
else
	rc_png=1
fi

awk -F'\t' 'BEGIN { printf "%-16s %-7s %14s %14s %6s %s\n", "row", "better", "noisetun", "wireguard.ko", "ratio", "ahead" }
	{ printf "%-16s %-7s %14s %14s %6s %s\n", $1, $2, $7 " " $3, $8 " " $3, $9, $10 }' "$rows"
png=
[ "$rc_png" = 0 ] && png=" and results.png"
echo "bench-report: wrote ${out#"$top"/}/results.md$png"
[ "$out" = "$in" ] && [ "$failed$partial" != 00 ] && echo "bench-report: not a whole passing run of the default profile: bench/ left as it was"
[ "$failed" = 0 ] || exit 1
