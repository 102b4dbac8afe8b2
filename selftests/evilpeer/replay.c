// SPDX-License-Identifier: GPL-2.0
/*
 * The replay window (replay.h): one bit per counter in a ring of
 * REPLAY_WINDOW_BITS, the bit of counter c at c % REPLAY_WINDOW_BITS. A
 * counter above the highest clears the bits of the counters it skips (they
 * now stand for new counters, none seen yet) and becomes the highest.
 */
#include "replay.h"

#include <string.h>

#include "messages.h"

void ep_replay_reset(struct ep_replay *r)
{
	memset(r, 0, sizeof(*r));
}

static bool test_and_set(struct ep_replay *r, uint64_t counter)
{
	uint64_t bit = counter % REPLAY_WINDOW_BITS;
	uint64_t mask = 1ULL << (bit % 64);
	bool was = r->bits[bit / 64] & mask;

	r->bits[bit / 64] |= mask;
	return was;
}

static void clear(struct ep_replay *r, uint64_t counter)
{
	uint64_t bit = counter % REPLAY_WINDOW_BITS;

	r->bits[bit / 64] &= ~(1ULL << (bit % 64));
}

enum ep_replay_verdict ep_replay_check(struct ep_replay *r, uint64_t counter)
{
	uint64_t c;

	if (counter >= REJECT_AFTER_MESSAGES)
		return REPLAY_TOO_OLD;
	if (!r->started || counter > r->highest) {
		if (!r->started || counter - r->highest >= REPLAY_WINDOW_BITS) {
			memset(r->bits, 0, sizeof(r->bits));
		} else {
			for (c = r->highest + 1; c < counter; c++)
				clear(r, c);
			clear(r, counter);
		}
		r->started = true;
		r->highest = counter;
		test_and_set(r, counter);
		return REPLAY_ACCEPT;
	}
	if (r->highest - counter >= REPLAY_WINDOW_BITS)
		return REPLAY_TOO_OLD;
	return test_and_set(r, counter) ? REPLAY_DUPLICATE : REPLAY_ACCEPT;
}
