// SPDX-License-Identifier: GPL-2.0
/*
 * Handshake rate limiting per source: a token bucket for each source in one
 * hash table shared by every device (see ratelimiter.h for what a source is
 * and for the locking).
 *
 * Time is ktime_get_coarse_boottime_ns(): monotonic, still running while
 * the machine sleeps (a bucket refills across a suspend as it would have
 * in real time), and cheap, because the coarse clock is the value kept at
 * the last tick rather than a fresh clocksource read. Its resolution of one
 * tick (at most 10 ms) is well below the 50 ms a handshake costs.
 *
 * Everything below works on a struct ratelimiter_table and takes the time
 * as an argument; only nt_ratelimiter_allow() and the garbage collector's
 * work read the clock. The self-test drives a private table with a
 * simulated clock, so it is deterministic and fast even under emulation.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/errno.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/rculist.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/siphash.h>
#include <linux/sizes.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>
#include <net/ipv6.h>

#include "ratelimiter.h"

/**
 * enum ratelimiter_values - the bucket's rate, and the table's shape
 * @HANDSHAKES_PER_SECOND: the sustained rate allowed to one source
 * @HANDSHAKES_BURST: how many handshakes a rested source may send at once
 * @HANDSHAKE_COST_NS: tokens are nanoseconds of credit that time refills
 *                     one for one; a handshake spends this many
 * @BUCKET_FULL_NS: a bucket never holds more than the burst's worth. It is
 *                  also how long a source must stay idle to refill
 *                  completely, after which it can be forgotten: a new entry
 *                  starts full and behaves exactly the same
 * @ENTRIES_PER_BUCKET: the bound on sources, per hash bucket, so that a full
 *                      table has chains of 8 on average
 * @GC_INTERVAL_JIFFIES: how often the garbage collector runs
 * @BUCKETS_MIN: the table's size on machines with little memory
 * @BUCKETS_MAX: the table's size from 1 GiB of memory up
 * @COOKIE_REPLIES_PER_SECOND: a device's budget of cookie replies, shared
 *                             by every sender that has not proved its
 *                             address (ratelimiter.h says why it is shared)
 * @COOKIE_REPLIES_BURST: how many of them may go out at once
 * @COOKIE_REPLY_COST_NS: the credit one cookie reply spends
 * @BUDGET_FULL_NS: the most credit a device's budget holds
 */
enum ratelimiter_values {
	HANDSHAKES_PER_SECOND = 20,
	HANDSHAKES_BURST = 5,
	HANDSHAKE_COST_NS = NSEC_PER_SEC / HANDSHAKES_PER_SECOND,
	BUCKET_FULL_NS = HANDSHAKE_COST_NS * HANDSHAKES_BURST,
	ENTRIES_PER_BUCKET = 8,
	GC_INTERVAL_JIFFIES = HZ,
	BUCKETS_MIN = 16,
	BUCKETS_MAX = 8192,
	COOKIE_REPLIES_PER_SECOND = 16384,
	COOKIE_REPLIES_BURST = 2048,
	COOKIE_REPLY_COST_NS = NSEC_PER_SEC / COOKIE_REPLIES_PER_SECOND,
	BUDGET_FULL_NS = COOKIE_REPLY_COST_NS * COOKIE_REPLIES_BURST
};

/**
 * struct ratelimiter_source - what the table is keyed by
 * @net: the namespace of the receiving device; compared, never dereferenced
 *       (a namespace freed and another allocated at the same address would
 *       inherit an idle entry, which is harmless)
 * @prefix: the IPv4 address, or the first 64 bits of the IPv6 address, as
 *          the bytes lie in the packet (a key, never printed or ordered)
 * @family: AF_INET or AF_INET6, so that the two never share an entry
 */
struct ratelimiter_source {
	const struct net *net;
	u64 prefix;
	u16 family;
};

/**
 * struct ratelimiter_entry - the token bucket of one source
 * @node: in its hash bucket; read under RCU, changed under the table's lock
 * @source: the key; never changes
 * @lock: protects @tokens_ns and @last_ns (the table's lock may be held
 *        around it, never the other way round)
 * @tokens_ns: the credit left at @last_ns, at most BUCKET_FULL_NS
 * @last_ns: when the bucket was last updated. The garbage collector reads
 *           it without @lock (READ_ONCE()): a stale value only delays or
 *           hastens forgetting an idle source by a packet.
 * @rcu: for freeing after a grace period
 */
struct ratelimiter_entry {
	struct hlist_node node;
	struct ratelimiter_source source;
	spinlock_t lock; /* protects tokens_ns and last_ns */
	u64 tokens_ns;
	u64 last_ns;
	struct rcu_head rcu;
};

/**
 * struct ratelimiter_table - a hash table of token buckets
 * @buckets: @size hash chains; read under RCU, changed under @lock
 * @size: the number of chains, a power of two
 * @max_entries: the bound on @entries
 * @entries: the entries linked in @buckets, under @lock. An entry stops
 *           counting when it is unlinked, before the grace period that
 *           frees it: the memory awaiting kfree_rcu() is bounded too,
 *           because the collector unlinks each entry only once, and only
 *           after it was idle for BUCKET_FULL_NS.
 * @lock: serialises adding and removing entries, and protects @entries
 * @key: the random siphash key of the chains, so that a sender cannot
 *       choose sources that all fall into one chain
 * @gc_work: runs the garbage collector every GC_INTERVAL_JIFFIES while the
 *           table has entries (no wakeups while it is empty); used only
 *           when @gc_is_automatic
 * @gc_is_automatic: false for the self-test's tables, collected by hand
 */
struct ratelimiter_table {
	struct hlist_head *buckets;
	unsigned int size;
	unsigned int max_entries;
	unsigned int entries;
	spinlock_t lock; /* protects entries and changes to buckets */
	siphash_key_t key;
	struct delayed_work gc_work;
	bool gc_is_automatic;
};

/* The table of every device, and its users, counted under init_lock. */
static struct ratelimiter_table shared_table;
static unsigned int init_refcount;
static DEFINE_MUTEX(init_lock);

/*
 * The number of hash chains for a machine with @ram_pages of memory: one
 * chain head per 16 KiB of memory, a power of two, at least BUCKETS_MIN and
 * BUCKETS_MAX from 1 GiB up (the rule of the kernel's xt_hashlimit, which
 * WireGuard uses too). So the bound on sources is 65536 with 1 GiB or more
 * and 16384 with 256 MiB. An entry is 80 bytes (a 96-byte allocation)
 * without lock debugging, so a full table holds 6 MiB at most, and about
 * 0.6 % of memory below 1 GiB.
 */
static unsigned int table_size_for(unsigned long ram_pages)
{
	unsigned long heads;

	if (ram_pages >= SZ_1G >> PAGE_SHIFT)
		return BUCKETS_MAX;
	heads = (ram_pages << PAGE_SHIFT) / SZ_16K / sizeof(struct hlist_head);
	if (heads <= BUCKETS_MIN)
		return BUCKETS_MIN;
	return min_t(unsigned long, roundup_pow_of_two(heads), BUCKETS_MAX);
}

static struct hlist_head *bucket_of(struct ratelimiter_table *t,
				    const struct ratelimiter_source *src)
{
	u64 hash = siphash_3u64((unsigned long)src->net, src->prefix,
				src->family, &t->key);

	return &t->buckets[hash & (t->size - 1)];
}

/* The entry of @src in @bucket, under RCU or the table's lock. */
static struct ratelimiter_entry *lookup_source(struct ratelimiter_table *t,
					       struct hlist_head *bucket,
					       const struct ratelimiter_source *src)
{
	struct ratelimiter_entry *entry;

	hlist_for_each_entry_rcu(entry, bucket, node,
				 lockdep_is_held(&t->lock)) {
		if (entry->source.net == src->net &&
		    entry->source.prefix == src->prefix &&
		    entry->source.family == src->family)
			return entry;
	}
	return NULL;
}

/*
 * The token bucket of both the sources and the device budgets: refill
 * *@tokens_ns for the time elapsed since *@last_ns up to @now_ns, at most
 * to @full_ns, then spend @cost_ns if there is enough. A clock that seems
 * to go backwards (two CPUs racing with their readings) refills nothing.
 * Takes @lock, the bucket's.
 */
static bool refill_and_take(spinlock_t *lock, u64 *tokens_ns, u64 *last_ns,
			    u64 now_ns, u64 cost_ns, u64 full_ns)
{
	u64 tokens, elapsed;
	bool allowed;

	spin_lock_bh(lock);
	tokens = *tokens_ns;
	if (now_ns > *last_ns) {
		elapsed = now_ns - *last_ns;
		tokens = elapsed >= full_ns - tokens ? full_ns :
						      tokens + elapsed;
		WRITE_ONCE(*last_ns, now_ns);
	}
	allowed = tokens >= cost_ns;
	*tokens_ns = allowed ? tokens - cost_ns : tokens;
	spin_unlock_bh(lock);
	return allowed;
}

/* Spend one handshake's worth of @entry's bucket at @now_ns. */
static bool take_token(struct ratelimiter_entry *entry, u64 now_ns)
{
	return refill_and_take(&entry->lock, &entry->tokens_ns, &entry->last_ns,
			       now_ns, HANDSHAKE_COST_NS, BUCKET_FULL_NS);
}

/* Add @src to @bucket with a full bucket minus this handshake. */
static bool insert_source(struct ratelimiter_table *t, struct hlist_head *bucket,
			  const struct ratelimiter_source *src, u64 now_ns)
{
	struct ratelimiter_entry *entry;

	lockdep_assert_held(&t->lock);

	if (t->entries >= t->max_entries)
		return false;
	/* Under a spinlock, and possibly in softirq context: no sleeping. */
	entry = kmalloc(sizeof(*entry), GFP_ATOMIC | __GFP_NOWARN);
	if (unlikely(!entry))
		return false;
	entry->source = *src;
	spin_lock_init(&entry->lock);
	entry->tokens_ns = BUCKET_FULL_NS - HANDSHAKE_COST_NS;
	entry->last_ns = now_ns;
	hlist_add_head_rcu(&entry->node, bucket);
	if (!t->entries++ && t->gc_is_automatic)
		queue_delayed_work(system_power_efficient_wq, &t->gc_work,
				   GC_INTERVAL_JIFFIES);
	return true;
}

/* The decision for one handshake from @src at @now_ns. */
static bool allow_source(struct ratelimiter_table *t,
			 const struct ratelimiter_source *src, u64 now_ns)
{
	struct hlist_head *bucket = bucket_of(t, src);
	struct ratelimiter_entry *entry;
	bool allowed;

	rcu_read_lock();
	entry = lookup_source(t, bucket, src);
	if (likely(entry)) {
		allowed = take_token(entry, now_ns);
		rcu_read_unlock();
		return allowed;
	}
	rcu_read_unlock();

	spin_lock_bh(&t->lock);
	/* Another CPU may have added the source since the lookup. */
	entry = lookup_source(t, bucket, src);
	if (entry)
		allowed = take_token(entry, now_ns);
	else
		allowed = insert_source(t, bucket, src, now_ns);
	spin_unlock_bh(&t->lock);

	return allowed;
}

/*
 * Forget every source idle for BUCKET_FULL_NS or more at @now_ns (all of
 * them if @all). A lookup that found an entry just before it was unlinked
 * still spends from it, and the source's next handshake then starts a full
 * bucket: the race can grant a source one extra handshake per collection.
 */
static void collect_idle(struct ratelimiter_table *t, u64 now_ns, bool all)
{
	struct ratelimiter_entry *entry;
	struct hlist_node *next;
	unsigned int i;
	u64 last_ns;

	for (i = 0; i < t->size; ++i) {
		if (hlist_empty(&t->buckets[i]))
			continue;
		spin_lock_bh(&t->lock);
		hlist_for_each_entry_safe(entry, next, &t->buckets[i], node) {
			last_ns = READ_ONCE(entry->last_ns);
			if (!all && (now_ns < last_ns ||
				     now_ns - last_ns < BUCKET_FULL_NS))
				continue;
			hlist_del_rcu(&entry->node);
			kfree_rcu(entry, rcu);
			--t->entries;
		}
		spin_unlock_bh(&t->lock);
		if (!(i % 256))
			cond_resched();
	}
}

static void gc_work_fn(struct work_struct *work)
{
	struct ratelimiter_table *t = container_of(to_delayed_work(work),
						   struct ratelimiter_table,
						   gc_work);

	unsigned int entries;

	/*
	 * The sources of the last second or so, before the idle ones go, in
	 * the debug log once a second while there are any: the tests check
	 * that only proven sources ever take room here (ratelimiter.h).
	 */
	spin_lock_bh(&t->lock);
	entries = t->entries;
	spin_unlock_bh(&t->lock);
	pr_debug("ratelimiter: %u sources tracked\n", entries);

	collect_idle(t, ktime_get_coarse_boottime_ns(), false);

	/* insert_source() restarts the collector when the table stops being empty. */
	spin_lock_bh(&t->lock);
	if (t->entries)
		queue_delayed_work(system_power_efficient_wq, &t->gc_work,
				   GC_INTERVAL_JIFFIES);
	spin_unlock_bh(&t->lock);
}

static int table_init(struct ratelimiter_table *t, unsigned int size,
		      bool gc_is_automatic)
{
	t->buckets = kvcalloc(size, sizeof(*t->buckets), GFP_KERNEL);
	if (!t->buckets)
		return -ENOMEM;
	t->size = size;
	t->max_entries = size * ENTRIES_PER_BUCKET;
	t->entries = 0;
	spin_lock_init(&t->lock);
	get_random_bytes(&t->key, sizeof(t->key));
	INIT_DELAYED_WORK(&t->gc_work, gc_work_fn);
	t->gc_is_automatic = gc_is_automatic;
	return 0;
}

static void table_uninit(struct ratelimiter_table *t)
{
	/* Stops the collector even while it requeues itself. */
	cancel_delayed_work_sync(&t->gc_work);
	collect_idle(t, 0, true);
	WARN_ON(t->entries);
	/* A late reader may still walk a chain of the array freed below. */
	synchronize_rcu();
	kvfree(t->buckets);
	t->buckets = NULL;
}

int nt_ratelimiter_init(void)
{
	int ret = 0;

	mutex_lock(&init_lock);
	if (!init_refcount) {
		ret = table_init(&shared_table,
				 table_size_for(totalram_pages()), true);
		if (ret)
			goto out;
	}
	++init_refcount;
out:
	mutex_unlock(&init_lock);
	return ret;
}

void nt_ratelimiter_uninit(void)
{
	mutex_lock(&init_lock);
	/* Unbalanced calls are ignored; the self-test makes one on purpose. */
	if (init_refcount && !--init_refcount)
		table_uninit(&shared_table);
	mutex_unlock(&init_lock);
}

/*
 * The source of @skb in @net. The IPv6 /64 is the address's first eight
 * bytes; an IPv4-mapped address is keyed as the IPv4 address it maps, so
 * that a dual-stack socket gives no second budget.
 */
static bool source_of(const struct sk_buff *skb, const struct net *net,
		      struct ratelimiter_source *src)
{
	const struct in6_addr *addr6;

	src->net = net;
	if (skb->protocol == htons(ETH_P_IP)) {
		src->family = AF_INET;
		src->prefix = (__force u32)ip_hdr(skb)->saddr;
		return true;
	}
	if (skb->protocol == htons(ETH_P_IPV6)) {
		addr6 = &ipv6_hdr(skb)->saddr;
		if (ipv6_addr_v4mapped(addr6)) {
			src->family = AF_INET;
			src->prefix = (__force u32)addr6->s6_addr32[3];
		} else {
			src->family = AF_INET6;
			memcpy(&src->prefix, addr6->s6_addr, sizeof(src->prefix));
		}
		return true;
	}
	return false;
}

bool nt_ratelimiter_allow(const struct sk_buff *skb, const struct net *net)
{
	struct ratelimiter_source src;

	if (unlikely(!source_of(skb, net, &src)))
		return false;
	return allow_source(&shared_table, &src,
			    ktime_get_coarse_boottime_ns());
}

void nt_ratelimiter_budget_init(struct nt_ratelimiter_budget *budget)
{
	spin_lock_init(&budget->lock);
	budget->tokens_ns = BUDGET_FULL_NS;
	budget->last_ns = ktime_get_coarse_boottime_ns();
}

/* nt_ratelimiter_budget_take() at @now_ns. */
static bool budget_take(struct nt_ratelimiter_budget *budget, u64 now_ns)
{
	return refill_and_take(&budget->lock, &budget->tokens_ns,
			       &budget->last_ns, now_ns, COOKIE_REPLY_COST_NS,
			       BUDGET_FULL_NS);
}

bool nt_ratelimiter_budget_take(struct nt_ratelimiter_budget *budget)
{
	return budget_take(budget, ktime_get_coarse_boottime_ns());
}

#ifdef DEBUG
#include "selftest/ratelimiter.c"
#endif
