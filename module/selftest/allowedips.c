// SPDX-License-Identifier: GPL-2.0
/*
 * The allowed-IPs trie's self-test, run at module load in DEBUG builds.
 * Included at the end of allowedips.c, so that it reaches that file's
 * static functions; the host unit test (selftests/unit/allowedips/)
 * compiles the two unchanged and runs it at other sizes and seeds.
 */

/* Self-test: static cases, then a randomised comparison against a naive
 * model, then churn. Every test ends with empty tries and checks that the
 * count of live nodes is back where it started.
 *
 * Fake peers: the trie touches nothing of a peer but its allowedips_list,
 * and the self-test uses only the raw lookups, which take no reference. So
 * a zeroed struct nt_peer with that list initialised is a faithful stand-in,
 * built without any of peer.c's machinery.
 */

/**
 * struct selftest_size - how much work the randomised tests do
 * @peers: fake peers owning the routes
 * @routes: random routes inserted per family before the first round
 * @mutations: random changes per family in each round: inserts, moves,
 *             removals by the owner and by another peer
 * @rounds: rounds of mutations, each followed by a comparison
 * @lookups: random lookups per family in each comparison
 * @removal_checks: comparisons while the peers are removed one by one
 * @churn_routes: routes added and removed per churn cycle
 * @churn_cycles: churn cycles
 */
struct selftest_size {
	unsigned int peers;
	unsigned int routes;
	unsigned int mutations;
	unsigned int rounds;
	unsigned int lookups;
	unsigned int removal_checks;
	unsigned int churn_routes;
	unsigned int churn_cycles;
};

enum selftest_scale { SELFTEST_PER_COMMIT, SELFTEST_FULL };

static const struct selftest_size selftest_sizes[] __initconst = {
	/* Run at every module load in DEBUG builds, so it must stay within
	 * a few seconds on a TCG virtual machine: about 1/20 of the full size.
	 */
	[SELFTEST_PER_COMMIT] = {
		.peers = 100, .routes = 2000, .mutations = 500, .rounds = 2,
		.lookups = 20000, .removal_checks = 4,
		.churn_routes = 10000, .churn_cycles = 2,
	},
	/* Documentation/testing.md section 6: 2 000 peers, 40 400 routes per
	 * family, 1.2 M lookups per comparison. The userspace unit test runs
	 * it.
	 */
	[SELFTEST_FULL] = {
		.peers = 2000, .routes = 40400, .mutations = 4000, .rounds = 2,
		.lookups = 1200000, .removal_checks = 8,
		.churn_routes = 100000, .churn_cycles = 5,
	},
};

struct selftest {
	struct nt_allowedips table;
	struct mutex lock;		/* stands for device_update_lock */
	struct nt_peer **peers;
	unsigned int npeers;
	struct rnd_state rnd;
	u64 seed;
	long live_at_start;
	unsigned int errors;
};

static bool __init expect_trie(struct selftest *t, bool ok, const char *what,
			       unsigned long n)
{
	if (likely(ok))
		return true;
	if (t->errors++ < 10)
		pr_err("allowedips self-test: %s (%lu), seed %llu\n", what, n,
		       t->seed);
	return false;
}

static struct nt_peer *__init fake_peer_new(void)
{
	struct nt_peer *peer = kzalloc(sizeof(*peer), GFP_KERNEL);

	if (peer)
		INIT_LIST_HEAD(&peer->allowedips_list);
	return peer;
}

static bool __init selftest_begin(struct selftest *t, unsigned int npeers,
				  u64 seed)
{
	unsigned int i;

	memset(t, 0, sizeof(*t));
	rcu_barrier();
	t->live_at_start = atomic_long_read(&live_nodes);
	t->seed = seed;
	prandom_seed_state(&t->rnd, seed);
	nt_allowedips_init(&t->table);
	mutex_init(&t->lock);
	t->peers = kcalloc(npeers, sizeof(*t->peers), GFP_KERNEL);
	if (!t->peers)
		return false;
	for (t->npeers = 0; t->npeers < npeers; ++t->npeers) {
		t->peers[t->npeers] = fake_peer_new();
		if (!t->peers[t->npeers])
			goto err_free_peers;
	}
	return true;

err_free_peers:
	for (i = 0; i < t->npeers; ++i)
		kfree(t->peers[i]);
	kfree(t->peers);
	return false;
}

/* Frees everything and checks that no node outlives the table. */
static bool __init selftest_end(struct selftest *t)
{
	unsigned int i;
	long live;

	mutex_lock(&t->lock);
	nt_allowedips_free(&t->table, &t->lock);
	mutex_unlock(&t->lock);
	rcu_barrier();
	live = atomic_long_read(&live_nodes) - t->live_at_start;
	expect_trie(t, live == 0, "nodes still allocated", live);
	for (i = 0; i < t->npeers; ++i) {
		expect_trie(t, list_empty(&t->peers[i]->allowedips_list),
			    "peer list not empty", i);
		kfree(t->peers[i]);
	}
	kfree(t->peers);
	mutex_destroy(&t->lock);
	return !t->errors;
}

static u32 __init rand_below(struct selftest *t, u32 ceil)
{
	return ((u64)prandom_u32_state(&t->rnd) * ceil) >> 32;
}

static void __init rand_key(struct selftest *t, u64 key[2], u8 bits)
{
	key[0] = (u64)prandom_u32_state(&t->rnd) << 32 |
		 prandom_u32_state(&t->rnd);
	key[1] = (u64)prandom_u32_state(&t->rnd) << 32 |
		 prandom_u32_state(&t->rnd);
	key_mask(key, bits);
}

/* Keeps the first @from bits of @key and draws the others at random. */
static void __init rand_key_from(struct selftest *t, u64 key[2],
				 unsigned int from, u8 bits)
{
	u64 fresh[2], mask[2] = { ~0ULL, ~0ULL };

	rand_key(t, fresh, bits);
	key_mask(mask, from);
	key[0] = (key[0] & mask[0]) | (fresh[0] & ~mask[0]);
	key[1] = (key[1] & mask[1]) | (fresh[1] & ~mask[1]);
}

/* Family-generic wrappers around the public API. */

/* An address of either family, as the public API takes it. */
union t_ip {
	struct in_addr v4;
	struct in6_addr v6;
};

/* @key as an address of the family of @bits, into @ip: its family. */
static u16 __init t_key_to_ip(union t_ip *ip, u8 bits, const u64 key[2])
{
	if (bits == 32) {
		key_to_v4(&ip->v4, key);
		return AF_INET;
	}
	key_to_v6(&ip->v6, key);
	return AF_INET6;
}

static int __init t_insert(struct selftest *t, u8 bits, const u64 key[2],
			   u8 cidr, struct nt_peer *peer,
			   struct nt_allowedips_pool *pool)
{
	union t_ip ip;
	u16 family = t_key_to_ip(&ip, bits, key);

	return nt_allowedips_insert(&t->table, family, &ip, cidr, peer, pool,
				    &t->lock);
}

static void __init t_remove(struct selftest *t, u8 bits, const u64 key[2],
			    u8 cidr, struct nt_peer *peer)
{
	union t_ip ip;
	u16 family = t_key_to_ip(&ip, bits, key);

	nt_allowedips_remove(&t->table, family, &ip, cidr, peer, &t->lock);
}

static struct nt_peer *__init t_lookup(struct selftest *t, u8 bits,
				       const u64 key[2])
{
	struct nt_peer *peer;
	union t_ip ip;

	rcu_read_lock();
	if (t_key_to_ip(&ip, bits, key) == AF_INET)
		peer = nt_allowedips_lookup_v4(&t->table, &ip.v4);
	else
		peer = nt_allowedips_lookup_v6(&t->table, &ip.v6);
	rcu_read_unlock();
	return peer;
}

static struct nt_allowedips_node __rcu **__init t_root(struct selftest *t,
						       u8 bits)
{
	return bits == 32 ? &t->table.root4 : &t->table.root6;
}

/* The node after @node in pre-order, keeping track of its depth. */
static struct nt_allowedips_node *__init
preorder_next(struct nt_allowedips_node *node, unsigned int *depth,
	      struct mutex *lock)
{
	struct nt_allowedips_node *next;

	next = deref_writer(node->child[0], lock);
	if (!next)
		next = deref_writer(node->child[1], lock);
	if (next) {
		++*depth;
		return next;
	}
	for (; node->parent; node = node->parent, --*depth) {
		next = deref_writer(node->parent->child[1], lock);
		if (next && next != node)
			return next;
	}
	return NULL;
}

struct trie_stats {
	unsigned long nodes;
	unsigned long owned;
	unsigned int depth;
};

/* Checks every invariant of one trie and counts its nodes. */
static bool __init check_trie(struct selftest *t, u8 bits,
			      struct trie_stats *stats)
{
	struct nt_allowedips_node *node, *parent, *child0, *child1;
	unsigned int depth = 1, errors = t->errors;
	u64 masked[2];

	memset(stats, 0, sizeof(*stats));
	node = deref_writer(*t_root(t, bits), &t->lock);
	if (node)
		expect_trie(t, !node->parent, "root has a parent", bits);
	for (; node; node = preorder_next(node, &depth, &t->lock)) {
		++stats->nodes;
		stats->depth = max(stats->depth, depth);
		child0 = deref_writer(node->child[0], &t->lock);
		child1 = deref_writer(node->child[1], &t->lock);
		expect_trie(t, node->bits == bits && node->cidr <= bits,
			    "bad family or prefix length", node->cidr);
		/* An IPv4 node holds key[0] only. */
		masked[1] = 0;
		memcpy(masked, node->key, key_words(bits) * sizeof(u64));
		key_mask(masked, node->cidr);
		expect_trie(t, !memcmp(masked, node->key,
				       key_words(bits) * sizeof(u64)),
			    "host bits set in a key", node->cidr);
		if (rcu_access_pointer(node->peer)) {
			++stats->owned;
			expect_trie(t, !list_empty(&node->peer_list),
				    "owned node on no list", node->cidr);
		} else {
			expect_trie(t, child0 && child1,
				    "joining node without two children", node->cidr);
			expect_trie(t, list_empty(&node->peer_list),
				    "joining node on a list", node->cidr);
		}
		if (node->cidr == bits)
			expect_trie(t, !child0 && !child1, "full-length node with children",
				    node->cidr);
		parent = node->parent;
		if (parent) {
			expect_trie(t, parent->cidr < node->cidr &&
				    common_bits(parent->key, node->key, bits) >= parent->cidr,
				    "child not below its parent", node->cidr);
			expect_trie(t, deref_writer(parent->child[bit_at(node->key, parent->cidr)],
						    &t->lock) == node,
				    "parent pointer wrong", node->cidr);
		}
		if (t->errors - errors > 3)
			break;
	}
	expect_trie(t, stats->nodes <= 2 * stats->owned, "too many joining nodes",
		    stats->nodes);
	expect_trie(t, stats->depth <= bits + 1, "trie too deep", stats->depth);
	return t->errors == errors;
}

static bool __init tries_empty(struct selftest *t)
{
	return expect_trie(t, !rcu_access_pointer(t->table.root4) &&
			   !rcu_access_pointer(t->table.root6), "trie not empty", 0);
}

/* Static cases. */

struct static_route {
	const char *ip;
	u8 cidr;
	u8 peer;
};

struct static_lookup {
	const char *ip;
	s8 peer;	/* -1: nothing matches */
};

enum { A, B, C, D, E, F, G, H, STATIC_PEERS };

static const struct static_route static_routes[] __initconst = {
	{ "192.168.4.0", 24, A },
	{ "192.168.4.4", 32, B },
	{ "192.168.0.0", 16, C },
	{ "192.95.5.64", 27, D },
	{ "192.95.5.65", 32, E },
	{ "10.0.0.0", 8, F },
	{ "10.1.0.0", 16, G },
	{ "10.1.2.3", 32, H },
	{ "10.1.2.2", 31, A },
	{ "128.0.0.0", 1, B },
	{ "2001:db8::", 32, A },
	{ "2001:db8:1::", 48, B },
	{ "2001:db8:1:2::", 64, C },
	{ "2001:db8:1:2::1", 128, D },
	{ "2001:db8:ffff::", 48, E },
	{ "fd00::", 8, F },
	{ "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 128, G },
	{ "::ffff:0:0", 96, H },
	{ "8000::", 1, C },
};

static const struct static_lookup static_lookups[] __initconst = {
	{ "192.168.4.20", A },
	{ "192.168.4.4", B },
	{ "192.168.4.5", A },
	{ "192.168.200.1", C },
	{ "192.95.5.64", D },
	{ "192.95.5.65", E },
	{ "192.95.5.66", D },
	{ "192.95.5.95", D },
	{ "192.95.5.96", B },
	{ "10.2.3.4", F },
	{ "10.1.200.1", G },
	{ "10.1.2.3", H },
	{ "10.1.2.2", A },
	{ "10.1.2.4", G },
	{ "255.255.255.255", B },
	{ "127.0.0.1", -1 },
	{ "0.0.0.0", -1 },
	{ "11.0.0.1", -1 },
	{ "2001:db8::1", A },
	{ "2001:db8:1::1", B },
	{ "2001:db8:1:2::2", C },
	{ "2001:db8:1:2::1", D },
	{ "2001:db8:1:2:0:0:0:1", D },
	{ "2001:db8:ffff:1::", E },
	{ "2001:db8:fffe::", A },
	{ "fd12:3456::1", F },
	{ "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", G },
	{ "fdff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", F },
	{ "::ffff:192.0.2.1", H },
	{ "::1", -1 },
	{ "2001:db9::1", -1 },
	{ "ffff::1", C },
};

/* Parses @text into a key; returns the address length, or 0. */
static u8 __init parse(const char *text, u64 key[2])
{
	struct in6_addr ip6;
	struct in_addr ip4;

	if (in4_pton(text, -1, (u8 *)&ip4, -1, NULL)) {
		key_from_v4(key, &ip4);
		return 32;
	}
	if (in6_pton(text, -1, (u8 *)&ip6, -1, NULL)) {
		key_from_v6(key, &ip6);
		return 128;
	}
	return 0;
}

static int __init s_insert(struct selftest *t, const char *ip, u8 cidr,
			   struct nt_peer *peer)
{
	u64 key[2];
	u8 bits = parse(ip, key);

	if (!expect_trie(t, bits, "bad address in test", cidr))
		return -EINVAL;
	return t_insert(t, bits, key, cidr, peer, NULL);
}

static void __init s_remove(struct selftest *t, const char *ip, u8 cidr,
			    struct nt_peer *peer)
{
	u64 key[2];
	u8 bits = parse(ip, key);

	if (expect_trie(t, bits, "bad address in test", cidr))
		t_remove(t, bits, key, cidr, peer);
}

static struct nt_peer *__init s_lookup(struct selftest *t, const char *ip)
{
	u64 key[2];
	u8 bits = parse(ip, key);

	if (!expect_trie(t, bits, "bad address in test", 0))
		return NULL;
	return t_lookup(t, bits, key);
}

static bool __init s_expect(struct selftest *t, const char *ip,
			    struct nt_peer *peer, unsigned long n)
{
	return expect_trie(t, s_lookup(t, ip) == peer, ip, n);
}

/* Checks that @peer's list reads back as @want, in insertion order. */
static void __init expect_read_back(struct selftest *t, struct nt_peer *peer,
				    const struct static_route *want,
				    unsigned int count)
{
	struct nt_allowedips_node *node;
	u64 got[2], wanted[2];
	struct in6_addr ip6;
	struct in_addr ip4;
	unsigned int i = 0;
	u8 ip[16], cidr, bits;
	bool tail_zero;

	list_for_each_entry(node, &peer->allowedips_list, peer_list) {
		if (!expect_trie(t, i < count, "read-back: too many nodes", i))
			return;
		if (nt_allowedips_read_node(node, ip, &cidr) == AF_INET) {
			memcpy(&ip4, ip, sizeof(ip4));
			key_from_v4(got, &ip4);
			tail_zero = !memchr_inv(ip + sizeof(ip4), 0,
						sizeof(ip) - sizeof(ip4));
			bits = 32;
		} else {
			memcpy(&ip6, ip, sizeof(ip6));
			key_from_v6(got, &ip6);
			tail_zero = true;
			bits = 128;
		}
		expect_trie(t, parse(want[i].ip, wanted) == bits &&
			    cidr == want[i].cidr && tail_zero &&
			    !memcmp(got, wanted, sizeof(got)), want[i].ip, cidr);
		++i;
	}
	expect_trie(t, i == count, "read-back: missing nodes", i);
}

static bool __init selftest_static(struct selftest *t)
{
	static const struct static_route read_back[] __initconst = {
		{ "192.95.5.64", 27 },		/* inserted as .93/27 */
		{ "10.0.0.0", 9 },		/* 10.127.12.13/9 */
		{ "255.255.255.254", 31 },
		{ "0.0.0.0", 0 },
		{ "2001:db8:1::", 61 },		/* 2001:db8:1:2:3:4:5:6/61 */
		{ "2001:db8:1:2:3:4:5:6", 128 },
		{ "::", 0 },
	};
	struct nt_peer **p = t->peers;
	struct trie_stats stats;
	unsigned int i;

	mutex_lock(&t->lock);

	for (i = 0; i < ARRAY_SIZE(static_routes); ++i)
		expect_trie(t, !s_insert(t, static_routes[i].ip, static_routes[i].cidr,
					 p[static_routes[i].peer]), "insert", i);
	for (i = 0; i < ARRAY_SIZE(static_lookups); ++i)
		s_expect(t, static_lookups[i].ip, static_lookups[i].peer < 0 ?
			 NULL : p[static_lookups[i].peer], i);
	check_trie(t, 32, &stats);
	check_trie(t, 128, &stats);

	/* The default routes catch what nothing else does. */
	expect_trie(t, !s_insert(t, "0.0.0.0", 0, p[H]), "insert /0", 4);
	expect_trie(t, !s_insert(t, "::", 0, p[G]), "insert /0", 6);
	s_expect(t, "127.0.0.1", p[H], __LINE__);
	s_expect(t, "192.168.4.4", p[B], __LINE__);
	s_expect(t, "::1", p[G], __LINE__);
	s_expect(t, "2001:db8:1:2::1", p[D], __LINE__);
	s_remove(t, "0.0.0.0", 0, p[H]);
	s_remove(t, "::", 0, p[G]);
	s_expect(t, "127.0.0.1", NULL, __LINE__);
	s_expect(t, "::1", NULL, __LINE__);

	/* An existing range moves to the new owner; host bits are ignored. */
	expect_trie(t, !s_insert(t, "192.168.4.4", 32, p[C]), "move", 0);
	s_expect(t, "192.168.4.4", p[C], __LINE__);
	expect_trie(t, !s_insert(t, "10.1.255.255", 16, p[H]), "move", 1);
	s_expect(t, "10.1.200.1", p[H], __LINE__);
	s_expect(t, "10.1.2.3", p[H], __LINE__);
	expect_trie(t, !s_insert(t, "2001:db8:1:2::", 64, p[A]), "move", 2);
	s_expect(t, "2001:db8:1:2::2", p[A], __LINE__);

	/* Removal takes only the exact range, and only from its owner. */
	s_remove(t, "192.168.0.0", 16, p[A]);
	s_expect(t, "192.168.200.1", p[C], __LINE__);
	s_remove(t, "192.168.0.0", 17, p[C]);
	s_remove(t, "192.168.0.0", 15, p[C]);
	s_expect(t, "192.168.200.1", p[C], __LINE__);
	s_remove(t, "192.168.99.99", 16, p[C]);
	s_expect(t, "192.168.200.1", p[B], __LINE__);	/* 128.0.0.0/1 */
	s_expect(t, "192.168.4.20", p[A], __LINE__);
	s_remove(t, "2001:db8:1:2::1", 128, p[D]);
	s_expect(t, "2001:db8:1:2::1", p[A], __LINE__);
	s_remove(t, "2001:db8:1::", 48, p[A]);
	s_expect(t, "2001:db8:1::1", p[B], __LINE__);
	check_trie(t, 32, &stats);
	check_trie(t, 128, &stats);

	/* Removing a peer leaves nothing of it. */
	nt_allowedips_remove_by_peer(&t->table, p[A], &t->lock);
	expect_trie(t, list_empty(&p[A]->allowedips_list), "A's list", 0);
	s_expect(t, "192.168.4.20", p[B], __LINE__);
	s_expect(t, "10.1.2.2", p[H], __LINE__);
	s_expect(t, "2001:db8::1", NULL, __LINE__);
	s_expect(t, "2001:db8:1:2::2", p[B], __LINE__);
	s_expect(t, "2001:db8:fffe::", NULL, __LINE__);
	s_expect(t, "192.168.4.4", p[C], __LINE__);
	nt_allowedips_remove_by_peer(&t->table, p[C], &t->lock);
	s_expect(t, "192.168.4.4", p[B], __LINE__);
	s_expect(t, "ffff::1", NULL, __LINE__);
	s_remove(t, "128.0.0.0", 1, p[B]);
	s_expect(t, "192.168.4.4", NULL, __LINE__);
	s_expect(t, "192.95.5.66", p[D], __LINE__);
	check_trie(t, 32, &stats);
	check_trie(t, 128, &stats);
	for (i = 0; i < STATIC_PEERS; ++i)
		nt_allowedips_remove_by_peer(&t->table, p[i], &t->lock);
	tries_empty(t);

	/* Read-back in canonical form, in insertion order. */
	expect_trie(t, !s_insert(t, "192.95.5.93", 27, p[A]), "insert", 0);
	expect_trie(t, !s_insert(t, "10.127.12.13", 9, p[A]), "insert", 1);
	expect_trie(t, !s_insert(t, "255.255.255.255", 31, p[A]), "insert", 2);
	expect_trie(t, !s_insert(t, "1.2.3.4", 0, p[A]), "insert", 3);
	expect_trie(t, !s_insert(t, "2001:db8:1:2:3:4:5:6", 61, p[A]), "insert", 4);
	expect_trie(t, !s_insert(t, "2001:db8:1:2:3:4:5:6", 128, p[A]), "insert", 5);
	expect_trie(t, !s_insert(t, "ffff::1", 0, p[A]), "insert", 6);
	expect_read_back(t, p[A], read_back, ARRAY_SIZE(read_back));
	nt_allowedips_remove_by_peer(&t->table, p[A], &t->lock);
	tries_empty(t);

	mutex_unlock(&t->lock);
	return !t->errors;
}

/* Depth: the deepest trie possible, and a long chain of joining nodes. */
static bool __init selftest_depth(struct selftest *t)
{
	struct nt_peer **p = t->peers;
	struct trie_stats stats;
	unsigned int c, f, i, j;
	u64 key[2];
	u8 bits;

	mutex_lock(&t->lock);

	/* Every prefix of the all-ones address, from /0 to full length; an
	 * address with bit c cleared must match exactly the /c range.
	 */
	for (f = 0; f < 2; ++f) {
		bits = f ? 128 : 32;
		for (c = 0; c <= bits; ++c) {
			key[0] = ~0ULL;
			key[1] = ~0ULL;
			key_mask(key, bits);
			expect_trie(t, !t_insert(t, bits, key, c, p[c % 8], NULL),
				    "nested insert", c);
		}
		check_trie(t, bits, &stats);
		expect_trie(t, stats.depth == bits + 1 && stats.nodes == bits + 1,
			    "nested depth", stats.depth);
		for (c = 0; c <= bits; ++c) {
			key[0] = ~0ULL;
			key[1] = ~0ULL;
			key_mask(key, bits);
			if (c < 64)
				key[0] &= ~(1ULL << (63 - c));
			else if (c < 128)
				key[1] &= ~(1ULL << (127 - c));
			expect_trie(t, t_lookup(t, bits, key) == p[c % 8],
				    "nested lookup", c);
		}
		for (i = 0; i < 8; ++i)
			nt_allowedips_remove_by_peer(&t->table, p[i], &t->lock);
		tries_empty(t);
	}

	/* 64 rounds of a /128 that splits the previous one's leaf. */
	for (i = 0; i < 64; ++i) {
		key[0] = ~0ULL;
		key[1] = ~0ULL << i;
		expect_trie(t, !t_insert(t, 128, key, 128, p[i % 8], NULL),
			    "chain insert", i);
		for (j = 0; j <= i; ++j) {
			key[1] = ~0ULL << j;
			expect_trie(t, t_lookup(t, 128, key) == p[j % 8],
				    "chain lookup", j);
		}
		key[1] = 0;
		expect_trie(t, !t_lookup(t, 128, key), "chain miss", i);
		check_trie(t, 128, &stats);
		expect_trie(t, stats.nodes == 2 * i + 1, "chain nodes", stats.nodes);
	}
	for (i = 0; i < 8; ++i)
		nt_allowedips_remove_by_peer(&t->table, p[i], &t->lock);
	tries_empty(t);

	mutex_unlock(&t->lock);
	return !t->errors;
}

/* The naive model: a flat array of ranges. Changes are appended (or mark
 * the entry dead) in O(1) or O(n); before a comparison the array is sorted
 * by (cidr, key, age), only the newest entry of each range is kept, and an
 * exact-match hash index is built over it. A lookup then tries every prefix
 * length from the longest down, masking the address and looking the prefix
 * up in the index: the definition of a longest-prefix match, with nothing
 * of the trie in it.
 */

enum { REF_DEAD = U16_MAX };

struct ref_route {
	u64 key[2];
	u32 seq;
	u16 peer;
	u8 cidr;
};

struct ref_table {
	struct ref_route *routes;
	unsigned int len;
	unsigned int cap;
	unsigned int start[130];	/* of each cidr, once sorted */
	u32 *index;			/* open addressing: route + 1, or 0 */
	unsigned int index_size;	/* a power of two above 2 * len */
	u32 seq;
	u8 bits;
	bool sorted;
};

static bool __init ref_init(struct ref_table *ref, u8 bits, unsigned int cap)
{
	memset(ref, 0, sizeof(*ref));
	ref->bits = bits;
	ref->cap = max(cap, 16U);
	ref->routes = kvmalloc_array(ref->cap, sizeof(*ref->routes),
				     GFP_KERNEL);
	return ref->routes;
}

static void __init ref_uninit(struct ref_table *ref)
{
	kvfree(ref->index);
	kvfree(ref->routes);
}

static unsigned int __init ref_hash(const u64 key[2], u8 cidr)
{
	u64 h = (key[0] ^ cidr) * 0x9e3779b97f4a7c15ULL;

	h = (h ^ key[1] ^ (h >> 29)) * 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 32);
}

/* The route @key/@cidr, or NULL. */
static struct ref_route *__init ref_find(struct ref_table *ref,
					 const u64 key[2], u8 cidr)
{
	unsigned int i = ref_hash(key, cidr);
	struct ref_route *r;

	for (;; ++i) {
		i &= ref->index_size - 1;
		if (!ref->index[i])
			return NULL;
		r = &ref->routes[ref->index[i] - 1];
		if (r->cidr == cidr && r->key[0] == key[0] && r->key[1] == key[1])
			return r;
	}
}

static bool __init ref_same_range(const struct ref_route *a,
				  const struct ref_route *b)
{
	return a->cidr == b->cidr && a->key[0] == b->key[0] &&
	       a->key[1] == b->key[1];
}

static bool __init ref_add(struct ref_table *ref, const u64 key[2], u8 cidr,
			   u16 peer)
{
	struct ref_route *routes;

	if (ref->len == ref->cap) {
		routes = kvmalloc_array(2 * ref->cap, sizeof(*routes),
					GFP_KERNEL);
		if (!routes)
			return false;
		memcpy(routes, ref->routes, ref->len * sizeof(*routes));
		kvfree(ref->routes);
		ref->routes = routes;
		ref->cap *= 2;
	}
	routes = &ref->routes[ref->len++];
	memcpy(routes->key, key, sizeof(routes->key));
	routes->cidr = cidr;
	routes->peer = peer;
	routes->seq = ref->seq++;
	ref->sorted = false;
	return true;
}

/* Removes the range @key/@cidr if @peer owns it: marks its newest entry. */
static void __init ref_remove(struct ref_table *ref, const u64 key[2],
			      u8 cidr, u16 peer)
{
	struct ref_route want = { .key = { key[0], key[1] }, .cidr = cidr };
	struct ref_route *newest = NULL;
	unsigned int i;

	for (i = 0; i < ref->len; ++i) {
		if (ref_same_range(&ref->routes[i], &want) &&
		    (!newest || ref->routes[i].seq > newest->seq))
			newest = &ref->routes[i];
	}
	if (newest && newest->peer == peer) {
		newest->peer = REF_DEAD;
		ref->sorted = false;
	}
}

/* Marking every entry of @peer is right even for entries that a newer one
 * overrides: the newest entry decides either way.
 */
static void __init ref_remove_by_peer(struct ref_table *ref, u16 peer)
{
	unsigned int i;

	for (i = 0; i < ref->len; ++i) {
		if (ref->routes[i].peer == peer) {
			ref->routes[i].peer = REF_DEAD;
			ref->sorted = false;
		}
	}
}

static int __init ref_cmp(const void *a, const void *b)
{
	const struct ref_route *x = a, *y = b;

	if (x->cidr != y->cidr)
		return x->cidr < y->cidr ? -1 : 1;
	if (x->key[0] != y->key[0])
		return x->key[0] < y->key[0] ? -1 : 1;
	if (x->key[1] != y->key[1])
		return x->key[1] < y->key[1] ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return 0;
}

static bool __init ref_sync(struct ref_table *ref)
{
	unsigned int i, n, size;
	struct ref_route *r;
	u8 c;

	if (ref->sorted)
		return true;
	sort(ref->routes, ref->len, sizeof(*ref->routes), ref_cmp, NULL);
	for (i = 0, n = 0; i < ref->len; ++i) {
		r = &ref->routes[i];
		if (i + 1 < ref->len && ref_same_range(r, r + 1))
			continue;
		if (r->peer != REF_DEAD)
			ref->routes[n++] = *r;
	}
	ref->len = n;
	for (i = 0, c = 0; c <= ref->bits; ++c) {
		ref->start[c] = i;
		while (i < n && ref->routes[i].cidr == c)
			++i;
	}
	ref->start[ref->bits + 1] = n;

	for (size = 16; size < 2 * n; size *= 2)
		;
	if (size > ref->index_size) {
		kvfree(ref->index);
		ref->index_size = 0;
		ref->index = kvmalloc_array(size, sizeof(*ref->index),
					    GFP_KERNEL);
		if (!ref->index)
			return false;
		ref->index_size = size;
	}
	memset(ref->index, 0, ref->index_size * sizeof(*ref->index));
	for (n = 0; n < ref->len; ++n) {
		r = &ref->routes[n];
		for (i = ref_hash(r->key, r->cidr);; ++i) {
			i &= ref->index_size - 1;
			if (!ref->index[i])
				break;
		}
		ref->index[i] = n + 1;
	}
	ref->sorted = true;
	return true;
}

/* The owner of the longest range holding @addr: a peer index, or -1. */
static int __init ref_lookup(struct ref_table *ref, const u64 addr[2])
{
	struct ref_route *r;
	u64 key[2];
	int c;

	for (c = ref->bits; c >= 0; --c) {
		if (ref->start[c] == ref->start[c + 1])
			continue;
		memcpy(key, addr, sizeof(key));
		key_mask(key, c);
		r = ref_find(ref, key, c);
		if (r)
			return r->peer;
	}
	return -1;
}

/* A key near the existing ones most of the time, so that ranges nest and
 * share prefixes; otherwise anywhere.
 */
static void __init rand_near_key(struct selftest *t, struct ref_table *ref,
				 u64 key[2])
{
	if (!ref->len || !rand_below(t, 4)) {
		rand_key(t, key, ref->bits);
		return;
	}
	memcpy(key, ref->routes[rand_below(t, ref->len)].key, 2 * sizeof(u64));
	rand_key_from(t, key, rand_below(t, ref->bits + 1), ref->bits);
}

static bool __init random_insert(struct selftest *t, struct ref_table *ref,
				 struct nt_allowedips_pool *pool, bool fresh)
{
	u16 peer = rand_below(t, t->npeers);
	struct ref_route *old;
	u64 key[2], host[2];
	int err;
	u8 cidr;

	if (fresh || !ref->len) {
		rand_near_key(t, ref, key);
		cidr = rand_below(t, ref->bits + 1);
		key_mask(key, cidr);
	} else {
		old = &ref->routes[rand_below(t, ref->len)];
		memcpy(key, old->key, sizeof(key));
		cidr = old->cidr;
	}
	/* Host bits must be ignored: send some. */
	memcpy(host, key, sizeof(host));
	rand_key_from(t, host, cidr, ref->bits);
	if (pool && rand_below(t, 2)) {
		bool v4 = ref->bits == 32;

		if (!expect_trie(t, !nt_allowedips_pool_fill(pool, v4, !v4),
				 "pool fill", 1))
			return false;
	} else {
		pool = NULL;
	}
	err = t_insert(t, ref->bits, host, cidr, t->peers[peer], pool);
	if (!expect_trie(t, !err, "random insert", -err))
		return false;
	return expect_trie(t, ref_add(ref, key, cidr, peer), "model out of memory", 0);
}

static bool __init random_mutation(struct selftest *t, struct ref_table *ref,
				   struct nt_allowedips_pool *pool)
{
	u32 choice = rand_below(t, 20);
	struct ref_route old;
	u64 host[2];

	if (choice < 9 || !ref->len)
		return random_insert(t, ref, pool, true);
	if (choice < 12)
		return random_insert(t, ref, pool, false);
	/* Removal by the owner (most often) or by some other peer. */
	old = ref->routes[rand_below(t, ref->len)];
	if (choice >= 17 || old.peer == REF_DEAD)
		old.peer = rand_below(t, t->npeers);
	memcpy(host, old.key, sizeof(host));
	rand_key_from(t, host, old.cidr, ref->bits);
	t_remove(t, ref->bits, host, old.cidr, t->peers[old.peer]);
	ref_remove(ref, old.key, old.cidr, old.peer);
	return true;
}

static int __init peer_index(struct selftest *t, struct nt_peer *peer)
{
	unsigned int i;

	for (i = 0; peer && i < t->npeers; ++i) {
		if (t->peers[i] == peer)
			return i;
	}
	return -1;
}

/* Compares the trie with the model: structure, owners, then lookups. */
static bool __init compare(struct selftest *t, struct ref_table *ref,
			   unsigned int lookups)
{
	unsigned int i, errors = t->errors;
	struct nt_allowedips_node *node;
	struct trie_stats stats;
	struct ref_route *r;
	u64 addr[2];
	u32 *counts;
	int want;

	if (!expect_trie(t, ref_sync(ref), "out of memory", 0))
		return false;
	check_trie(t, ref->bits, &stats);
	expect_trie(t, stats.owned == ref->len, "owned nodes", stats.owned);

	counts = kcalloc(t->npeers, sizeof(*counts), GFP_KERNEL);
	if (!expect_trie(t, counts, "out of memory", 0))
		return false;
	for (i = 0; i < ref->len; ++i)
		++counts[ref->routes[i].peer];
	for (i = 0; i < t->npeers; ++i) {
		list_for_each_entry(node, &t->peers[i]->allowedips_list,
				    peer_list) {
			if (node->bits != ref->bits)
				continue;
			expect_trie(t, rcu_access_pointer(node->peer) == t->peers[i],
				    "node on the wrong peer's list", i);
			--counts[i];
		}
		expect_trie(t, !counts[i], "peer list length", i);
	}
	kfree(counts);

	for (i = 0; i < lookups; ++i) {
		if (!ref->len || !rand_below(t, 4)) {
			rand_key(t, addr, ref->bits);
		} else {
			r = &ref->routes[rand_below(t, ref->len)];
			memcpy(addr, r->key, sizeof(addr));
			rand_key_from(t, addr, rand_below(t, 2) ? r->cidr :
				      rand_below(t, ref->bits + 1), ref->bits);
		}
		want = ref_lookup(ref, addr);
		if (!expect_trie(t, t_lookup(t, ref->bits, addr) ==
				 (want < 0 ? NULL : t->peers[want]),
				 "lookup differs from the model", i)) {
			pr_err("allowedips self-test: /%u %016llx%016llx: trie %d, model %d\n",
			       ref->bits, addr[0], addr[1],
			       peer_index(t, t_lookup(t, ref->bits, addr)),
			       want);
		}
		if (t->errors - errors > 3)
			break;
		if (!(i % 1024))
			cond_resched();
	}
	return t->errors == errors;
}

static bool __init selftest_random(struct selftest *t,
				   const struct selftest_size *size)
{
	unsigned int i, f, round, every;
	struct nt_allowedips_pool pool;
	struct ref_table *ref;
	u16 *order, tmp;

	/* Not on the stack: the two models take over a kilobyte. */
	ref = kcalloc(2, sizeof(*ref), GFP_KERNEL);
	if (!expect_trie(t, ref, "out of memory", 0))
		return false;
	nt_allowedips_pool_init(&pool);
	if (!expect_trie(t, ref_init(&ref[0], 32, 2 * size->routes) &&
			 ref_init(&ref[1], 128, 2 * size->routes), "out of memory", 0))
		goto out;
	order = kmalloc_array(t->npeers, sizeof(*order), GFP_KERNEL);
	if (!expect_trie(t, order, "out of memory", 0))
		goto out;

	mutex_lock(&t->lock);
	for (f = 0; f < 2; ++f) {
		for (i = 0; i < size->routes && !t->errors; ++i) {
			random_insert(t, &ref[f], &pool, true);
			cond_resched();
		}
	}
	for (round = 0; round < size->rounds && !t->errors; ++round) {
		for (f = 0; f < 2; ++f) {
			for (i = 0; i < size->mutations && !t->errors; ++i) {
				random_mutation(t, &ref[f], &pool);
				cond_resched();
			}
			compare(t, &ref[f], size->lookups);
		}
	}

	/* Remove the peers in random order, comparing now and then. */
	for (i = 0; i < t->npeers; ++i)
		order[i] = i;
	for (i = t->npeers - 1; i > 0; --i) {
		f = rand_below(t, i + 1);
		tmp = order[i];
		order[i] = order[f];
		order[f] = tmp;
	}
	every = max(1U, t->npeers / max(1U, size->removal_checks));
	for (i = 0; i < t->npeers && !t->errors; ++i) {
		nt_allowedips_remove_by_peer(&t->table, t->peers[order[i]],
					     &t->lock);
		ref_remove_by_peer(&ref[0], order[i]);
		ref_remove_by_peer(&ref[1], order[i]);
		expect_trie(t, list_empty(&t->peers[order[i]]->allowedips_list),
			    "list after remove_by_peer", order[i]);
		if (size->removal_checks && !((i + 1) % every)) {
			compare(t, &ref[0], size->lookups / size->removal_checks);
			compare(t, &ref[1], size->lookups / size->removal_checks);
		}
	}
	if (!t->errors)
		tries_empty(t);
	nt_allowedips_free(&t->table, &t->lock);
	mutex_unlock(&t->lock);
	kfree(order);
out:
	nt_allowedips_pool_drain(&pool);
	ref_uninit(&ref[1]);
	ref_uninit(&ref[0]);
	kfree(ref);
	return !t->errors;
}

struct churn_route {
	u64 key[2];
	u8 cidr;
	u8 bits;
	u8 peer;
};

/* Adds many routes and removes them all, over and over: every node must
 * go, joining nodes included (their leak once grew memory forever).
 */
static bool __init selftest_churn(struct selftest *t,
				  const struct selftest_size *size)
{
	unsigned int npeers = min(t->npeers, 8U), cycle, i;
	struct trie_stats stats4, stats6;
	struct churn_route *routes, *r;
	long live;

	routes = kvmalloc_array(size->churn_routes, sizeof(*routes),
				GFP_KERNEL);
	if (!expect_trie(t, routes, "out of memory", 0))
		return false;

	mutex_lock(&t->lock);
	for (cycle = 0; cycle < size->churn_cycles && !t->errors; ++cycle) {
		for (i = 0; i < size->churn_routes && !t->errors; ++i) {
			r = &routes[i];
			r->bits = rand_below(t, 2) ? 128 : 32;
			rand_key(t, r->key, r->bits);
			if (i && routes[i - 1].bits == r->bits) {
				memcpy(r->key, routes[i - 1].key, sizeof(r->key));
				rand_key_from(t, r->key,
					      rand_below(t, r->bits + 1), r->bits);
			}
			r->cidr = rand_below(t, r->bits + 1);
			r->peer = rand_below(t, npeers);
			expect_trie(t, !t_insert(t, r->bits, r->key, r->cidr,
						 t->peers[r->peer], NULL),
				    "churn insert", i);
			cond_resched();
		}
		check_trie(t, 32, &stats4);
		check_trie(t, 128, &stats6);
		expect_trie(t, stats4.nodes + stats6.nodes < 2 * size->churn_routes,
			    "churn: too many nodes", stats4.nodes + stats6.nodes);
		pr_debug("allowedips churn %u: %lu+%lu nodes for %lu+%lu ranges, depth %u/%u\n",
			 cycle, stats4.nodes, stats6.nodes, stats4.owned,
			 stats6.owned, stats4.depth, stats6.depth);

		/* Exact removals newest first (a range inserted twice then
		 * belongs to the newer owner), or whole peers at a time.
		 */
		if (cycle % 2 == 0) {
			for (i = size->churn_routes; i-- > 0;) {
				r = &routes[i];
				t_remove(t, r->bits, r->key, r->cidr,
					 t->peers[r->peer]);
				cond_resched();
			}
		} else {
			for (i = 0; i < npeers; ++i)
				nt_allowedips_remove_by_peer(&t->table,
							     t->peers[i],
							     &t->lock);
		}
		tries_empty(t);
		rcu_barrier();
		live = atomic_long_read(&live_nodes) - t->live_at_start;
		expect_trie(t, !live, "churn: nodes left", live);
	}
	mutex_unlock(&t->lock);
	kvfree(routes);
	return !t->errors;
}

static bool __init selftest_run(const struct selftest_size *size, u64 seed)
{
	struct selftest t;

	if (!selftest_begin(&t, max_t(unsigned int, size->peers, STATIC_PEERS),
			    seed)) {
		pr_err("allowedips self-test: out of memory\n");
		return false;
	}
	selftest_static(&t);
	if (!t.errors)
		selftest_depth(&t);
	if (!t.errors)
		selftest_random(&t, size);
	if (!t.errors)
		selftest_churn(&t, size);
	return selftest_end(&t);
}

/* Build with KCFLAGS=-DNT_ALLOWEDIPS_SELFTEST_FULL for the nightly size. */
bool __init nt_allowedips_selftest(void)
{
#ifdef NT_ALLOWEDIPS_SELFTEST_FULL
	const struct selftest_size *size = &selftest_sizes[SELFTEST_FULL];
#else
	const struct selftest_size *size = &selftest_sizes[SELFTEST_PER_COMMIT];
#endif
	bool ok;

	ok = selftest_run(size, get_random_u64());
	pr_info("allowedips self-tests: %s\n", ok ? "pass" : "fail");
	return ok;
}
