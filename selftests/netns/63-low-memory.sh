#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 900
# nt-category: faults
#
# Memory pressure without fault injection (Documentation/testing.md F7):
# the large configurations of 10-scale.sh (10 000 peers with 100 000
# allowed IPs set and dumped back, one peer with 130 560 ranges, both
# replaced and deleted) in a machine of 256 MiB: all of the VM's memory
# beyond 256 MiB is taken away as reserved huge pages for the time of the
# scenario, so that the kernel, the module and the tools share 256 MiB (a
# VM booted with 256 MiB cannot unpack the rig's initramfs).
# Checks:
#   - the memory left is 256 MiB or less;
#   - every check of 10-scale.sh passes there, in a child run (its
#     output is shown when one fails);
#   - the OOM killer never had to step in, and afterwards the module
#     unloads (its objects all freed: kernel-health reads the log).
#
#   +------------- ntscale-$$ -------------+   256 MiB left
#   |  nt0: 10 000 peers, 100 000 ranges   |
#   |  nt1: 1 peer, 130 560 ranges (IPv6)  |
#   +--------------------------------------+

set -e
source "$(dirname "$0")/../lib.sh"

nt_kind noisetun

cleanup() {
	echo 0 >/proc/sys/vm/nr_hugepages
	nt_cleanup
}
trap cleanup EXIT

[ -w /proc/sys/vm/nr_hugepages ] || nt_skip "no huge pages to take memory away with (CONFIG_HUGETLBFS)"
meminfo() { awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo; }
total_kib=$(meminfo MemTotal)
hp_kib=$(meminfo Hugepagesize)
want=$(( (total_kib - 256 * 1024 + hp_kib - 1) / hp_kib ))
echo 3 >/proc/sys/vm/drop_caches
echo "$want" >/proc/sys/vm/nr_hugepages
got=$(meminfo HugePages_Total)
mem_kib=$((total_kib - got * hp_kib))
nt_diag "MemTotal $((total_kib / 1024)) MiB, $got of $want huge pages reserved:" \
	"$((mem_kib / 1024)) MiB left, MemAvailable $(($(meminfo MemAvailable) / 1024)) MiB"
# Test that the memory left is 256 MiB at most.
nt_check "$((mem_kib / 1024)) MiB left to the kernel and the tools, at most 256" \
	[ "$mem_kib" -le $((256 * 1024)) ]

oom_kills() { nt_kmsg | grep -c -E 'Out of memory|invoked oom-killer' || true; }
oom0=$(oom_kills)

# Test that 10-scale.sh's large configurations fit: each is applied whole
# and dumped back complete.
nt_check "10-scale.sh passes in $((mem_kib / 1024)) MiB" \
	bash "$NT_SELFTESTS/netns/10-scale.sh" || true
nt_diag "MemAvailable after: $(($(meminfo MemAvailable) / 1024)) MiB"

# Test that nothing was OOM-killed on the way.
nt_check "no OOM kill" [ "$(oom_kills)" = "$oom0" ]

# Test that the module unloads afterwards: nothing holds it.
nt_check "rmmod noisetun" nt_wait_until 10 rmmod noisetun || true
nt_load_module

[ "$NT_FAILED" -eq 0 ]
