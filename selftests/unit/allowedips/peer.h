/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The unit test's struct nt_peer: only what allowedips.c relies on (the list
 * head and get-if-alive), plus a plain atomic refcount behind it.
 */
#ifndef NT_SHIM_PEER_H
#define NT_SHIM_PEER_H

#include "kshim.h"

struct nt_peer {
	int refcount;
	struct list_head allowedips_list;
};

static inline struct nt_peer *__must_check
nt_peer_get_maybe_zero(struct nt_peer *peer)
{
	int old = __atomic_load_n(&peer->refcount, __ATOMIC_RELAXED);

	do {
		if (!old)
			return NULL;
	} while (!__atomic_compare_exchange_n(&peer->refcount, &old, old + 1,
					      false, __ATOMIC_ACQUIRE,
					      __ATOMIC_RELAXED));
	return peer;
}

#endif
