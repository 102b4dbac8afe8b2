// SPDX-License-Identifier: GPL-2.0
/*
 * Peer creation, reference counting and two-phase removal (see peer.h).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/lockdep.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "allowedips.h"
#include "device.h"
#include "lifetime.h"
#include "noise.h"
#include "peer.h"
#include "peerlookup.h"
#include "receive.h"
#include "send.h"
#include "timers.h"

static struct kmem_cache *peer_cache;

/* Never reused while the module is loaded, so the debug log pairs up. */
static atomic64_t peer_counter = ATOMIC64_INIT(0);

int nt_peer_run(struct nt_peer *peer)
{
	struct nt_peer_stats __percpu *stats;
	int cpu;

	ASSERT_RTNL();
	lockdep_assert_held(&peer->device->device_update_lock);
	if (peer->stats)
		return 0;
	stats = alloc_percpu_gfp(struct nt_peer_stats, GFP_KERNEL_ACCOUNT);
	if (!stats)
		return -ENOMEM;
	/*
	 * No sender looks the route up yet: the device is not running, or
	 * the peer is not in any lookup structure.
	 */
	if (dst_cache_init(&peer->endpoint_cache, GFP_KERNEL_ACCOUNT)) {
		free_percpu(stats);
		return -ENOMEM;
	}
	for_each_possible_cpu(cpu) {
		struct nt_peer_stats *one = per_cpu_ptr(stats, cpu);

		u64_stats_init(&one->syncp);
		u64_stats_init(&one->drops.syncp);
	}
	/* Initialised before seen: paired with READ_ONCE() of the readers. */
	smp_store_release(&peer->stats, stats);
	return 0;
}

struct nt_peer *nt_peer_create(struct nt_device *ntd,
			       const u8 public_key[NOISE_PUBLIC_KEY_LEN])
{
	struct nt_peer *peer;

	lockdep_assert_held(&ntd->device_update_lock);

	peer = kmem_cache_zalloc(peer_cache, GFP_KERNEL_ACCOUNT);
	if (unlikely(!peer))
		return ERR_PTR(-ENOMEM);
	peer->device = ntd;
	/* A running device may count for the peer at once. */
	if (netif_running(ntd->dev) && unlikely(nt_peer_run(peer)))
		goto err_free_peer;

	nt_noise_handshake_init(&peer->handshake, peer, public_key);
	nt_noise_keypairs_init(&peer->keypairs);
	nt_cookie_init(&peer->latest_cookie, public_key);
	rwlock_init(&peer->endpoint_lock);
	skb_queue_head_init(&peer->staged_packet_queue);
	nt_peer_queue_init(&peer->tx_queue);
	nt_peer_queue_init(&peer->rx_queue);
	peer->serial_work_cpu = -1;
	/* The first endpoint change may be announced at once. */
	peer->endpoint_event_jiffies = jiffies - HZ;
	nt_send_peer_init(peer);
	nt_timers_init(peer);
	kref_init(&peer->refcount);
	INIT_HLIST_NODE(&peer->pubkey_hash);
	INIT_LIST_HEAD(&peer->peer_list);
	INIT_LIST_HEAD(&peer->allowedips_list);
	peer->internal_id = atomic64_inc_return(&peer_counter);

	pr_debug("%s: Peer %llu created\n", ntd->dev->name, peer->internal_id);
	return peer;

err_free_peer:
	kmem_cache_free(peer_cache, peer);
	return ERR_PTR(-ENOMEM);
}

void nt_peer_add(struct nt_peer *peer)
{
	struct nt_device *ntd = peer->device;

	lockdep_assert_held(&ntd->device_update_lock);

	/*
	 * NAPI from here to removal: both in process context, which the
	 * last reference (dropped anywhere) is not.
	 */
	netif_napi_add(ntd->dev, &peer->napi, nt_receive_poll);
	napi_enable(&peer->napi);
	peer->list_seq = ++ntd->peer_list_seq;
	list_add_tail(&peer->peer_list, &ntd->peer_list);
	++ntd->num_peers;
	nt_pubkey_hashtable_add(ntd->peer_hashtable, peer,
				&ntd->device_update_lock);
	nt_device_bump_generation(ntd);
}

struct nt_peer *nt_peer_get_maybe_zero(struct nt_peer *peer)
{
	if (unlikely(!peer || !nt_lifetime_get_if_alive(&peer->refcount)))
		return NULL;
	return peer;
}

static void release_rcu(struct rcu_head *rcu)
{
	struct nt_peer *peer = container_of(rcu, struct nt_peer, rcu);

	/*
	 * The device outlives this callback: its destructor removes every
	 * peer and then waits for pending callbacks with rcu_barrier().
	 */
	pr_debug("%s: Peer %llu destroyed\n", peer->device->dev->name,
		 peer->internal_id);
	/* Both allocated by nt_peer_run(), or neither. */
	if (peer->stats) {
		free_percpu(peer->stats);
		dst_cache_destroy(&peer->endpoint_cache);
	}
	nt_cookie_uninit(&peer->latest_cookie);
	kfree(peer->description);
	/* The preshared key and the handshake state live inline. */
	memzero_explicit(peer, sizeof(*peer));
	kmem_cache_free(peer_cache, peer);
}

static void release_peer(struct kref *refcount)
{
	struct nt_peer *peer = container_of(refcount, struct nt_peer, refcount);

	/*
	 * A transmit that looked the peer up before it died may have staged
	 * packets after the removal purged the queue; it held a reference,
	 * so they are all in by now.
	 */
	nt_peer_purge_staged_packets(peer);
	call_rcu(&peer->rcu, release_rcu);
}

void nt_peer_put(struct nt_peer *peer)
{
	if (unlikely(!peer))
		return;
	kref_put(&peer->refcount, release_peer);
}

void nt_peer_make_dead(struct nt_peer *peer, struct list_head *dead)
{
	struct nt_device *ntd = peer->device;

	lockdep_assert_held(&ntd->device_update_lock);

	nt_allowedips_remove_by_peer(&ntd->peer_allowedips, peer,
				     &ntd->device_update_lock);
	nt_pubkey_hashtable_remove(ntd->peer_hashtable, peer,
				   &ntd->device_update_lock);
	list_move_tail(&peer->peer_list, dead);
	--ntd->num_peers;
	WRITE_ONCE(peer->is_dead, true);
	nt_device_bump_generation(ntd);
}

void nt_peer_remove_dead(struct list_head *dead)
{
	struct nt_peer *peer, *next;
	struct nt_device *ntd;

	if (list_empty(dead))
		return;
	ntd = list_first_entry(dead, struct nt_peer, peer_list)->device;
	lockdep_assert_held(&ntd->device_update_lock);

	/*
	 * After this, no lookup that could still see a dead peer is running:
	 * allowed IPs, the public-key table and the device list no longer
	 * hold them. Whoever already took a reference checks is_dead, inside
	 * an RCU-bh section this waited for, before passing the peer to
	 * another context or queueing a packet for it.
	 */
	synchronize_net();

	list_for_each_entry(peer, dead, peer_list) {
		/*
		 * Stop what still runs for the peer: its timers and their
		 * work (none restarts once is_dead is seen), then its
		 * sessions (none is installed once is_dead is seen).
		 */
		nt_timers_stop(peer);
		nt_noise_keypairs_clear(&peer->keypairs);
		nt_noise_handshake_clear(&peer->handshake);
	}

	/*
	 * Then their packets (queueing.h). None enters a queue any more. A
	 * packet's life in the queues spans two stages: crypto on
	 * packet_crypt_wq, then the tx work (on packet_crypt_wq too) or
	 * NAPI. So flush both stages, for the whole batch, and stop each
	 * NAPI context; what is left in the ordered queues stays there.
	 */
	nt_queue_flush_crypt(ntd);

	list_for_each_entry_safe(peer, next, dead, peer_list) {
		list_del_init(&peer->peer_list);
		napi_disable(&peer->napi);
		/*
		 * Without netif_napi_del()'s grace period per peer: the peer
		 * is freed through call_rcu(), after any RCU reader of the
		 * device's NAPI list is done with it.
		 */
		__netif_napi_del(&peer->napi);
		nt_peer_queue_purge_tx(&peer->tx_queue);
		nt_peer_queue_purge_rx(&peer->rx_queue);
		nt_peer_purge_staged_packets(peer);
		nt_peer_put(peer);
	}
}

void nt_peer_remove_all(struct nt_device *ntd)
{
	struct nt_peer *peer, *next;
	LIST_HEAD(dead);

	lockdep_assert_held(&ntd->device_update_lock);

	/* One pass over the trie instead of one walk per peer. */
	nt_allowedips_free(&ntd->peer_allowedips, &ntd->device_update_lock);
	list_for_each_entry_safe(peer, next, &ntd->peer_list, peer_list)
		nt_peer_make_dead(peer, &dead);
	nt_peer_remove_dead(&dead);
}

void nt_peer_stage_packets(struct nt_peer *peer, struct sk_buff_head *packets,
			   bool in_front)
{
	struct sk_buff_head *staged = &peer->staged_packet_queue;
	/*
	 * New packets never push each other out: the segments of one GSO
	 * packet stay together even beyond the limit. Packets put back in
	 * front are the oldest, so they are the first to go.
	 */
	unsigned int limit = in_front ? MAX_STAGED_PACKETS :
			     max_t(unsigned int, MAX_STAGED_PACKETS,
				   skb_queue_len(packets));
	struct sk_buff_head overflow;
	unsigned int dropped;

	__skb_queue_head_init(&overflow);
	spin_lock_bh(&staged->lock);
	if (in_front)
		skb_queue_splice_init(packets, staged);
	else
		skb_queue_splice_tail_init(packets, staged);
	while (skb_queue_len(staged) > limit)
		__skb_queue_tail(&overflow, __skb_dequeue(staged));
	spin_unlock_bh(&staged->lock);

	dropped = skb_queue_len(&overflow);
	if (likely(!dropped))
		return;
	DEV_STATS_ADD(peer->device->dev, tx_dropped, dropped);
	while (dropped--)
		nt_peer_count_drop(peer, NOISETUN_A_DROP_STAGED_OVERFLOW);
	__skb_queue_purge(&overflow);
}

void nt_peer_purge_staged_packets(struct nt_peer *peer)
{
	struct sk_buff_head *queue = &peer->staged_packet_queue;
	struct sk_buff_head purged;

	__skb_queue_head_init(&purged);
	spin_lock_bh(&queue->lock);
	skb_queue_splice_init(queue, &purged);
	spin_unlock_bh(&queue->lock);

	if (skb_queue_empty(&purged))
		return;
	DEV_STATS_ADD(peer->device->dev, tx_dropped, skb_queue_len(&purged));
	__skb_queue_purge(&purged);
}

/*
 * This CPU's counters of @peer, open for update (preemption off, @flags
 * saved): NULL, with nothing to close, when the peer has none yet (its
 * device never ran, peer.h). Closed by peer_stats_update_end().
 */
static struct nt_peer_stats *peer_stats_update_begin(struct nt_peer *peer,
						     unsigned long *flags)
{
	struct nt_peer_stats __percpu *stats = READ_ONCE(peer->stats);
	struct nt_peer_stats *mine;

	if (unlikely(!stats))
		return NULL;
	mine = get_cpu_ptr(stats);
	*flags = u64_stats_update_begin_irqsave(&mine->syncp);
	return mine;
}

static void peer_stats_update_end(struct nt_peer_stats *mine,
				  unsigned long flags)
{
	u64_stats_update_end_irqrestore(&mine->syncp, flags);
	put_cpu_ptr(mine);
}

void nt_peer_count_rx(struct nt_peer *peer, unsigned int len)
{
	u64 now = ktime_get_coarse_real();
	struct nt_peer_stats *mine;
	unsigned long flags;

	/* Never NULL here: only a running device counts (peer.h). */
	mine = peer_stats_update_begin(peer, &flags);
	if (likely(mine)) {
		u64_stats_add(&mine->rx_bytes, len);
		u64_stats_inc(&mine->rx_packets);
		peer_stats_update_end(mine, flags);
	}
	/* The coarse clock moves once a tick: one write per tick at most. */
	if (atomic64_read(&peer->walltime_last_rx_ns) != now)
		atomic64_set(&peer->walltime_last_rx_ns, now);
}

void nt_peer_count_event(struct nt_peer *peer, enum nt_peer_event_count what)
{
	struct nt_peer_stats *mine;
	unsigned long flags;

	mine = peer_stats_update_begin(peer, &flags);
	if (!mine)
		return;
	switch (what) {
	case NT_PEER_COUNT_HANDSHAKE_COMPLETED:
		u64_stats_inc(&mine->handshakes_completed);
		break;
	case NT_PEER_COUNT_HANDSHAKE_FAILED:
		u64_stats_inc(&mine->handshakes_failed);
		break;
	case NT_PEER_COUNT_COOKIE_RECEIVED:
		u64_stats_inc(&mine->cookies_received);
		break;
	}
	peer_stats_update_end(mine, flags);
}

void nt_peer_handshake_completed(struct nt_peer *peer, bool initiator)
{
	u64 sent = atomic64_read(initiator ? &peer->initiation_sent_ns :
					     &peer->response_sent_ns);
	u64 now = ktime_get_ns();

	atomic64_set(&peer->last_handshake_rtt_ns,
		     sent && now > sent ? now - sent : 0);
	nt_peer_count_event(peer, NT_PEER_COUNT_HANDSHAKE_COMPLETED);
}

void nt_peer_count_tx(struct nt_peer *peer, unsigned int len,
		      bool is_initiation)
{
	struct nt_peer_stats *mine;
	unsigned long flags;

	mine = peer_stats_update_begin(peer, &flags);
	if (!mine)
		return;
	u64_stats_add(&mine->tx_bytes, len);
	u64_stats_inc(&mine->tx_packets);
	if (is_initiation)
		u64_stats_inc(&mine->handshake_attempts);
	peer_stats_update_end(mine, flags);
}

void nt_peer_read_traffic(struct nt_peer *peer,
			  struct nt_peer_traffic *traffic)
{
	struct nt_peer_stats __percpu *stats = READ_ONCE(peer->stats);
	int cpu;

	memset(traffic, 0, sizeof(*traffic));
	if (!stats)
		return;
	for_each_possible_cpu(cpu) {
		const struct nt_peer_stats *one = per_cpu_ptr(stats, cpu);
		u64 rx_bytes, rx_packets, tx_bytes, tx_packets, attempts;
		u64 completed, failed, cookies;
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&one->syncp);
			rx_bytes = u64_stats_read(&one->rx_bytes);
			rx_packets = u64_stats_read(&one->rx_packets);
			tx_bytes = u64_stats_read(&one->tx_bytes);
			tx_packets = u64_stats_read(&one->tx_packets);
			attempts = u64_stats_read(&one->handshake_attempts);
			completed = u64_stats_read(&one->handshakes_completed);
			failed = u64_stats_read(&one->handshakes_failed);
			cookies = u64_stats_read(&one->cookies_received);
		} while (u64_stats_fetch_retry(&one->syncp, start));

		traffic->rx_bytes += rx_bytes;
		traffic->rx_packets += rx_packets;
		traffic->tx_bytes += tx_bytes;
		traffic->tx_packets += tx_packets;
		traffic->handshake_attempts += attempts;
		traffic->handshakes_completed += completed;
		traffic->handshakes_failed += failed;
		traffic->cookies_received += cookies;
	}
}

int nt_peer_slab_init(void)
{
	peer_cache = KMEM_CACHE(nt_peer, 0);
	return peer_cache ? 0 : -ENOMEM;
}

void nt_peer_slab_uninit(void)
{
	kmem_cache_destroy(peer_cache);
}
