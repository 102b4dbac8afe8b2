/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The `fuzz` command: mutations of valid messages sent to the device, each
 * with the outcome the device must give it (fuzz.c says how it is
 * predicted), added up so that a scenario can compare them with the
 * device's counters.
 */
#ifndef EVILPEER_FUZZ_H
#define EVILPEER_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "evilpeer.h"

/**
 * enum ep_fuzz_class - what a fuzz command sends
 * @FZ_INIT: one fresh initiation, then mutations of it
 * @FZ_RESPONSE: responses to the device's last initiation to us, mutated
 * @FZ_COOKIE: one valid cookie reply to the device's last handshake
 *	       message, then mutations of it
 * @FZ_DATA: data messages of the current session: valid, duplicated,
 *	     bit-flipped, truncated, extended, re-indexed, out of order,
 *	     too old, past the message limit
 * @FZ_INNER: valid data messages carrying inner packets of every size,
 *	      with good and bad IPv4/IPv6 headers
 * @FZ_GSO: UDP_SEGMENT batches of random sizes, mutated segments among
 *	    the valid ones (a path that segments them at the sender's link
 *	    and merges them again with GRO turns them into GRO-merged UDP)
 * @FZ_FRAG: outer IP fragments of data messages, built on a raw socket:
 *	     in order, reversed, shuffled, with a duplicate, overlapping,
 *	     one missing
 * @FZ_MIX: all of the above at random, for a time, handshaking again now
 *	    and then; predictions are not exact (see fuzz.c)
 */
enum ep_fuzz_class {
	FZ_INIT,
	FZ_RESPONSE,
	FZ_COOKIE,
	FZ_DATA,
	FZ_INNER,
	FZ_GSO,
	FZ_FRAG,
	FZ_MIX,
	FZ__CLASSES
};

/*
 * The drop reasons predicted; ep_fuzz_reason_attrs gives each one's
 * counter (enum noisetun_drop_attr), named by tools/drop_names.h as tunctl
 * names it.
 */
enum ep_fuzz_reason {
	FZR_BAD_TYPE,
	FZR_BAD_SIZE,
	FZR_BAD_MAC1,
	FZR_HANDSHAKE_INVALID,
	FZR_HANDSHAKE_REPLAY,
	FZR_UNKNOWN_INDEX,
	FZR_COOKIE_INVALID,
	FZR_BAD_KEYPAIR,
	FZR_AUTH_FAIL,
	FZR_REPLAY,
	FZR_TOO_OLD,
	FZR_INNER_PROTOCOL,
	FZR_INNER_LENGTH,
	FZR_SOURCE_NOT_ALLOWED,
	FZR__COUNT
};

extern const uint16_t ep_fuzz_reason_attrs[FZR__COUNT];
extern const char *const ep_fuzz_class_names[FZ__CLASSES];

/**
 * struct ep_fuzz_opts - one fuzz command's options
 * @cls: what to send
 * @seed: the PRNG's seed: the same seed makes the same choices
 * @count: how many (messages; batches for gso; sizes x variants
 *	   are fixed for inner, which ignores it)
 * @ms: mix: how long
 * @hsrate: handshake messages that cost the device a Diffie-Hellman step,
 *	    at most this many a second (0: no limit)
 * @from: inner: the first inner size
 * @to: inner: the last inner size
 * @step: inner: the size step
 * @dense: inner, with @step > 1: every size within this many of @from and
 *	   of @to all the same (the header boundaries, the largest sizes);
 *	   the stepped sizes between start at a random phase (from @seed)
 * @sync: a round trip (an inner ping) after this many data messages, so
 *	  that the device's queues never overflow (0: none)
 */
struct ep_fuzz_opts {
	enum ep_fuzz_class cls;
	uint64_t seed;
	uint64_t count;
	uint64_t ms;
	uint64_t hsrate;
	uint64_t from, to, step, dense;
	uint64_t sync;
};

/**
 * struct ep_fuzz_result - what was sent, and what the device must count
 * @sent: datagrams (or fragments) handed to the kernel
 * @reach: datagrams that must reach the device's socket
 * @kernel: datagrams the IP layer must drop before it (fragment sets that
 *	    never complete)
 * @rx: growth of the peer's rx_packets (accepted handshake messages,
 *	cookie replies and data messages, delivered or not)
 * @rx_bytes: growth of the peer's rx_bytes
 * @delivered: growth of the device's netdev rx_packets
 * @delivered_bytes: growth of its rx_bytes
 * @responses: handshake responses the device must send back
 * @drop: growth of each drop counter, by reason
 * @per_class: mix: datagrams sent by each class
 * @errors: sends that failed (their predictions are not counted)
 * @syncs: round trips made; @sync_timeouts: those that got no answer
 * @handshakes: mix: handshakes completed
 */
struct ep_fuzz_result {
	uint64_t sent, reach, kernel;
	uint64_t rx, rx_bytes, delivered, delivered_bytes, responses;
	uint64_t drop[FZR__COUNT];
	uint64_t per_class[FZ__CLASSES];
	uint64_t errors, syncs, sync_timeouts, handshakes;
};

/** ep_fuzz_class_parse() - a class by name; false when there is none. */
bool ep_fuzz_class_parse(const char *name, enum ep_fuzz_class *cls);

/**
 * ep_fuzz() - run one fuzz command. Returns false, with @why set, when
 * the class cannot run (no session, no initiation from the device, ...).
 */
bool ep_fuzz(struct ep *ep, const struct ep_fuzz_opts *o,
	     struct ep_fuzz_result *res, const char **why);

#endif
