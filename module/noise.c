// SPDX-License-Identifier: GPL-2.0
/*
 * The WireGuard handshake around the Noise core, and the keypairs it
 * produces (see noise.h for the flow and the lifetime rules).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/kref.h>
#include <linux/lockdep.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/time64.h>
#include <linux/timekeeping.h>

#include "crypto.h"
#include "device.h"
#include "indexhash.h"
#include "noise.h"
#include "noise_core.h"
#include "peer.h"
#include "peerlookup.h"

/* Never reused while the module is loaded, so the debug log pairs up. */
static atomic64_t keypair_counter = ATOMIC64_INIT(0);

/*
 * The Noise core writes and reads the handshake fields that follow the
 * indices as one run of bytes; the wire structs must hold them in that
 * order with nothing in between, and mac1 must start right after them:
 * mac1 covers the message up to there (PROTOCOL.md), and the core's
 * handshake hash covers exactly the ephemeral, sealed static and sealed
 * timestamp (initiation) or the ephemeral and sealed nothing (response).
 */
static_assert(offsetof(struct message_handshake_initiation, macs) -
	      offsetof(struct message_handshake_initiation,
		       unencrypted_ephemeral) ==
	      NT_NOISE_CORE_INITIATION_LEN(NOISE_TIMESTAMP_LEN));
static_assert(offsetof(struct message_handshake_response, macs) -
	      offsetof(struct message_handshake_response,
		       unencrypted_ephemeral) ==
	      NT_NOISE_CORE_RESPONSE_LEN(0));
/* messages.h and crypto.h name the same sizes, each in its own enum. */
static_assert((int)NOISE_TIMESTAMP_LEN == (int)NT_CRYPTO_TAI64N_LEN);
static_assert((int)NOISE_PUBLIC_KEY_LEN == (int)NT_CRYPTO_PUBLIC_KEY_LEN);
static_assert((int)NOISE_SYMMETRIC_KEY_LEN == (int)NT_CRYPTO_KEY_LEN);

/* What the Noise core reads of an initiation: from the ephemeral to mac1. */
#define INITIATION_CORE_LEN NT_NOISE_CORE_INITIATION_LEN(NOISE_TIMESTAMP_LEN)

/* Shortest time between two accepted initiations of one peer: 20 ms. */
#define INITIATION_MIN_INTERVAL_NS (NSEC_PER_SEC / INITIATIONS_PER_SECOND)

static struct nt_index_hashtable *index_table(struct nt_noise_handshake *hs)
{
	return hs->entry.peer->device->index_hashtable;
}

/*
 * A copy of the device's key pair, for the Noise core. Copied rather than
 * used under the identity lock so that the lock is never held across the
 * DH steps; the caller wipes the copy.
 */
static bool copy_identity(struct nt_noise_core_static_keys *keys,
			  struct nt_static_identity *identity)
{
	bool has_identity;

	down_read(&identity->lock);
	has_identity = identity->has_identity;
	if (has_identity) {
		memcpy(keys->private_key, identity->private_key,
		       sizeof(keys->private_key));
		memcpy(keys->public_key, identity->public_key,
		       sizeof(keys->public_key));
	}
	up_read(&identity->lock);
	return has_identity;
}

void nt_noise_handshake_init(struct nt_noise_handshake *hs,
			     struct nt_peer *peer,
			     const u8 remote_static[NOISE_PUBLIC_KEY_LEN])
{
	init_rwsem(&hs->lock);
	memcpy(hs->remote_static, remote_static, NOISE_PUBLIC_KEY_LEN);
	hs->entry.peer = peer;
	hs->entry.type = NT_INDEX_HASHTABLE_HANDSHAKE;
	INIT_HLIST_NODE(&hs->entry.index_hash);
	nt_noise_handshake_precompute_static_static(hs);
}

void nt_noise_handshake_precompute_static_static(struct nt_noise_handshake *hs)
{
	struct nt_static_identity *identity =
		&hs->entry.peer->device->static_identity;
	u8 static_static[NOISE_PUBLIC_KEY_LEN] = { };

	/*
	 * Under the identity's lock, so that a concurrent key change cannot
	 * leave the secret of the old key behind: the key changer
	 * recomputes after it released that lock, and whoever takes the
	 * handshake lock last writes the secret of the key in place.
	 */
	down_read(&identity->lock);
	/* No key, or a low-order peer key: all zero, and no handshake. */
	if (identity->has_identity &&
	    !nt_crypto_dh(static_static, identity->private_key,
			  hs->remote_static))
		memzero_explicit(static_static, sizeof(static_static));
	down_write(&hs->lock);
	memcpy(hs->precomputed_static_static, static_static,
	       sizeof(static_static));
	up_write(&hs->lock);
	up_read(&identity->lock);
	memzero_explicit(static_static, sizeof(static_static));
}

/* Forget the pending handshake; caller holds @hs->lock for writing. */
static void handshake_zero(struct nt_noise_handshake *hs)
{
	lockdep_assert_held_write(&hs->lock);
	nt_index_hashtable_remove(index_table(hs), &hs->entry);
	nt_noise_core_clear(&hs->core);
	hs->remote_index = 0;
}

void nt_noise_handshake_clear(struct nt_noise_handshake *hs)
{
	down_write(&hs->lock);
	handshake_zero(hs);
	up_write(&hs->lock);
}

/* nt_noise_handshake_create_initiation() with the timestamp given. */
static bool create_initiation(struct message_handshake_initiation *dst,
			      struct nt_noise_handshake *hs,
			      const u8 timestamp[NOISE_TIMESTAMP_LEN])
{
	struct nt_peer *peer = hs->entry.peer;
	struct nt_noise_core_static_keys local;
	u8 ephemeral[NOISE_PUBLIC_KEY_LEN];
	bool ok = false;

	if (!copy_identity(&local, &peer->device->static_identity))
		return false;
	nt_crypto_privkey_generate(ephemeral);

	down_write(&hs->lock);
	/* nt_noise_handshake_clear() of a dead peer must stay final. */
	if (unlikely(READ_ONCE(peer->is_dead)))
		goto out;
	/* A new initiation abandons whatever handshake was pending. */
	nt_noise_core_init(&hs->core, NT_CRYPTO_IDENTIFIER,
			   sizeof(NT_CRYPTO_IDENTIFIER) - 1, hs->remote_static);
	if (!nt_noise_core_initiation_create(&hs->core, &local,
					     hs->precomputed_static_static,
					     ephemeral, timestamp,
					     NOISE_TIMESTAMP_LEN,
					     dst->unencrypted_ephemeral)) {
		handshake_zero(hs);
		goto out;
	}
	dst->header.type = cpu_to_le32(MESSAGE_HANDSHAKE_INITIATION);
	dst->sender_index = nt_index_hashtable_insert(index_table(hs),
						      &hs->entry);
	memset(&dst->macs, 0, sizeof(dst->macs));
	ok = true;
out:
	up_write(&hs->lock);
	memzero_explicit(ephemeral, sizeof(ephemeral));
	memzero_explicit(&local, sizeof(local));
	return ok;
}

bool nt_noise_handshake_create_initiation(struct message_handshake_initiation *dst,
					  struct nt_noise_handshake *hs)
{
	u8 timestamp[NOISE_TIMESTAMP_LEN];

	nt_crypto_tai64n_now(timestamp);
	return create_initiation(dst, hs, timestamp);
}

/* nt_noise_handshake_consume_initiation() at boot time @now_ns. */
static struct nt_peer *
consume_initiation(const struct message_handshake_initiation *src,
		   struct nt_device *ntd, enum noisetun_drop_attr *drop,
		   u64 now_ns)
{
	struct nt_noise_core_handshake core;
	struct nt_noise_core_static_keys local;
	u8 timestamp[NOISE_TIMESTAMP_LEN];
	struct nt_noise_handshake *hs;
	struct nt_peer *peer = NULL;
	bool replay, flood;

	*drop = NOISETUN_A_DROP_HANDSHAKE_INVALID;
	if (unlikely(!copy_identity(&local, &ntd->static_identity)))
		goto out;

	/*
	 * The sender is unknown until its static key is decrypted, so the
	 * core runs on a local state started with our own key as the
	 * responder's; it is committed to the peer only if every rule below
	 * passes. Reading up to the static key costs one Diffie-Hellman
	 * step; the second one (ss) is the peer's precomputed secret, so a
	 * message from a key we do not know never costs more than one.
	 */
	nt_noise_core_init(&core, NT_CRYPTO_IDENTIFIER,
			   sizeof(NT_CRYPTO_IDENTIFIER) - 1, local.public_key);
	if (!nt_noise_core_initiation_open_static(&core, &local,
						  src->unencrypted_ephemeral,
						  INITIATION_CORE_LEN))
		goto out;

	peer = nt_pubkey_hashtable_lookup(ntd->peer_hashtable,
					  core.initiator_static);
	if (unlikely(!peer))
		goto out;
	hs = &peer->handshake;

	down_write(&hs->lock);
	if (!nt_noise_core_initiation_open_payload(&core,
						   hs->precomputed_static_static,
						   src->unencrypted_ephemeral,
						   INITIATION_CORE_LEN,
						   timestamp)) {
		up_write(&hs->lock);
		nt_peer_put(peer);
		peer = NULL;
		goto out;
	}
	/*
	 * TAI64N compares as big-endian bytes. Strictly newer: the very same
	 * initiation, captured and sent again, must not restart a session.
	 */
	replay = memcmp(timestamp, hs->latest_timestamp,
			NOISE_TIMESTAMP_LEN) <= 0;
	/*
	 * Timestamps are rounded to 2^24 ns, under the 20 ms allowed here, so
	 * two accepted initiations never share one; the guard bounds the DH
	 * work one peer's key holder (or a replayer of fresh initiations)
	 * can make us do for that peer.
	 */
	flood = hs->last_initiation_consumption_ns &&
		now_ns < hs->last_initiation_consumption_ns +
			 INITIATION_MIN_INTERVAL_NS;
	if (unlikely(replay || flood || READ_ONCE(peer->is_dead))) {
		up_write(&hs->lock);
		if (replay)
			*drop = NOISETUN_A_DROP_HANDSHAKE_REPLAY;
		else if (flood)
			*drop = NOISETUN_A_DROP_HANDSHAKE_FLOOD;
		nt_peer_put(peer);
		peer = NULL;
		goto out;
	}

	/*
	 * Commit. An initiation of our own that was pending is abandoned: its
	 * index stays in the table until create_response() moves it, and a
	 * response to it finds the wrong state.
	 */
	memcpy(&hs->core, &core, sizeof(core));
	hs->remote_index = src->sender_index;
	memcpy(hs->latest_timestamp, timestamp, NOISE_TIMESTAMP_LEN);
	hs->last_initiation_consumption_ns = now_ns;
	up_write(&hs->lock);

out:
	memzero_explicit(&core, sizeof(core));
	memzero_explicit(&local, sizeof(local));
	return peer;
}

struct nt_peer *
nt_noise_handshake_consume_initiation(const struct message_handshake_initiation *src,
				      struct nt_device *ntd,
				      enum noisetun_drop_attr *drop)
{
	return consume_initiation(src, ntd, drop,
				  ktime_get_coarse_boottime_ns());
}

bool nt_noise_handshake_create_response(struct message_handshake_response *dst,
					struct nt_noise_handshake *hs)
{
	struct nt_peer *peer = hs->entry.peer;
	u8 ephemeral[NOISE_PUBLIC_KEY_LEN];
	bool ok = false;

	nt_crypto_privkey_generate(ephemeral);

	down_write(&hs->lock);
	if (unlikely(READ_ONCE(peer->is_dead) ||
		     hs->core.state != NT_NOISE_CORE_INITIATION_CONSUMED))
		goto out;
	/* An all-zero psk is the protocol's "none": no special case. */
	if (!nt_noise_core_response_create(&hs->core, ephemeral,
					   hs->preshared_key, NULL, 0,
					   dst->unencrypted_ephemeral))
		goto out;
	dst->header.type = cpu_to_le32(MESSAGE_HANDSHAKE_RESPONSE);
	dst->receiver_index = hs->remote_index;
	dst->sender_index = nt_index_hashtable_insert(index_table(hs),
						      &hs->entry);
	memset(&dst->macs, 0, sizeof(dst->macs));
	ok = true;
out:
	up_write(&hs->lock);
	memzero_explicit(ephemeral, sizeof(ephemeral));
	return ok;
}

struct nt_peer *
nt_noise_handshake_consume_response(const struct message_handshake_response *src,
				    struct nt_device *ntd,
				    enum noisetun_drop_attr *drop)
{
	struct nt_noise_core_static_keys local;
	struct nt_index_hashtable_entry *entry;
	struct nt_noise_handshake *hs;
	struct nt_peer *peer = NULL;

	*drop = NOISETUN_A_DROP_UNKNOWN_INDEX;
	rcu_read_lock_bh();
	entry = nt_index_hashtable_lookup(ntd->index_hashtable,
					  NT_INDEX_HASHTABLE_HANDSHAKE,
					  src->receiver_index, &peer);
	rcu_read_unlock_bh();
	if (unlikely(!entry))
		return NULL;
	/* Our reference on the peer keeps its embedded handshake alive. */
	hs = container_of(entry, struct nt_noise_handshake, entry);

	*drop = NOISETUN_A_DROP_HANDSHAKE_INVALID;
	if (unlikely(!copy_identity(&local, &ntd->static_identity)))
		goto err_put;

	down_write(&hs->lock);
	/*
	 * Only handshake steps move hs->entry, and they hold hs->lock: the
	 * index is stable here. It may have changed since the lookup if we
	 * started a new initiation in between; then this response is stale.
	 */
	if (unlikely(hs->entry.index != src->receiver_index ||
		     hs->core.state != NT_NOISE_CORE_INITIATION_CREATED)) {
		*drop = NOISETUN_A_DROP_BAD_STATE;
		goto err_unlock;
	}
	if (!nt_noise_core_response_consume(&hs->core, &local,
					    hs->preshared_key,
					    src->unencrypted_ephemeral,
					    NT_NOISE_CORE_RESPONSE_LEN(0), NULL))
		goto err_unlock;
	hs->remote_index = src->sender_index;
	up_write(&hs->lock);
	memzero_explicit(&local, sizeof(local));
	return peer;

err_unlock:
	up_write(&hs->lock);
	memzero_explicit(&local, sizeof(local));
err_put:
	nt_peer_put(peer);
	return NULL;
}

static void keypair_free_rcu(struct rcu_head *rcu)
{
	kfree_sensitive(container_of(rcu, struct nt_noise_keypair, rcu));
}

static void keypair_release(struct kref *refcount)
{
	struct nt_noise_keypair *keypair =
		container_of(refcount, struct nt_noise_keypair, refcount);
	struct nt_peer *peer = keypair->entry.peer;

	pr_debug("%s: Keypair %llu destroyed\n", peer->device->dev->name,
		 keypair->internal_id);
	nt_index_hashtable_remove(peer->device->index_hashtable,
				  &keypair->entry);
	/*
	 * The peer reference goes now, not in the RCU callback: a peer freed
	 * from inside a callback would queue its own callback after the
	 * device's rcu_barrier() started, and could outlive its device.
	 * Readers still holding the keypair under RCU do not dereference
	 * its peer without a reference of their own.
	 */
	nt_peer_put(peer);
	call_rcu(&keypair->rcu, keypair_free_rcu);
}

struct nt_noise_keypair *nt_noise_keypair_get(struct nt_noise_keypair *keypair)
{
	RCU_LOCKDEP_WARN(!rcu_read_lock_held() && !rcu_read_lock_bh_held(),
			 "noisetun: keypair reference taken outside RCU");
	if (unlikely(!keypair || !kref_get_unless_zero(&keypair->refcount)))
		return NULL;
	return keypair;
}

void nt_noise_keypair_put(struct nt_noise_keypair *keypair)
{
	if (unlikely(!keypair))
		return;
	kref_put(&keypair->refcount, keypair_release);
}

/*
 * A keypair leaves its slots: it is unhashed at once, so that no received
 * message finds it by its index any more, and the slots' reference goes.
 * Packets already in flight hold references of their own and finish with
 * it; the last of them frees it, and its keys, soon after. Unhashing only
 * on the last put instead would let a replayer who keeps taking new
 * references by its index keep the keys alive indefinitely. Called without
 * the keypair update lock (the table's lock ranks below it, but the put may
 * free the peer's last reference).
 */
static void keypair_retire(struct nt_noise_keypair *keypair)
{
	if (!keypair)
		return;
	nt_index_hashtable_remove(keypair->entry.peer->device->index_hashtable,
				  &keypair->entry);
	nt_noise_keypair_put(keypair);
}

void nt_noise_keypairs_init(struct nt_noise_keypairs *keypairs)
{
	RCU_INIT_POINTER(keypairs->current_keypair, NULL);
	RCU_INIT_POINTER(keypairs->previous_keypair, NULL);
	RCU_INIT_POINTER(keypairs->next_keypair, NULL);
	spin_lock_init(&keypairs->keypair_update_lock);
}

/* A slot's keypair, for a writer holding the update lock. */
static struct nt_noise_keypair *slot(struct nt_noise_keypairs *keypairs,
				     struct nt_noise_keypair __rcu *const *which)
{
	return rcu_dereference_protected(*which,
		lockdep_is_held(&keypairs->keypair_update_lock));
}

/*
 * Put @new into the slots; caller holds the update lock. Keypairs pushed
 * out go to @released, to be put after the lock is dropped (a put may take
 * the index table's lock and free the peer's last reference).
 */
static void install_keypair(struct nt_noise_keypairs *keypairs,
			    struct nt_noise_keypair *new,
			    struct nt_noise_keypair *released[2])
{
	struct nt_noise_keypair *previous, *current_kp, *next;

	previous = slot(keypairs, &keypairs->previous_keypair);
	current_kp = slot(keypairs, &keypairs->current_keypair);
	next = slot(keypairs, &keypairs->next_keypair);

	if (new->i_am_the_initiator) {
		if (next) {
			/*
			 * An unconfirmed keypair of the peer's own handshake:
			 * the peer may already send on it as its current one.
			 * Keep receiving on it as previous; the current one
			 * is older than both and goes.
			 */
			RCU_INIT_POINTER(keypairs->next_keypair, NULL);
			rcu_assign_pointer(keypairs->previous_keypair, next);
			released[0] = current_kp;
		} else {
			rcu_assign_pointer(keypairs->previous_keypair,
					   current_kp);
		}
		released[1] = previous;
		rcu_assign_pointer(keypairs->current_keypair, new);
	} else {
		/*
		 * Unconfirmed until the peer's first data on it. A next
		 * keypair still pending was never confirmed and is replaced.
		 * Previous goes too: the confirmation would push current
		 * into its slot anyway, and the peer's new handshake shows it
		 * has moved on from the sessions before current.
		 */
		rcu_assign_pointer(keypairs->next_keypair, new);
		released[0] = next;
		RCU_INIT_POINTER(keypairs->previous_keypair, NULL);
		released[1] = previous;
	}
}

bool nt_noise_handshake_begin_session(struct nt_noise_handshake *hs,
				      struct nt_noise_keypairs *keypairs)
{
	struct nt_noise_keypair *released[2] = { NULL, NULL };
	struct nt_peer *peer = hs->entry.peer;
	struct nt_noise_keypair *keypair;
	enum nt_noise_core_state state;
	bool ok = false;

	keypair = kzalloc(sizeof(*keypair), GFP_KERNEL);

	down_write(&hs->lock);
	state = hs->core.state;
	if (unlikely(state != NT_NOISE_CORE_RESPONSE_CONSUMED &&
		     state != NT_NOISE_CORE_RESPONSE_CREATED))
		goto out;
	if (unlikely(!keypair))
		goto out_zero;
	if (WARN_ON_ONCE(!nt_noise_core_split(&hs->core, keypair->sending_key,
					      keypair->receiving_key)))
		goto out_zero;

	keypair->entry.peer = nt_peer_get(peer);
	keypair->entry.type = NT_INDEX_HASHTABLE_KEYPAIR;
	INIT_HLIST_NODE(&keypair->entry.index_hash);
	atomic64_set(&keypair->sending_counter, 0);
	nt_replay_init(&keypair->receiving_counter);
	keypair->birthday_ns = ktime_get_coarse_boottime_ns();
	keypair->remote_index = hs->remote_index;
	keypair->i_am_the_initiator = state == NT_NOISE_CORE_RESPONSE_CONSUMED;
	kref_init(&keypair->refcount);
	keypair->internal_id = atomic64_inc_return(&keypair_counter);
	pr_debug("%s: Keypair %llu created\n", peer->device->dev->name,
		 keypair->internal_id);

	/*
	 * The peer learnt this index with the handshake and sends its data
	 * to it. The handshake's entry is in the table in both RESPONSE
	 * states (create_initiation and create_response put it there, and
	 * only clear, which also zeroes the state, takes it out).
	 */
	if (WARN_ON_ONCE(!nt_index_hashtable_replace(index_table(hs),
						     &hs->entry,
						     &keypair->entry))) {
		nt_noise_keypair_put(keypair);
		keypair = NULL;
		goto out_zero;
	}

	spin_lock_bh(&keypairs->keypair_update_lock);
	/*
	 * Peer removal marks the peer dead before it clears the slots under
	 * this lock, so a keypair is never installed after that clear.
	 */
	if (unlikely(READ_ONCE(peer->is_dead))) {
		released[0] = keypair;
	} else {
		install_keypair(keypairs, keypair, released);
		ok = true;
	}
	spin_unlock_bh(&keypairs->keypair_update_lock);
	keypair = NULL;

out_zero:
	/* The handshake is used up, whether or not a session came of it. */
	handshake_zero(hs);
out:
	up_write(&hs->lock);
	kfree_sensitive(keypair);
	keypair_retire(released[0]);
	keypair_retire(released[1]);
	return ok;
}

void nt_noise_keypairs_clear(struct nt_noise_keypairs *keypairs)
{
	struct nt_noise_keypair *previous, *current_kp, *next;

	spin_lock_bh(&keypairs->keypair_update_lock);
	previous = rcu_replace_pointer(keypairs->previous_keypair, NULL,
				       lockdep_is_held(&keypairs->keypair_update_lock));
	current_kp = rcu_replace_pointer(keypairs->current_keypair, NULL,
					 lockdep_is_held(&keypairs->keypair_update_lock));
	next = rcu_replace_pointer(keypairs->next_keypair, NULL,
				   lockdep_is_held(&keypairs->keypair_update_lock));
	spin_unlock_bh(&keypairs->keypair_update_lock);
	keypair_retire(previous);
	keypair_retire(current_kp);
	keypair_retire(next);
}

bool nt_noise_received_with_keypair(struct nt_noise_keypairs *keypairs,
				    struct nt_noise_keypair *received)
{
	struct nt_noise_keypair *old_previous;

	/* The common case, data on current: no lock, only a compare. */
	if (likely(rcu_access_pointer(keypairs->next_keypair) != received))
		return false;

	spin_lock_bh(&keypairs->keypair_update_lock);
	/* Rechecked: another CPU may have confirmed it, or a handshake replaced it. */
	if (unlikely(slot(keypairs, &keypairs->next_keypair) != received)) {
		spin_unlock_bh(&keypairs->keypair_update_lock);
		return false;
	}
	old_previous = slot(keypairs, &keypairs->previous_keypair);
	rcu_assign_pointer(keypairs->previous_keypair,
			   slot(keypairs, &keypairs->current_keypair));
	rcu_assign_pointer(keypairs->current_keypair, received);
	RCU_INIT_POINTER(keypairs->next_keypair, NULL);
	spin_unlock_bh(&keypairs->keypair_update_lock);

	keypair_retire(old_previous);
	return true;
}

struct nt_noise_keypair *
nt_noise_keypair_lookup(struct nt_index_hashtable *table, __le32 index)
{
	struct nt_noise_keypair *keypair = NULL;
	struct nt_index_hashtable_entry *entry;
	struct nt_peer *peer;

	rcu_read_lock_bh();
	entry = nt_index_hashtable_lookup(table, NT_INDEX_HASHTABLE_KEYPAIR,
					  index, &peer);
	if (entry) {
		keypair = nt_noise_keypair_get(container_of(entry,
							    struct nt_noise_keypair,
							    entry));
		/* The keypair holds its own reference on the peer. */
		nt_peer_put(peer);
	}
	rcu_read_unlock_bh();
	return keypair;
}

struct nt_noise_keypair *
nt_noise_keypair_current(struct nt_noise_keypairs *keypairs)
{
	struct nt_noise_keypair *keypair;

	rcu_read_lock_bh();
	keypair = nt_noise_keypair_get(rcu_dereference_bh(keypairs->current_keypair));
	rcu_read_unlock_bh();
	return keypair;
}

/* Has @seconds passed since @birthday_ns? */
static bool has_aged(u64 birthday_ns, u64 seconds, u64 now_ns)
{
	return now_ns >= birthday_ns + seconds * NSEC_PER_SEC;
}

bool nt_noise_keypair_is_expired(const struct nt_noise_keypair *keypair,
				 u64 now_ns)
{
	return has_aged(keypair->birthday_ns, REJECT_AFTER_TIME, now_ns);
}

bool nt_noise_keypair_next_nonce(struct nt_noise_keypair *keypair, u64 *nonce)
{
	/*
	 * The counter stops at REJECT_AFTER_MESSAGES instead of counting on:
	 * however many CPUs keep asking, it can never wrap round to nonces
	 * already used.
	 */
	u64 counter = atomic64_fetch_add_unless(&keypair->sending_counter, 1,
						(s64)REJECT_AFTER_MESSAGES);

	if (unlikely(counter >= REJECT_AFTER_MESSAGES))
		return false;
	*nonce = counter;
	return true;
}

bool nt_noise_keypair_can_send(const struct nt_noise_keypair *keypair,
			       u64 now_ns)
{
	return (u64)atomic64_read(&keypair->sending_counter) <
		       REJECT_AFTER_MESSAGES &&
	       !nt_noise_keypair_is_expired(keypair, now_ns);
}

bool nt_noise_keypair_wants_rekey_after_send(const struct nt_noise_keypair *keypair,
					     u64 now_ns)
{
	return (u64)atomic64_read(&keypair->sending_counter) >
		       REKEY_AFTER_MESSAGES ||
	       (keypair->i_am_the_initiator &&
		has_aged(keypair->birthday_ns, REKEY_AFTER_TIME, now_ns));
}

bool nt_noise_keypair_wants_rekey_after_receive(const struct nt_noise_keypair *keypair,
						u64 now_ns)
{
	return keypair->i_am_the_initiator &&
	       has_aged(keypair->birthday_ns,
			REJECT_AFTER_TIME - KEEPALIVE_TIMEOUT - REKEY_TIMEOUT,
			now_ns);
}

#ifdef DEBUG
/*
 * The self-test: two devices A and B, each with one peer (the other), run
 * real handshakes through the functions above. The devices are allocated
 * but never registered, and the peers are built here rather than by
 * peer.c, so the test needs no module state; a peer's base reference is
 * never dropped, and the test checks at the end that every keypair gave
 * its reference back.
 */

struct selftest_party {
	struct net_device *dev;
	struct nt_device *ntd;
	struct nt_peer *peer; /* this device's view of the other party */
};

struct selftest {
	struct selftest_party a, b;
	struct message_handshake_initiation init, init_bad;
	struct message_handshake_response resp, resp_bad;
	struct nt_noise_handshake snapshot;
	bool ok;
};

static void selftest_check(struct selftest *t, bool cond, const char *what,
			   int line)
{
	if (cond)
		return;
	pr_err("noise self-test, line %d: %s\n", line, what);
	t->ok = false;
}

#define CHECK(t, cond) selftest_check(t, cond, #cond, __LINE__)

static void selftest_setup_netdev(struct net_device *dev)
{
}

static bool selftest_party_init(struct selftest_party *p, const char *name)
{
	struct nt_static_identity *id;

	p->dev = alloc_netdev(sizeof(struct nt_device), name, NET_NAME_UNKNOWN,
			      selftest_setup_netdev);
	if (!p->dev)
		return false;
	p->ntd = netdev_priv(p->dev);
	p->ntd->dev = p->dev;
	id = &p->ntd->static_identity;
	init_rwsem(&id->lock);
	nt_crypto_privkey_generate(id->private_key);
	id->has_identity = nt_crypto_pubkey_derive(id->public_key,
						   id->private_key);
	mutex_init(&p->ntd->device_update_lock);
	p->ntd->peer_hashtable = nt_pubkey_hashtable_alloc();
	p->ntd->index_hashtable = nt_index_hashtable_alloc();
	return id->has_identity && p->ntd->peer_hashtable &&
	       p->ntd->index_hashtable;
}

static bool selftest_peer_add(struct selftest_party *p,
			      const struct selftest_party *remote)
{
	struct nt_peer *peer = kzalloc(sizeof(*peer), GFP_KERNEL);

	if (!peer)
		return false;
	peer->device = p->ntd;
	kref_init(&peer->refcount);
	INIT_HLIST_NODE(&peer->pubkey_hash);
	nt_noise_handshake_init(&peer->handshake, peer,
				remote->ntd->static_identity.public_key);
	nt_noise_keypairs_init(&peer->keypairs);
	mutex_lock(&p->ntd->device_update_lock);
	nt_pubkey_hashtable_add(p->ntd->peer_hashtable, peer,
				&p->ntd->device_update_lock);
	mutex_unlock(&p->ntd->device_update_lock);
	p->peer = peer;
	return true;
}

static void selftest_party_uninit(struct selftest *t, struct selftest_party *p)
{
	if (p->peer) {
		mutex_lock(&p->ntd->device_update_lock);
		nt_pubkey_hashtable_remove(p->ntd->peer_hashtable, p->peer,
					   &p->ntd->device_update_lock);
		mutex_unlock(&p->ntd->device_update_lock);
		synchronize_rcu();
		/* Only the base reference is left: nothing leaked one. */
		CHECK(t, kref_read(&p->peer->refcount) == 1);
		kfree_sensitive(p->peer);
	}
	if (!p->dev)
		return;
	nt_index_hashtable_free(p->ntd->index_hashtable);
	nt_pubkey_hashtable_free(p->ntd->peer_hashtable);
	memzero_explicit(&p->ntd->static_identity,
			 sizeof(p->ntd->static_identity));
	free_netdev(p->dev);
}

static void selftest_timestamp(u8 out[NOISE_TIMESTAMP_LEN], time64_t seconds)
{
	struct timespec64 ts = { .tv_sec = seconds };

	nt_crypto_tai64n_encode(out, &ts);
}

/* Initiation from @from's handshake with the time @seconds in it. */
static bool selftest_initiate(struct selftest *t, struct selftest_party *from,
			      time64_t seconds)
{
	u8 timestamp[NOISE_TIMESTAMP_LEN];

	selftest_timestamp(timestamp, seconds);
	return create_initiation(&t->init, &from->peer->handshake, timestamp);
}

/* @to consumes t->init at @now_ns: does it come from its peer? */
static bool selftest_consume_init(struct selftest *t, struct selftest_party *to,
				  const struct message_handshake_initiation *msg,
				  u64 now_ns, enum noisetun_drop_attr *drop)
{
	struct nt_peer *peer = consume_initiation(msg, to->ntd, drop, now_ns);

	if (!peer)
		return false;
	nt_peer_put(peer);
	return peer == to->peer;
}

static bool selftest_consume_resp(struct selftest *t, struct selftest_party *to,
				  const struct message_handshake_response *msg,
				  enum noisetun_drop_attr *drop)
{
	struct nt_peer *peer = nt_noise_handshake_consume_response(msg, to->ntd,
								    drop);

	if (!peer)
		return false;
	nt_peer_put(peer);
	return peer == to->peer;
}

/* The parts of a handshake that a refused message must leave alone. */
static void selftest_snapshot(struct selftest *t, struct selftest_party *p)
{
	struct nt_noise_handshake *hs = &p->peer->handshake;

	memcpy(&t->snapshot.core, &hs->core, sizeof(hs->core));
	t->snapshot.remote_index = hs->remote_index;
	t->snapshot.entry.index = hs->entry.index;
	memcpy(t->snapshot.latest_timestamp, hs->latest_timestamp,
	       NOISE_TIMESTAMP_LEN);
	t->snapshot.last_initiation_consumption_ns =
		hs->last_initiation_consumption_ns;
}

static bool selftest_unchanged(struct selftest *t, struct selftest_party *p)
{
	struct nt_noise_handshake *hs = &p->peer->handshake;

	return !memcmp(&t->snapshot.core, &hs->core, sizeof(hs->core)) &&
	       t->snapshot.remote_index == hs->remote_index &&
	       t->snapshot.entry.index == hs->entry.index &&
	       !memcmp(t->snapshot.latest_timestamp, hs->latest_timestamp,
		       NOISE_TIMESTAMP_LEN) &&
	       t->snapshot.last_initiation_consumption_ns ==
		       hs->last_initiation_consumption_ns;
}

#define SLOT(p, name) rcu_access_pointer((p)->peer->keypairs.name)

/* Do @x and @y hold the two ends of one session? */
static bool selftest_keys_agree(struct nt_noise_keypair *x,
				struct nt_noise_keypair *y)
{
	return x && y &&
	       !memcmp(x->sending_key, y->receiving_key, NOISE_SYMMETRIC_KEY_LEN) &&
	       !memcmp(x->receiving_key, y->sending_key, NOISE_SYMMETRIC_KEY_LEN) &&
	       memcmp(x->sending_key, x->receiving_key, NOISE_SYMMETRIC_KEY_LEN) &&
	       x->remote_index == y->entry.index &&
	       y->remote_index == x->entry.index &&
	       x->i_am_the_initiator != y->i_am_the_initiator;
}

/*
 * A full handshake from @i to @r at boot time @now_ns with timestamp
 * @seconds; both begin their session.
 */
static void selftest_session(struct selftest *t, struct selftest_party *i,
			     struct selftest_party *r, time64_t seconds,
			     u64 now_ns)
{
	enum noisetun_drop_attr drop;

	CHECK(t, selftest_initiate(t, i, seconds));
	CHECK(t, selftest_consume_init(t, r, &t->init, now_ns, &drop));
	CHECK(t, nt_noise_handshake_create_response(&t->resp,
						    &r->peer->handshake));
	CHECK(t, selftest_consume_resp(t, i, &t->resp, &drop));
	CHECK(t, nt_noise_handshake_begin_session(&i->peer->handshake,
						  &i->peer->keypairs));
	CHECK(t, nt_noise_handshake_begin_session(&r->peer->handshake,
						  &r->peer->keypairs));
}

/* Refusals of initiations, each leaving B's handshake as it was. */
static void selftest_initiation_rules(struct selftest *t, u64 t0)
{
	struct selftest_party *a = &t->a, *b = &t->b;
	enum noisetun_drop_attr drop;

	CHECK(t, selftest_initiate(t, a, 1000));
	CHECK(t, a->peer->handshake.core.state ==
		 NT_NOISE_CORE_INITIATION_CREATED);
	CHECK(t, selftest_consume_init(t, b, &t->init, t0, &drop));
	CHECK(t, b->peer->handshake.core.state ==
		 NT_NOISE_CORE_INITIATION_CONSUMED);
	CHECK(t, b->peer->handshake.remote_index == t->init.sender_index);
	selftest_snapshot(t, b);

	/* The same bytes again, a second later. */
	CHECK(t, !selftest_consume_init(t, b, &t->init, t0 + NSEC_PER_SEC,
					&drop));
	CHECK(t, drop == NOISETUN_A_DROP_HANDSHAKE_REPLAY);
	CHECK(t, selftest_unchanged(t, b));

	/* An older timestamp. */
	CHECK(t, selftest_initiate(t, a, 999));
	CHECK(t, !selftest_consume_init(t, b, &t->init, t0 + 2 * NSEC_PER_SEC,
					&drop));
	CHECK(t, drop == NOISETUN_A_DROP_HANDSHAKE_REPLAY);
	CHECK(t, selftest_unchanged(t, b));

	/* A newer one, but 10 ms after the last accepted: a flood. */
	CHECK(t, selftest_initiate(t, a, 1001));
	CHECK(t, !selftest_consume_init(t, b, &t->init,
					t0 + 10 * NSEC_PER_MSEC, &drop));
	CHECK(t, drop == NOISETUN_A_DROP_HANDSHAKE_FLOOD);
	CHECK(t, selftest_unchanged(t, b));

	/* One flipped bit in the sealed static key or timestamp. */
	t->init_bad = t->init;
	t->init_bad.encrypted_static[7] ^= 0x10;
	CHECK(t, !selftest_consume_init(t, b, &t->init_bad, t0 + NSEC_PER_SEC,
					&drop));
	CHECK(t, drop == NOISETUN_A_DROP_HANDSHAKE_INVALID);
	t->init_bad = t->init;
	t->init_bad.encrypted_timestamp[0] ^= 0x01;
	CHECK(t, !selftest_consume_init(t, b, &t->init_bad, t0 + NSEC_PER_SEC,
					&drop));
	CHECK(t, drop == NOISETUN_A_DROP_HANDSHAKE_INVALID);
	CHECK(t, selftest_unchanged(t, b));

	/* The same initiation 25 ms after the last accepted: fine. */
	CHECK(t, selftest_consume_init(t, b, &t->init, t0 + 25 * NSEC_PER_MSEC,
				       &drop));
	CHECK(t, b->peer->handshake.remote_index == t->init.sender_index);
}

/* Refusals of responses, each leaving A's handshake as it was. */
static void selftest_response_rules(struct selftest *t)
{
	struct selftest_party *a = &t->a, *b = &t->b;
	enum noisetun_drop_attr drop;

	CHECK(t, nt_noise_handshake_create_response(&t->resp,
						    &b->peer->handshake));
	CHECK(t, b->peer->handshake.core.state ==
		 NT_NOISE_CORE_RESPONSE_CREATED);
	/* No second response to one initiation. */
	CHECK(t, !nt_noise_handshake_create_response(&t->resp_bad,
						     &b->peer->handshake));
	selftest_snapshot(t, a);

	t->resp_bad = t->resp;
	t->resp_bad.receiver_index ^= cpu_to_le32(1);
	CHECK(t, !selftest_consume_resp(t, a, &t->resp_bad, &drop));
	CHECK(t, drop == NOISETUN_A_DROP_UNKNOWN_INDEX);
	CHECK(t, selftest_unchanged(t, a));

	t->resp_bad = t->resp;
	t->resp_bad.encrypted_nothing[3] ^= 0x80;
	CHECK(t, !selftest_consume_resp(t, a, &t->resp_bad, &drop));
	CHECK(t, drop == NOISETUN_A_DROP_HANDSHAKE_INVALID);
	CHECK(t, selftest_unchanged(t, a));

	/* A psk only on A's side. */
	memset(a->peer->handshake.preshared_key, 0x5a, NOISE_SYMMETRIC_KEY_LEN);
	CHECK(t, !selftest_consume_resp(t, a, &t->resp, &drop));
	CHECK(t, drop == NOISETUN_A_DROP_HANDSHAKE_INVALID);
	CHECK(t, selftest_unchanged(t, a));
	memset(a->peer->handshake.preshared_key, 0, NOISE_SYMMETRIC_KEY_LEN);

	CHECK(t, selftest_consume_resp(t, a, &t->resp, &drop));
	CHECK(t, a->peer->handshake.core.state ==
		 NT_NOISE_CORE_RESPONSE_CONSUMED);
	/* A duplicate finds the handshake no longer waiting. */
	CHECK(t, !selftest_consume_resp(t, a, &t->resp, &drop));
	CHECK(t, drop == NOISETUN_A_DROP_BAD_STATE);
}

/* The first session (A initiated), data both ways, key confirmation. */
static void selftest_first_session(struct selftest *t)
{
	struct selftest_party *a = &t->a, *b = &t->b;
	struct nt_noise_keypair *ka, *kb, *found;
	enum noisetun_drop_attr drop;
	u8 sealed[NT_CRYPTO_SEALED_LEN(4)], plain[4];
	u64 nonce = U64_MAX;

	CHECK(t, nt_noise_handshake_begin_session(&a->peer->handshake,
						  &a->peer->keypairs));
	CHECK(t, nt_noise_handshake_begin_session(&b->peer->handshake,
						  &b->peer->keypairs));
	/* Used up: a second begin_session has nothing to split. */
	CHECK(t, !nt_noise_handshake_begin_session(&a->peer->handshake,
						   &a->peer->keypairs));
	CHECK(t, !memchr_inv(&a->peer->handshake.core, 0,
			     sizeof(a->peer->handshake.core)));
	CHECK(t, !memchr_inv(&b->peer->handshake.core, 0,
			     sizeof(b->peer->handshake.core)));

	ka = rcu_access_pointer(a->peer->keypairs.current_keypair);
	kb = rcu_access_pointer(b->peer->keypairs.next_keypair);
	CHECK(t, ka && ka->i_am_the_initiator);
	CHECK(t, !SLOT(a, next_keypair) && !SLOT(a, previous_keypair));
	CHECK(t, !SLOT(b, current_keypair) && !SLOT(b, previous_keypair));
	CHECK(t, selftest_keys_agree(ka, kb));
	if (!ka || !kb)
		return;

	/* The handshake's index now names the keypair, and only it. */
	found = nt_noise_keypair_lookup(a->ntd->index_hashtable,
					kb->remote_index);
	CHECK(t, found == ka);
	nt_noise_keypair_put(found);
	CHECK(t, !selftest_consume_resp(t, a, &t->resp, &drop));
	CHECK(t, drop == NOISETUN_A_DROP_UNKNOWN_INDEX);

	/* A sends on its current keypair; B opens it on next, once. */
	CHECK(t, nt_noise_keypair_next_nonce(ka, &nonce) && nonce == 0);
	nt_crypto_aead_encrypt(sealed, (const u8 *)"ping", 4, NULL, 0, nonce,
			       ka->sending_key);
	CHECK(t, nt_crypto_aead_decrypt(plain, sealed, sizeof(sealed), NULL, 0,
					nonce, kb->receiving_key));
	CHECK(t, !memcmp(plain, "ping", 4));
	CHECK(t, nt_replay_counter_validate(&kb->receiving_counter, nonce));
	CHECK(t, !nt_replay_counter_validate(&kb->receiving_counter, nonce));

	/* B is the responder: nothing to send with until confirmation. */
	CHECK(t, !nt_noise_keypair_current(&b->peer->keypairs));
	CHECK(t, !nt_noise_received_with_keypair(&a->peer->keypairs, ka));
	CHECK(t, nt_noise_received_with_keypair(&b->peer->keypairs, kb));
	CHECK(t, !nt_noise_received_with_keypair(&b->peer->keypairs, kb));
	CHECK(t, SLOT(b, current_keypair) == kb && !SLOT(b, next_keypair));
	found = nt_noise_keypair_current(&b->peer->keypairs);
	CHECK(t, found == kb);
	nt_noise_keypair_put(found);
}

/*
 * Rekeys: B initiates (with a psk on both sides), then A again, then B
 * again before confirming A's: every slot transition of noise.h.
 */
static void selftest_rekeys(struct selftest *t, u64 t0)
{
	struct selftest_party *a = &t->a, *b = &t->b;
	struct nt_noise_keypair *ka1, *kb1, *ka2, *kb2, *ka3, *kb3;

	ka1 = rcu_access_pointer(a->peer->keypairs.current_keypair);
	kb1 = rcu_access_pointer(b->peer->keypairs.current_keypair);

	memset(a->peer->handshake.preshared_key, 0xa5, NOISE_SYMMETRIC_KEY_LEN);
	memset(b->peer->handshake.preshared_key, 0xa5, NOISE_SYMMETRIC_KEY_LEN);
	selftest_session(t, b, a, 2000, t0);
	kb2 = rcu_access_pointer(b->peer->keypairs.current_keypair);
	ka2 = rcu_access_pointer(a->peer->keypairs.next_keypair);
	CHECK(t, selftest_keys_agree(kb2, ka2));
	CHECK(t, SLOT(b, previous_keypair) == kb1);
	CHECK(t, SLOT(a, current_keypair) == ka1);
	CHECK(t, nt_noise_received_with_keypair(&a->peer->keypairs, ka2));
	CHECK(t, SLOT(a, current_keypair) == ka2);
	CHECK(t, SLOT(a, previous_keypair) == ka1);

	/* A initiates: ka1 drops out, ka2 becomes previous. */
	selftest_session(t, a, b, 1002, t0 + NSEC_PER_SEC);
	ka3 = rcu_access_pointer(a->peer->keypairs.current_keypair);
	kb3 = rcu_access_pointer(b->peer->keypairs.next_keypair);
	CHECK(t, selftest_keys_agree(ka3, kb3));
	CHECK(t, SLOT(a, previous_keypair) == ka2);
	CHECK(t, SLOT(b, current_keypair) == kb2 && !SLOT(b, previous_keypair));

	/*
	 * B initiates before A's data confirmed kb3: kb3 is kept as
	 * previous (A sends on ka3), kb2 goes.
	 */
	selftest_session(t, b, a, 2001, t0 + NSEC_PER_SEC);
	CHECK(t, SLOT(b, previous_keypair) == kb3);
	CHECK(t, selftest_keys_agree(rcu_access_pointer(b->peer->keypairs.current_keypair),
				     rcu_access_pointer(a->peer->keypairs.next_keypair)));
	CHECK(t, SLOT(a, current_keypair) == ka3 && !SLOT(a, previous_keypair));
}

/* The expiry helpers of the send and receive paths. */
static void selftest_expiry(struct selftest *t)
{
	struct nt_noise_keypair *kp, *responder;
	u64 nonce, born;

	kp = rcu_access_pointer(t->a.peer->keypairs.current_keypair);
	responder = rcu_access_pointer(t->a.peer->keypairs.next_keypair);
	if (!kp || !responder || !kp->i_am_the_initiator ||
	    responder->i_am_the_initiator) {
		CHECK(t, false);
		return;
	}
	born = kp->birthday_ns;
	CHECK(t, !nt_noise_keypair_is_expired(kp, born + 179 * NSEC_PER_SEC));
	CHECK(t, nt_noise_keypair_is_expired(kp, born + 180 * NSEC_PER_SEC));
	CHECK(t, nt_noise_keypair_can_send(kp, born + 179 * NSEC_PER_SEC));
	CHECK(t, !nt_noise_keypair_can_send(kp, born + 180 * NSEC_PER_SEC));
	CHECK(t, !nt_noise_keypair_wants_rekey_after_send(kp, born + 119 * NSEC_PER_SEC));
	CHECK(t, nt_noise_keypair_wants_rekey_after_send(kp, born + 120 * NSEC_PER_SEC));
	CHECK(t, !nt_noise_keypair_wants_rekey_after_send(responder,
							  responder->birthday_ns +
							  170 * NSEC_PER_SEC));
	CHECK(t, !nt_noise_keypair_wants_rekey_after_receive(kp, born + 164 * NSEC_PER_SEC));
	CHECK(t, nt_noise_keypair_wants_rekey_after_receive(kp, born + 165 * NSEC_PER_SEC));
	CHECK(t, !nt_noise_keypair_wants_rekey_after_receive(responder,
							     responder->birthday_ns +
							     179 * NSEC_PER_SEC));

	atomic64_set(&responder->sending_counter, REKEY_AFTER_MESSAGES + 1);
	CHECK(t, nt_noise_keypair_wants_rekey_after_send(responder,
							 responder->birthday_ns));
	atomic64_set(&kp->sending_counter, REJECT_AFTER_MESSAGES - 1);
	CHECK(t, nt_noise_keypair_can_send(kp, born));
	CHECK(t, nt_noise_keypair_next_nonce(kp, &nonce));
	CHECK(t, nonce == REJECT_AFTER_MESSAGES - 1);
	CHECK(t, !nt_noise_keypair_next_nonce(kp, &nonce));
	CHECK(t, !nt_noise_keypair_next_nonce(kp, &nonce));
	CHECK(t, (u64)atomic64_read(&kp->sending_counter) ==
		 REJECT_AFTER_MESSAGES);
	CHECK(t, !nt_noise_keypair_can_send(kp, born));
}

/* Clearing, and a dead peer that must stay cleared. */
static void selftest_clear(struct selftest *t, struct selftest_party *p)
{
	struct nt_noise_handshake *hs = &p->peer->handshake;
	u8 latest[NOISE_TIMESTAMP_LEN];

	memcpy(latest, hs->latest_timestamp, sizeof(latest));
	nt_noise_keypairs_clear(&p->peer->keypairs);
	CHECK(t, !SLOT(p, current_keypair));
	CHECK(t, !SLOT(p, previous_keypair));
	CHECK(t, !SLOT(p, next_keypair));

	WRITE_ONCE(p->peer->is_dead, true);
	CHECK(t, !selftest_initiate(t, p, 5000));
	nt_noise_handshake_clear(hs);
	CHECK(t, !memchr_inv(&hs->core, 0, sizeof(hs->core)));
	CHECK(t, hs->core.state == NT_NOISE_CORE_ZEROED && !hs->remote_index);
	CHECK(t, hlist_unhashed(&hs->entry.index_hash));
	/* Replay protection outlives the handshake. */
	CHECK(t, !memcmp(latest, hs->latest_timestamp, sizeof(latest)));
}

bool nt_noise_selftest(void)
{
	/* A boot time far from 0, so that "never consumed" is distinct. */
	const u64 t0 = 1000 * NSEC_PER_SEC;
	struct selftest *t;
	bool ok;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return false;
	t->ok = true;
	if (!selftest_party_init(&t->a, "ntselftestA") ||
	    !selftest_party_init(&t->b, "ntselftestB") ||
	    !selftest_peer_add(&t->a, &t->b) ||
	    !selftest_peer_add(&t->b, &t->a)) {
		pr_err("noise self-test: out of memory\n");
		t->ok = false;
		goto out;
	}

	selftest_initiation_rules(t, t0);
	selftest_response_rules(t);
	selftest_first_session(t);
	selftest_rekeys(t, t0 + 10 * NSEC_PER_SEC);
	selftest_expiry(t);
	selftest_clear(t, &t->a);
	selftest_clear(t, &t->b);
	/* Keypairs drop their peer references at once, free after RCU. */
	rcu_barrier();
	CHECK(t, hash_empty(t->a.ntd->index_hashtable->hashtable));
	CHECK(t, hash_empty(t->b.ntd->index_hashtable->hashtable));

out:
	selftest_party_uninit(t, &t->a);
	selftest_party_uninit(t, &t->b);
	ok = t->ok;
	kfree_sensitive(t);
	if (ok)
		pr_info("noise self-tests: pass\n");
	else
		pr_err("noise self-tests: FAIL\n");
	return ok;
}
#endif
