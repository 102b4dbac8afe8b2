/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Cryptokey routing: the table of allowed IP ranges of every peer.
 *
 * Each peer owns a set of IPv4 and IPv6 ranges. A longest-prefix match on
 * the destination of an outgoing packet picks the peer to encrypt it for; a
 * longest-prefix match on the source of a decrypted packet must give back
 * the peer that sent it.
 *
 * Locking: lookups are lockless, inside an RCU read-side section (the data
 * path runs them in softirq context). Every change is made with the owning
 * device's device_update_lock held; the writer functions take that mutex as
 * an argument only so that they can assert it is held. A node's peer_list
 * entry is protected by that same mutex and is not RCU-safe: walk a peer's
 * allowedips_list only with device_update_lock held.
 */

#ifndef _NT_ALLOWEDIPS_H
#define _NT_ALLOWEDIPS_H

#include <linux/types.h>

struct in_addr;
struct in6_addr;
struct mutex;
struct sk_buff;
struct nt_peer;

/**
 * struct nt_allowedips_node - one node of an allowed-IPs trie
 * @peer: the peer owning the range @key/@cidr, or NULL for a node that only
 *        joins two subtrees (such a node always has both children). Read
 *        under RCU; written under device_update_lock.
 * @child: the subtrees whose keys have bit number @cidr equal to 0 and 1.
 *         Read under RCU; written under device_update_lock.
 * @cidr: the prefix length; also the index of the bit that chooses a child.
 *        Never changes once the node is published.
 * @bits: the address length of the family, 32 or 128.
 * @parent: the node whose @child points here, or NULL for the root. Only
 *          used by writers, under device_update_lock.
 * @peer_list: entry in @peer's allowedips_list, in insertion order; empty
 *             when @peer is NULL. Protected by device_update_lock. Also
 *             chains the free nodes of a pool.
 * @rcu: for freeing the node after a grace period; shares @peer_list's
 *       memory, which is off every list by then (no reader uses it).
 * @key: the prefix in host byte order, most significant bit first: key[0]
 *       holds address bits 0..63, key[1] bits 64..127. An IPv4 address
 *       fills the top 32 bits of key[0], and an IPv4 node has no key[1]:
 *       it is allocated without it (a cache per family, sized exactly),
 *       so only code that knows the node is IPv6 may touch key[1]. Bits
 *       past @cidr are always zero. Never changes once the node is
 *       published.
 *
 * A path-compressed binary trie: a node's children have strictly longer
 * prefixes than the node itself, so a path is at most 33 (IPv4) or 129
 * (IPv6) nodes long. netlink walks a peer's nodes through @peer_list and
 * reads each with nt_allowedips_read_node(); the other members are private
 * to allowedips.c. An IPv4 node is 64 bytes, an IPv6 node 72 (on 64-bit).
 */
struct nt_allowedips_node {
	struct nt_peer __rcu *peer;
	struct nt_allowedips_node __rcu *child[2];
	u8 cidr;
	u8 bits;

	/* Writer-only members. */
	struct nt_allowedips_node *parent;
	union {
		struct list_head peer_list;
		struct rcu_head rcu;
	};

	/* Last, so that an IPv4 node can leave out key[1]. */
	u64 key[];
};

/**
 * struct nt_allowedips - the allowed-IPs table of one device
 * @root4: root of the IPv4 trie, NULL when empty
 * @root6: root of the IPv6 trie, NULL when empty
 * @seq: bumped on every change, under device_update_lock; a netlink dump
 *       that keeps a node pointer between messages must restart when it
 *       sees @seq move, since the node may have been freed.
 */
struct nt_allowedips {
	struct nt_allowedips_node __rcu *root4;
	struct nt_allowedips_node __rcu *root6;
	u64 seq;
};

/**
 * struct nt_allowedips_pool - nodes allocated in advance
 * @nodes: the free nodes, [0] IPv4 and [1] IPv6 (nodes of the two families
 *         differ in size), chained through their peer_list members
 * @count: how many nodes each of @nodes holds
 *
 * Filled while a configuration request is validated, so that applying it
 * can no longer fail half-way for lack of memory. Owned by one writer; not
 * shared, so it needs no lock of its own.
 */
struct nt_allowedips_pool {
	struct list_head nodes[2];
	unsigned int count[2];
};

/**
 * nt_allowedips_slab_init() - create the node caches (one per family)
 *
 * Call once at module init, before any other function of this file
 * (including nt_allowedips_selftest()).
 *
 * Return: 0 or -ENOMEM.
 */
int nt_allowedips_slab_init(void);

/**
 * nt_allowedips_slab_uninit() - destroy the node caches
 *
 * Call once at module exit, after every table has been freed. Waits for the
 * pending RCU frees (rcu_barrier()) before destroying the cache.
 */
void nt_allowedips_slab_uninit(void);

/**
 * nt_allowedips_init() - initialise an empty table
 * @table: the table
 */
void nt_allowedips_init(struct nt_allowedips *table);

/**
 * nt_allowedips_free() - remove every range from a table
 * @table: the table
 * @lock: the device's device_update_lock, held by the caller
 *
 * Unlinks every node from its peer's allowedips_list and frees it after an
 * RCU grace period. The table is empty and reusable afterwards.
 */
void nt_allowedips_free(struct nt_allowedips *table, struct mutex *lock);

/**
 * nt_allowedips_pool_init() - initialise an empty pool
 * @pool: the pool
 */
void nt_allowedips_pool_init(struct nt_allowedips_pool *pool);

/**
 * nt_allowedips_pool_fill() - make sure a pool can serve some insertions
 * @pool: the pool
 * @inserts4: how many IPv4 insertions the pool must be able to serve
 * @inserts6: how many IPv6 insertions the pool must be able to serve
 *
 * One insertion takes at most two nodes of its family (the range itself and
 * a node that joins it to an existing branch), so the pool is topped up to
 * hold at least 2 * @inserts4 IPv4 and 2 * @inserts6 IPv6 nodes. May sleep
 * (GFP_KERNEL).
 *
 * Return: 0, or -ENOMEM with the pool holding what could be allocated (still
 * to be drained).
 */
int nt_allowedips_pool_fill(struct nt_allowedips_pool *pool,
			    unsigned int inserts4, unsigned int inserts6);

/**
 * nt_allowedips_pool_drain() - free the nodes left in a pool
 * @pool: the pool; empty afterwards
 */
void nt_allowedips_pool_drain(struct nt_allowedips_pool *pool);

/**
 * nt_allowedips_insert() - give an IPv4 or IPv6 range to a peer
 * @table: the table
 * @family: AF_INET or AF_INET6
 * @ip: the address, a struct in_addr or in6_addr by @family, network byte
 *	order; bits past @cidr are ignored
 * @cidr: the prefix length, at most 32 or 128 by @family
 * @peer: the new owner of the range, not NULL
 * @pool: where to take new nodes from, or NULL to allocate them
 * @lock: the device's device_update_lock, held by the caller
 *
 * If the exact range is already in the table it moves to @peer. Nodes come
 * from @pool while it has some, then from GFP_KERNEL allocations (may sleep).
 * On failure nothing has changed.
 *
 * Return: 0; -ENOMEM, impossible when @pool was filled for this insertion;
 * -EINVAL for another @family, a bad @cidr or a NULL @peer.
 */
int nt_allowedips_insert(struct nt_allowedips *table, u16 family,
			 const void *ip, u8 cidr, struct nt_peer *peer,
			 struct nt_allowedips_pool *pool, struct mutex *lock);

/**
 * nt_allowedips_remove() - take an IPv4 or IPv6 range away from a peer
 * @table: the table
 * @family: AF_INET or AF_INET6; another family matches nothing
 * @ip: the address, as for nt_allowedips_insert(); bits past @cidr are
 *	ignored
 * @cidr: the prefix length; a value above 32 or 128 by @family matches
 *	nothing
 * @peer: the peer expected to own the range
 * @lock: the device's device_update_lock, held by the caller
 *
 * Removes the exact range if @peer owns it, and does nothing otherwise.
 * Never allocates, never fails.
 */
void nt_allowedips_remove(struct nt_allowedips *table, u16 family,
			  const void *ip, u8 cidr,
			  struct nt_peer *peer, struct mutex *lock);

/**
 * nt_allowedips_remove_by_peer() - remove every range of a peer
 * @table: the table
 * @peer: the peer; its allowedips_list is empty afterwards
 * @lock: the device's device_update_lock, held by the caller
 *
 * Lookups that are already running may still return @peer until a grace
 * period has passed.
 */
void nt_allowedips_remove_by_peer(struct nt_allowedips *table,
				  struct nt_peer *peer, struct mutex *lock);

/**
 * nt_allowedips_read_node() - read a node's range back
 * @node: a node from a peer's allowedips_list
 * @ip: receives the address in network byte order, host bits zero; all 16
 *      bytes are written (zero past the fourth for IPv4)
 * @cidr: receives the prefix length
 *
 * Caller holds device_update_lock, as for walking the list.
 *
 * Return: AF_INET or AF_INET6.
 */
int nt_allowedips_read_node(const struct nt_allowedips_node *node, u8 ip[16],
			    u8 *cidr);

/**
 * nt_allowedips_lookup_dst() - the peer to send a packet to
 * @table: the table
 * @skb: an IPv4 or IPv6 packet: skb->protocol set and the network header
 *       in the linear area
 *
 * Longest-prefix match on the destination address. Takes rcu_read_lock_bh()
 * itself, so it may be called with or without it held. A peer whose last
 * reference is already gone is skipped (its ranges are being removed).
 *
 * Return: the peer with a new reference, or NULL when no range matches or
 * skb->protocol is neither ETH_P_IP nor ETH_P_IPV6.
 */
struct nt_peer *nt_allowedips_lookup_dst(struct nt_allowedips *table,
					 struct sk_buff *skb);

/**
 * nt_allowedips_lookup_src() - the peer allowed to send a packet
 * @table: the table
 * @skb: a decrypted IPv4 or IPv6 packet: skb->protocol set and the network
 *       header in the linear area
 *
 * As nt_allowedips_lookup_dst(), on the source address.
 *
 * Return: the peer with a new reference, or NULL.
 */
struct nt_peer *nt_allowedips_lookup_src(struct nt_allowedips *table,
					 struct sk_buff *skb);

/**
 * nt_allowedips_lookup_v4() - longest-prefix match of an IPv4 address
 * @table: the table
 * @ip: the address, network byte order
 *
 * Caller holds rcu_read_lock() or rcu_read_lock_bh(), and must not use the
 * result after leaving that section.
 *
 * Return: the owning peer without a new reference, or NULL.
 */
struct nt_peer *nt_allowedips_lookup_v4(struct nt_allowedips *table,
					const struct in_addr *ip);

/**
 * nt_allowedips_lookup_v6() - longest-prefix match of an IPv6 address
 * @table: the table
 * @ip: the address, network byte order
 *
 * As nt_allowedips_lookup_v4().
 *
 * Return: the owning peer without a new reference, or NULL.
 */
struct nt_peer *nt_allowedips_lookup_v6(struct nt_allowedips *table,
					const struct in6_addr *ip);

#ifdef DEBUG
/**
 * nt_allowedips_selftest() - check the trie against a naive model
 *
 * Run at module init, after nt_allowedips_slab_init() and before any device
 * exists (it checks that the count of live nodes returns to its start).
 * Sleeps. Prints "noisetun: allowedips self-tests: pass" or "... fail".
 *
 * Return: true if every check passed; false must refuse the module load.
 */
bool nt_allowedips_selftest(void);
#endif

#endif /* _NT_ALLOWEDIPS_H */
