/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generic netlink family "noisetun" (uapi/noisetun.h, noisetun.yaml).
 */

#ifndef _NT_NETLINK_H
#define _NT_NETLINK_H

/**
 * nt_genetlink_init() - register the family and its "events" group
 *
 * Return: 0 or -errno.
 */
int nt_genetlink_init(void);

/**
 * nt_genetlink_uninit() - unregister the family
 *
 * Waits for commands and dumps in progress to finish.
 */
void nt_genetlink_uninit(void);

/*
 * Events on the "events" multicast group (uapi/noisetun.h). Those below
 * come from the data path: each checks for listeners in the device's
 * namespace first and does nothing more without one, allocates with
 * GFP_ATOMIC (never sleeping, never reclaiming), sends without waiting
 * (a full listener socket drops it and reports ENOBUFS to its reader), and
 * counts a failed allocation in the device's events_unsent instead of
 * retrying. Any context but hard interrupts; the peer is referenced.
 */

struct nt_device;
struct nt_endpoint;
struct nt_peer;
struct sk_buff;

/**
 * nt_netlink_event_handshake() - a handshake completed
 * @peer: the peer
 * @initiator: we sent the initiation (the event carries the round trip
 *             since peer->initiation_sent_ns); else we responded and the
 *             peer's first data confirmed the session
 */
void nt_netlink_event_handshake(struct nt_peer *peer, bool initiator);

/**
 * nt_netlink_event_unknown_peer() - an initiation from a key no peer has
 * @ntd: the device, which has unknown_peer_events set
 * @public_key: the sender's static key, decrypted from the initiation
 * @skb: the initiation, for its source address and port
 *
 * At most NOISETUN_UNKNOWN_PEER_EVENTS_PER_SEC a second per device; the
 * others are not announced. From the handshake worker.
 */
void nt_netlink_event_unknown_peer(struct nt_device *ntd,
				   const u8 *public_key,
				   const struct sk_buff *skb);

/**
 * nt_netlink_event_given_up() - no handshake within REKEY_ATTEMPT_TIME
 * @peer: the peer
 * @attempts: initiations sent in the attempt
 */
void nt_netlink_event_given_up(struct nt_peer *peer, unsigned int attempts);

/**
 * nt_netlink_event_endpoint() - an authenticated packet moved the endpoint
 * @peer: the peer
 * @endpoint: its new endpoint
 *
 * At most one event per peer per second: a change within a second of the
 * last event is held back, and the first authenticated packet after that
 * second calls here again to announce the endpoint then in use.
 */
void nt_netlink_event_endpoint(struct nt_peer *peer,
			       const struct nt_endpoint *endpoint);

/**
 * nt_netlink_event_keys_zeroed() - the peer's sessions expired, keys zeroed
 * @peer: the peer
 */
void nt_netlink_event_keys_zeroed(struct nt_peer *peer);

/**
 * nt_netlink_event_device_removed() - the device and its peers are going
 * @ntd: the device, being deleted
 *
 * One event for the device instead of one per peer (a device may hold a
 * million). Caller holds RTNL; never sleeps.
 */
void nt_netlink_event_device_removed(struct nt_device *ntd);

#endif /* _NT_NETLINK_H */
