/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel interfaces that module/allowedips.c uses, mapped to plain C so
 * that the file compiles unchanged in userspace. Every <linux/...> header it
 * includes is a one-line file in ../shim/linux/ (shared by the unit tests)
 * that includes this one. What it shares with the other tests' shims
 * (types, attributes, printk, locks, the IP headers) is in ../kcommon.h.
 *
 * RCU, as harsh as a real kernel may legally be:
 *  - call_rcu() outside a read-side section, with no reader thread running,
 *    runs the callback at once, so a writer that touches a node after
 *    handing it to call_rcu() is caught by ASan; with reader threads, the
 *    callbacks run in batches after a grace period;
 *  - inside a section it is deferred to the end of the outermost section;
 *  - reader threads (shim_rcu_register_thread()) publish the grace-period
 *    epoch they entered with; synchronize_rcu() waits until each of them
 *    has left every section that began before it was called.
 * rcu_dereference*() are acquire loads, rcu_assign_pointer() a release
 * store, and the dereference checks abort when neither the lock condition
 * nor a read-side section holds. While reader threads run, readers stall
 * now and then right after loading a pointer and the writer right after
 * publishing one, to widen the race windows (without the stalls, neither
 * freeing a node without a grace period nor publishing a node before its
 * children are set was caught; with them, both are).
 *
 * Node allocations can be made to fail: shim_fail_nth(n) fails the n-th
 * kmem_cache allocation from now on, shim_fail_all(true) every one.
 */
#ifndef NT_SHIM_H
#define NT_SHIM_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../kcommon.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the shim assumes a little-endian host"
#endif

/* Attributes and helpers. */

#define __rcu
#define __init
#define __initconst
#define __exit
#define __printf(a, b) __attribute__((format(printf, a, b)))

#ifdef DEBUG
#define pr_debug(fmt, ...) printf("# " pr_fmt(fmt), ##__VA_ARGS__)
#else
#define pr_debug(fmt, ...) do { } while (0)
#endif

#define U16_MAX ((u16)~0U)
#define min(a, b) ({ __typeof__(a) _a = (a); __typeof__(b) _b = (b); _a < _b ? _a : _b; })
#define max(a, b) ({ __typeof__(a) _a = (a); __typeof__(b) _b = (b); _a > _b ? _a : _b; })
#define min_t(t, a, b) min((t)(a), (t)(b))
#define max_t(t, a, b) max((t)(a), (t)(b))

static inline void shim_fatal(const char *what, const char *file, int line)
{
	fprintf(stderr, "shim: %s at %s:%d\n", what, file, line);
	abort();
}

#define WARN_ON(c) ({ bool _c = (c); if (_c) shim_fatal("WARN_ON(" #c ")", __FILE__, __LINE__); _c; })

/* Bits and bytes. */

static inline int fls64(u64 x)
{
	return x ? 64 - __builtin_clzll(x) : 0;
}

#define be32_to_cpu(x) __builtin_bswap32(x)
#define cpu_to_be32(x) __builtin_bswap32(x)
#define be64_to_cpu(x) __builtin_bswap64(x)
#define cpu_to_be64(x) __builtin_bswap64(x)

static inline void *memchr_inv(const void *s, int c, size_t n)
{
	const u8 *p = s;

	for (; n; ++p, --n) {
		if (*p != (u8)c)
			return (void *)p;
	}
	return NULL;
}

static inline int in4_pton(const char *src, int srclen, u8 *dst, int delim,
			   const char **end)
{
	(void)srclen, (void)delim, (void)end;
	return inet_pton(AF_INET, src, dst) == 1;
}

static inline int in6_pton(const char *src, int srclen, u8 *dst, int delim,
			   const char **end)
{
	(void)srclen, (void)delim, (void)end;
	return inet_pton(AF_INET6, src, dst) == 1;
}

/* Atomics. */

typedef struct { long counter; } atomic_long_t;
#define ATOMIC_LONG_INIT(i) { (i) }
#define atomic_long_inc(v) __atomic_add_fetch(&(v)->counter, 1, __ATOMIC_SEQ_CST)
#define atomic_long_dec(v) __atomic_sub_fetch(&(v)->counter, 1, __ATOMIC_SEQ_CST)
#define atomic_long_add(i, v) __atomic_add_fetch(&(v)->counter, (i), __ATOMIC_SEQ_CST)
#define atomic_long_sub(i, v) __atomic_sub_fetch(&(v)->counter, (i), __ATOMIC_SEQ_CST)
#define atomic_long_read(v) __atomic_load_n(&(v)->counter, __ATOMIC_SEQ_CST)

/* Lists. */

struct list_head {
	struct list_head *next, *prev;
};

static inline void INIT_LIST_HEAD(struct list_head *h)
{
	h->next = h;
	h->prev = h;
}

static inline void shim_list_insert(struct list_head *e, struct list_head *prev,
				    struct list_head *next)
{
	if (prev->next != next || next->prev != prev)
		shim_fatal("list corruption on insert", __FILE__, __LINE__);
	next->prev = e;
	e->next = next;
	e->prev = prev;
	prev->next = e;
}

static inline void list_add(struct list_head *e, struct list_head *h)
{
	shim_list_insert(e, h, h->next);
}

static inline void list_add_tail(struct list_head *e, struct list_head *h)
{
	shim_list_insert(e, h->prev, h);
}

static inline void shim_list_unlink(struct list_head *e)
{
	if (e->prev->next != e || e->next->prev != e)
		shim_fatal("list corruption on delete", __FILE__, __LINE__);
	e->next->prev = e->prev;
	e->prev->next = e->next;
}

/* Poisoned like the kernel's, so a second deletion crashes. */
static inline void list_del(struct list_head *e)
{
	shim_list_unlink(e);
	e->next = (struct list_head *)0x100;
	e->prev = (struct list_head *)0x122;
}

static inline void list_del_init(struct list_head *e)
{
	shim_list_unlink(e);
	INIT_LIST_HEAD(e);
}

static inline void list_move_tail(struct list_head *e, struct list_head *h)
{
	shim_list_unlink(e);
	list_add_tail(e, h);
}

static inline bool list_empty(const struct list_head *h)
{
	return h->next == h;
}

#define list_entry(ptr, type, member) container_of(ptr, type, member)
#define list_first_entry(h, type, member) list_entry((h)->next, type, member)
#define list_next_entry(pos, member) \
	list_entry((pos)->member.next, __typeof__(*(pos)), member)
#define list_for_each_entry(pos, h, member) \
	for (pos = list_first_entry(h, __typeof__(*pos), member); \
	     &pos->member != (h); pos = list_next_entry(pos, member))
#define list_for_each_entry_safe(pos, n, h, member) \
	for (pos = list_first_entry(h, __typeof__(*pos), member), \
	     n = list_next_entry(pos, member); &pos->member != (h); \
	     pos = n, n = list_next_entry(n, member))

/* RCU. */

struct rcu_head {
	struct rcu_head *next;
	void (*func)(struct rcu_head *head);
};

struct shim_rcu_reader {
	unsigned long epoch;	/* 0 outside a read-side section */
};

enum { SHIM_RCU_MAX_READERS = 16 };
static unsigned long shim_rcu_gp = 1;
static struct shim_rcu_reader *shim_rcu_readers[SHIM_RCU_MAX_READERS];
static int shim_rcu_nreaders;
static pthread_mutex_t shim_rcu_register_lock = PTHREAD_MUTEX_INITIALIZER;
static __thread int shim_rcu_nesting;
static __thread struct shim_rcu_reader *shim_rcu_self;
static __thread struct rcu_head *shim_rcu_deferred;

/* For the test's reader threads; the kernel has no such call. */
static inline void shim_rcu_register_thread(struct shim_rcu_reader *r)
{
	r->epoch = 0;
	shim_rcu_self = r;
	pthread_mutex_lock(&shim_rcu_register_lock);
	if (shim_rcu_nreaders == SHIM_RCU_MAX_READERS)
		shim_fatal("too many reader threads", __FILE__, __LINE__);
	__atomic_store_n(&shim_rcu_readers[shim_rcu_nreaders], r, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&shim_rcu_nreaders, 1, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&shim_rcu_register_lock);
}

static inline void shim_rcu_unregister_thread(void)
{
	int i, n;

	pthread_mutex_lock(&shim_rcu_register_lock);
	n = shim_rcu_nreaders;
	for (i = 0; i < n; ++i) {
		if (shim_rcu_readers[i] == shim_rcu_self) {
			shim_rcu_readers[i] = shim_rcu_readers[n - 1];
			__atomic_sub_fetch(&shim_rcu_nreaders, 1, __ATOMIC_SEQ_CST);
			break;
		}
	}
	pthread_mutex_unlock(&shim_rcu_register_lock);
	shim_rcu_self = NULL;
}

static inline void synchronize_rcu(void)
{
	unsigned long gp, epoch;
	int i;

	if (shim_rcu_nesting)
		shim_fatal("synchronize_rcu() in a read-side section", __FILE__, __LINE__);
	gp = __atomic_add_fetch(&shim_rcu_gp, 1, __ATOMIC_SEQ_CST);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	pthread_mutex_lock(&shim_rcu_register_lock);
	for (i = 0; i < shim_rcu_nreaders; ++i) {
		for (;;) {
			epoch = __atomic_load_n(&shim_rcu_readers[i]->epoch,
						__ATOMIC_ACQUIRE);
			if (!epoch || epoch >= gp)
				break;
			sched_yield();
		}
	}
	pthread_mutex_unlock(&shim_rcu_register_lock);
}

/* After a grace period, run and empty @list; false if it was empty. */
static inline bool shim_rcu_run_list(struct rcu_head **list)
{
	struct rcu_head *head;

	if (!*list)
		return false;
	synchronize_rcu();
	while ((head = *list)) {
		*list = head->next;
		head->func(head);
	}
	return true;
}

static inline void shim_rcu_run_deferred(void)
{
	shim_rcu_run_list(&shim_rcu_deferred);
}

static inline void rcu_read_lock(void)
{
	if (shim_rcu_nesting++ == 0 && shim_rcu_self) {
		__atomic_store_n(&shim_rcu_self->epoch,
				 __atomic_load_n(&shim_rcu_gp, __ATOMIC_SEQ_CST),
				 __ATOMIC_SEQ_CST);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	}
}

static inline void rcu_read_unlock(void)
{
	if (shim_rcu_nesting <= 0)
		shim_fatal("unbalanced rcu_read_unlock()", __FILE__, __LINE__);
	if (--shim_rcu_nesting == 0) {
		if (shim_rcu_self)
			__atomic_store_n(&shim_rcu_self->epoch, 0, __ATOMIC_RELEASE);
		shim_rcu_run_deferred();
	}
}

#define rcu_read_lock_bh() rcu_read_lock()
#define rcu_read_unlock_bh() rcu_read_unlock()

static inline bool rcu_read_lock_held(void)
{
	return shim_rcu_nesting > 0;
}

#define rcu_read_lock_bh_held() rcu_read_lock_held()

/* With reader threads about, callbacks are batched: one grace period
 * for every SHIM_RCU_BATCH of them, as the kernel batches them too.
 */
enum { SHIM_RCU_BATCH = 64 };
static struct rcu_head *shim_rcu_batch;
static unsigned int shim_rcu_batch_len;

static inline void shim_rcu_flush(void)
{
	if (shim_rcu_run_list(&shim_rcu_batch))
		shim_rcu_batch_len = 0;
}

static inline void call_rcu(struct rcu_head *head,
			    void (*func)(struct rcu_head *head))
{
	head->func = func;
	if (shim_rcu_nesting) {
		head->next = shim_rcu_deferred;
		shim_rcu_deferred = head;
		return;
	}
	if (!__atomic_load_n(&shim_rcu_nreaders, __ATOMIC_SEQ_CST) && !shim_rcu_batch) {
		func(head);
		return;
	}
	head->next = shim_rcu_batch;
	shim_rcu_batch = head;
	if (++shim_rcu_batch_len >= SHIM_RCU_BATCH)
		shim_rcu_flush();
}

/* Runs every callback queued outside a read-side section (only the writer
 * thread queues those).
 */
static inline void rcu_barrier(void)
{
	if (shim_rcu_nesting)
		shim_fatal("rcu_barrier() in a read-side section", __FILE__, __LINE__);
	shim_rcu_flush();
}

/* Reader threads stall now and then right after loading a pointer, as a
 * preempted or interrupted reader would, to widen every race window.
 */
static __thread unsigned int shim_rcu_loads;

static inline void shim_rcu_reader_stall(void)
{
	volatile unsigned int spin;

	if (!shim_rcu_self)
		return;
	++shim_rcu_loads;
	if (!(shim_rcu_loads % 4096))
		sched_yield();
	else if (!(shim_rcu_loads % 64))
		for (spin = 0; spin < 2000; ++spin)
			;
}

#define rcu_access_pointer(p) __atomic_load_n(&(p), __ATOMIC_RELAXED)
#define rcu_dereference_check(p, c) ({ \
	__typeof__(*(p)) *_p; \
	if (!((c) || rcu_read_lock_held())) \
		shim_fatal("rcu_dereference outside a read-side section", __FILE__, __LINE__); \
	_p = __atomic_load_n(&(p), __ATOMIC_ACQUIRE); \
	shim_rcu_reader_stall(); \
	_p; })
#define rcu_dereference_protected(p, c) ({ \
	if (!(c)) \
		shim_fatal("rcu_dereference_protected without the lock", __FILE__, __LINE__); \
	__atomic_load_n(&(p), __ATOMIC_RELAXED); })
/* And the writer stalls now and then right after publishing a pointer, so
 * that readers get to see whatever it has left half-done.
 */
static unsigned int shim_rcu_stores;

static inline void shim_rcu_writer_stall(void)
{
	volatile unsigned int spin;

	if (!__atomic_load_n(&shim_rcu_nreaders, __ATOMIC_RELAXED) ||
	    shim_rcu_self || ++shim_rcu_stores % 16)
		return;
	if (!(shim_rcu_stores % 1024))
		sched_yield();
	else
		for (spin = 0; spin < 2000; ++spin)
			;
}

/* Called after every pointer store when set: the test uses it to look at
 * each state that a reader could find the trie in.
 */
static void (*shim_rcu_publish_hook)(void);

static inline void shim_rcu_published(void)
{
	static bool running;

	if (shim_rcu_publish_hook && !running) {
		running = true;
		shim_rcu_publish_hook();
		running = false;
	}
}

#define rcu_assign_pointer(p, v) do { \
	__atomic_store_n(&(p), (__typeof__(p))(v), __ATOMIC_RELEASE); \
	shim_rcu_writer_stall(); \
	shim_rcu_published(); \
} while (0)
#define RCU_INIT_POINTER(p, v) do { \
	__atomic_store_n(&(p), (__typeof__(p))(v), __ATOMIC_RELAXED); \
	shim_rcu_published(); \
} while (0)

/* Memory. */

static long shim_fail_countdown;	/* 0: off */
static bool shim_fail_every;

static inline void shim_fail_nth(long n)
{
	shim_fail_countdown = n;
}

static inline void shim_fail_all(bool on)
{
	shim_fail_every = on;
}

static inline bool shim_should_fail(void)
{
	if (shim_fail_every)
		return true;
	return shim_fail_countdown > 0 && --shim_fail_countdown == 0;
}

#define GFP_KERNEL_ACCOUNT GFP_KERNEL
#define kmalloc(n, gfp) malloc(n)
#define kmalloc_array(n, s, gfp) shim_malloc_array(n, s)
#define kvmalloc_array(n, s, gfp) shim_malloc_array(n, s)

static inline void *shim_malloc_array(size_t n, size_t s)
{
	size_t bytes;

	if (__builtin_mul_overflow(n, s, &bytes))
		return NULL;
	return malloc(bytes ? bytes : 1);
}

struct kmem_cache {
	const char *name;
	size_t size;
	long live;
};

static bool shim_cache_leaked;

static inline struct kmem_cache *kmem_cache_create(const char *name, size_t size,
						   size_t align, unsigned long flags,
						   void (*ctor)(void *))
{
	struct kmem_cache *c = calloc(1, sizeof(*c));

	(void)align, (void)flags, (void)ctor;
	if (c) {
		c->name = name;
		c->size = size;
	}
	return c;
}

#define KMEM_CACHE(s, flags) \
	kmem_cache_create(#s, sizeof(struct s), __alignof__(struct s), (flags), NULL)

static inline void *kmem_cache_zalloc(struct kmem_cache *c, gfp_t gfp)
{
	void *p;

	(void)gfp;
	if (shim_should_fail())
		return NULL;
	p = calloc(1, c->size);
	if (p)
		__atomic_add_fetch(&c->live, 1, __ATOMIC_RELAXED);
	return p;
}

static inline void kmem_cache_free(struct kmem_cache *c, void *p)
{
	__atomic_sub_fetch(&c->live, 1, __ATOMIC_RELAXED);
	free(p);
}

/*
 * As the kernel's: all @n objects or none (0). Each object counts as one
 * allocation for shim_fail_nth(); the memory is always zeroed, so the
 * callers' __GFP_ZERO needs no meaning here.
 */
#define __GFP_ZERO 0U

static inline int kmem_cache_alloc_bulk(struct kmem_cache *c, gfp_t gfp,
					size_t n, void **p)
{
	size_t i;

	for (i = 0; i < n; i++) {
		p[i] = kmem_cache_zalloc(c, gfp);
		if (!p[i]) {
			while (i--)
				kmem_cache_free(c, p[i]);
			return 0;
		}
	}
	return (int)n;
}

static inline void kmem_cache_free_bulk(struct kmem_cache *c, size_t n,
					void **p)
{
	while (n--)
		kmem_cache_free(c, p[n]);
}

/* As the kernel does, complain about objects still allocated. */
static inline void kmem_cache_destroy(struct kmem_cache *c)
{
	if (!c)
		return;
	if (c->live) {
		fprintf(stdout, "# kmem_cache_destroy %s: %ld objects remaining\n",
			c->name, c->live);
		shim_cache_leaked = true;
	}
	free(c);
}

static inline void cond_resched(void)
{
}

/* Sorting and random numbers. */

static inline void sort(void *base, size_t num, size_t size,
			int (*cmp)(const void *, const void *),
			void (*swap)(void *, void *, int))
{
	(void)swap;
	qsort(base, num, size, cmp);
}

struct rnd_state {
	u64 s;
};

static inline void prandom_seed_state(struct rnd_state *st, u64 seed)
{
	st->s = seed;
}

/* splitmix64: not the kernel's generator, but any decent one will do. */
static inline u64 shim_splitmix64(u64 *s)
{
	u64 z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static inline u32 prandom_u32_state(struct rnd_state *st)
{
	return shim_splitmix64(&st->s) >> 32;
}

/* Seeded by the test (shim_random_seed), so that a run can be repeated. */
static u64 shim_random_state;

static inline u64 get_random_u64(void)
{
	return shim_splitmix64(&shim_random_state);
}

/* Packets: just what ip_hdr() and ipv6_hdr() need. */

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD

struct sk_buff {
	__be16 protocol;
	unsigned char *head;
	u16 network_header;
};

#endif /* NT_SHIM_H */
