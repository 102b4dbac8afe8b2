#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 600
# nt-category: faults
# nt-boot: nt.mem=256M
#
# A small machine (Documentation/testing.md, F7): in a VM of 256 MiB (its
# own boot, with the small image: build-initramfs.sh --small), one device
# holds 10 000 peers and 130 560 allowed IPs, dumps them back whole, and
# still carries traffic to a real peer beside them; nothing is killed for
# want of memory, and deleting the device gives the memory back.
#
#   +-------------- ntsm1-$$ --------------+       +---- ntsm2-$$ ----+
#   | nt0: 10 000 peers, 130 560 ranges    |       | nt0              |
#   |      + the real peer 192.168.77.2 ===|=======|== 192.168.77.2   |
#   | veth 192.168.241.1 ------------------|-------|- veth .2         |
#   +--------------------------------------+       +------------------+

set -e
source "$(dirname "$0")/../lib.sh"

ns1="ntsm1-$$"
ns2="ntsm2-$$"
tmp=$(mktemp -d)
nt_testprog probe_bin nlprobe
peers=10000
ranges=130560

cleanup() {
	nt_teardown "$ns1" "$ns2"
	rm -rf "$tmp"
}
trap cleanup EXIT

# meminfo KEY: that line of /proc/meminfo, in kB.
meminfo() {
	awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo
}
# oom_kills: the OOM killer's kills since boot.
oom_kills() {
	awk '$1 == "oom_kill" { print $2 }' /proc/vmstat
}
# value LINE KEY: the value of KEY=VALUE in LINE.
value() {
	tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"
}

# Test that this is the small machine: what the kernel has to give out
# is under 256 MiB.
total=$(meminfo MemTotal)
nt_diag "MemTotal ${total} kB, MemAvailable $(meminfo MemAvailable) kB"
nt_check "the VM has 256 MiB at most (MemTotal ${total} kB)" test "$total" -le $((256 * 1024))

nt_load_module
nt_netns_new "$ns1" "$ns2"
nt_veth_link "$ns1" "$ns2" 192.168.241
nt_keys "$tmp" 1 2
nt_tunnel_pair "$ns1" "$ns2" "$tmp" 192.168.241 192.168.77 52

kills0=$(oom_kills)
avail0=$(meminfo MemAvailable)
slab0=$(meminfo Slab)

# Test that the device takes 10 000 peers and 130 560 ranges.
t0=$SECONDS
sent=$(ip netns exec "$ns1" "$probe_bin" gen nt0 "$peers" "$ranges")
nt_diag "set in $((SECONDS - t0)) s: $sent"
nt_check "$peers peers and $ranges ranges set" [ -n "$(value "$sent" checksum)" ]
avail1=$(meminfo MemAvailable)
slab1=$(meminfo Slab)
nt_diag "MemAvailable $avail0 -> $avail1 kB; Slab $slab0 -> $slab1 kB" \
	"($(((avail0 - avail1) * 1024 / peers)) bytes a peer with its 13 ranges)"

# Test that the dump gives back every peer and every range, as sent.
got=$(ip netns exec "$ns1" "$probe_bin" summary nt0)
nt_diag "dump: $got"
nt_check "$((peers + 1)) peers dumped" [ "$(value "$got" peers)" = $((peers + 1)) ]
nt_check "$((ranges + 1)) ranges dumped" [ "$(value "$got" allowedips)" = $((ranges + 1)) ]

# Test that the real peer still handshakes and carries traffic beside
# them.
nt_check "ping through the tunnel beside 10 000 peers" \
	ip netns exec "$ns1" ping -c 3 -i 0.2 -W 5 192.168.77.2

# Test that nothing was killed for want of memory meanwhile.
nt_check "no OOM kill (oom_kill $kills0 -> $(oom_kills))" test "$(oom_kills)" = "$kills0"

# Test that deleting the device gives the memory back. The slab caches
# keep some of their pages, so the measure is a second round: once the
# caches are warm, filling and deleting the device again must end where
# the first deletion ended (a leak of a few hundred bytes a peer would be
# megabytes here).
ip -n "$ns1" link del nt0
settle() {	# settle: MemAvailable, once it stops rising (RCU, slab frees)
	local a b
	a=$(meminfo MemAvailable)
	while sleep 1; b=$(meminfo MemAvailable); [ "$b" -gt $((a + 256)) ]; do
		a=$b
	done
	echo "$b"
}
after1=$(settle)
ip -n "$ns1" link add nt0 type noisetun
ip netns exec "$ns1" "$probe_bin" gen nt0 "$peers" "$ranges" >/dev/null
filled2=$(meminfo MemAvailable)
ip -n "$ns1" link del nt0
after2=$(settle)
nt_diag "MemAvailable: $avail0 before, $avail1 filled, $after1 deleted;" \
	"$filled2 filled again, $after2 deleted again (kB)"
nt_check "the second round gives back what it took (MemAvailable $after1 -> $after2 kB, 4 MiB of slack)" \
	test "$after2" -ge $((after1 - 4 * 1024))
nt_check "no OOM kill in the second round" test "$(oom_kills)" = "$kills0"
