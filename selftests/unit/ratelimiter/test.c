// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace unit test of the handshake rate limiter: module/ratelimiter.c
 * compiled unchanged against ../shim/ (included here, so that its static
 * helpers and its DEBUG self-test are reachable), with a simulated clock.
 *
 * Run: make run [SEED=n]. Prints KTAP, exits non-zero on failure.
 */

#include "ratelimiter.c"

#include <stdarg.h>

extern u64 shim_random_state;

#include "../ktap.h"

static u64 rnd_state;

static u64 next_random(void)
{
	rnd_state ^= rnd_state >> 12;
	rnd_state ^= rnd_state << 25;
	rnd_state ^= rnd_state >> 27;
	return rnd_state * 0x2545f4914f6cdd1dULL;
}

static u32 random_below(u32 bound)
{
	return (u32)(next_random() >> 32) % bound;
}

static void test_siphash(void)
{
	const siphash_key_t key = {
		{ 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL }
	};

	/* The reference vector for the 24 bytes 00..17 (veorq/SipHash). */
	report(siphash_3u64(0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL,
			    0x1716151413121110ULL, &key) == 0xb8ad50c6f649af94ULL,
	       "shim: SipHash-2-4 reference vector");
}

/* The module's own self-test, as it runs at load, with 1 GiB of memory. */
static void test_module_selftest(void)
{
	shim_ram_pages = SZ_1G >> PAGE_SHIFT;
	report(nt_ratelimiter_selftest(), "nt_ratelimiter_selftest()");
	shim_rcu_quiesce();
}

static void test_table_sizes(void)
{
	static const struct {
		unsigned long ram_mib;
		unsigned int size;
	} sizes[] = {
		{ 0, 16 }, { 1, 16 }, { 2, 16 }, { 4, 32 }, { 64, 512 },
		{ 255, 2048 }, { 256, 2048 }, { 257, 4096 }, { 512, 4096 },
		{ 1000, 8192 }, { 1024, 8192 }, { 64 * 1024, 8192 },
	};
	unsigned int i, bad = 0;

	for (i = 0; i < ARRAY_SIZE(sizes); ++i) {
		unsigned int got = table_size_for(sizes[i].ram_mib << 8);

		if (got != sizes[i].size) {
			printf("# %lu MiB: %u chains, expected %u\n",
			       sizes[i].ram_mib, got, sizes[i].size);
			++bad;
		}
	}
	report(!bad && table_size_for(256 << 8) * ENTRIES_PER_BUCKET == 16384 &&
	       table_size_for(1024 << 8) * ENTRIES_PER_BUCKET == 65536,
	       "table sizes: 16384 sources at 256 MiB, 65536 from 1 GiB");
}

/*
 * The naive model: a list of sources, each with its bucket, searched
 * linearly, and the same bound on how many it holds.
 */
struct model_source {
	bool present;
	u64 tokens_ns;
	u64 last_ns;
};

static bool model_allow(struct model_source *s, unsigned int *count,
			unsigned int max, bool alloc_fails, u64 now)
{
	if (!s->present) {
		if (*count >= max || alloc_fails)
			return false;
		s->present = true;
		s->tokens_ns = BUCKET_FULL_NS;
		s->last_ns = now;
		++*count;
	} else if (now > s->last_ns) {
		s->tokens_ns += now - s->last_ns;
		if (s->tokens_ns > BUCKET_FULL_NS)
			s->tokens_ns = BUCKET_FULL_NS;
		s->last_ns = now;
	}
	if (s->tokens_ns < HANDSHAKE_COST_NS)
		return false;
	s->tokens_ns -= HANDSHAKE_COST_NS;
	return true;
}

static void model_collect(struct model_source *s, unsigned int n,
			  unsigned int *count, u64 now)
{
	unsigned int i;

	for (i = 0; i < n; ++i) {
		if (s[i].present && now >= s[i].last_ns &&
		    now - s[i].last_ns >= BUCKET_FULL_NS) {
			s[i].present = false;
			--*count;
		}
	}
}

/* Source i of the pool: two namespaces, both families, close prefixes. */
static struct ratelimiter_source pool_source(unsigned int i)
{
	static const u8 nets[2];
	struct ratelimiter_source src = {
		.net = (const struct net *)&nets[i & 1],
		.family = i & 2 ? AF_INET6 : AF_INET,
		.prefix = i >> 2,
	};

	return src;
}

/*
 * Random offers from a pool larger than a small table's bound, at random
 * times, with collections and allocation failures, each verdict and each
 * count compared with the model. The table is the smallest the sizing
 * gives, 16 chains and 128 sources.
 */
static void test_against_model(unsigned int rounds, unsigned int pool)
{
	struct model_source *model = calloc(pool, sizeof(*model));
	struct ratelimiter_table t;
	unsigned int count = 0, i, src_i, mismatches = 0, full = 0;
	u64 now = T0;
	bool alloc_fails, got, want;

	if (!model || table_init(&t, table_size_for(0), false))
		abort();
	for (i = 0; i < rounds; ++i) {
		switch (random_below(64)) {
		case 0:
			now += random_below(2 * BUCKET_FULL_NS);
			break;
		case 1 ... 2:
			collect_idle(&t, now, false);
			model_collect(model, pool, &count, now);
			shim_rcu_quiesce();
			if (count != t.entries || count_entries(&t) != count)
				++mismatches;
			continue;
		default:
			now += random_below(HANDSHAKE_COST_NS / 64);
			break;
		}
		src_i = random_below(pool);
		alloc_fails = !random_below(64);
		full += count >= t.max_entries;
		{
			const struct ratelimiter_source src = pool_source(src_i);

			shim_fail_kmalloc = alloc_fails;
			got = allow_source(&t, &src, now);
			shim_fail_kmalloc = false;
		}
		want = model_allow(&model[src_i], &count, t.max_entries,
				   alloc_fails, now);
		if (got != want && ++mismatches <= 5)
			printf("# round %u: source %u at %llu ns: %d, model %d\n",
			       i, src_i, now, got, want);
	}
	table_uninit(&t);
	shim_rcu_quiesce();
	free(model);
	report(!mismatches && (full || pool <= t.max_entries),
	       "against a naive model: %u offers, %u sources, %u with a full table",
	       rounds, pool, full);
}

/*
 * The promise itself, whatever the implementation: over any interval
 * [a, b] of one source's accepted handshakes, at most 5 + 20 * (b - a)
 * seconds of them, with the collector running at random times.
 */
static void test_rate_promise(unsigned int offers)
{
	u64 *accepted = calloc(offers, sizeof(*accepted));
	const struct ratelimiter_source src = pool_source(5);
	unsigned int n = 0, i, j, bad = 0;
	struct ratelimiter_table t;
	u64 now = T0, allowed_ns;

	if (!accepted || table_init(&t, 16, false))
		abort();
	for (i = 0; i < offers; ++i) {
		now += random_below(3) ? random_below(HANDSHAKE_COST_NS / 3) :
					 random_below(2 * BUCKET_FULL_NS);
		if (!random_below(16))
			collect_idle(&t, now, false);
		if (allow_source(&t, &src, now))
			accepted[n++] = now;
	}
	for (i = 0; i < n; ++i) {
		for (j = i; j < n; ++j) {
			allowed_ns = (u64)HANDSHAKES_BURST * HANDSHAKE_COST_NS +
				     (accepted[j] - accepted[i]);
			if ((u64)(j - i + 1) * HANDSHAKE_COST_NS > allowed_ns)
				++bad;
		}
	}
	table_uninit(&t);
	shim_rcu_quiesce();
	free(accepted);
	report(!bad && n > offers / 20,
	       "at most 5 + 20 t in any interval: %u of %u accepted", n,
	       offers);
}

/* The shared table's collector: runs while there are entries, then stops. */
static void test_gc_scheduling(void)
{
	static const u8 v4[4] = { 198, 51, 100, 7 };
	const struct net *net = (const struct net *)&v4;
	struct iphdr ip4 = { .version = 4, .ihl = 5 };
	struct sk_buff *skb = alloc_skb(sizeof(ip4), GFP_KERNEL);
	bool ok = true;

	memcpy(&ip4.saddr, v4, sizeof(v4));
	skb_reset_network_header(skb);
	skb_put_data(skb, &ip4, sizeof(ip4));
	skb->protocol = htons(ETH_P_IP);

	shim_now_ns = T0;
	ok &= !nt_ratelimiter_init();
	ok &= !shared_table.gc_work.pending;
	ok &= nt_ratelimiter_allow(skb, net);
	ok &= shared_table.gc_work.pending && shared_table.entries == 1;
	/* A second later the source has been idle long enough. */
	shim_now_ns += NSEC_PER_SEC / 10;
	ok &= shim_run_delayed_work(&shared_table.gc_work);
	ok &= shared_table.entries == 1 && shared_table.gc_work.pending;
	shim_now_ns += NSEC_PER_SEC;
	ok &= shim_run_delayed_work(&shared_table.gc_work);
	ok &= !shared_table.entries && !shared_table.gc_work.pending;
	shim_rcu_quiesce();
	/* A new source restarts it. */
	ok &= nt_ratelimiter_allow(skb, net) && shared_table.gc_work.pending;
	nt_ratelimiter_uninit();
	ok &= !shared_table.gc_work.pending && !shared_table.buckets;
	shim_rcu_quiesce();
	kfree_skb(skb);
	report(ok, "the collector runs only while the table has entries");
}

static unsigned int duplicate_sources(struct ratelimiter_table *t)
{
	struct ratelimiter_entry *a, *b;
	unsigned int i, dups = 0;

	for (i = 0; i < t->size; ++i)
		hlist_for_each_entry(a, &t->buckets[i], node)
			for (b = shim_hlist_entry(a->node.next,
						  struct ratelimiter_entry, node);
			     b; b = shim_hlist_entry(b->node.next,
						     struct ratelimiter_entry,
						     node))
				dups += a->source.net == b->source.net &&
					a->source.prefix == b->source.prefix &&
					a->source.family == b->source.family;
	return dups;
}

/*
 * The two races the locking is for, played deterministically. First, a
 * source is added by "another CPU" between the lockless lookup that missed
 * it and the insert: the re-lookup under the table's lock must find it, so
 * the source stays one entry with one bucket. Second, the collector
 * unlinks an entry a reader still holds: the reader may still use it until
 * it leaves its read-side section (ASan reports it if the memory was freed
 * at once), and its handshake is the one extra the comment of collect_idle()
 * allows.
 */
static struct ratelimiter_table *race_table;
static bool race_inner_allowed;

static void race_add_same_source(void)
{
	const struct ratelimiter_source src = pool_source(9);

	race_inner_allowed = allow_source(race_table, &src, T0);
}

static void test_races(void)
{
	const struct ratelimiter_source src = pool_source(9);
	struct ratelimiter_entry *entry;
	struct ratelimiter_table t;
	unsigned int allowed = 0, i;
	bool outer, ok;

	if (table_init(&t, 16, false))
		abort();
	race_table = &t;
	shim_after_rcu_read_unlock = race_add_same_source;
	outer = allow_source(&t, &src, T0);
	for (i = 0; i < 10; ++i)
		allowed += allow_source(&t, &src, T0);
	ok = !shim_after_rcu_read_unlock && race_inner_allowed && outer &&
	     allowed == HANDSHAKES_BURST - 2 && count_entries(&t) == 1 &&
	     !duplicate_sources(&t);

	rcu_read_lock();
	entry = lookup_source(&t, bucket_of(&t, &src), &src);
	collect_idle(&t, T0 + BUCKET_FULL_NS, false);
	ok &= entry && count_entries(&t) == 0;
	ok &= entry && take_token(entry, T0 + BUCKET_FULL_NS) &&
	      entry->source.prefix == src.prefix;
	rcu_read_unlock();
	shim_rcu_quiesce();
	ok &= allow_source(&t, &src, T0 + BUCKET_FULL_NS);
	table_uninit(&t);
	shim_rcu_quiesce();
	report(ok, "races: insert after a missed lookup, reader of a collected entry");
}

/*
 * Threads offer handshakes from many sources to the shared table while the
 * clock runs and another thread collects, so that lookups race with
 * inserts of the same source and with removals. Afterwards the table must
 * hold each source at most once, its count must match, and ASan must have
 * seen no use after free.
 */
enum { THREADS = 3, THREAD_OFFERS = 150000, THREAD_SOURCES = 1500 };

static struct sk_buff *thread_skbs[THREAD_SOURCES];
static bool threads_done;

static void *offer_thread(void *arg)
{
	u64 seed = (unsigned long)arg * 0x9e3779b97f4a7c15ULL + 1;
	unsigned int i, s;

	for (i = 0; i < THREAD_OFFERS; ++i) {
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		s = (seed >> 16) % THREAD_SOURCES;
		__atomic_add_fetch(&shim_now_ns, 20000, __ATOMIC_RELAXED);
		nt_ratelimiter_allow(thread_skbs[s],
				     (const struct net *)thread_skbs);
	}
	return NULL;
}

static void *collect_thread(void *arg)
{
	unsigned int *runs = arg;

	do {
		*runs += shim_run_delayed_work(&shared_table.gc_work);
		shim_rcu_quiesce();
	} while (!__atomic_load_n(&threads_done, __ATOMIC_ACQUIRE));
	/* Once more after the offers, in case this thread started late. */
	*runs += shim_run_delayed_work(&shared_table.gc_work);
	return NULL;
}

static void test_threads(void)
{
	pthread_t offerers[THREADS], collector;
	struct iphdr ip4 = { .version = 4, .ihl = 5 };
	unsigned int i, runs = 0, dups, max;
	bool counted;

	shim_ram_pages = (16UL << 20) >> PAGE_SHIFT;	/* 1024 sources */
	shim_now_ns = T0;
	for (i = 0; i < THREAD_SOURCES; ++i) {
		thread_skbs[i] = alloc_skb(sizeof(ip4), GFP_KERNEL);
		ip4.saddr = htonl(0x0a000000 + i);
		skb_reset_network_header(thread_skbs[i]);
		skb_put_data(thread_skbs[i], &ip4, sizeof(ip4));
		thread_skbs[i]->protocol = htons(ETH_P_IP);
	}
	if (nt_ratelimiter_init())
		abort();
	max = shared_table.max_entries;
	threads_done = false;
	pthread_create(&collector, NULL, collect_thread, &runs);
	for (i = 0; i < THREADS; ++i)
		pthread_create(&offerers[i], NULL, offer_thread,
			       (void *)(unsigned long)i);
	for (i = 0; i < THREADS; ++i)
		pthread_join(offerers[i], NULL);
	__atomic_store_n(&threads_done, true, __ATOMIC_RELEASE);
	pthread_join(collector, NULL);

	dups = duplicate_sources(&shared_table);
	counted = count_entries(&shared_table) == shared_table.entries &&
		  shared_table.entries <= max;
	nt_ratelimiter_uninit();
	shim_rcu_quiesce();
	for (i = 0; i < THREAD_SOURCES; ++i)
		kfree_skb(thread_skbs[i]);
	report(!dups && counted && runs,
	       "%d threads and the collector: %u collections, %u duplicate sources",
	       THREADS, runs, dups);
}

int main(int argc, char **argv)
{
	u64 seed = argc > 1 ? strtoull(argv[1], NULL, 0) : 0x5eed;

	rnd_state = seed ? seed : 1;
	shim_random_state = seed;
	printf("KTAP version 1\n1..9\n# seed %llu\n", seed);
	test_siphash();
	test_module_selftest();
	test_table_sizes();
	test_against_model(400000, 600);
	test_against_model(100000, 100);
	test_rate_promise(20000);
	test_gc_scheduling();
	test_races();
	test_threads();
	printf("# %d passed, %d failed\n", test_number - failed_tests,
	       failed_tests);
	return failed_tests ? 1 : 0;
}
