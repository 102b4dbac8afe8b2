#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 600
#
# Differential test against wg(8) and the in-tree wireguard module: the
# same configuration applied with `wg setconf` to wg0 and with
# `tunctl setconf` to nt0 must read back byte for byte the same through
# every `show IFACE FIELD` form, the human `show` (plain, and coloured
# with WG_COLOR_MODE=always), `showconf` and `show all dump`, once the
# interface name is replaced. On fresh devices
# handshakes are never and transfers are zero on both sides, so those
# fields must match exactly too.
#
#   +--------- ntdw-$$ ---------+    +--------- ntdn-$$ ---------+
#   |  wg0 (wireguard)           |    |  nt0 (noisetun)           |
#   |  wg setconf wg0 FILE       |    |  tunctl setconf nt0 FILE  |
#   +----------------------------+    +---------------------------+
# (two namespaces so that both may bind the same ListenPort)

set -e
source "$(dirname "$0")/../lib.sh"

nsw="ntdw-$$"
nsn="ntdn-$$"
nt_tmpdir

nt_kind noisetun wg cmp diff sed
modprobe wireguard 2>/dev/null || nt_skip "the in-tree wireguard module does not load"
nt_netns_new "$nsw" "$nsn"
ip -n "$nsw" link add wg0 type wireguard
ip -n "$nsn" link add nt0 type noisetun

TAB=$(printf '\t')
FIELDS="public-key private-key listen-port fwmark peers preshared-keys endpoints allowed-ips latest-handshakes persistent-keepalive transfer dump"

# snapshot NS TOOL DEV DIR: every show form of DEV into DIR, one file
# each, ending with the exit status. One `ip netns exec` per side and
# stage keeps this quick under TCG.
snapshot() {
	mkdir -p "$4"
	ip netns exec "$1" env WG_COLOR_MODE=never FIELDS="$FIELDS" bash -c '
		tool=$1 dev=$2 out=$3
		run() { local f=$1; shift; "$@" > "$out/$f" 2>&1; echo "exit $?" >> "$out/$f"; }
		for f in $FIELDS; do run "$f" "$tool" show "$dev" "$f"; done
		run show "$tool" show "$dev"
		run hidden env WG_HIDE_KEYS=never "$tool" show "$dev"
		run color env WG_COLOR_MODE=always "$tool" show "$dev"
		run color-all env WG_COLOR_MODE=always "$tool" show all
		run showconf "$tool" showconf "$dev"
		for f in dump peers allowed-ips; do run "all-$f" "$tool" show all "$f"; done
		run interfaces "$tool" show interfaces
	' _ "$2" "$3" "$4"
	# Rename only where a name stands, never inside a base64 key.
	if [ "$2" = wg ]; then
		for f in "$4"/*; do
			sed -i -e "s/^wg0$TAB/nt0$TAB/" -e 's/^interface: wg0$/interface: nt0/' \
			    -e 's/^wg0$/nt0/' "$f"
		done
		# Coloured, the name sits between escape sequences on the
		# line that says "interface" (and nowhere else).
		for f in "$4"/color "$4"/color-all; do
			sed -i -e '/interface/ s/wg0/nt0/' "$f"
		done
	fi
}

# same FILE: the wg and tunctl snapshots of FILE are identical.
same() {
	cmp -s "$tmp/w/$1" "$tmp/n/$1" && return 0
	echo "$1 differs (< wg, > tunctl)"
	diff "$tmp/w/$1" "$tmp/n/$1" | head -n 30
	return 1
}

# compare STAGE: every form, on both devices.
compare() {
	local f
	rm -rf "$tmp/w" "$tmp/n"
	snapshot "$nsw" wg wg0 "$tmp/w"
	snapshot "$nsn" tunctl nt0 "$tmp/n"
	for f in $FIELDS; do
		nt_check "$1: show IFACE $f matches wg" same "$f" || true
	done
	nt_check "$1: human show matches wg" same show || true
	nt_check "$1: human show with WG_HIDE_KEYS=never matches wg" same hidden || true
	nt_check "$1: coloured show (WG_COLOR_MODE=always) matches wg" same color || true
	nt_check "$1: coloured show all matches wg" same color-all || true
	nt_check "$1: the coloured show has colours" grep -q $'\e\\[' "$tmp/n/color" || true
	nt_check "$1: showconf matches wg" same showconf || true
	for f in dump peers allowed-ips; do
		nt_check "$1: show all $f matches wg" same "all-$f" || true
	done
	nt_check "$1: show interfaces matches wg" same interfaces || true
}

# Test that fresh devices read the same.
compare "fresh"

umask 077
k() { wg genkey; }
pubof() { printf '%s\n' "$1" | wg pubkey; }
priv=$(k)
p1=$(pubof "$(k)"); p2=$(pubof "$(k)"); p3=$(pubof "$(k)"); p4=$(pubof "$(k)")
psk1=$(wg genpsk); psk3=$(wg genpsk)

cat > "$tmp/a.conf" <<CONF
[Interface]
PrivateKey = $priv
ListenPort = 51820
FwMark = 0x1234

[Peer]
PublicKey = $p1
PresharedKey = $psk1
AllowedIPs = 10.0.1.0/24, fd00:1::/64
Endpoint = 192.0.2.1:51820
PersistentKeepalive = 25

[Peer]
PublicKey = $p2
AllowedIPs = 10.0.2.1/32
Endpoint = [2001:db8::2]:4500

[Peer]
PublicKey = $p3
PresharedKey = $psk3
AllowedIPs = 0.0.0.0/0, ::/0
PersistentKeepalive = 65535

[Peer]
PublicKey = $p4
CONF

# Test that the same file gives the same view on both (secrets shown
# with WG_HIDE_KEYS=never included).
nt_check "wg setconf wg0" ip netns exec "$nsw" wg setconf wg0 "$tmp/a.conf"
nt_check "tunctl setconf nt0" ip netns exec "$nsn" tunctl setconf nt0 "$tmp/a.conf"
compare "setconf"

# Test that the same `set` line gives the same view.
nt_check "wg set" ip netns exec "$nsw" wg set wg0 fwmark 0 listen-port 4000 \
	peer "$p2" remove peer "$p1" allowed-ips 10.7.0.0/16 persistent-keepalive 0 \
	peer "$p4" endpoint 198.51.100.9:9
nt_check "tunctl set" ip netns exec "$nsn" tunctl set nt0 fwmark 0 listen-port 4000 \
	peer "$p2" remove peer "$p1" allowed-ips 10.7.0.0/16 persistent-keepalive 0 \
	peer "$p4" endpoint 198.51.100.9:9
compare "set"

# Test that addconf and syncconf end in the same state as with wg.
cat > "$tmp/b.conf" <<CONF
[Peer]
PublicKey = $p2
AllowedIPs = 10.0.2.0/24
CONF
cat > "$tmp/c.conf" <<CONF
[Interface]
PrivateKey = $priv
ListenPort = 4000

[Peer]
PublicKey = $p1
PresharedKey = $psk1
AllowedIPs = 10.0.1.0/24

[Peer]
PublicKey = $p2
CONF
# (p1 keeps its preshared key in c.conf: wg 1.0.20210914, Debian 12's,
# leaves a preshared key the file omits in place on syncconf, which later
# wg releases and tunctl reset, as setconf would. 20-tunctl-confsync
# checks tunctl's behaviour.)
for cmd in addconf:b syncconf:c setconf:b; do
	nt_check "wg ${cmd%:*}" ip netns exec "$nsw" wg "${cmd%:*}" wg0 "$tmp/${cmd#*:}.conf"
	nt_check "tunctl ${cmd%:*}" ip netns exec "$nsn" tunctl "${cmd%:*}" nt0 "$tmp/${cmd#*:}.conf"
	compare "${cmd%:*}"
done

# Test that setconf forgets state of the peers it keeps, as wg's does
# (wg replaces the whole peer set, so an endpoint the file does not name
# is gone afterwards).
nt_check "wg set an endpoint, then setconf" ip netns exec "$nsw" sh -c \
	"wg set wg0 peer $p2 endpoint 192.0.2.99:99 && wg setconf wg0 $tmp/b.conf"
nt_check "tunctl set an endpoint, then setconf" ip netns exec "$nsn" sh -c \
	"tunctl set nt0 peer $p2 endpoint 192.0.2.99:99 && tunctl setconf nt0 $tmp/b.conf"
compare "setconf after set"

[ "$NT_FAILED" -eq 0 ]
