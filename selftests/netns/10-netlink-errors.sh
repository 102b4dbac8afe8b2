#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-category: bad netlink and tunctl input
#
# The netlink bad-input catalogue (Documentation/testing.md 3.3 N1-N14, N16),
# sent raw with selftests/nlprobe: each bad request gets its exact errno and an
# extack message, and the device's configuration reads back unchanged
# afterwards. The requests that must succeed without effect (N9) or with a
# normalised effect (N11) are checked the same way.
#
#   +---------------------- nterr-$$ ----------------------+
#   |  nt0: private key, listen port, one peer P1 with     |
#   |       psk, endpoint, keepalive, allowed IPs          |
#   |  nt1: a second device, up, holding a port            |
#   |  lo, and wg0 (in-tree wireguard) when available:     |
#   |       devices of another kind                        |
#   +------------------------------------------------------+

set -e
source "$(dirname "$0")/../lib.sh"

ns="nterr-$$"
nt_testprog probe_bin nlprobe

nt_require wg
nt_load_module
nt_netns_new "$ns"

P() { ip netns exec "$ns" "$probe_bin" "$@"; }

# after WANT ARGS...: `nlprobe --expect WANT ARGS...` passes; when WANT is
# an errno, the answer carries an extack message; either way nt0's
# configuration reads back exactly as before.
after() {
	local want=$1 before now out rc=0
	shift
	before=$(P get nt0) || { echo "get failed before"; return 1; }
	out=$(P --expect "$want" "$@") || rc=$?
	echo "$out"
	[ "$rc" = 0 ] || return 1
	if [ "$want" != 0 ] && ! grep -q "^error $want: ." <<<"$out"; then
		echo "no extack message"
		return 1
	fi
	now=$(P get nt0) || { echo "get failed after"; return 1; }
	if [ "$before" != "$now" ]; then
		echo "configuration changed:"
		diff <(echo "$before") <(echo "$now") || true
		return 1
	fi
}

# refused ERRNO DESC WORDS...: SET nt0 with WORDS is refused with ERRNO.
refused() {
	local want=$1 desc=$2
	shift 2
	nt_check "$desc: $want, unchanged" after "$want" set ifname strz nt0 "$@"
}

# no_effect DESC WORDS...: SET nt0 with WORDS succeeds and changes nothing.
no_effect() {
	local desc=$1
	shift
	nt_check "$desc: success, unchanged" after 0 set ifname strz nt0 "$@"
}

# The helpers below capture a command's output before they look at it,
# so that a failing command fails the check (in a pipe into grep its exit
# status would be lost, and `! CMD | grep` would pass).

# get_has LINE: `nlprobe get nt0` succeeds and has exactly the line LINE.
get_has() {
	local out
	out=$(P get nt0) || return 1
	grep -qxF -- "$1" <<<"$out"
}

# get_lacks TEXT: `nlprobe get nt0` succeeds and no line contains TEXT.
get_lacks() {
	local out
	out=$(P get nt0) || return 1
	! grep -qF -- "$1" <<<"$out"
}

# get_count TEXT N: `nlprobe get nt0` succeeds with N lines containing TEXT.
get_count() {
	local out
	out=$(P get nt0) || return 1
	[ "$(grep -cF -- "$1" <<<"$out")" = "$2" ]
}

# udp_bound PORT / udp_unbound PORT: `ss` succeeds and lists (does not
# list) a UDP socket on PORT in the namespace.
udp_bound() {
	local out
	out=$(ip netns exec "$ns" ss -Hnlu) || return 1
	grep -q ":$1 " <<<"$out"
}
udp_unbound() {
	local out
	out=$(ip netns exec "$ns" ss -Hnlu) || return 1
	! grep -q ":$1 " <<<"$out"
}

# says TEXT CMD...: CMD succeeds and its output contains TEXT.
says() {
	local text=$1 out
	shift
	out=$("$@" 2>&1) || { printf '%s\n' "$out"; return 1; }
	grep -qF -- "$text" <<<"$out" && return 0
	printf '%s\n' "$out"
	return 1
}

priv=$(wg genkey)
pub=$(wg pubkey <<<"$priv")
psk=$(wg genpsk)
p1=$(wg genkey | wg pubkey)
p2=$(wg genkey | wg pubkey)
p3=$(wg genkey | wg pubkey)

ip -n "$ns" link add nt0 type noisetun
ip -n "$ns" link add nt1 type noisetun
P set ifname strz nt1 listen_port u16 41001 >/dev/null
ip -n "$ns" link set nt1 up
P set ifname strz nt0 private_key key "$priv" listen_port u16 41000 fwmark u32 7 \
	nest peers nest 0 public_key key "$p1" preshared_key key "$psk" \
	endpoint sa 192.0.2.1:51820 persistent_keepalive_interval u16 25 \
	nest allowedips \
		nest 0 family u16 2 ipaddr ip 10.1.0.0 cidr_mask u8 16 end \
		nest 1 family u16 10 ipaddr ip fd00:1:: cidr_mask u8 48 end \
	end end end >/dev/null
ip -n "$ns" link set nt0 up
nt_diag "baseline: $(P get nt0 | tr '\n' ' ')"
ifindex=$(ip -n "$ns" -o link show dev nt0 | cut -d: -f1)

# Test N1: neither or both of IFINDEX and IFNAME.
nt_check "N1 SET naming no device: EBADR" after EBADR set fwmark u32 1
nt_check "N1 SET naming it twice: EBADR" \
	after EBADR set ifindex u32 "$ifindex" ifname strz nt0 fwmark u32 1
nt_check "N1 GET naming no device: EBADR" P --expect EBADR --cmd 1 --dump set
nt_check "N1 SET by IFINDEX works" after 0 set ifindex u32 "$ifindex" fwmark u32 7

# Test N2: unknown device, or a device of another kind.
nt_check "N2 unknown IFNAME: ENODEV" after ENODEV set ifname strz nosuchdev fwmark u32 1
nt_check "N2 unknown IFINDEX: ENODEV" after ENODEV set ifindex u32 999999 fwmark u32 1
nt_check "N2 SET on lo: EOPNOTSUPP" after EOPNOTSUPP set ifname strz lo fwmark u32 1
nt_check "N2 GET on lo: EOPNOTSUPP" P --expect EOPNOTSUPP get lo
nt_check "N2 GET unknown: ENODEV" P --expect ENODEV get nosuchdev
if ip -n "$ns" link add wg0 type wireguard 2>/dev/null; then
	nt_check "N2 SET on in-tree wireguard: EOPNOTSUPP" \
		after EOPNOTSUPP set ifname strz wg0 fwmark u32 1
else
	nt_skip_check "N2 SET on in-tree wireguard" "no wireguard module"
fi

# Test N3: policy errors: IFNAME not NUL-terminated or too long, keys of
# the wrong length.
nt_check "N3 IFNAME without NUL: EINVAL" after EINVAL set ifname str nt0 fwmark u32 1
nt_check "N3 IFNAME of 16 chars: EINVAL" after EINVAL set ifname strz abcdefghijklmnop fwmark u32 1
refused ERANGE "N3 private key of 0 bytes" private_key empty 0
refused ERANGE "N3 private key of 31 bytes" private_key hex "$(printf '11%.0s' {1..31})"
refused ERANGE "N3 private key of 33 bytes" private_key hex "$(printf '11%.0s' {1..33})"
refused ERANGE "N3 peer key of 31 bytes" nest peers nest 0 \
	public_key hex "$(printf '22%.0s' {1..31})" end end
refused ERANGE "N3 preshared key of 33 bytes" nest peers nest 0 public_key key "$p1" \
	preshared_key hex "$(printf '22%.0s' {1..33})" end end

# Test that key bytes given twice are refused, whichever copy would count:
# a device private key, a peer's preshared key (and the baseline stays).
refused EINVAL "N3 PRIVATE_KEY twice" private_key key "$(wg genkey)" \
	private_key key "$(wg genkey)"
refused EINVAL "N3 PRESHARED_KEY twice in one peer" nest peers nest 0 public_key key "$p1" \
	preshared_key key "$(wg genpsk)" preshared_key key "$(wg genpsk)" end end
refused EINVAL "N3 PRESHARED_KEY twice in a new peer" nest peers nest 0 public_key key "$p3" \
	preshared_key key "$(wg genpsk)" preshared_key key "$psk" end end

# Test N4: unknown flag bits.
refused EOPNOTSUPP "N4 device FLAGS bit 1" flags u32 2
refused EOPNOTSUPP "N4 peer FLAGS bit 3" nest peers nest 0 public_key key "$p1" flags u32 8 end end
refused EOPNOTSUPP "N4 allowed IP FLAGS bit 1" nest peers nest 0 public_key key "$p1" \
	nest allowedips nest 0 family u16 2 ipaddr ip 10.2.0.0 cidr_mask u8 16 flags u32 2 \
	end end end end

# Test N5: a port bound elsewhere in the namespace.
refused EADDRINUSE "N5 LISTEN_PORT in use" listen_port u16 41001
nt_check "N5 the old port is still bound" \
	udp_bound 41000

# Test N7: GET without NLM_F_DUMP.
nt_check "N7 GET without dump: EOPNOTSUPP" P --expect EOPNOTSUPP --no-dump get nt0

# Test N8: a peer without PUBLIC_KEY; a protocol version other than 1.
refused EINVAL "N8 peer without PUBLIC_KEY" nest peers nest 0 \
	persistent_keepalive_interval u16 1 end end
refused EPFNOSUPPORT "N8 PROTOCOL_VERSION 2" nest peers nest 0 public_key key "$p1" \
	protocol_version u32 2 end end
no_effect "N8 PROTOCOL_VERSION 1" nest peers nest 0 public_key key "$p1" \
	protocol_version u32 1 end end

# Test N9: removing or updating an unknown peer, or adding our own key.
no_effect "N9 REMOVE_ME of an unknown peer" nest peers nest 0 public_key key "$p2" flags u32 1 end end
no_effect "N9 UPDATE_ONLY of an unknown peer" nest peers nest 0 public_key key "$p2" flags u32 4 \
	persistent_keepalive_interval u16 5 end end
no_effect "N9 a peer with the device's own key" nest peers nest 0 public_key key "$pub" end end

# Test N10: allowed IPs with a field missing, a prefix too long, an
# address of the wrong length, an unknown family.
aip() { # aip WORDS...: one allowed IP of peer P1
	echo nest peers nest 0 public_key key "$p1" nest allowedips nest 0 "$@" end end end end
}
# shellcheck disable=SC2046
refused EINVAL "N10 no FAMILY" $(aip ipaddr ip 10.3.0.0 cidr_mask u8 16)
# shellcheck disable=SC2046
refused EINVAL "N10 no IPADDR" $(aip family u16 2 cidr_mask u8 16)
# shellcheck disable=SC2046
refused EINVAL "N10 no CIDR_MASK" $(aip family u16 2 ipaddr ip 10.3.0.0)
# shellcheck disable=SC2046
refused EINVAL "N10 IPv4 /33" $(aip family u16 2 ipaddr ip 10.3.0.0 cidr_mask u8 33)
# shellcheck disable=SC2046
refused EINVAL "N10 IPv6 /129" $(aip family u16 10 ipaddr ip fd00:: cidr_mask u8 129)
# shellcheck disable=SC2046
refused EINVAL "N10 AF_INET with 16 bytes" $(aip family u16 2 ipaddr ip fd00:: cidr_mask u8 8)
# shellcheck disable=SC2046
refused EINVAL "N10 AF_INET6 with 4 bytes" $(aip family u16 10 ipaddr ip 10.3.0.0 cidr_mask u8 8)
# shellcheck disable=SC2046
refused EINVAL "N10 family 3" $(aip family u16 3 ipaddr ip 10.3.0.0 cidr_mask u8 8)

# Test N11: host bits are cleared.
# shellcheck disable=SC2046
nt_check "N11 add 10.0.0.5/8" P set ifname strz nt0 $(aip family u16 2 ipaddr ip 10.0.0.5 cidr_mask u8 8)
nt_check "N11 reads back as 10.0.0.0/8" get_has '  allowedip 10.0.0.0/8'
# shellcheck disable=SC2046
nt_check "N11 remove it again (REMOVE_ME)" P set ifname strz nt0 \
	$(aip family u16 2 ipaddr ip 10.0.0.0 cidr_mask u8 8 flags u32 1)
nt_check "N11 it is gone" get_lacks 10.0.0.0/8

# Test N12: an endpoint of the wrong length or family (WireGuard ignores
# it; we refuse it).
refused EINVAL "N12 endpoint of 8 bytes" nest peers nest 0 public_key key "$p1" \
	endpoint hex 0200ca0000000001 end end
refused EINVAL "N12 sockaddr_in6 length, AF_INET" nest peers nest 0 public_key key "$p1" \
	endpoint hex "0200ca00$(printf '00%.0s' {1..24})" end end
refused EINVAL "N12 sockaddr_in length, family 0" nest peers nest 0 public_key key "$p1" \
	endpoint hex "0000ca00c0000201$(printf '00%.0s' {1..8})" end end

# Test N13: read-only attributes are refused by name.
nt_check "N13 device PUBLIC_KEY: EINVAL, named" \
	says 'PUBLIC_KEY is read-only' after EINVAL set ifname strz nt0 public_key key "$pub"
refused EINVAL "N13 device DROPS" nest drops end
refused EINVAL "N13 peer RX_BYTES" nest peers nest 0 public_key key "$p1" rx_bytes u64 1 end end
refused EINVAL "N13 peer TX_BYTES" nest peers nest 0 public_key key "$p1" tx_bytes u64 1 end end
refused EINVAL "N13 peer LAST_HANDSHAKE_TIME" nest peers nest 0 public_key key "$p1" \
	last_handshake_time hex "$(printf '00%.0s' {1..16})" end end
refused EINVAL "N13 peer HANDSHAKE_ATTEMPTS" nest peers nest 0 public_key key "$p1" \
	handshake_attempts u64 1 end end

# Test N14: malformed attributes.
refused EINVAL "N14 truncated nla_len" raw 7 200 00000000
refused EINVAL "N14 PEERS without NLA_F_NESTED" flatnest peers nest 0 public_key key "$p1" end end
refused EINVAL "N14 garbage inside a peer" nest peers nest 0 public_key key "$p1" garbage 0102 end end
refused EINVAL "N14 garbage inside PEERS" nest peers nest 0 public_key key "$p1" end garbage 010203 end
refused EINVAL "N14 garbage inside ALLOWEDIPS" nest peers nest 0 public_key key "$p1" \
	nest allowedips garbage 0102 end end end
refused EINVAL "N14 unknown device attribute" raw 99 8 00000000
refused EINVAL "N14 attribute type 0" raw 0 8 00000000
refused EINVAL "N14 unknown peer attribute" nest peers nest 0 public_key key "$p1" 60 u32 1 end end
nt_check "N14 GET with a PEERS attribute: EINVAL" \
	P --expect EINVAL --cmd 1 --dump set ifname strz nt0 nest peers end
nt_check "N14 GET with an extra attribute: EINVAL" \
	P --expect EINVAL --cmd 1 --dump set ifname strz nt0 fwmark u32 1
# The queries' and peer flags' attributes, malformed or misplaced.
refused EINVAL "N14 peer DISABLED of 2 bytes" nest peers nest 0 public_key key "$p1" disabled u16 1 end end
refused EINVAL "N14 peer DISABLED 2" nest peers nest 0 public_key key "$p1" disabled u8 2 end end
refused EINVAL "N14 peer DESCRIPTION of 65 bytes" nest peers nest 0 public_key key "$p1" \
	description str "$(printf '%065d' 0)" end end
refused EINVAL "N14 peer DESCRIPTION not UTF-8" nest peers nest 0 public_key key "$p1" description hex c328 end end
refused EINVAL "N14 QUERY_PEER in a SET" query_peer key "$p1"
refused EINVAL "N14 QUERY_FLAGS in a SET" query_flags u32 1
nt_check "N14 GET with a QUERY_PEER of 8 bytes: ERANGE" \
	P --expect ERANGE --cmd 1 --dump set ifname strz nt0 query_peer hex 0001020304050607
nt_check "N14 GET with a QUERY_FLAGS of 8 bytes: EINVAL" \
	P --expect EINVAL --cmd 1 --dump set ifname strz nt0 query_flags u64 1

# Test N16: a valid part followed by an invalid one changes nothing.
bad_peer="nest 9 public_key key $p3 nest allowedips nest 0 family u16 2 ipaddr ip 10.9.0.0 cidr_mask u8 33 end end end"
# shellcheck disable=SC2086
refused EINVAL "N16 a new peer, then a bad one" nest peers nest 0 public_key key "$p2" \
	nest allowedips nest 0 family u16 2 ipaddr ip 10.8.0.0 cidr_mask u8 16 end end end $bad_peer end
# shellcheck disable=SC2086
refused EINVAL "N16 removing P1, then a bad peer" nest peers nest 0 public_key key "$p1" flags u32 1 end \
	$bad_peer end
# shellcheck disable=SC2086
refused EINVAL "N16 REPLACE_PEERS with a bad peer" flags u32 1 nest peers $bad_peer end
# shellcheck disable=SC2086
refused EINVAL "N16 new private key, port and fwmark, then a bad peer" \
	private_key key "$(wg genkey)" listen_port u16 41005 fwmark u32 9 nest peers $bad_peer end
nt_check "N16 the old port is still bound, the new one is not" \
	eval "udp_bound 41000 && udp_unbound 41005"
# shellcheck disable=SC2086
refused EINVAL "N16 psk, endpoint, keepalive, REPLACE_ALLOWEDIPS of P1, then a bad peer" \
	nest peers nest 0 public_key key "$p1" flags u32 2 preshared_key key "$(wg genpsk)" \
	endpoint sa '[2001:db8::1]:1' persistent_keepalive_interval u16 1 end $bad_peer end
# shellcheck disable=SC2086
refused EADDRINUSE "N16 many changes, then a busy port" flags u32 1 private_key key "$(wg genkey)" \
	listen_port u16 41001 nest peers nest 0 public_key key "$p2" end end

# Test that the device survived all of it: the baseline is intact.
nt_check "P1 still has its two allowed IPs" \
	get_count allowedip 2
nt_check "the key is unchanged" get_has "private_key $priv"
