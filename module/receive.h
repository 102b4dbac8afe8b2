/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Receiving handshake messages (Documentation/protocol.md "Handshake",
 * "Cookies") and transport data (Documentation/protocol.md "Messages",
 * queueing.h for the pipeline).
 *
 * The socket's receive path checks a message's framing and hands
 * initiations, responses and cookie replies to nt_receive_handshake_queue().
 * There, in the softirq that received them, cookie replies are consumed
 * (a lookup, and for one of ours its decryption), and initiations and
 * responses are screened before they may take room in the queue: mac1,
 * and under load mac2, then the per-source rate limit for a proven sender
 * or a cookie reply for an unproven one. What passes is queued for the
 * device's handshake workqueue, which runs the Diffie-Hellman steps, the
 * answer, and the peer's new endpoint.
 */

#ifndef _NT_RECEIVE_H
#define _NT_RECEIVE_H

struct napi_struct;
struct nt_device;
struct sk_buff;
struct work_struct;

/**
 * nt_receive_handshake_queue() - take a received handshake message
 * @ntd: the device
 * @skb: a type 1, 2 or 3 message of the right size, skb->data at its
 *       header, network and transport headers set; consumed
 *
 * Screens the message first (bad_mac1 and ratelimited drops, cookie
 * replies sent or consumed). Counted as handshake_queue_full and dropped
 * when MAX_QUEUED_INCOMING_HANDSHAKES wait already.
 *
 * Context: softirq (encap_rcv), under RCU.
 */
void nt_receive_handshake_queue(struct nt_device *ntd, struct sk_buff *skb);

/**
 * nt_receive_handshake_worker() - process the device's handshake queue
 * @work: one of the device's per-CPU handshake workers
 *
 * Context: process context (the device's handshake workqueue); sleeps.
 */
void nt_receive_handshake_worker(struct work_struct *work);

/**
 * nt_receive_data() - take a received data message
 * @ntd: the device
 * @skb: a type 4 message of at least MESSAGE_MINIMUM_LENGTH bytes, skb->data
 *       at its header (linear), outer network and transport headers set;
 *       consumed
 *
 * Finds the keypair by the message's index (unknown: bad_keypair) and
 * queues the message on its peer and the device's decrypt ring; the
 * decrypt worker opens it, and the peer's NAPI poll checks its counter
 * against the replay window, roams, and delivers the inner packet.
 *
 * Context: softirq (encap_rcv), under RCU.
 */
void nt_receive_data(struct nt_device *ntd, struct sk_buff *skb);

/**
 * nt_receive_decrypt_worker() - open messages from the device's decrypt ring
 * @work: a &struct nt_crypt_worker of the device's decrypt queue
 */
void nt_receive_decrypt_worker(struct work_struct *work);

/**
 * nt_receive_poll() - a peer's NAPI poll: consume its opened messages
 * @napi: the peer's NAPI context
 * @budget: how many messages it may consume
 *
 * Return: how many it consumed.
 */
int nt_receive_poll(struct napi_struct *napi, int budget);

#endif /* _NT_RECEIVE_H */
