// SPDX-License-Identifier: GPL-2.0
/*
 * The receiver-index table (see indexhash.h for the lifetime rules).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bug.h>
#include <linux/compiler.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>

#include "indexhash.h"
#include "peer.h"

/* The bucket of an index: indices are random, a plain hash spreads them. */
static struct hlist_head *index_bucket(struct nt_index_hashtable *table, __le32 index)
{
	return &table->hashtable[hash_32((__force u32)index,
					 HASH_BITS(table->hashtable))];
}

struct nt_index_hashtable *nt_index_hashtable_alloc(void)
{
	struct nt_index_hashtable *table;

	table = kvmalloc(sizeof(*table), GFP_KERNEL_ACCOUNT);
	if (!table)
		return NULL;
	hash_init(table->hashtable);
	spin_lock_init(&table->lock);
	return table;
}

void nt_index_hashtable_free(struct nt_index_hashtable *table)
{
	if (!table)
		return;
	WARN_ON(!hash_empty(table->hashtable));
	kvfree(table);
}

/* Is @index in use? Caller holds @table->lock. */
static bool index_is_taken(struct nt_index_hashtable *table, __le32 index)
{
	struct nt_index_hashtable_entry *iter;

	lockdep_assert_held(&table->lock);
	hlist_for_each_entry(iter, index_bucket(table, index), index_hash) {
		if (iter->index == index)
			return true;
	}
	return false;
}

__le32 nt_index_hashtable_insert(struct nt_index_hashtable *table,
				 struct nt_index_hashtable_entry *entry)
{
	__le32 index;

	spin_lock_bh(&table->lock);
	/*
	 * Leave the old bucket first, so the new index is never compared
	 * with the entry itself. A lookup standing on the entry meanwhile
	 * follows its links into the new bucket and may miss; it looked for
	 * an index that no longer exists (indexhash.h).
	 */
	if (!hlist_unhashed(&entry->index_hash))
		hlist_del_init_rcu(&entry->index_hash);
	/*
	 * With n indices in use out of 2^32 a draw collides with probability
	 * n / 2^32, so this loop runs once in practice; the lock is held for
	 * a few chain walks of a handful of entries.
	 */
	do {
		index = (__force __le32)get_random_u32();
	} while (unlikely(index_is_taken(table, index)));
	WRITE_ONCE(entry->index, index);
	hlist_add_head_rcu(&entry->index_hash, index_bucket(table, index));
	spin_unlock_bh(&table->lock);
	return index;
}

bool nt_index_hashtable_replace(struct nt_index_hashtable *table,
				struct nt_index_hashtable_entry *old,
				struct nt_index_hashtable_entry *new)
{
	bool replaced = false;

	spin_lock_bh(&table->lock);
	if (unlikely(hlist_unhashed(&old->index_hash)))
		goto out;
	new->index = old->index;
	/* Readers see either entry, never a broken chain. */
	hlist_replace_rcu(&old->index_hash, &new->index_hash);
	/*
	 * hlist_replace_rcu() leaves @old's links pointing into the chain for
	 * readers standing on it; mark it unhashed so that a later remove or
	 * insert of @old does not unlink @new's neighbours. Readers still on
	 * @old keep the next pointer, which hlist_replace_rcu() copied to
	 * @new, so they finish their walk.
	 */
	old->index_hash.pprev = NULL;
	replaced = true;
out:
	spin_unlock_bh(&table->lock);
	return replaced;
}

void nt_index_hashtable_remove(struct nt_index_hashtable *table,
			       struct nt_index_hashtable_entry *entry)
{
	spin_lock_bh(&table->lock);
	if (!hlist_unhashed(&entry->index_hash))
		hlist_del_init_rcu(&entry->index_hash);
	spin_unlock_bh(&table->lock);
}

struct nt_index_hashtable_entry *
nt_index_hashtable_lookup(struct nt_index_hashtable *table,
			  unsigned int type_mask, __le32 index,
			  struct nt_peer **peer)
{
	struct nt_index_hashtable_entry *iter, *found = NULL;
	struct nt_peer *referenced;

	RCU_LOCKDEP_WARN(!rcu_read_lock_held() && !rcu_read_lock_bh_held(),
			 "noisetun: index lookup outside RCU");
	hlist_for_each_entry_rcu(iter, index_bucket(table, index), index_hash,
				 rcu_read_lock_bh_held()) {
		if (READ_ONCE(iter->index) == index) {
			found = iter;
			break;
		}
	}
	if (!found || !(found->type & type_mask))
		return NULL;
	referenced = nt_peer_get_maybe_zero(found->peer);
	if (unlikely(!referenced))
		return NULL;
	*peer = referenced;
	return found;
}
