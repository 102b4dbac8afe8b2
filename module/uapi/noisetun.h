/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * noisetun generic netlink uAPI, version 1.
 *
 * This header is the documentation of the API. It is shared verbatim by the
 * kernel module (module/netlink.c) and by tunctl (tools/). The YAML spec in
 * noisetun.yaml describes the same family for machine consumption.
 *
 * Family "noisetun", version NOISETUN_GENL_VERSION. Both commands require
 * CAP_NET_ADMIN in the network namespace of the device.
 *
 * For the subset shared with WireGuard the attribute meanings are those of
 * WireGuard's uAPI, so that a user's mental model carries over; what noisetun
 * adds (per-peer packet counters, drop counters by reason) comes after.
 *
 * NOISETUN_CMD_GET_DEVICE
 * -----------------------
 * A dump (NLM_F_DUMP), or a plain request for one peer (QUERY_PEER
 * required, else -EOPNOTSUPP), answered with one message. The request
 * names the device with exactly one of:
 *
 *    NOISETUN_A_DEVICE_IFINDEX: NLA_U32
 *    NOISETUN_A_DEVICE_IFNAME: NLA_NUL_STRING, at most IFNAMSIZ - 1 chars
 *
 * and may add:
 *
 *    NOISETUN_A_DEVICE_QUERY_PEER: NOISETUN_KEY_LEN bytes, a peer's public
 *        key: the reply carries that peer only (no such peer: -ENOENT).
 *        A plain request whose peer does not fit in one message (about
 *        800 allowed IPs or more) gets -EMSGSIZE: dump it instead.
 *    NOISETUN_A_DEVICE_QUERY_FLAGS: NLA_U32, any of NOISETUN_QUERY_F_*
 *        (unknown bits: -EOPNOTSUPP):
 *        KEYS: include the device's private key and the peers' preshared
 *              keys, which every other reply leaves out;
 *        NO_ALLOWEDIPS: leave the peers' allowed IPs out;
 *        STATS_ONLY: only the device's IFINDEX, IFNAME and DROPS, and the
 *              peers' PUBLIC_KEY, LAST_HANDSHAKE_TIME, byte, packet and
 *              attempt counters and DROPS (KEYS and NO_ALLOWEDIPS are
 *              then implied away).
 *
 * The reply is one or more messages, each carrying a subset of:
 *
 *    NOISETUN_A_DEVICE_IFINDEX: NLA_U32
 *    NOISETUN_A_DEVICE_IFNAME: NLA_NUL_STRING
 *    NOISETUN_A_DEVICE_PRIVATE_KEY: NLA_EXACT_LEN, NOISETUN_KEY_LEN
 *                                   (absent when no key is set, and
 *                                   without NOISETUN_QUERY_F_KEYS)
 *    NOISETUN_A_DEVICE_PUBLIC_KEY: NLA_EXACT_LEN, NOISETUN_KEY_LEN
 *                                  (absent when no key is set)
 *    NOISETUN_A_DEVICE_LISTEN_PORT: NLA_U16, the port actually bound
 *    NOISETUN_A_DEVICE_FWMARK: NLA_U32, 0 when unset
 *    NOISETUN_A_DEVICE_DROPS: NLA_NESTED, device-wide drop counters:
 *        NOISETUN_A_DROP_*: NLA_U64 each, see enum noisetun_drop_attr
 *    NOISETUN_A_DEVICE_COOKIES_SENT: NLA_U64, cookie replies sent
 *    NOISETUN_A_DEVICE_HANDSHAKES_ANSWERED: NLA_U64, responses sent to
 *                                           initiations
 *    NOISETUN_A_DEVICE_UNDER_LOAD_NS: NLA_U64, time spent under load
 *    NOISETUN_A_DEVICE_HANDSHAKE_QUEUE_LEN: NLA_U32, handshake messages
 *                                           waiting now
 *    NOISETUN_A_DEVICE_UNKNOWN_PEER_EVENTS: NLA_U8, 1 when the device sends
 *                                           unknown-peer events
 *    NOISETUN_A_DEVICE_PEERS: NLA_NESTED
 *        0: NLA_NESTED  (the attribute type of each element is its index)
 *            NOISETUN_A_PEER_PUBLIC_KEY: NLA_EXACT_LEN, NOISETUN_KEY_LEN
 *            NOISETUN_A_PEER_PRESHARED_KEY: NLA_EXACT_LEN, NOISETUN_KEY_LEN,
 *                                           all zeros when unset (only
 *                                           with NOISETUN_QUERY_F_KEYS)
 *            NOISETUN_A_PEER_ENDPOINT: struct sockaddr_in or sockaddr_in6
 *            NOISETUN_A_PEER_PERSISTENT_KEEPALIVE_INTERVAL: NLA_U16, seconds,
 *                                                           0 = off
 *            NOISETUN_A_PEER_LAST_HANDSHAKE_TIME: struct __kernel_timespec,
 *                                                 wall clock; 0 = never
 *            NOISETUN_A_PEER_RX_BYTES: NLA_U64
 *            NOISETUN_A_PEER_TX_BYTES: NLA_U64
 *            NOISETUN_A_PEER_ALLOWEDIPS: NLA_NESTED
 *                0: NLA_NESTED
 *                    NOISETUN_A_ALLOWEDIP_FAMILY: NLA_U16, AF_INET or AF_INET6
 *                    NOISETUN_A_ALLOWEDIP_IPADDR: struct in_addr or in6_addr
 *                    NOISETUN_A_ALLOWEDIP_CIDR_MASK: NLA_U8
 *                1: NLA_NESTED ...
 *            NOISETUN_A_PEER_PROTOCOL_VERSION: NLA_U32, always 1
 *            NOISETUN_A_PEER_RX_PACKETS: NLA_U64
 *            NOISETUN_A_PEER_TX_PACKETS: NLA_U64
 *            NOISETUN_A_PEER_HANDSHAKE_ATTEMPTS: NLA_U64, initiations sent
 *            NOISETUN_A_PEER_DROPS: NLA_NESTED, this peer's drop counters:
 *                NOISETUN_A_DROP_*: NLA_U64 each
 *            NOISETUN_A_PEER_DISABLED: NLA_U8, 1 when disabled, else 0
 *            NOISETUN_A_PEER_DESCRIPTION: NLA_NUL_STRING (absent when empty)
 *            NOISETUN_A_PEER_LAST_RX_TIME: struct __kernel_timespec, wall
 *                         clock of the last message received; 0 = never
 *            NOISETUN_A_PEER_LAST_HANDSHAKE_RTT_NS: NLA_U64, round trip of
 *                         the last completed handshake; 0 = none yet
 *            NOISETUN_A_PEER_HANDSHAKES_COMPLETED: NLA_U64
 *            NOISETUN_A_PEER_HANDSHAKES_FAILED: NLA_U64, given up after
 *                                               REKEY_ATTEMPT_TIME
 *            NOISETUN_A_PEER_COOKIES_RECEIVED: NLA_U64, valid cookie replies
 *        1: NLA_NESTED ...
 *
 * A peer whose allowed IPs do not fit in one message is continued in the
 * next: the next message repeats NOISETUN_A_PEER_PUBLIC_KEY and carries only
 * further NOISETUN_A_PEER_ALLOWEDIPS. The device attributes appear in the
 * first message only. If the configuration changes while a dump is in
 * progress, the kernel sets NLM_F_DUMP_INTR on the next messages and a
 * caller that needs a consistent picture restarts the dump. The dump goes
 * on from a peer still present (every peer present throughout is listed
 * once); it ends when it cannot (its next peer removed, or a change while
 * inside a peer's allowed IPs).
 *
 * NOISETUN_CMD_SET_DEVICE
 * -----------------------
 * Changes the device named by exactly one of IFINDEX or IFNAME (neither or
 * both: -EBADR). The whole request is validated before anything is applied:
 * a request that fails leaves the configuration unchanged.
 *
 *    NOISETUN_A_DEVICE_IFINDEX: NLA_U32
 *    NOISETUN_A_DEVICE_IFNAME: NLA_NUL_STRING
 *    NOISETUN_A_DEVICE_FLAGS: NLA_U32, 0 or NOISETUN_DEVICE_F_REPLACE_PEERS
 *                             to remove every peer not named in this request
 *    NOISETUN_A_DEVICE_PRIVATE_KEY: NLA_EXACT_LEN, all zeros removes the key.
 *                                   A peer whose public key equals the new
 *                                   device public key is removed.
 *    NOISETUN_A_DEVICE_LISTEN_PORT: NLA_U16, 0 picks a free port
 *    NOISETUN_A_DEVICE_FWMARK: NLA_U32, 0 disables
 *    NOISETUN_A_DEVICE_UNKNOWN_PEER_EVENTS: NLA_U8, 1 turns unknown-peer
 *                                           events on, 0 off (the default)
 *    NOISETUN_A_DEVICE_PEERS: NLA_NESTED
 *        0: NLA_NESTED
 *            NOISETUN_A_PEER_PUBLIC_KEY: NLA_EXACT_LEN, required
 *            NOISETUN_A_PEER_FLAGS: NLA_U32, any of NOISETUN_PEER_F_*
 *            NOISETUN_A_PEER_PRESHARED_KEY: NLA_EXACT_LEN, all zeros removes
 *            NOISETUN_A_PEER_ENDPOINT: struct sockaddr_in or sockaddr_in6
 *                                      (any other length or family: -EINVAL;
 *                                      WireGuard ignores such an endpoint)
 *            NOISETUN_A_PEER_PERSISTENT_KEEPALIVE_INTERVAL: NLA_U16, 0 = off
 *            NOISETUN_A_PEER_ALLOWEDIPS: NLA_NESTED
 *                0: NLA_NESTED
 *                    NOISETUN_A_ALLOWEDIP_FAMILY: NLA_U16
 *                    NOISETUN_A_ALLOWEDIP_IPADDR: 4 or 16 bytes by family
 *                    NOISETUN_A_ALLOWEDIP_CIDR_MASK: NLA_U8, <= 32 or 128;
 *                                                    host bits are cleared
 *                    NOISETUN_A_ALLOWEDIP_FLAGS: NLA_U32, 0 or
 *                                  NOISETUN_ALLOWEDIP_F_REMOVE_ME
 *                1: NLA_NESTED ...
 *            NOISETUN_A_PEER_PROTOCOL_VERSION: NLA_U32, 1 if present
 *                                              (else -EPFNOSUPPORT)
 *            NOISETUN_A_PEER_DISABLED: NLA_U8, 1 disables the peer (its
 *                configuration stays; its sessions are cleared; traffic
 *                to and from it and its handshakes are dropped, counted
 *                as NOISETUN_A_DROP_PEER_DISABLED; none is initiated), 0
 *                enables it again; other values: -EINVAL
 *            NOISETUN_A_PEER_DESCRIPTION: UTF-8 text, at most
 *                NOISETUN_DESCRIPTION_MAX bytes (one trailing NUL allowed
 *                and not counted), no control characters; empty clears
 *                it; anything else: -EINVAL
 *        1: NLA_NESTED ...
 *
 * QUERY_PEER and QUERY_FLAGS are refused in SET with -EINVAL.
 *
 * Attributes that are read-only (public key, byte and packet counters, last
 * handshake time, drops, attempts, the statistics) are refused in SET with
 * -EINVAL and an extack message naming them. Unknown flag bits get
 * -EOPNOTSUPP.
 *
 * A SET too large for one message may be split: the first message carries
 * the device attributes and the first peers; later messages carry further
 * peers (a peer may be repeated to add more allowed IPs, without
 * NOISETUN_PEER_F_REPLACE_ALLOWEDIPS). Only the first message may carry
 * NOISETUN_DEVICE_F_REPLACE_PEERS.
 *
 * Events (multicast group "events", NOISETUN_MCGRP_EVENTS)
 * -------------------------------------------------------
 * Notifications the module sends, never requests (sending one of these
 * commands gets -EOPNOTSUPP). Joining the group needs CAP_NET_ADMIN in the
 * user namespace of the socket's network namespace, on kernels that can
 * check it for multicast groups; events of a device go to listeners in
 * the device's network namespace only. Each is one message whose command
 * says what happened, with attributes of enum noisetun_event_attr:
 *
 *    NOISETUN_A_EVENT_IFINDEX: NLA_U32, always
 *    NOISETUN_A_EVENT_IFNAME: NLA_NUL_STRING, always
 *    NOISETUN_A_EVENT_PEER_PUBLIC_KEY: NOISETUN_KEY_LEN bytes, in every
 *                                      event about a peer
 *
 * NOISETUN_CMD_EVENT_HANDSHAKE_COMPLETE: a session was established.
 *    NOISETUN_A_EVENT_ROLE: NLA_U32, NOISETUN_EVENT_ROLE_*
 *    NOISETUN_A_EVENT_RTT_NS: NLA_U64, from sending our initiation to
 *                             receiving the response (initiator only)
 *    NOISETUN_A_EVENT_ENDPOINT: the peer's endpoint (when known)
 * NOISETUN_CMD_EVENT_HANDSHAKE_GIVEN_UP: no handshake completed within
 *    REKEY_ATTEMPT_TIME; the packets that waited for it were dropped.
 *    NOISETUN_A_EVENT_ATTEMPTS: NLA_U32, initiations sent in this attempt
 * NOISETUN_CMD_EVENT_ENDPOINT_CHANGED: an authenticated packet came from
 *    another address or port than the peer's endpoint, which now follows
 *    it. At most one event per peer per second; a change within a second
 *    of the last event is not reported on its own.
 *    NOISETUN_A_EVENT_ENDPOINT: struct sockaddr_in or sockaddr_in6
 * NOISETUN_CMD_EVENT_PEER_ADDED: SET_DEVICE created the peer.
 * NOISETUN_CMD_EVENT_PEER_REMOVED: SET_DEVICE removed the peer (REMOVE_ME,
 *    REPLACE_PEERS, or the device's new key is the peer's key).
 * NOISETUN_CMD_EVENT_PEER_CHANGED: SET_DEVICE changed an existing peer.
 *    NOISETUN_A_EVENT_CHANGES: NLA_U32, NOISETUN_EVENT_CHANGE_*
 * NOISETUN_CMD_EVENT_DEVICE_KEY_CHANGED: SET_DEVICE changed the private key.
 *    NOISETUN_A_EVENT_DEVICE_PUBLIC_KEY: the new public key (absent when
 *                                        the key was removed)
 * NOISETUN_CMD_EVENT_KEYS_ZEROED: nothing was heard from the peer for
 *    REJECT_AFTER_TIME * 3 since the last session began (or since a
 *    handshake was given up): its sessions expired and every key was
 *    zeroed.
 * NOISETUN_CMD_EVENT_UNKNOWN_PEER: an initiation with a valid mac1 whose
 *    static key opened but is no peer's; it is still dropped. Only from a
 *    device with NOISETUN_A_DEVICE_UNKNOWN_PEER_EVENTS set, and at most
 *    NOISETUN_UNKNOWN_PEER_EVENTS_PER_SEC a second (the others are not
 *    announced). PEER_PUBLIC_KEY is the unknown key.
 *    NOISETUN_A_EVENT_ENDPOINT: where the initiation came from
 * NOISETUN_CMD_EVENT_DEVICE_REMOVED: the device is being deleted ("ip link
 *    del", the death of its namespace or of the namespace that created
 *    it, module unload), and its peers with it: one event for the
 *    device, no PEER_REMOVED per peer. IFINDEX and IFNAME only (and
 *    UNSENT). The last event of the device.
 *
 *    NOISETUN_A_EVENT_UNSENT: NLA_U64, in any event once the device has
 *                             failed to allocate an event: how many it
 *                             could not send since it was created
 *
 * Events never carry a private or preshared key. Events are best effort: a
 * listener that reads too slowly loses some (its socket reports ENOBUFS),
 * and an event that cannot be allocated at once is counted (UNSENT) and
 * not sent.
 */

#ifndef _UAPI_NOISETUN_H
#define _UAPI_NOISETUN_H

#define NOISETUN_GENL_NAME "noisetun"
#define NOISETUN_GENL_VERSION 1
#define NOISETUN_MCGRP_EVENTS "events"

#define NOISETUN_KEY_LEN 32

/* The most unknown-peer events one device sends in a second. */
#define NOISETUN_UNKNOWN_PEER_EVENTS_PER_SEC 10

/* The largest number of peers one device holds (-ENOSPC beyond it). */
#define NOISETUN_MAX_PEERS (1U << 20)

enum noisetun_cmd {
	NOISETUN_CMD_UNSPEC,
	NOISETUN_CMD_GET_DEVICE,
	NOISETUN_CMD_SET_DEVICE,
	/* events, sent on NOISETUN_MCGRP_EVENTS only */
	NOISETUN_CMD_EVENT_HANDSHAKE_COMPLETE,
	NOISETUN_CMD_EVENT_HANDSHAKE_GIVEN_UP,
	NOISETUN_CMD_EVENT_ENDPOINT_CHANGED,
	NOISETUN_CMD_EVENT_PEER_ADDED,
	NOISETUN_CMD_EVENT_PEER_REMOVED,
	NOISETUN_CMD_EVENT_PEER_CHANGED,
	NOISETUN_CMD_EVENT_DEVICE_KEY_CHANGED,
	NOISETUN_CMD_EVENT_KEYS_ZEROED,
	/* unknown-peer event (opt-in per device) */
	NOISETUN_CMD_EVENT_UNKNOWN_PEER,
	/* the device's end */
	NOISETUN_CMD_EVENT_DEVICE_REMOVED,
	__NOISETUN_CMD_MAX
};

#define NOISETUN_CMD_MAX (__NOISETUN_CMD_MAX - 1)

enum noisetun_device_flag {
	NOISETUN_DEVICE_F_REPLACE_PEERS = 1U << 0,
	__NOISETUN_DEVICE_F_ALL = NOISETUN_DEVICE_F_REPLACE_PEERS
};

enum noisetun_device_attr {
	NOISETUN_A_DEVICE_UNSPEC,
	NOISETUN_A_DEVICE_IFINDEX,
	NOISETUN_A_DEVICE_IFNAME,
	NOISETUN_A_DEVICE_PRIVATE_KEY,
	NOISETUN_A_DEVICE_PUBLIC_KEY,
	NOISETUN_A_DEVICE_FLAGS,
	NOISETUN_A_DEVICE_LISTEN_PORT,
	NOISETUN_A_DEVICE_FWMARK,
	NOISETUN_A_DEVICE_PEERS,
	/* beyond WireGuard */
	NOISETUN_A_DEVICE_DROPS,
	/* queries: GET of one peer, GET filters and keys on request */
	NOISETUN_A_DEVICE_QUERY_PEER,
	NOISETUN_A_DEVICE_QUERY_FLAGS,
	/* statistics (read-only) */
	NOISETUN_A_DEVICE_COOKIES_SENT,
	NOISETUN_A_DEVICE_HANDSHAKES_ANSWERED,
	NOISETUN_A_DEVICE_UNDER_LOAD_NS,
	NOISETUN_A_DEVICE_HANDSHAKE_QUEUE_LEN,
	/* unknown-peer events */
	NOISETUN_A_DEVICE_UNKNOWN_PEER_EVENTS,
	__NOISETUN_A_DEVICE_MAX
};

#define NOISETUN_A_DEVICE_MAX (__NOISETUN_A_DEVICE_MAX - 1)

/* NOISETUN_A_DEVICE_QUERY_FLAGS: what a GET reply carries. */
enum noisetun_query_flag {
	NOISETUN_QUERY_F_KEYS = 1U << 0,
	NOISETUN_QUERY_F_NO_ALLOWEDIPS = 1U << 1,
	NOISETUN_QUERY_F_STATS_ONLY = 1U << 2,
	__NOISETUN_QUERY_F_ALL = NOISETUN_QUERY_F_KEYS |
				 NOISETUN_QUERY_F_NO_ALLOWEDIPS |
				 NOISETUN_QUERY_F_STATS_ONLY
};

/* The longest NOISETUN_A_PEER_DESCRIPTION, in bytes, without a NUL. */
#define NOISETUN_DESCRIPTION_MAX 64

enum noisetun_peer_flag {
	NOISETUN_PEER_F_REMOVE_ME = 1U << 0,
	NOISETUN_PEER_F_REPLACE_ALLOWEDIPS = 1U << 1,
	NOISETUN_PEER_F_UPDATE_ONLY = 1U << 2,
	__NOISETUN_PEER_F_ALL = NOISETUN_PEER_F_REMOVE_ME |
				NOISETUN_PEER_F_REPLACE_ALLOWEDIPS |
				NOISETUN_PEER_F_UPDATE_ONLY
};

enum noisetun_peer_attr {
	NOISETUN_A_PEER_UNSPEC,
	NOISETUN_A_PEER_PUBLIC_KEY,
	NOISETUN_A_PEER_PRESHARED_KEY,
	NOISETUN_A_PEER_FLAGS,
	NOISETUN_A_PEER_ENDPOINT,
	NOISETUN_A_PEER_PERSISTENT_KEEPALIVE_INTERVAL,
	NOISETUN_A_PEER_LAST_HANDSHAKE_TIME,
	NOISETUN_A_PEER_RX_BYTES,
	NOISETUN_A_PEER_TX_BYTES,
	NOISETUN_A_PEER_ALLOWEDIPS,
	NOISETUN_A_PEER_PROTOCOL_VERSION,
	/* beyond WireGuard */
	NOISETUN_A_PEER_RX_PACKETS,
	NOISETUN_A_PEER_TX_PACKETS,
	NOISETUN_A_PEER_HANDSHAKE_ATTEMPTS,
	NOISETUN_A_PEER_DROPS,
	/* peer flags: disabled and description */
	NOISETUN_A_PEER_DISABLED,
	NOISETUN_A_PEER_DESCRIPTION,
	/* statistics (read-only) */
	NOISETUN_A_PEER_LAST_RX_TIME,
	NOISETUN_A_PEER_LAST_HANDSHAKE_RTT_NS,
	NOISETUN_A_PEER_HANDSHAKES_COMPLETED,
	NOISETUN_A_PEER_HANDSHAKES_FAILED,
	NOISETUN_A_PEER_COOKIES_RECEIVED,
	__NOISETUN_A_PEER_MAX
};

#define NOISETUN_A_PEER_MAX (__NOISETUN_A_PEER_MAX - 1)

enum noisetun_allowedip_flag {
	NOISETUN_ALLOWEDIP_F_REMOVE_ME = 1U << 0,
	__NOISETUN_ALLOWEDIP_F_ALL = NOISETUN_ALLOWEDIP_F_REMOVE_ME
};

enum noisetun_allowedip_attr {
	NOISETUN_A_ALLOWEDIP_UNSPEC,
	NOISETUN_A_ALLOWEDIP_FAMILY,
	NOISETUN_A_ALLOWEDIP_IPADDR,
	NOISETUN_A_ALLOWEDIP_CIDR_MASK,
	NOISETUN_A_ALLOWEDIP_FLAGS,
	__NOISETUN_A_ALLOWEDIP_MAX
};

#define NOISETUN_A_ALLOWEDIP_MAX (__NOISETUN_A_ALLOWEDIP_MAX - 1)

/*
 * Drop counters, one NLA_U64 each inside NOISETUN_A_DEVICE_DROPS (every drop
 * of the device) and NOISETUN_A_PEER_DROPS (drops attributed to that peer).
 * The names in parentheses are the keys tunctl uses in its output.
 */
enum noisetun_drop_attr {
	NOISETUN_A_DROP_UNSPEC,
	/* receive: outer message checks, before any key is known */
	NOISETUN_A_DROP_BAD_HEADER,		/* (bad_header) truncated IP/UDP */
	NOISETUN_A_DROP_BAD_TYPE,		/* (bad_type) type or reserved */
	NOISETUN_A_DROP_BAD_SIZE,		/* (bad_size) size for the type */
	NOISETUN_A_DROP_BAD_MAC1,		/* (bad_mac1) */
	NOISETUN_A_DROP_RATELIMITED,		/* (ratelimited) per source */
	NOISETUN_A_DROP_HANDSHAKE_QUEUE_FULL,	/* (handshake_queue_full) */
	/* receive: handshake messages */
	NOISETUN_A_DROP_HANDSHAKE_INVALID,	/* (handshake_invalid) */
	NOISETUN_A_DROP_HANDSHAKE_REPLAY,	/* (handshake_replay) timestamp */
	NOISETUN_A_DROP_HANDSHAKE_FLOOD,	/* (handshake_flood) per peer */
	NOISETUN_A_DROP_UNKNOWN_INDEX,		/* (unknown_index) */
	NOISETUN_A_DROP_BAD_STATE,		/* (bad_state) */
	NOISETUN_A_DROP_COOKIE_INVALID,		/* (cookie_invalid) */
	/* receive: transport data */
	NOISETUN_A_DROP_BAD_KEYPAIR,		/* (bad_keypair) expired/unknown */
	NOISETUN_A_DROP_AUTH_FAIL,		/* (auth_fail) AEAD open failed */
	NOISETUN_A_DROP_REPLAY,			/* (replay) counter seen */
	NOISETUN_A_DROP_TOO_OLD,		/* (too_old) left of window */
	NOISETUN_A_DROP_INNER_PROTOCOL,		/* (inner_protocol) not IPv4/6 */
	NOISETUN_A_DROP_INNER_LENGTH,		/* (inner_length) IP length */
	NOISETUN_A_DROP_SOURCE_NOT_ALLOWED,	/* (source_not_allowed) */
	NOISETUN_A_DROP_RX_QUEUE_FULL,		/* (rx_queue_full) */
	/* transmit */
	NOISETUN_A_DROP_NO_PEER,		/* (no_peer) no allowed IP */
	NOISETUN_A_DROP_NO_ENDPOINT,		/* (no_endpoint) */
	NOISETUN_A_DROP_NO_ROUTE,		/* (no_route) outer route */
	NOISETUN_A_DROP_STAGED_OVERFLOW,	/* (staged_overflow) */
	NOISETUN_A_DROP_TX_QUEUE_FULL,		/* (tx_queue_full) */
	NOISETUN_A_DROP_BAD_PACKET,		/* (bad_packet) odd local skb */
	NOISETUN_A_DROP_NO_MEMORY,		/* (no_memory) */
	/* peer flags: to, from or a handshake of a disabled peer */
	NOISETUN_A_DROP_PEER_DISABLED,		/* (peer_disabled) */
	__NOISETUN_A_DROP_MAX
};

#define NOISETUN_A_DROP_MAX (__NOISETUN_A_DROP_MAX - 1)

/* The attributes of every event (NOISETUN_CMD_EVENT_*). */
enum noisetun_event_attr {
	NOISETUN_A_EVENT_UNSPEC,
	NOISETUN_A_EVENT_IFINDEX,
	NOISETUN_A_EVENT_IFNAME,
	NOISETUN_A_EVENT_PEER_PUBLIC_KEY,
	NOISETUN_A_EVENT_DEVICE_PUBLIC_KEY,
	NOISETUN_A_EVENT_ENDPOINT,
	NOISETUN_A_EVENT_ROLE,
	NOISETUN_A_EVENT_RTT_NS,
	NOISETUN_A_EVENT_ATTEMPTS,
	NOISETUN_A_EVENT_CHANGES,
	NOISETUN_A_EVENT_UNSENT,
	__NOISETUN_A_EVENT_MAX
};

#define NOISETUN_A_EVENT_MAX (__NOISETUN_A_EVENT_MAX - 1)

/* NOISETUN_A_EVENT_ROLE: our side of the handshake that completed. */
enum noisetun_event_role {
	NOISETUN_EVENT_ROLE_INITIATOR = 1,
	NOISETUN_EVENT_ROLE_RESPONDER = 2
};

/* NOISETUN_A_EVENT_CHANGES: what a SET changed in an existing peer. */
enum noisetun_event_change {
	NOISETUN_EVENT_CHANGE_PRESHARED_KEY = 1U << 0,
	NOISETUN_EVENT_CHANGE_ENDPOINT = 1U << 1,
	NOISETUN_EVENT_CHANGE_ALLOWEDIPS = 1U << 2,
	NOISETUN_EVENT_CHANGE_PERSISTENT_KEEPALIVE = 1U << 3,
	/* peer flags */
	NOISETUN_EVENT_CHANGE_DISABLED = 1U << 4,
	NOISETUN_EVENT_CHANGE_DESCRIPTION = 1U << 5,
	__NOISETUN_EVENT_CHANGE_ALL = NOISETUN_EVENT_CHANGE_PRESHARED_KEY |
				      NOISETUN_EVENT_CHANGE_ENDPOINT |
				      NOISETUN_EVENT_CHANGE_ALLOWEDIPS |
				      NOISETUN_EVENT_CHANGE_PERSISTENT_KEEPALIVE |
				      NOISETUN_EVENT_CHANGE_DISABLED |
				      NOISETUN_EVENT_CHANGE_DESCRIPTION
};

#endif /* _UAPI_NOISETUN_H */
