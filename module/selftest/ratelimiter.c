// SPDX-License-Identifier: GPL-2.0
/*
 * The handshake rate limiter's self-test, run at module load in DEBUG
 * builds. Included at the end of ratelimiter.c, so that it reaches that
 * file's static functions; the host unit test (selftests/unit/ratelimiter/)
 * compiles the two unchanged.
 */

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

	collect_idle(&t->table, 0, true);
	offer(t, 0, AF_INET, 1, T0);
	offer(t, 0, AF_INET, 2, T0 + BUCKET_FULL_NS / 2);
	collect_idle(&t->table, T0 + BUCKET_FULL_NS - 1, false);
	check(t, count_entries(&t->table) == 2, "collected a refilling source");
	collect_idle(&t->table, T0 + BUCKET_FULL_NS, false);
	check(t, count_entries(&t->table) == 1, "did not collect a full source");
	for (i = 0; i < HANDSHAKES_BURST; ++i)
		ok &= offer(t, 0, AF_INET, 1, T0 + BUCKET_FULL_NS);
	check(t, ok && !offer(t, 0, AF_INET, 1, T0 + BUCKET_FULL_NS),
	      "a collected source does not start with its burst");
	collect_idle(&t->table, 0, true);
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
	collect_idle(&t->table, T0 + BUCKET_FULL_NS, false);
	check(t, count_entries(&t->table) == 0, "a full table was not emptied");
	check(t, offer(t, 0, AF_INET, max, T0 + BUCKET_FULL_NS),
	      "a new source was refused after collection");
	collect_idle(&t->table, 0, true);
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
	collect_idle(&t->table, 0, true);
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
