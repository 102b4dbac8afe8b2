/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A sliding window over received counters: each counter is accepted once,
 * and not when it is too far behind the highest one seen.
 */
#ifndef EVILPEER_REPLAY_H
#define EVILPEER_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#define REPLAY_WINDOW_BITS 2048

struct ep_replay {
	uint64_t highest;	/* highest counter accepted so far */
	bool started;		/* no counter accepted yet when false */
	uint64_t bits[REPLAY_WINDOW_BITS / 64];	/* counter % BITS seen */
};

enum ep_replay_verdict {
	REPLAY_ACCEPT,
	REPLAY_DUPLICATE,
	REPLAY_TOO_OLD,
};

/** ep_replay_reset() - forget every counter seen. */
void ep_replay_reset(struct ep_replay *r);

/**
 * ep_replay_check() - accept @counter once (and record it), or say why not.
 * Call only for messages that authenticated.
 */
enum ep_replay_verdict ep_replay_check(struct ep_replay *r, uint64_t counter);

#endif
