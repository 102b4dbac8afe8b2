#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What a valid SET does, attribute by attribute, with WireGuard's meanings:
# peer attributes round-trip (psk, IPv4 and IPv6 endpoints, keepalive,
# allowed IPs); UPDATE_ONLY, REMOVE_ME, REPLACE_ALLOWEDIPS, the per-range
# REMOVE_ME, REPLACE_PEERS (removes every peer first, then adds the listed
# ones); a range moves to the peer that claims it last; a new private key
# displaces the peer that has its public key, and that peer cannot be
# added back (netns.sh #21); one request may name a peer twice.
#
#   +------------- ntset-$$ -------------+
#   |  nt0, configured by nlprobe        |
#   +------------------------------------+

set -e
source "$(dirname "$0")/../lib.sh"

ns="ntset-$$"
nt_testprog probe_bin nlprobe

nt_require wg
nt_load_module
nt_netns_new "$ns"

P() { ip netns exec "$ns" "$probe_bin" "$@"; }
S() { P set ifname strz nt0 "$@" >/dev/null; }

# The helpers capture the dump before they read it, and `is` runs its
# command with pipefail: a failing `nlprobe get` fails the check instead
# of reading as an empty (and so perhaps expected) answer.

# block KEY: the lines of peer KEY in the canonical dump.
block() {
	local out
	out=$(P get nt0) || return 1
	awk -v k="$1" '$1 == "peer" { on = ($2 == k) } on && $1 != "peer" { print }' <<<"$out"
}

# block_has KEY LINE...: peer KEY's block has each LINE, exactly.
block_has() {
	local out l
	out=$(block "$1") || return 1
	shift
	for l in "$@"; do
		grep -qxF -- "$l" <<<"$out" || { echo "no line '$l' in:"; echo "$out"; return 1; }
	done
}

# peers: the peer keys in dump order.
peers() {
	local out
	out=$(P get nt0) || return 1
	awk '$1 == "peer" { print $2 }' <<<"$out"
}

aip() { # aip ADDR CIDR [FLAGS]: one allowed-IP element (nest 0)
	local fam=2
	[[ $1 == *:* ]] && fam=10
	echo nest 0 family u16 $fam ipaddr ip "$1" cidr_mask u8 "$2" ${3:+flags u32 $3} end
}

a=$(wg genkey | wg pubkey)
b=$(wg genkey | wg pubkey)
c=$(wg genkey | wg pubkey)
psk=$(wg genpsk)
ip -n "$ns" link add nt0 type noisetun

# Test that every peer attribute reads back, IPv6 endpoint included.
# shellcheck disable=SC2046
S nest peers nest 0 public_key key "$a" preshared_key key "$psk" \
	endpoint sa '[2001:db8::1]:51820' persistent_keepalive_interval u16 25 \
	nest allowedips $(aip 10.1.0.0 16) end end end
nt_check "peer A reads back" nt_is "$(printf '  preshared_key %s\n  persistent_keepalive 25\n  protocol_version 1\n  disabled 0\n  endpoint [2001:db8::1]:51820\n  allowedip 10.1.0.0/16' "$psk")" \
	block "$a"

# Test that a later SET changes only what it names.
S nest peers nest 0 public_key key "$a" endpoint sa 192.0.2.7:1234 end end
nt_check "endpoint changed to IPv4, psk kept" \
	block_has "$a" '  endpoint 192.0.2.7:1234' "  preshared_key $psk"
S nest peers nest 0 public_key key "$a" persistent_keepalive_interval u16 0 preshared_key key AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= end end
nt_check "keepalive off and psk removed (all zeros)" \
	block_has "$a" '  persistent_keepalive 0' '  preshared_key AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='

# Test that allowed IPs add up, REPLACE_ALLOWEDIPS replaces them, and the
# per-range REMOVE_ME removes one.
# shellcheck disable=SC2046
S nest peers nest 0 public_key key "$a" nest allowedips $(aip fd00:: 64) end end end
nt_check "ranges add up" nt_is "$(printf '10.1.0.0/16\nfd00::/64')" \
	eval "block $a | awk '\$1 == \"allowedip\" { print \$2 }'"
# shellcheck disable=SC2046
S nest peers nest 0 public_key key "$a" flags u32 2 nest allowedips $(aip 10.2.0.0 16) end end end
nt_check "REPLACE_ALLOWEDIPS" nt_is 10.2.0.0/16 eval "block $a | awk '\$1 == \"allowedip\" { print \$2 }'"
# shellcheck disable=SC2046
S nest peers nest 0 public_key key "$a" nest allowedips $(aip 10.2.0.0 16 1) end end end
nt_check "per-range REMOVE_ME" nt_is "" eval "block $a | awk '\$1 == \"allowedip\" { print \$2 }'"

# Test that a range claimed by another peer moves to it.
# shellcheck disable=SC2046
S nest peers nest 0 public_key key "$a" nest allowedips $(aip 10.3.0.0 16) end end \
	nest 1 public_key key "$b" nest allowedips $(aip 10.3.0.0 16) end end end
nt_check "the range moved to B" nt_is "" eval "block $a | awk '\$1 == \"allowedip\"'"
nt_check "B has it" nt_is 10.3.0.0/16 eval "block $b | awk '\$1 == \"allowedip\" { print \$2 }'"
# shellcheck disable=SC2046
S nest peers nest 0 public_key key "$a" nest allowedips $(aip 10.3.0.0 16 1) end end end
nt_check "REMOVE_ME of a range A does not own leaves it" \
	nt_is 10.3.0.0/16 eval "block $b | awk '\$1 == \"allowedip\" { print \$2 }'"

# Test UPDATE_ONLY and REMOVE_ME.
S nest peers nest 0 public_key key "$c" flags u32 4 end end
nt_check "UPDATE_ONLY does not create C" nt_is "$(printf '%s\n%s' "$a" "$b")" peers
S nest peers nest 0 public_key key "$a" flags u32 1 end end
nt_check "REMOVE_ME removes A" nt_is "$b" peers

# Test that one request may name a peer twice: created, then updated.
# shellcheck disable=SC2046
S nest peers nest 0 public_key key "$c" nest allowedips $(aip 10.4.0.0 16) end end \
	nest 1 public_key key "$c" persistent_keepalive_interval u16 7 \
	nest allowedips $(aip 10.5.0.0 16) end end end
nt_check "C created with both parts" nt_is "$(printf '  persistent_keepalive 7\n  allowedip 10.4.0.0/16\n  allowedip 10.5.0.0/16')" \
	eval "block $c | awk '/keepalive|allowedip/'"

# Test that a peer removed and added again in one request comes back fresh.
# shellcheck disable=SC2046
S nest peers nest 0 public_key key "$c" flags u32 1 end \
	nest 1 public_key key "$c" nest allowedips $(aip 10.6.0.0 16) end end end
nt_check "C re-added with only the new range" nt_is "$(printf '  persistent_keepalive 0\n  allowedip 10.6.0.0/16')" \
	eval "block $c | awk '/keepalive|allowedip/'"

# Test REPLACE_PEERS: every peer goes, then the listed ones come, fresh.
# shellcheck disable=SC2046
S flags u32 1 nest peers nest 0 public_key key "$c" end nest 1 public_key key "$a" end end
nt_check "REPLACE_PEERS leaves exactly C and A" nt_is "$(printf '%s\n%s' "$c" "$a")" peers
nt_check "C lost its ranges (it was replaced, not kept)" nt_is "" eval "block $c | awk '/allowedip/'"

# Test that a new private key displaces the peer having its public key,
# and that such a peer is then silently not added.
priv=$(wg genkey)
pubkey=$(wg pubkey <<<"$priv")
S nest peers nest 0 public_key key "$pubkey" end end
has_peer() {	# has_peer KEY: the dump lists peer KEY
	local out
	out=$(peers) || return 1
	grep -qxF -- "$1" <<<"$out"
}
nt_check "a peer with the future public key exists" has_peer "$pubkey"
S private_key key "$priv"
nt_check "setting the private key removed it" nt_is "$(printf '%s\n%s' "$c" "$a")" peers
S nest peers nest 0 public_key key "$pubkey" end end
nt_check "it cannot be added back" nt_is "$(printf '%s\n%s' "$c" "$a")" peers
device_key_is() {	# device_key_is KEY: the dump says public_key KEY
	local out
	out=$(P get nt0) || return 1
	grep -qxF -- "public_key $1" <<<"$out"
}
nt_check "public_key is the device's" device_key_is "$pubkey"
