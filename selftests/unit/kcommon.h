/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the kshim.h of the unit tests of module/ code share: the kernel's
 * integer types, the attributes and small macros every file uses, printk as
 * KTAP diagnostics, the C library's allocator, spinlocks and mutexes that
 * lockdep can really check, and the IP headers as the kernel lays them out. Each kshim.h includes it
 * first, then maps what its own code under test uses.
 */
#ifndef NT_KCOMMON_H
#define NT_KCOMMON_H

#include <netinet/ip.h>		/* struct iphdr, the kernel's layout */
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Types and attributes. */

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef unsigned long long u64;	/* as in the kernel, for printf */
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef long long s64;
typedef uint16_t __le16;
typedef uint32_t __le32;
typedef unsigned long long __le64;
typedef uint16_t __be16;
typedef uint32_t __be32;
typedef unsigned long long __be64;
typedef unsigned int gfp_t;

#define KBUILD_MODNAME "noisetun"
#define __force
#define __must_check __attribute__((warn_unused_result))
#define __maybe_unused __attribute__((unused))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define BUILD_BUG_ON(cond) _Static_assert(!(cond), #cond)
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

/* printk: messages become KTAP diagnostics. */

#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif
#define pr_info(fmt, ...) printf("# " pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err(fmt, ...) printf("# " pr_fmt(fmt), ##__VA_ARGS__)

/* Allocation (each kshim.h has its own kmalloc(), some failing on cue). */

#define GFP_KERNEL 0U
#define GFP_ATOMIC 1U

static inline void *kzalloc(size_t size, gfp_t gfp)
{
	return calloc(1, size);
}

static inline void *kcalloc(size_t n, size_t size, gfp_t gfp)
{
	return calloc(n, size);
}

static inline void kfree(const void *p)
{
	free((void *)p);
}

static inline void kvfree(const void *p)
{
	free((void *)p);
}

/*
 * Locks: spinlock_t and struct mutex are a pthread mutex that remembers its
 * owner, so that lockdep_assert_held() and lockdep_is_held() really check
 * (and a threaded test exercises the locking for real).
 */

struct shim_lock {
	pthread_mutex_t mutex;
	pthread_t owner;
	bool held;
};

static inline void shim_lock_init(struct shim_lock *l)
{
	pthread_mutex_init(&l->mutex, NULL);
	l->held = false;
}

static inline void shim_lock(struct shim_lock *l)
{
	pthread_mutex_lock(&l->mutex);
	l->owner = pthread_self();
	__atomic_store_n(&l->held, true, __ATOMIC_RELAXED);
}

static inline void shim_unlock(struct shim_lock *l)
{
	__atomic_store_n(&l->held, false, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&l->mutex);
}

static inline bool shim_lock_is_mine(const struct shim_lock *l)
{
	return __atomic_load_n(&l->held, __ATOMIC_RELAXED) &&
	       pthread_equal(l->owner, pthread_self());
}

typedef struct {
	struct shim_lock l;
} spinlock_t;

struct mutex {
	struct shim_lock l;
};

#define DEFINE_MUTEX(name) struct mutex name = { { PTHREAD_MUTEX_INITIALIZER } }

static inline void spin_lock_init(spinlock_t *lock)
{
	shim_lock_init(&lock->l);
}

static inline void spin_lock_bh(spinlock_t *lock)
{
	shim_lock(&lock->l);
}

static inline void spin_unlock_bh(spinlock_t *lock)
{
	shim_unlock(&lock->l);
}

static inline void mutex_init(struct mutex *lock)
{
	shim_lock_init(&lock->l);
}

static inline void mutex_destroy(struct mutex *lock)
{
	pthread_mutex_destroy(&lock->l.mutex);
}

static inline void mutex_lock(struct mutex *lock)
{
	shim_lock(&lock->l);
}

static inline void mutex_unlock(struct mutex *lock)
{
	shim_unlock(&lock->l);
}

/* Of a spinlock_t or a struct mutex. */
#define lockdep_is_held(lock) shim_lock_is_mine(&(lock)->l)
#define lockdep_assert_held(lock) do {					\
		if (!lockdep_is_held(lock)) {				\
			fprintf(stderr, "%s: lock not held\n", __func__); \
			abort();					\
		}							\
	} while (0)

/* Packets: the IPv6 header beside struct iphdr; ip_hdr() and ipv6_hdr(). */

struct ipv6hdr {
	u8 priority:4, version:4;
	u8 flow_lbl[3];
	__be16 payload_len;
	u8 nexthdr;
	u8 hop_limit;
	struct in6_addr saddr;
	struct in6_addr daddr;
};

/* Each kshim.h's struct sk_buff has these two fields. */
#define ip_hdr(skb) ((struct iphdr *)((skb)->head + (skb)->network_header))
#define ipv6_hdr(skb) ((struct ipv6hdr *)((skb)->head + (skb)->network_header))

#endif /* NT_KCOMMON_H */
