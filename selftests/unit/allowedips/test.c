// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace unit test of module/allowedips.c.
 *
 * The Makefile copies module/allowedips.[ch] unchanged into build/ and this
 * file includes the .c, so that it can reach the self-test's static helpers
 * (the naive model, the invariant checks, the live-node count). The kernel
 * interfaces come from ../shim/ (see kshim.h). Built with ASan and
 * UBSan. Prints KTAP; exits non-zero if any test fails.
 *
 *   ./test [seed]      run every test (seed: repeat a run; default: random)
 *   ./test bench       lookups per second
 *
 * The tests:
 *  1. nt_allowedips_selftest(), exactly as the module runs it at load;
 *  2. the randomised comparison at the full size of Documentation/testing.md
 *  section 6
 *     (2 000 peers, 40 400 routes per family, 1.2 M lookups per
 *     comparison), with 2 rounds of mutations and 8 more comparisons of
 *     300 000 lookups while the peers are removed (upstream compares after
 *     each of its 2 000 peer removals; we do 1/250 of those comparisons);
 *  3. churn: 100 000 routes added and removed, 5 times, back to zero nodes;
 *  4. the data-path lookups on packets, with references and dead peers;
 *  5. an allocation failing at every point of an insertion leaves the
 *     table exactly as it was, and a pool filled beforehand never fails;
 *  6. lookups from 2 reader threads while a writer churns (200 000
 *     changes), with real grace periods and injected stalls (see
 *     kshim.h): ranges that never change must always be found, and
 *     addresses outside every range never;
 *  7. the same, deterministically: no threads, but every pointer store the
 *     writer makes is followed by lookups of every stable range, so that
 *     each intermediate state a reader could meet is checked.
 */

#include "allowedips.c"

#include <stdarg.h>
#include <time.h>
#include <unistd.h>

static unsigned int ktap_n;
static unsigned int ktap_failed;

static void ktap(bool ok, const char *desc)
{
	printf("%sok %u - %s\n", ok ? "" : "not ", ++ktap_n, desc);
	fflush(stdout);
	if (!ok)
		++ktap_failed;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void set_refcounts(struct selftest *t, int refcount)
{
	unsigned int i;

	for (i = 0; i < t->npeers; ++i)
		t->peers[i]->refcount = refcount;
}

/* 1 */
static bool test_module_selftest(void)
{
	return nt_allowedips_selftest();
}

/* 2 and 3 */
static bool test_full_random(u64 seed)
{
	const struct selftest_size *size = &selftest_sizes[SELFTEST_FULL];
	struct selftest t;

	if (!selftest_begin(&t, size->peers, seed))
		return false;
	selftest_random(&t, size);
	return selftest_end(&t);
}

static bool test_full_churn(u64 seed)
{
	const struct selftest_size *size = &selftest_sizes[SELFTEST_FULL];
	struct selftest t;

	if (!selftest_begin(&t, 8, seed))
		return false;
	selftest_churn(&t, size);
	return selftest_end(&t);
}

/* 4 */
struct packet {
	struct sk_buff skb;
	union {
		struct iphdr ip4;
		struct ipv6hdr ip6;
	} hdr;
};

/* An skb of @family (AF_INET or AF_INET6) from @src to @dst, in @p. */
static struct sk_buff *packet(struct packet *p, int family, const char *src,
			      const char *dst)
{
	bool v4 = family == AF_INET;

	memset(p, 0, sizeof(*p));
	p->skb.protocol = htons(v4 ? ETH_P_IP : ETH_P_IPV6);
	p->skb.head = (unsigned char *)&p->hdr;
	inet_pton(family, src, v4 ? (void *)&p->hdr.ip4.saddr :
				    (void *)&p->hdr.ip6.saddr);
	inet_pton(family, dst, v4 ? (void *)&p->hdr.ip4.daddr :
				    (void *)&p->hdr.ip6.daddr);
	return &p->skb;
}

static bool test_data_path(u64 seed)
{
	struct nt_allowedips *table;
	struct nt_peer **p;
	struct packet pkt;
	struct selftest t;

	if (!selftest_begin(&t, 4, seed))
		return false;
	table = &t.table;
	p = t.peers;
	set_refcounts(&t, 1);
	mutex_lock(&t.lock);
	s_insert(&t, "10.0.0.0", 8, p[0]);
	s_insert(&t, "10.1.0.0", 16, p[1]);
	s_insert(&t, "2001:db8::", 32, p[2]);
	s_insert(&t, "::", 0, p[3]);
	mutex_unlock(&t.lock);

	expect_trie(&t, nt_allowedips_lookup_dst(table, packet(&pkt, AF_INET, "10.9.9.9", "10.1.2.3")) == p[1],
		    "v4 dst", 0);
	expect_trie(&t, nt_allowedips_lookup_src(table, &pkt.skb) == p[0], "v4 src", 0);
	expect_trie(&t, !nt_allowedips_lookup_dst(table, packet(&pkt, AF_INET, "10.9.9.9", "11.1.2.3")),
		    "v4 dst miss", 0);
	expect_trie(&t, nt_allowedips_lookup_dst(table, packet(&pkt, AF_INET6, "::1", "2001:db8::1")) == p[2],
		    "v6 dst", 0);
	expect_trie(&t, nt_allowedips_lookup_src(table, &pkt.skb) == p[3], "v6 src", 0);
	pkt.skb.protocol = htons(0x0806);
	expect_trie(&t, !nt_allowedips_lookup_dst(table, &pkt.skb), "ARP dst", 0);
	expect_trie(&t, !nt_allowedips_lookup_src(table, &pkt.skb), "ARP src", 0);
	expect_trie(&t, p[0]->refcount == 2 && p[1]->refcount == 2 &&
		    p[2]->refcount == 2 && p[3]->refcount == 2, "references taken", 0);

	/* A peer whose last reference is gone is never returned... */
	p[1]->refcount = 0;
	expect_trie(&t, !nt_allowedips_lookup_dst(table, packet(&pkt, AF_INET, "10.9.9.9", "10.1.2.3")),
		    "dead peer", 0);
	expect_trie(&t, p[1]->refcount == 0, "dead peer stays dead", 0);
	/* ...and once its ranges are gone the next best owner is found. */
	mutex_lock(&t.lock);
	nt_allowedips_remove_by_peer(table, p[1], &t.lock);
	mutex_unlock(&t.lock);
	expect_trie(&t, nt_allowedips_lookup_dst(table, &pkt.skb) == p[0], "after removal", 0);
	return selftest_end(&t);
}

/* 5 */

/* FNV-1a over everything a reader or netlink can observe. */
static u64 fnv(u64 h, const void *data, size_t len)
{
	const u8 *b = data;

	while (len--)
		h = (h ^ *b++) * 0x100000001b3ULL;
	return h;
}

static u64 table_hash(struct selftest *t)
{
	struct nt_allowedips_node *node;
	u64 h = 0xcbf29ce484222325ULL;
	unsigned int i, depth = 1;
	const void *ptr;
	u8 f, bits;

	for (f = 0; f < 2; ++f) {
		bits = f ? 128 : 32;
		node = deref_writer(*t_root(t, bits), &t->lock);
		for (; node; node = preorder_next(node, &depth, &t->lock)) {
			h = fnv(h, node->key, key_words(node->bits) * sizeof(u64));
			h = fnv(h, &node->cidr, 1);
			h = fnv(h, &depth, sizeof(depth));
			ptr = rcu_access_pointer(node->peer);
			h = fnv(h, &ptr, sizeof(ptr));
		}
	}
	for (i = 0; i < t->npeers; ++i) {
		list_for_each_entry(node, &t->peers[i]->allowedips_list, peer_list)
			h = fnv(h, &node, sizeof(node));
		h = fnv(h, "|", 1);
	}
	return fnv(h, &t->table.seq, sizeof(t->table.seq));
}

static bool test_alloc_failure(u64 seed)
{
	struct nt_allowedips_pool pool;
	struct ref_table ref[2];
	unsigned int i, n, failed = 0, f;
	struct selftest t;
	long live;
	u64 before, key[2];
	u8 cidr;
	int err;

	if (!selftest_begin(&t, 16, seed))
		return false;
	memset(ref, 0, sizeof(ref));
	if (!ref_init(&ref[0], 32, 1024) || !ref_init(&ref[1], 128, 1024))
		goto out;
	nt_allowedips_pool_init(&pool);
	mutex_lock(&t.lock);
	for (i = 0; i < 600; ++i)
		random_insert(&t, &ref[i % 2], NULL, true);

	/* Fail the first, then the second allocation of each insertion. */
	for (i = 0; i < 2000 && !t.errors; ++i) {
		f = i % 2;
		rand_near_key(&t, &ref[f], key);
		cidr = rand_below(&t, ref[f].bits + 1);
		for (n = 1; n <= 2; ++n) {
			before = table_hash(&t);
			live = atomic_long_read(&live_nodes);
			shim_fail_nth(n);
			err = t_insert(&t, ref[f].bits, key, cidr,
				       t.peers[rand_below(&t, t.npeers)], NULL);
			shim_fail_nth(0);
			if (err) {
				++failed;
				expect_trie(&t, err == -ENOMEM, "errno", -err);
				expect_trie(&t, table_hash(&t) == before,
					    "failed insert changed the table", i);
				expect_trie(&t, atomic_long_read(&live_nodes) == live,
					    "failed insert leaked", i);
			}
		}
	}
	expect_trie(&t, failed > 500, "too few failures to mean anything", failed);

	/* A pool left with one node: it serves the first node, the second
	 * allocation fails, and the pool gets its node back.
	 */
	for (i = 0; i < 200 && !t.errors; ++i) {
		f = i % 2;
		expect_trie(&t, !nt_allowedips_pool_fill(&pool, f == 0, f == 1),
			    "pool fill", i);
		rand_key(&t, key, ref[f].bits);
		cidr = ref[f].bits;
		expect_trie(&t, !t_insert(&t, ref[f].bits, key, cidr, t.peers[0], &pool),
			    "pool insert", i);
		if (pool.count[f] != 1)
			continue;
		before = table_hash(&t);
		shim_fail_all(true);
		rand_key(&t, key, ref[f].bits);
		err = t_insert(&t, ref[f].bits, key, ref[f].bits, t.peers[1], &pool);
		shim_fail_all(false);
		if (err) {
			expect_trie(&t, pool.count[f] == 1, "node not given back to the pool", i);
			expect_trie(&t, table_hash(&t) == before, "pool failure changed the table", i);
		}
	}
	nt_allowedips_pool_drain(&pool);

	/* A filled pool serves all its insertions with no allocation at all;
	 * a failed fill leaves a pool that drains cleanly.
	 */
	expect_trie(&t, !nt_allowedips_pool_fill(&pool, 3000, 3000), "pool fill", 3000);
	expect_trie(&t, pool.count[0] == 6000 && pool.count[1] == 6000, "pool size",
		    pool.count[0]);
	shim_fail_all(true);
	for (i = 0; i < 3000 && !t.errors; ++i) {
		f = rand_below(&t, 2);
		rand_near_key(&t, &ref[f], key);
		cidr = rand_below(&t, ref[f].bits + 1);
		err = t_insert(&t, ref[f].bits, key, cidr,
			       t.peers[rand_below(&t, t.npeers)], &pool);
		expect_trie(&t, !err, "insert from a filled pool failed", i);
	}
	shim_fail_all(false);
	nt_allowedips_pool_drain(&pool);
	/* Nodes come in batches of POOL_BATCH, each whole or not at all: the
	 * 100th allocation failing leaves the batches before its own.
	 */
	shim_fail_nth(100);
	expect_trie(&t, nt_allowedips_pool_fill(&pool, 1000, 1000) == -ENOMEM, "fill fails", 0);
	shim_fail_nth(0);
	expect_trie(&t, pool.count[0] == 99 / POOL_BATCH * POOL_BATCH && !pool.count[1],
		    "partial fill", pool.count[0]);
	nt_allowedips_pool_drain(&pool);
	shim_fail_nth(2000 + 100);
	expect_trie(&t, nt_allowedips_pool_fill(&pool, 1000, 1000) == -ENOMEM, "fill fails", 0);
	shim_fail_nth(0);
	expect_trie(&t, pool.count[0] == 2000 && pool.count[1] == 99 / POOL_BATCH * POOL_BATCH,
		    "partial fill", pool.count[1]);
	nt_allowedips_pool_drain(&pool);
	expect_trie(&t, nt_allowedips_pool_fill(&pool, UINT_MAX, 0) == -ENOMEM, "huge fill", 0);
	nt_allowedips_pool_drain(&pool);
	expect_trie(&t, nt_allowedips_pool_fill(&pool, 0, UINT_MAX) == -ENOMEM, "huge fill", 0);
	nt_allowedips_pool_drain(&pool);
	check_trie(&t, 32, &(struct trie_stats){});
	check_trie(&t, 128, &(struct trie_stats){});
	mutex_unlock(&t.lock);
out:
	ref_uninit(&ref[0]);
	ref_uninit(&ref[1]);
	return selftest_end(&t);
}

/* 6 */

struct stable_range {
	const char *ip;
	u8 cidr;
	u8 peer;
	bool exact;	/* nothing more specific ever appears inside */
};

/* Peers 0-3 own these for the whole test; peers 4-7 churn around them. */
static const struct stable_range stable[] = {
	{ "10.0.0.0", 8, 0, false },
	{ "10.1.2.3", 32, 1, true },
	{ "10.200.7.0", 24, 2, true },
	{ "10.77.0.0", 16, 3, true },
	{ "2001:db8::", 32, 0, false },
	{ "2001:db8:1:2::", 64, 1, true },
	{ "2001:db8:abcd::7", 128, 2, true },
	{ "2001:db8:ff00::", 40, 3, true },
};

struct concurrency {
	struct selftest *t;
	u64 keys[ARRAY_SIZE(stable)][2];
	u8 bits[ARRAY_SIZE(stable)];
	bool stop;
	unsigned long lookups;
	unsigned long wrong;
};

struct reader_arg {
	struct concurrency *c;
	u64 seed;
};

/* One lookup of a random address inside stable range @i (or, one time in
 * eight, outside every range); returns whether the answer was wrong.
 */
static bool check_one(struct concurrency *c, struct rnd_state *rnd,
		      unsigned int i)
{
	u8 bits = c->bits[i], cidr = stable[i].cidr;
	u64 addr[2], mask[2] = { ~0ULL, ~0ULL };
	struct in6_addr ip6;
	struct in_addr ip4;
	struct nt_peer *peer;
	bool wrong;

	addr[0] = (u64)prandom_u32_state(rnd) << 32 | prandom_u32_state(rnd);
	addr[1] = (u64)prandom_u32_state(rnd) << 32 | prandom_u32_state(rnd);
	key_mask(addr, bits);
	if (prandom_u32_state(rnd) % 8) {
		key_mask(mask, cidr);
		addr[0] = c->keys[i][0] | (addr[0] & ~mask[0]);
		addr[1] = c->keys[i][1] | (addr[1] & ~mask[1]);
	} else {
		/* Outside 10/8 or 2001:db8::/32. */
		if (bits == 32)
			addr[0] = (addr[0] & ~(0xffULL << 56)) | (11ULL << 56);
		else
			addr[0] = (addr[0] & ~(0xffffffffULL << 32)) |
				  (0x20010db9ULL << 32);
		cidr = 0;
	}
	rcu_read_lock();
	if (bits == 32) {
		key_to_v4(&ip4, addr);
		peer = nt_allowedips_lookup_v4(&c->t->table, &ip4);
	} else {
		key_to_v6(&ip6, addr);
		peer = nt_allowedips_lookup_v6(&c->t->table, &ip6);
	}
	/* The peers are static: comparing after the lookup is safe. */
	if (!cidr)
		wrong = peer != NULL;
	else if (stable[i].exact)
		wrong = peer != c->t->peers[stable[i].peer];
	else
		wrong = peer == NULL;
	rcu_read_unlock();
	return wrong;
}

static void *reader(void *arg)
{
	struct reader_arg *ra = arg;
	struct concurrency *c = ra->c;
	unsigned long lookups = 0, wrong = 0;
	struct shim_rcu_reader self;
	struct rnd_state rnd;

	shim_rcu_register_thread(&self);
	prandom_seed_state(&rnd, ra->seed);
	while (!__atomic_load_n(&c->stop, __ATOMIC_RELAXED)) {
		wrong += check_one(c, &rnd,
				   prandom_u32_state(&rnd) % ARRAY_SIZE(stable));
		++lookups;
	}
	shim_rcu_unregister_thread();
	__atomic_add_fetch(&c->lookups, lookups, __ATOMIC_RELAXED);
	__atomic_add_fetch(&c->wrong, wrong, __ATOMIC_RELAXED);
	return NULL;
}

/* The deterministic twin of the reader threads: after every pointer store
 * the writer makes, look up every stable range, so that each state a
 * reader could ever see is checked.
 */
static struct concurrency *hook_ctx;
static struct rnd_state hook_rnd;

static void publish_hook(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(stable); ++i) {
		hook_ctx->wrong += check_one(hook_ctx, &hook_rnd, i);
		++hook_ctx->lookups;
	}
}

/* A churn route must not land inside a range marked exact. */
static bool inside_exact(struct concurrency *c, u8 bits, const u64 key[2],
			 u8 cidr)
{
	unsigned int i;
	u64 k[2];

	for (i = 0; i < ARRAY_SIZE(stable); ++i) {
		if (c->bits[i] != bits || !stable[i].exact || cidr < stable[i].cidr)
			continue;
		memcpy(k, key, sizeof(k));
		key_mask(k, stable[i].cidr);
		if (k[0] == c->keys[i][0] && k[1] == c->keys[i][1])
			return true;
	}
	return false;
}

/* With @readers threads, or with none and the publication hook. */
static bool test_concurrency(u64 seed, unsigned int writer_ops,
			     unsigned int readers)
{
	enum { MAX_READERS = 4, CHURN = 4096 };
	struct { u64 key[2]; u8 cidr, bits, peer; bool in; } *churn;
	struct reader_arg args[MAX_READERS];
	pthread_t threads[MAX_READERS];
	struct nt_allowedips_pool pool;
	struct concurrency c = { 0 };
	unsigned int i, j, k, base, inserted = 0;
	struct selftest t;
	double t0;
	u8 bits, cidr;
	u64 key[2];

	churn = calloc(CHURN, sizeof(*churn));
	if (!churn || !selftest_begin(&t, 8, seed))
		return false;
	c.t = &t;
	nt_allowedips_pool_init(&pool);
	mutex_lock(&t.lock);
	for (i = 0; i < ARRAY_SIZE(stable); ++i) {
		c.bits[i] = parse(stable[i].ip, c.keys[i]);
		key_mask(c.keys[i], stable[i].cidr);
		s_insert(&t, stable[i].ip, stable[i].cidr, t.peers[stable[i].peer]);
	}
	mutex_unlock(&t.lock);

	readers = min(readers, (unsigned int)MAX_READERS);
	for (i = 0; i < readers; ++i) {
		args[i].c = &c;
		args[i].seed = seed + i + 1;
		pthread_create(&threads[i], NULL, reader, &args[i]);
	}
	if (!readers) {
		hook_ctx = &c;
		prandom_seed_state(&hook_rnd, seed - 1);
		shim_rcu_publish_hook = publish_hook;
	}
	t0 = now();
	for (i = 0; i < writer_ops; ++i) {
		j = rand_below(&t, CHURN);
		mutex_lock(&t.lock);
		if (!churn[j].in) {
			/* Somewhere in 10/8 or 2001:db8::/32, longer prefix,
			 * and half the time sharing a long prefix with a
			 * stable range, so that the nodes joining the two sit
			 * on the readers' paths.
			 */
			k = rand_below(&t, ARRAY_SIZE(stable));
			bits = c.bits[k];
			base = bits == 32 ? 8 : 32;
			memcpy(key, c.keys[k], sizeof(key));
			rand_key_from(&t, key, rand_below(&t, 2) ? base :
				      base + rand_below(&t, stable[k].cidr - base + 1),
				      bits);
			cidr = base + 1 + rand_below(&t, bits - base);
			key_mask(key, cidr);
			if (!inside_exact(&c, bits, key, cidr)) {
				churn[j].bits = bits;
				churn[j].cidr = cidr;
				memcpy(churn[j].key, key, sizeof(key));
				churn[j].peer = 4 + rand_below(&t, 4);
				if (rand_below(&t, 2))
					expect_trie(&t, !nt_allowedips_pool_fill(&pool, bits == 32,
										 bits == 128),
						    "fill", i);
				expect_trie(&t, !t_insert(&t, bits, key, cidr,
							  t.peers[churn[j].peer],
							  rand_below(&t, 2) ? &pool : NULL),
					    "churn insert", i);
				churn[j].in = true;
				++inserted;
			}
		} else {
			t_remove(&t, churn[j].bits, churn[j].key, churn[j].cidr,
				 t.peers[churn[j].peer]);
			churn[j].in = false;
		}
		if (!rand_below(&t, 5000)) {
			/* Drop a whole churn peer now and then. */
			u8 victim = 4 + rand_below(&t, 4);

			nt_allowedips_remove_by_peer(&t.table, t.peers[victim], &t.lock);
			for (j = 0; j < CHURN; ++j)
				churn[j].in &= churn[j].peer != victim;
		}
		mutex_unlock(&t.lock);
	}
	__atomic_store_n(&c.stop, true, __ATOMIC_RELAXED);
	for (i = 0; i < readers; ++i)
		pthread_join(threads[i], NULL);
	shim_rcu_publish_hook = NULL;
	printf("# %u writer ops (%u inserts), %lu lookups %s in %.1f s, %lu wrong\n",
	       writer_ops, inserted, c.lookups,
	       readers ? "from reader threads" : "after each pointer store",
	       now() - t0, c.wrong);
	expect_trie(&t, !c.wrong, "a stable range was not found", c.wrong);
	expect_trie(&t, c.lookups > 1000, "readers did not run", c.lookups);
	mutex_lock(&t.lock);
	check_trie(&t, 32, &(struct trie_stats){});
	check_trie(&t, 128, &(struct trie_stats){});
	mutex_unlock(&t.lock);
	nt_allowedips_pool_drain(&pool);
	free(churn);
	return selftest_end(&t);
}

/*
 * Time @lookups raw lookups of @addrs in @t's @bits trie and print their
 * rate ("# bench: raw IPv4 lookups@what: ..."); returns a sum of the
 * results, for the caller to keep.
 */
static uintptr_t bench_raw(struct selftest *t, u8 bits, u64 (*addrs)[2],
			   unsigned int lookups, const char *what)
{
	uintptr_t sink = 0;
	unsigned int i;
	double t0, dt;

	t0 = now();
	for (i = 0; i < lookups; ++i)
		sink += (uintptr_t)t_lookup(t, bits, addrs[i]);
	dt = now() - t0;
	printf("# bench: raw %s lookups%s: %.1f M/s (%.0f ns each)\n",
	       bits == 128 ? "IPv6" : "IPv4", what, lookups / dt / 1e6,
	       dt / lookups * 1e9);
	return sink;
}

/* Bench: lookups per second on a table of the full self-test size. */
static int bench(u64 seed)
{
	const unsigned int routes = 40400, lookups = 4000000;
	struct selftest t;
	struct ref_table ref[2];
	struct packet pkt;
	volatile uintptr_t sink = 0;
	struct trie_stats stats;
	unsigned int i, f;
	u64 (*addrs)[2];
	double t0, dt;

	addrs = calloc(lookups, sizeof(*addrs));
	if (!addrs || !selftest_begin(&t, 2000, seed))
		return 1;
	memset(ref, 0, sizeof(ref));
	ref_init(&ref[0], 32, 2 * routes);
	ref_init(&ref[1], 128, 2 * routes);
	set_refcounts(&t, 1);
	mutex_lock(&t.lock);
	for (f = 0; f < 2; ++f) {
		for (i = 0; i < routes; ++i)
			random_insert(&t, &ref[f], NULL, true);
		if (!ref_sync(&ref[f]))
			return 1;
		check_trie(&t, ref[f].bits, &stats);
		printf("# bench: %s table: %lu ranges, %lu nodes, depth %u\n",
		       f ? "IPv6" : "IPv4", stats.owned, stats.nodes, stats.depth);
	}
	mutex_unlock(&t.lock);
	for (f = 0; f < 2; ++f) {
		u8 bits = ref[f].bits;

		for (i = 0; i < lookups; ++i) {
			struct ref_route *r = &ref[f].routes[rand_below(&t, ref[f].len)];

			memcpy(addrs[i], r->key, sizeof(addrs[i]));
			rand_key_from(&t, addrs[i], r->cidr, bits);
		}
		sink += bench_raw(&t, bits, addrs, lookups, "");
		t0 = now();
		for (i = 0; i < lookups; ++i) {
			struct in6_addr a6;
			struct in_addr a4;

			if (bits == 32) {
				key_to_v4(&a4, addrs[i]);
				packet(&pkt, AF_INET, "0.0.0.0", "0.0.0.0");
				pkt.hdr.ip4.daddr = a4.s_addr;
			} else {
				key_to_v6(&a6, addrs[i]);
				packet(&pkt, AF_INET6, "::", "::");
				pkt.hdr.ip6.daddr = a6;
			}
			sink += (uintptr_t)nt_allowedips_lookup_dst(&t.table, &pkt.skb);
		}
		dt = now() - t0;
		printf("# bench: lookup_dst %s (packet, reference): %.1f M/s\n",
		       f ? "IPv6" : "IPv4", lookups / dt / 1e6);
	}

	/* A typical server: each of 1 000 peers owns a /32 and a /128 in the
	 * tunnel's subnets and a /24 and a /64 behind it.
	 */
	mutex_lock(&t.lock);
	nt_allowedips_free(&t.table, &t.lock);
	for (i = 0; i < 1000; ++i) {
		u64 k4[2] = { (u64)(0x0a000000 + i) << 32, 0 };
		u64 n4[2] = { (u64)(0xac100000 + (i << 8)) << 32, 0 };
		u64 k6[2] = { 0xfd00000000000000ULL, i };
		u64 n6[2] = { 0x20010db800000000ULL + ((u64)i << 16), 0 };

		t_insert(&t, 32, k4, 32, t.peers[i], NULL);
		t_insert(&t, 32, n4, 24, t.peers[i], NULL);
		t_insert(&t, 128, k6, 128, t.peers[i], NULL);
		t_insert(&t, 128, n6, 64, t.peers[i], NULL);
	}
	mutex_unlock(&t.lock);
	for (f = 0; f < 2; ++f) {
		u8 bits = f ? 128 : 32;

		for (i = 0; i < lookups; ++i) {
			u32 p = rand_below(&t, 1000), r = prandom_u32_state(&t.rnd);

			if (bits == 32) {
				addrs[i][0] = (u64)(r & 1 ? 0x0a000000 + p :
					      0xac100000 + (p << 8) + (r >> 24)) << 32;
				addrs[i][1] = 0;
			} else {
				addrs[i][0] = r & 1 ? 0xfd00000000000000ULL :
					      0x20010db800000000ULL + ((u64)p << 16);
				addrs[i][1] = r & 1 ? p : r;
			}
		}
		sink += bench_raw(&t, bits, addrs, lookups,
				  ", 1000-peer server table");
	}
	(void)sink;
	set_refcounts(&t, 0);
	ref_uninit(&ref[0]);
	ref_uninit(&ref[1]);
	free(addrs);
	return selftest_end(&t) ? 0 : 1;
}

int main(int argc, char **argv)
{
	u64 seed;
	double t0;
	bool ok;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (nt_allowedips_slab_init())
		return 1;
	seed = (u64)time(NULL) ^ (u64)getpid() << 32;
	if (argc > 1 && strcmp(argv[1], "bench"))
		seed = strtoull(argv[1], NULL, 0);
	shim_random_state = seed;
	if (argc > 1 && !strcmp(argv[1], "bench"))
		return bench(seed);

	printf("KTAP version 1\n1..7\n# seed %llu (./test %llu repeats this run)\n",
	       (unsigned long long)seed, (unsigned long long)seed);
#define RUN(desc, call) do { \
		t0 = now(); \
		ok = (call); \
		printf("# %.2f s\n", now() - t0); \
		ktap(ok, desc); \
	} while (0)
	RUN("in-module self-test, as run at load", test_module_selftest());
	RUN("random comparison with the naive model, full size", test_full_random(get_random_u64()));
	RUN("churn of 100000 routes x 5, back to zero nodes", test_full_churn(get_random_u64()));
	RUN("data-path lookups, references and dead peers", test_data_path(get_random_u64()));
	RUN("allocation failures change nothing; a filled pool never fails",
	    test_alloc_failure(get_random_u64()));
	RUN("lockless lookups during concurrent changes", test_concurrency(get_random_u64(), 200000, 2));
	RUN("every state a reader can see finds the stable ranges",
	    test_concurrency(get_random_u64(), 100000, 0));
#undef RUN
	nt_allowedips_slab_uninit();
	if (shim_cache_leaked) {
		printf("# node cache not empty at exit\n");
		++ktap_failed;
	}
	printf("# %u passed, %u failed\n", ktap_n - ktap_failed, ktap_failed);
	return ktap_failed ? 1 : 0;
}
