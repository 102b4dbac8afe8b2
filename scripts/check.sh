#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check: build, run the host-side tests, boot the test kernel under
# QEMU and run the netns scenarios there; print one KTAP document and a
# last line "N passed, N failed, N skipped". Exit 1 on any failure.
#
# Stages (each is one top-level KTAP test; its subtests are "leaves"):
#   build/module   noisetun.ko with DEBUG=1 W=1: builds; no compiler warning
#   build/tools    tools/tunctl
#   build/testprogs  the scenarios' programs (selftests/nlprobe)
#   unit/NAME      make -C selftests/unit/NAME run (its KTAP lines)
#   host/NAME.sh   bash selftests/host/NAME.sh (its KTAP lines)
#   host/fuzz      tools/fuzz: tunctl's libFuzzer harnesses, a smoke run
#   build/initramfs
#   NN-story.sh    each VM scenario (its nt_check lines), then
#   kernel-health  the VM's global checks (log patterns, taint)
# A stage that fails to build does not stop the run: later stages that
# need it fail or skip with a reason, and the summary is still printed.
#
# The totals count leaves: every subtest line of every stage. A stage or
# scenario that printed no result line of its own gets one synthesized
# leaf (e.g. "exited with status 2"), so nothing fails silently.
#
# Environment: CI=true (a skip not listed in selftests/expected-skips is a
# failure), T (extended regex: run only scenarios, unit and host tests
# whose name matches), NT_EXCLUDE (extended regex: leave out the
# scenarios whose name matches; make check sets it to the long lane's
# when T is not given), SLOW=1 (also the slow parts of scenarios: the
# protocol's minute-long timers), KVER, NOISETUN_VERSION (from the
# Makefile), NT_VM_TIMEOUT (seconds for the whole VM run, default 3600, or
# 3600 with SLOW=1), NT_ACCEL (kvm|tcg|auto), NT_INTEROP_PEERS
# (40-interop.sh's reference peers; empty: all).
#
# KERNEL=6.12 or KERNEL=7.2 (make check KERNEL=...): the same run on
# Debian 13's or sid's kernel. A first stage, build/kernel-KERNEL, fetches
# that kernel's image, modules and headers and a build root with the
# compiler it was built with, or finds them in the cache
# (scripts/debian-kernel.sh). The module is built in that build root, the
# VM boots that kernel with its own modules (its wireguard.ko among them),
# and of the host-side tests only dkms.sh runs (against that kernel's
# headers, in the build root); the unit tests and fuzzers do not depend on
# the kernel and are left to make check. Logs in .cache/check-KERNEL/.
# KERNEL=6.1 (or empty) is the host's own kernel: a plain make check.
#
# NT_DEBUG_KERNEL=1 (make check-debug): the same run on the sanitizing
# debug kernel. A first stage, build/debug-kernel, builds it or finds it
# in its cache (scripts/debug-kernel.sh); the module is built against its
# tree; the unit and host tests are left to make check (they do not touch
# the kernel); the VM boots it with the debug profile (run-qemu.sh
# --debug), and scenario timeouts are multiplied by NT_TIMEOUT_SCALE
# (default 3). Logs in .cache/check-debug/.
set -uo pipefail

. "$(dirname "$0")/env.sh"
# nt_ktap_status, for the verdict of each top-level test
. "$(dirname "$0")/../selftests/ktap.sh"
: "${T:=}"
: "${SLOW:=0}"
if [ "$SLOW" = 1 ]; then
	: "${NT_VM_TIMEOUT:=3600}"
else
	: "${NT_VM_TIMEOUT:=3600}"
fi
: "${NT_DEBUG_KERNEL:=0}"
# NT_SUITE=soak (make soak): the scenarios of selftests/soak instead of
# selftests/netns, NT_SOAK_MINUTES long each; no unit or host test.
# NT_SUITE=bench (make bench): the scenarios of selftests/bench, on a
# module built without DEBUG (what users run: DEBUG logs every object)
# in a VM without the memory debugging options (run-qemu.sh --bench);
# NT_BENCH_QUICK=1 for the short profile; NT_BENCH_ROWS, NT_BENCH_ROUNDS
# and NT_BENCH_SECONDS pick workloads and override the profile
# (selftests/bench/common.sh); NT_BENCH_PROFILE=1 adds perf profiles
# (10-throughput.sh); NT_BENCH_AEAD loads noisetun with that aead=;
# NT_BENCH_GRO=1 turns GRO on at 10-throughput's veth pair. Logs in .cache/bench/.
: "${NT_SUITE:=netns}"
: "${NT_SOAK_MINUTES:=30}"
: "${NT_BENCH_QUICK:=0}"
: "${NT_BENCH_ROWS:=}" "${NT_BENCH_ROUNDS:=}" "${NT_BENCH_SECONDS:=}" "${NT_BENCH_PROFILE:=0}"
: "${NT_BENCH_AEAD:=}" "${NT_BENCH_GRO:=0}"
NT_TIMEOUT_EXTRA=0
if [ "$NT_SUITE" = soak ]; then
	NT_TIMEOUT_EXTRA=$((NT_SOAK_MINUTES * 60))
	NT_VM_TIMEOUT=$((NT_VM_TIMEOUT + NT_TIMEOUT_EXTRA))
fi
: "${KERNEL:=}"
[ "$KERNEL" = 6.1 ] && KERNEL=
out=$top/.cache/check
[ "$NT_DEBUG_KERNEL" = 1 ] && out=$top/.cache/check-debug
[ "$NT_SUITE" = soak ] && out=$top/.cache/soak
[ "$NT_SUITE" = bench ] && out=$top/.cache/bench
[ -n "$KERNEL" ] && out=$top/.cache/check-$KERNEL
# NT_CHECK_OUT: another directory, for a second run of the same kind at
# the same time (CI's slow timer run beside make check).
[ -n "${NT_CHECK_OUT:-}" ] && out=$NT_CHECK_OUT
# Debian 13's and sid's kernels under TCG with one host thread for all
# vCPUs (selftests/vm/run-qemu.sh says why).
[ -n "$KERNEL" ] && export NT_TCG_THREAD=${NT_TCG_THREAD:-single}
rm -rf "$out"
mkdir -p "$out"
doc=$out/ktap		# the top-level tests, collected as they finish
: >"$doc"
ntests=0 npass=0 nfail=0 nskip=0
timing=()
t_start=$(date +%s)
jobs=$(nproc 2>/dev/null || echo 2)

progress() {
	echo "# [check] $*"
}

# Expected skips: with CI=true a skipped leaf is a failure unless a line
# "PATTERN: reason" of selftests/expected-skips matches it, PATTERN an
# extended regex matched against the whole "TEST/LEAF" (e.g.
# "55-timers.sh/rekey after REKEY_AFTER_TIME without loss").
expected_skips=()
if [ "${CI:-}" = true ] && [ -r selftests/expected-skips ]; then
	while IFS= read -r l; do
		[[ $l =~ ^[[:space:]]*(#|$) ]] || expected_skips+=("${l%%: *}")
	done <selftests/expected-skips
fi
skip_expected() {	# skip_expected TEST/LEAF: may this leaf skip here?
	local p
	[ "${CI:-}" = true ] || return 0
	for p in "${expected_skips[@]}"; do
		[[ $1 =~ ^($p)$ ]] && return 0
	done
	return 1
}

matches() {	# matches NAME: NAME passes the T filter
	# The debug kernel's run: only the VM's scenarios (host-side tests do
	# not use the kernel, and make check runs them).
	# make soak: only its own scenarios (on either kernel).
	[ "$NT_DEBUG_KERNEL" = 1 ] || [ "$NT_SUITE" != netns ] &&
		[ ! -e "selftests/$NT_SUITE/$1" ] && return 1
	# Another Debian kernel's run: the scenarios, and the DKMS build
	# against its headers.
	[ -n "$KERNEL" ] && [ ! -e "selftests/netns/$1" ] && [ "$1" != dkms.sh ] && return 1
	# NT_EXCLUDE leaves scenarios out (make check without T: the long
	# lane's, which make check-long runs).
	if [ -n "${NT_EXCLUDE:-}" ] && [ -e "selftests/$NT_SUITE/$1" ] &&
		printf '%s\n' "$1" | grep -q -E -- "$NT_EXCLUDE"; then
		return 1
	fi
	[ -z "$T" ] || printf '%s\n' "$1" | grep -q -E -- "$T"
}

# add_test NAME LEAFFILE: one top-level test from a file of result lines
# ("ok N - desc", "not ok N - desc [# SKIP why]") and "#" diagnostics, in
# any numbering; leaves are renumbered 1..n and counted.
add_test() {
	local name=$1 file=$2 n=0 bad=0 skipped=0 line status directive=
	local body=$out/body.$$
	: >"$body"
	while IFS= read -r line; do
		if [[ $line =~ ^(not\ )?ok\ [0-9]+\ *(-\ )?(.*)$ ]]; then
			n=$((n + 1))
			local rest=${BASH_REMATCH[3]} st=ok
			[ -n "${BASH_REMATCH[1]}" ] && st="not ok"
			local leaf= why=
			[[ $rest =~ ^(.*[^[:space:]])?[[:space:]]*\#[[:space:]]*[Ss][Kk][Ii][Pp][[:space:]:]*(.*)$ ]] &&
				leaf=${BASH_REMATCH[1]} why=${BASH_REMATCH[2]}
			if [[ $rest =~ \#[[:space:]]*[Ss][Kk][Ii][Pp] ]] && ! skip_expected "$name/$leaf"; then
				st="not ok"; bad=$((bad + 1)); nfail=$((nfail + 1))
				rest="$leaf (skipped in CI, not in selftests/expected-skips: $why)"
			elif [[ $rest =~ \#[[:space:]]*[Ss][Kk][Ii][Pp] ]]; then
				skipped=$((skipped + 1)); nskip=$((nskip + 1))
			elif [ "$st" = ok ]; then
				npass=$((npass + 1))
			else
				bad=$((bad + 1)); nfail=$((nfail + 1))
			fi
			echo "    $st $n - $rest" >>"$body"
		elif [[ $line =~ ^[[:space:]]*#[[:space:]]*nt-fuzz:[[:space:]]*(.*)\ seconds=([0-9]+)\ cases=([0-9]+)$ ]]; then
			printf '%s\t%s\t%s\t%s\n' "$name" "${BASH_REMATCH[1]}" \
				"${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}" >>"$out/fuzz.tsv"
			echo "    # ${line#*#}" | sed 's/^    #  /    # /' >>"$body"
		elif [[ $line =~ ^[[:space:]]*# ]]; then
			echo "    # ${line#*#}" | sed 's/^    #  /    # /' >>"$body"
		elif [ -n "$line" ]; then
			echo "    # $line" >>"$body"
		fi
	done <"$file"
	if [ "$n" -eq 0 ]; then
		n=1; bad=1; nfail=$((nfail + 1))
		echo "    not ok 1 - $name reported no result" >>"$body"
	fi
	ntests=$((ntests + 1))
	# For scripts/reliability-table.sh: name, leaves, passed, failed, skipped.
	printf '%s\t%d\t%d\t%d\t%d\n' "$name" "$n" "$((n - bad - skipped))" "$bad" "$skipped" >>"$out/tests.tsv"
	nt_ktap_status "$n" "$bad" "$skipped"
	{
		echo "    KTAP version 1"
		echo "    # Subtest: $name"
		echo "    1..$n"
		cat "$body"
		echo "$status $ntests - $name$directive"
	} >>"$doc"
	rm -f "$body"
	progress "$status - $name ($((n - bad - skipped)) passed, $bad failed, $skipped skipped)"
}

# run_ktap NAME LOG CMD...: run a host-side test that prints KTAP; its
# result lines become the leaves; a non-zero exit with no failed line, or
# no line at all, adds a failed leaf.
run_ktap() {
	local name=$1 log=$2 rc t0
	shift 2
	t0=$(date +%s)
	progress "running $name"
	"$@" </dev/null >"$log" 2>&1
	rc=$?
	local leaves=$out/leaves.$$
	# Keep the top level of the test's KTAP: unindented result lines.
	grep -E '^((not )?ok [0-9]+|#)' "$log" >"$leaves"
	local nres nbad
	nres=$(grep -c -E '^(not )?ok [0-9]+' "$leaves")
	nbad=$(grep -c -E '^not ok [0-9]+' "$leaves")
	if [ "$rc" -ne 0 ] && [ "$nbad" -eq 0 ]; then
		echo "not ok 0 - $name exited with status $rc" >>"$leaves"
		tail -n 30 "$log" | sed 's/^/# /' >>"$leaves"
	elif [ "$rc" -eq 0 ] && [ "$nres" -eq 0 ] && grep -q -E '^1\.\.0 # SKIP' "$log"; then
		echo "ok 0 - $name # SKIP $(grep -m1 -E '^1\.\.0 # SKIP' "$log" | sed 's/^1\.\.0 # SKIP *//')" >>"$leaves"
	elif [ "$rc" -eq 0 ] && [ "$nres" -eq 0 ]; then
		echo "ok 0 - $name exited 0 (printed no KTAP result)" >>"$leaves"
	fi
	add_test "$name" "$leaves"
	rm -f "$leaves"
	timing+=("$name $(($(date +%s) - t0))s")
}

# --- build/debug-kernel (NT_DEBUG_KERNEL=1) -------------------------------------
# Sets KVER, KDIR (the build tree), NT_KERNEL_IMAGE and NT_MODULES_ROOT.
kernel_args=() modroot_args=()
if [ "$NT_DEBUG_KERNEL" = 1 ]; then
	t0=$(date +%s)
	progress "building the debug kernel, or finding it in the cache (scripts/debug-kernel.sh)"
	leaves=$out/debug-kernel.leaves
	scripts/debug-kernel.sh </dev/null >"$out/debug-kernel.log" 2>&1
	kdir=$(sed -n 's/^NT_DEBUG_KERNEL_DIR=//p' "$out/debug-kernel.log" | tail -n 1)
	if [ -n "$kdir" ] && [ -r "$kdir/env" ]; then
		# shellcheck disable=SC1091
		. "$kdir/env"
		export KVER KDIR
		kernel_args=(--kernel "$NT_KERNEL_IMAGE" --debug)
		modroot_args=(--modroot "$NT_MODULES_ROOT")
		echo "ok 1 - debug kernel $KVER: $(grep -E '^debug-kernel: (cached|built):' "$out/debug-kernel.log" | tail -n 1 | sed 's/^debug-kernel: //')" >"$leaves"
	else
		echo "not ok 1 - debug kernel built" >"$leaves"
		tail -n 40 "$out/debug-kernel.log" | sed 's/^/# /' >>"$leaves"
		echo "# full log: .cache/check-debug/debug-kernel.log" >>"$leaves"
		# Nothing below can run on it.
		KVER=none KDIR=/nonexistent
		export KVER KDIR
		T='^$'
	fi
	add_test build/debug-kernel "$leaves"
	timing+=("debug-kernel $(($(date +%s) - t0))s")
	: "${NT_TIMEOUT_SCALE:=3}"
fi

# --- build/kernel-KERNEL (KERNEL=6.12 | 7.2) --------------------------------------
# Sets KVER, KDIR, KROOT (the build root), NT_KERNEL_IMAGE and NT_MODULES_ROOT.
if [ -n "$KERNEL" ]; then
	t0=$(date +%s)
	progress "fetching Debian's $KERNEL kernel and its build root, or finding them in the cache (scripts/debian-kernel.sh)"
	leaves=$out/kernel.leaves
	scripts/debian-kernel.sh "$KERNEL" </dev/null >"$out/kernel.log" 2>&1
	envf=$(sed -n 's/^NT_DEBIAN_KERNEL_ENV=//p' "$out/kernel.log" | tail -n 1)
	if [ -n "$envf" ] && [ -r "$envf" ]; then
		# shellcheck disable=SC1090
		. "$envf"
		export KVER KDIR KROOT
		kernel_args=(--kernel "$NT_KERNEL_IMAGE")
		modroot_args=(--modroot "$NT_MODULES_ROOT")
		echo "ok 1 - Debian's $KERNEL kernel: $KVER, built in ${KROOT#"$top"/} with $NT_KERNEL_CC" >"$leaves"
	else
		echo "not ok 1 - Debian's $KERNEL kernel fetched (scripts/debian-kernel.sh $KERNEL)" >"$leaves"
		tail -n 30 "$out/kernel.log" | sed 's/^/# /' >>"$leaves"
		KVER=none KDIR=/nonexistent KROOT=
		export KVER KDIR KROOT
		T='^$'
	fi
	add_test "build/kernel-$KERNEL" "$leaves"
	timing+=("kernel $(($(date +%s) - t0))s")
fi
: "${NT_TIMEOUT_SCALE:=1}"

# --- build/module -------------------------------------------------------------
# DEBUG=1 everywhere but make bench, which measures the build users get.
have_module=0
debug=1
[ "$NT_SUITE" = bench ] && debug=0
t0=$(date +%s)
progress "building noisetun.ko for $KVER (DEBUG=$debug W=1)${KROOT:+ in $KROOT}"
leaves=$out/module.leaves
: >"$leaves"
if $MAKE --no-print-directory -j"$jobs" module DEBUG=$debug W=1 >"$out/module.log" 2>&1 && [ -f noisetun.ko ]; then
	have_module=1
	echo "ok 1 - noisetun.ko builds for $KVER (DEBUG=$debug W=1)" >>"$leaves"
	nwarn=$(grep -c -E 'warning:' "$out/module.log")
	if [ "$nwarn" -eq 0 ]; then
		echo "ok 2 - no compiler warnings (W=1)" >>"$leaves"
	else
		echo "not ok 2 - no compiler warnings (W=1): $nwarn" >>"$leaves"
		grep -E 'warning:' "$out/module.log" | head -n 30 | sed 's/^/# /' >>"$leaves"
	fi
else
	echo "not ok 1 - noisetun.ko builds for $KVER (DEBUG=$debug W=1)" >>"$leaves"
	{ grep -E 'error|Error|warning:|\*\*\*' "$out/module.log" || tail -n 30 "$out/module.log"; } |
		head -n 40 | sed 's/^/# /' >>"$leaves"
	echo "# full log: ${out#"$top"/}/module.log" >>"$leaves"
fi
add_test build/module "$leaves"
timing+=("module $(($(date +%s) - t0))s")

# --- build/tools --------------------------------------------------------------
have_tunctl=0
t0=$(date +%s)
leaves=$out/tools.leaves
progress "building tools"
if $MAKE --no-print-directory -j"$jobs" tools >"$out/tools.log" 2>&1 && [ -x tools/tunctl ]; then
	have_tunctl=1
	echo "ok 1 - tools/tunctl builds" >"$leaves"
	grep -E 'warning:' "$out/tools.log" | head -n 20 | sed 's/^/# /' >>"$leaves"
else
	echo "not ok 1 - tools/tunctl builds" >"$leaves"
	tail -n 30 "$out/tools.log" | sed 's/^/# /' >>"$leaves"
fi
add_test build/tools "$leaves"
timing+=("tools $(($(date +%s) - t0))s")

# --- build/testprogs ----------------------------------------------------------
# The scenarios' own programs (selftests/nlprobe); a scenario whose program
# is missing would only skip, so a build failure here is a failure.
t0=$(date +%s)
leaves=$out/testprogs.leaves
progress "building test programs"
if $MAKE --no-print-directory testprogs >"$out/testprogs.log" 2>&1; then
	echo "ok 1 - test programs build" >"$leaves"
else
	echo "not ok 1 - test programs build" >"$leaves"
	tail -n 30 "$out/testprogs.log" | sed 's/^/# /' >>"$leaves"
fi
add_test build/testprogs "$leaves"
timing+=("testprogs $(($(date +%s) - t0))s")

# --- host unit tests and host tests -----------------------------------------
for mk in selftests/unit/*/Makefile; do
	[ -e "$mk" ] || continue
	d=$(dirname "$mk")
	n=$(basename "$d")
	matches "$n" || continue
	run_ktap "unit/$n" "$out/unit-$n.log" $MAKE --no-print-directory -C "$d" run
done
for t in selftests/host/*.sh; do
	[ -e "$t" ] || continue
	n=$(basename "$t")
	matches "$n" || continue
	run_ktap "host/$n" "$out/host-$n.log" bash "$t"
done

# --- host/fuzz: tunctl's libFuzzer harnesses, a smoke run ---------------------
# tools/fuzz (the config parser, the set words, the netlink replies) under
# ASan+UBSan, each for a few thousand inputs from its seeds: one leaf for
# the build and one per harness. Needs clang (make deps installs it).
if matches fuzz; then
	t0=$(date +%s)
	progress "running host/fuzz"
	leaves=$out/fuzz.leaves
	if ! command -v clang >/dev/null; then
		echo "ok 1 - tunctl fuzzers # SKIP clang is not installed (make deps installs it)" >"$leaves"
	elif ! $MAKE --no-print-directory -C tools/fuzz -j"$jobs" all >"$out/fuzz-build.log" 2>&1; then
		echo "not ok 1 - tunctl fuzzers build (clang, ASan+UBSan)" >"$leaves"
		tail -n 30 "$out/fuzz-build.log" | sed 's/^/# /' >>"$leaves"
	else
		echo "ok 1 - tunctl fuzzers build (clang, ASan+UBSan)" >"$leaves"
		n=1
		for c in tools/fuzz/fuzz-*.c; do
			f=$(basename "$c" .c)
			n=$((n + 1))
			if $MAKE --no-print-directory -C tools/fuzz "smoke-${f#fuzz-}" >"$out/$f.log" 2>&1; then
				echo "ok $n - $f: $(tail -n 1 "$out/$f.log")" >>"$leaves"
				# libFuzzer's last line: "Done N runs in S second(s)".
				sed -n "s/^Done \([0-9]*\) runs in \([0-9]*\) second.*/# nt-fuzz: tunctl $f seconds=\2 cases=\1/p" \
					"$out/$f.log" | tail -n 1 >>"$leaves"
			else
				echo "not ok $n - $f: a crash, leak, timeout or broken property (input saved in tools/fuzz/)" >>"$leaves"
				grep -E 'ERROR|SUMMARY|property broken|Test unit written' "$out/$f.log" |
					head -n 10 | sed 's/^/# /' >>"$leaves"
				echo "# full log: .cache/check/$f.log" >>"$leaves"
			fi
		done
	fi
	add_test host/fuzz "$leaves"
	timing+=("fuzz $(($(date +%s) - t0))s")
fi

# --- the VM -------------------------------------------------------------------
# make bench: the VM without slub_debug, page poisoning and init_on_free,
# which would cost both modules time and inflate their slab objects.
[ "$NT_SUITE" = bench ] && kernel_args+=(--bench)
# Scenarios come from selftests/$NT_SUITE (netns; soak for make soak; bench
# for make bench). One
# whose first 30 lines hold "# nt-boot: WORDS" needs those words on the
# kernel command line (e.g. ipv6.disable=1): it runs in a VM of its own,
# one per distinct WORDS, booted after the main one from the same
# initramfs; the runner in each VM picks the scenarios made for its boot
# (it reads nt.boot=WORD,WORD from /proc/cmdline). The word nt.mem=SIZE
# (e.g. 256M) is the rig's own: that VM gets SIZE of memory and the small
# image (build-initramfs.sh --small), since the whole one does not fit,
# and the kernel booted as Debian boots it (run-qemu.sh --small).
boot_words() {	# boot_words FILE: its nt-boot words, one space apart
	head -n 30 "$1" | sed -n 's/^# nt-boot: *//p' | head -n 1 | xargs
}
have_boot() {	# have_boot WORDS: a VM with WORDS is planned already
	local x
	for x in "${boots[@]+"${boots[@]}"}"; do
		[ "$x" = "$1" ] && return 0
	done
	return 1
}
scenarios=() boots=() left_out=()
for f in "selftests/$NT_SUITE"/[0-9]*.sh; do
	[ -e "$f" ] || continue
	if ! matches "$(basename "$f")"; then
		{ [ -z "$T" ] || printf '%s\n' "$(basename "$f")" | grep -q -E -- "$T"; } &&
			left_out+=("$(basename "$f" .sh)")
		continue
	fi
	scenarios+=("$(basename "$f")")
	b=$(boot_words "$f")
	have_boot "$b" || boots+=("$b")
done

# run_vm WORDS: boot the VM (with WORDS added to the kernel command line)
# and add its top-level tests. Logs: results.ktap, console.log, qemu.log,
# with "-boot<N>" before the dot for the extra VMs.
nvm=0
run_vm() {
	local words=$1 sfx= append=() t0 vm_ok boot cur running line name w
	local rd=$initrd mem=() small=()
	for w in $words; do
		case "$w" in nt.mem=*) rd=$initrd_small mem=(env "NT_VM_MEM=${w#nt.mem=}") small=(--small) ;; esac
	done
	if [ -n "$words" ]; then
		nvm=$((nvm + 1))
		sfx=-boot$nvm
		append=(--append "$words nt.boot=${words// /,}")
		progress "booting $KVER under QEMU with: $words"
	else
		progress "booting $KVER under QEMU"
	fi
	t0=$(date +%s)
	"${mem[@]+"${mem[@]}"}" selftests/vm/run-qemu.sh --kver "$KVER" --initrd "$rd" \
		--results "$out/results$sfx.ktap" --console "$out/console$sfx.log" \
		--timeout "$NT_VM_TIMEOUT" "${kernel_args[@]+"${kernel_args[@]}"}" \
		"${append[@]+"${append[@]}"}" "${small[@]+"${small[@]}"}" | tee "$out/qemu$sfx.log"
	vm_ok=${PIPESTATUS[0]}
	timing+=("vm${words:+ ($words)} $(($(date +%s) - t0))s")
	boot=$(grep -a -m1 '^# nt-init: kernel' "$out/console$sfx.log" | sed -n 's/.*up \([0-9.]*\) s.*/\1/p')
	[ -n "$boot" ] && timing+=("(kernel reached /init after ${boot}s)")

	# Split the VM's document into its top-level tests. Lines indented by
	# four spaces belong to the test whose "ok N - name" line closes them.
	cur=$out/cur.leaves
	: >"$cur"
	running=
	while IFS= read -r line; do
		case "$line" in
		"# nt-running: "*) running=${line#\# nt-running: } ;;
		"    KTAP version 1" | "    1.."* | "    # Subtest:"*) ;;
		"    "*) printf '%s\n' "${line#    }" >>"$cur" ;;
		"ok "* | "not ok "*)
			name=$(printf '%s\n' "$line" | sed -E 's/^(not )?ok [0-9]+ - //; s/ # [Ss][Kk][Ii][Pp].*//')
			add_test "$name" "$cur"
			: >"$cur"
			running= ;;
		esac
	done <"$out/results$sfx.ktap"
	if [ "$vm_ok" -ne 0 ]; then
		# The VM died or timed out: blame the scenario it was running.
		{
			echo "not ok 1 - the VM died or timed out${running:+ during $running} (kernel panic, oops, WARN or hang)"
			grep -a -E '^# (qemu|console):' "$out/qemu$sfx.log" | tail -n 70
		} >"$cur"
		add_test "${running:-vm${words:+ ($words)}}" "$cur"
	fi
	rm -f "$cur"
}

[ ${#left_out[@]} -eq 0 ] ||
	progress "left out (NT_EXCLUDE): ${left_out[*]}"
if [ ${#scenarios[@]} -eq 0 ]; then
	progress "no scenario matches T='$T': not booting the VM"
else
	t0=$(date +%s)
	progress "building the initramfs (${#scenarios[@]} scenario(s))"
	initrd=$out/initramfs.cpio.gz
	# The VM runs the scenarios chosen here, by name.
	vm_filter="^($(printf '%s\n' "${scenarios[@]}" | sed 's/[.]/[.]/g' | paste -s -d '|'))\$"
	args=(--kver "$KVER" --out "$initrd" --config NT_MODE=check --config "NT_FILTER=$vm_filter"
	      --config "NT_SLOW=$SLOW" --config "NT_TIMEOUT_SCALE=$NT_TIMEOUT_SCALE"
	      --config "NT_INTEROP_PEERS=${NT_INTEROP_PEERS:-}"
	      --config "NT_SUITE=$NT_SUITE" --config "NT_SOAK_MINUTES=$NT_SOAK_MINUTES"
	      --config "NT_TIMEOUT_EXTRA=$NT_TIMEOUT_EXTRA" --config "NT_BENCH_QUICK=$NT_BENCH_QUICK"
	      --config "NT_BENCH_ROWS=$NT_BENCH_ROWS" --config "NT_BENCH_ROUNDS=$NT_BENCH_ROUNDS"
	      --config "NT_BENCH_SECONDS=$NT_BENCH_SECONDS" --config "NT_BENCH_PROFILE=$NT_BENCH_PROFILE"
	      --config "NT_BENCH_AEAD=$NT_BENCH_AEAD" --config "NT_BENCH_GRO=$NT_BENCH_GRO"
	      "${modroot_args[@]+"${modroot_args[@]}"}")
	# The fuzzers' time, when a lane sets it (80-packet-fuzz, 85-netlink-fuzz).
	[ -n "${NT_FUZZ_SECONDS:-}" ] && args+=(--config "NT_FUZZ_SECONDS=$NT_FUZZ_SECONDS")
	[ "$NT_BENCH_PROFILE" = 1 ] && args+=(--perf)
	[ "$have_module" = 1 ] && args+=(--module "$top/noisetun.ko")
	[ "$have_tunctl" = 1 ] && args+=(--tunctl "$top/tools/tunctl")
	leaves=$out/initramfs.leaves
	if selftests/vm/build-initramfs.sh "${args[@]}" >"$out/initramfs.log" 2>&1; then
		echo "ok 1 - initramfs built: $(tail -n 1 "$out/initramfs.log" | sed 's/^build-initramfs: //')" >"$leaves"
		grep 'note:' "$out/initramfs.log" | sed 's/^/# /' >>"$leaves"
		ok_initrd=1
	else
		echo "not ok 1 - initramfs built" >"$leaves"
		tail -n 30 "$out/initramfs.log" | sed 's/^/# /' >>"$leaves"
		ok_initrd=0
	fi
	# The small-memory VM's image, when a scenario asks for one.
	initrd_small=$out/initramfs-small.cpio.gz
	if [ "$ok_initrd" = 1 ] && [[ " ${boots[*]} " == *" nt.mem="* ]]; then
		args+=(--small --out "$initrd_small")
		if selftests/vm/build-initramfs.sh "${args[@]}" >"$out/initramfs-small.log" 2>&1; then
			echo "ok 2 - small initramfs built: $(tail -n 1 "$out/initramfs-small.log" |
				sed 's/^build-initramfs: //')" >>"$leaves"
		else
			echo "not ok 2 - small initramfs built" >>"$leaves"
			tail -n 30 "$out/initramfs-small.log" | sed 's/^/# /' >>"$leaves"
			ok_initrd=0
		fi
	fi
	add_test build/initramfs "$leaves"
	timing+=("initramfs $(($(date +%s) - t0))s")

	if [ "$ok_initrd" = 1 ]; then
		for b in "${boots[@]}"; do
			[ -z "$b" ] && run_vm ""
		done
		for b in "${boots[@]}"; do
			[ -n "$b" ] && run_vm "$b"
		done
	fi
fi

# --- report -------------------------------------------------------------------
echo "$KVER" >"$out/kernel"	# for scripts/reliability-table.sh
timing+=("total $(($(date +%s) - t_start))s")
echo
echo "KTAP version 1"
echo "1..$ntests"
cat "$doc"
echo "# timing: ${timing[*]}"
echo "# logs: ${out#"$top"/}/ (module.log, console.log, results.ktap, ...)"
echo "$npass passed, $nfail failed, $nskip skipped"
[ "$nfail" -eq 0 ]
