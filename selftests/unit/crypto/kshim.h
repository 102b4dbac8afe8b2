/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Just enough of the kernel's interfaces, in userspace, to compile
 * crypto/crypto.c and crypto/noise_core.c unchanged, together with the
 * kernel's own BLAKE2s (lib/crypto/blake2s.c and blake2s-generic.c from
 * linux-source-6.1) and the kernel's own crypto headers.
 *
 * Only the primitives behind <crypto/chacha20poly1305.h> and
 * <crypto/curve25519.h> come from elsewhere: glue.c implements the kernel's
 * declarations of them with libsodium.  Every header under ../shim/linux,
 * ../shim/asm and ../shim/crypto includes this file and nothing else
 * (but crypto/{algapi,chacha,poly1305}.h, which declare what glue.c has).
 */

#ifndef NT_KSHIM_H
#define NT_KSHIM_H

#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int32_t s32;
typedef int64_t s64;
typedef uint16_t __le16;
typedef uint32_t __le32;
typedef uint32_t __be32;
typedef uint64_t __le64;
typedef uint64_t __be64;
typedef s64 time64_t;

#define __must_check __attribute__((warn_unused_result))
#define __always_unused __attribute__((unused))
#define __maybe_unused __attribute__((unused))
#define __aligned(x) __attribute__((aligned(x)))
#define __weak __attribute__((weak))
#define __alias(sym) __attribute__((alias(#sym)))
#define __init
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define static_assert(expr, ...) _Static_assert(expr, #expr)
#define BUILD_BUG_ON(cond) _Static_assert(!(cond), #cond)
#define BIT(nr) (1UL << (nr))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define NSEC_PER_SEC 1000000000L

/*
 * IS_ENABLED() for the few options the compiled code asks about, spelled
 * out so that an option nobody thought of fails to compile instead of
 * quietly reading as "off".
 */
#define IS_ENABLED(option) NT_SHIM_IS_ENABLED_##option
#define NT_SHIM_IS_ENABLED_DEBUG 1
#define NT_SHIM_IS_ENABLED_CONFIG_CRYPTO_ARCH_HAVE_LIB_CURVE25519 0
#define NT_SHIM_IS_ENABLED_CONFIG_CRYPTO_MANAGER_DISABLE_TESTS 0

/* A WARN_ON() is counted, and the test run fails if any fired. */
extern unsigned int nt_shim_warnings;
#define WARN_ON(cond) ({						\
	int __warned = !!(cond);					\
	if (__warned) {							\
		nt_shim_warnings++;					\
		fprintf(stderr, "WARN_ON(%s) at %s:%d\n", #cond,	\
			__FILE__, __LINE__);				\
	}								\
	__warned;							\
})

#define EXPORT_SYMBOL(sym)
#define MODULE_LICENSE(x)
#define MODULE_DESCRIPTION(x)
#define MODULE_AUTHOR(x)
#define module_init(fn) \
	static int (*nt_shim_init_##fn)(void) __attribute__((unused)) = fn

static inline void memzero_explicit(void *s, size_t n)
{
	memset(s, 0, n);
	__asm__ __volatile__("" : : "r"(s) : "memory");
}

static inline u32 ror32(u32 word, unsigned int shift)
{
	return (word >> (shift & 31)) | (word << ((-shift) & 31));
}

#define cpu_to_le32(x) htole32(x)
#define le32_to_cpu(x) le32toh(x)
#define cpu_to_le64(x) htole64(x)
#define le64_to_cpu(x) le64toh(x)
#define cpu_to_be32(x) htobe32(x)
#define cpu_to_be64(x) htobe64(x)

static inline void cpu_to_le32_array(u32 *buf, unsigned int words)
{
	while (words--) {
		*buf = htole32(*buf);
		buf++;
	}
}

static inline void le32_to_cpu_array(u32 *buf, unsigned int words)
{
	while (words--) {
		*buf = le32toh(*buf);
		buf++;
	}
}

/* crypto_memneq(): no early exit, like the kernel's. */
static inline unsigned long crypto_memneq(const void *a, const void *b,
					  size_t size)
{
	const u8 *x = a, *y = b;
	unsigned long neq = 0;

	while (size--)
		neq |= *x++ ^ *y++;
	return neq;
}

struct timespec64 {
	time64_t tv_sec;
	long tv_nsec;
};

void ktime_get_real_ts64(struct timespec64 *ts);
int get_random_bytes_wait(void *buf, size_t len);

/* A scatterlist is an array of (buffer, length) ending at .end. */
struct scatterlist {
	void *buf;
	unsigned int length;
	bool end;
};

static inline void sg_init_table(struct scatterlist *sg, unsigned int n)
{
	memset(sg, 0, n * sizeof(*sg));
	sg[n - 1].end = true;
}

static inline void sg_set_buf(struct scatterlist *sg, const void *buf,
			      unsigned int len)
{
	sg->buf = (void *)buf;
	sg->length = len;
}

static inline size_t sg_copy_buffer(struct scatterlist *sg, unsigned int nents,
				    void *buf, size_t len, bool to_buffer)
{
	size_t done = 0;
	unsigned int i;

	for (i = 0; i < nents && done < len; i++) {
		size_t n = sg[i].length < len - done ? sg[i].length : len - done;

		if (to_buffer)
			memcpy((u8 *)buf + done, sg[i].buf, n);
		else
			memcpy(sg[i].buf, (u8 *)buf + done, n);
		done += n;
	}
	return done;
}

static inline size_t sg_copy_from_buffer(struct scatterlist *sg,
					 unsigned int nents, const void *buf,
					 size_t len)
{
	return sg_copy_buffer(sg, nents, (void *)buf, len, false);
}

static inline size_t sg_copy_to_buffer(struct scatterlist *sg,
				       unsigned int nents, void *buf,
				       size_t len)
{
	return sg_copy_buffer(sg, nents, buf, len, true);
}

/* What crypto/selftest.c needs on top: allocation, logging, scheduling. */
#define GFP_KERNEL 0
void *kmalloc(size_t size, int flags);
void kfree(const void *p);

static inline void *memchr_inv(const void *p, int c, size_t n)
{
	const u8 *b = p;

	for (; n; n--, b++)
		if (*b != (u8)c)
			return (void *)b;
	return NULL;
}

static inline void cond_resched(void)
{
}

#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif
/* Module log lines become KTAP diagnostics; the last one is kept. */
extern char nt_shim_last_log[256];
void nt_shim_printk(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
#define pr_info(fmt, ...) nt_shim_printk(pr_fmt(fmt), ##__VA_ARGS__)
#define pr_err(fmt, ...) nt_shim_printk(pr_fmt(fmt), ##__VA_ARGS__)

#endif /* NT_KSHIM_H */
