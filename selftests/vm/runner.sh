#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# In-VM scenario runner (started by /init). Runs every selected
# selftests/netns/NN-*.sh with bash under a timeout, each as one KTAP test
# whose subtests are the scenario's own checks, then the global kernel
# health checks, and writes one KTAP document to $NT_RESULTS (ttyS1).
#
# Per scenario (exit 0 = pass, 1 = fail, 4 = skip, as kselftest):
# - leaves are the scenario's "ok N - ..." / "not ok N - ..." lines
#   (selftests/lib.sh prints them);
# - a synthesized leaf records what the lines cannot: a timeout, a non-zero
#   exit with no failed check, a skip with no check, an exit 0 with no check;
# - timeout: selftests/netns/settings "timeout=S", or "# nt-timeout: S" in
#   the script's first 30 lines; times NT_TIMEOUT_SCALE;
# - on a kernel with kmemleak (the debug kernel), one more leaf: no object
#   left unreferenced by the scenario (kmemleak_check).
#
# Config (/nt/config): NT_MODE=check|demo, NT_FILTER (extended regex on
# the file name), NT_TIMEOUT (default per-test seconds), NT_SLOW=1 (run
# the slow parts of scenarios too: `make check SLOW=1`), NT_TIMEOUT_SCALE
# (multiplies every scenario's timeout and, through lib.sh, every
# nt_wait_until: the debug kernel is several times slower), NT_KMEMLEAK_AGE
# (seconds between a scenario's end and the scan that reports its leaks),
# NT_INTEROP_PEERS (40-interop.sh's reference peers; empty: all),
# NT_SUITE (the directory of selftests/ whose scenarios run: netns, or
# soak for make soak, bench for make bench), NT_SOAK_MINUTES (how long a
# soak scenario runs),
# NT_TIMEOUT_EXTRA (seconds added to every scenario's timeout: make soak),
# NT_BENCH_QUICK=1 (make bench QUICK=1: the benchmarks' short profile),
# NT_BENCH_ROWS, NT_BENCH_ROUNDS, NT_BENCH_SECONDS (selftests/bench/common.sh),
# NT_BENCH_PROFILE=1 (make bench PROFILE=1: perf profiles in 10-throughput),
# NT_BENCH_AEAD (make bench AEAD=: noisetun's aead= parameter),
# NT_BENCH_GRO=1 (make bench GRO=1: GRO at 10-throughput's veth pair).
#
# Boot words: a scenario whose first 30 lines hold "# nt-boot: WORDS"
# (kernel command-line words, e.g. ipv6.disable=1) runs only in a VM
# booted with them, which check.sh marks with nt.boot=WORD,WORD on the
# command line; such a VM runs only the scenarios with those words, and
# the main VM (no nt.boot=) only those without any.
set -u

NT_MODE=check NT_FILTER='' NT_TIMEOUT=300 NT_KVER=$(uname -r) NT_SLOW=0
NT_TIMEOUT_SCALE=1 NT_KMEMLEAK_AGE=6 NT_SUITE=netns NT_SOAK_MINUTES=30
NT_TIMEOUT_EXTRA=0 NT_INTEROP_PEERS='' NT_BENCH_QUICK=0 NT_BENCH_PROFILE=0
NT_BENCH_AEAD='' NT_BENCH_GRO=0
NT_BENCH_ROWS='' NT_BENCH_ROUNDS='' NT_BENCH_SECONDS=''
# shellcheck disable=SC1091
. /nt/config
# nt_ktap_status, for the verdict of each scenario
# shellcheck source=../ktap.sh
. /nt/selftests/ktap.sh
export NT_SELFTESTS=/nt/selftests NT_KVER NT_IN_VM=1 NT_SLOW NT_TIMEOUT_SCALE
export NT_SOAK_MINUTES NT_INTEROP_PEERS NT_BENCH_QUICK NT_BENCH_PROFILE NT_BENCH_AEAD
export NT_BENCH_GRO
# Empty means the profile's own (common.sh tests :-, not -).
[ -n "$NT_BENCH_ROWS" ] && export NT_BENCH_ROWS
[ -n "$NT_BENCH_ROUNDS" ] && export NT_BENCH_ROUNDS
[ -n "$NT_BENCH_SECONDS" ] && export NT_BENCH_SECONDS
results=${NT_RESULTS:-/dev/null}
exec 3>>"$results"
kmsg=${NT_KMSG:-/run/nt/kmsg.log}
outdir=/run/nt/out
mkdir -p "$outdir"

emit() {	# one line of the results document
	printf '%s\n' "$*" >&3
}

# --- what to run --------------------------------------------------------------
# This VM's boot words (nt.boot=WORD,WORD), one space apart.
vm_boot=
for w in $(cat /proc/cmdline); do
	case "$w" in nt.boot=*) vm_boot=${w#nt.boot=}; vm_boot=${vm_boot//,/ } ;; esac
done
# boot_words FILE: the scenario's nt-boot words, one space apart.
boot_words() {
	head -n 30 "$1" | sed -n 's/^# nt-boot: *//p' | head -n 1 | xargs
}
tests=()
if [ "$NT_MODE" = demo ]; then
	tests=("$NT_SELFTESTS/vm/demo.sh")
else
	for f in "$NT_SELFTESTS/$NT_SUITE"/[0-9]*.sh; do
		[ -e "$f" ] || continue
		if [ -n "$NT_FILTER" ] && ! basename "$f" | grep -q -E -- "$NT_FILTER"; then
			continue
		fi
		[ "$(boot_words "$f")" = "$vm_boot" ] || continue
		tests+=("$f")
	done
fi

default_timeout=$NT_TIMEOUT
if [ -r "$NT_SELFTESTS/$NT_SUITE/settings" ]; then
	t=$(sed -n 's/^timeout=\([0-9][0-9]*\).*/\1/p' "$NT_SELFTESTS/$NT_SUITE/settings")
	[ -n "$t" ] && default_timeout=$t
fi

# The kmsg sequence number at the start: global checks look at later lines.
kmsg_seq_start() {
	tail -n 1 "$kmsg" 2>/dev/null | cut -d, -f2
}

mem_avail() {
	local k v _
	while read -r k v _; do
		[ "$k" = MemAvailable: ] && { echo $((v / 1024)); return; }
	done </proc/meminfo
}

# cpu_ticks: "busy total" jiffies of all CPUs so far, from /proc/stat.
cpu_ticks() {
	local _ u n s i w q sq st
	read -r _ u n s i w q sq st _ </proc/stat
	echo "$((u + n + s + q + sq + st)) $((u + n + s + i + w + q + sq + st))"
}

uptime_s() {
	local u
	read -r u _ </proc/uptime
	echo "${u%.*}"
}

# Kill what a scenario left behind (its trap should have), so the next one
# starts clean. Prints what it found as diagnostics.
reap_leftovers() {
	# Builtins only in the loop: a fork per process costs seconds under TCG.
	local keep=" 1 $$ $BASHPID ${NT_KMSG_PID:-} ${stamp_holder:-} " d pid cmd ns
	for d in /proc/[0-9]*; do
		pid=${d#/proc/}
		case "$keep" in *" $pid "*) continue ;; esac
		cmd=
		{ IFS= read -r -d '' cmd <"$d/cmdline"; } 2>/dev/null
		[ -n "$cmd" ] || continue	# kernel thread or gone
		echo "# leftover process $pid: $cmd (killed)"
		kill -9 "$pid" 2>/dev/null
	done
	for ns in $(ip netns list 2>/dev/null | cut -d' ' -f1); do
		echo "# leftover netns $ns (deleted)"
		ip netns delete "$ns" 2>/dev/null
	done
}

# --- kmemleak (debug kernel) ---------------------------------------------------
# kmemleak reports an object once it has been unreferenced through two
# scans in a row with the same contents, and is at least 5 s old. So after
# a scenario: one scan at once, one NT_KMEMLEAK_AGE seconds after its end;
# a leak of its last moments is then reported against it, not the next one.
# Each report is cleared once shown, so every scenario starts from nothing.
kmemleak=/sys/kernel/debug/kmemleak
have_kmemleak=0
if [ "$NT_MODE" = check ] && [ -w "$kmemleak" ] && echo scan 2>/dev/null >"$kmemleak"; then
	have_kmemleak=1
fi
ms_now() {
	local s
	s=$(date +%s%3N)
	echo "$s"
}

# kmemleak_scan: one scan; prints its duration in ms.
kmemleak_scan() {
	local t0
	t0=$(ms_now)
	echo scan >"$kmemleak"
	echo $(($(ms_now) - t0))
}

# kmemleak_check END_MS: sets km_leaf (a result line without its number)
# and km_diag (diagnostic lines: the report's first lines).
kmemleak_check() {
	local end=$1 s1 s2 wait report count who
	km_diag=
	s1=$(kmemleak_scan)
	wait=$((end + NT_KMEMLEAK_AGE * 1000 - $(ms_now)))
	[ "$wait" -gt 0 ] && sleep "$(awk -v w="$wait" 'BEGIN { printf "%.1f", w / 1000 }')"
	s2=$(kmemleak_scan)
	report=$(cat "$kmemleak")
	if [ -z "$report" ]; then
		km_leaf="ok - kmemleak: no unreferenced object (scans ${s1}+${s2} ms)"
		return
	fi
	count=$(printf '%s\n' "$report" | grep -c '^unreferenced object')
	# Name it by the first frame of ours, else the first frame that is
	# not the allocator's.
	who=$(printf '%s\n' "$report" | grep -m1 -o '\] [^ ]* \[noisetun\]' | cut -d' ' -f2)
	[ -n "$who" ] || who=$(printf '%s\n' "$report" | sed -n 's/^ *\[<[^>]*>\] \([^ ]*\).*/\1/p' |
		grep -v -E '^_*(kmalloc|kzalloc|kmem_cache|kmemleak|slab|alloc_pages|kvmalloc|krealloc|pcpu_alloc|alloc_percpu|kmemdup|kstrdup|do_kmalloc|vmalloc|kasan)' |
		head -n 1)
	km_leaf="not ok - kmemleak: $count unreferenced object(s) after the scenario, allocated in ${who:-?}"
	km_diag=$(printf '%s\n' "$report" | head -n 40 | sed 's/^/# kmemleak: /')
	echo clear >"$kmemleak"
}

# --- one scenario -----------------------------------------------------------
num=0
run_one() {
	local f=$1 name t out rc start secs
	name=$(basename "$f")
	num=$((num + 1))
	t=$(head -n 30 "$f" | sed -n 's/^# nt-timeout: *\([0-9][0-9]*\).*/\1/p' | head -n 1)
	[ -n "$t" ] || t=$default_timeout
	t=$(awk -v t="$t" -v s="$NT_TIMEOUT_SCALE" -v x="$NT_TIMEOUT_EXTRA" 'BEGIN { printf "%d", t * s + x }')
	out=$outdir/$name.log

	emit "# nt-running: $name"
	echo "# ---- [$num/${#tests[@]}] $name (timeout ${t}s, uptime $(uptime_s)s) ----"
	start=$(date +%s)
	local ticks0 ticks1
	ticks0=$(cpu_ticks)
	if [ "$NT_MODE" = demo ]; then
		NT_TEST_NAME=$name timeout -k 10 "$t" bash "$f" </dev/null 2>&1 | tee "$out"
		rc=${PIPESTATUS[0]}
	else
		# Created first: the background job opens it only once it
		# runs, and tail must not find it missing.
		: >"$out"
		NT_TEST_NAME=$name timeout -k 10 "$t" bash "$f" </dev/null >"$out" 2>&1 &
		local pid=$!
		tail -s 0.3 -n +1 -f --pid="$pid" "$out" | sed -u "s/^/  $name: /"
		wait "$pid"
		rc=$?
	fi
	secs=$(($(date +%s) - start))
	ticks1=$(cpu_ticks)
	local busy
	busy=$(echo "$ticks0 $ticks1" | awk '{ t = $4 - $2; printf "%d", (t > 0 ? 100 * ($3 - $1) / t : 0) }')
	local end_ms leftovers
	end_ms=$(ms_now)
	leftovers=$(reap_leftovers)

	local leaves
	leaves=$(grep -E '^(not )?ok [0-9]+' "$out")
	local n nbad nskipped reason
	n=$(printf '%s' "$leaves" | grep -c -E '^(not )?ok ')
	nbad=$(printf '%s' "$leaves" | grep -c -E '^not ok ')
	reason=$(grep -E '^# SKIP' "$out" | tail -n 1 | sed 's/^# SKIP:\{0,1\} *//')
	local extra=
	case "$rc" in
	0) [ "$n" -eq 0 ] && extra="ok $((n + 1)) - $name exited 0 (no checks recorded)" ;;
	4) extra="ok $((n + 1)) - $name # SKIP ${reason:-exit status 4}" ;;
	124 | 137) extra="not ok $((n + 1)) - timed out after ${t}s" ;;
	*) [ "$nbad" -eq 0 ] && extra="not ok $((n + 1)) - exited with status $rc (no failed check recorded; see output)" ;;
	esac
	if [ -n "$extra" ]; then
		leaves=$(printf '%s\n%s' "$leaves" "$extra" | grep .)
		n=$((n + 1))
		case "$extra" in not*) nbad=$((nbad + 1)) ;; esac
	fi
	km_diag=
	if [ "$have_kmemleak" = 1 ]; then
		kmemleak_check "$end_ms"
		extra=${km_leaf/ok - /ok $((n + 1)) - }
		leaves=$(printf '%s\n%s' "$leaves" "$extra" | grep .)
		n=$((n + 1))
		case "$extra" in not*) nbad=$((nbad + 1)) ;; esac
		echo "# $extra"
	fi
	nskipped=$(printf '%s\n' "$leaves" | grep -c -i -E '# SKIP')

	local status directive
	nt_ktap_status "$n" "$nbad" "$nskipped" "${reason:-all checks skipped}"

	emit "    KTAP version 1"
	emit "    # Subtest: $name"
	emit "    1..$n"
	printf '%s\n' "$leaves" | sed 's/^/    /' >&3
	[ -n "$km_diag" ] && printf '%s\n' "$km_diag" | sed 's/^/    /' >&3
	# The fuzzers' time and case counts, for the reliability table; the
	# benchmarks' figures, for scripts/bench-report.sh.
	grep -E '^# nt-(fuzz|bench): ' "$out" | sed 's/^/    /' >&3
	if [ "$status" != ok ]; then
		emit "    # output of $name (last 150 lines):"
		tail -n 150 "$out" | grep -v -E '^((not )?ok [0-9]+|# nt-(fuzz|bench): )' | sed 's/^#* */    # /' >&3
	fi
	[ -n "$leftovers" ] && printf '%s\n' "$leftovers" | sed 's/^/    /' >&3
	emit "$status $num - $name$directive"
	[ -n "$leftovers" ] && printf '%s\n' "$leftovers"
	echo "# $status $num - $name$directive (exit $rc, ${secs}s, CPUs ${busy}% busy, uptime $(uptime_s)s, $(mem_avail) MiB available)"
}

# --- global checks: Documentation/testing.md section 4, criteria 1 and 2 ---
# Named after the VM's boot words when it has any (one kernel-health per VM).
health=kernel-health${vm_boot:+ (boot: $vm_boot)}
bad_log='BUG:|WARNING:|KASAN|UBSAN|KFENCE|general protection|Oops|possible circular locking|suspicious RCU usage|sleeping function called from invalid context|scheduling while atomic|refcount_t:|list_(add|del) corruption|INFO: task .* blocked|rcu.*stall|workqueue lockup|soft lockup|unregister_netdevice: waiting for|kmemleak: .* new suspected|Slab cache still has objects'
# The debug kernel's checkers (lockdep, DEBUG_OBJECTS, kmemleak, the
# netdev/netns reference trackers) and the notes that one of them has
# stopped working (then the rest of the run is not checked by it). A scan
# area kmemleak could not allocate (fault injection does that) only makes
# it scan the whole object: not a failure.
bad_log+='|inconsistent lock state|possible recursive locking|lock inversion|non-static key|ODEBUG:|leaked reference|reference already released|unreliable refcount tracker|kmemleak: (.*disabled|Cannot allocate a kmemleak_object)|Memory pool empty'

global_checks() {
	local seq0=$1 hits boot_hits taint before allowed=$((4096 | 8192))
	num=$((num + 1))
	sleep 1		# let late messages reach the collector
	hits=$(awk -F';' -v s="$seq0" '{ split($1, h, ","); if (h[2] + 0 > s + 0) print substr($0, index($0, ";") + 1) }' "$kmsg" |
		grep -E -- "$bad_log")
	boot_hits=$(awk -F';' -v s="$seq0" '{ split($1, h, ","); if (h[2] + 0 <= s + 0) print substr($0, index($0, ";") + 1) }' "$kmsg" |
		grep -E -- "$bad_log")
	taint=$(cat /proc/sys/kernel/tainted)
	before=$(cat /run/nt/tainted.before 2>/dev/null || echo '?')

	emit "    KTAP version 1"
	emit "    # Subtest: $health"
	emit "    1..2"
	local st1=ok st2=ok
	if [ -n "$hits" ]; then
		st1="not ok"
		printf '%s\n' "$hits" | head -n 40 | sed 's/^/    # kernel: /' >&3
	fi
	[ -n "$boot_hits" ] && printf '%s\n' "$boot_hits" | head -n 10 |
		sed 's/^/    # at boot (before the tests, not counted): /' >&3
	emit "    $st1 1 - kernel log has no BUG/WARNING/oops/lockup/leak line since the tests started"
	if [ $((taint & ~allowed)) -ne 0 ]; then
		st2="not ok"
	fi
	emit "    $st2 2 - tainted=$taint (before tests: $before) is within O|E (12288)"
	local st=ok
	[ "$st1" = ok ] && [ "$st2" = ok ] || st="not ok"
	emit "$st $num - $health"
	echo "# $st $num - $health (tainted=$taint)"
	[ -n "$hits" ] && printf '%s\n' "$hits" | head -n 20 | sed 's/^/# kernel: /'
	return 0
}

# --- main -------------------------------------------------------------------
if [ "$have_kmemleak" = 1 ]; then
	# What boot left unreferenced is not the tests' doing: scan until it
	# is reported (two scans), then forget it.
	# (The probe above was the first scan.)
	km_ms=$(kmemleak_scan)
	km_boot=$(grep -c '^unreferenced object' "$kmemleak")
	echo clear >"$kmemleak"
	echo "# nt-runner: kmemleak: $km_boot object(s) from boot cleared (a scan takes ${km_ms} ms)"
	sleep 1		# let the scans' messages reach the collector
fi
seq0=$(kmsg_seq_start)
[ -n "$seq0" ] || seq0=0
emit "KTAP version 1"
emit "1..$((${#tests[@]} + 1))"
echo "# nt-runner: mode=$NT_MODE, ${#tests[@]} scenario(s), filter='${NT_FILTER}'${vm_boot:+, boot words '$vm_boot'}"
# make bench's VM runs each vCPU in a host thread of its own (run-qemu.sh),
# where rewriting a static key's code sites while the other vCPU runs them
# has hung the VM: ping turns netstamp_needed_key on and off with each run
# (SO_TIMESTAMP), and a bench run locked both vCPUs up at that key's site in
# netif_receive_skb_list_internal(). A ping socket open for the whole run
# keeps the key on, so its sites are rewritten once, before any traffic.
stamp_holder=
if [ "$NT_SUITE" = bench ]; then
	ping -q -i 60 127.0.0.1 >/dev/null 2>&1 &
	stamp_holder=$!
fi
for f in "${tests[@]}"; do
	run_one "$f"
done
[ -z "$stamp_holder" ] || kill "$stamp_holder" 2>/dev/null
global_checks "$seq0"
emit "# nt-end"
exit 0
