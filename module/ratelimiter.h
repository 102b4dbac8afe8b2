/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Handshake rate limiting per source address, the last defence of the
 * cookie mechanism: once a sender has proved with mac2 that it owns its
 * address, it may still make us do Diffie-Hellman work only 20 times per
 * second, with bursts of 5 (Documentation/protocol.md "Cookies").
 *
 * Only proven senders are limited per source. A message without a valid
 * mac2 proves nothing about its source: anyone who knows the device's
 * public key can send it with a victim's address and port, so a bucket per
 * source would let an off-path spoofer spend a real peer's budget and lock
 * it out, and spoofed random sources could fill the table. Those messages
 * instead share a budget per device (struct nt_ratelimiter_budget), which
 * bounds the cookie replies a device makes without keeping anything per
 * source; over it they are dropped after their mac1 check, which is cheap.
 *
 * A source is an IPv4 address (/32) or an IPv6 /64 (the smallest block a
 * host is usually given), together with the network namespace of the
 * receiving device, so that namespaces never share a budget. An IPv4-mapped
 * IPv6 address counts as the IPv4 address it maps.
 *
 * One table serves every device of every namespace. Its size follows the
 * machine's memory, and so does its bound on sources: while the table is
 * full, a new source is refused until the garbage collector, which runs
 * every second while the table is not empty, has dropped the idle ones.
 *
 * Locking: nt_ratelimiter_allow() is lockless on the lookup of a known
 * source (RCU); each source's bucket has its own spinlock, and adding or
 * removing a source takes the table's spinlock. All of them are taken with
 * bottom halves disabled, so the caller may be in softirq or process
 * context. Lock order: table lock, then a source's lock.
 */

#ifndef _NT_RATELIMITER_H
#define _NT_RATELIMITER_H

#include <linux/spinlock.h>
#include <linux/types.h>

struct net;
struct sk_buff;

/**
 * struct nt_ratelimiter_budget - a device's cookie replies to unproven senders
 * @lock: protects @tokens_ns and @last_ns; BH-safe, taken alone
 * @tokens_ns: the credit left at @last_ns, in nanoseconds (ratelimiter.c)
 * @last_ns: boot time of the last refill
 *
 * A token bucket of 16384 replies a second with bursts of 2048: at that
 * rate, making and sending the replies costs a small fraction of one CPU,
 * and a legitimate peer whose initiation arrives among a flood of fewer
 * messages than that still gets its cookie at the first try.
 */
struct nt_ratelimiter_budget {
	spinlock_t lock; /* protects tokens_ns and last_ns */
	u64 tokens_ns;
	u64 last_ns;
};

/**
 * nt_ratelimiter_init() - take a reference to the shared table
 *
 * The first reference allocates the table and seeds its hash key; later
 * ones only count. Every successful call is paired with one
 * nt_ratelimiter_uninit().
 *
 * Context: process context; sleeps.
 * Return: 0, or -ENOMEM (and no reference is taken).
 */
int nt_ratelimiter_init(void);

/**
 * nt_ratelimiter_uninit() - drop a reference to the shared table
 *
 * The last reference stops the garbage collector and frees every entry and
 * the table. The caller must ensure that no nt_ratelimiter_allow() of its
 * own is still running. A call without a matching reference is ignored.
 *
 * Context: process context; sleeps (waits for an RCU grace period).
 */
void nt_ratelimiter_uninit(void);

/**
 * nt_ratelimiter_allow() - may this handshake message be processed?
 * @skb: a received handshake message with a valid mac2 (its source is
 *       proven), whose IPv4 or IPv6 header is in the linear area, with
 *       skb->protocol and the network header set
 * @net: the network namespace of the device it arrived on, used only as
 *       part of the key (never dereferenced)
 *
 * Spends one token of the source's bucket. A source never seen (or idle
 * long enough to be forgotten) starts with a full bucket.
 *
 * Context: softirq or process context, between nt_ratelimiter_init() and
 * nt_ratelimiter_uninit(); does not sleep (allocates with GFP_ATOMIC).
 * Return: true if the message may be processed; false if the source is over
 * its rate, if the table is full of other sources (or memory ran out), or
 * if @skb is neither IPv4 nor IPv6. The caller counts a false as
 * NOISETUN_A_DROP_RATELIMITED.
 */
bool nt_ratelimiter_allow(const struct sk_buff *skb, const struct net *net);

/**
 * nt_ratelimiter_budget_init() - a full budget
 * @budget: the budget (a device's)
 */
void nt_ratelimiter_budget_init(struct nt_ratelimiter_budget *budget);

/**
 * nt_ratelimiter_budget_take() - may one more cookie reply go out?
 * @budget: the device's budget
 *
 * Context: softirq or process context; does not sleep.
 * Return: true if the budget had room (and now has one reply less).
 */
bool nt_ratelimiter_budget_take(struct nt_ratelimiter_budget *budget);

#ifdef DEBUG
/**
 * nt_ratelimiter_selftest() - reference counting, capacity and timing
 *
 * Checks the shared table's reference counting (three users, then an
 * unbalanced uninit), then works on a private table of the shared table's
 * size with a simulated clock: the burst and refill of a bucket for IPv4
 * and IPv6 sources, what counts as one source, the garbage collector, and
 * the capacity bound (max_entries sources accepted, one more refused).
 *
 * Context: module load in DEBUG builds, before any device exists (the
 * reference counting part is skipped otherwise); process context, sleeps.
 * Logs "ratelimiter self-tests: pass" or each failure and then "FAIL".
 * Return: true if every check passed; false must refuse the module load.
 */
bool nt_ratelimiter_selftest(void);
#else
static inline bool nt_ratelimiter_selftest(void)
{
	return true;
}
#endif

#endif /* _NT_RATELIMITER_H */
