#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# setconf, addconf and syncconf semantics, as wg(8) defines them:
#  - setconf: the file is the whole configuration (what it leaves out is
#    reset: no private key, port 0, only its peers);
#  - addconf: the file's peers and settings are added to what is there;
#  - syncconf: ends like setconf, but peers kept by the file are updated
#    in place and keep their state (here: an endpoint the file does not
#    name), peers missing from it are removed one by one.
#
#   +------------- ntcs-$$ -------------+
#   |  nt0 (noisetun), peers p1..p4      |
#   +------------------------------------+

set -e
source "$(dirname "$0")/../lib.sh"

ns="ntcs-$$"
nt_tmpdir

nt_kind noisetun
nt_device_ns "$ns"
is() { [ "$1" = "$2" ] || { printf 'expected:\n%s\ngot:\n%s\n' "$1" "$2"; return 1; }; }
# show WORDS...: `tunctl show nt0 WORDS`, or a line saying it failed,
# which no expected value matches (its output is captured, not piped, so
# that an empty answer from a failing tunctl cannot pass for "no peers").
show() {
	local out
	out=$(t show nt0 "$@") || { echo "(tunctl show nt0 $* failed)"; return 1; }
	[ -z "$out" ] || printf '%s\n' "$out"
}
peers() { show peers | sort | tr '\n' ' '; }
keys() { printf '%s\n' "$@" | sort | tr '\n' ' '; }
field_of() { show "$1" | awk -v k="$2" '$1 == k || /failed\)$/ { $1 = ""; sub(/^ /, ""); print }'; }

umask 077
priv=$(tunctl genkey)
pub=$(printf '%s\n' "$priv" | tunctl pubkey)
psk=$(tunctl genpsk)
p1=$(tunctl genkey | tunctl pubkey)
p2=$(tunctl genkey | tunctl pubkey)
p3=$(tunctl genkey | tunctl pubkey)
p4=$(tunctl genkey | tunctl pubkey)

cat > "$tmp/a.conf" <<CONF
[Interface]
PrivateKey = $priv
ListenPort = 51820

[Peer]
PublicKey = $p1
PresharedKey = $psk
PersistentKeepalive = 25
AllowedIPs = 10.0.1.0/24

[Peer]
PublicKey = $p2
AllowedIPs = 10.0.2.0/24
CONF
printf '[Peer]\nPublicKey = %s\nAllowedIPs = 10.0.3.0/24\n' "$p3" > "$tmp/b.conf"
printf '[Interface]\nListenPort = 4000\n' > "$tmp/port.conf"
cat > "$tmp/c.conf" <<CONF
[Interface]
ListenPort = 4000
PrivateKey = $priv

[Peer]
PublicKey = $p1
AllowedIPs = 10.0.1.0/24, 10.0.11.0/24

[Peer]
PublicKey = $p3
AllowedIPs = 10.0.3.0/24

[Peer]
PublicKey = $p4
CONF

# Test that setconf installs exactly the file.
nt_check "setconf a.conf" t setconf nt0 "$tmp/a.conf"
nt_check "peers are p1 p2" is "$(keys "$p1" "$p2")" "$(peers)"
nt_check "port is 51820" is 51820 "$(t show nt0 listen-port)"
nt_check "public key is the file's" is "$pub" "$(t show nt0 public-key)"
nt_check "give p1 and p2 endpoints (state the files do not name)" \
	t set nt0 peer "$p1" endpoint 192.0.2.1:1 peer "$p2" endpoint 192.0.2.2:2

# Test that addconf adds and leaves the rest alone.
nt_check "addconf b.conf" t addconf nt0 "$tmp/b.conf"
nt_check "peers are p1 p2 p3" is "$(keys "$p1" "$p2" "$p3")" "$(peers)"
nt_check "addconf kept the private key" is "$pub" "$(t show nt0 public-key)"
nt_check "addconf kept the port" is 51820 "$(t show nt0 listen-port)"
nt_check "addconf kept p1's endpoint" is 192.0.2.1:1 "$(field_of endpoints "$p1")"
nt_check "addconf of only [Interface] ListenPort" t addconf nt0 "$tmp/port.conf"
nt_check "port is now 4000" is 4000 "$(t show nt0 listen-port)"
nt_check "and the key and peers stayed" is "$pub $(keys "$p1" "$p2" "$p3")" "$(t show nt0 public-key) $(peers)"
printf '[Peer]\nPublicKey = %s\nAllowedIPs = 10.0.33.0/24\n' "$p3" > "$tmp/b2.conf"
nt_check "addconf of a known peer" t addconf nt0 "$tmp/b2.conf"
nt_check "replaces that peer's allowed IPs" is 10.0.33.0/24 "$(field_of allowed-ips "$p3")"

# Test that syncconf removes p2, adds p4, and updates p1 in place.
nt_check "syncconf c.conf" t syncconf nt0 "$tmp/c.conf"
nt_check "peers are p1 p3 p4" is "$(keys "$p1" "$p3" "$p4")" "$(peers)"
nt_check "p1 kept its endpoint (updated, not re-created)" is 192.0.2.1:1 "$(field_of endpoints "$p1")"
nt_check "p1's preshared key is gone (the file has none)" is "(none)" "$(field_of preshared-keys "$p1")"
nt_check "p1's keepalive is off (the file has none)" is off "$(field_of persistent-keepalive "$p1")"
nt_check "p1's allowed IPs are the file's" \
	is "10.0.1.0/24 10.0.11.0/24" "$(field_of allowed-ips "$p1" | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')"
nt_check "p3's allowed IPs are the file's" is 10.0.3.0/24 "$(field_of allowed-ips "$p3")"
nt_check "key and port as in the file" is "$pub 4000" "$(t show nt0 public-key) $(t show nt0 listen-port)"

# Test that syncconf of the same file changes nothing.
before=$(t showconf nt0)
nt_check "syncconf c.conf again" t syncconf nt0 "$tmp/c.conf"
nt_check "showconf is unchanged" is "$before" "$(t showconf nt0)"

# Test that setconf resets what the file leaves out.
nt_check "setconf b.conf (no [Interface])" t setconf nt0 "$tmp/b.conf"
nt_check "only p3 is left" is "$(keys "$p3")" "$(peers)"
nt_check "the private key is gone" is "(none)" "$(t show nt0 private-key)"
nt_check "the port is 0 again (device down)" is 0 "$(t show nt0 listen-port)"

# Test that syncconf of a file without peers removes them all.
printf '[Interface]\nPrivateKey = %s\n' "$priv" > "$tmp/nopeers.conf"
nt_check "syncconf of a file without peers" t syncconf nt0 "$tmp/nopeers.conf"
nt_check "no peers are left" is "" "$(peers)"
nt_check "the key is back" is "$pub" "$(t show nt0 public-key)"
