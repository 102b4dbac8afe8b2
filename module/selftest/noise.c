// SPDX-License-Identifier: GPL-2.0
/*
 * The self-test of the handshake and its keypairs, run at module load in
 * DEBUG builds. Included at the end of noise.c, so that it reaches that
 * file's static functions.
 */

/*
 * The self-test: two devices A and B, each with one peer (the other), run
 * real handshakes through noise.c's functions. The devices are allocated
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
	nt_noise_handshake_precompute_static_static(&peer->handshake);
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
	return create_initiation_at(&t->init, &from->peer->handshake, timestamp);
}

/* @to consumes t->init at @now_ns: does it come from its peer? */
static bool selftest_consume_init(struct selftest *t, struct selftest_party *to,
				  const struct message_handshake_initiation *msg,
				  u64 now_ns, enum noisetun_drop_attr *drop)
{
	struct nt_peer *peer = consume_initiation_at(msg, to->ntd, drop, NULL,
						    now_ns);

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
