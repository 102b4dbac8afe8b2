#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 1500
#
# The protocol's timers (PROTOCOL.md "Timers and limits"), observed from
# outside through the byte and handshake counters:
# - passive keepalive: data received and nothing sent for KEEPALIVE_TIMEOUT
#   (10 s) sends one keepalive (32 bytes), not earlier;
# - new handshake: data sent and nothing received for KEEPALIVE_TIMEOUT +
#   REKEY_TIMEOUT (15 s) starts a handshake, not earlier;
# - persistent keepalive: every N seconds of silence;
# and with `make check SLOW=1` (the timers take minutes):
# - an unanswered handshake is retried every REKEY_TIMEOUT and given up
#   after REKEY_ATTEMPT_TIME: 20 initiations, as WireGuard sends;
# - the initiator rekeys after REKEY_AFTER_TIME (120 s) without losing a
#   packet;
# - every key is zeroed after 3 * REJECT_AFTER_TIME (540 s) of silence.
#
#   +------ nttm1-$$ ------+          +------ nttm2-$$ ------+
#   | nt0 10.60.0.1 :6001  |          | nt0 10.60.0.2 :6002  |
#   | veth1 192.168.60.1 --+----------+-- veth2 192.168.60.2 |
#   +----------------------+          +----------------------+

set -e
source "$(dirname "$0")/../lib.sh"

ns1="nttm1-$$"
ns2="nttm2-$$"
tmp=$(mktemp -d)
cleanup() {
	nt_cleanup
	rm -rf "$tmp"
}
trap cleanup EXIT

nt_require tunctl ping iptables
nt_load_module
nt_netns_new "$ns1" "$ns2"
nt_veth_link "$ns1" "$ns2" 192.168.60
nt_keys "$tmp" 1 2

# fresh: new nt0 pair, each knowing the other's endpoint.
fresh() {
	local i o ns
	for i in 1 2; do
		o=$((3 - i))
		ns=$ns1
		[ "$i" = 2 ] && ns=$ns2
		ip -n "$ns" link del nt0 2>/dev/null || true
		ip -n "$ns" link add nt0 type noisetun
		ip netns exec "$ns" tunctl set nt0 private-key "$tmp/k$i" \
			listen-port "600$i" peer "$(cat "$tmp/p$o")" \
			allowed-ips "10.60.0.$o/32" endpoint "192.168.60.$o:600$o"
		ip -n "$ns" addr add "10.60.0.$i/24" dev nt0
		ip -n "$ns" link set nt0 up
	done
}
ip netns exec "$ns1" iptables -A INPUT -i nt0 -p udp --dport 9 -j DROP

# field NS N: field N of the peer's `tunctl show nt0 dump` line (6 rx,
# 7 tx, 5 latest handshake).
field() {
	ip netns exec "$1" tunctl show nt0 dump | awk -v n="$2" 'NR == 2 { print $n }'
}
attempts() {
	ip netns exec "$1" tunctl show nt0 --json |
		sed -n 's/.*"handshake_attempts": \([0-9]*\).*/\1/p'
}
is_at_least() {	# is_at_least CMD... VALUE: CMD's output >= VALUE
	local want=${*: -1}
	[ "$("${@:1:$#-1}")" -ge "$want" ]
}
# one_way: a datagram from ns2 to ns1 that nothing answers (ns1 drops it
# once decrypted, so not even an ICMP error goes back).
one_way() {
	ip netns exec "$ns2" bash -c 'echo x >/dev/udp/10.60.0.1/9' || true
}

fresh
# Test that the pair handshakes and carries a ping.
nt_check "session up" nt_wait_until 15 ip netns exec "$ns2" ping -c1 -W1 10.60.0.1

# Test the passive keepalive: ns1 receives data and sends nothing back,
# so it sends exactly one keepalive (32 bytes) after about 10 s.
sleep 11	# let the ping's own keepalives, if any, pass
tx0=$(field "$ns1" 7)
one_way
sleep 6
nt_check "no keepalive within 6 s of receiving data" test "$(field "$ns1" 7)" = "$tx0"
nt_check "one keepalive after KEEPALIVE_TIMEOUT" \
	nt_wait_until 10 is_at_least field "$ns1" 7 $((tx0 + 32))
sleep 2
nt_check "exactly one (32 bytes)" test "$(field "$ns1" 7)" = $((tx0 + 32))

# Test the new handshake after unanswered data: ns1 no longer hears ns2,
# so ns2's data goes unanswered; ns2 starts a handshake after 15 s.
ip netns exec "$ns1" iptables -A INPUT -p udp --dport 6001 -j DROP
a0=$(attempts "$ns2")
one_way
sleep 11
nt_check "no new handshake within 11 s of unanswered data" test "$(attempts "$ns2")" = "$a0"
nt_check "new handshake after KEEPALIVE_TIMEOUT + REKEY_TIMEOUT" \
	nt_wait_until 10 is_at_least attempts "$ns2" $((a0 + 1))
ip netns exec "$ns1" iptables -D INPUT -p udp --dport 6001 -j DROP

# Test the persistent keepalive: every 2 s of silence, 32 bytes.
fresh
nt_check "session up again" nt_wait_until 15 ip netns exec "$ns2" ping -c1 -W1 10.60.0.1
ip netns exec "$ns2" tunctl set nt0 peer "$(cat "$tmp/p1")" persistent-keepalive 2
sleep 1
tx0=$(field "$ns2" 7)
sleep 7
tx1=$(field "$ns2" 7)
nt_diag "persistent keepalive 2: $(( (tx1 - tx0) / 32 )) keepalives in 7 s"
nt_check "persistent keepalive 2: 3 or 4 keepalives in 7 s" \
	test $(( (tx1 - tx0) / 32 )) -ge 3 -a $(( (tx1 - tx0) / 32 )) -le 4
ip netns exec "$ns2" tunctl set nt0 peer "$(cat "$tmp/p1")" persistent-keepalive 0
sleep 1
tx0=$(field "$ns2" 7)
sleep 5
nt_check "persistent keepalive off: silence" test "$(field "$ns2" 7)" = "$tx0"

if [ "$NT_SLOW" != 1 ]; then
	nt_skip_check "handshake given up after REKEY_ATTEMPT_TIME" "slow (95 s): make check SLOW=1"
	nt_skip_check "rekey after REKEY_AFTER_TIME without loss" "slow (130 s): make check SLOW=1"
	nt_skip_check "keys zeroed after 3 * REJECT_AFTER_TIME" "slow (545 s): make check SLOW=1"
	exit 0
fi

# Test that an unanswered handshake is retried and given up: 20
# initiations in REKEY_ATTEMPT_TIME (90 s) plus jitter, then none.
fresh
ip netns exec "$ns1" iptables -A INPUT -p udp --dport 6001 -j DROP
ip netns exec "$ns2" ping -c1 -W1 10.60.0.1 >/dev/null 2>&1 || true
sleep 105
a=$(attempts "$ns2")
nt_diag "initiations for one unanswered packet: $a"
nt_check "20 initiations before giving up" test "$a" = 20
sleep 10
nt_check "none after giving up" test "$(attempts "$ns2")" = "$a"
ip netns exec "$ns1" iptables -D INPUT -p udp --dport 6001 -j DROP

# Test that the initiator rekeys after REKEY_AFTER_TIME while sending, and
# that a ping a second for 130 s loses nothing across it.
fresh
nt_check "session up for the rekey" nt_wait_until 15 ip netns exec "$ns2" ping -c1 -W1 10.60.0.1
h0=$(field "$ns2" 5)
loss=$(ip netns exec "$ns2" ping -c 130 -i 1 -W 2 10.60.0.1 | sed -n 's/.* \([0-9.]*\)% packet loss.*/\1/p')
h1=$(field "$ns2" 5)
nt_diag "latest handshake before $h0, after $h1, ping loss ${loss}%"
nt_check "a new handshake after REKEY_AFTER_TIME" test "$h1" -ge $((h0 + 110))
nt_check "no ping lost across the rekey" test "$loss" = 0

# Test that after 540 s without a new handshake every keypair of the pair
# is destroyed (the debug log says so) and no session is left.
created=$(nt_kmsg | grep -c -E "noisetun: nt0: Keypair [0-9]+ created" || true)
sleep 545
destroyed=$(nt_kmsg | grep -c -E "noisetun: nt0: Keypair [0-9]+ destroyed" || true)
nt_diag "keypairs created $created, destroyed $destroyed after 545 s idle"
nt_check "every keypair destroyed after 3 * REJECT_AFTER_TIME" test "$destroyed" = "$created"
