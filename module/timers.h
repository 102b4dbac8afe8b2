/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A peer's timers (Documentation/protocol.md "Timers and limits").
 *
 * The data and handshake paths report protocol events here and nothing
 * more ("data was sent", "a handshake completed"); this file alone decides
 * what each event means for the five timers of a peer:
 *
 *   retransmit_handshake  REKEY_TIMEOUT (+ jitter) after an initiation:
 *                         send another, up to MAX_TIMER_HANDSHAKES times
 *                         (REKEY_ATTEMPT_TIME), then give up
 *   send_keepalive        KEEPALIVE_TIMEOUT after data arrived with nothing
 *                         sent back: a keepalive (passive keepalive)
 *   new_handshake         KEEPALIVE_TIMEOUT + REKEY_TIMEOUT after data was
 *                         sent with nothing heard back: a new handshake
 *   zero_key_material     3 * REJECT_AFTER_TIME after the last session was
 *                         derived: forget every key of the peer
 *   persistent_keepalive  the configured interval after the last packet in
 *                         either direction: a keepalive
 *
 * Timers are armed only while the device runs and the peer is alive (both
 * checked under rcu_read_lock_bh(), which peer removal waits for), so that
 * nt_timers_stop() leaves none behind. Every event may be reported from
 * any context but hard interrupts.
 */

#ifndef _NT_TIMERS_H
#define _NT_TIMERS_H

struct nt_peer;

/**
 * nt_timers_init() - set up a new peer's timers, none armed
 * @peer: the peer, from nt_peer_create()
 */
void nt_timers_init(struct nt_peer *peer);

/**
 * nt_timers_stop() - stop every timer of a peer and the work they queue
 * @peer: a dead peer after its grace period, or one of a device going down
 *        (no longer running)
 *
 * Also stops the handshake initiation work (send.h). Process context;
 * sleeps.
 */
void nt_timers_stop(struct nt_peer *peer);

/**
 * nt_timers_data_sent() - a data message (not a keepalive) went out
 * @peer: the peer
 */
void nt_timers_data_sent(struct nt_peer *peer);

/**
 * nt_timers_data_received() - a data message (not a keepalive) came in
 * @peer: the peer
 */
void nt_timers_data_received(struct nt_peer *peer);

/**
 * nt_timers_any_authenticated_packet_sent() - we sent a handshake message,
 *	data or a keepalive
 * @peer: the peer
 */
void nt_timers_any_authenticated_packet_sent(struct nt_peer *peer);

/**
 * nt_timers_any_authenticated_packet_received() - an authenticated
 *	handshake message, data or keepalive came in
 * @peer: the peer
 */
void nt_timers_any_authenticated_packet_received(struct nt_peer *peer);

/**
 * nt_timers_any_authenticated_packet_traversal() - any authenticated
 *	packet, either direction (restarts the persistent keepalive)
 * @peer: the peer
 */
void nt_timers_any_authenticated_packet_traversal(struct nt_peer *peer);

/**
 * nt_timers_handshake_initiated() - an initiation went out
 * @peer: the peer
 */
void nt_timers_handshake_initiated(struct nt_peer *peer);

/**
 * nt_timers_handshake_complete() - a handshake completed: our initiation
 *	was answered, or the peer confirmed the session we answered with
 * @peer: the peer
 *
 * Stops the retries and records the time netlink reports as the latest
 * handshake.
 */
void nt_timers_handshake_complete(struct nt_peer *peer);

/**
 * nt_timers_session_derived() - new transport keys were derived
 * @peer: the peer
 */
void nt_timers_session_derived(struct nt_peer *peer);

/**
 * nt_timers_persistent_keepalive_changed() - the interval was configured
 * @peer: the peer
 * @old_interval: the interval before, in seconds
 *
 * Turning it on for a running device sends a keepalive at once, so that a
 * peer behind NAT becomes reachable without waiting for traffic. Caller
 * holds device_update_lock.
 */
void nt_timers_persistent_keepalive_changed(struct nt_peer *peer,
					    unsigned int old_interval);

#endif /* _NT_TIMERS_H */
