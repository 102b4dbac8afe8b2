/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel interfaces that module/ratelimiter.c uses, mapped to plain C so
 * that it compiles unchanged in userspace. Every kernel header it includes
 * is a one-line file under ../shim/ (shared by the unit tests) that
 * includes this one. What it shares with the other tests' shims (types,
 * attributes, printk, locks, the IP headers) is in ../kcommon.h.
 *
 * - Time: ktime_get_coarse_boottime_ns() reads shim_now_ns, which the test
 *   sets and advances (atomically, for the threaded test).
 * - Memory: totalram_pages() returns shim_ram_pages. kmalloc() fails while
 *   shim_fail_kmalloc is set.
 * - Locks: ../kcommon.h's, which lockdep really checks.
 * - RCU: a read-side section holds a process-wide rwlock for reading, and
 *   the RCU list walks abort outside both a section and the lock they name.
 *   kfree_rcu() queues the object; shim_rcu_quiesce() (also called by
 *   synchronize_rcu()) takes the queue, waits for every reader by taking
 *   the rwlock for writing, and only then frees it. So an object used after
 *   a grace period that followed its kfree_rcu() is caught by ASan.
 * - Workqueues: queue_delayed_work() only marks the work pending; the test
 *   runs it with shim_run_delayed_work().
 * - siphash: a plain SipHash-2-4 (test-only; any keyed hash would do).
 */
#ifndef NT_KSHIM_H
#define NT_KSHIM_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../kcommon.h"

/* Limits and helpers. */

#define BIT_ULL(n) (1ULL << (n))

#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
#define min_t(t, a, b) ((t)(a) < (t)(b) ? (t)(a) : (t)(b))

#define READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

#define NSEC_PER_SEC 1000000000L
#define NSEC_PER_MSEC 1000000L
#define HZ 250
#define PAGE_SHIFT 12
#define SZ_16K 0x4000UL
#define SZ_1G 0x40000000UL
#define ETH_P_IP 0x0800
#define ETH_P_ARP 0x0806
#define ETH_P_IPV6 0x86DD

#define pr_debug(fmt, ...) do { if (0) printf(fmt, ##__VA_ARGS__); } while (0)

#define WARN_ON(cond) ({						\
		bool __c = (cond);					\
		if (__c) {						\
			fprintf(stderr, "WARN_ON(%s) at %s:%d\n", #cond, \
				__FILE__, __LINE__);			\
			abort();					\
		}							\
		__c;							\
	})

static inline u64 div_u64(u64 n, u32 d)
{
	return n / d;
}

static inline unsigned long roundup_pow_of_two(unsigned long n)
{
	unsigned long p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

static inline void cond_resched(void)
{
}

/* Time and memory, as the test sets them. */

extern u64 shim_now_ns;
extern unsigned long shim_ram_pages;
extern bool shim_fail_kmalloc;

static inline u64 ktime_get_coarse_boottime_ns(void)
{
	return __atomic_load_n(&shim_now_ns, __ATOMIC_RELAXED);
}

static inline unsigned long totalram_pages(void)
{
	return shim_ram_pages;
}

void get_random_bytes(void *buf, size_t len);

/* Allocation. */

#define __GFP_NOWARN 2U

static inline void *kmalloc(size_t size, gfp_t gfp)
{
	return __atomic_load_n(&shim_fail_kmalloc, __ATOMIC_RELAXED) ?
		NULL : malloc(size);
}

static inline void *kvcalloc(size_t n, size_t size, gfp_t gfp)
{
	return calloc(n, size);
}

/* RCU. */

struct rcu_head {
	struct rcu_head *next;
	void *object;
};

extern pthread_rwlock_t shim_rcu_lock;
extern __thread int shim_rcu_depth;

static inline void rcu_read_lock(void)
{
	if (!shim_rcu_depth++)
		pthread_rwlock_rdlock(&shim_rcu_lock);
}

/*
 * If set, called (once, then cleared) after the next rcu_read_unlock(): lets
 * a test play "another CPU" at that exact point.
 */
extern void (*shim_after_rcu_read_unlock)(void);

static inline void rcu_read_unlock(void)
{
	void (*hook)(void) = shim_after_rcu_read_unlock;

	if (!--shim_rcu_depth)
		pthread_rwlock_unlock(&shim_rcu_lock);
	if (hook) {
		shim_after_rcu_read_unlock = NULL;
		hook();
	}
}

void shim_call_rcu_free(struct rcu_head *head, void *object);
void shim_rcu_quiesce(void);
#define kfree_rcu(ptr, field) shim_call_rcu_free(&(ptr)->field, (ptr))
#define synchronize_rcu() shim_rcu_quiesce()

/* Lists: the RCU variants publish with release stores, read with acquire. */

struct hlist_node {
	struct hlist_node *next, **pprev;
};

struct hlist_head {
	struct hlist_node *first;
};

static inline bool hlist_empty(const struct hlist_head *h)
{
	return !__atomic_load_n(&h->first, __ATOMIC_RELAXED);
}

static inline void hlist_add_head_rcu(struct hlist_node *n,
				      struct hlist_head *h)
{
	struct hlist_node *first = h->first;

	n->next = first;
	n->pprev = &h->first;
	__atomic_store_n(&h->first, n, __ATOMIC_RELEASE);
	if (first)
		first->pprev = &n->next;
}

static inline void hlist_del_rcu(struct hlist_node *n)
{
	struct hlist_node *next = n->next;

	__atomic_store_n(n->pprev, next, __ATOMIC_RELEASE);
	if (next)
		next->pprev = n->pprev;
	n->pprev = (struct hlist_node **)0x122;	/* poison */
}

#define shim_hlist_entry(ptr, type, member) \
	((ptr) ? container_of(ptr, type, member) : NULL)
#define shim_next_rcu(ptr) __atomic_load_n(&(ptr), __ATOMIC_ACQUIRE)

#define hlist_for_each_entry_rcu(pos, head, member, cond)		\
	for (({ if (!shim_rcu_depth && !(cond)) {			\
			fprintf(stderr, "RCU list walked unprotected in %s\n", \
				__func__);				\
			abort(); } }),					\
	     pos = shim_hlist_entry(shim_next_rcu((head)->first),	\
				    __typeof__(*pos), member);		\
	     pos;							\
	     pos = shim_hlist_entry(shim_next_rcu(pos->member.next),	\
				    __typeof__(*pos), member))

#define hlist_for_each_entry(pos, head, member)				\
	for (pos = shim_hlist_entry((head)->first, __typeof__(*pos), member); \
	     pos;							\
	     pos = shim_hlist_entry(pos->member.next, __typeof__(*pos), member))

#define hlist_for_each_entry_safe(pos, n, head, member)			\
	for (pos = shim_hlist_entry((head)->first, __typeof__(*pos), member); \
	     pos && ({ n = pos->member.next; 1; });			\
	     pos = shim_hlist_entry(n, __typeof__(*pos), member))

/* Workqueues: run by hand. */

struct work_struct {
	void (*func)(struct work_struct *work);
};

struct delayed_work {
	struct work_struct work;
	bool pending;
};

struct workqueue_struct;
#define system_power_efficient_wq ((struct workqueue_struct *)NULL)

#define INIT_DELAYED_WORK(dw, fn) do {					\
		(dw)->work.func = (fn);					\
		(dw)->pending = false;					\
	} while (0)

static inline struct delayed_work *to_delayed_work(struct work_struct *work)
{
	return container_of(work, struct delayed_work, work);
}

static inline bool queue_delayed_work(struct workqueue_struct *wq,
				      struct delayed_work *dw,
				      unsigned long delay)
{
	return !__atomic_exchange_n(&dw->pending, true, __ATOMIC_ACQ_REL);
}

static inline bool cancel_delayed_work_sync(struct delayed_work *dw)
{
	return __atomic_exchange_n(&dw->pending, false, __ATOMIC_ACQ_REL);
}

/* Runs @dw if it is pending, as the workqueue would; true if it ran. */
static inline bool shim_run_delayed_work(struct delayed_work *dw)
{
	if (!__atomic_exchange_n(&dw->pending, false, __ATOMIC_ACQ_REL))
		return false;
	dw->work.func(&dw->work);
	return true;
}

/* siphash. */

typedef struct {
	u64 key[2];
} siphash_key_t;

u64 siphash_3u64(u64 a, u64 b, u64 c, const siphash_key_t *key);

/* Packets. */

struct net;

struct sk_buff {
	__be16 protocol;
	unsigned char *head;
	unsigned char *data;
	unsigned int len;
	unsigned int size;
	unsigned int network_header;
};

struct sk_buff *alloc_skb(unsigned int size, gfp_t gfp);
void kfree_skb(struct sk_buff *skb);

static inline void skb_reset_network_header(struct sk_buff *skb)
{
	skb->network_header = skb->data - skb->head;
}

static inline void *skb_put_data(struct sk_buff *skb, const void *data,
				 unsigned int len)
{
	void *tail = skb->data + skb->len;

	if (skb->len + len > skb->size)
		abort();
	memcpy(tail, data, len);
	skb->len += len;
	return tail;
}

static inline bool ipv6_addr_v4mapped(const struct in6_addr *a)
{
	return !a->s6_addr32[0] && !a->s6_addr32[1] &&
	       a->s6_addr32[2] == htonl(0x0000ffff);
}

#endif /* NT_KSHIM_H */
