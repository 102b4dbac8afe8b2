#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 600
#
# Large configurations cross the netlink message size both ways: 1000
# peers x 100 allowed IPs set with `tunctl setconf` (split over many SET
# requests) and dumped back complete (a GET dump of many messages); then
# one peer with 20000 allowed IPs, whose ranges continue from message to
# message under the same public key.
#
#   +--------------- ntsc-$$ ---------------+
#   |  nt0: 1000 peers x 100 /32s            |
#   |  nt1: 1 peer x 20000 /32s              |
#   +----------------------------------------+

set -e
source "$(dirname "$0")/../lib.sh"

ns="ntsc-$$"
nt_tmpdir

nt_kind noisetun awk
nt_device_ns "$ns" nt0 nt1

# Peer keys need not be real public keys: 4 base64 digits of the peer's
# number, then zeros (canonical: the last digit before '=' is 'A').
gen_conf() { # PEERS IPS_PER_PEER
	awk -v n="$1" -v m="$2" -v priv="$(tunctl genkey)" 'BEGIN {
		a = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
		printf "[Interface]\nPrivateKey = %s\n\n", priv
		for (p = 1; p <= n; p++) {
			k = ""; v = p
			for (i = 0; i < 4; i++) { k = substr(a, v % 64 + 1, 1) k; v = int(v / 64) }
			printf "[Peer]\nPublicKey = %sBAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n", k
			for (x = 0; x < m; x++) {
				# Unique per peer and range: 10.P/256.P%256.x, or for
				# one big peer 10.200+x/65536.(x/256)%256.x%256.
				if (n == 1)
					printf "AllowedIPs = 10.%d.%d.%d/32\n", 200 + int(x / 65536), int(x / 256) % 256, x % 256
				else
					printf "AllowedIPs = 10.%d.%d.%d/32\n", int(p / 256), p % 256, x
			}
		}
	}'
}

sorted_ips_in_file() { grep '^AllowedIPs' "$1" | sed 's/^AllowedIPs = //' | sort; }
sorted_ips_shown() { t show "$1" allowed-ips | awk '{ for (i = 2; i <= NF; i++) print $i }' | sort; }
tokens() { t show "$1" allowed-ips | awk '{ n += NF } END { print n + 0 }'; }
is() { [ "$1" = "$2" ] || { echo "expected '$1', got '$2'"; return 1; }; }
# lines_are N AWKPROG CMD...: CMD succeeds, and AWKPROG selects N of its
# lines (CMD's output is captured first: piped into awk, a failing CMD
# would count as zero lines).
lines_are() {
	local want=$1 prog=$2 out
	shift 2
	out=$("$@") || { echo "failed: $*"; return 1; }
	is "$want" "$(awk "$prog" <<<"$out" | wc -l)"
}

# Test that 1000 peers x 100 allowed IPs go in and come back complete.
gen_conf 1000 100 > "$tmp/big.conf"
nt_diag "config: $(wc -l < "$tmp/big.conf") lines, $(wc -c < "$tmp/big.conf") bytes"
start=$(date +%s)
nt_check "setconf 1000 peers x 100 allowed IPs" t setconf nt0 "$tmp/big.conf"
nt_diag "setconf took $(($(date +%s) - start)) s"
nt_check "1000 peers listed" lines_are 1000 NF t show nt0 peers
nt_check "dump has 1 + 1000 lines" lines_are 1001 NF t show nt0 dump
nt_check "allowed-ips lists 1000 keys + 100000 ranges" is 101000 "$(tokens nt0)"
sorted_ips_in_file "$tmp/big.conf" > "$tmp/want"
sorted_ips_shown nt0 > "$tmp/got"
nt_check "every range read back is one that was set" cmp "$tmp/want" "$tmp/got"
nt_check "each peer has exactly its 100 ranges" \
	lines_are 0 'NF != 101' t show nt0 allowed-ips
nt_check "show all dump lists the same 1001 lines" lines_are 1001 '/^nt0\t/' t show all dump

# Test that showconf of the big device applies back as a no-op.
t showconf nt0 > "$tmp/big.showconf"
nt_check "syncconf of its own showconf succeeds" t syncconf nt0 "$tmp/big.showconf"
nt_check "and changes nothing" cmp "$tmp/big.showconf" <(t showconf nt0)

# Test that one peer with 20000 ranges, split within the peer both ways,
# comes back complete.
gen_conf 1 20000 > "$tmp/one.conf"
nt_check "setconf 1 peer x 20000 allowed IPs" t setconf nt1 "$tmp/one.conf"
nt_check "1 peer listed" lines_are 1 NF t show nt1 peers
nt_check "allowed-ips lists 1 key + 20000 ranges" is 20001 "$(tokens nt1)"
sorted_ips_in_file "$tmp/one.conf" > "$tmp/want1"
sorted_ips_shown nt1 > "$tmp/got1"
nt_check "every range of the big peer read back" cmp "$tmp/want1" "$tmp/got1"

# Test that replacing the 1000 peers by one removes them all.
nt_check "setconf back to one peer" t setconf nt0 "$tmp/one.conf"
nt_check "only that peer is left" lines_are 1 NF t show nt0 peers
nt_check "with its 20000 ranges" is 20001 "$(tokens nt0)"
