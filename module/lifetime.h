/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Get-if-alive, the one way the module takes a reference on a reference
 * counted object (a peer, a keypair) that it found under RCU
 * (Documentation/architecture.md, "Object lifetimes"): the RCU read
 * section keeps the memory valid even once the count has dropped to
 * zero, and a count at zero is never raised again, so a dying object is
 * never revived.
 */
#ifndef _NT_LIFETIME_H
#define _NT_LIFETIME_H

#include <linux/kref.h>
#include <linux/rcupdate.h>
#include <linux/types.h>

/**
 * nt_lifetime_get_if_alive() - take a reference unless the count is zero
 * @kref: the count of an object found under RCU
 *
 * Caller holds rcu_read_lock() or rcu_read_lock_bh(); lockdep warns
 * otherwise.
 *
 * Return: true with a new reference taken, false if the object is dying.
 */
static inline bool __must_check nt_lifetime_get_if_alive(struct kref *kref)
{
	RCU_LOCKDEP_WARN(!rcu_read_lock_held() && !rcu_read_lock_bh_held(),
			 "noisetun: reference taken outside RCU");
	return kref_get_unless_zero(kref);
}

#endif /* _NT_LIFETIME_H */
