#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 420
#
# The data path's two ChaCha20-Poly1305 implementations (crypto/aead_sg.c):
# the module loaded with aead=library and then aead=portable must each
# carry traffic to and from the in-tree wireguard module (which always
# runs the library's): pings of payload lengths from 0 to 1392 bytes,
# so that messages end at every offset of a ChaCha20 block and a
# Poly1305 block that padding leaves, and a TCP flow each way
# (segmented batches). Then
# aead=bogus is refused with the reason, and the default (auto) loads
# again, saying what it chose and why. On a kernel whose library exports
# no portable ChaCha20 and Poly1305 (7.2), aead=portable must be refused
# with the reason and auto must say it runs the library's, untimed.
#
#   +-------- ntae1-$$ --------+          +-------- ntae2-$$ --------+
#   | nt0 (noisetun) 10.43.0.1 |          | wg0 (wireguard) 10.43.0.2|
#   | veth1 192.168.43.1 ------+----------+------ veth2 192.168.43.2 |
#   +--------------------------+          +--------------------------+

set -e
source "$(dirname "$0")/../lib.sh"

ns1="ntae1-$$"
ns2="ntae2-$$"
nt_tmpdir
nt_require tunctl wg ping iperf3
modprobe wireguard 2>/dev/null || nt_skip "the in-tree wireguard module does not load"
nt_load_module
nt_require_reload_with aead

nt_netns_new "$ns1" "$ns2"
nt_veth_link "$ns1" "$ns2" 192.168.43
nt_keys "$tmp" 1 2
ip -n "$ns2" link add wg0 type wireguard
ip netns exec "$ns2" wg set wg0 private-key "$tmp/k2" listen-port 4302 \
	peer "$pub1" allowed-ips 10.43.0.1/32 endpoint 192.168.43.1:4301
ip -n "$ns2" addr add 10.43.0.2/24 dev wg0
ip -n "$ns2" link set wg0 up
nt_bg ip netns exec "$ns2" iperf3 -s -B 10.43.0.2
nt_wait_until 10 nt_listening "$ns2" t 5201

# the_choice: what the last load logged about its AEAD.
the_choice() {
	nt_kmsg | sed -n 's/.*data-path ChaCha20-Poly1305: //p' | tail -n 1
}

# the_lengths: ping payload lengths: every one up to 80 and from 1300 to
# 1392 (inner packets up to the 1420-byte MTU, where padding stops at the
# MTU and messages end anywhere in a block), every 13th between (padded
# to 16 bytes: each offset of a 64-byte block, many times over). Every
# length at all is the self-test's (crypto/selftest/aead_sg.c).
the_lengths() {
	seq 0 80
	seq 93 13 1299
	seq 1300 1392
}

# every_length: a ping of each of the_lengths from ns1 to ns2 is answered.
every_length() {
	local s lost=
	for s in $(the_lengths); do
		ip netns exec "$ns1" ping -n -c 1 -W 2 -s "$s" 10.43.0.2 >/dev/null 2>&1 ||
			ip netns exec "$ns1" ping -n -c 1 -W 2 -s "$s" 10.43.0.2 >/dev/null 2>&1 ||
			lost+=" $s"
	done
	[ -z "$lost" ] || { echo "no answer with payloads of:$lost"; return 1; }
}

# auth_fails: nt0's data messages that did not authenticate.
auth_fails() {
	ip netns exec "$ns1" tunctl show --json nt0 | tr -d ' \n' |
		grep -o '"auth_fail":[0-9]*' | head -n 1 | cut -d: -f2 | grep . || echo 0
}

# tcp_both_ways: one second of TCP each way (iperf3 and its -R).
tcp_both_ways() {
	ip netns exec "$ns1" iperf3 -c 10.43.0.2 -t 1 >/dev/null &&
		ip netns exec "$ns1" iperf3 -c 10.43.0.2 -t 1 -R >/dev/null
}

# Whether this build has the portable implementation: auto then times
# both; without it, auto says only "library (aead=auto)".
nt_check "the default (auto) loads" nt_reload_module
portable_built=1
[ "$(the_choice)" != "library (aead=auto)" ] || portable_built=0
# The 6.x kernels we support (6.1, 6.12) export the portable ChaCha20 and
# Poly1305 the portable AEAD is built on (Documentation/kernels.md): there
# a build without it is a fault, not a skip. 7.2 exports neither.
case $(uname -r) in
6.*) nt_check "the portable AEAD is built on $(uname -r)" \
	test "$portable_built" = 1 || true ;;
esac

for impl in library portable; do
	if [ "$impl" = portable ] && [ "$portable_built" = 0 ]; then
		# Test that a kernel without it refuses aead=portable, saying why.
		nt_check "aead=portable is refused on this kernel" \
			nt_fails_saying "Invalid argument" nt_reload_module aead=portable || true
		nt_check "aead=portable: the log says the kernel lacks it" \
			eval "nt_kmsg | grep -qF 'aead=portable: this kernel'\''s library does not export'" || true
		nt_skip_check "aead=portable carries traffic to wireguard.ko" \
			"this kernel's library exports no portable ChaCha20 and Poly1305"
		continue
	fi
	# Test that the module loads with this implementation and says so.
	nt_check "aead=$impl: the module loads" nt_reload_module aead="$impl"
	nt_check "aead=$impl: the parameter reads $impl" \
		nt_is "$impl" cat /sys/module/noisetun/parameters/aead || true
	nt_check "aead=$impl: the log names it" nt_is "$impl (aead=$impl)" the_choice || true
	ip -n "$ns1" link add nt0 type noisetun
	ip netns exec "$ns1" tunctl set nt0 private-key "$tmp/k1" listen-port 4301 \
		peer "$pub2" allowed-ips 10.43.0.2/32 endpoint 192.168.43.2:4302
	ip -n "$ns1" addr add 10.43.0.1/24 dev nt0
	ip -n "$ns1" link set nt0 up
	# Test that wireguard.ko opens what this implementation seals, and back.
	nt_check "aead=$impl: the tunnel to wireguard.ko comes up" \
		nt_wait_until 15 ip netns exec "$ns1" ping -n -c 1 -W 1 10.43.0.2 || true
	nt_check "aead=$impl: pings of $(the_lengths | wc -l) lengths from 0 to 1392 answered" every_length || true
	nt_check "aead=$impl: TCP both ways" tcp_both_ways || true
	nt_check "aead=$impl: no message failed to open (auth_fail drops 0)" \
		nt_is 0 auth_fails || true
	ip -n "$ns1" link del nt0
done

# Test that a value the module does not know is refused, with the reason.
nt_check "aead=bogus is refused" nt_fails_saying "Invalid argument" nt_reload_module aead=bogus || true
nt_check "aead=bogus: the log says what is allowed" \
	eval "nt_kmsg | grep -qF 'aead=bogus: not one of auto, library, portable'" || true

# Test that the default loads again and tells its choice (with both
# timings where there is a choice).
nt_check "aead=auto (the default) loads" eval "modprobe noisetun || nt_reload_module" || true
if [ "$portable_built" = 1 ]; then
	nt_check "aead=auto: the log gives the choice and both timings" \
		eval "the_choice | grep -E '^(library|portable) \\(per 1420-byte message: library [0-9]+ ns, portable [0-9]+ ns\\)'" || true
else
	nt_check "aead=auto: the log says the library's, untimed" \
		nt_is "library (aead=auto)" the_choice || true
fi

[ "$NT_FAILED" = 0 ]
