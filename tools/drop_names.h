/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The names of the drop counters, indexed by enum noisetun_drop_attr. They
 * are part of tunctl's output contract (the keys of `show --json`, listed in
 * module/uapi/noisetun.h), so every program that prints them includes this
 * one table: tunctl and the scenarios' raw netlink client, nlprobe.
 */

#ifndef NT_DROP_NAMES_H
#define NT_DROP_NAMES_H

#include "../module/uapi/noisetun.h"

static const char *const nt_drop_names[NOISETUN_A_DROP_MAX + 1] = {
	[NOISETUN_A_DROP_BAD_HEADER] = "bad_header",
	[NOISETUN_A_DROP_BAD_TYPE] = "bad_type",
	[NOISETUN_A_DROP_BAD_SIZE] = "bad_size",
	[NOISETUN_A_DROP_BAD_MAC1] = "bad_mac1",
	[NOISETUN_A_DROP_RATELIMITED] = "ratelimited",
	[NOISETUN_A_DROP_HANDSHAKE_QUEUE_FULL] = "handshake_queue_full",
	[NOISETUN_A_DROP_HANDSHAKE_INVALID] = "handshake_invalid",
	[NOISETUN_A_DROP_HANDSHAKE_REPLAY] = "handshake_replay",
	[NOISETUN_A_DROP_HANDSHAKE_FLOOD] = "handshake_flood",
	[NOISETUN_A_DROP_UNKNOWN_INDEX] = "unknown_index",
	[NOISETUN_A_DROP_BAD_STATE] = "bad_state",
	[NOISETUN_A_DROP_COOKIE_INVALID] = "cookie_invalid",
	[NOISETUN_A_DROP_BAD_KEYPAIR] = "bad_keypair",
	[NOISETUN_A_DROP_AUTH_FAIL] = "auth_fail",
	[NOISETUN_A_DROP_REPLAY] = "replay",
	[NOISETUN_A_DROP_TOO_OLD] = "too_old",
	[NOISETUN_A_DROP_INNER_PROTOCOL] = "inner_protocol",
	[NOISETUN_A_DROP_INNER_LENGTH] = "inner_length",
	[NOISETUN_A_DROP_SOURCE_NOT_ALLOWED] = "source_not_allowed",
	[NOISETUN_A_DROP_RX_QUEUE_FULL] = "rx_queue_full",
	[NOISETUN_A_DROP_NO_PEER] = "no_peer",
	[NOISETUN_A_DROP_NO_ENDPOINT] = "no_endpoint",
	[NOISETUN_A_DROP_NO_ROUTE] = "no_route",
	[NOISETUN_A_DROP_STAGED_OVERFLOW] = "staged_overflow",
	[NOISETUN_A_DROP_TX_QUEUE_FULL] = "tx_queue_full",
	[NOISETUN_A_DROP_BAD_PACKET] = "bad_packet",
	[NOISETUN_A_DROP_NO_MEMORY] = "no_memory",
	[NOISETUN_A_DROP_PEER_DISABLED] = "peer_disabled",
};

#endif /* NT_DROP_NAMES_H */
