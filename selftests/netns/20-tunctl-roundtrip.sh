#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every attribute set with `tunctl set` reads back through `tunctl show`
# (each field form) and `tunctl showconf`, and the showconf text applied
# with `tunctl setconf` to a second device reads back identical.
#
#   +------- ntrt1-$$ -------+    +------- ntrt2-$$ -------+
#   |  nt0 (set word by word) |    |  nt0 (setconf of the   |
#   |                         |    |   first one's showconf)|
#   +-------------------------+    +-------------------------+

set -e
source "$(dirname "$0")/../lib.sh"

ns1="ntrt1-$$"
ns2="ntrt2-$$"
nt_tmpdir

nt_kind noisetun
nt_netns_new "$ns1" "$ns2"
ip -n "$ns1" link add nt0 type noisetun
ip -n "$ns2" link add nt0 type noisetun

t1() { ip netns exec "$ns1" tunctl "$@"; }
t2() { ip netns exec "$ns2" tunctl "$@"; }

umask 077
priv=$(tunctl genkey)
pub=$(printf '%s\n' "$priv" | tunctl pubkey)
printf '%s\n' "$priv" > "$tmp/priv"
psk=$(tunctl genpsk)
printf '%s\n' "$psk" > "$tmp/psk"
peer1=$(tunctl genkey | tunctl pubkey)
peer2=$(tunctl genkey | tunctl pubkey)
peer3=$(tunctl genkey | tunctl pubkey)

# Test that a fresh device shows nothing configured, in wg's words.
nt_check "fresh device: dump line" nt_is "$(printf '(none)\t(none)\t0\toff')" t1 show nt0 dump
nt_check "fresh device: showconf" nt_is "$(printf '[Interface]\n')" t1 showconf nt0

# Test that the device attributes round-trip.
nt_check "set listen-port, fwmark, private-key" \
	t1 set nt0 listen-port 51820 fwmark 0x2a private-key "$tmp/priv"
nt_check "listen-port reads back" nt_is 51820 t1 show nt0 listen-port
nt_check "fwmark reads back in hex" nt_is 0x2a t1 show nt0 fwmark
nt_check "private-key reads back" nt_is "$priv" t1 show nt0 private-key
nt_check "public-key is derived from it" nt_is "$pub" t1 show nt0 public-key

# Test that the peer attributes round-trip.
nt_check "set three peers with every attribute" \
	t1 set nt0 peer "$peer1" preshared-key "$tmp/psk" endpoint 192.0.2.1:51821 \
		persistent-keepalive 25 allowed-ips 10.1.0.0/16,192.0.2.128/25 \
		peer "$peer2" endpoint '[2001:db8::2]:4500' allowed-ips fd00::/64,fd01::1 \
		peer "$peer3"
nt_check "peers read back" nt_is "$(printf '%s\n' "$peer1" "$peer2" "$peer3")" t1 show nt0 peers
nt_check "preshared-keys read back" \
	nt_is "$(printf '%s\t%s\n%s\t(none)\n%s\t(none)' "$peer1" "$psk" "$peer2" "$peer3")" \
	t1 show nt0 preshared-keys
nt_check "endpoints read back" \
	nt_is "$(printf '%s\t192.0.2.1:51821\n%s\t[2001:db8::2]:4500\n%s\t(none)' "$peer1" "$peer2" "$peer3")" \
	t1 show nt0 endpoints
nt_check "persistent-keepalive reads back" \
	nt_is "$(printf '%s\t25\n%s\toff\n%s\toff' "$peer1" "$peer2" "$peer3")" \
	t1 show nt0 persistent-keepalive
# The kernel may list a peer's ranges in its own order: compare as sets.
ips_of() { t1 show nt0 allowed-ips | awk -v k="$1" '$1 == k { $1 = ""; print }' | tr ' ' '\n' | sed '/^$/d' | sort | tr '\n' ' '; }
nt_check "allowed-ips of peer 1" nt_is "10.1.0.0/16 192.0.2.128/25 " ips_of "$peer1"
nt_check "allowed-ips of peer 2 (no mask means /128)" nt_is "fd00::/64 fd01::1/128 " ips_of "$peer2"
nt_check "allowed-ips of peer 3" nt_is "(none) " ips_of "$peer3"
nt_check "latest-handshakes are 0 (never)" \
	nt_is "$(printf '%s\t0\n%s\t0\n%s\t0' "$peer1" "$peer2" "$peer3")" t1 show nt0 latest-handshakes
nt_check "transfer is 0 0" \
	nt_is "$(printf '%s\t0\t0\n%s\t0\t0\n%s\t0\t0' "$peer1" "$peer2" "$peer3")" t1 show nt0 transfer

# Test that showconf carries everything: applied to another device it
# reads back byte for byte.
t1 showconf nt0 > "$tmp/conf"
nt_diag "showconf: $(wc -l < "$tmp/conf") lines"
nt_check "showconf names every attribute" \
	grep -q -e "^ListenPort = 51820$" -e "^FwMark = 0x2a$" "$tmp/conf"
nt_check "showconf has the private key" grep -qxF "PrivateKey = $priv" "$tmp/conf"
nt_check "showconf has the preshared key" grep -qxF "PresharedKey = $psk" "$tmp/conf"
nt_check "showconf has the keepalive" grep -qx "PersistentKeepalive = 25" "$tmp/conf"
nt_check "setconf of the showconf text on a second device" t2 setconf nt0 "$tmp/conf"
nt_check "second device's showconf is byte-identical" nt_is "$(cat "$tmp/conf")" t2 showconf nt0
nt_check "second device's dump is identical" nt_is "$(t1 show nt0 dump)" t2 show nt0 dump

# Test that each attribute can be cleared again, as with wg.
nt_check "clear psk, keepalive, allowed IPs; remove a peer" \
	t1 set nt0 peer "$peer1" preshared-key /dev/null persistent-keepalive off allowed-ips "" \
		peer "$peer3" remove
nt_check "psk reads back (none)" \
	nt_is "$(printf '%s\t(none)\n%s\t(none)' "$peer1" "$peer2")" t1 show nt0 preshared-keys
nt_check "keepalive reads back off" \
	nt_is "$(printf '%s\toff\n%s\toff' "$peer1" "$peer2")" t1 show nt0 persistent-keepalive
nt_check "allowed IPs read back (none)" nt_is "(none) " ips_of "$peer1"
nt_check "incremental allowed-ips: +add and -remove" \
	t1 set nt0 peer "$peer2" allowed-ips +10.9.0.0/16,-fd01::1/128
nt_check "allowed IPs after the change" nt_is "10.9.0.0/16 fd00::/64 " ips_of "$peer2"
nt_check "fwmark off, port 0 and private-key /dev/null" \
	t1 set nt0 fwmark off listen-port 0 private-key /dev/null
nt_check "fwmark reads back off" nt_is off t1 show nt0 fwmark
nt_check "private key reads back (none)" nt_is "(none)" t1 show nt0 private-key
nt_check "public key reads back (none)" nt_is "(none)" t1 show nt0 public-key
# (The device is down: like wg, no socket is bound, so 0 reads back.)
nt_check "listen-port 0 reads back 0 while the device is down" nt_is 0 t1 show nt0 listen-port

# Test that the JSON document holds the device (python3 is not in the VM:
# check the keys that must be there).
json=$(t1 show nt0 --json)
nt_check "--json has the interface and its peers" \
	grep -q -e '"name": "nt0"' <<<"$json"
nt_check "--json lists peer 2's public key" grep -qF "\"public_key\": \"$peer2\"" <<<"$json"
nt_check "--json has drop counters" grep -q '"source_not_allowed":' <<<"$json"

# Test that show interfaces lists the device.
nt_check "show interfaces" nt_is nt0 t1 show interfaces
