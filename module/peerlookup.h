/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Finding a peer by its public key.
 *
 * The handshake path looks the sender of an initiation up here by the
 * static key it decrypts, and netlink looks a configured peer up when a SET
 * names it. The receiver indices of handshake responses and data messages
 * have their own table (indexhash.h).
 */

#ifndef _NT_PEERLOOKUP_H
#define _NT_PEERLOOKUP_H

#include <linux/hashtable.h>
#include <linux/siphash.h>
#include <linux/types.h>

#include "messages.h"

struct mutex;
struct nt_peer;

/**
 * struct nt_pubkey_hashtable - the peers of one device by public key
 * @key: random key of the bucket hash, so that a chosen set of public keys
 *       cannot pile into one bucket
 * @buckets: hash chains of struct nt_peer through pubkey_hash. Read under
 *           RCU (bh or not); changed only with the device's
 *           device_update_lock held, which is the table's writer lock.
 *
 * 2^11 buckets: a few peers per chain up to ten thousand peers, 16 KiB per
 * device. The uAPI's limit of 2^20 peers would give 512-long chains, slow
 * for netlink but still bounded; a resizable table is the step beyond.
 */
struct nt_pubkey_hashtable {
	siphash_key_t key;
	DECLARE_HASHTABLE(buckets, 11);
};

/**
 * nt_pubkey_hashtable_alloc() - allocate an empty table with a fresh key
 *
 * Return: the table, or NULL when out of memory.
 */
struct nt_pubkey_hashtable *nt_pubkey_hashtable_alloc(void);

/**
 * nt_pubkey_hashtable_free() - free an empty table
 * @table: the table, or NULL
 */
void nt_pubkey_hashtable_free(struct nt_pubkey_hashtable *table);

/**
 * nt_pubkey_hashtable_add() - make a peer findable by its public key
 * @table: the device's table
 * @peer: the peer, not yet in any table
 * @lock: the device's device_update_lock, held by the caller
 */
void nt_pubkey_hashtable_add(struct nt_pubkey_hashtable *table,
			     struct nt_peer *peer, struct mutex *lock);

/**
 * nt_pubkey_hashtable_remove() - stop a peer from being found
 * @table: the device's table
 * @peer: the peer, in @table
 * @lock: the device's device_update_lock, held by the caller
 *
 * Lookups already running may still find @peer until a grace period has
 * passed; they only get a reference while the peer's count is not zero.
 */
void nt_pubkey_hashtable_remove(struct nt_pubkey_hashtable *table,
				struct nt_peer *peer, struct mutex *lock);

/**
 * nt_pubkey_hashtable_lookup() - find a peer by public key
 * @table: the device's table
 * @public_key: the key to look for
 *
 * Any context; takes rcu_read_lock_bh() itself.
 *
 * Return: the peer with a new reference, or NULL when no live peer has
 * that key.
 */
struct nt_peer *
nt_pubkey_hashtable_lookup(struct nt_pubkey_hashtable *table,
			   const u8 public_key[NOISE_PUBLIC_KEY_LEN]);

#endif /* _NT_PEERLOOKUP_H */
