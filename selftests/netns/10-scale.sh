#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 600
#
# Large configurations through netlink: 10 000 peers with 100 000 allowed
# IPs set in many messages and dumped back complete (every peer once, every
# range once, same checksum as what was sent), and one peer whose 130 560
# ranges span many dump messages (netns.sh #20), each continuation
# repeating the peer's key.
#
#   +------------- ntscale-$$ -------------+
#   |  nt0: 10 000 peers, 100 000 ranges   |
#   |  nt1: 1 peer, 130 560 ranges (IPv6)  |
#   +--------------------------------------+

set -e
source "$(dirname "$0")/../lib.sh"

ns="ntscale-$$"
nt_testprog probe_bin nlprobe

nt_load_module
nt_netns_new "$ns"

P() { ip netns exec "$ns" "$probe_bin" "$@"; }

# value LINE KEY: the value of KEY=VALUE in LINE.
value() {
	tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"
}

# has LINE KEY=VALUE...: every KEY has VALUE in LINE.
has() {
	local line=$1 kv
	shift
	for kv in "$@"; do
		if [ "$(value "$line" "${kv%%=*}")" != "${kv#*=}" ]; then
			echo "want $kv in: $line"
			return 1
		fi
	done
}

ip -n "$ns" link add nt0 type noisetun
ip -n "$ns" link add nt1 type noisetun

# Test that 10 000 peers and 100 000 allowed IPs go in.
sent=$(P gen nt0 10000 100000)
nt_diag "set: $sent"
nt_check "SET of 10000 peers / 100000 ranges" [ -n "$(value "$sent" checksum)" ]

# Test that the dump returns all of them, each exactly once.
got=$(P summary nt0)
nt_diag "dump: $got"
nt_check "10000 peers dumped" [ "$(value "$got" peers)" = 10000 ]
nt_check "100000 ranges dumped" [ "$(value "$got" allowedips)" = 100000 ]
nt_check "same ranges for the same peers (checksum)" \
	[ "$(value "$got" checksum)" = "$(value "$sent" checksum)" ]
nt_check "the dump took several messages" [ "$(value "$got" messages)" -gt 1 ]
nt_check "no malformed peer, not interrupted" has "$got" errors=0 intr=0

# Test that sending the same configuration again changes nothing.
again=$(P gen nt0 10000 100000)
got=$(P summary nt0)
nt_check "re-SET keeps 10000 peers and 100000 ranges" \
	has "$got" peers=10000 allowedips=100000 "checksum=$(value "$again" checksum)"

# Test that one peer's ranges span messages, continued by its key.
sent=$(P gen nt1 1 130560 v6)
nt_diag "set: $sent"
got=$(P summary nt1)
nt_diag "dump: $got"
nt_check "1 peer dumped" [ "$(value "$got" peers)" = 1 ]
nt_check "130560 ranges dumped" [ "$(value "$got" allowedips)" = 130560 ]
nt_check "checksum matches" [ "$(value "$got" checksum)" = "$(value "$sent" checksum)" ]
nt_check "continued over several messages" [ "$(value "$got" continuations)" -gt 1 ]

# Test that REPLACE_PEERS with no peers empties a large device.
nt_check "REPLACE_PEERS on 10000 peers" P set ifname strz nt0 flags u32 1
got=$(P summary nt0)
nt_check "no peer left" has "$got" peers=0 allowedips=0

# Test that deleting a device with a large configuration works.
nt_check "delete nt1 with 130560 ranges" ip -n "$ns" link del nt1
