// SPDX-License-Identifier: GPL-2.0
/*
 * What arrives from peers: handshake messages, queued from the socket and
 * processed by the device's handshake worker, and transport data, opened
 * in parallel and consumed in order by the peer's NAPI poll (receive.h).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <linux/scatterlist.h>
#include <linux/sched.h>
#include <linux/skbuff.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>
#include <net/dsfield.h>
#include <net/inet_ecn.h>
#include <net/ip_tunnels.h>

#include "allowedips.h"
#include "cookie.h"
#include "crypto.h"
#include "device.h"
#include "indexhash.h"
#include "messages.h"
#include "netlink.h"
#include "noise.h"
#include "peer.h"
#include "queueing.h"
#include "ratelimiter.h"
#include "receive.h"
#include "send.h"
#include "socket.h"
#include "timers.h"

/*
 * From this many waiting messages on, the device counts as under load
 * (Documentation/protocol.md "Cookies"): handshakes without a valid mac2 get a
 * cookie reply instead of processing, and the proven ones are rate limited. The
 * reference uses the same fraction of its queue.
 */
enum { UNDER_LOAD_QUEUE_LEN = MAX_QUEUED_INCOMING_HANDSHAKES / 8 };

/**
 * struct handshake_cb - what a handshake message carries in skb->cb
 * @screened_under_load: screen_handshake() passed it under load already;
 *                       otherwise the worker screens it again if the
 *                       device is under load by then
 */
struct handshake_cb {
	bool screened_under_load;
};

#define HANDSHAKE_CB(skb) ((struct handshake_cb *)(skb)->cb)

/*
 * Under load from this many waiting messages on, and for a second after
 * the queue was last that long: a flood that drains the queue now and then
 * does not get a Diffie-Hellman step per message between two bursts.
 */
static bool is_under_load(struct nt_device *ntd)
{
	u64 now = ktime_get_coarse_boottime_ns(), last;

	last = atomic64_read(&ntd->last_under_load_ns);
	if (skb_queue_len_lockless(&ntd->handshake_queue) >=
	    UNDER_LOAD_QUEUE_LEN) {
		/*
		 * The coarse clock moves once a tick: one exchange per tick.
		 * Whoever moves the mark adds the time since the last one,
		 * at most the second it was worth (nt_device_under_load_ns()
		 * adds the current second when read).
		 */
		if (last != now) {
			last = atomic64_xchg(&ntd->last_under_load_ns, now);
			if (last && now > last)
				atomic64_add(min_t(u64, now - last,
						   NSEC_PER_SEC),
					     &ntd->under_load_ns);
		}
		return true;
	}
	return last && now - last < NSEC_PER_SEC;
}

/* Answer a handshake message with a cookie reply, under load. */
static void send_cookie_reply(struct nt_device *ntd, struct sk_buff *skb)
{
	const struct message_header *header = (const void *)skb->data;
	struct message_handshake_cookie packet;
	__le32 index;

	if (header->type == cpu_to_le32(MESSAGE_HANDSHAKE_INITIATION))
		index = ((struct message_handshake_initiation *)skb->data)->sender_index;
	else
		index = ((struct message_handshake_response *)skb->data)->sender_index;
	if (nt_cookie_message_create(&packet, skb, index, &ntd->cookie_checker) &&
	    !nt_socket_send_buffer_as_reply_to_skb(ntd, skb, &packet,
						   sizeof(packet)))
		nt_device_count(ntd, NT_DEVICE_COUNT_COOKIE_SENT);
}

/**
 * enum screen_verdict - what screening made of a handshake message
 * @SCREEN_PASS: it may go on to its Diffie-Hellman steps
 * @SCREEN_ANSWERED: it was answered with a cookie reply, and is done
 * @SCREEN_DROPPED: it was dropped, and the drop counted
 */
enum screen_verdict {
	SCREEN_PASS,
	SCREEN_ANSWERED,
	SCREEN_DROPPED
};

/*
 * The checks a handshake message passes before any Diffie-Hellman work
 * (Documentation/protocol.md "Cookies"). mac1, always: it is all a stranger may
 * make us compute. Under load also mac2, which proves that the sender receives
 * at its source address and port. A proven sender is held to its source's
 * rate (20 a second, a burst of 5). An unproven message gets a cookie
 * reply, within the device's budget of them, and goes no further: it never
 * spends a source's tokens or takes room in the rate limiter's table,
 * because anyone who knows our public key can send it with a real peer's
 * address (ratelimiter.h).
 */
static enum screen_verdict screen_handshake(struct nt_device *ntd,
					    struct sk_buff *skb,
					    bool under_load)
{
	enum nt_cookie_mac_state mac_state;

	mac_state = nt_cookie_validate_packet(&ntd->cookie_checker, skb,
					      under_load);
	if (unlikely(mac_state == NT_COOKIE_INVALID_MAC)) {
		nt_device_count_drop(ntd, NOISETUN_A_DROP_BAD_MAC1);
		return SCREEN_DROPPED;
	}
	if (!under_load)
		return SCREEN_PASS;
	if (mac_state == NT_COOKIE_VALID_MAC_WITH_COOKIE) {
		if (likely(nt_ratelimiter_allow(skb, dev_net(ntd->dev))))
			return SCREEN_PASS;
		nt_device_count_drop(ntd, NOISETUN_A_DROP_RATELIMITED);
		return SCREEN_DROPPED;
	}
	if (!nt_ratelimiter_budget_take(&ntd->cookie_budget)) {
		nt_device_count_drop(ntd, NOISETUN_A_DROP_RATELIMITED);
		return SCREEN_DROPPED;
	}
	send_cookie_reply(ntd, skb);
	return SCREEN_ANSWERED;
}

/*
 * After a handshake message authenticated: roam to where it came from,
 * count it, and tell the timers.
 */
static void handshake_authenticated(struct nt_peer *peer, struct sk_buff *skb)
{
	nt_socket_set_peer_endpoint_from_skb(peer, skb);
	nt_timers_any_authenticated_packet_received(peer);
	nt_timers_any_authenticated_packet_traversal(peer);
	nt_peer_count_rx(peer, skb->len);
}

/*
 * A cookie reply to one of our handshake messages. Cheap unless its index
 * is one of ours (a lookup), so it is consumed where it arrives and never
 * takes room in the handshake queue: a flood of made-up ones cannot crowd
 * out the handshakes.
 */
static void receive_cookie_reply(struct nt_device *ntd, struct sk_buff *skb)
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
	if (nt_cookie_message_consume(&peer->latest_cookie, msg)) {
		nt_peer_count_rx(peer, skb->len);
		nt_peer_count_event(peer, NT_PEER_COUNT_COOKIE_RECEIVED);
	} else {
		nt_peer_count_drop(peer, NOISETUN_A_DROP_COOKIE_INVALID);
	}
	nt_peer_put(peer);
}

void nt_receive_handshake_queue(struct nt_device *ntd, struct sk_buff *skb)
{
	struct sk_buff_head *queue = &ntd->handshake_queue;
	bool under_load;
	int cpu;

	/*
	 * The input route may be a reference-free one, valid only in this
	 * RCU section; nothing after uses it (the headers say where to
	 * answer).
	 */
	skb_dst_drop(skb);

	if (((struct message_header *)skb->data)->type ==
	    cpu_to_le32(MESSAGE_HANDSHAKE_COOKIE)) {
		receive_cookie_reply(ntd, skb);
		consume_skb(skb);
		return;
	}

	/*
	 * Screened here, in the softirq that brought the message, before it
	 * may take room in the queue: under load only messages worth a
	 * Diffie-Hellman step are queued, so a flood that cannot prove its
	 * address ends in cookie replies or cheap drops, and is throttled
	 * by its own cost instead of filling the queue that the proven
	 * messages of real peers need.
	 */
	under_load = is_under_load(ntd);
	switch (screen_handshake(ntd, skb, under_load)) {
	case SCREEN_PASS:
		break;
	case SCREEN_ANSWERED:
		consume_skb(skb);
		return;
	case SCREEN_DROPPED:
		kfree_skb(skb);
		return;
	}
	HANDSHAKE_CB(skb)->screened_under_load = under_load;

	spin_lock_bh(&queue->lock);
	if (unlikely(skb_queue_len(queue) >= MAX_QUEUED_INCOMING_HANDSHAKES)) {
		spin_unlock_bh(&queue->lock);
		nt_device_count_drop(ntd, NOISETUN_A_DROP_HANDSHAKE_QUEUE_FULL);
		kfree_skb(skb);
		return;
	}
	__skb_queue_tail(queue, skb);
	spin_unlock_bh(&queue->lock);

	/* The next CPU's worker; any worker takes from the shared queue. */
	cpu = cpumask_next(READ_ONCE(ntd->handshake_last_cpu), cpu_online_mask);
	if (cpu >= nr_cpu_ids)
		cpu = cpumask_first(cpu_online_mask);
	WRITE_ONCE(ntd->handshake_last_cpu, cpu);
	queue_work_on(cpu, ntd->handshake_wq,
		      &per_cpu_ptr(ntd->handshake_workers, cpu)->work);
}

/* A peer's initiation authenticated: answer it. */
static void answer_initiation(struct nt_device *ntd, struct nt_peer *peer)
{
	if (nt_send_handshake_response(peer))
		pr_debug("%s: Answered the handshake initiation of peer %llu\n",
			 ntd->dev->name, peer->internal_id);
}

/* A peer's response authenticated: the session begins. */
static void complete_handshake(struct nt_device *ntd, struct nt_peer *peer)
{
	if (nt_noise_handshake_begin_session(&peer->handshake,
					     &peer->keypairs)) {
		nt_timers_session_derived(peer);
		nt_timers_handshake_complete(peer);
		nt_peer_handshake_completed(peer, true);
		nt_netlink_event_handshake(peer, true);
		pr_debug("%s: Handshake with peer %llu complete\n",
			 ntd->dev->name, peer->internal_id);
		/*
		 * The responder waits for data on the new session before it
		 * sends on it (key confirmation): give it some at once, the
		 * staged packets or else a keepalive.
		 */
		nt_send_keepalive(peer);
	}
}

/*
 * One queued initiation or response. It passed screening when it arrived;
 * if the device was not under load then but is now (the queue grew behind
 * it), it is screened again as under load before any Diffie-Hellman work.
 * Then it is consumed, and the peer it authenticates answered (an
 * initiation) or its session begun (a response).
 */
static void process_handshake(struct nt_device *ntd, struct sk_buff *skb)
{
	enum noisetun_drop_attr drop = NOISETUN_A_DROP_HANDSHAKE_INVALID;
	bool initiation = ((struct message_header *)skb->data)->type ==
			  cpu_to_le32(MESSAGE_HANDSHAKE_INITIATION);
	u8 unknown[NOISE_PUBLIC_KEY_LEN] = { 0 };
	bool report = READ_ONCE(ntd->unknown_peer_events);
	struct nt_peer *peer;

	if (!HANDSHAKE_CB(skb)->screened_under_load && is_under_load(ntd) &&
	    screen_handshake(ntd, skb, true) != SCREEN_PASS)
		return;

	if (initiation)
		peer = nt_noise_handshake_consume_initiation((void *)skb->data,
							     ntd, &drop,
							     report ? unknown :
								      NULL);
	else
		peer = nt_noise_handshake_consume_response((void *)skb->data,
							   ntd, &drop);
	if (unlikely(!peer)) {
		nt_device_count_drop(ntd, drop);
		/* Opt-in: a key that opened but is no peer's (netlink.h). */
		if (report && memchr_inv(unknown, 0, sizeof(unknown)))
			nt_netlink_event_unknown_peer(ntd, unknown, skb);
		return;
	}
	/*
	 * A disabled peer's handshakes are refused once they authenticate,
	 * so that they are counted as the peer's. Its consumed initiation
	 * leaves nothing behind: no response is made, so no session.
	 */
	if (unlikely(READ_ONCE(peer->disabled))) {
		nt_peer_count_drop(peer, NOISETUN_A_DROP_PEER_DISABLED);
		nt_peer_put(peer);
		return;
	}
	handshake_authenticated(peer, skb);
	if (initiation)
		answer_initiation(ntd, peer);
	else
		complete_handshake(ntd, peer);
	nt_peer_put(peer);
}

void nt_receive_handshake_worker(struct work_struct *work)
{
	struct nt_device *ntd = container_of(work, struct nt_handshake_worker,
					     work)->ntd;
	struct sk_buff *skb;

	while ((skb = skb_dequeue(&ntd->handshake_queue))) {
		process_handshake(ntd, skb);
		consume_skb(skb);
		cond_resched();
	}
}

void nt_receive_data(struct nt_device *ntd, struct sk_buff *skb)
{
	const struct message_data *msg = (const void *)skb->data;
	struct nt_noise_keypair *keypair;
	struct nt_packet_cb *cb;
	struct nt_peer *peer;

	keypair = nt_noise_keypair_lookup(ntd->index_hashtable, msg->key_idx);
	if (unlikely(!keypair)) {
		nt_device_count_drop(ntd, NOISETUN_A_DROP_BAD_KEYPAIR);
		kfree_skb(skb);
		return;
	}
	peer = keypair->entry.peer;

	cb = NT_PACKET_CB(skb);
	cb->keypair = keypair;
	cb->nonce = le64_to_cpu(msg->counter);
	/* The outer ECN bits, for decapsulation once the packet is opened. */
	cb->ds = ip_tunnel_get_dsfield(ip_hdr(skb), skb);
	/*
	 * The input route may be a reference-free one, valid only in this
	 * RCU section; what follows reads only the headers.
	 */
	skb_dst_drop(skb);

	/* Peer removal waits for this section: see queueing.h. */
	rcu_read_lock_bh();
	if (unlikely(READ_ONCE(peer->is_dead))) {
		rcu_read_unlock_bh();
		/*
		 * Its keypairs are still hashed until removal has waited
		 * out this section; the peer's counters go with it, so the
		 * drop is the device's, as for an index already unhashed.
		 */
		nt_device_count_drop(ntd, NOISETUN_A_DROP_BAD_KEYPAIR);
		goto err;
	}
	/* A session that outlived disabling (made while it happened). */
	if (unlikely(READ_ONCE(peer->disabled))) {
		rcu_read_unlock_bh();
		nt_peer_count_drop(peer, NOISETUN_A_DROP_PEER_DISABLED);
		goto err;
	}
	if (unlikely(!nt_queue_enqueue_rx(ntd, peer, skb))) {
		rcu_read_unlock_bh();
		nt_peer_count_drop(peer, NOISETUN_A_DROP_RX_QUEUE_FULL);
		DEV_STATS_INC(ntd->dev, rx_dropped);
		goto err;
	}
	rcu_read_unlock_bh();
	return;

err:
	nt_noise_keypair_put(keypair);
	kfree_skb(skb);
}

/*
 * Open one data message in place. On success skb->data is at the padded
 * inner packet (header and tag gone); on failure *@reason says why.
 */
static bool decrypt_packet(struct sk_buff *skb, struct nt_noise_keypair *keypair,
			   u8 *reason)
{
	struct scatterlist sg[MAX_SKB_FRAGS + 8];
	const unsigned int offset = sizeof(struct message_data);
	u64 nonce = NT_PACKET_CB(skb)->nonce;
	struct sk_buff *trailer;
	unsigned int len;
	int num_frags;

	/*
	 * Documentation/protocol.md "Timers and limits": no keypair is used
	 * past its time or its messages.
	 */
	if (unlikely(nonce >= REJECT_AFTER_MESSAGES ||
		     nt_noise_keypair_is_expired(keypair,
						 ktime_get_coarse_boottime_ns()))) {
		*reason = NOISETUN_A_DROP_BAD_KEYPAIR;
		return false;
	}

	*reason = NOISETUN_A_DROP_NO_MEMORY;
	len = skb->len - offset;
	num_frags = skb_cow_data(skb, 0, &trailer);
	if (unlikely(num_frags < 0 || num_frags > ARRAY_SIZE(sg)))
		return false;
	sg_init_table(sg, num_frags);
	if (unlikely(skb_to_sgvec(skb, sg, offset, len) <= 0))
		return false;

	if (!nt_crypto_aead_decrypt_sg(sg, len, NULL, 0, nonce,
				       keypair->receiving_key)) {
		*reason = NOISETUN_A_DROP_AUTH_FAIL;
		return false;
	}
	if (unlikely(pskb_trim(skb, skb->len - NOISE_AUTHTAG_LEN)))
		return false;
	__skb_pull(skb, offset);
	return true;
}

void nt_receive_decrypt_worker(struct work_struct *work)
{
	struct nt_crypt_queue *queue = nt_queue_worker_queue(work);
	struct sk_buff *skb;

	while ((skb = ptr_ring_consume_bh(&queue->ring)) != NULL) {
		struct nt_packet_cb *cb = NT_PACKET_CB(skb);
		struct nt_noise_keypair *keypair = cb->keypair;
		enum nt_packet_state state;

		state = decrypt_packet(skb, keypair, &cb->drop_reason) ?
			NT_PACKET_CRYPTED : NT_PACKET_DEAD;
		nt_queue_rx_done(keypair->entry.peer, skb, state);
		cond_resched();
	}
}

/* Count a received packet dropped, with the netdev error counter to match. */
static void drop_data(struct nt_peer *peer, struct sk_buff *skb,
		      enum noisetun_drop_attr reason)
{
	struct net_device *dev = peer->device->dev;

	nt_peer_count_drop(peer, reason);
	switch (reason) {
	case NOISETUN_A_DROP_INNER_PROTOCOL:
	case NOISETUN_A_DROP_SOURCE_NOT_ALLOWED:
		DEV_STATS_INC(dev, rx_errors);
		DEV_STATS_INC(dev, rx_frame_errors);
		break;
	case NOISETUN_A_DROP_INNER_LENGTH:
		DEV_STATS_INC(dev, rx_errors);
		DEV_STATS_INC(dev, rx_length_errors);
		break;
	default:
		DEV_STATS_INC(dev, rx_dropped);
		break;
	}
	kfree_skb(skb);
}

/*
 * An opened, fresh packet of @len bytes (its padding included). Find the
 * inner IP packet, check it really came from this peer, and give it to the
 * stack. Consumes @skb.
 */
static void deliver_data(struct nt_peer *peer, struct sk_buff *skb)
{
	struct net_device *dev = peer->device->dev;
	u8 outer_ds = NT_PACKET_CB(skb)->ds, inner_ds;
	struct nt_peer *routed_peer;
	unsigned int len;

	skb_reset_mac_header(skb);
	skb_reset_network_header(skb);
	skb_reset_transport_header(skb);
	if (unlikely(!pskb_may_pull(skb, sizeof(struct iphdr)))) {
		drop_data(peer, skb, NOISETUN_A_DROP_INNER_LENGTH);
		return;
	}
	/* The IP version says the protocol; the header says the length. */
	if (ip_hdr(skb)->version == 4) {
		skb->protocol = htons(ETH_P_IP);
		len = ntohs(ip_hdr(skb)->tot_len);
		if (unlikely(len < ip_hdr(skb)->ihl * 4 ||
			     ip_hdr(skb)->ihl * 4 < sizeof(struct iphdr))) {
			drop_data(peer, skb, NOISETUN_A_DROP_INNER_LENGTH);
			return;
		}
		inner_ds = ipv4_get_dsfield(ip_hdr(skb));
	} else if (ip_hdr(skb)->version == 6) {
		if (unlikely(!pskb_may_pull(skb, sizeof(struct ipv6hdr)))) {
			drop_data(peer, skb, NOISETUN_A_DROP_INNER_LENGTH);
			return;
		}
		skb->protocol = htons(ETH_P_IPV6);
		len = ntohs(ipv6_hdr(skb)->payload_len) +
		      sizeof(struct ipv6hdr);
		inner_ds = ipv6_get_dsfield(ipv6_hdr(skb));
	} else {
		drop_data(peer, skb, NOISETUN_A_DROP_INNER_PROTOCOL);
		return;
	}
	if (unlikely(len > skb->len)) {
		drop_data(peer, skb, NOISETUN_A_DROP_INNER_LENGTH);
		return;
	}
	/* The padding goes. */
	if (unlikely(pskb_trim(skb, len))) {
		drop_data(peer, skb, NOISETUN_A_DROP_NO_MEMORY);
		return;
	}

	/* Cryptokey routing: the source must be one of this peer's ranges. */
	routed_peer = nt_allowedips_lookup_src(&peer->device->peer_allowedips,
					       skb);
	nt_peer_put(routed_peer);
	if (unlikely(routed_peer != peer)) {
		drop_data(peer, skb, NOISETUN_A_DROP_SOURCE_NOT_ALLOWED);
		return;
	}

	/* RFC 6040: congestion marked on the outside is marked inside. */
	INET_ECN_decapsulate(skb, outer_ds, inner_ds);

	/*
	 * Nothing of the outer packet's journey applies to the inner one:
	 * it enters the stack anew from this device, in its namespace.
	 */
	skb_scrub_packet(skb, true);
	skb->dev = dev;
	skb->pkt_type = PACKET_HOST;
	/* Authenticated end to end: the checksum cannot be wrong. */
	skb->ip_summed = CHECKSUM_UNNECESSARY;
	skb->csum_level = ~0;
	dev_sw_netstats_rx_add(dev, len);
	/*
	 * Alone: socket.c detached it from the UDP stack's segment chain,
	 * and the rx queue linked it through skb->prev, cleared when it was
	 * dequeued. GRO may chain it to others through skb->next from here.
	 */
	napi_gro_receive(&peer->napi, skb);
}

/* The serial stage for one opened message (NAPI context). */
static void consume_data(struct nt_peer *peer, struct sk_buff *skb)
{
	struct nt_noise_keypair *keypair = NT_PACKET_CB(skb)->keypair;
	enum nt_replay_verdict verdict;
	unsigned int padded_len;

	verdict = nt_replay_counter_check(&keypair->receiving_counter,
					  NT_PACKET_CB(skb)->nonce);
	if (unlikely(verdict != NT_REPLAY_ACCEPT)) {
		drop_data(peer, skb, verdict == NT_REPLAY_DUPLICATE ?
				     NOISETUN_A_DROP_REPLAY :
				     verdict == NT_REPLAY_TOO_OLD ?
				     NOISETUN_A_DROP_TOO_OLD :
				     NOISETUN_A_DROP_BAD_KEYPAIR);
		return;
	}

	/* Authentic and fresh: now the packet may move the endpoint. */
	nt_socket_set_peer_endpoint_from_skb(peer, skb);

	if (unlikely(nt_noise_received_with_keypair(&peer->keypairs, keypair))) {
		/* Key confirmation: the session we answered is in use. */
		nt_timers_handshake_complete(peer);
		nt_peer_handshake_completed(peer, false);
		nt_netlink_event_handshake(peer, false);
		nt_send_staged_packets(peer);
	}
	/*
	 * The initiator of an old session starts the next one while the
	 * peer still talks to it, so that it is ready before this one
	 * expires even if we have nothing to send (Documentation/protocol.md
	 * "Timers and limits").
	 */
	if (unlikely(!READ_ONCE(peer->sent_lastminute_handshake) &&
		     rcu_access_pointer(peer->keypairs.current_keypair) == keypair &&
		     nt_noise_keypair_wants_rekey_after_receive(keypair,
								ktime_get_coarse_boottime_ns()))) {
		WRITE_ONCE(peer->sent_lastminute_handshake, true);
		nt_send_handshake_want(peer);
	}
	nt_timers_any_authenticated_packet_received(peer);
	nt_timers_any_authenticated_packet_traversal(peer);

	padded_len = skb->len;
	nt_peer_count_rx(peer, message_data_len(padded_len));
	if (!padded_len) {
		/* A keepalive: it did its job by arriving. */
		consume_skb(skb);
		return;
	}
	nt_timers_data_received(peer);
	deliver_data(peer, skb);
}

int nt_receive_poll(struct napi_struct *napi, int budget)
{
	struct nt_peer *peer = container_of(napi, struct nt_peer, napi);
	int done = 0;

	if (unlikely(budget <= 0))
		return 0;
	while (done < budget &&
	       nt_peer_queue_finish_one(&peer->rx_queue, peer, consume_data,
					drop_data))
		++done;
	if (done < budget)
		napi_complete_done(napi, done);
	return done;
}
