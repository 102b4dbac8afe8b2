#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 300
# nt-category: faults
#
# A device's life around its sessions (Documentation/testing.md 1.1 #19, #22,
# #23; F4): persistent keepalive fires on link up, and only once a private key
# exists; peers with the 7 low-order public keys are accepted but never
# sent anything; a handshake whose initiation, or whose response, is lost
# is retried after REKEY_TIMEOUT and the staged packet then goes out;
# a cached route over a veth must not pin a namespace being deleted.
#
# Keepalive and low-order parts: one namespace, sockets on its lo.
#
#   +------------------ ntlc0-$$ -------------------+
#   |  nt0 -- peers, endpoint 127.0.0.1:1111        |
#   |  nc -u -l 1111 (must hear nothing: #22)       |
#   +-----------------------------------------------+
#
# Lost handshake messages: the container pattern; ntlc0 drops them.
#
#   +-- ntlc1-$$ --+      +------------- ntlc0-$$ --------------+      +-- ntlc2-$$ --+
#   | nt0 .241.1   |======| lo: sockets :1 and :2               |======| nt0 .241.2   |
#   +--------------+      | iptables: drop the first 176 / 120 |      +--------------+
#                         +-------------------------------------+
#
# dst_cache vs netns (#23): devices created in their own namespace.
#
#   +------- ntlc3-$$ -------+              +------- ntlc4-$$ -------+
#   | ntdc3 fd00::1/112      |              | ntdc4 fd00::2/112      |
#   | veth3 fd00:aa::1/64 ---+--------------+-- veth4 fd00:aa::2/64  |
#   +------------------------+              +------------------------+

set -e
source "$(dirname "$0")/../lib.sh"

# The device under test. To check this script's own logic against the
# in-tree module, set kind=wireguard here in a scratch copy (never commit
# that): the same story then runs on `type wireguard` configured by wg.
kind=noisetun

ns0="ntlc0-$$"
ns1="ntlc1-$$"
ns2="ntlc2-$$"
ns3="ntlc3-$$"
ns4="ntlc4-$$"
nt_tmpdir

nt_kind "$kind" ping ss nc

n0() { ip netns exec "$ns0" "$@"; }
n1() { ip netns exec "$ns1" "$@"; }
n2() { ip netns exec "$ns2" "$@"; }

nt_netns_new "$ns0" "$ns1" "$ns2"

nt_keys "$tmp" 1 2

# tx_bytes NS PUBKEY: bytes sent to PUBKEY by nt0 in NS.
tx_bytes() {
	ip netns exec "$1" "$ctl" show nt0 transfer | awk -v k="$2" '$1 == k { print $3 }'
}

tx_is_zero() {	# tx_is_zero NS PUBKEY
	local t
	t=$(tx_bytes "$1" "$2")
	[ "$t" = 0 ] && return 0
	echo "tx_bytes: $t"
	return 1
}

tx_above_zero() {	# tx_above_zero NS PUBKEY
	[ "$(tx_bytes "$1" "$2")" -gt 0 ]
}

nonempty() {
	[ -s "$1" ]
}

# --- persistent keepalive on link up (netns.sh #19) -------------------------
ip -n "$ns0" link add nt0 type "$kind"
n0 "$ctl" set nt0 private-key "$tmp/k1" \
	peer "$pub2" endpoint 127.0.0.1:1111 persistent-keepalive 1

# Test that nothing is sent while the device is down, and that link up
# sends at once (the first keepalive, which needs a handshake first).
nt_check "keepalive, key set: tx_bytes is 0 while down" tx_is_zero "$ns0" "$pub2" || true
ip -n "$ns0" link set nt0 up
nt_check "keepalive, key set: link up sends within 2 s" \
	nt_wait_until 2 tx_above_zero "$ns0" "$pub2" || true
ip -n "$ns0" link del nt0

# Test that without a private key, link up sends nothing, and setting
# the key later sends at once.
ip -n "$ns0" link add nt0 type "$kind"
n0 "$ctl" set nt0 peer "$pub2" endpoint 127.0.0.1:1111 persistent-keepalive 1
nt_check "keepalive, no key: tx_bytes is 0 while down" tx_is_zero "$ns0" "$pub2" || true
ip -n "$ns0" link set nt0 up
nt_check_fails "keepalive, no key: link up sends nothing for 2 s" \
	nt_wait_until 2 tx_above_zero "$ns0" "$pub2" || true
n0 "$ctl" set nt0 private-key "$tmp/k1"
nt_check "keepalive, key set later: sends within 2 s" \
	nt_wait_until 2 tx_above_zero "$ns0" "$pub2" || true
ip -n "$ns0" link del nt0

# --- low-order peer keys (netns.sh #22) -------------------------------------
# The 7 public keys netns.sh uses: points of small order on Curve25519 and
# non-canonical encodings of them. A handshake with any of them would give
# an all-zero shared secret, so none must ever start.
low_order=(
	AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
	AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
	4Ot6fDtBuK4WVuP68Z/EatoJjeucMrH9hmIFFl9JuAA=
	X5yVvKNQjCSx0LFVnIPvWwREXMRYHI6G2CJO3dCfEVc=
	7P///////////////////////////////////////38=
	7f///////////////////////////////////////38=
	7v///////////////////////////////////////38=
)
ip -n "$ns0" link add nt0 type "$kind"
n0 "$ctl" set nt0 private-key "$tmp/k1"

# Test that every one is accepted as a peer with keepalive 1.
for p in "${low_order[@]}"; do
	nt_check "low-order key $p accepted as a peer" \
		n0 "$ctl" set nt0 peer "$p" persistent-keepalive 1 endpoint 127.0.0.1:1111 || true
done
nt_check "low-order keys: 7 peers listed" \
	test "$(n0 "$ctl" show nt0 peers | wc -l)" = 7 || true

# Test that after link up nothing reaches a listener on the peers'
# endpoint within 2 s, and no bytes are counted as sent to any of them.
ip netns exec "$ns0" nc -4 -u -l -W 1 127.0.0.1 1111 >"$tmp/lo_rx" 2>/dev/null &
nc_pid=$!
nt_wait_until 5 nt_listening "$ns0" u 1111 || true
ip -n "$ns0" link set nt0 up
nt_check_fails "low-order keys: nothing reaches 127.0.0.1:1111 within 2 s" \
	nt_wait_until 2 nonempty "$tmp/lo_rx" || true
kill "$nc_pid" 2>/dev/null || true
wait "$nc_pid" 2>/dev/null || true
all_zero() {	# (captured first: a failing show must not read as all zero)
	local out
	out=$(n0 "$ctl" show nt0 transfer) || return 1
	[ "$(wc -l <<<"$out")" = 7 ] || { echo "$out"; return 1; }
	awk '$3 != 0 { print; bad = 1 } END { exit bad }' <<<"$out"
}
nt_check "low-order keys: tx_bytes 0 for all 7" all_zero || true
ip -n "$ns0" link del nt0

# --- lost handshake messages ------------------------------------------------
# handshake_time NS PUBKEY: the latest handshake with PUBKEY, unix seconds.
handshake_time() {
	ip netns exec "$1" "$ctl" show nt0 latest-handshakes | awk -v k="$2" '$1 == k { print $2 }'
}

# fresh_pair: new nt0 in ns1 and ns2 (container pattern), sockets in ns0,
# ns1 knows ns2's endpoint; no session yet.
fresh_pair() {
	local ns
	ip -n "$ns1" link del nt0 2>/dev/null || true
	ip -n "$ns2" link del nt0 2>/dev/null || true
	for ns in "$ns1" "$ns2"; do
		ip -n "$ns0" link add nt0 type "$kind"
		ip -n "$ns0" link set nt0 netns "$ns"
	done
	nt_pair_up --v4 "$ns1" "$ns2" "$tmp" "endpoint 127.0.0.1:2"
}

# rule_hits: packets the first rule of ns0's INPUT chain matched.
rule_hits() {
	n0 iptables -nvxL INPUT | awk 'NR == 3 { print $1 }'
}

attempts() {	# handshake attempts of ns1 toward ns2 (noisetun only)
	n1 tunctl show nt0 --json | sed -n 's/.*"handshake_attempts": \([0-9]*\).*/\1/p'
}

# lost_message SIZE NAME: ns0 drops the first outer IPv4 datagram of SIZE
# bytes (20 IP + 8 UDP + the message); a ping from ns1 must still get
# through once the initiation is retried REKEY_TIMEOUT (5 s, + up to
# 1/3 s jitter) later.
lost_message() {
	local size=$1 name=$2 t0 t1 ms
	fresh_pair
	# nth mode, packet 0 of every 1000000: only the first datagram of
	# that size matches (iptables starts the counter where packet 0
	# matches); the length match comes first, so only those datagrams
	# advance the counter.
	n0 iptables -I INPUT -p udp -m length --length "$size" \
		-m statistic --mode nth --every 1000000 --packet 0 -j DROP
	t0=$(date +%s%3N)
	nt_check "lost $name: the staged ping gets through after a retry" \
		n1 ping -c 1 -W 20 192.168.241.2 || true
	t1=$(date +%s%3N)
	ms=$((t1 - t0))
	nt_check "lost $name: exactly one $size-byte datagram was dropped" \
		test "$(rule_hits)" = 1 || true
	# At or after REKEY_TIMEOUT, and before a second retry could be due.
	nt_check "lost $name: the session came up after REKEY_TIMEOUT ($ms ms, want 5000..9999)" \
		test "$ms" -ge 5000 -a "$ms" -lt 10000 || true
	nt_check "lost $name: both sides record the handshake" \
		test "$(handshake_time "$ns1" "$pub2")" -gt 0 -a "$(handshake_time "$ns2" "$pub1")" -gt 0 || true
	if [ "$kind" = noisetun ]; then
		nt_check "lost $name: ns1 counted 2 handshake attempts" test "$(attempts)" = 2 || true
	else
		nt_skip_check "lost $name: ns1 counted 2 handshake attempts" \
			"wireguard does not count attempts"
	fi
	n0 iptables -D INPUT 1
}

if ! command -v iptables >/dev/null 2>&1; then
	nt_skip_check "lost handshake messages" "iptables is not in the VM"
elif ! n0 iptables -A INPUT -p udp -m length --length 176 \
	-m statistic --mode nth --every 2 --packet 1 -j DROP 2>"$tmp/ipt.err"; then
	nt_skip_check "lost handshake messages" \
		"iptables length/statistic matches unusable: $(head -n 1 "$tmp/ipt.err")"
else
	n0 iptables -F INPUT
	# Test that a lost initiation (148 + 28 = 176 bytes) is retried.
	lost_message 176 initiation
	# Test that a lost response (92 + 28 = 120 bytes) is retried too.
	lost_message 120 response
fi
ip -n "$ns1" link del nt0
ip -n "$ns2" link del nt0

# --- dst_cache vs netns (netns.sh #23) --------------------------------------
nt_netns_new "$ns3" "$ns4"
ip -n "$ns3" link add ntdc3 type "$kind"
ip -n "$ns4" link add ntdc4 type "$kind"
ip -n "$ns3" addr add fd00::1/112 dev ntdc3
ip -n "$ns4" addr add fd00::2/112 dev ntdc4
ip netns exec "$ns3" "$ctl" set ntdc3 private-key "$tmp/k1" listen-port 1 \
	peer "$pub2" allowed-ips fd00::2/128 endpoint "[fd00:aa::2]:2"
ip netns exec "$ns4" "$ctl" set ntdc4 private-key "$tmp/k2" listen-port 2 \
	peer "$pub1" allowed-ips fd00::1/128 endpoint "[fd00:aa::1]:1"
ip -n "$ns3" link add veth3 type veth peer name veth4 netns "$ns4"
ip netns exec "$ns3" sysctl -qw net.ipv6.conf.veth3.accept_dad=0
ip netns exec "$ns4" sysctl -qw net.ipv6.conf.veth4.accept_dad=0
ip -n "$ns3" addr add fd00:aa::1/64 dev veth3
ip -n "$ns4" addr add fd00:aa::2/64 dev veth4
ip -n "$ns3" link set veth3 up
ip -n "$ns4" link set veth4 up
ip -n "$ns3" link set ntdc3 up
ip -n "$ns4" link set ntdc4 up
ip -n "$ns3" -6 route add default dev veth3 via fd00:aa::2
ip -n "$ns4" -6 route add default dev veth4 via fd00:aa::1

# Test that the tunnel works over the IPv6 veth (which fills the cached
# routes), then that deleting both namespaces frees both devices: their
# "Interface destroyed" lines appear, and no "unregister_netdevice:
# waiting" line does (the kernel-health check watches for it too).
nt_check "dst_cache: ping6 over the IPv6 veth" ip netns exec "$ns3" ping -6 -c 1 -W 10 fd00::2 || true
both_destroyed() {	# noisetun logged the destruction of ntdc3 and ntdc4
	local log
	log=$(nt_kmsg)
	grep -q "ntdc3: Interface destroyed" <<<"$log" &&
		grep -q "ntdc4: Interface destroyed" <<<"$log"
}
no_unregister_wait() {
	local log
	log=$(nt_kmsg) || return 1
	! grep 'unregister_netdevice: waiting' <<<"$log"
}
ip netns delete "$ns3"
ip netns delete "$ns4"
if [ "$kind" = noisetun ]; then
	nt_check "dst_cache: both devices destroyed after their netns went" \
		nt_wait_until 15 both_destroyed || true
else
	nt_skip_check "dst_cache: both devices destroyed after their netns went" \
		"wireguard.ko logs object lifetimes only when built with debugging"
	sleep 2
fi
nt_check "dst_cache: no 'unregister_netdevice: waiting' in the kernel log" no_unregister_wait || true

# Every failed check is recorded above; the story went on past the
# independent ones.
[ "$NT_FAILED" -eq 0 ] || exit 1
