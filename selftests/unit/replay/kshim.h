/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel interfaces that module/replay.c and module/messages.h use,
 * mapped to plain C so that both compile unchanged in userspace. Every
 * kernel header they include is a one-line file under ../shim/ (shared by
 * the unit tests) that includes this one. What it shares with the other
 * tests' shims (types, attributes, printk, locks, the IP headers) is in
 * ../kcommon.h.
 *
 * spinlock_t is ../kcommon.h's, which lockdep_assert_held() really checks,
 * so that the threaded test exercises the window's locking for real.
 */
#ifndef NT_KSHIM_H
#define NT_KSHIM_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../kcommon.h"

/* Limits and attributes. */

#define BITS_PER_BYTE 8
#define BIT_ULL(n) (1ULL << (n))
#define BITS_PER_LONG ((int)(sizeof(long) * BITS_PER_BYTE))
#define U32_MAX ((u32)~0U)
#define U64_MAX ((u64)~0ULL)
#define HZ 250

#define sizeof_field(t, m) sizeof(((t *)0)->m)
#undef static_assert
#define static_assert(expr, ...) _Static_assert(expr, #expr)
#define BUILD_BUG_ON_NOT_POWER_OF_2(n) \
	_Static_assert((n) != 0 && ((n) & ((n) - 1)) == 0, #n)

#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
#define min_t(t, a, b) ((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b) ((t)(a) > (t)(b) ? (t)(a) : (t)(b))

/* Bits and bitmaps (non-atomic variants: the window is always locked). */

#define BITS_TO_LONGS(n) (((n) + BITS_PER_LONG - 1) / BITS_PER_LONG)
#define BIT_WORD(nr) ((nr) / BITS_PER_LONG)
#define BIT_MASK(nr) (1UL << ((nr) % BITS_PER_LONG))

static inline void __set_bit(unsigned long nr, unsigned long *map)
{
	map[BIT_WORD(nr)] |= BIT_MASK(nr);
}

static inline bool test_bit(unsigned long nr, const unsigned long *map)
{
	return map[BIT_WORD(nr)] & BIT_MASK(nr);
}

static inline bool __test_and_set_bit(unsigned long nr, unsigned long *map)
{
	bool old = test_bit(nr, map);

	__set_bit(nr, map);
	return old;
}

static inline void bitmap_zero(unsigned long *map, unsigned int nbits)
{
	memset(map, 0, BITS_TO_LONGS(nbits) * sizeof(long));
}

/* Word-wise; @nbits must be a whole number of words, as in the tests. */
static inline void bitmap_shift_right(unsigned long *dst,
				      const unsigned long *src,
				      unsigned int shift, unsigned int nbits)
{
	unsigned int words = nbits / BITS_PER_LONG;
	unsigned int off = shift / BITS_PER_LONG, rem = shift % BITS_PER_LONG;
	unsigned int i;

	if (nbits % BITS_PER_LONG)
		abort();
	for (i = 0; i < words; ++i) {
		unsigned long lo = i + off < words ? src[i + off] : 0;
		unsigned long hi = i + off + 1 < words ? src[i + off + 1] : 0;

		dst[i] = rem ? lo >> rem | hi << (BITS_PER_LONG - rem) : lo;
	}
}

static inline unsigned long *bitmap_zalloc(unsigned int nbits, gfp_t gfp)
{
	return calloc(BITS_TO_LONGS(nbits), sizeof(long));
}

static inline void bitmap_free(const unsigned long *map)
{
	free((void *)map);
}

/* What messages.h needs from the crypto and network headers. */

#define BLAKE2S_HASH_SIZE 32
#define CHACHA20POLY1305_KEY_SIZE 32
#define CHACHA20POLY1305_AUTHTAG_SIZE 16
#define XCHACHA20POLY1305_NONCE_SIZE 24
#define CURVE25519_KEY_SIZE 32

struct udphdr { u8 bytes[8]; };

#endif /* NT_KSHIM_H */
