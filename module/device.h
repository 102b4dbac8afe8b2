/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The noisetun network device: link kind "noisetun", its private state,
 * and the one lock-order table of the module.
 *
 * Lock order (take top to bottom; never take an upper lock while holding a
 * lower one):
 *
 *   genl_mutex                 the netlink core's, around every noisetun
 *                              command (the family is not parallel_ops)
 *   rtnl_lock                  netdevice changes: open/stop, register,
 *                              namespace moves; creating_net; the per-net
 *                              device lists
 *   nt_device.device_update_lock
 *                              all configuration of one device
 *   nt_static_identity.lock    the device's private/public key (rwsem)
 *   nt_noise_handshake.lock    a peer's handshake keys (rwsem)
 *   nt_peer.endpoint_lock      a peer's endpoint and route cache (rwlock,
 *                              BH-safe; read-held across sends)
 *   nt_noise_keypairs.keypair_update_lock
 *                              a peer's three session slots (BH-safe)
 *   nt_index_hashtable.lock    the receiver indices (BH-safe)
 *   sk_buff_head.lock          a peer's staged packet queue, the device's
 *                              handshake queue (BH-safe)
 *   nt_peer_queue.lock         a peer's ordered tx and rx queues (BH-safe)
 *   ptr_ring locks             the device's encrypt and decrypt rings
 *                              (producer and consumer locks, BH-safe)
 *   cookie and rate locks      nt_cookie_checker.lock, nt_cookie.lock,
 *                              the rate limiter's table lock (then a
 *                              source's lock) and a device's budget lock:
 *                              BH-safe, taken while screening handshake
 *                              messages in softirq (receive.c)
 *   rcu_read_lock(_bh)         lookups: pubkey table, allowed IPs, index
 *                              table, sockets, keypair slots; and every
 *                              is_dead check before a peer's packet or
 *                              work is queued (peer.h)
 *
 * The locks from endpoint_lock down are taken in softirq context too, so
 * always with bottom halves off. None of these may be held while taking a
 * lock above it; the last six are leaves in practice (nothing else is
 * taken under them).
 */

#ifndef _NT_DEVICE_H
#define _NT_DEVICE_H

#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/percpu.h>
#include <linux/rwsem.h>
#include <linux/skbuff.h>
#include <linux/types.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>

#include "allowedips.h"
#include "cookie.h"
#include "messages.h"
#include "noisetun.h"
#include "queueing.h"
#include "ratelimiter.h"

struct net;
struct sock;
struct nt_pubkey_hashtable;
struct nt_index_hashtable;

/**
 * struct nt_static_identity - the device's own key pair
 * @lock: protects every member. Readers: the handshake path, netlink GET,
 *        SET's own-key checks. Writer: SET under device_update_lock.
 * @private_key: the private key, clamped as X25519 uses it; all zeros when
 *               unset. Zeroed with memzero_explicit() when replaced.
 * @public_key: derived from @private_key; all zeros when unset
 * @has_identity: a private key is set, so @public_key is valid
 *
 * The keys derived from the identity (the cookie checker's mac1 and cookie
 * keys) are recomputed under the same lock.
 */
struct nt_static_identity {
	struct rw_semaphore lock;
	u8 private_key[NOISE_PUBLIC_KEY_LEN];
	u8 public_key[NOISE_PUBLIC_KEY_LEN];
	bool has_identity;
};

/**
 * struct nt_drop_counters - packets dropped, by reason (per CPU)
 * @count: indexed by enum noisetun_drop_attr; entry 0 stays unused
 * @syncp: makes the 64-bit counts tear-free to read on 32-bit machines
 *
 * One instance per CPU, so that counting a flood of bad packets on every
 * CPU at once never bounces a cache line. Count with nt_device_count_drop()
 * or nt_peer_count_drop(); sum with nt_drop_counters_read().
 */
struct nt_drop_counters {
	u64_stats_t count[__NOISETUN_A_DROP_MAX];
	struct u64_stats_sync syncp;
};

/**
 * struct nt_device_stats - a device's handshake counters (per CPU)
 * @cookies_sent: cookie replies sent, under load
 * @handshakes_answered: responses sent to initiations
 * @syncp: makes the counts tear-free to read on 32-bit machines
 *
 * Per CPU because a flood of initiations makes both hot on every CPU at
 * once (cookie replies come from the softirq that received the message).
 */
struct nt_device_stats {
	u64_stats_t cookies_sent;
	u64_stats_t handshakes_answered;
	struct u64_stats_sync syncp;
};

/**
 * struct nt_handshake_worker - one CPU's handshake receive worker
 * @work: runs nt_receive_handshake_worker() on that CPU
 * @ntd: the device whose handshake queue it drains
 */
struct nt_handshake_worker {
	struct work_struct work;
	struct nt_device *ntd;
};

/**
 * struct nt_device - the private part of a noisetun net_device
 * @dev: the net_device this is the private area of
 * @static_identity: the device's key pair, under its own lock
 * @cookie_checker: mac1/mac2 checks and cookie replies (cookie.h); its keys
 *                  are recomputed under @static_identity's lock
 * @device_update_lock: serialises every configuration change of the device
 *                      (netlink SET, open/stop, teardown) and protects the
 *                      members marked "config" below. Netlink GET holds it
 *                      too, for a consistent view of each message.
 * @peer_list: config; the device's peers in creation order (nt_peer.peer_list)
 * @num_peers: config; how many peers @peer_list holds
 * @peer_list_seq: config; the nt_peer.list_seq of the last peer added
 * @peer_hashtable: the peers by public key (writers: config; readers: RCU)
 * @index_hashtable: the receiver indices of handshakes and keypairs
 *                   (indexhash.h; its own lock, readers RCU)
 * @peer_allowedips: the allowed-IPs table (writers: config; readers: RCU)
 * @sock4: the IPv4 UDP socket; NULL while the device is down. Written under
 *         device_update_lock, read under RCU by the data path.
 * @sock6: the IPv6 UDP socket; NULL while down or when IPv6 is disabled
 * @incoming_port: config; the listen port. The one requested while down;
 *                 the one actually bound while up (a request for 0 turns
 *                 into the port the kernel chose, which then sticks).
 * @fwmark: config; the mark of outgoing packets, 0 for none. Read by the
 *          data path with READ_ONCE() for route lookups.
 * @creating_net: the namespace the device was created in, where its UDP
 *                sockets live even after the device moves to another
 *                namespace. Holds no reference: the device is deleted when
 *                that namespace dies (device.c, pre_exit), so the pointer
 *                is valid from newlink to dellink. Protected by RTNL.
 * @creating_net_list: entry in the creating namespace's device list, under
 *                     RTNL
 * @all_list: entry in the list of every noisetun device, under RTNL (for
 *            the device-removed events of module unload)
 * @drops: device-wide drop counters (every drop, with or without a peer)
 * @generation: config; bumped on every configuration change, never 0, so
 *              that a multi-message netlink dump can tell it was
 *              interrupted (genl_dump_check_consistent)
 * @handshake_wq: per-CPU workqueue of @handshake_workers and of the
 *                peers' initiation and key-zeroing work; created in
 *                newlink, destroyed in the destructor once no peer and no
 *                socket is left to queue on it
 * @handshake_queue: received handshake messages waiting for a worker, at
 *                   most MAX_QUEUED_INCOMING_HANDSHAKES; its own spinlock
 *                   (BH) protects it. Its length tells the device is under
 *                   load.
 * @handshake_workers: one work item per CPU, each draining
 *                     @handshake_queue (receive.h), so that Diffie-Hellman
 *                     runs on every CPU when handshakes pour in
 * @handshake_last_cpu: where the last worker was queued (round robin)
 * @last_under_load_ns: boot time the queue was last found long enough to
 *                      count as under load; the device stays under load
 *                      for a second after (Documentation/protocol.md "Cookies")
 * @under_load_ns: the time spent under load up to @last_under_load_ns
 *                 (the second after it is added when read)
 * @stats: cookie replies sent and handshakes answered, per CPU
 * @cookie_budget: the cookie replies the device may still make under load
 *                 for senders that have not proved their address
 *                 (ratelimiter.h)
 * @packet_crypt_wq: per-CPU workqueue of the crypto workers of both rings
 *                   and of the peers' tx work (queueing.h)
 * @encrypt_queue: packets of every peer waiting to be sealed
 * @decrypt_queue: messages of every peer waiting to be opened
 * @unknown_peer_events: config; send unknown-peer events (read with
 *                       READ_ONCE() by the handshake workers)
 * @unknown_peer_lock: protects the two members below
 * @unknown_peer_second: jiffies at the start of the current second of
 *                       unknown-peer events
 * @unknown_peer_sent: unknown-peer events sent in that second
 * @events_unsent: events (netlink.h) that could not be allocated while
 *                 someone listened, since the device was created; every
 *                 later event carries the count
 *
 * Each device holds a reference on the global handshake rate limiter from
 * newlink to the destructor. The rings and their workqueue are created in
 * newlink and destroyed in the destructor, after the peers are gone.
 */
struct nt_device {
	struct net_device *dev;
	struct nt_static_identity static_identity;
	struct nt_cookie_checker cookie_checker;
	/* Serialises all configuration; see the kernel-doc above. */
	struct mutex device_update_lock;
	struct list_head peer_list;
	unsigned int num_peers;
	u64 peer_list_seq;
	struct nt_pubkey_hashtable *peer_hashtable;
	struct nt_index_hashtable *index_hashtable;
	struct nt_allowedips peer_allowedips;
	struct sock __rcu *sock4;
	struct sock __rcu *sock6;
	u16 incoming_port;
	u32 fwmark;
	struct net *creating_net;
	struct list_head creating_net_list;
	struct list_head all_list;
	struct nt_drop_counters __percpu *drops;
	unsigned int generation;
	struct workqueue_struct *handshake_wq;
	struct sk_buff_head handshake_queue;
	struct nt_handshake_worker __percpu *handshake_workers;
	int handshake_last_cpu;
	atomic64_t last_under_load_ns;
	atomic64_t under_load_ns;
	struct nt_device_stats __percpu *stats;
	struct nt_ratelimiter_budget cookie_budget;
	struct workqueue_struct *packet_crypt_wq;
	struct nt_crypt_queue encrypt_queue;
	struct nt_crypt_queue decrypt_queue;
	atomic64_t events_unsent;
	bool unknown_peer_events;
	/* Guards the unknown-peer budget: the two members below. */
	spinlock_t unknown_peer_lock;
	unsigned long unknown_peer_second;
	unsigned int unknown_peer_sent;
};

/**
 * nt_drop_counters_inc() - count one drop in a per-CPU counter set
 * @drops: the counter set
 * @reason: why the packet was dropped, NOISETUN_A_DROP_*
 *
 * Any context, including hard interrupts: the count is per CPU, changed
 * with preemption off (and on 32-bit machines interrupts off, for @syncp).
 */
static inline void nt_drop_counters_inc(struct nt_drop_counters __percpu *drops,
					enum noisetun_drop_attr reason)
{
	struct nt_drop_counters *mine;
	unsigned long flags;

	if (WARN_ON_ONCE(reason <= NOISETUN_A_DROP_UNSPEC ||
			 reason > NOISETUN_A_DROP_MAX))
		return;
	mine = get_cpu_ptr(drops);
	flags = u64_stats_update_begin_irqsave(&mine->syncp);
	u64_stats_inc(&mine->count[reason]);
	u64_stats_update_end_irqrestore(&mine->syncp, flags);
	put_cpu_ptr(drops);
}

/**
 * nt_device_count_drop() - count a drop that no peer is known for
 * @ntd: the device
 * @reason: why the packet was dropped, NOISETUN_A_DROP_*
 *
 * A drop attributed to a peer goes through nt_peer_count_drop() instead,
 * which counts it here as well.
 */
static inline void nt_device_count_drop(struct nt_device *ntd,
					enum noisetun_drop_attr reason)
{
	nt_drop_counters_inc(ntd->drops, reason);
}

/**
 * nt_drop_counters_read() - sum a per-CPU counter set
 * @drops: the counter set, or NULL for one that counted nothing yet
 * @sum: receives the totals, indexed by enum noisetun_drop_attr
 */
void nt_drop_counters_read(struct nt_drop_counters __percpu *drops,
			   u64 sum[__NOISETUN_A_DROP_MAX]);

/**
 * enum nt_device_count - what nt_device_count() counts
 * @NT_DEVICE_COUNT_COOKIE_SENT: a cookie reply was sent
 * @NT_DEVICE_COUNT_HANDSHAKE_ANSWERED: a response was sent
 */
enum nt_device_count {
	NT_DEVICE_COUNT_COOKIE_SENT,
	NT_DEVICE_COUNT_HANDSHAKE_ANSWERED,
};

/**
 * nt_device_count() - count one cookie reply or answered handshake
 * @ntd: the device
 * @what: which counter
 *
 * Any context but hard interrupts.
 */
void nt_device_count(struct nt_device *ntd, enum nt_device_count what);

/**
 * nt_device_read_stats() - sum the device's per-CPU counters
 * @ntd: the device
 * @cookies_sent: receives the cookie replies sent
 * @handshakes_answered: receives the responses sent
 */
void nt_device_read_stats(struct nt_device *ntd, u64 *cookies_sent,
			  u64 *handshakes_answered);

/**
 * nt_device_under_load_ns() - the time the device has spent under load
 * @ntd: the device
 *
 * Return: nanoseconds, the current under-load second included.
 */
u64 nt_device_under_load_ns(struct nt_device *ntd);

/**
 * nt_device_bump_generation() - record a configuration change
 * @ntd: the device; caller holds device_update_lock
 *
 * Netlink dumps in progress see the change and flag their next message
 * NLM_F_DUMP_INTR.
 */
void nt_device_bump_generation(struct nt_device *ntd);

/**
 * nt_device_is_noisetun() - tell whether a net_device is one of ours
 * @dev: any net_device
 *
 * Return: true if @dev was created by this module's link ops, so that
 * netdev_priv(@dev) is a struct nt_device.
 */
bool nt_device_is_noisetun(const struct net_device *dev);

/**
 * nt_device_init() - register the link kind and the namespace hooks
 *
 * Return: 0 or -errno.
 */
int nt_device_init(void);

/**
 * nt_device_announce_removal() - the module is unloading: send each
 * device's removal event now, while the family is still there, and refuse
 * new devices from here on
 */
void nt_device_announce_removal(void);

/**
 * nt_device_uninit() - unregister them; deletes every noisetun device
 */
void nt_device_uninit(void);

#endif /* _NT_DEVICE_H */
