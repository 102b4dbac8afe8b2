#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# nt-category: bad netlink and tunctl input
#
# Who may configure a device (Documentation/testing.md N6): GET and SET need
# CAP_NET_ADMIN in the device's namespace; LISTEN_PORT and FWMARK, which
# act on the sockets, need it in the namespace the device was created in.
#
#   +----------- ntperm-$$ -----------+   +-- userns + netns of $child --+
#   |  nt0  (no caps: EPERM;          |   |  nt1, created in ntperm-$$  |
#   |        a user namespace: EPERM) |   |  and moved here: GET and     |
#   |  nt1's sockets                  |   |  SET work, but not its port  |
#   +---------------------------------+   +------------------------------+

set -e
source "$(dirname "$0")/../lib.sh"

ns="ntperm-$$"
nt_testprog probe_bin nlprobe

nt_require wg unshare nsenter
nt_load_module
nt_netns_new "$ns"

P() { ip netns exec "$ns" "$probe_bin" "$@"; }

priv=$(wg genkey)
ip -n "$ns" link add nt0 type noisetun
P set ifname strz nt0 private_key key "$priv" listen_port u16 42000 >/dev/null
before=$(P get nt0)

# Test that without any capability, GET and SET are refused.
nt_check "GET without caps: EPERM" P --drop-caps --expect EPERM get nt0
nt_check "SET without caps: EPERM" P --drop-caps --expect EPERM set ifname strz nt0 fwmark u32 1
nt_check "nothing changed" [ "$before" = "$(P get nt0)" ]

# Test that root of a user namespace that does not own the network
# namespace is refused too.
nt_check "GET from a foreign user namespace: EPERM" \
	ip netns exec "$ns" unshare -U -r "$probe_bin" --expect EPERM get nt0
nt_check "SET from a foreign user namespace: EPERM" \
	ip netns exec "$ns" unshare -U -r "$probe_bin" --expect EPERM set ifname strz nt0 fwmark u32 1

# A process in its own user and network namespace: admin of that netns,
# not of the one nt1 was created in.
nt_bg ip netns exec "$ns" unshare -U -r -n sleep 600
child=$NT_LAST_PID
# shellcheck disable=SC2016
nt_wait_until 5 eval '[ "$(readlink /proc/$child/ns/user)" != "$(readlink /proc/self/ns/user)" ]'
# unshare execs sleep in place, so $child is the process in both namespaces.
ip -n "$ns" link add nt1 type noisetun
P set ifname strz nt1 listen_port u16 42001 >/dev/null
ip -n "$ns" link set nt1 netns "$child"
inside() { nsenter -t "$child" -U -n -- "$probe_bin" "$@"; }

# Test that the admin of the device's (new) namespace may GET and SET it.
nt_check "GET in the owning user namespace" inside get nt1
nt_check "SET private key there" inside set ifname strz nt1 private_key key "$(wg genkey)"

# Test that LISTEN_PORT and FWMARK need CAP_NET_ADMIN where nt1 was created.
nt_check "LISTEN_PORT from there: EPERM" inside --expect EPERM set ifname strz nt1 listen_port u16 42002
nt_check "FWMARK from there: EPERM" inside --expect EPERM set ifname strz nt1 fwmark u32 5
# inside_has LINE...: `nlprobe get nt1` from inside succeeds and has each
# LINE (captured first: a failing get must not read as a pass).
inside_has() {
	local out l
	out=$(inside get nt1) || return 1
	for l in "$@"; do
		grep -qxF -- "$l" <<<"$out" || { echo "no line '$l' in:"; echo "$out"; return 1; }
	done
}
nt_check "port and fwmark unchanged" inside_has 'listen_port 42001' 'fwmark 0'
nt_check "bringing nt1 up binds in the creating namespace" \
	nsenter -t "$child" -U -n -- ip link set nt1 up
udp_bound() {	# udp_bound PORT: ss succeeds and lists UDP PORT in $ns
	local out
	out=$(ip netns exec "$ns" ss -Hnlu) || return 1
	grep -q ":$1 " <<<"$out"
}
nt_check "42001 bound in $ns" udp_bound 42001
