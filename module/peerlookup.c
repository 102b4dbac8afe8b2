// SPDX-License-Identifier: GPL-2.0
/*
 * The public-key table of a device (see peerlookup.h).
 */

#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/random.h>
#include <linux/rculist.h>
#include <linux/string.h>

#include "peer.h"
#include "peerlookup.h"

static struct hlist_head *pubkey_bucket(struct nt_pubkey_hashtable *table,
					const u8 public_key[NOISE_PUBLIC_KEY_LEN])
{
	/*
	 * siphash under a random key spreads keys uniformly over 64 bits, so
	 * the low bits are as good a bucket index as any.
	 */
	u64 hash = siphash(public_key, NOISE_PUBLIC_KEY_LEN, &table->key);

	return &table->buckets[hash & (HASH_SIZE(table->buckets) - 1)];
}

struct nt_pubkey_hashtable *nt_pubkey_hashtable_alloc(void)
{
	struct nt_pubkey_hashtable *table;

	table = kvmalloc(sizeof(*table), GFP_KERNEL_ACCOUNT);
	if (!table)
		return NULL;
	get_random_bytes(&table->key, sizeof(table->key));
	hash_init(table->buckets);
	return table;
}

void nt_pubkey_hashtable_free(struct nt_pubkey_hashtable *table)
{
	if (!table)
		return;
	WARN_ON(!hash_empty(table->buckets));
	kvfree(table);
}

void nt_pubkey_hashtable_add(struct nt_pubkey_hashtable *table,
			     struct nt_peer *peer, struct mutex *lock)
{
	lockdep_assert_held(lock);
	hlist_add_head_rcu(&peer->pubkey_hash,
			   pubkey_bucket(table, peer->handshake.remote_static));
}

void nt_pubkey_hashtable_remove(struct nt_pubkey_hashtable *table,
				struct nt_peer *peer, struct mutex *lock)
{
	lockdep_assert_held(lock);
	hlist_del_init_rcu(&peer->pubkey_hash);
}

struct nt_peer *
nt_pubkey_hashtable_lookup(struct nt_pubkey_hashtable *table,
			   const u8 public_key[NOISE_PUBLIC_KEY_LEN])
{
	struct nt_peer *iter, *found = NULL;

	rcu_read_lock_bh();
	hlist_for_each_entry_rcu_bh(iter, pubkey_bucket(table, public_key),
				    pubkey_hash) {
		/* Public keys are not secret: memcmp() is fine. */
		if (!memcmp(public_key, iter->handshake.remote_static,
			    NOISE_PUBLIC_KEY_LEN)) {
			found = iter;
			break;
		}
	}
	found = nt_peer_get_maybe_zero(found);
	rcu_read_unlock_bh();
	return found;
}
