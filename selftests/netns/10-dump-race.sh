#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 300
# nt-category: concurrency
#
# Multi-message dumps while the configuration changes under them
# (Documentation/testing.md N17, D3; the bug class of CVE-2024-26950/26951): one
# loop dumps a device of 2000 peers over and over while another adds the peers,
# removes them one by one, and empties the device with REPLACE_PEERS. Every
# dump must be either flagged interrupted (NLM_F_DUMP_INTR) or consistent,
# and the kernel must not complain (the run's kernel-health check).
#
#   +------------------ ntrace-$$ ------------------+
#   |  nt0   <- nlprobe summary, in a loop          |
#   |        <- nlprobe gen / set remove / REPLACE  |
#   +-----------------------------------------------+

set -e
source "$(dirname "$0")/../lib.sh"

ns="ntrace-$$"
nt_testprog probe_bin nlprobe
nt_tmpdir
seconds=20

nt_load_module
nt_netns_new "$ns"

P() { ip netns exec "$ns" "$probe_bin" "$@"; }

ip -n "$ns" link add nt0 type noisetun
P gen nt0 2000 4000 >/dev/null

# The dumper: one summary line per dump, until the churn is over.
dumper() {
	while [ ! -e "$tmp/stop" ]; do
		P summary nt0 >>"$tmp/dumps" 2>&1 || true
	done
}

# The churn: fill, remove every 100th peer one by one, empty.
churn() {
	local end=$((SECONDS + seconds)) keys
	while [ "$SECONDS" -lt "$end" ]; do
		P gen nt0 2000 4000 >/dev/null
		keys=$(P get nt0 | awk '$1 == "peer" && ++n % 100 == 0 { print $2 }')
		for k in $keys; do
			P set ifname strz nt0 nest peers nest 0 public_key key "$k" flags u32 1 end end >/dev/null
		done
		P set ifname strz nt0 flags u32 1 >/dev/null
	done
	touch "$tmp/stop"
}

nt_bg dumper
churn

wait_dumper() { ! kill -0 "$NT_LAST_PID" 2>/dev/null; }
nt_wait_until 30 wait_dumper || true

total=$(grep -c '^peers=' "$tmp/dumps" || true)
intr=$(grep -c 'intr=1' "$tmp/dumps" || true)
nt_diag "$total dumps, $intr interrupted"

# Test that dumps ran, and each one was either interrupted or consistent:
# no malformed peer and two ranges per peer.
nt_check "dumps completed during the churn" [ "$total" -gt 0 ]
bad=$(awk '/^peers=/ && !/intr=1/ {
	split($0, f, " "); for (i in f) { split(f[i], kv, "="); v[kv[1]] = kv[2] }
	if (v["errors"] != 0 || v["allowedips"] != 2 * v["peers"]) print
}' "$tmp/dumps")
nt_check "every uninterrupted dump is consistent" [ -z "$bad" ]
[ -z "$bad" ] || nt_diag "$(head -n 5 <<<"$bad")"
nt_check "no dump failed with an error" eval "! grep -q '^error' $tmp/dumps"

# Test that the device is still sound: a final fill dumps back complete.
P set ifname strz nt0 flags u32 1 >/dev/null
sent=$(P gen nt0 2000 4000)
got=$(P summary nt0)
nt_check "final dump complete" [ "${got%% messages=*}" = "peers=2000 allowedips=4000" ]
nt_check "final checksum matches" \
	[ "$(sed 's/.*checksum=\([0-9a-f]*\).*/\1/' <<<"$got")" = "$(sed 's/.*checksum=\([0-9a-f]*\).*/\1/' <<<"$sent")" ]
