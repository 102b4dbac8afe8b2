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
#include "lifetime.h"
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
 * mac1 covers the message up to there (Documentation/protocol.md "Cookies"),
 * and the core's handshake hash covers exactly the ephemeral, sealed static and
 * sealed timestamp (initiation) or the ephemeral and sealed nothing (response).
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
 * What the two messages @hs creates share, under its lock: the index @hs
 * takes now, under which the answer finds it, as the sender's; and the MACs,
 * zeroed for nt_cookie_add_mac_to_packet() to fill.
 */
static void set_sender(struct nt_noise_handshake *hs, __le32 *sender_index,
		       struct message_macs *macs)
{
	*sender_index = nt_index_hashtable_insert(index_table(hs), &hs->entry);
	memset(macs, 0, sizeof(*macs));
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
static bool create_initiation_at(struct message_handshake_initiation *dst,
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
	set_sender(hs, &dst->sender_index, &dst->macs);
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
	return create_initiation_at(dst, hs, timestamp);
}

/* nt_noise_handshake_consume_initiation() at boot time @now_ns. */
static struct nt_peer *
consume_initiation_at(const struct message_handshake_initiation *src,
		      struct nt_device *ntd, enum noisetun_drop_attr *drop,
		      u8 unknown_static[NOISE_PUBLIC_KEY_LEN], u64 now_ns)
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
	if (unlikely(!peer)) {
		if (unknown_static)
			memcpy(unknown_static, core.initiator_static,
			       NOISE_PUBLIC_KEY_LEN);
		goto out;
	}
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
				      enum noisetun_drop_attr *drop,
				      u8 unknown_static[NOISE_PUBLIC_KEY_LEN])
{
	return consume_initiation_at(src, ntd, drop, unknown_static,
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
	set_sender(hs, &dst->sender_index, &dst->macs);
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
	if (unlikely(!keypair || !nt_lifetime_get_if_alive(&keypair->refcount)))
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
static struct nt_noise_keypair *slot_keypair(struct nt_noise_keypairs *keypairs,
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

	previous = slot_keypair(keypairs, &keypairs->previous_keypair);
	current_kp = slot_keypair(keypairs, &keypairs->current_keypair);
	next = slot_keypair(keypairs, &keypairs->next_keypair);

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
	if (unlikely(!keypair)) {
		/*
		 * The handshake message was good but yields no session: a
		 * drop like any other failed allocation on the packet path.
		 */
		nt_peer_count_drop(peer, NOISETUN_A_DROP_NO_MEMORY);
		goto out_zero;
	}
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
	if (unlikely(slot_keypair(keypairs, &keypairs->next_keypair) != received)) {
		spin_unlock_bh(&keypairs->keypair_update_lock);
		return false;
	}
	old_previous = slot_keypair(keypairs, &keypairs->previous_keypair);
	rcu_assign_pointer(keypairs->previous_keypair,
			   slot_keypair(keypairs, &keypairs->current_keypair));
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
#include "selftest/noise.c"
#endif
