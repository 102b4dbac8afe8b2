// SPDX-License-Identifier: GPL-2.0
/*
 * The receive replay window (RFC 6479): see replay.h for the accepted range
 * and the locking.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/build_bug.h>
#include <linux/minmax.h>
#include <linux/spinlock.h>

#include "replay.h"

enum { REPLAY_WORDS = COUNTER_BITS_TOTAL / BITS_PER_LONG };

void nt_replay_init(struct nt_replay *r)
{
	/*
	 * Why the ring is sound: after a slide to top t, the ring's words
	 * hold the bits of t's word and of the REPLAY_WORDS - 1 words before
	 * it, and of nothing else (slide() zeroed each word as it entered).
	 * Any c with t - c <= COUNTER_WINDOW_SIZE lies in one of those words
	 * as long as the window leaves out one word's worth of bits, the part
	 * of t's word above t. So c's bit is its own, never a stale one.
	 */
	BUILD_BUG_ON_NOT_POWER_OF_2(COUNTER_BITS_TOTAL);
	BUILD_BUG_ON(COUNTER_BITS_TOTAL % BITS_PER_LONG);
	BUILD_BUG_ON(COUNTER_BITS_TOTAL - COUNTER_WINDOW_SIZE < BITS_PER_LONG);
	BUILD_BUG_ON(sizeof_field(struct nt_replay, bitmap) * BITS_PER_BYTE !=
		     COUNTER_BITS_TOTAL);

	spin_lock_init(&r->lock);
	r->next = 0;
	bitmap_zero(r->bitmap, COUNTER_BITS_TOTAL);
}

/* The counter's bit in the ring. */
static unsigned long ring_bit(u64 counter)
{
	return counter & (COUNTER_BITS_TOTAL - 1);
}

/*
 * Make @counter, above every counter accepted so far, the new top: zero the
 * ring words after the old top's word up to and including @counter's word,
 * which now belong to counters never seen. A jump of a whole ring or more
 * zeroes every word once. A fresh window (next == 0) is all zeros already.
 */
static void slide(struct nt_replay *r, u64 counter)
{
	u64 word, last_word, words;

	lockdep_assert_held(&r->lock);

	if (r->next) {
		word = (r->next - 1) / BITS_PER_LONG;
		last_word = counter / BITS_PER_LONG;
		words = min_t(u64, last_word - word, REPLAY_WORDS);
		while (words--)
			r->bitmap[++word & (REPLAY_WORDS - 1)] = 0;
	}
	r->next = counter + 1;
}

enum nt_replay_verdict nt_replay_counter_check(struct nt_replay *r,
					       u64 counter)
{
	enum nt_replay_verdict verdict;

	/* Checked before the lock: the answer does not depend on the window. */
	if (unlikely(counter >= REJECT_AFTER_MESSAGES))
		return NT_REPLAY_EXHAUSTED;

	spin_lock_bh(&r->lock);
	if (likely(counter >= r->next)) {
		/* In order (or after a loss): the usual case. */
		slide(r, counter);
		__set_bit(ring_bit(counter), r->bitmap);
		verdict = NT_REPLAY_ACCEPT;
	} else if (unlikely(r->next - 1 - counter > COUNTER_WINDOW_SIZE)) {
		verdict = NT_REPLAY_TOO_OLD;
	} else if (__test_and_set_bit(ring_bit(counter), r->bitmap)) {
		verdict = NT_REPLAY_DUPLICATE;
	} else {
		verdict = NT_REPLAY_ACCEPT;
	}
	spin_unlock_bh(&r->lock);

	return verdict;
}

#ifdef DEBUG
#include "selftest/replay.c"
#endif
