/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The receive replay window of a keypair (RFC 6479): every counter of an
 * authenticated data message is accepted at most once, and counters too far
 * behind the highest one accepted are refused.
 *
 * Accepted range. Let top be the highest counter accepted so far by this
 * window. A counter c is accepted exactly when all of these hold:
 *  - c < REJECT_AFTER_MESSAGES (2^64 - 2^13 - 1): a keypair never carries
 *    more messages than that, so a counter at or above it is always refused,
 *    even on a fresh window;
 *  - nothing was accepted yet, or c > top, or top - c <= COUNTER_WINDOW_SIZE;
 *  - c was not accepted before.
 * COUNTER_WINDOW_SIZE is COUNTER_BITS_TOTAL - BITS_PER_LONG (8128 on 64-bit
 * machines, 8160 on 32-bit ones; see messages.h). So counter 0 is still
 * accepted after counter 8128 and refused as too old after counter 8129.
 *
 * Locking: today the serial receive stage of a peer checks its counters on
 * one CPU at a time, but spreading one busy peer's receive work over several
 * CPUs is planned (Documentation/architecture.md "Data path"), and then the
 * same keypair is checked from two CPUs at once. The window does not rely on
 * the caller: each window has its own spinlock, taken with bottom halves
 * disabled so that any context except hard interrupts may check a counter. It
 * is held for a bit test, or for at most COUNTER_BITS_TOTAL / BITS_PER_LONG
 * word stores when the window slides.
 */

#ifndef _NT_REPLAY_H
#define _NT_REPLAY_H

#include <linux/spinlock.h>
#include <linux/types.h>

#include "messages.h"

/**
 * enum nt_replay_verdict - what nt_replay_counter_check() decided
 * @NT_REPLAY_ACCEPT: first sighting of an acceptable counter; deliver it
 * @NT_REPLAY_DUPLICATE: the counter was accepted before (count the drop as
 *                       NOISETUN_A_DROP_REPLAY)
 * @NT_REPLAY_TOO_OLD: the counter is more than COUNTER_WINDOW_SIZE behind the
 *                     highest one accepted, so the window no longer knows
 *                     whether it was seen (NOISETUN_A_DROP_TOO_OLD)
 * @NT_REPLAY_EXHAUSTED: the counter is REJECT_AFTER_MESSAGES or above: the
 *                       sender used a keypair past its message limit
 *                       (NOISETUN_A_DROP_BAD_KEYPAIR)
 */
enum nt_replay_verdict {
	NT_REPLAY_ACCEPT,
	NT_REPLAY_DUPLICATE,
	NT_REPLAY_TOO_OLD,
	NT_REPLAY_EXHAUSTED
};

/**
 * struct nt_replay - the replay window of one receiving keypair
 * @lock: protects every other member
 * @next: one more than the highest counter accepted; 0 while nothing has
 *        been accepted. Never above REJECT_AFTER_MESSAGES.
 * @bitmap: which counters of the window were accepted, used as a ring: the
 *          bit of counter c is bit c % COUNTER_BITS_TOTAL. Sliding the window
 *          forward zeroes the whole words it enters, so a slide costs at most
 *          COUNTER_BITS_TOTAL / BITS_PER_LONG word stores whatever the jump.
 *          The word holding the highest counter is only partly inside the
 *          window, which is why one word of bits is not usable
 *          (COUNTER_REDUNDANT_BITS).
 */
struct nt_replay {
	spinlock_t lock; /* protects @next and @bitmap */
	u64 next;
	unsigned long bitmap[COUNTER_BITS_TOTAL / BITS_PER_LONG];
};

/**
 * nt_replay_init() - start an empty window
 * @r: the window, in a keypair not yet visible to the receive path
 *
 * Context: any; does not sleep.
 */
void nt_replay_init(struct nt_replay *r);

/**
 * nt_replay_counter_check() - check a received counter and record it
 * @r: the window of the keypair that authenticated the message
 * @counter: the message's counter, in host byte order
 *
 * Call only after the message was authenticated: an unauthenticated counter
 * must never move the window.
 *
 * Context: any but hard interrupt; takes @r->lock with bottom halves
 * disabled.
 * Return: NT_REPLAY_ACCEPT exactly once for each acceptable counter (see the
 * top of replay.h for the range), otherwise why it was refused.
 */
enum nt_replay_verdict nt_replay_counter_check(struct nt_replay *r,
					       u64 counter);

/**
 * nt_replay_counter_validate() - nt_replay_counter_check() as a yes or no
 * @r: the window of the keypair that authenticated the message
 * @counter: the message's counter, in host byte order
 *
 * Context: as nt_replay_counter_check().
 * Return: true exactly once for each acceptable counter.
 */
static inline bool nt_replay_counter_validate(struct nt_replay *r, u64 counter)
{
	return nt_replay_counter_check(r, counter) == NT_REPLAY_ACCEPT;
}

#ifdef DEBUG
/**
 * nt_replay_selftest() - scripted cases and sweeps against a naive model
 *
 * Context: process context (module load in DEBUG builds); allocates with
 * GFP_KERNEL. Runs in a few milliseconds. Logs "replay self-tests: pass",
 * or each failing case and then "replay self-tests: FAIL".
 * Return: true if every check passed; false must refuse the module load.
 */
bool nt_replay_selftest(void);
#else
static inline bool nt_replay_selftest(void)
{
	return true;
}
#endif

#endif /* _NT_REPLAY_H */
