#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 300
# nt-category: faults
#
# What a namespace makes the module allocate is charged to its memory
# cgroup. Anyone with an unprivileged user namespace can create devices
# and, in them, peers and allowed IPs by the hundred thousand; those
# allocations (peers, their statistics and route caches, trie nodes, the
# SET request's plan, a device's tables and rings) must count against the
# memory limit of whoever asked for them, as the rest of their kernel
# memory does, not against nobody.
#
# A process in a fresh cgroup (cgroup v2, memory controller) creates nt0
# and gives it 4 000 peers with 40 000 allowed IPs; the cgroup's
# memory.current must grow by at least what those objects surely take.
#
#   +------------ ntmcg-$$ ------------+    cgroup nt-mcg-$$: nlprobe, and
#   |  nt0: 4 000 peers, 40 000 ranges |    `ip link add` before it
#   +----------------------------------+

set -e
source "$(dirname "$0")/../lib.sh"

ns="ntmcg-$$"
nt_testprog probe_bin nlprobe
cgroot=/sys/fs/cgroup
cg=
mounted=0

cleanup() {
	nt_cleanup
	[ -n "$cg" ] && rmdir "$cg" 2>/dev/null
	[ "$mounted" = 1 ] && umount "$cgroot" 2>/dev/null
	true
}
trap cleanup EXIT

nt_load_module
nt_netns_new "$ns"

if ! grep -q " $cgroot cgroup2 " /proc/mounts; then
	mkdir -p "$cgroot"
	mount -t cgroup2 none "$cgroot" || nt_skip "cgroup v2 cannot be mounted"
	mounted=1
fi
grep -qw memory "$cgroot/cgroup.controllers" ||
	nt_skip "the memory controller is not available"
echo +memory >"$cgroot/cgroup.subtree_control"
cg=$cgroot/nt-mcg-$$
mkdir "$cg"

# in_cgroup CMD...: run CMD as a member of the test's cgroup.
in_cgroup() {
	bash -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$cg" "$@"
}

peers=4000
ranges=40000
# The least those objects take: a peer is well over 1 KiB (its handshake,
# keypair slots, queues, timers and NAPI context), an allowed-IP node
# over 48 bytes, and each range needs at least one node.
least=$((peers * 1024 + ranges * 48))

in_cgroup ip -n "$ns" link add nt0 type noisetun
before=$(cat "$cg/memory.current")
sent=$(in_cgroup ip netns exec "$ns" "$probe_bin" gen nt0 "$peers" "$ranges")
after=$(cat "$cg/memory.current")
nt_diag "set: $sent"
nt_diag "memory.current: $before before, $after after (+$((after - before)) bytes)"
nt_diag "memory.stat: $(grep -E '^(kernel|slab|percpu) ' "$cg/memory.stat" | tr '\n' ' ')"

# Test that the configuration went in.
got=$(ip netns exec "$ns" "$probe_bin" summary nt0)
nt_check "$peers peers and $ranges ranges set" \
	eval "grep -q 'peers=$peers ' <<<'$got' && grep -q 'allowedips=$ranges ' <<<'$got'"

# Test that the cgroup of the process that asked was charged for them.
nt_check "the cgroup was charged at least $least bytes for them (+$((after - before)))" \
	test $((after - before)) -ge "$least"

# Test that removing them gives the charge back (most of it: freed
# objects leave the cgroup as their slabs are released).
ip netns exec "$ns" "$probe_bin" set ifname strz nt0 flags u32 1 >/dev/null
ip -n "$ns" link del nt0
nt_wait_until 10 eval "[ \$(cat '$cg/memory.current') -lt $((after - least / 2)) ]" || true
nt_diag "memory.current after deleting nt0: $(cat "$cg/memory.current")"
nt_check "deleting them uncharges the cgroup" \
	test "$(cat "$cg/memory.current")" -lt $((after - least / 2))
