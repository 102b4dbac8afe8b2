// SPDX-License-Identifier: GPL-2.0
/*
 * Cryptokey routing: a path-compressed binary trie per address family.
 *
 * Every node holds a prefix (key/cidr). Its children hold longer prefixes
 * that extend it: child[b] those whose bit number cidr is b. A node either
 * owns a range (peer != NULL) or exists only to join two subtrees that
 * differ at its bit (peer == NULL, and then it has both children). With
 * that rule the trie never holds more than 2n - 1 nodes for n ranges, and
 * removing every range frees every node: a joining node goes as soon as it
 * is down to one child.
 *
 * Lockless lookups. Readers walk from the root under RCU and keep the last
 * owning node whose prefix matches. Writers (one at a time, under the
 * device's device_update_lock) follow three rules:
 *  - key, cidr and bits of a node never change once it is reachable;
 *  - every change is one pointer store: a new owner in node->peer, or a
 *    subtree swapped for one holding the same ranges with one range added
 *    (new nodes fully built, children included, before the
 *    rcu_assign_pointer() that links them in) or removed (a node replaced
 *    by its only child, or by nothing);
 *  - an unlinked node keeps its child pointers, and is freed only after a
 *    grace period.
 * So a reader sees each change either entirely or not at all, and a reader
 * standing on a node that is being unlinked walks on into the live trie. A
 * lookup racing a change returns the owner from before or after it; a
 * lookup racing several changes (remove_by_peer) may see some of them and
 * not others.
 *
 * Writers go up the trie through a parent pointer that readers never use,
 * so no walk needs a stack: freeing, counting and checking all iterate.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "allowedips.h"
#include "peer.h"

#include <linux/atomic.h>
#include <linux/bitops.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/inet.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/mutex.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/sort.h>
#include <linux/string.h>

/* [0] IPv4 nodes, [1] IPv6 nodes: each sized for its key exactly. */
static struct kmem_cache *node_cache[2];

/* Nodes allocated and not yet freed, pools and pending RCU frees included.
 * Only the self-test reads it (to prove that nothing leaks); keeping it
 * costs one atomic operation per allocation, on the configuration path.
 */
static atomic_long_t live_nodes = ATOMIC_LONG_INIT(0);

/* A reader may hold only rcu_read_lock_bh() (the data path) or only
 * rcu_read_lock() (netlink, the self-test); rcu_dereference_check()
 * accepts the latter by itself.
 */
#define deref_reader(p) rcu_dereference_check(p, rcu_read_lock_bh_held())
#define deref_writer(p, lock) rcu_dereference_protected(p, lockdep_is_held(lock))

/* Keys: see the kernel-doc of struct nt_allowedips_node. */

static void key_from_be32(u64 key[2], __be32 addr)
{
	key[0] = (u64)be32_to_cpu(addr) << 32;
	key[1] = 0;
}

static void key_from_v4(u64 key[2], const struct in_addr *ip)
{
	key_from_be32(key, ip->s_addr);
}

static void key_from_v6(u64 key[2], const struct in6_addr *ip)
{
	__be64 word[2];

	memcpy(word, ip->s6_addr, sizeof(word));
	key[0] = be64_to_cpu(word[0]);
	key[1] = be64_to_cpu(word[1]);
}

static void key_to_v4(struct in_addr *ip, const u64 key[2])
{
	ip->s_addr = cpu_to_be32(key[0] >> 32);
}

static void key_to_v6(struct in6_addr *ip, const u64 key[2])
{
	__be64 word[2] = { cpu_to_be64(key[0]), cpu_to_be64(key[1]) };

	memcpy(ip->s6_addr, word, sizeof(word));
}

/* Clears the bits past the first @cidr. */
static void key_mask(u64 key[2], u8 cidr)
{
	if (cidr == 0) {
		key[0] = 0;
		key[1] = 0;
	} else if (cidr <= 64) {
		key[0] &= ~0ULL << (64 - cidr);
		key[1] = 0;
	} else {
		key[1] &= ~0ULL << (128 - cidr);
	}
}

/* How many leading bits two keys of a family of @bits share: 0 to 128.
 * For IPv4 (an IPv4 node has no key[1]) at most 64, which is as good: no
 * IPv4 prefix is longer than 32.
 */
static unsigned int common_bits(const u64 *a, const u64 *b, u8 bits)
{
	u64 diff = a[0] ^ b[0];

	if (diff || bits == 32)
		return 64 - fls64(diff);
	return 128 - fls64(a[1] ^ b[1]);
}

/* The words of key a node of @bits holds. */
static unsigned int key_words(u8 bits)
{
	return bits == 32 ? 1 : 2;
}

/* Index of @bits's family in node_cache[] and a pool's arrays. */
static unsigned int family_index(u8 bits)
{
	return bits == 32 ? 0 : 1;
}

/* Bit number @i of @key, counting from the most significant; @i < 128. */
static unsigned int bit_at(const u64 key[2], unsigned int i)
{
	if (i < 64)
		return (key[0] >> (63 - i)) & 1;
	return (key[1] >> (127 - i)) & 1;
}

/* Node memory. */

static struct nt_allowedips_node *node_alloc(u8 bits)
{
	struct nt_allowedips_node *node;

	node = kmem_cache_zalloc(node_cache[family_index(bits)],
				 GFP_KERNEL_ACCOUNT);
	if (unlikely(!node))
		return NULL;
	node->bits = bits;
	INIT_LIST_HEAD(&node->peer_list);
	atomic_long_inc(&live_nodes);
	return node;
}

/* For a node that no reader can have seen. */
static void node_free_now(struct nt_allowedips_node *node)
{
	kmem_cache_free(node_cache[family_index(node->bits)], node);
	atomic_long_dec(&live_nodes);
}

static void node_free_rcu_cb(struct rcu_head *rcu)
{
	node_free_now(container_of(rcu, struct nt_allowedips_node, rcu));
}

static void node_free_rcu(struct nt_allowedips_node *node)
{
	call_rcu(&node->rcu, node_free_rcu_cb);
}

/* A zeroed node of the family of @bits (its bits set) with an empty
 * peer_list: from the pool while it lasts.
 */
static struct nt_allowedips_node *node_take(struct nt_allowedips_pool *pool,
					    u8 bits)
{
	unsigned int f = family_index(bits);
	struct nt_allowedips_node *node;

	if (!pool || !pool->count[f])
		return node_alloc(bits);
	node = list_first_entry(&pool->nodes[f], struct nt_allowedips_node,
				peer_list);
	list_del_init(&node->peer_list);
	--pool->count[f];
	return node;
}

/* Undoes node_take() for a node that was not used. */
static void node_give_back(struct nt_allowedips_pool *pool,
			   struct nt_allowedips_node *node)
{
	if (!pool) {
		node_free_now(node);
		return;
	}
	list_add(&node->peer_list, &pool->nodes[family_index(node->bits)]);
	++pool->count[family_index(node->bits)];
}

/* Walks. Writers only: they follow parent pointers. */

/* The first node of @node's subtree in post-order: its leftmost leaf. */
static struct nt_allowedips_node *
postorder_first(struct nt_allowedips_node *node, struct mutex *lock)
{
	struct nt_allowedips_node *child;

	for (;;) {
		child = deref_writer(node->child[0], lock);
		if (!child)
			child = deref_writer(node->child[1], lock);
		if (!child)
			return node;
		node = child;
	}
}

/* The node after @node in post-order; it reads nothing from @node's
 * subtree, so @node may be freed as soon as this returns.
 */
static struct nt_allowedips_node *
postorder_next(struct nt_allowedips_node *node, struct mutex *lock)
{
	struct nt_allowedips_node *parent = node->parent, *right;

	if (!parent)
		return NULL;
	right = deref_writer(parent->child[1], lock);
	if (right && right != node)
		return postorder_first(right, lock);
	return parent;
}

/* The slot that points to @node: a child pointer of its parent or a root. */
static struct nt_allowedips_node __rcu **
slot_of(struct nt_allowedips *table, struct nt_allowedips_node *node)
{
	struct nt_allowedips_node *parent = node->parent;

	if (!parent)
		return node->bits == 32 ? &table->root4 : &table->root6;
	return &parent->child[bit_at(node->key, parent->cidr)];
}

/* Lookup. */

/* The owner of the longest prefix of @key in the trie at @node. The loop
 * ends because every child has a longer prefix than its parent.
 */
static struct nt_peer *find_peer(const struct nt_allowedips_node *node,
				 const u64 key[2], u8 bits)
{
	struct nt_peer *found = NULL, *peer;

	while (node && common_bits(node->key, key, bits) >= node->cidr) {
		peer = deref_reader(node->peer);
		if (peer)
			found = peer;
		if (node->cidr >= bits)
			break;
		node = deref_reader(node->child[bit_at(key, node->cidr)]);
	}
	return found;
}

/* find_peer() and a reference on the result. A peer whose refcount has reached
 * zero is being removed, and its nodes are unlinked (or about to be), so we
 * walk again to find the next best owner. Finding the same dead peer twice
 * means its removal has not reached this node yet: we give up rather than
 * spin in softirq, and the packet is dropped, as it would be a moment later.
 */
static struct nt_peer *lookup_get(struct nt_allowedips_node __rcu *const *root,
				  const u64 key[2], u8 bits)
{
	struct nt_peer *peer, *dead = NULL, *ret = NULL;

	rcu_read_lock_bh();
	for (;;) {
		peer = find_peer(deref_reader(*root), key, bits);
		if (!peer || peer == dead)
			break;
		ret = nt_peer_get_maybe_zero(peer);
		if (ret)
			break;
		dead = peer;
	}
	rcu_read_unlock_bh();
	return ret;
}

/* Changes. */

static void set_owner(struct nt_allowedips_node *node, struct nt_peer *peer)
{
	if (rcu_access_pointer(node->peer))
		list_move_tail(&node->peer_list, &peer->allowedips_list);
	else
		list_add_tail(&node->peer_list, &peer->allowedips_list);
	rcu_assign_pointer(node->peer, peer);
}

/* Gives the range @key/@cidr (already masked) to @peer. */
static int add_node(struct nt_allowedips *table,
		    struct nt_allowedips_node __rcu **root, u8 bits,
		    const u64 key[2], u8 cidr, struct nt_peer *peer,
		    struct nt_allowedips_pool *pool, struct mutex *lock)
{
	struct nt_allowedips_node __rcu **slot = root;
	struct nt_allowedips_node *parent = NULL, *node, *leaf, *join, *top;
	unsigned int common = 0, split;

	/* Go down while the node's prefix is a strict prefix of the range. */
	for (node = deref_writer(*slot, lock); node;
	     node = deref_writer(*slot, lock)) {
		common = common_bits(node->key, key, bits);
		if (node->cidr > cidr || common < node->cidr)
			break;
		if (node->cidr == cidr) {
			/* The exact range exists (a joining node, perhaps). */
			set_owner(node, peer);
			++table->seq;
			return 0;
		}
		parent = node;
		slot = &node->child[bit_at(key, node->cidr)];
	}

	/* The new range goes at *slot. If a subtree is there already, either
	 * the range is a prefix of it (split == cidr) and goes on top of it,
	 * or they first differ at bit split < cidr, and a joining node with
	 * prefix length split takes both. Take every node before changing
	 * anything, so that failing leaves the trie as it was.
	 */
	split = node ? min_t(unsigned int, common, cidr) : cidr;
	leaf = node_take(pool, bits);
	if (unlikely(!leaf))
		return -ENOMEM;
	join = NULL;
	if (split < cidr) {
		join = node_take(pool, bits);
		if (unlikely(!join)) {
			node_give_back(pool, leaf);
			return -ENOMEM;
		}
	}

	memcpy(leaf->key, key, key_words(bits) * sizeof(u64));
	leaf->cidr = cidr;
	RCU_INIT_POINTER(leaf->peer, peer);
	list_add_tail(&leaf->peer_list, &peer->allowedips_list);
	top = leaf;
	if (join) {
		u64 join_key[2] = { key[0], key[1] };

		key_mask(join_key, split);
		memcpy(join->key, join_key, key_words(bits) * sizeof(u64));
		join->cidr = split;
		RCU_INIT_POINTER(join->child[bit_at(key, split)], leaf);
		RCU_INIT_POINTER(join->child[bit_at(node->key, split)], node);
		leaf->parent = join;
		node->parent = join;
		top = join;
	} else if (node) {
		RCU_INIT_POINTER(leaf->child[bit_at(node->key, cidr)], node);
		node->parent = leaf;
	}
	top->parent = parent;
	rcu_assign_pointer(*slot, top);
	++table->seq;
	return 0;
}

/* Makes @new (NULL, or a node already reachable) take @old's place. */
static void replace_node(struct nt_allowedips *table,
			 struct nt_allowedips_node *old,
			 struct nt_allowedips_node *new)
{
	if (new)
		new->parent = old->parent;
	rcu_assign_pointer(*slot_of(table, old), new);
}

/* Takes @node's range away from its owner, and frees whatever is no longer
 * needed: @node itself unless it still joins two subtrees, and its parent
 * if that was a joining node left with a single child.
 */
static void remove_node(struct nt_allowedips *table,
			struct nt_allowedips_node *node, struct mutex *lock)
{
	struct nt_allowedips_node *child0, *child1, *child, *parent;

	list_del_init(&node->peer_list);
	RCU_INIT_POINTER(node->peer, NULL);
	child0 = deref_writer(node->child[0], lock);
	child1 = deref_writer(node->child[1], lock);
	if (child0 && child1)
		return;
	child = child0 ? child0 : child1;
	parent = node->parent;
	replace_node(table, node, child);
	node_free_rcu(node);
	if (child || !parent || rcu_access_pointer(parent->peer))
		return;

	child = deref_writer(parent->child[0], lock);
	if (!child)
		child = deref_writer(parent->child[1], lock);
	replace_node(table, parent, child);
	node_free_rcu(parent);
}

static struct nt_allowedips_node *
find_exact(struct nt_allowedips_node __rcu *const *root, const u64 key[2],
	   u8 cidr, u8 bits, struct mutex *lock)
{
	struct nt_allowedips_node *node = deref_writer(*root, lock);

	while (node && node->cidr <= cidr &&
	       common_bits(node->key, key, bits) >= node->cidr) {
		if (node->cidr == cidr)
			return node;
		node = deref_writer(node->child[bit_at(key, node->cidr)], lock);
	}
	return NULL;
}

static void remove_exact(struct nt_allowedips *table,
			 struct nt_allowedips_node __rcu *const *root,
			 const u64 key[2], u8 cidr, u8 bits, struct nt_peer *peer,
			 struct mutex *lock)
{
	struct nt_allowedips_node *node = find_exact(root, key, cidr, bits,
						     lock);

	/* A joining node has no owner, so a NULL peer matches nothing. */
	if (!node || !peer || rcu_access_pointer(node->peer) != peer)
		return;
	remove_node(table, node, lock);
	++table->seq;
}

/* Frees a whole trie that readers can no longer reach from a root, though
 * some may still be inside it: nodes go one by one after a grace period, in
 * post-order so that no node is read after it was handed to call_rcu().
 */
static void free_trie(struct nt_allowedips_node *root, struct mutex *lock)
{
	struct nt_allowedips_node *node, *next;

	for (node = postorder_first(root, lock); node; node = next) {
		next = postorder_next(node, lock);
		if (rcu_access_pointer(node->peer))
			list_del(&node->peer_list);
		node_free_rcu(node);
	}
}

/* API. */

int nt_allowedips_slab_init(void)
{
	/* Not KMEM_CACHE(): an IPv4 node is one key word short of an IPv6
	 * one, and a cache of its own keeps kmalloc-style rounding away.
	 */
	node_cache[0] = kmem_cache_create("nt_allowedips_node4",
					  sizeof(struct nt_allowedips_node) +
					  sizeof(u64),
					  __alignof__(struct nt_allowedips_node),
					  0, NULL);
	if (!node_cache[0])
		return -ENOMEM;
	node_cache[1] = kmem_cache_create("nt_allowedips_node6",
					  sizeof(struct nt_allowedips_node) +
					  2 * sizeof(u64),
					  __alignof__(struct nt_allowedips_node),
					  0, NULL);
	if (!node_cache[1]) {
		kmem_cache_destroy(node_cache[0]);
		return -ENOMEM;
	}
	return 0;
}

void nt_allowedips_slab_uninit(void)
{
	rcu_barrier();
	kmem_cache_destroy(node_cache[1]);
	kmem_cache_destroy(node_cache[0]);
}

void nt_allowedips_init(struct nt_allowedips *table)
{
	RCU_INIT_POINTER(table->root4, NULL);
	RCU_INIT_POINTER(table->root6, NULL);
	table->seq = 1;
}

void nt_allowedips_free(struct nt_allowedips *table, struct mutex *lock)
{
	struct nt_allowedips_node *root4, *root6;

	lockdep_assert_held(lock);
	root4 = deref_writer(table->root4, lock);
	root6 = deref_writer(table->root6, lock);
	RCU_INIT_POINTER(table->root4, NULL);
	RCU_INIT_POINTER(table->root6, NULL);
	++table->seq;
	if (root4)
		free_trie(root4, lock);
	if (root6)
		free_trie(root6, lock);
}

void nt_allowedips_pool_init(struct nt_allowedips_pool *pool)
{
	unsigned int f;

	for (f = 0; f < ARRAY_SIZE(pool->nodes); ++f) {
		INIT_LIST_HEAD(&pool->nodes[f]);
		pool->count[f] = 0;
	}
}

/*
 * A pool is filled and drained in batches: one trip into the allocator (and
 * one memory cgroup charge) for many nodes, where a large SET takes two
 * nodes per allowed IP.
 */
#define POOL_BATCH 32

static int pool_fill_family(struct nt_allowedips_pool *pool,
			    unsigned int inserts, u8 bits)
{
	struct kmem_cache *cache = node_cache[family_index(bits)];
	unsigned int f = family_index(bits), want, i;
	void *batch[POOL_BATCH];

	if (inserts > UINT_MAX / 2)
		return -ENOMEM;
	while (pool->count[f] < 2 * inserts) {
		want = min_t(unsigned int, 2 * inserts - pool->count[f],
			     POOL_BATCH);
		/*
		 * All or nothing on every kernel; only the type of the answer
		 * differs (a count on 6.1 and 6.12, a bool on 7.2), so it is
		 * read as a truth value and never as a count.
		 */
		if (unlikely(!kmem_cache_alloc_bulk(cache,
						    GFP_KERNEL_ACCOUNT | __GFP_ZERO,
						    want, batch)))
			return -ENOMEM;
		atomic_long_add(want, &live_nodes);
		for (i = 0; i < want; ++i) {
			struct nt_allowedips_node *node = batch[i];

			node->bits = bits;
			list_add(&node->peer_list, &pool->nodes[f]);
		}
		pool->count[f] += want;
		cond_resched();
	}
	return 0;
}

int nt_allowedips_pool_fill(struct nt_allowedips_pool *pool,
			    unsigned int inserts4, unsigned int inserts6)
{
	int ret = pool_fill_family(pool, inserts4, 32);

	return ret ? ret : pool_fill_family(pool, inserts6, 128);
}

void nt_allowedips_pool_drain(struct nt_allowedips_pool *pool)
{
	struct nt_allowedips_node *node;
	void *batch[POOL_BATCH];
	unsigned int f, n;

	for (f = 0; f < ARRAY_SIZE(pool->nodes); ++f) {
		while (!list_empty(&pool->nodes[f])) {
			n = 0;
			do {
				node = list_first_entry(&pool->nodes[f],
							struct nt_allowedips_node,
							peer_list);
				list_del(&node->peer_list);
				batch[n++] = node;
			} while (n < POOL_BATCH && !list_empty(&pool->nodes[f]));
			kmem_cache_free_bulk(node_cache[f], n, batch);
			atomic_long_sub(n, &live_nodes);
		}
		pool->count[f] = 0;
	}
}

/*
 * The trie of @family, with the size of its addresses in *@bits and @ip
 * as its key in @key, masked to @cidr bits; NULL for another family or a
 * @cidr beyond *@bits.
 */
static struct nt_allowedips_node __rcu **
family_range(struct nt_allowedips *table, u16 family, const void *ip,
	     u8 cidr, u64 key[2], u8 *bits)
{
	struct nt_allowedips_node __rcu **root;

	if (family == AF_INET) {
		key_from_v4(key, ip);
		*bits = 32;
		root = &table->root4;
	} else if (family == AF_INET6) {
		key_from_v6(key, ip);
		*bits = 128;
		root = &table->root6;
	} else {
		return NULL;
	}
	if (cidr > *bits)
		return NULL;
	key_mask(key, cidr);
	return root;
}

int nt_allowedips_insert(struct nt_allowedips *table, u16 family,
			 const void *ip, u8 cidr, struct nt_peer *peer,
			 struct nt_allowedips_pool *pool, struct mutex *lock)
{
	struct nt_allowedips_node __rcu **root;
	u64 key[2];
	u8 bits;

	lockdep_assert_held(lock);
	root = family_range(table, family, ip, cidr, key, &bits);
	if (unlikely(!root || !peer))
		return -EINVAL;
	return add_node(table, root, bits, key, cidr, peer, pool, lock);
}

void nt_allowedips_remove(struct nt_allowedips *table, u16 family,
			  const void *ip, u8 cidr, struct nt_peer *peer,
			  struct mutex *lock)
{
	struct nt_allowedips_node __rcu **root;
	u64 key[2];
	u8 bits;

	lockdep_assert_held(lock);
	root = family_range(table, family, ip, cidr, key, &bits);
	if (root)
		remove_exact(table, root, key, cidr, bits, peer, lock);
}

void nt_allowedips_remove_by_peer(struct nt_allowedips *table,
				  struct nt_peer *peer, struct mutex *lock)
{
	struct nt_allowedips_node *node, *tmp;

	lockdep_assert_held(lock);
	if (list_empty(&peer->allowedips_list))
		return;
	/* remove_node() frees only @node and joining nodes, which are on no
	 * list, so the saved next entry stays valid.
	 */
	list_for_each_entry_safe(node, tmp, &peer->allowedips_list, peer_list)
		remove_node(table, node, lock);
	++table->seq;
}

int nt_allowedips_read_node(const struct nt_allowedips_node *node, u8 ip[16],
			    u8 *cidr)
{
	struct in_addr ip4;
	struct in6_addr ip6;

	BUILD_BUG_ON(sizeof(ip6) != 16);
	*cidr = node->cidr;
	if (node->bits == 32) {
		key_to_v4(&ip4, node->key);
		memset(ip, 0, 16);
		memcpy(ip, &ip4, sizeof(ip4));
		return AF_INET;
	}
	key_to_v6(&ip6, node->key);
	memcpy(ip, &ip6, sizeof(ip6));
	return AF_INET6;
}

/* The peer of @skb's source (@src) or destination address, referenced. */
static struct nt_peer *lookup_skb(struct nt_allowedips *table,
				  struct sk_buff *skb, bool src)
{
	u64 key[2];

	if (skb->protocol == htons(ETH_P_IP)) {
		key_from_be32(key, src ? ip_hdr(skb)->saddr : ip_hdr(skb)->daddr);
		return lookup_get(&table->root4, key, 32);
	} else if (skb->protocol == htons(ETH_P_IPV6)) {
		key_from_v6(key, src ? &ipv6_hdr(skb)->saddr :
				       &ipv6_hdr(skb)->daddr);
		return lookup_get(&table->root6, key, 128);
	}
	return NULL;
}

struct nt_peer *nt_allowedips_lookup_dst(struct nt_allowedips *table,
					 struct sk_buff *skb)
{
	return lookup_skb(table, skb, false);
}

struct nt_peer *nt_allowedips_lookup_src(struct nt_allowedips *table,
					 struct sk_buff *skb)
{
	return lookup_skb(table, skb, true);
}

struct nt_peer *nt_allowedips_lookup_v4(struct nt_allowedips *table,
					const struct in_addr *ip)
{
	u64 key[2];

	key_from_v4(key, ip);
	return find_peer(deref_reader(table->root4), key, 32);
}

struct nt_peer *nt_allowedips_lookup_v6(struct nt_allowedips *table,
					const struct in6_addr *ip)
{
	u64 key[2];

	key_from_v6(key, ip);
	return find_peer(deref_reader(table->root6), key, 128);
}

#ifdef DEBUG
#include "selftest/allowedips.c"
#endif
