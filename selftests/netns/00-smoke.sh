#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Smoke test: the module loads, a noisetun link can be created with the
# documented defaults (Documentation/uapi.md "The link") and deleted, and the
# module unloads again.
#
#   +---------------- ns1-$$ ----------------+
#   |  nt0 (noisetun, no key, no peers)      |
#   +----------------------------------------+

set -e
source "$(dirname "$0")/../lib.sh"

ns1="smoke1-$$"

cleanup() {
	ip -n "$ns1" link del nt0 2>/dev/null || true
	nt_cleanup
}
trap cleanup EXIT

nt_netns_new "$ns1"

# Test that the module loads.
nt_check "modprobe noisetun" nt_load_module

# Test that every in-module self-test ran at load and passed (make check
# builds with DEBUG=1, which runs them; a failing one refuses the load).
for t in allowedips crypto aead replay ratelimiter cookie noise; do
	nt_check "$t self-tests passed at load" \
		grep -q "noisetun: $t self-tests: pass" <(nt_kmsg)
done

# Test that the link kind exists and a device can be created.
nt_check "ip link add nt0 type noisetun" ip -n "$ns1" link add nt0 type noisetun

link=$(ip -n "$ns1" -d link show dev nt0)
nt_diag "$(echo "$link" | head -n 2 | tr '\n' ' ')"

# Test that the default MTU is 1420 (1500 - 80 bytes of IPv6+UDP+WireGuard overhead).
nt_check "default mtu is 1420" [ "$(ip netns exec "$ns1" cat /sys/class/net/nt0/mtu)" = 1420 ]

# Test that the device has no link-layer header (ARPHRD_NONE, link/none).
nt_check "type is ARPHRD_NONE (65534)" [ "$(ip netns exec "$ns1" cat /sys/class/net/nt0/type)" = 65534 ]
nt_check "ip shows link/none" grep -q 'link/none' <<<"$link"

# Test that the device is point-to-point and does not ARP.
flags=$(echo "$link" | sed -n '1s/.*<\([^>]*\)>.*/\1/p')
nt_check "flags include POINTOPOINT ($flags)" grep -q -w POINTOPOINT <<<"$flags"
nt_check "flags include NOARP ($flags)" grep -q -w NOARP <<<"$flags"

# Test that the link reports its kind.
nt_check "link kind is noisetun" grep -q -w noisetun <<<"$link"

# Test that the device can be deleted.
nt_check "ip link del nt0" ip -n "$ns1" link del nt0
nt_check_fails "nt0 no longer exists" ip -n "$ns1" link show dev nt0

# Test that the module unloads once its devices are gone.
nt_check "rmmod noisetun" rmmod noisetun
nt_check_fails "module is no longer listed" test -d /sys/module/noisetun
