/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What goes out to a peer: handshake messages (Documentation/protocol.md
 * "Handshake") and transport data (Documentation/protocol.md "Messages",
 * queueing.h for the pipeline).
 *
 * Handshakes. A packet that finds no usable session asks for one with
 * nt_send_handshake_want(); the initiation is created and sent by the
 * peer's work item on the device's handshake workqueue, because creating
 * one draws an ephemeral key and may sleep. No more than one initiation
 * goes out per REKEY_TIMEOUT; the retries are the timers' business
 * (timers.h).
 *
 * Data. Packets wait in the peer's staged queue; nt_send_staged_packets()
 * gives each a nonce of the current session and hands them, as one batch,
 * to the encrypt ring and the peer's ordered tx queue. A crypto worker on
 * any CPU seals the batch (padding each packet to 16 bytes, never past its
 * MTU); the peer's tx work sends the batches in order.
 */

#ifndef _NT_SEND_H
#define _NT_SEND_H

#include <linux/types.h>

struct nt_peer;
struct work_struct;

/**
 * nt_send_peer_init() - set up a new peer's send work items
 * @peer: the peer, from nt_peer_create()
 */
void nt_send_peer_init(struct nt_peer *peer);

/**
 * nt_send_peer_stop() - stop the handshake work of a peer
 * @peer: the peer. Either dead (is_dead set and a grace period passed), or
 *        its device is going down. Called by nt_timers_stop().
 *
 * Context: process context; sleeps (waits for a running work item).
 */
void nt_send_peer_stop(struct nt_peer *peer);

/**
 * nt_send_handshake_want() - start a handshake, unless one just went out
 * @peer: the peer, referenced by the caller
 *
 * Resets the retry count: this is a new attempt, not a retransmission.
 * Does nothing if the peer is dead or an initiation went out less than
 * REKEY_TIMEOUT ago.
 *
 * Context: any but hard interrupts.
 */
void nt_send_handshake_want(struct nt_peer *peer);

/**
 * nt_send_handshake_retry() - send the initiation again (the retry timer)
 * @peer: the peer
 *
 * As nt_send_handshake_want(), but keeps counting the retries.
 */
void nt_send_handshake_retry(struct nt_peer *peer);

/**
 * nt_send_handshake_forget() - forget when the last initiation went out
 * @peer: the peer
 *
 * The next nt_send_handshake_want() sends one at once, even within
 * REKEY_TIMEOUT of the last: for a device that got a new private key.
 */
void nt_send_handshake_forget(struct nt_peer *peer);

/**
 * nt_send_handshake_response() - answer an initiation just consumed
 * @peer: the peer returned by nt_noise_handshake_consume_initiation()
 *
 * Creates the response, fills its macs, derives the (unconfirmed, "next")
 * session and sends the response to the peer's endpoint.
 *
 * Context: process context (the handshake workqueue); sleeps.
 * Return: true if the response was sent and the session derived.
 */
bool nt_send_handshake_response(struct nt_peer *peer);

/**
 * nt_send_staged_packets() - send what waits in the peer's staged queue
 * @peer: the peer, referenced by the caller
 *
 * With a current session that may still send, the packets get their nonces
 * and go to the crypto stage as one batch; otherwise they stay staged and
 * a handshake is asked for. Starts a rekey when the session is old.
 *
 * Context: any but hard interrupts.
 */
void nt_send_staged_packets(struct nt_peer *peer);

/**
 * nt_send_keepalive() - send an empty data message, or what is staged
 * @peer: the peer, referenced by the caller
 *
 * A keepalive is only added when nothing is staged: any data message
 * proves liveness as well.
 *
 * Context: any but hard interrupts.
 */
void nt_send_keepalive(struct nt_peer *peer);

/**
 * nt_send_encrypt_worker() - seal batches from the device's encrypt ring
 * @work: a &struct nt_crypt_worker of the device's encrypt queue
 */
void nt_send_encrypt_worker(struct work_struct *work);

/**
 * nt_send_tx_worker() - send a peer's sealed batches, in order
 * @work: the peer's transmit_packet_work
 */
void nt_send_tx_worker(struct work_struct *work);

#endif /* _NT_SEND_H */
