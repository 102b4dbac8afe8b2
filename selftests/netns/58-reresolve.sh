#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tunctl reresolve: a peer whose Endpoint is a name that moved gets the
# name's new address once its handshake is stale (older than 135 s, or
# none), and nothing else changes. The names live in ntra's own hosts
# file (/etc/netns/ntra-$$/hosts, which `ip netns exec` binds over
# /etc/hosts), edited as the test goes: b.test moves while B never had
# a handshake (B's old address disappears too, so only the new endpoint
# works), c.test moves while C's handshake is fresh (C keeps its
# endpoint; once the clock says the handshake is 60 s old it still does,
# at 200 s it moves), d.test stops resolving (reported with its line; the
# other peers are still updated). F is in the file but not on the device
# (not added again), G on the device but not in the file (untouched).
#
#   +------------------------------ ntra-$$ -------------------------------+
#   | ntA 10.58.9.1/24 :5891   peers: C c.test:5893  D d.test:5894         |
#   |                                 B b.test:5892  (F b.test:5896)  G    |
#   | veth1 192.168.160.1/24                  veth3 192.168.161.1/24       |
#   +------|----------------------------------------|----------------------+
#          |                                        |
#   +------|------ ntrb-$$ --------+   +------------|------ ntrc-$$ -------+
#   | veth2 192.168.160.2, then .12|   | veth4 192.168.161.2 and .12       |
#   | nt0 10.58.9.2/24 :5892 (B)   |   | nt0 10.58.9.3/24 :5893 (C)        |
#   +------------------------------+   +-----------------------------------+
#   (D's d.test was 192.168.161.4 and G's endpoint is 192.168.161.7:
#   nobody answers there)

set -e
source "$(dirname "$0")/../lib.sh"

nsa="ntra-$$"
nsb="ntrb-$$"
nsc="ntrc-$$"
hostsdir=/etc/netns/$nsa
nt_tmpdir

# The true time at the start: the clock is moved to age C's handshake.
nt_clock_mark
clock_moved=0
cleanup() {
	[ "$clock_moved" = 0 ] || nt_set_clock 0
	rm -rf "$hostsdir"
	nt_cleanup
}
trap cleanup EXIT

nt_kind noisetun ping date
nt_netns_new "$nsa" "$nsb" "$nsc"
a() { ip netns exec "$nsa" "$@"; }
nt_veth_link "$nsa" "$nsb" 192.168.160 veth1 veth2
nt_veth_link "$nsa" "$nsc" 192.168.161 veth3 veth4
ip -n "$nsc" addr add 192.168.161.12/24 dev veth4
nt_keys "$tmp" A B C D F G
(umask 077 && tunctl genpsk >"$tmp/psk")

# hosts B C D: ntra's names, the last octet of each (D: "-": none).
hosts() {
	mkdir -p "$hostsdir"
	{
		printf '127.0.0.1\tlocalhost\n'
		printf '192.168.160.%s\tb.test\n' "$1"
		printf '192.168.161.%s\tc.test\n' "$2"
		[ "$3" = - ] || printf '192.168.161.%s\td.test\n' "$3"
	} >"$hostsdir/hosts"
}
hosts 2 2 4

# B and C: A as their peer, never sending on their own.
for side in "B $nsb 2 192.168.160.1" "C $nsc 3 192.168.161.1"; do
	read -r n ns i ep <<<"$side"
	ip -n "$ns" link add nt0 type noisetun
	psk=()
	[ "$n" = C ] && psk=(preshared-key "$tmp/psk")
	ip netns exec "$ns" tunctl set nt0 private-key "$tmp/k$n" listen-port "589$i" \
		peer "$pubA" "${psk[@]}" allowed-ips 10.58.9.1/32 endpoint "$ep:5891"
	ip -n "$ns" addr add "10.58.9.$i/24" dev nt0
	ip -n "$ns" link set nt0 up
done

# A's wg-quick style file: the peers in the order C, D, B, F, so that
# peers after D's failure are seen to be updated.
conf=$tmp/ntA.conf
{
	echo "[Interface]"
	echo "PrivateKey = $(cat "$tmp/kA")"
	echo "ListenPort = 5891"
	echo "Address = 10.58.9.1/24"
	echo "Table = off"
	echo
	echo "[Peer]"
	echo "# C: a fresh handshake"
	echo "PublicKey = $pubC"
	echo "PresharedKey = $(cat "$tmp/psk")"
	echo "AllowedIPs = 10.58.9.3/32"
	echo "Endpoint = c.test:5893"
	echo
	echo "[Peer]"
	echo "# D: its name goes away"
	echo "PublicKey = $pubD"
	echo "AllowedIPs = 10.58.9.4/32"
	echo "Endpoint = d.test:5894"
	echo "PersistentKeepalive = 25"
	echo
	echo "[Peer]"
	echo "# B: no handshake yet"
	echo "PublicKey = $pubB"
	echo "AllowedIPs = 10.58.9.2/32"
	echo "Endpoint = b.test:5892"
	echo
	echo "[Peer]"
	echo "# F: removed from the device after up"
	echo "PublicKey = $pubF"
	echo "AllowedIPs = 10.58.9.6/32"
	echo "Endpoint = b.test:5896"
} >"$conf"
chmod 600 "$conf"
d_line=$(grep -n 'Endpoint = d.test' "$conf" | cut -d: -f1)

ping_a() { a ping -c1 -W1 "$1" >/dev/null; }
handshake_of() {	# handshake_of PUBKEY: ntA's latest handshake with it
	a tunctl show ntA latest-handshakes | awk -v k="$1" '$1 == k { print $2 }'
}
has_handshake() { [ "$(handshake_of "$1")" != 0 ]; }
endpoint_is() {	# endpoint_is PUBKEY WANT
	local got
	got=$(a tunctl show ntA endpoints | awk -v k="$1" '$1 == k { print $2 }')
	[ "$got" = "$2" ] && return 0
	printf 'expected: %s\ngot:      %s\n' "$2" "$got"
	return 1
}
# reresolve: run it, keeping its status, stdout and stderr.
reresolve() {
	rc=0
	a tunctl reresolve ntA "$conf" >"$tmp/out" 2>"$tmp/err" || rc=$?
	nt_diag "tunctl reresolve: status $rc"
	sed 's/^/#   out: /' "$tmp/out"
	sed 's/^/#   err: /' "$tmp/err"
}
# showconf_with_endpoint PUBKEY ENDPOINT: the showconf of before with
# that peer's endpoint replaced.
showconf_with_endpoint() {
	awk -v k="$1" -v e="$2" '
		/^PublicKey = / { mine = ($3 == k) }
		/^\[/ { mine = 0 }
		mine && /^Endpoint = / { $0 = "Endpoint = " e }
		{ print }' <<<"$before"
}

nt_check "tunctl up resolves the names of the file (ntra's hosts)" a tunctl up "$conf"
a tunctl set ntA peer "$pubF" remove
a tunctl set ntA peer "$pubG" allowed-ips 10.58.9.7/32 endpoint 192.168.161.7:5897
nt_check "C's endpoint is c.test's address" endpoint_is "$pubC" 192.168.161.2:5893
nt_check "ping C: a handshake with C" nt_wait_until 20 ping_a 10.58.9.3
nt_check "C has a handshake" has_handshake "$pubC"
# Test that B never had one (so it is stale at once).
nt_check "B never had a handshake" nt_is 0 handshake_of "$pubB"

# The names move: b.test to .12 (and B with it), c.test to .12; d.test goes.
hosts 12 12 -
ip -n "$nsb" addr del 192.168.160.2/24 dev veth2
ip -n "$nsb" addr add 192.168.160.12/24 dev veth2
before=$(a tunctl showconf ntA)
reresolve

# Test that an unresolvable name is reported with its line and name, and fails the run.
nt_check "exit status 1: d.test does not resolve" test "$rc" = 1
nt_check "the error names the file's line $d_line and d.test" \
	grep -q "ntA.conf:$d_line: .*cannot resolve 'd.test'" "$tmp/err"
nt_check "the error says D keeps its endpoint" \
	grep -qF "peer $pubD keeps its endpoint 192.168.161.4:5894" "$tmp/err"
# Test that B, after D in the file, was updated all the same, and said so.
nt_check "B's endpoint is b.test's new address" endpoint_is "$pubB" 192.168.160.12:5892
nt_check "the one change is printed" \
	nt_is "peer $pubB: endpoint 192.168.160.2:5892 -> 192.168.160.12:5892 (b.test:5892)" cat "$tmp/out"
# Test that C (fresh), D (failed), F (not on the device) and G (not in the file) are untouched, and nothing else changed.
nt_check "showconf: only B's endpoint changed" \
	nt_is "$(showconf_with_endpoint "$pubB" 192.168.160.12:5892)" a tunctl showconf ntA
nt_check "F was not added" bash -c "! ip netns exec $nsa tunctl show ntA peers | grep -qF -- '$pubF'"
# Test that the new endpoint works: B is reached at its new address.
nt_check "ping B at its new address" nt_wait_until 20 ping_a 10.58.9.2
nt_check "B has a handshake" has_handshake "$pubB"

# Test that C's handshake at 60 s old is still fresh: nothing changes.
clock_moved=1
nt_set_clock 60
before=$(a tunctl showconf ntA)
reresolve
nt_check "clock +60 s: only D's failure" test "$rc" = 1
nt_check "clock +60 s: no change printed" nt_is "" cat "$tmp/out"
nt_check "clock +60 s: showconf unchanged" nt_is "$before" a tunctl showconf ntA

# Test that at 200 s old it is stale: C moves; B (stale too) resolves to where it is.
nt_set_clock 200
reresolve
nt_check "clock +200 s: C is moved, and only C" \
	nt_is "peer $pubC: endpoint 192.168.161.2:5893 -> 192.168.161.12:5893 (c.test:5893)" cat "$tmp/out"
nt_check "clock +200 s: showconf: only C's endpoint changed" \
	nt_is "$(showconf_with_endpoint "$pubC" 192.168.161.12:5893)" a tunctl showconf ntA
nt_set_clock 0
clock_moved=0

# Test that with every name resolving again, the run succeeds.
hosts 12 12 4
reresolve
nt_check "d.test back: exit status 0" test "$rc" = 0
nt_check "nothing moved (D's endpoint is d.test's address already)" nt_is "" cat "$tmp/out"

# Test that a missing file and a missing device are refused, naming them.
nt_check "a missing file is refused, naming it" \
	nt_fails_saying "cannot open configuration file '$tmp/none.conf'" a tunctl reresolve ntA "$tmp/none.conf"
nt_check "a missing device is refused, naming it" nt_fails_saying "ntZ" a tunctl reresolve ntZ "$conf"
nt_check "tunctl down" a tunctl down "$conf"
