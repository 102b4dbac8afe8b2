/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A peer: one remote public key the device talks to, with its endpoint,
 * allowed IPs, counters, sessions, queues and timers.
 *
 * Lifetime. A peer is reference counted (kref). The device's peer list owns
 * one reference from nt_peer_add() until removal. Lookups from the data
 * path (allowed IPs, public key, and later the index table) run under RCU
 * and take a reference only while the count is not zero
 * (nt_peer_get_maybe_zero()), so a peer on its way out is never revived.
 * Removal has two phases: nt_peer_make_dead() unlinks the peer from every
 * lookup structure and sets is_dead; after one synchronize_net() for the
 * whole batch, no new lookup can find it, and nt_peer_remove_dead() stops
 * what still runs for it and drops the list's reference. The memory is
 * freed one RCU grace period after the last reference goes, with its
 * secrets zeroed.
 */

#ifndef _NT_PEER_H
#define _NT_PEER_H

#include <linux/atomic.h>
#include <linux/compiler.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/percpu.h>
#include <linux/rwsem.h>
#include <linux/skbuff.h>
#include <linux/socket.h>
#include <linux/spinlock.h>
#include <linux/time64.h>
#include <linux/timer.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/u64_stats_sync.h>
#include <net/dst_cache.h>

#include "device.h"
#include "messages.h"
#include "noise.h"
#include "queueing.h"

/**
 * struct nt_endpoint - where a peer is reached, and from which address
 * @addr: the remote address; sa_family is AF_UNSPEC when unknown
 * @addr4: the remote address when IPv4
 * @addr6: the remote address when IPv6
 * @src4: the local IPv4 address the peer last reached us at, used as the
 *        source of what we send it (sticky source); 0.0.0.0 lets routing
 *        choose
 * @src_ifindex4: the interface @src4 was seen on
 * @src6: the local IPv6 source last used to reach it; :: lets routing choose
 */
struct nt_endpoint {
	union {
		struct sockaddr addr;
		struct sockaddr_in addr4;
		struct sockaddr_in6 addr6;
	};
	union {
		struct {
			struct in_addr src4;
			int src_ifindex4;
		};
		struct in6_addr src6;
	};
};

/**
 * struct nt_peer_stats - a peer's traffic and drop counters (per CPU)
 * @rx_bytes: bytes received from the peer, outer messages included
 * @rx_packets: messages received from the peer
 * @tx_bytes: bytes sent to the peer, outer messages included
 * @tx_packets: messages sent to the peer
 * @handshake_attempts: handshake initiations sent to the peer
 * @handshakes_completed: sessions established with the peer, either role
 * @handshakes_failed: attempts given up after REKEY_ATTEMPT_TIME
 * @cookies_received: valid cookie replies from the peer
 * @syncp: makes the counts above tear-free on 32-bit machines
 * @drops: drops attributed to this peer (also counted device-wide)
 *
 * Per CPU rather than one set per peer, because the data plane spreads a
 * busy peer's crypto (and later its receive work) over CPUs: no counter is
 * shared between CPUs, so none needs an atomic. Update with preemption off
 * (the data path runs in softirq); read with nt_peer_read_traffic().
 */
struct nt_peer_stats {
	u64_stats_t rx_bytes;
	u64_stats_t rx_packets;
	u64_stats_t tx_bytes;
	u64_stats_t tx_packets;
	u64_stats_t handshake_attempts;
	u64_stats_t handshakes_completed;
	u64_stats_t handshakes_failed;
	u64_stats_t cookies_received;
	struct u64_stats_sync syncp;
	struct nt_drop_counters drops;
};

/**
 * struct nt_peer_traffic - the sum of a peer's per-CPU counters
 * @rx_bytes: see struct nt_peer_stats
 * @rx_packets: see struct nt_peer_stats
 * @tx_bytes: see struct nt_peer_stats
 * @tx_packets: see struct nt_peer_stats
 * @handshake_attempts: see struct nt_peer_stats
 * @handshakes_completed: see struct nt_peer_stats
 * @handshakes_failed: see struct nt_peer_stats
 * @cookies_received: see struct nt_peer_stats
 */
struct nt_peer_traffic {
	u64 rx_bytes;
	u64 rx_packets;
	u64 tx_bytes;
	u64 tx_packets;
	u64 handshake_attempts;
	u64 handshakes_completed;
	u64 handshakes_failed;
	u64 cookies_received;
};

/**
 * enum nt_peer_event_count - what nt_peer_count_event() counts
 * @NT_PEER_COUNT_HANDSHAKE_COMPLETED: a session was established
 * @NT_PEER_COUNT_HANDSHAKE_FAILED: a handshake attempt was given up
 * @NT_PEER_COUNT_COOKIE_RECEIVED: a valid cookie reply came
 */
enum nt_peer_event_count {
	NT_PEER_COUNT_HANDSHAKE_COMPLETED,
	NT_PEER_COUNT_HANDSHAKE_FAILED,
	NT_PEER_COUNT_COOKIE_RECEIVED,
};

/**
 * struct nt_peer - a peer of a noisetun device
 * @device: the device; a peer never moves to another device
 * @handshake: the public key, the preshared key, and the handshake (noise.h)
 * @keypairs: the sessions: previous, current, next (noise.h)
 * @latest_cookie: mac1/mac2 for messages to this peer, and the cookie it
 *                 last sent us (cookie.h)
 * @endpoint_lock: protects @endpoint and resets of @endpoint_cache. Taken
 *                 for writing by netlink SET and by roaming on receive,
 *                 for reading across every send, so always with BHs off.
 * @endpoint: where to send to; also the endpoint netlink reports
 * @handshake_retries: initiations sent by @retransmit_handshake since the
 *                     last new attempt; the retries stop after
 *                     MAX_TIMER_HANDSHAKES + 1. Written by the timer and by
 *                     new attempts, read with READ_ONCE().
 * @endpoint_cache: the route to @endpoint, per CPU; emptied whenever the
 *                  endpoint or its source changes. Its per-CPU part is
 *                  allocated with @stats (until then dst_cache's own calls
 *                  find nothing and store nothing).
 * @staged_packet_queue: packets waiting for a session, at most
 *                       MAX_STAGED_PACKETS, oldest dropped first. Its own
 *                       spinlock (BH) protects it.
 * @tx_queue: batches in sending order, crypted or not (queueing.h)
 * @rx_queue: received messages in arrival order, opened or not
 * @napi: consumes @rx_queue in order (receive.h); added at creation,
 *        deleted at removal
 * @transmit_packet_work: sends @tx_queue's crypted batches in order, on
 *                        the device's packet_crypt_wq (send.h)
 * @serial_work_cpu: the CPU @transmit_packet_work is queued on; -1 until
 *                   queueing.c picks one (again when it goes offline)
 * @persistent_keepalive_interval: seconds, 0 = off. Written under
 *                                 device_update_lock; read by the timers
 *                                 with READ_ONCE().
 * @timer_need_another_keepalive: data arrived while a passive keepalive
 *                                was already pending: arm it once more
 * @sent_lastminute_handshake: the receive path already asked for the rekey
 *                             of an old session; reset when one completes
 * @walltime_last_handshake_ns: wall-clock time of the last completed
 *                              handshake, ns since the epoch, 0 = never
 * @walltime_last_rx_ns: wall-clock time (coarse: one tick) of the last
 *                       message counted by nt_peer_count_rx(), 0 = never;
 *                       written only when the tick changed, so that a busy
 *                       peer's CPUs do not bounce its cache line
 * @last_handshake_rtt_ns: the round trip of the last completed handshake:
 *                         as initiator, initiation sent to response
 *                         received; as responder, response sent to the
 *                         first data on the session; 0 = none yet
 * @stats: traffic and drop counters, per CPU; NULL (all zero) until the
 *         device first runs with the peer. Only the data path, which needs
 *         a running device, counts or looks routes up, so nt_peer_run()
 *         allocates @stats and @endpoint_cache's per-CPU part when the
 *         device opens, or when a peer joins a running one (both under
 *         RTNL and device_update_lock), and they stay until the peer is
 *         freed: the peers of a device that never ran, as in a
 *         configuration loaded before the device is set up, cost no
 *         per-CPU memory.
 * @transmit_handshake_work: sends an initiation from process context
 *                           (creating one may sleep); queued on the
 *                           device's handshake_wq by send.c
 * @clear_peer_work: zeroes the peer's keys from process context, queued
 *                   by @zero_key_material
 * @retransmit_handshake: timers.h
 * @send_keepalive: timers.h
 * @new_handshake: timers.h
 * @zero_key_material: timers.h
 * @persistent_keepalive: timers.h
 * @last_sent_handshake_ns: boot time of the last initiation sent, so that
 *                          none goes out more often than every
 *                          REKEY_TIMEOUT; atomic, no lock
 * @initiation_sent_ns: ktime_get_ns() when the last initiation left, for
 *                      the round trip of the handshake-complete event
 * @response_sent_ns: ktime_get_ns() when the last response left, for the
 *                    responder's round trip
 * @endpoint_event_jiffies: when the last endpoint-changed event was sent;
 *                          at most one a second (cmpxchg, no lock)
 * @description: the peer's name given by configuration, UTF-8, NUL
 *               terminated, at most NOISETUN_DESCRIPTION_MAX bytes,
 *               allocated (kmalloc) when set; NULL when none. Written and
 *               read under device_update_lock; freed with the peer.
 * @endpoint_event_held: a change came within that second and was not
 *                       announced; the first authenticated packet after it
 *                       announces the endpoint then in use (READ_ONCE and
 *                       WRITE_ONCE, no lock)
 * @disabled: the peer is switched off by configuration: no session, no
 *            handshake either way, its traffic dropped (peer_disabled).
 *            Written under device_update_lock; read with READ_ONCE().
 * @is_dead: set once the peer is unlinked from every lookup structure;
 *           whoever holds a reference and might hand it to another context
 *           checks it first (READ_ONCE()), inside an RCU-bh section that
 *           removal waits for. Written under device_update_lock.
 * @refcount: the references; see the top of this file
 * @rcu: frees the peer after a grace period
 * @pubkey_hash: entry in the device's public-key table
 * @peer_list: entry in the device's peer list (device_update_lock); on a
 *             local list of dead peers between the two removal phases
 * @allowedips_list: the peer's allowed-IPs nodes, linked by allowedips.c
 *                   (struct nt_allowedips_node.peer_list), protected by
 *                   device_update_lock
 * @internal_id: unique across the module's lifetime, for the debug log
 * @list_seq: the peer's place on the device's peer list, set as it joins
 *            the list (under device_update_lock) from a count that only
 *            grows: the list is in @list_seq order, which a dump resumes
 *            by when its cursor was removed (netlink.c)
 */
struct nt_peer {
	struct nt_device *device;
	struct nt_noise_handshake handshake;
	struct nt_noise_keypairs keypairs;
	struct nt_cookie latest_cookie;
	rwlock_t endpoint_lock;
	struct nt_endpoint endpoint;
	unsigned int handshake_retries;
	struct dst_cache endpoint_cache;
	struct sk_buff_head staged_packet_queue;
	/*
	 * The receive side writes @rx_queue and @napi's head, the send side
	 * @tx_queue and @transmit_packet_work: @napi (400 bytes) keeps the
	 * two on separate cache lines without padding (bench/README.md).
	 */
	struct nt_peer_queue rx_queue;
	struct napi_struct napi;
	struct nt_peer_queue tx_queue;
	struct work_struct transmit_packet_work;
	int serial_work_cpu;
	u16 persistent_keepalive_interval;
	bool timer_need_another_keepalive;
	bool sent_lastminute_handshake;
	atomic64_t walltime_last_handshake_ns;
	atomic64_t walltime_last_rx_ns;
	atomic64_t last_handshake_rtt_ns;
	struct nt_peer_stats __percpu *stats;
	struct work_struct transmit_handshake_work;
	struct work_struct clear_peer_work;
	struct timer_list retransmit_handshake;
	struct timer_list send_keepalive;
	struct timer_list new_handshake;
	struct timer_list zero_key_material;
	struct timer_list persistent_keepalive;
	atomic64_t last_sent_handshake_ns;
	atomic64_t initiation_sent_ns;
	atomic64_t response_sent_ns;
	unsigned long endpoint_event_jiffies;
	char *description;
	bool endpoint_event_held;
	bool disabled;
	bool is_dead;
	struct kref refcount;
	struct rcu_head rcu;
	struct hlist_node pubkey_hash;
	struct list_head peer_list;
	struct list_head allowedips_list;
	u64 internal_id;
	u64 list_seq;
};

/**
 * nt_peer_create() - allocate a peer for a device, not yet visible
 * @ntd: the device; caller holds its device_update_lock
 * @public_key: the peer's public key
 *
 * The peer starts with no endpoint, no preshared key (zeros), no allowed
 * IPs, and one reference owned by the caller. It is not in any lookup
 * structure until nt_peer_add(); dropping that reference instead frees it.
 * Its static-static secret is not computed yet: the caller runs
 * nt_noise_handshake_precompute_static_static() before nt_peer_add().
 * May sleep.
 *
 * Return: the peer, or ERR_PTR(-ENOMEM).
 */
struct nt_peer *nt_peer_create(struct nt_device *ntd,
			       const u8 public_key[NOISE_PUBLIC_KEY_LEN]);

/**
 * nt_peer_add() - make a created peer part of its device
 * @peer: from nt_peer_create(); its creation reference passes to the
 *        device's peer list
 *
 * Links the peer into the device's list and public-key table. Never fails.
 * Caller holds device_update_lock and has checked the device's peer limit.
 */
void nt_peer_add(struct nt_peer *peer);

/**
 * nt_peer_get_maybe_zero() - take a reference unless the peer is going away
 * @peer: a peer found under RCU, or NULL
 *
 * Caller holds rcu_read_lock() or rcu_read_lock_bh(), which keeps the
 * memory valid even when the count has already dropped to zero.
 *
 * Return: @peer with a new reference, or NULL if @peer is NULL or its last
 * reference is gone.
 */
struct nt_peer *__must_check nt_peer_get_maybe_zero(struct nt_peer *peer);

/**
 * nt_peer_get() - take another reference on a peer
 * @peer: a peer the caller already holds a reference on (or that is on its
 *        device's list, with device_update_lock held)
 *
 * Return: @peer.
 */
static inline struct nt_peer *nt_peer_get(struct nt_peer *peer)
{
	kref_get(&peer->refcount);
	return peer;
}

/**
 * nt_peer_put() - drop a reference
 * @peer: the peer, or NULL
 *
 * Any context. The last reference frees the peer after an RCU grace
 * period, with its secrets zeroed.
 */
void nt_peer_put(struct nt_peer *peer);

/**
 * nt_peer_make_dead() - first removal phase: unlink and mark dead
 * @peer: a peer on its device's list; caller holds device_update_lock
 * @dead: a local list that collects the batch; @peer moves onto it
 *
 * Removes the peer's allowed IPs and its public-key entry, takes it off the
 * device's list and sets is_dead. Lookups that started before may still
 * return it until the caller runs nt_peer_remove_dead() on the batch.
 */
void nt_peer_make_dead(struct nt_peer *peer, struct list_head *dead);

/**
 * nt_peer_remove_dead() - second removal phase, for a whole batch
 * @dead: peers passed to nt_peer_make_dead(); empty afterwards
 *
 * One synchronize_net() for the batch, then for each peer stops what may
 * still run for it (its timers and work, its crypto, its tx work and its
 * NAPI poll), drops its queued packets, and puts the device list's
 * reference. Caller holds device_update_lock. Sleeps.
 */
void nt_peer_remove_dead(struct list_head *dead);

/**
 * nt_peer_remove_all() - remove every peer of a device
 * @ntd: the device; caller holds its device_update_lock
 *
 * Sleeps (one grace period for all peers).
 */
void nt_peer_remove_all(struct nt_device *ntd);

/**
 * nt_peer_stage_packets() - let packets wait for a session
 * @peer: the peer
 * @packets: the packets, oldest first; emptied
 * @in_front: they were staged before (taken out for a session that could
 *            not send) and go back before anything staged since; else
 *            they are new and go last
 *
 * The staged queue keeps at most MAX_STAGED_PACKETS, or one new batch if
 * that is larger; the oldest go first, counted as staged_overflow and
 * tx_dropped. Any context but hard interrupts.
 */
void nt_peer_stage_packets(struct nt_peer *peer, struct sk_buff_head *packets,
			   bool in_front);

/**
 * nt_peer_purge_staged_packets() - drop the packets waiting for a session
 * @peer: the peer
 *
 * Counted as tx_dropped of the device. Any context but hard interrupts.
 */
void nt_peer_purge_staged_packets(struct nt_peer *peer);

/**
 * nt_peer_count_drop() - count a drop attributed to a peer
 * @peer: the peer
 * @reason: why the packet was dropped, NOISETUN_A_DROP_*
 *
 * Counts it for the peer and for the device. Any context.
 */
static inline void nt_peer_count_drop(struct nt_peer *peer,
				      enum noisetun_drop_attr reason)
{
	/* Paired with the release in nt_peer_run(). */
	struct nt_peer_stats __percpu *stats = READ_ONCE(peer->stats);

	/* Never NULL here: only a running device drops (see @stats). */
	if (likely(stats))
		nt_drop_counters_inc(&stats->drops, reason);
	nt_device_count_drop(peer->device, reason);
}

/**
 * nt_peer_queue_finish_one() - hand on the head of a peer's queue if done
 * @queue: @peer's tx_queue or rx_queue; called by its serial stage only
 *         (send.c's transmit worker, receive.c's NAPI poll)
 * @peer: the peer
 * @crypted: takes a packet (TX: batch) whose crypto succeeded
 * @failed: takes one whose crypto failed, with NT_PACKET_CB()'s reason
 *
 * Both serial stages drain their queue this way, in order; the keypair
 * reference the packet held is dropped once its handler has run. Always
 * inlined, so that the handlers are direct calls.
 *
 * Return: false when the queue is empty or its head is not crypted yet.
 */
static __always_inline bool
nt_peer_queue_finish_one(struct nt_peer_queue *queue, struct nt_peer *peer,
			 void (*crypted)(struct nt_peer *, struct sk_buff *),
			 void (*failed)(struct nt_peer *, struct sk_buff *,
					enum noisetun_drop_attr))
{
	struct sk_buff *skb = nt_peer_queue_dequeue_done(queue);
	struct nt_noise_keypair *keypair;
	struct nt_packet_cb *cb;

	if (!skb)
		return false;
	cb = NT_PACKET_CB(skb);
	keypair = cb->keypair;
	if (likely(atomic_read(&cb->state) == NT_PACKET_CRYPTED))
		crypted(peer, skb);
	else
		failed(peer, skb, cb->drop_reason);
	nt_noise_keypair_put(keypair);
	return true;
}

/**
 * nt_peer_run() - give a peer what only a running device uses
 * @peer: the peer; caller holds RTNL and its device's device_update_lock,
 *        and the device runs or is being opened
 *
 * Allocates the per-CPU counters and route cache (struct nt_peer, @stats),
 * unless the peer has them already. May sleep.
 *
 * Return: 0 or -ENOMEM.
 */
int nt_peer_run(struct nt_peer *peer);

/**
 * nt_peer_count_rx() - count a message received from a peer
 * @peer: the peer
 * @len: its size in bytes, outer headers excluded (as WireGuard counts)
 *
 * Any context but hard interrupts.
 */
void nt_peer_count_rx(struct nt_peer *peer, unsigned int len);

/**
 * nt_peer_count_tx() - count a message sent to a peer
 * @peer: the peer
 * @len: its size in bytes, outer headers excluded
 * @is_initiation: it is a handshake initiation (handshake_attempts)
 *
 * Any context but hard interrupts.
 */
void nt_peer_count_tx(struct nt_peer *peer, unsigned int len,
		      bool is_initiation);

/**
 * nt_peer_count_event() - count a handshake event or a cookie reply
 * @peer: the peer
 * @what: which counter
 *
 * Any context but hard interrupts.
 */
void nt_peer_count_event(struct nt_peer *peer, enum nt_peer_event_count what);

/**
 * nt_peer_handshake_completed() - count a session established, with its
 * round trip
 * @peer: the peer
 * @initiator: we sent the initiation (round trip since
 *             @peer->initiation_sent_ns); else we answered it (since
 *             @peer->response_sent_ns)
 *
 * Stores the round trip in @peer->last_handshake_rtt_ns, where the
 * handshake-complete event reads it. Any context but hard interrupts.
 */
void nt_peer_handshake_completed(struct nt_peer *peer, bool initiator);

/**
 * nt_peer_read_traffic() - sum a peer's traffic counters over all CPUs
 * @peer: the peer
 * @traffic: receives the sums
 */
void nt_peer_read_traffic(struct nt_peer *peer,
			  struct nt_peer_traffic *traffic);

/**
 * nt_peer_slab_init() - create the peer cache, at module init
 *
 * Return: 0 or -ENOMEM.
 */
int nt_peer_slab_init(void);

/**
 * nt_peer_slab_uninit() - destroy the peer cache, at module exit
 *
 * Every peer must be freed: caller has waited with rcu_barrier().
 */
void nt_peer_slab_uninit(void);

#endif /* _NT_PEER_H */
