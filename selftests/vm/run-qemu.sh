#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot the test kernel with an initramfs under QEMU and collect results.
#
# Usage: run-qemu.sh --kver KVER --initrd FILE --results FILE --console FILE
#                    [--timeout SECONDS] [--kernel IMAGE] [--debug]
#                    [--append WORDS] [--bench] [--small]
#
# --kernel boots IMAGE instead of /boot/vmlinuz-KVER. --debug is the
# profile of the sanitizing debug kernel (make check-debug): KASAN and
# kmemleak instead of slub_debug/page poisoning, and more memory (KASAN's
# shadow is an eighth of it; kmemleak keeps metadata for every object).
# --append adds WORDS to the kernel command line (after the rig's own).
# --bench is the profile of make bench: the stock profile without
# slub_debug, page poisoning and init_on_free (they slow every allocation
# and pad every slab object, which a benchmark must not measure), and with
# slab_nomerge, so that each module's caches are counted apart.
# --small is the small machine's (NT_VM_MEM=256M, the small image): the
# kernel as Debian boots it, without the rig's debugging options either
# (slub_debug's red zones and owner tracking double the size of small
# objects, and log_buf_len=16M alone is a sixteenth of such a machine).
#
# The console (ttyS0) is copied to --console and shown live (without
# escape sequences); the second serial port (ttyS1) is the results file,
# which the VM's runner fills with KTAP ending in "# nt-end". Exit 0 when
# that marker arrived; 1 when the VM died first (panic, oops, WARN with
# panic_on_warn, init failure) or the whole-VM timeout hit, after printing
# the console's last lines; 2 on a usage or setup error.
#
# Accelerator: NT_ACCEL=kvm|tcg|auto (default auto). auto uses KVM only if
# /dev/kvm is usable and a probe boot under KVM actually reaches the kernel
# (nested KVM can exist and hang); the answer is cached per host boot in
# .cache/vm/accel.
#
# NT_TCG_THREAD=single|multi (default multi): QEMU's TCG runs each vCPU
# in a host thread of its own, or all of them in one. make check sets
# single for Debian 13's and sid's kernels: twice in one day, with both
# vCPUs in threads of their own, 6.12 died on an "Oops: int3" at a static
# key or tracepoint site that had just been patched back (inet_ehashfn
# after the first TCP lookup; ttwu_do_activate after tracing was turned
# off), which 6.1 never did in the same scenarios.
#
# NT_VM_MEM: the VM's memory (QEMU's -m; default 1G, 1536M with --debug).
#
# NT_VM_LOCK: a lock file held while the VM runs, so that test VMs on one
# host run one after another (default /tmp/noisetun-vm.lock; empty: none).
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
kver='' initrd='' results='' console='' timeout=900 kernel='' debug=0 append='' bench=0 small=0
while [ $# -gt 0 ]; do
	case "$1" in
	--kver) kver=$2; shift 2 ;;
	--initrd) initrd=$2; shift 2 ;;
	--results) results=$2; shift 2 ;;
	--console) console=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--kernel) kernel=$2; shift 2 ;;
	--debug) debug=1; shift ;;
	--bench) bench=1; shift ;;
	--small) small=1; shift ;;
	--append) append=$2; shift 2 ;;
	*) echo "run-qemu: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ -n "$kver" ] && [ -n "$initrd" ] && [ -n "$results" ] && [ -n "$console" ] ||
	{ echo "usage: $0 --kver KVER --initrd FILE --results FILE --console FILE" >&2; exit 2; }

if [ -n "$kernel" ]; then
	[ -r "$kernel" ] || { echo "run-qemu: no kernel image $kernel" >&2; exit 2; }
else
	for k in "/boot/vmlinuz-$kver" "/lib/modules/$kver/vmlinuz" "/usr/lib/modules/$kver/vmlinuz"; do
		[ -r "$k" ] && { kernel=$k; break; }
	done
	[ -n "$kernel" ] || { echo "run-qemu: no kernel image for $kver (install linux-image-$kver)" >&2; exit 2; }
fi
qemu=$(command -v qemu-system-x86_64) || { echo "run-qemu: qemu-system-x86_64 missing (make deps)" >&2; exit 2; }

bios=()
[ -r /usr/share/qemu/qboot.rom ] && bios=(-bios /usr/share/qemu/qboot.rom)

# Robustness options of the stock-kernel profile (Documentation/testing.md
# section 4): any WARN, oops, soft lockup or hung task panics, and a panic ends
# QEMU. log_buf_len keeps a whole run's debug log in the ring.
cmdline="console=ttyS0 panic_on_warn=1 oops=panic softlockup_panic=1 hung_task_panic=1 panic=-1"
# A guest under TCG on a loaded host can miss the IO-APIC timer check at
# boot ("IO-APIC + timer doesn't work!", a panic before anything runs):
# skip it, as virtual machines usually do.
cmdline+=" no_timer_check"
mem=1G
if [ "$debug" = 1 ]; then
	# KASAN reports end in panic_on_warn's panic (6.1); kasan.fault=panic
	# says so once more. slub_debug, page_poison and init_on_free would
	# only repeat KASAN's checks, slower. kmemleak is on by default in
	# this build; the runner scans after each scenario.
	cmdline+=" kasan.fault=panic kmemleak=on quiet log_buf_len=16M"
	mem=1536M
elif [ "$small" = 1 ]; then
	cmdline+=" quiet"
elif [ "$bench" = 1 ]; then
	cmdline+=" slab_nomerge quiet log_buf_len=16M"
else
	cmdline+=" slub_debug=FZPU page_poison=1 init_on_free=1 quiet log_buf_len=16M"
fi
[ -n "$append" ] && cmdline+=" $append"

kvm_works() {
	[ -r /dev/kvm ] && [ -w /dev/kvm ] || return 1
	local cache=$top/.cache/vm/accel boot_id
	boot_id=$(cat /proc/sys/kernel/random/boot_id 2>/dev/null)
	if [ -r "$cache" ] && [ "$(head -n 1 "$cache")" = "$boot_id" ]; then
		[ "$(sed -n 2p "$cache")" = kvm ]
		return
	fi
	local ok=tcg
	# No initramfs: a working KVM boots to "VFS: Unable to mount root"
	# and panics within seconds.
	if timeout 15 "$qemu" -accel kvm -cpu host -m 256M -nographic -no-reboot -nic none \
		"${bios[@]}" -kernel "$kernel" -append "console=ttyS0 panic=-1" </dev/null 2>&1 |
		grep -a -q -m1 'Linux version'; then
		ok=kvm
	fi
	mkdir -p "$(dirname "$cache")"
	printf '%s\n%s\n' "$boot_id" "$ok" >"$cache"
	[ "$ok" = kvm ]
}

tcg=(-accel "tcg,thread=${NT_TCG_THREAD:-multi}" -cpu max)
case "${NT_ACCEL:-auto}" in
kvm) accel=(-accel kvm -cpu host) ;;
tcg) accel=("${tcg[@]}") ;;
*)	if kvm_works; then
		accel=(-accel kvm -cpu host)
	else
		accel=("${tcg[@]}")
	fi ;;
esac

# One test VM at a time per host: each takes every CPU of a small
# machine under TCG, and two at once make the timing checks of both
# flaky. NT_VM_LOCK names the lock file (empty: no lock).
lock=${NT_VM_LOCK-/tmp/noisetun-vm.lock}
if [ -n "$lock" ]; then
	exec 9>>"$lock"
	if ! flock -n 9; then
		echo "# qemu: waiting for another test VM to finish ($lock)"
		flock 9
	fi
fi

rm -f "$results" "$console"
: >"$results"
echo "# qemu: ${accel[*]}, kernel $kernel, initramfs $(du -h "$initrd" | cut -f1), timeout ${timeout}s${append:+, appended to the command line: $append}"
start=$(date +%s)
# stdin from /dev/null: never put a terminal into raw mode, and work in CI.
timeout -k 10 "$timeout" "$qemu" "${accel[@]}" -smp 2 -m "${NT_VM_MEM:-$mem}" -nographic -no-reboot \
	-nic none "${bios[@]}" -kernel "$kernel" -initrd "$initrd" -append "$cmdline" \
	-serial mon:stdio -serial "file:$results" </dev/null 2>&1 |
	tee "$console" |
	sed -u -e 's/\r$//' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1bc//g' |
	grep -a --line-buffered -v '^$'
rc=${PIPESTATUS[0]}
secs=$(($(date +%s) - start))
sed -i 's/\r$//' "$results"

if grep -q '^# nt-end' "$results"; then
	echo "# qemu: finished in ${secs}s"
	exit 0
fi
if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
	echo "# qemu: TIMEOUT: the VM was still running after ${timeout}s"
else
	echo "# qemu: the VM ended after ${secs}s without finishing (exit $rc): kernel panic, oops or WARN?"
fi
# Show the start of the first report (WARNING:, BUG:, Oops, panic...), which
# says what went wrong, then the last lines, which say where it ended.
clean=$(mktemp)
tr -d '\r' <"$console" | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g' >"$clean"
# Search from the start of the last scenario (the runner prints "# ---- [").
from=$(grep -a -n -E '^# ---- \[' "$clean" | tail -n 1 | cut -d: -f1)
first=$(tail -n +"${from:-1}" "$clean" |
	grep -a -n -m1 -E 'BUG:|WARNING:|Oops|general protection|Kernel panic|soft lockup|blocked for more than|rcu.*stall|KASAN|UBSAN' |
	cut -d: -f1)
[ -n "$first" ] && first=$((first + ${from:-1} - 1))
total=$(wc -l <"$clean")
if [ -n "$first" ] && [ $((total - first)) -gt 60 ]; then
	echo "# ---- console from the first report (line $first) ----"
	sed -n "${first},$((first + 34))p" "$clean" | sed 's/^/# console: /'
	echo "# console: [...]"
	tail -n 25 "$clean" | sed 's/^/# console: /'
else
	echo "# ---- last console lines ----"
	tail -n 60 "$clean" | sed 's/^/# console: /'
fi
rm -f "$clean"
exit 1
