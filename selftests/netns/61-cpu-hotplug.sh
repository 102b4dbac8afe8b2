#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 300
# nt-category: faults
#
# CPU hotplug under traffic (Documentation/testing.md section 4, F12). The device
# spreads encryption and decryption over the online CPUs; taking one away
# and giving it back while a TCP stream and a flood ping run must neither
# stall the tunnel nor lose it. cpu1 goes offline and online again, 4
# times in make check (20 with SLOW=1); after every change the stream
# must move data again within a few seconds, and at the end pings must
# pass both ways. (A stall that hangs a task or locks up a CPU panics the
# VM: hung_task_panic, softlockup_panic.)
#
#   +------- ntcp1-$$ --------+          +------- ntcp2-$$ --------+
#   | nt0 10.61.0.1/24 :6101  |          | nt0 10.61.0.2/24 :6102  |
#   |   iperf3 -s             |          |   iperf3 -c, ping -f    |
#   | veth1 192.168.61.1 -----+----------+-- veth2 192.168.61.2    |
#   +-------------------------+          +-------------------------+
#       echo 0|1 > /sys/devices/system/cpu/cpu1/online

set -e
source "$(dirname "$0")/../lib.sh"

ns1="ntcp1-$$"
ns2="ntcp2-$$"
nt_tmpdir
cpu1=/sys/devices/system/cpu/cpu1/online
cleanup() {
	[ -w "$cpu1" ] && echo 1 >"$cpu1" 2>/dev/null
	nt_cleanup
}
trap cleanup EXIT

cycles=4
[ "${NT_SLOW:-0}" = 1 ] && cycles=20

nt_require tunctl ping iperf3
[ "$(nproc --all)" -ge 2 ] || nt_skip "the VM has $(nproc --all) CPU (run-qemu.sh gives it 2)"
[ -w "$cpu1" ] || nt_skip "cpu1 cannot be taken offline on this kernel (no $cpu1)"
nt_load_module

nt_netns_new "$ns1" "$ns2"
nt_veth_link "$ns1" "$ns2" 192.168.61
nt_keys "$tmp" 1 2
for i in 1 2; do
	o=$((3 - i))
	ns=$ns1
	[ "$i" = 2 ] && ns=$ns2
	ip -n "$ns" link add nt0 type noisetun
	ip netns exec "$ns" tunctl set nt0 private-key "$tmp/k$i" listen-port "610$i" \
		peer "$(cat "$tmp/p$o")" allowed-ips "10.61.0.$o/32" endpoint "192.168.61.$o:610$o"
	ip -n "$ns" addr add "10.61.0.$i/24" dev nt0
	ip -n "$ns" link set nt0 up
done

ping21() { ip netns exec "$ns2" ping -c1 -W1 -q 10.61.0.1 >/dev/null; }
ping12() { ip netns exec "$ns1" ping -c1 -W1 -q 10.61.0.2 >/dev/null; }
# rx1: bytes ns1's device received from ns2.
rx1() { ip netns exec "$ns1" tunctl show nt0 transfer | cut -f2; }
grows() {	# grows START BYTES: rx1 is more than BYTES past START
	[ $(($(rx1) - $1)) -gt "$2" ]
}

# Test that the tunnel works before the traffic starts.
nt_check "tunnel up" nt_wait_until 15 ping21

nt_bg ip netns exec "$ns1" iperf3 -s -B 10.61.0.1 -i 0
sleep 0.5
nt_bg ip netns exec "$ns2" iperf3 -c 10.61.0.1 -t 3600 -i 0
nt_bg ip netns exec "$ns2" ping -f -q 10.61.0.1
nt_check "the stream flows" nt_wait_until 15 grows "$(rx1)" 1000000

# Test that after each change of cpu1, the stream moves 1 MB within 10 s.
stalled=0 failed=0
for ((c = 1; c <= cycles; c++)); do
	for state in 0 1; do
		t0=$(date +%s%N)
		echo "$state" >"$cpu1" || { failed=$((failed + 1)); continue; }
		if ! nt_wait_until 10 grows "$(rx1)" 1000000; then
			stalled=$((stalled + 1))
			nt_diag "cycle $c: cpu1 online=$state: the stream stalled"
		fi
		[ "$c" = 1 ] && nt_diag "cycle 1, cpu1 online=$state: 1 MB after $((($(date +%s%N) - t0) / 1000000)) ms"
	done
done
nt_check "cpu1 went offline and online $cycles times" test "$failed" = 0 -a "$(cat "$cpu1")" = 1 || true
nt_check "the stream went on after each of $((2 * cycles)) changes" test "$stalled" = 0 || true

# Test that at the end the tunnel carries pings both ways.
nt_check "ping ns2 -> ns1 after the changes" nt_wait_until 10 ping21 || true
nt_check "ping ns1 -> ns2 after the changes" nt_wait_until 10 ping12 || true
[ "$NT_FAILED" -eq 0 ]
