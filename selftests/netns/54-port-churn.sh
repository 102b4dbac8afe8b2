#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 1500
# nt-category: faults
#
# Listen-port and fwmark churn under traffic (Documentation/testing.md section 4, F6).
# ns1 sends a TCP stream and pings (100/s) to ns2 through the tunnel while
# its device's listen port and fwmark change every 50 ms (plus the time
# tunctl takes: 0.3 to 1 s under TCG; 30 changes in make check, 500
# with SLOW=1). Each port change rebinds the device's
# sockets; ns2 learns the new port from the next authenticated packet
# (roaming). Checks:
#   - every change is accepted;
#   - the last port and fwmark read back, and showconf says so too;
#   - the old sockets are closed: ns1 has exactly one UDP socket per
#     family left, on the last port (ss -uln), and nothing answers on a
#     port used before;
#   - traffic resumes: ns2 receives the stream again, and pings go both
#     ways.
#
#   +----------- ntpc1-$$ -----------+          +-------- ntpc2-$$ --------+
#   | nt0 10.54.0.1/24               |          | nt0 10.54.0.2/24 :5402   |
#   |   port 5410.., fwmark 1..      |          |   peer: 192.168.54.1:*   |
#   |   ping, iperf3 -c              |          |   iperf3 -s              |
#   | veth1 192.168.54.1 ------------+----------+-- veth2 192.168.54.2     |
#   +--------------------------------+          +--------------------------+

set -e
source "$(dirname "$0")/../lib.sh"

ns1="ntpc1-$$"
ns2="ntpc2-$$"
nt_tmpdir

changes=30
[ "${NT_SLOW:-0}" = 1 ] && changes=500

nt_require tunctl ping iperf3 ss nc
nt_load_module
nt_netns_new "$ns1" "$ns2"
nt_veth_link "$ns1" "$ns2" 192.168.54
nt_keys "$tmp" 1 2
ip -n "$ns1" link add nt0 type noisetun
ip -n "$ns2" link add nt0 type noisetun
ip netns exec "$ns1" tunctl set nt0 private-key "$tmp/k1" listen-port 5410 \
	peer "$(cat "$tmp/p2")" allowed-ips 10.54.0.2/32 endpoint 192.168.54.2:5402
ip netns exec "$ns2" tunctl set nt0 private-key "$tmp/k2" listen-port 5402 \
	peer "$(cat "$tmp/p1")" allowed-ips 10.54.0.1/32 endpoint 192.168.54.1:5410
ip -n "$ns1" addr add 10.54.0.1/24 dev nt0
ip -n "$ns2" addr add 10.54.0.2/24 dev nt0
ip -n "$ns1" link set nt0 up
ip -n "$ns2" link set nt0 up

ping12() { ip netns exec "$ns1" ping -c1 -W1 -q 10.54.0.2 >/dev/null; }
ping21() { ip netns exec "$ns2" ping -c1 -W1 -q 10.54.0.1 >/dev/null; }
# rx2: bytes ns2's device received from ns1.
rx2() { ip netns exec "$ns2" tunctl show nt0 transfer | cut -f2; }

# Test that the tunnel works before the churn.
nt_check "tunnel up" nt_wait_until 15 ping12

nt_bg ip netns exec "$ns2" iperf3 -s -B 10.54.0.2 -i 0
sleep 0.5
nt_bg ip netns exec "$ns1" iperf3 -c 10.54.0.2 -t 3600 -b 20M -i 0
nt_bg ip netns exec "$ns1" ping -i 0.01 -q 10.54.0.2
grows() {	# grows BYTES: ns2 received more than BYTES more than at the call
	local start=$1 now
	now=$(rx2)
	[ $((now - start)) -gt "$2" ]
}
start=$(rx2)
nt_check "the stream flows before the churn" nt_wait_until 15 grows "$start" 100000

# The churn, in one shell inside ns1: ports 5410..5489 round and round,
# fwmarks 1..200; a change that fails is counted (the exit status).
t0=$(date +%s%N)
failed=0
ip netns exec "$ns1" bash -c '
	failed=0
	for ((i = 1; i <= $1; i++)); do
		tunctl set nt0 listen-port $((5410 + i % 80)) fwmark $((i % 200 + 1)) || failed=$((failed + 1))
		sleep 0.05
	done
	exit $((failed > 0))' churn "$changes" || failed=1
ms=$((($(date +%s%N) - t0) / 1000000))
last_port=$((5410 + changes % 80))
last_mark=$((changes % 200 + 1))
nt_diag "$changes changes in $ms ms ($((ms / changes)) ms each); last port $last_port, fwmark $last_mark"

# Test that every change was accepted.
nt_check "all $changes port and fwmark changes accepted" test "$failed" = 0 || true

# Test that the last values read back, in show and in showconf.
nt_check "listen-port reads back $last_port" \
	test "$(ip netns exec "$ns1" tunctl show nt0 listen-port)" = "$last_port" || true
nt_check "fwmark reads back $last_mark" \
	test "$(ip netns exec "$ns1" tunctl show nt0 fwmark)" = "$(printf '0x%x' "$last_mark")" || true
nt_check "showconf has them" eval "ip netns exec $ns1 tunctl showconf nt0 |
	grep -q -x 'ListenPort = $last_port' &&
	ip netns exec $ns1 tunctl showconf nt0 | grep -q -i -x 'FwMark = $(printf '0x%x' "$last_mark")'" || true

# Test that the old ports are closed: ns1's only UDP sockets are the
# device's two on the last port (the iperf3 and ping traffic is TCP and
# ICMP).
udp_ports() {
	ip netns exec "$ns1" ss -H -uln | awk '{ print $4 }' | sort
}
# (ss shows the IPv6 socket on :: as *:PORT or [::]:PORT.)
only_last() {
	case "$(udp_ports | tr '\n' ' ')" in
	"*:$last_port 0.0.0.0:$last_port " | "0.0.0.0:$last_port [::]:$last_port ") return 0 ;;
	esac
	udp_ports
	return 1
}
nt_check "only the last port is bound (ss -uln)" only_last || true
# A port used before the last is free again: a plain UDP socket binds it,
# on IPv4 and IPv6 (nc -n -v says "Bound on"); the last one is not (nc says
# "Address already in use").
binds() {	# binds -4|-6 PORT
	local out=$tmp/nc.out pid
	: >"$out"
	ip netns exec "$ns1" timeout 20 nc "$1" -n -v -u -l -p "$2" </dev/null >"$out" 2>&1 &
	pid=$!
	nt_wait_until 20 grep -q -E 'Bound on|in use' "$out" || true
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	cat "$out"
	grep -q 'Bound on' "$out"
}
prev=$((5410 + (changes - 1) % 80))
nt_check "the previous port $prev binds again (IPv4, IPv6)" eval "binds -4 $prev && binds -6 $prev" || true
nt_check_fails "the last port $last_port is taken (IPv4, IPv6)" eval "binds -4 $last_port || binds -6 $last_port" || true

# Test that traffic resumes after the churn: the stream reaches ns2 again,
# pings go both ways.
start=$(rx2)
nt_check "the stream flows again after the churn" nt_wait_until 20 grows "$start" 1000000 || true
nt_check "ping ns1 -> ns2" nt_wait_until 10 ping12 || true
nt_check "ping ns2 -> ns1" nt_wait_until 10 ping21 || true
nt_check "ns2 sees ns1 at its last port" eval \
	"ip netns exec $ns2 tunctl show nt0 endpoints | grep -q ':$last_port\$'"
[ "$NT_FAILED" -eq 0 ]
