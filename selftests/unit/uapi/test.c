// SPDX-License-Identifier: GPL-2.0
/*
 * The uAPI noisetun shares with WireGuard: every attribute, flag and
 * length that module/uapi/noisetun.h takes over from WireGuard has the
 * number <linux/wireguard.h> gives it, and noisetun's own attributes are
 * numbered after WireGuard's last, so that a WireGuard message parses the
 * same way in both. (The commands are not shared: noisetun's enum starts
 * with an UNSPEC entry, WireGuard's with GET_DEVICE = 0, and the two
 * families are distinct.)
 *
 * Run: make run. Prints KTAP, exits non-zero on a mismatch.
 */

#include <stdio.h>

#include <linux/wireguard.h>

#include "noisetun.h"

struct pair {
	const char *ours, *theirs;
	long a, b;
};

#define SAME(ours, theirs) { #ours, #theirs, (long)(ours), (long)(theirs) }

static const struct pair pairs[] = {
	SAME(NOISETUN_KEY_LEN, WG_KEY_LEN),
	SAME(NOISETUN_GENL_VERSION, WG_GENL_VERSION),
	SAME(NOISETUN_DEVICE_F_REPLACE_PEERS, WGDEVICE_F_REPLACE_PEERS),
	SAME(__NOISETUN_DEVICE_F_ALL, __WGDEVICE_F_ALL),
	SAME(NOISETUN_A_DEVICE_UNSPEC, WGDEVICE_A_UNSPEC),
	SAME(NOISETUN_A_DEVICE_IFINDEX, WGDEVICE_A_IFINDEX),
	SAME(NOISETUN_A_DEVICE_IFNAME, WGDEVICE_A_IFNAME),
	SAME(NOISETUN_A_DEVICE_PRIVATE_KEY, WGDEVICE_A_PRIVATE_KEY),
	SAME(NOISETUN_A_DEVICE_PUBLIC_KEY, WGDEVICE_A_PUBLIC_KEY),
	SAME(NOISETUN_A_DEVICE_FLAGS, WGDEVICE_A_FLAGS),
	SAME(NOISETUN_A_DEVICE_LISTEN_PORT, WGDEVICE_A_LISTEN_PORT),
	SAME(NOISETUN_A_DEVICE_FWMARK, WGDEVICE_A_FWMARK),
	SAME(NOISETUN_A_DEVICE_PEERS, WGDEVICE_A_PEERS),
	SAME(NOISETUN_A_DEVICE_DROPS, __WGDEVICE_A_LAST),
	SAME(NOISETUN_PEER_F_REMOVE_ME, WGPEER_F_REMOVE_ME),
	SAME(NOISETUN_PEER_F_REPLACE_ALLOWEDIPS, WGPEER_F_REPLACE_ALLOWEDIPS),
	SAME(NOISETUN_PEER_F_UPDATE_ONLY, WGPEER_F_UPDATE_ONLY),
	SAME(__NOISETUN_PEER_F_ALL, __WGPEER_F_ALL),
	SAME(NOISETUN_A_PEER_UNSPEC, WGPEER_A_UNSPEC),
	SAME(NOISETUN_A_PEER_PUBLIC_KEY, WGPEER_A_PUBLIC_KEY),
	SAME(NOISETUN_A_PEER_PRESHARED_KEY, WGPEER_A_PRESHARED_KEY),
	SAME(NOISETUN_A_PEER_FLAGS, WGPEER_A_FLAGS),
	SAME(NOISETUN_A_PEER_ENDPOINT, WGPEER_A_ENDPOINT),
	SAME(NOISETUN_A_PEER_PERSISTENT_KEEPALIVE_INTERVAL, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL),
	SAME(NOISETUN_A_PEER_LAST_HANDSHAKE_TIME, WGPEER_A_LAST_HANDSHAKE_TIME),
	SAME(NOISETUN_A_PEER_RX_BYTES, WGPEER_A_RX_BYTES),
	SAME(NOISETUN_A_PEER_TX_BYTES, WGPEER_A_TX_BYTES),
	SAME(NOISETUN_A_PEER_ALLOWEDIPS, WGPEER_A_ALLOWEDIPS),
	SAME(NOISETUN_A_PEER_PROTOCOL_VERSION, WGPEER_A_PROTOCOL_VERSION),
	SAME(NOISETUN_A_PEER_RX_PACKETS, __WGPEER_A_LAST),
	SAME(NOISETUN_A_ALLOWEDIP_UNSPEC, WGALLOWEDIP_A_UNSPEC),
	SAME(NOISETUN_A_ALLOWEDIP_FAMILY, WGALLOWEDIP_A_FAMILY),
	SAME(NOISETUN_A_ALLOWEDIP_IPADDR, WGALLOWEDIP_A_IPADDR),
	SAME(NOISETUN_A_ALLOWEDIP_CIDR_MASK, WGALLOWEDIP_A_CIDR_MASK),
	SAME(NOISETUN_A_ALLOWEDIP_FLAGS, __WGALLOWEDIP_A_LAST),
};

int main(void)
{
	unsigned int i, failed = 0;

	printf("KTAP version 1\n1..%zu\n", sizeof(pairs) / sizeof(pairs[0]));
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		const struct pair *p = &pairs[i];

		if (p->a == p->b) {
			printf("ok %u - %s == %s (%ld)\n", i + 1, p->ours,
			       p->theirs, p->a);
		} else {
			printf("not ok %u - %s == %s (%ld != %ld)\n", i + 1,
			       p->ours, p->theirs, p->a, p->b);
			failed++;
		}
	}
	printf("# %zu passed, %u failed\n",
	       sizeof(pairs) / sizeof(pairs[0]) - failed, failed);
	return failed ? 1 : 0;
}
