/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The WireGuard handshake and sessions of a peer: what wraps the pure Noise
 * core (crypto/noise_core.h) in WireGuard's messages, indices, replay and
 * flood rules, and turns a finished handshake into keypairs.
 *
 * A peer embeds one &struct nt_noise_handshake and one &struct
 * nt_noise_keypairs; the device holds the receiver-index table
 * (indexhash.h) and its static identity (device.h).
 *
 * Who calls what (the caller checks mac1/mac2 and counts the drops):
 *   initiator                              responder
 *   create_initiation() ---- type 1 ---->  consume_initiation()
 *                                          create_response()
 *   consume_response()  <--- type 2 -----  begin_session(): keypair "next"
 *   begin_session(): keypair "current"
 *   data on "current"   ---- type 4 ---->  received_with_keypair(): "next"
 *                                          becomes "current" (key
 *                                          confirmation); it may now send
 *
 * Keypair lifetime: a keypair is reference counted. Each slot of &struct
 * nt_noise_keypairs owns one reference; the data path takes its own with
 * nt_noise_keypair_get() under RCU, found by its index or in a slot. A
 * keypair that leaves its last slot (rotation, key confirmation, clear)
 * leaves the index table at the same moment: no message received later
 * finds it, and only packets already in flight keep it. The last reference
 * frees it, zeroed, after an RCU grace period; until then it holds a
 * reference on its peer. So a peer is freed only after
 * nt_noise_keypairs_clear() emptied its slots (peer removal, device down).
 *
 * Debug builds log "<ifname>: Keypair <id> created" and "... destroyed",
 * ids never reused while the module is loaded, for the leak test.
 */

#ifndef _NT_NOISE_H
#define _NT_NOISE_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/rcupdate.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "indexhash.h"
#include "messages.h"
#include "noise_core.h"
#include "noisetun.h"
#include "replay.h"

struct nt_device;
struct nt_peer;

/**
 * struct nt_noise_keypair - the transport keys of one session
 * @entry: our index for the session (the peer's receiver index on data),
 *         and the peer, on which the keypair holds a reference
 * @sending_key: encrypts what we send
 * @sending_counter: the next nonce to send with; nt_noise_keypair_next_nonce()
 *                   hands nonces out, on any CPU
 * @receiving_key: decrypts what the peer sends
 * @receiving_counter: the replay window of received nonces
 * @birthday_ns: when the handshake completed, ktime_get_coarse_boottime_ns()
 *               (boot time keeps counting across suspend, so a keypair ages
 *               while the machine sleeps, as the protocol's timers expect)
 * @remote_index: the peer's index for the session; goes into every data
 *                message we send on it
 * @i_am_the_initiator: we sent the initiation. The initiator alone rekeys
 *                      on time, and a responder's keypair waits in "next"
 *                      until confirmed.
 * @refcount: see the top of this file
 * @rcu: frees the keypair after a grace period
 * @internal_id: unique while the module is loaded, for the debug log
 *
 * Everything but @sending_counter, @receiving_counter and @refcount is
 * written once before the keypair is published and read-only after.
 */
struct nt_noise_keypair {
	struct nt_index_hashtable_entry entry;
	u8 sending_key[NOISE_SYMMETRIC_KEY_LEN];
	atomic64_t sending_counter;
	u8 receiving_key[NOISE_SYMMETRIC_KEY_LEN];
	struct nt_replay receiving_counter;
	u64 birthday_ns;
	__le32 remote_index;
	bool i_am_the_initiator;
	struct kref refcount;
	struct rcu_head rcu;
	u64 internal_id;
};

/**
 * struct nt_noise_keypairs - a peer's three session slots
 * @current_keypair: what we send with, and receive on
 * @previous_keypair: the session before; still received on, for packets in
 *                    flight across a rekey
 * @next_keypair: a responder's new session, received on but not sent with
 *                until the peer's first data on it confirms the keys
 * @keypair_update_lock: serialises changes of the three slots (readers use
 *                       RCU). Taken with bottom halves off: key confirmation
 *                       runs in the receive path. Lock order: below a peer's
 *                       handshake lock and endpoint lock, above the index
 *                       table's lock (device.h).
 *
 * Each non-NULL slot owns one reference on its keypair.
 */
struct nt_noise_keypairs {
	struct nt_noise_keypair __rcu *current_keypair;
	struct nt_noise_keypair __rcu *previous_keypair;
	struct nt_noise_keypair __rcu *next_keypair;
	spinlock_t keypair_update_lock; /* protects the three slots' writers */
};

/**
 * struct nt_noise_handshake - a peer's handshake, either role
 * @lock: protects every member below except @remote_static. Taken for
 *        writing by the handshake steps (process context: the handshake
 *        worker, netlink), for reading by netlink GET (@preshared_key).
 * @remote_static: the peer's public key. Set at creation and never changed
 *                 (the peer's identity and hashtable key): read without
 *                 @lock.
 * @preshared_key: mixed into the handshake; all zeros when unset (which is
 *                 the protocol's "no psk"). Written by netlink SET.
 * @entry: our index for this handshake, while one is pending (in the
 *         device's index table from create_initiation or create_response
 *         until begin_session hands it to the keypair, or clear)
 * @core: the Noise state (chaining key, hash, ephemeral key, the peer's
 *        ephemeral). Its state field is the handshake's state machine:
 *        INITIATION_CREATED (we wait for a response), INITIATION_CONSUMED
 *        (we owe a response), RESPONSE_CREATED or RESPONSE_CONSUMED (ready
 *        for begin_session), ZEROED otherwise.
 * @remote_index: the peer's sender index of the pending handshake
 * @latest_timestamp: the TAI64N of the newest initiation accepted from the
 *                    peer; an initiation must carry a strictly greater one.
 *                    Survives nt_noise_handshake_clear(): forgetting it would
 *                    let an old initiation be replayed.
 * @precomputed_static_static: DH(our private key, @remote_static), the ss
 *                             step of every handshake with the peer; all
 *                             zero without a private key or for a
 *                             low-order peer key (no handshake then).
 *                             Recomputed when our key changes.
 * @last_initiation_consumption_ns: boot time of the last accepted initiation,
 *                                  for the flood guard (at most
 *                                  INITIATIONS_PER_SECOND); 0 = never
 *
 * The Noise core's steps work on copies and commit on success, and so do
 * the functions here: a refused message leaves the handshake as it was.
 */
struct nt_noise_handshake {
	struct rw_semaphore lock;
	u8 remote_static[NOISE_PUBLIC_KEY_LEN];
	u8 preshared_key[NOISE_SYMMETRIC_KEY_LEN];
	struct nt_index_hashtable_entry entry;
	struct nt_noise_core_handshake core;
	__le32 remote_index;
	u8 latest_timestamp[NOISE_TIMESTAMP_LEN];
	u8 precomputed_static_static[NOISE_PUBLIC_KEY_LEN];
	u64 last_initiation_consumption_ns;
};

/**
 * nt_noise_handshake_init() - set up a new peer's handshake
 * @hs: the handshake, zeroed memory inside @peer
 * @peer: the peer it belongs to
 * @remote_static: the peer's public key
 *
 * The preshared key stays all zero (none) until configured. The
 * static-static secret is not computed here: the caller does so with
 * nt_noise_handshake_precompute_static_static() before the peer can be
 * found (SET computes those of many new peers on several CPUs at once).
 */
void nt_noise_handshake_init(struct nt_noise_handshake *hs,
			     struct nt_peer *peer,
			     const u8 remote_static[NOISE_PUBLIC_KEY_LEN]);

/**
 * nt_noise_handshake_precompute_static_static() - the peer's ss secret anew
 * @hs: the handshake, in a peer of a device
 *
 * Computes DH(the device's private key, the peer's public key) once, for
 * every handshake to come in either role. Call it for a new peer before it
 * can be found, and again for every peer after the device's key changed.
 *
 * Context: process context; takes the device's identity lock for reading,
 * then @hs->lock.
 */
void nt_noise_handshake_precompute_static_static(struct nt_noise_handshake *hs);

/**
 * nt_noise_handshake_clear() - forget the pending handshake
 * @hs: the handshake
 *
 * Takes its index out of the table and zeroes the Noise state (keys,
 * hash, ephemeral). Keeps @hs->latest_timestamp and the flood guard's time,
 * which protect against replays across handshakes, and the configuration
 * (remote static, psk). After the peer is marked dead, no handshake step
 * re-inserts the index.
 *
 * Context: process context; takes @hs->lock.
 */
void nt_noise_handshake_clear(struct nt_noise_handshake *hs);

/**
 * nt_noise_handshake_create_initiation() - write a handshake initiation
 * @dst: the message; everything but macs is written, macs is zeroed for
 *       the cookie code to fill
 * @hs: the peer's handshake; any pending handshake is abandoned
 *
 * Starts a new handshake with a fresh ephemeral key, the current time as
 * TAI64N, and a new index.
 *
 * Context: process context (the ephemeral key may wait for the RNG); takes
 * the device's static identity lock and @hs->lock.
 * Return: false if the device has no private key, the peer's key is of low
 * order, or the peer is dead; @dst is then garbage.
 */
bool __must_check
nt_noise_handshake_create_initiation(struct message_handshake_initiation *dst,
				     struct nt_noise_handshake *hs);

/**
 * nt_noise_handshake_consume_initiation() - accept a handshake initiation
 * @src: the message; its size, type and mac1 were checked by the caller
 * @ntd: the device it arrived on
 * @drop: on failure, why: NOISETUN_A_DROP_HANDSHAKE_INVALID (no identity,
 *        does not decrypt, low-order key, unknown static key),
 *        NOISETUN_A_DROP_HANDSHAKE_REPLAY (timestamp not newer than the
 *        last accepted) or NOISETUN_A_DROP_HANDSHAKE_FLOOD (less than
 *        1 s / INITIATIONS_PER_SECOND after the last accepted)
 * @unknown_static: NULL, or where the sender's static key is copied when
 *                  it decrypted but is no peer's (the buffer is left alone
 *                  otherwise), for the unknown-peer event
 *
 * Decrypts the sender's static key, finds the peer by it in @ntd's
 * public-key table, and records the handshake in that peer's
 * &struct nt_noise_handshake for nt_noise_handshake_create_response().
 *
 * Context: process context; takes the static identity lock, then the
 * peer's handshake lock.
 * Return: the peer with a new reference, or NULL (nothing changed).
 */
struct nt_peer *
nt_noise_handshake_consume_initiation(const struct message_handshake_initiation *src,
				      struct nt_device *ntd,
				      enum noisetun_drop_attr *drop,
				      u8 unknown_static[NOISE_PUBLIC_KEY_LEN]);

/**
 * nt_noise_handshake_create_response() - answer a consumed initiation
 * @dst: the message; everything but macs is written, macs is zeroed
 * @hs: a handshake in state INITIATION_CONSUMED
 *
 * Context: process context; takes @hs->lock.
 * Return: false in another state, on a low-order key, or for a dead peer;
 * @dst is then garbage.
 */
bool __must_check
nt_noise_handshake_create_response(struct message_handshake_response *dst,
				   struct nt_noise_handshake *hs);

/**
 * nt_noise_handshake_consume_response() - accept the answer to our initiation
 * @src: the message; size, type and mac1 checked by the caller
 * @ntd: the device it arrived on
 * @drop: on failure, why: NOISETUN_A_DROP_UNKNOWN_INDEX (no pending
 *        handshake has the receiver index), NOISETUN_A_DROP_BAD_STATE (the
 *        handshake is not waiting for a response: a duplicate, or we
 *        started another) or NOISETUN_A_DROP_HANDSHAKE_INVALID (does not
 *        authenticate, psk mismatch, low-order key)
 *
 * Context: process context; takes the static identity lock, then the
 * peer's handshake lock.
 * Return: the peer with a new reference, its handshake now RESPONSE_CONSUMED,
 * or NULL (nothing changed).
 */
struct nt_peer *
nt_noise_handshake_consume_response(const struct message_handshake_response *src,
				    struct nt_device *ntd,
				    enum noisetun_drop_attr *drop);

/**
 * nt_noise_handshake_begin_session() - turn a finished handshake into keys
 * @hs: a handshake in state RESPONSE_CONSUMED (we initiated) or
 *      RESPONSE_CREATED (we responded)
 * @keypairs: the same peer's keypairs
 *
 * Derives a new keypair, which takes over the handshake's index, and zeroes
 * the handshake. The initiator's keypair becomes current at once (current
 * moves to previous); the responder's becomes next, and current only when
 * nt_noise_received_with_keypair() sees the peer use it. Keypairs pushed
 * out of the slots are released.
 *
 * Context: process context (allocates); takes @hs->lock, then the keypair
 * update lock.
 * Return: false in another state, for a dead peer, or when out of memory
 * (the handshake is then zeroed anyway: it is used up).
 */
bool __must_check
nt_noise_handshake_begin_session(struct nt_noise_handshake *hs,
				 struct nt_noise_keypairs *keypairs);

/**
 * nt_noise_keypairs_init() - set up a new peer's empty slots
 * @keypairs: the slots, in zeroed memory
 */
void nt_noise_keypairs_init(struct nt_noise_keypairs *keypairs);

/**
 * nt_noise_keypairs_clear() - empty the three slots
 * @keypairs: the slots
 *
 * The keypairs leave the index table at once, and are freed, zeroed, once
 * the packets in flight drop their references and a grace period passes.
 * Call it for a dead peer, a device going down, a new private key, or keys
 * unused for 3 * REJECT_AFTER_TIME.
 *
 * Context: any but hard interrupt; takes the keypair update lock.
 */
void nt_noise_keypairs_clear(struct nt_noise_keypairs *keypairs);

/**
 * nt_noise_received_with_keypair() - key confirmation on received data
 * @keypairs: the peer's slots
 * @received: the keypair an authenticated data message was received on
 *
 * If @received is the unconfirmed "next" keypair, the peer has proven it
 * holds the keys: it becomes current, current becomes previous, and the old
 * previous is released.
 *
 * Context: any but hard interrupt (the receive path); takes the keypair
 * update lock only when @received is next.
 * Return: true if this made @received current (the caller sends what was
 * staged, and tells the timers the handshake completed).
 */
bool nt_noise_received_with_keypair(struct nt_noise_keypairs *keypairs,
				    struct nt_noise_keypair *received);

/**
 * nt_noise_keypair_get() - take a reference on a keypair found under RCU
 * @keypair: from an RCU-protected slot or an index lookup, or NULL
 *
 * Caller holds rcu_read_lock_bh() (or rcu_read_lock()).
 * Return: @keypair with a new reference, or NULL if it is NULL or going
 * away.
 */
struct nt_noise_keypair *__must_check
nt_noise_keypair_get(struct nt_noise_keypair *keypair);

/**
 * nt_noise_keypair_put() - drop a keypair reference
 * @keypair: the keypair, or NULL
 *
 * The last reference frees it after a grace period, zeroed, releasing its
 * peer reference (its index left the table when it left its slots; the
 * removal here covers a keypair that never entered one).
 *
 * Context: any but hard interrupt.
 */
void nt_noise_keypair_put(struct nt_noise_keypair *keypair);

/**
 * nt_noise_keypair_lookup() - the keypair named by a data message's index
 * @table: the device's index table
 * @index: the message's receiver index (key_idx), as on the wire
 *
 * Context: any but hard interrupt; takes rcu_read_lock_bh() itself.
 * Return: the keypair with a new reference (its peer is in
 * @keypair->entry.peer, kept alive by the keypair), or NULL.
 */
struct nt_noise_keypair *
nt_noise_keypair_lookup(struct nt_index_hashtable *table, __le32 index);

/**
 * nt_noise_keypair_current() - the keypair to send with
 * @keypairs: the peer's slots
 *
 * Context: any but hard interrupt; takes rcu_read_lock_bh() itself.
 * Return: the current keypair with a new reference, or NULL (no session
 * yet, or only an unconfirmed next one). Check nt_noise_keypair_can_send()
 * before using it.
 */
struct nt_noise_keypair *
nt_noise_keypair_current(struct nt_noise_keypairs *keypairs);

/**
 * nt_noise_keypair_is_expired() - older than REJECT_AFTER_TIME?
 * @keypair: the keypair
 * @now_ns: ktime_get_coarse_boottime_ns()
 *
 * Return: true if the keypair must no longer be used for sending or
 * receiving (Documentation/protocol.md "Timers and limits": no keypair is used
 * past REJECT_AFTER_TIME).
 */
bool nt_noise_keypair_is_expired(const struct nt_noise_keypair *keypair,
				 u64 now_ns);

/**
 * nt_noise_keypair_next_nonce() - reserve the next sending counter
 * @keypair: the keypair to send with
 * @nonce: receives the counter for the message
 *
 * Any context; lock-free (one atomic increment). Once the counter reaches
 * REJECT_AFTER_MESSAGES the keypair can send no more: every later call
 * fails too.
 *
 * Return: false if the keypair is exhausted (@nonce is not written).
 */
bool __must_check nt_noise_keypair_next_nonce(struct nt_noise_keypair *keypair,
					      u64 *nonce);

/**
 * nt_noise_keypair_can_send() - may a message still go out on this keypair?
 * @keypair: the keypair
 * @now_ns: ktime_get_coarse_boottime_ns()
 *
 * Return: false if it is older than REJECT_AFTER_TIME or its counter reached
 * REJECT_AFTER_MESSAGES (stage the packet and start a handshake instead).
 */
bool nt_noise_keypair_can_send(const struct nt_noise_keypair *keypair,
			       u64 now_ns);

/**
 * nt_noise_keypair_wants_rekey_after_send() - start a handshake now?
 * @keypair: the keypair just sent on
 * @now_ns: ktime_get_coarse_boottime_ns()
 *
 * Return: true once REKEY_AFTER_MESSAGES were sent on it, or when we
 * initiated it more than REKEY_AFTER_TIME ago (Documentation/protocol.md
 * "Timers and limits").
 */
bool nt_noise_keypair_wants_rekey_after_send(const struct nt_noise_keypair *keypair,
					     u64 now_ns);

/**
 * nt_noise_keypair_wants_rekey_after_receive() - start a handshake now?
 * @keypair: the keypair just received on
 * @now_ns: ktime_get_coarse_boottime_ns()
 *
 * Return: true when we initiated it and it is older than REJECT_AFTER_TIME
 * - KEEPALIVE_TIMEOUT - REKEY_TIMEOUT, so that a new session is ready
 * before this one expires even if the peer has nothing to send.
 */
bool nt_noise_keypair_wants_rekey_after_receive(const struct nt_noise_keypair *keypair,
						u64 now_ns);

#ifdef DEBUG
/**
 * nt_noise_selftest() - two in-memory parties run the handshake
 *
 * Sessions both ways, key agreement, key confirmation, replayed and older
 * initiations, the flood guard, wrong indices and states, psk mismatch,
 * zeroing on clear, and the index table. Builds its own unregistered
 * net_devices and peers (not through peer.c), so it needs no module state.
 *
 * Context: process context (module load in DEBUG builds); sleeps. Logs
 * "noise self-tests: pass", or each failing check and "noise self-tests:
 * FAIL".
 * Return: true if every check passed; false must refuse the module load.
 */
bool nt_noise_selftest(void);
#else
static inline bool nt_noise_selftest(void)
{
	return true;
}
#endif

#endif /* _NT_NOISE_H */
