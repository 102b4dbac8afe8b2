#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-timeout: 120
#
# Regressions that selftests/nlfuzz found in the generic netlink family.
#
#   +------------ nfa-$$ ------------+
#   |  fz0   <- nlprobe, nlfuzz      |
#   +--------------------------------+

set -e
source "$(dirname "$0")/../lib.sh"

nsa="nfa-$$"
fuzz="$NT_SELFTESTS/nlfuzz/nlfuzz"
probe="$NT_SELFTESTS/nlprobe/nlprobe"
tmp=$(mktemp -d)

cleanup() {
	nt_cleanup
	rm -rf "$tmp"
}
trap cleanup EXIT

[ -x "$fuzz" ] || nt_skip "selftests/nlfuzz/nlfuzz is not built"
[ -x "$probe" ] || nt_skip "selftests/nlprobe/nlprobe is not built"
nt_require tunctl
nt_load_module
umask 077

A() { ip netns exec "$nsa" "$@"; }

nt_netns_new "$nsa"
nt_keys "$tmp" A

# --- regression: the policy of integer attributes ------------------------------
# FLAGS and PROTOCOL_VERSION once had a validation function in the policy,
# which shares a union with the range that 6.1's policy dump reads: the
# dump (in the extack of an attribute that fails its policy, and in
# CTRL_CMD_GETPOLICY, which needs no privilege) WARNed on the pointer's
# bytes. nlfuzz found it within seconds.
ip -n "$nsa" link add fz0 type noisetun
P() { ip netns exec "$nsa" "$probe" "$@"; }
# Test that the family's policies can be dumped, by anyone.
nt_check "policy dump, without capabilities" A "$fuzz" policy --drop-caps
# Test that integers of the wrong length, or flagged nested, are refused
# with EINVAL (the extack naming their policy) and nothing else happens.
nt_check "device FLAGS of 2 bytes: EINVAL" P --expect EINVAL set ifname strz fz0 flags u16 1
nt_check "device FLAGS flagged nested: EINVAL" P --expect EINVAL set ifname strz fz0 raw 0x8005 8 01000000
nt_check "peer FLAGS of 2 bytes: EINVAL" P --expect EINVAL set ifname strz fz0 \
	nest peers nest 0 public_key key "$(cat "$tmp/pA")" flags u16 1 end end
nt_check "peer PROTOCOL_VERSION of 1 byte: EINVAL" P --expect EINVAL set ifname strz fz0 \
	nest peers nest 0 public_key key "$(cat "$tmp/pA")" protocol_version u8 1 end end
nt_check "allowed IP FLAGS of 8 bytes: EINVAL" P --expect EINVAL set ifname strz fz0 \
	nest peers nest 0 public_key key "$(cat "$tmp/pA")" nest allowedips nest 0 \
	family u16 2 ipaddr ip 10.0.0.0 cidr_mask u8 8 flags u64 1 end end end end
# Test that their values are still checked, with the errnos of the uAPI.
nt_check "peer FLAGS bit 3: EOPNOTSUPP" P --expect EOPNOTSUPP set ifname strz fz0 \
	nest peers nest 0 public_key key "$(cat "$tmp/pA")" flags u32 8 end end
nt_check "PROTOCOL_VERSION 2: EPFNOSUPPORT" P --expect EPFNOSUPPORT set ifname strz fz0 \
	nest peers nest 0 public_key key "$(cat "$tmp/pA")" protocol_version u32 2 end end
nt_check "fz0 is still empty" eval "[ -z \"\$(A tunctl showconf fz0 | grep Peer)\" ]"

# --- regression: bytes after the last peer -------------------------------------
# The first pass counted PEERS into the plan before refusing trailing bytes
# (or failing to allocate the steps), and freeing the plan then walked
# steps that were never allocated: a NULL dereference. nlfuzz found it.
# Test that a peer followed by 4 bytes that are no attribute is refused.
nt_check "bytes after the last peer: EINVAL" P --expect EINVAL set ifname strz fz0 \
	nest peers nest 0 public_key key "$(cat "$tmp/pA")" end garbage 02000000 end
nt_check "fz0 is still empty" eval "[ -z \"\$(A tunctl showconf fz0 | grep Peer)\" ]"
