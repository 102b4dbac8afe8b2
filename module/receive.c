// SPDX-License-Identifier: GPL-2.0
/*
 * Handshake messages received: queued from the socket, processed by the
 * device's handshake worker (receive.h).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/skbuff.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>

#include "cookie.h"
#include "device.h"
#include "indexhash.h"
#include "messages.h"
#include "noise.h"
#include "peer.h"
#include "ratelimiter.h"
#include "receive.h"
#include "send.h"
#include "socket.h"

/*
 * From this many waiting messages on, the device counts as under load
 * (PROTOCOL.md "Cookies"): handshakes without a valid mac2 get a cookie
 * reply instead of processing, and the rest are rate limited. The
 * reference uses the same fraction of its queue.
 */
enum { UNDER_LOAD_QUEUE_LEN = MAX_QUEUED_INCOMING_HANDSHAKES / 8 };

void nt_receive_handshake_queue(struct nt_device *ntd, struct sk_buff *skb)
{
	struct sk_buff_head *queue = &ntd->handshake_queue;

	/*
	 * The input route may be a reference-free one, valid only in this
	 * RCU section; nothing after uses it (the headers say where to
	 * answer).
	 */
	skb_dst_drop(skb);
	spin_lock_bh(&queue->lock);
	if (unlikely(skb_queue_len(queue) >= MAX_QUEUED_INCOMING_HANDSHAKES)) {
		spin_unlock_bh(&queue->lock);
		nt_device_count_drop(ntd, NOISETUN_A_DROP_HANDSHAKE_QUEUE_FULL);
		kfree_skb(skb);
		return;
	}
	__skb_queue_tail(queue, skb);
	spin_unlock_bh(&queue->lock);
	queue_work(ntd->handshake_wq, &ntd->handshake_rx_work);
}

/* Answer a handshake message with a cookie reply, under load. */
static void send_cookie(struct nt_device *ntd, struct sk_buff *skb,
			__le32 sender_index)
{
	struct message_handshake_cookie packet;

	if (nt_cookie_message_create(&packet, skb, sender_index,
				     &ntd->cookie_checker))
		nt_socket_send_buffer_as_reply_to_skb(ntd, skb, &packet,
						      sizeof(packet));
}

/*
 * After a handshake message authenticated: roam to where it came from, and
 * count it.
 */
static void authenticated(struct nt_peer *peer, struct sk_buff *skb)
{
	struct nt_endpoint endpoint;

	if (nt_socket_endpoint_from_skb(&endpoint, skb))
		nt_socket_set_peer_endpoint(peer, &endpoint);
	nt_peer_count_rx(peer, skb->len);
}

static void session_started(struct nt_peer *peer)
{
	down_write(&peer->handshake.lock);
	ktime_get_real_ts64(&peer->walltime_last_handshake);
	up_write(&peer->handshake.lock);
}

static void consume_cookie(struct nt_device *ntd, struct sk_buff *skb)
{
	struct message_handshake_cookie *msg = (void *)skb->data;
	struct nt_peer *peer = NULL;
	bool ok;

	rcu_read_lock_bh();
	ok = !!nt_index_hashtable_lookup(ntd->index_hashtable,
				       NT_INDEX_HASHTABLE_HANDSHAKE |
				       NT_INDEX_HASHTABLE_KEYPAIR,
				       msg->receiver_index, &peer);
	rcu_read_unlock_bh();
	if (unlikely(!ok)) {
		nt_device_count_drop(ntd, NOISETUN_A_DROP_UNKNOWN_INDEX);
		return;
	}
	if (nt_cookie_message_consume(&peer->latest_cookie, msg))
		nt_peer_count_rx(peer, skb->len);
	else
		nt_peer_count_drop(peer, NOISETUN_A_DROP_COOKIE_INVALID);
	nt_peer_put(peer);
}

static void consume_initiation(struct nt_device *ntd, struct sk_buff *skb)
{
	enum noisetun_drop_attr drop = NOISETUN_A_DROP_HANDSHAKE_INVALID;
	struct nt_peer *peer;

	peer = nt_noise_handshake_consume_initiation((void *)skb->data, ntd,
						     &drop);
	if (unlikely(!peer)) {
		nt_device_count_drop(ntd, drop);
		return;
	}
	authenticated(peer, skb);
	if (nt_send_handshake_response(peer))
		pr_debug("%s: Answered the handshake initiation of peer %llu\n",
			 ntd->dev->name, peer->internal_id);
	nt_peer_put(peer);
}

static void consume_response(struct nt_device *ntd, struct sk_buff *skb)
{
	enum noisetun_drop_attr drop = NOISETUN_A_DROP_HANDSHAKE_INVALID;
	struct nt_peer *peer;

	peer = nt_noise_handshake_consume_response((void *)skb->data, ntd,
						   &drop);
	if (unlikely(!peer)) {
		nt_device_count_drop(ntd, drop);
		return;
	}
	authenticated(peer, skb);
	if (nt_noise_handshake_begin_session(&peer->handshake,
					     &peer->keypairs)) {
		nt_send_handshake_complete(peer);
		session_started(peer);
		pr_debug("%s: Handshake with peer %llu complete\n",
			 ntd->dev->name, peer->internal_id);
		/*
		 * The staged packets and the confirming keepalive go out
		 * here once there is a transport (#3).
		 */
	}
	nt_peer_put(peer);
}

static void process(struct nt_device *ntd, struct sk_buff *skb, bool under_load)
{
	__le32 type = ((struct message_header *)skb->data)->type;
	enum nt_cookie_mac_state mac_state;

	if (type == cpu_to_le32(MESSAGE_HANDSHAKE_COOKIE)) {
		consume_cookie(ntd, skb);
		return;
	}

	mac_state = nt_cookie_validate_packet(&ntd->cookie_checker, skb,
					      under_load);
	if (unlikely(mac_state == NT_COOKIE_INVALID_MAC)) {
		nt_device_count_drop(ntd, NOISETUN_A_DROP_BAD_MAC1);
		return;
	}
	if (under_load) {
		if (mac_state != NT_COOKIE_VALID_MAC_WITH_COOKIE) {
			/* Prove your address first (PROTOCOL.md "Cookies"). */
			__le32 index = type ==
				cpu_to_le32(MESSAGE_HANDSHAKE_INITIATION) ?
				((struct message_handshake_initiation *)
				 skb->data)->sender_index :
				((struct message_handshake_response *)
				 skb->data)->sender_index;

			send_cookie(ntd, skb, index);
			return;
		}
		if (!nt_ratelimiter_allow(skb, dev_net(ntd->dev))) {
			nt_device_count_drop(ntd, NOISETUN_A_DROP_RATELIMITED);
			return;
		}
	}

	if (type == cpu_to_le32(MESSAGE_HANDSHAKE_INITIATION))
		consume_initiation(ntd, skb);
	else
		consume_response(ntd, skb);
}

void nt_receive_handshake_worker(struct work_struct *work)
{
	struct nt_device *ntd = container_of(work, struct nt_device,
					     handshake_rx_work);
	struct sk_buff *skb;

	while ((skb = skb_dequeue(&ntd->handshake_queue))) {
		bool under_load = skb_queue_len_lockless(&ntd->handshake_queue) >=
				  UNDER_LOAD_QUEUE_LEN;

		process(ntd, skb, under_load);
		consume_skb(skb);
		cond_resched();
	}
}
