// SPDX-License-Identifier: GPL-2.0
/*
 * Handshake messages and transport data on their way out (send.h).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/netdevice.h>
#include <linux/scatterlist.h>
#include <linux/skbuff.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>
#include <net/dsfield.h>
#include <net/inet_ecn.h>

#include "cookie.h"
#include "crypto.h"
#include "device.h"
#include "messages.h"
#include "noise.h"
#include "peer.h"
#include "queueing.h"
#include "send.h"
#include "socket.h"
#include "timers.h"

/*
 * Handshake messages leave marked AF41, as the reference implementations
 * send them, so that networks that prioritise can tell them from bulk data.
 */
#define HANDSHAKE_DSCP 0x88

/* Has REKEY_TIMEOUT passed since the last initiation? */
static bool may_initiate(struct nt_peer *peer)
{
	u64 last = atomic64_read(&peer->last_sent_handshake_ns);

	return !last || ktime_get_coarse_boottime_ns() - last >=
			(u64)REKEY_TIMEOUT * NSEC_PER_SEC;
}

/*
 * Send one of our handshake messages, @initiation or response: the timers
 * and the statistics count it as authenticated traffic (a failed send
 * counts as an attempt too: the retry covers it), and its send time starts
 * the round trip of the handshake-complete event.
 */
static void send_handshake_message(struct nt_peer *peer, const void *packet,
				   size_t len, bool initiation)
{
	nt_timers_any_authenticated_packet_traversal(peer);
	nt_timers_any_authenticated_packet_sent(peer);
	nt_peer_count_tx(peer, len, initiation);
	atomic64_set(initiation ? &peer->initiation_sent_ns :
				  &peer->response_sent_ns, ktime_get_ns());
	nt_socket_send_buffer_to_peer(peer, packet, len, HANDSHAKE_DSCP);
}

/*
 * Create, mac and send one initiation. Runs in the peer's work item only,
 * so never twice at once for a peer; the handshake lock inside
 * nt_noise_handshake_create_initiation() orders it against the receive
 * worker anyway.
 */
static void send_initiation(struct nt_peer *peer)
{
	struct message_handshake_initiation packet;

	if (unlikely(READ_ONCE(peer->is_dead) || READ_ONCE(peer->disabled)) ||
	    !may_initiate(peer))
		return;
	atomic64_set(&peer->last_sent_handshake_ns, ktime_get_coarse_boottime_ns());
	/*
	 * Without a private key (or with a low-order peer key) there is
	 * nothing to send and nothing to retry: the staged packets wait
	 * until the configuration changes and sends them again.
	 */
	if (!nt_noise_handshake_create_initiation(&packet, &peer->handshake))
		goto out;
	pr_debug("%s: Sending handshake initiation to peer %llu\n",
		 peer->device->dev->name, peer->internal_id);
	nt_cookie_add_mac_to_packet(&packet, sizeof(packet),
				    &peer->latest_cookie);
	send_handshake_message(peer, &packet, sizeof(packet), true);
	nt_timers_handshake_initiated(peer);
out:
	memzero_explicit(&packet, sizeof(packet));
}

static void transmit_handshake_work(struct work_struct *work)
{
	struct nt_peer *peer = container_of(work, struct nt_peer,
					    transmit_handshake_work);

	send_initiation(peer);
}

static void queue_initiation(struct nt_peer *peer, bool is_retry)
{
	if (!is_retry)
		WRITE_ONCE(peer->handshake_retries, 0);
	/*
	 * Checked here too, not only in the work, so that a busy data path
	 * does not queue the work for every packet. Under RCU-bh, so that
	 * peer removal's grace period orders it before the work is
	 * cancelled.
	 */
	rcu_read_lock_bh();
	if (likely(!READ_ONCE(peer->is_dead) && !READ_ONCE(peer->disabled)) &&
	    may_initiate(peer))
		queue_work(peer->device->handshake_wq,
			   &peer->transmit_handshake_work);
	rcu_read_unlock_bh();
}

void nt_send_handshake_want(struct nt_peer *peer)
{
	queue_initiation(peer, false);
}

void nt_send_handshake_retry(struct nt_peer *peer)
{
	queue_initiation(peer, true);
}

void nt_send_peer_init(struct nt_peer *peer)
{
	INIT_WORK(&peer->transmit_handshake_work, transmit_handshake_work);
	INIT_WORK(&peer->transmit_packet_work, nt_send_tx_worker);
}

void nt_send_handshake_forget(struct nt_peer *peer)
{
	atomic64_set(&peer->last_sent_handshake_ns, 0);
}

void nt_send_peer_stop(struct nt_peer *peer)
{
	cancel_work_sync(&peer->transmit_handshake_work);
	/* The next packet after the device comes up starts one at once. */
	nt_send_handshake_forget(peer);
}

bool nt_send_handshake_response(struct nt_peer *peer)
{
	struct message_handshake_response packet;
	bool ok = false;

	if (!nt_noise_handshake_create_response(&packet, &peer->handshake))
		goto out;
	nt_cookie_add_mac_to_packet(&packet, sizeof(packet),
				    &peer->latest_cookie);
	/*
	 * Derive the keys before the response leaves: the initiator may
	 * send data on them as soon as it has the response.
	 */
	if (!nt_noise_handshake_begin_session(&peer->handshake,
					      &peer->keypairs))
		goto out;
	nt_timers_session_derived(peer);
	send_handshake_message(peer, &packet, sizeof(packet), false);
	nt_device_count(peer->device, NT_DEVICE_COUNT_HANDSHAKE_ANSWERED);
	ok = true;
out:
	memzero_explicit(&packet, sizeof(packet));
	return ok;
}

static void drop_batch(struct nt_peer *peer, struct sk_buff *first,
		       enum noisetun_drop_attr reason)
{
	struct sk_buff *skb, *next;

	skb_list_walk_safe(first, skb, next) {
		skb_mark_not_on_list(skb);
		nt_peer_count_drop(peer, reason);
		DEV_STATS_INC(peer->device->dev, tx_dropped);
		kfree_skb(skb);
	}
}

void nt_send_staged_packets(struct nt_peer *peer)
{
	struct nt_noise_keypair *keypair;
	struct sk_buff *skb, *first, *last;
	struct sk_buff_head packets;
	bool rekey;
	u64 now;

	__skb_queue_head_init(&packets);
	spin_lock_bh(&peer->staged_packet_queue.lock);
	skb_queue_splice_init(&peer->staged_packet_queue, &packets);
	spin_unlock_bh(&peer->staged_packet_queue.lock);
	if (skb_queue_empty(&packets))
		return;

	now = ktime_get_coarse_boottime_ns();
	keypair = nt_noise_keypair_current(&peer->keypairs);
	if (unlikely(!keypair || !nt_noise_keypair_can_send(keypair, now)))
		goto out_restage;
	skb_queue_walk(&packets, skb) {
		NT_PACKET_CB(skb)->keypair = NULL;
		if (unlikely(!nt_noise_keypair_next_nonce(keypair,
							  &NT_PACKET_CB(skb)->nonce)))
			goto out_restage;
	}
	rekey = nt_noise_keypair_wants_rekey_after_send(keypair, now);

	/* From a queue to a batch: a NULL-terminated skb->next chain. */
	first = NULL;
	last = NULL;
	while ((skb = __skb_dequeue(&packets)) != NULL) {
		if (last)
			last->next = skb;
		else
			first = skb;
		last = skb;
	}
	/* The batch's first packet holds the keypair for all of them. */
	NT_PACKET_CB(first)->keypair = keypair;

	rcu_read_lock_bh();
	if (unlikely(READ_ONCE(peer->is_dead))) {
		drop_batch(peer, first, NOISETUN_A_DROP_NO_PEER);
		nt_noise_keypair_put(keypair);
	} else if (unlikely(!nt_queue_enqueue_tx(peer->device, peer, first))) {
		drop_batch(peer, first, NOISETUN_A_DROP_TX_QUEUE_FULL);
		nt_noise_keypair_put(keypair);
	}
	rcu_read_unlock_bh();

	if (unlikely(rekey))
		nt_send_handshake_want(peer);
	return;

out_restage:
	nt_noise_keypair_put(keypair);
	nt_peer_stage_packets(peer, &packets, true);
	nt_send_handshake_want(peer);
}

void nt_send_keepalive(struct nt_peer *peer)
{
	struct net_device *dev = peer->device->dev;
	struct sk_buff *skb;

	/* A disabled peer has no session to keep alive. */
	if (unlikely(READ_ONCE(peer->disabled)))
		return;
	if (!skb_queue_empty_lockless(&peer->staged_packet_queue))
		goto send;
	skb = alloc_skb(dev->needed_headroom + LL_MAX_HEADER +
			dev->needed_tailroom, GFP_ATOMIC);
	if (unlikely(!skb)) {
		nt_peer_count_drop(peer, NOISETUN_A_DROP_NO_MEMORY);
		goto send;
	}
	skb_reserve(skb, dev->needed_headroom + LL_MAX_HEADER);
	skb->dev = dev;
	NT_PACKET_CB(skb)->mtu = READ_ONCE(dev->mtu);
	NT_PACKET_CB(skb)->inner_len = 0;
	NT_PACKET_CB(skb)->ds = 0;
	skb_queue_tail(&peer->staged_packet_queue, skb);
	pr_debug("%s: Sending keepalive packet to peer %llu\n", dev->name,
		 peer->internal_id);
send:
	nt_send_staged_packets(peer);
}

/*
 * Zero bytes to add so that the sealed packet is a multiple of
 * MESSAGE_PADDING_MULTIPLE, but never longer than @mtu
 * (Documentation/protocol.md "Messages"): padding must not make a packet that
 * fitted the path too big for it. A packet already at or past @mtu gets none.
 */
static unsigned int padding_len(unsigned int len, unsigned int mtu)
{
	unsigned int padded = ALIGN(len, MESSAGE_PADDING_MULTIPLE);

	if (padded > mtu)
		padded = max(mtu, len);
	return padded - len;
}

/* Seal one packet in place into a data message. */
static bool encrypt_packet(struct sk_buff *skb, struct nt_noise_keypair *keypair)
{
	struct scatterlist sg[MAX_SKB_FRAGS + 8];
	unsigned int padding, plaintext_len;
	struct message_data *header;
	struct sk_buff *trailer;
	int num_frags;
	u8 *tail;

	/*
	 * The flow hash of the inner packet, while it can still be read: it
	 * stays with the message (the UDP tunnel keeps an L4 hash), so that
	 * the outer path spreads different inner flows over its queues
	 * instead of seeing one flow, the tunnel's.
	 */
	skb_get_hash(skb);

	/*
	 * Once sealed, nobody can finish an offloaded inner checksum: do it
	 * now, or the receiver's stack gets a packet with a partial one.
	 */
	if (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb))
		return false;

	padding = padding_len(skb->len, NT_PACKET_CB(skb)->mtu);
	plaintext_len = skb->len + padding;

	/* Room for the outer headers in front; the link layer finds its own. */
	if (unlikely(skb_cow_head(skb, NT_DATA_HEADROOM) < 0))
		return false;
	num_frags = skb_cow_data(skb, padding + NOISE_AUTHTAG_LEN, &trailer);
	if (unlikely(num_frags < 0 || num_frags > ARRAY_SIZE(sg)))
		return false;

	/* The zero padding, then room for the tag the cipher writes. */
	tail = pskb_put(skb, trailer, padding + NOISE_AUTHTAG_LEN);
	memset(tail, 0, padding);

	header = skb_push(skb, sizeof(*header));
	header->header.type = cpu_to_le32(MESSAGE_DATA);
	header->key_idx = keypair->remote_index;
	header->counter = cpu_to_le64(NT_PACKET_CB(skb)->nonce);

	sg_init_table(sg, num_frags);
	if (unlikely(skb_to_sgvec(skb, sg, sizeof(*header),
				  noise_encrypted_len(plaintext_len)) <= 0))
		return false;
	return nt_crypto_aead_encrypt_sg(sg, plaintext_len, NULL, 0,
					 NT_PACKET_CB(skb)->nonce,
					 keypair->sending_key);
}

void nt_send_encrypt_worker(struct work_struct *work)
{
	struct nt_crypt_queue *queue = nt_queue_worker_queue(work);
	struct sk_buff *first, *skb, *next;

	while ((first = ptr_ring_consume_bh(&queue->ring)) != NULL) {
		struct nt_noise_keypair *keypair = NT_PACKET_CB(first)->keypair;
		enum nt_packet_state state = NT_PACKET_CRYPTED;

		skb_list_walk_safe(first, skb, next) {
			if (likely(encrypt_packet(skb, keypair)))
				continue;
			NT_PACKET_CB(first)->drop_reason = NOISETUN_A_DROP_NO_MEMORY;
			state = NT_PACKET_DEAD;
			break;
		}
		nt_queue_tx_done(keypair->entry.peer, first, state);
		cond_resched();
	}
}

/* Send a sealed batch, and tell the timers. */
static void send_batch(struct nt_peer *peer, struct sk_buff *first)
{
	struct net_device *dev = peer->device->dev;
	bool data_sent = false, any_sent = false;
	struct sk_buff *skb, *next;

	skb_list_walk_safe(first, skb, next) {
		unsigned int inner_len = NT_PACKET_CB(skb)->inner_len;
		unsigned int len = skb->len;

		skb_mark_not_on_list(skb);
		skb->ip_summed = CHECKSUM_NONE;
		if (unlikely(nt_socket_send_skb_to_peer(peer, skb,
							NT_PACKET_CB(skb)->ds)))
			continue;
		any_sent = true;
		nt_peer_count_tx(peer, len, false);
		if (inner_len) {
			data_sent = true;
			dev_sw_netstats_tx_add(dev, 1, inner_len);
		}
	}
	if (!any_sent)
		return;
	nt_timers_any_authenticated_packet_traversal(peer);
	nt_timers_any_authenticated_packet_sent(peer);
	if (data_sent)
		nt_timers_data_sent(peer);
}

void nt_send_tx_worker(struct work_struct *work)
{
	struct nt_peer *peer = container_of(work, struct nt_peer,
					    transmit_packet_work);

	while (nt_peer_queue_finish_one(&peer->tx_queue, peer, send_batch,
					drop_batch))
		cond_resched();
}
