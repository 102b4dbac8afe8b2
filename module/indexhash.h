/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The receiver-index table of a device: the 32-bit index we hand out in
 * every handshake message we send ("sender index") comes back as the
 * "receiver index" of the peer's response, cookie reply and data messages.
 * It maps that index to the pending handshake or to the keypair it names.
 *
 * Indices are random (get_random_u32()) and unique within one device, so
 * an index says nothing about the peer or how many sessions exist, and a
 * guessed one lands nowhere. Since we choose them at random, a plain hash of
 * the index spreads them evenly: an attacker who cannot choose our indices
 * cannot fill one bucket.
 *
 * Lifetime. An entry is embedded in its owner: &struct nt_noise_handshake
 * (inside a peer) or &struct nt_noise_keypair. Owners insert and remove
 * their entry under the table's lock; lookups walk the buckets under RCU.
 * An owner is freed only one RCU grace period after its entry left the
 * table: a keypair (unhashed when it leaves its peer's slots) by
 * call_rcu() from its last reference, a handshake with
 * its peer (freed by call_rcu() after the peer's last reference, and the
 * handshake entry is removed by nt_noise_handshake_clear() before that).
 * The entry's @peer is valid as long as the entry is findable: a keypair
 * holds a reference on its peer, a handshake is part of it. A lookup
 * returns the peer only if nt_peer_get_maybe_zero() succeeds, so a peer on
 * its way out is never revived.
 */

#ifndef _NT_INDEXHASH_H
#define _NT_INDEXHASH_H

#include <linux/hashtable.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct nt_peer;

/**
 * enum nt_index_hashtable_type - what an entry is embedded in
 * @NT_INDEX_HASHTABLE_HANDSHAKE: a &struct nt_noise_handshake, waiting for
 *                                the response to our initiation, or for
 *                                begin_session after our response
 * @NT_INDEX_HASHTABLE_KEYPAIR: a &struct nt_noise_keypair
 *
 * Bit flags, so that a lookup can accept either kind (a cookie reply may
 * answer a handshake message or, rarely, refer to a keypair).
 */
enum nt_index_hashtable_type {
	NT_INDEX_HASHTABLE_HANDSHAKE = 1U << 0,
	NT_INDEX_HASHTABLE_KEYPAIR = 1U << 1
};

/**
 * struct nt_index_hashtable_entry - one index, embedded in its owner
 * @peer: the peer the owner belongs to; set by the owner before insertion
 *        and never changed while the entry is in a table
 * @index_hash: the entry's link in its bucket (table lock; RCU readers)
 * @type: what the entry is embedded in; set before insertion
 * @index: the index, as it goes on the wire; written under the table lock
 *         (WRITE_ONCE(): a lookup that was already standing on the entry
 *         when it moved to a new index may read it, READ_ONCE())
 */
struct nt_index_hashtable_entry {
	struct nt_peer *peer;
	struct hlist_node index_hash;
	enum nt_index_hashtable_type type;
	__le32 index;
};

/**
 * struct nt_index_hashtable - the receiver indices of one device
 * @hashtable: the buckets; read under RCU (bh or not), changed under @lock
 * @lock: serialises insertions, replacements and removals, so that two
 *        insertions can never pick the same index. Taken with bottom halves
 *        off: keypairs drop out of the table from softirq. Lock order: below
 *        a peer's keypair update lock and its handshake lock (device.h).
 *
 * 2^13 buckets (64 KiB on 64-bit machines): one handshake and up to three
 * keypairs per peer keep chains short up to several thousand peers.
 */
struct nt_index_hashtable {
	DECLARE_HASHTABLE(hashtable, 13);
	spinlock_t lock; /* protects @hashtable's chains and entry indices */
};

/**
 * nt_index_hashtable_alloc() - an empty table
 *
 * Context: process context; may sleep.
 * Return: the table, or NULL when out of memory.
 */
struct nt_index_hashtable *nt_index_hashtable_alloc(void);

/**
 * nt_index_hashtable_free() - free an empty table
 * @table: the table, or NULL. Every entry must have been removed (WARNs
 *         otherwise) and RCU readers must be done with it.
 */
void nt_index_hashtable_free(struct nt_index_hashtable *table);

/**
 * nt_index_hashtable_insert() - give an entry a fresh index and publish it
 * @table: the device's table
 * @entry: its @peer and @type set; if it is already in @table it is moved
 *         to a new index (a new handshake of the same peer)
 *
 * The index is random and differs from every other index in @table. A
 * concurrent lookup of the entry's old index may miss it; that lookup was
 * for a message of the previous handshake, which is dead anyway.
 *
 * Context: any but hard interrupt; takes @table->lock.
 * Return: the new index, also stored in @entry->index.
 */
__le32 nt_index_hashtable_insert(struct nt_index_hashtable *table,
				 struct nt_index_hashtable_entry *entry);

/**
 * nt_index_hashtable_replace() - hand an entry's index over to another
 * @table: the device's table
 * @old: an entry; nothing happens if it is not in @table
 * @new: takes @old's index and bucket position; not in any table
 *
 * This is how a completed handshake's index becomes its keypair's: the
 * peer learnt the index with the handshake and uses it for data.
 *
 * Context: any but hard interrupt; takes @table->lock.
 * Return: true if @old was in @table and @new replaced it.
 */
bool nt_index_hashtable_replace(struct nt_index_hashtable *table,
				struct nt_index_hashtable_entry *old,
				struct nt_index_hashtable_entry *new);

/**
 * nt_index_hashtable_remove() - take an entry out of the table
 * @table: the device's table
 * @entry: the entry; nothing happens if it is not in @table
 *
 * Lookups already running may still return @entry: its owner must stay
 * valid until an RCU grace period has passed.
 *
 * Context: any but hard interrupt; takes @table->lock.
 */
void nt_index_hashtable_remove(struct nt_index_hashtable *table,
			       struct nt_index_hashtable_entry *entry);

/**
 * nt_index_hashtable_lookup() - find the entry of a received index
 * @table: the device's table
 * @type_mask: the &enum nt_index_hashtable_type values acceptable
 * @index: the receiver index from the message, as on the wire
 * @peer: receives the entry's peer with a new reference on success
 *
 * Caller holds rcu_read_lock_bh() (or rcu_read_lock()), and keeps holding
 * it while it turns a keypair entry into a keypair reference
 * (nt_noise_keypair_get()); a handshake entry stays valid as long as the
 * returned peer reference.
 *
 * Return: the entry, or NULL if no entry of an accepted type has @index or
 * its peer is going away (then *@peer is not written).
 */
struct nt_index_hashtable_entry *
nt_index_hashtable_lookup(struct nt_index_hashtable *table,
			  unsigned int type_mask, __le32 index,
			  struct nt_peer **peer);

#endif /* _NT_INDEXHASH_H */
