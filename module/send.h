/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Sending handshake messages to a peer (PROTOCOL.md "Handshake", "Timers").
 *
 * A packet staged for a peer without a session asks for a handshake with
 * nt_send_handshake_want(); the initiation is then created and sent by the
 * peer's work item on the device's handshake workqueue, because creating
 * one draws an ephemeral key and may sleep. While no response arrives, the
 * peer's retransmit timer queues the work again every REKEY_TIMEOUT plus
 * jitter, MAX_TIMER_HANDSHAKES times (REKEY_ATTEMPT_TIME), and then gives
 * up and drops the staged packets. nt_send_handshake_complete() stops it.
 *
 * Transport data (#3, later) will be sent from here too.
 */

#ifndef _NT_SEND_H
#define _NT_SEND_H

#include <linux/types.h>

struct nt_peer;

/**
 * nt_send_peer_init() - set up a new peer's handshake work and timer
 * @peer: the peer, from nt_peer_create()
 */
void nt_send_peer_init(struct nt_peer *peer);

/**
 * nt_send_peer_stop() - stop the handshake work and timer of a peer
 * @peer: the peer. Either dead (is_dead set and a grace period passed, so
 *        nothing queues the work again), or its device is going down.
 *
 * Context: process context; sleeps (waits for a running work item).
 */
void nt_send_peer_stop(struct nt_peer *peer);

/**
 * nt_send_handshake_want() - a packet waits for a session: start a handshake
 * @peer: the peer, referenced by the caller
 *
 * Does nothing if the peer is dead or an initiation went out less than
 * REKEY_TIMEOUT ago (its retransmit timer is in charge then).
 *
 * Context: any but hard interrupts; caller holds rcu_read_lock_bh() (or
 * runs with bottom halves off, as ndo_start_xmit does), so that peer
 * removal's grace period orders it before the work is flushed.
 */
void nt_send_handshake_want(struct nt_peer *peer);

/**
 * nt_send_handshake_complete() - a session was derived from our initiation
 * @peer: the peer
 *
 * Stops the retransmissions. Context: any but hard interrupts.
 */
void nt_send_handshake_complete(struct nt_peer *peer);

/**
 * nt_send_handshake_response() - answer an initiation just consumed
 * @peer: the peer returned by nt_noise_handshake_consume_initiation()
 *
 * Creates the response, fills its macs, sends it to the peer's endpoint and
 * derives the (unconfirmed, "next") session.
 *
 * Context: process context (the handshake workqueue); sleeps.
 * Return: true if the response was sent and the session derived.
 */
bool nt_send_handshake_response(struct nt_peer *peer);

#endif /* _NT_SEND_H */
