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
static struct ratelimiter_entry *lookup(struct ratelimiter_table *t,
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
 * Caller holds the lock of the bucket.
 */
static bool refill_and_take(u64 *tokens_ns, u64 *last_ns, u64 now_ns,
			    u64 cost_ns, u64 full_ns)
{
	u64 tokens = *tokens_ns, elapsed;
	bool allowed;

	if (now_ns > *last_ns) {
		elapsed = now_ns - *last_ns;
		tokens = elapsed >= full_ns - tokens ? full_ns :
						      tokens + elapsed;
		WRITE_ONCE(*last_ns, now_ns);
	}
	allowed = tokens >= cost_ns;
	*tokens_ns = allowed ? tokens - cost_ns : tokens;
	return allowed;
}

/* Spend one handshake's worth of @entry's bucket at @now_ns. */
static bool take_token(struct ratelimiter_entry *entry, u64 now_ns)
{
	bool allowed;

	spin_lock_bh(&entry->lock);
	allowed = refill_and_take(&entry->tokens_ns, &entry->last_ns, now_ns,
				  HANDSHAKE_COST_NS, BUCKET_FULL_NS);
	spin_unlock_bh(&entry->lock);
	return allowed;
}

/* Add @src to @bucket with a full bucket minus this handshake. */
static bool insert(struct ratelimiter_table *t, struct hlist_head *bucket,
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
	entry = lookup(t, bucket, src);
	if (likely(entry)) {
		allowed = take_token(entry, now_ns);
		rcu_read_unlock();
		return allowed;
	}
	rcu_read_unlock();

	spin_lock_bh(&t->lock);
	/* Another CPU may have added the source since the lookup. */
	entry = lookup(t, bucket, src);
	if (entry)
		allowed = take_token(entry, now_ns);
	else
		allowed = insert(t, bucket, src, now_ns);
	spin_unlock_bh(&t->lock);

	return allowed;
}

/*
 * Forget every source idle for BUCKET_FULL_NS or more at @now_ns (all of
 * them if @all). A lookup that found an entry just before it was unlinked
 * still spends from it, and the source's next handshake then starts a full
 * bucket: the race can grant a source one extra handshake per collection.
 */
static void collect(struct ratelimiter_table *t, u64 now_ns, bool all)
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

	collect(t, ktime_get_coarse_boottime_ns(), false);

	/* insert() restarts the collector when the table stops being empty. */
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
	collect(t, 0, true);
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
	bool allowed;

	spin_lock_bh(&budget->lock);
	allowed = refill_and_take(&budget->tokens_ns, &budget->last_ns, now_ns,
				  COOKIE_REPLY_COST_NS, BUDGET_FULL_NS);
	spin_unlock_bh(&budget->lock);
	return allowed;
}

bool nt_ratelimiter_budget_take(struct nt_ratelimiter_budget *budget)
{
	return budget_take(budget, ktime_get_coarse_boottime_ns());
}

#ifdef DEBUG

/*
 * The self-test. Times are simulated (the first handshake of each check
 * happens at T0), sources are made up, and the namespaces are two bytes of
 * a static array standing in for struct net pointers: only their addresses
 * are used.
 */

#define T0 (1000ULL * NSEC_PER_SEC)

static const u8 fake_nets[2];

struct ratelimiter_test {
	struct ratelimiter_table table;
	unsigned int failures;
};

static void check(struct ratelimiter_test *t, bool ok, const char *what)
{
	if (!ok && ++t->failures <= 8)
		pr_err("ratelimiter self-test: %s\n", what);
}

static bool offer(struct ratelimiter_test *t, unsigned int net, u16 family,
		  u64 prefix, u64 now_ns)
{
	const struct ratelimiter_source src = {
		.net = (const struct net *)&fake_nets[net],
		.prefix = prefix,
		.family = family,
	};

	return allow_source(&t->table, &src, now_ns);
}

/* The entries really linked, which must match the table's count. */
static unsigned int count_entries(struct ratelimiter_table *t)
{
	struct ratelimiter_entry *entry;
	unsigned int i, n = 0;

	spin_lock_bh(&t->lock);
	for (i = 0; i < t->size; ++i)
		hlist_for_each_entry(entry, &t->buckets[i], node)
			++n;
	if (n != t->entries)
		n = UINT_MAX;
	spin_unlock_bh(&t->lock);
	return n;
}

/* Three users share one table; an extra uninit must not wrap the count. */
static void test_refcount(struct ratelimiter_test *t)
{
	unsigned int i, start;
	bool table_ok = true;

	mutex_lock(&init_lock);
	start = init_refcount;
	mutex_unlock(&init_lock);
	if (start) {
		pr_info("ratelimiter self-test: devices exist, reference counting not tested\n");
		return;
	}

	for (i = 1; i <= 3; ++i) {
		check(t, !nt_ratelimiter_init(), "init failed");
		table_ok &= init_refcount == i && shared_table.buckets;
	}
	for (i = 3; i-- > 0;) {
		nt_ratelimiter_uninit();
		table_ok &= init_refcount == i && !shared_table.buckets == !i;
	}
	check(t, table_ok, "three users do not share one table");

	nt_ratelimiter_uninit();
	check(t, !init_refcount && !shared_table.buckets,
	      "an unbalanced uninit changed the count");
	check(t, !nt_ratelimiter_init() && init_refcount == 1 &&
	      shared_table.buckets, "init after an unbalanced uninit failed");
	nt_ratelimiter_uninit();
	check(t, !init_refcount && !shared_table.buckets,
	      "the table outlived its last user");
}

/* Burst, refill and the long-run rate of one source. */
static void test_bucket(struct ratelimiter_test *t, u16 family, u64 prefix)
{
	const u64 step_ns = NSEC_PER_MSEC, span_ns = 3 * NSEC_PER_SEC;
	u64 now, start, allowed, bound;
	unsigned int i;
	bool ok = true;

	for (i = 0; i < HANDSHAKES_BURST; ++i)
		ok &= offer(t, 0, family, prefix, T0);
	check(t, ok, "a new source does not get its burst");
	check(t, !offer(t, 0, family, prefix, T0), "a burst goes past 5");

	now = T0 + HANDSHAKE_COST_NS - 1;
	check(t, !offer(t, 0, family, prefix, now), "a refill came early");
	now += 1;
	check(t, offer(t, 0, family, prefix, now), "a refill did not come");
	check(t, !offer(t, 0, family, prefix, now), "a refill gave two");

	/* A long rest refills a burst, not more. */
	now += 10 * NSEC_PER_SEC;
	for (i = 0, ok = true; i < HANDSHAKES_BURST; ++i)
		ok &= offer(t, 0, family, prefix, now);
	check(t, ok && !offer(t, 0, family, prefix, now),
	      "a rested source does not get exactly its burst");

	/* Offered every millisecond, a rested source gets 5 + 20 per second. */
	start = now + 10 * NSEC_PER_SEC;
	allowed = 0;
	for (now = start; now < start + span_ns; now += step_ns)
		allowed += offer(t, 0, family, prefix, now);
	bound = div_u64((now - step_ns - start) * HANDSHAKES_PER_SECOND,
			NSEC_PER_SEC);
	check(t, allowed <= HANDSHAKES_BURST + bound && allowed >= bound,
	      "the long-run rate is not 20 per second");
}

/* What one source is: /32, /64, family and namespace. */
static void test_sources(struct ratelimiter_test *t)
{
	const u64 v4 = 0x0102000a, v6 = 0x0200000000b80d20ULL;
	unsigned int i;

	for (i = 0; i < HANDSHAKES_BURST; ++i) {
		offer(t, 0, AF_INET, v4, T0);
		offer(t, 0, AF_INET6, v6, T0);
	}
	check(t, !offer(t, 0, AF_INET, v4, T0) &&
	      !offer(t, 0, AF_INET6, v6, T0), "the sources are not exhausted");
	check(t, offer(t, 0, AF_INET, v4 + 1, T0), "IPv4 /32s share a bucket");
	check(t, offer(t, 0, AF_INET6, v6 ^ 1, T0) &&
	      offer(t, 0, AF_INET6, v6 ^ BIT_ULL(63), T0),
	      "IPv6 /64s share a bucket");
	check(t, offer(t, 0, AF_INET6, v4, T0) &&
	      offer(t, 0, AF_INET, v6, T0), "the families share buckets");
	check(t, offer(t, 1, AF_INET, v4, T0) && offer(t, 1, AF_INET6, v6, T0),
	      "the namespaces share buckets");
}

/* The collector forgets a source exactly when it has refilled. */
static void test_collect(struct ratelimiter_test *t)
{
	unsigned int i;
	bool ok = true;

	collect(&t->table, 0, true);
	offer(t, 0, AF_INET, 1, T0);
	offer(t, 0, AF_INET, 2, T0 + BUCKET_FULL_NS / 2);
	collect(&t->table, T0 + BUCKET_FULL_NS - 1, false);
	check(t, count_entries(&t->table) == 2, "collected a refilling source");
	collect(&t->table, T0 + BUCKET_FULL_NS, false);
	check(t, count_entries(&t->table) == 1, "did not collect a full source");
	for (i = 0; i < HANDSHAKES_BURST; ++i)
		ok &= offer(t, 0, AF_INET, 1, T0 + BUCKET_FULL_NS);
	check(t, ok && !offer(t, 0, AF_INET, 1, T0 + BUCKET_FULL_NS),
	      "a collected source does not start with its burst");
	collect(&t->table, 0, true);
	check(t, count_entries(&t->table) == 0, "collecting all left entries");
}

/* max_entries sources fit, one more is refused, known ones still pass. */
static void test_capacity(struct ratelimiter_test *t)
{
	const unsigned int max = t->table.max_entries;
	unsigned int i, refused = 0;

	for (i = 0; i < max; ++i)
		refused += !offer(t, 0, AF_INET, i, T0);
	check(t, !refused, "a source below max_entries was refused");
	check(t, !offer(t, 0, AF_INET, max, T0),
	      "source max_entries + 1 was accepted");
	check(t, count_entries(&t->table) == max, "the table is not full");
	check(t, offer(t, 0, AF_INET, 0, T0) &&
	      offer(t, 0, AF_INET, max - 1, T0),
	      "a known source was refused while the table is full");
	collect(&t->table, T0 + BUCKET_FULL_NS, false);
	check(t, count_entries(&t->table) == 0, "a full table was not emptied");
	check(t, offer(t, 0, AF_INET, max, T0 + BUCKET_FULL_NS),
	      "a new source was refused after collection");
	collect(&t->table, 0, true);
}

static struct sk_buff *fake_skb(__be16 protocol, const void *header,
				unsigned int len)
{
	struct sk_buff *skb = alloc_skb(len, GFP_KERNEL);

	if (!skb)
		return NULL;
	skb_reset_network_header(skb);
	skb_put_data(skb, header, len);
	skb->protocol = protocol;
	return skb;
}

/* Keys from real packets, and the shared table's allow() end to end. */
static void test_skbs(struct ratelimiter_test *t)
{
	static const u8 v4[4] = { 192, 0, 2, 1 };
	static const u8 v6[2][16] = {
		{ 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, 0xaa, 0xaa, [15] = 1 },
		{ 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, 0xbb, 0xbb, [15] = 2 },
	};
	static const u8 mapped[16] = { [10] = 0xff, 0xff, 192, 0, 2, 1 };
	struct ratelimiter_source src[4];
	struct sk_buff *skb[5] = { };
	struct iphdr ip4 = { .version = 4, .ihl = 5 };
	struct ipv6hdr ip6 = { .version = 6 };
	const struct net *net = (const struct net *)&fake_nets[0];
	unsigned int i;
	bool ok = true;

	memcpy(&ip4.saddr, v4, sizeof(v4));
	skb[0] = fake_skb(htons(ETH_P_IP), &ip4, sizeof(ip4));
	for (i = 0; i < 2; ++i) {
		memcpy(&ip6.saddr, v6[i], sizeof(v6[i]));
		skb[1 + i] = fake_skb(htons(ETH_P_IPV6), &ip6, sizeof(ip6));
	}
	memcpy(&ip6.saddr, mapped, sizeof(mapped));
	skb[3] = fake_skb(htons(ETH_P_IPV6), &ip6, sizeof(ip6));
	skb[4] = fake_skb(htons(ETH_P_ARP), &ip4, sizeof(ip4));
	for (i = 0; i < ARRAY_SIZE(skb); ++i)
		ok &= !!skb[i];
	check(t, ok, "out of memory for the test packets");
	if (!ok)
		goto out;

	for (i = 0; i < 4; ++i)
		ok &= source_of(skb[i], net, &src[i]) && src[i].net == net;
	check(t, ok && !source_of(skb[4], net, &src[0]),
	      "packets of the wrong protocol have a source");
	check(t, src[0].family == AF_INET &&
	      src[0].prefix == (__force u32)ip4.saddr &&
	      src[1].family == AF_INET6 &&
	      !memcmp(&src[1].prefix, v6[0], sizeof(u64)),
	      "the source of a packet is not its address");
	check(t, src[1].prefix == src[2].prefix, "a /64 is not one source");
	check(t, src[3].family == AF_INET && src[3].prefix == src[0].prefix,
	      "an IPv4-mapped address is not its IPv4 source");

	/* The shared table, with the real clock: only the first is certain. */
	if (!nt_ratelimiter_init()) {
		check(t, nt_ratelimiter_allow(skb[0], net) &&
		      !nt_ratelimiter_allow(skb[4], net),
		      "the shared table refuses a new source");
		nt_ratelimiter_uninit();
	} else {
		check(t, false, "init failed");
	}
out:
	for (i = 0; i < ARRAY_SIZE(skb); ++i)
		kfree_skb(skb[i]);
}

bool nt_ratelimiter_selftest(void)
{
	struct ratelimiter_test *t;
	bool pass;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t || table_init(&t->table, table_size_for(totalram_pages()),
			     false)) {
		pr_err("ratelimiter self-tests: out of memory\n");
		kfree(t);
		return false;
	}

	test_refcount(t);
	test_bucket(t, AF_INET, 0x0102000a);
	test_bucket(t, AF_INET6, 0x0200000000b80d20ULL);
	collect(&t->table, 0, true);
	test_sources(t);
	test_collect(t);
	test_capacity(t);
	test_skbs(t);
	table_uninit(&t->table);

	pass = !t->failures;
	if (pass)
		pr_info("ratelimiter self-tests: pass (%u sources at most)\n",
			t->table.max_entries);
	else
		pr_err("ratelimiter self-tests: FAIL (%u checks)\n",
		       t->failures);
	kfree(t);
	return pass;
}

#endif /* DEBUG */
