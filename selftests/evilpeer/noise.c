// SPDX-License-Identifier: GPL-2.0
/*
 * The initiator's half of Noise IKpsk2 as WireGuard uses it, step by step
 * as the protocol writes it (C the chaining key, H the hash, k a message
 * key; see noise.h).
 */
#include "noise.h"

#include <endian.h>
#include <string.h>

#include "crypto.h"

bool ep_noise_identity_init(struct ep_identity *id,
			    const uint8_t private_key[KEY_LEN],
			    const uint8_t peer_public[KEY_LEN],
			    const uint8_t psk[KEY_LEN])
{
	memset(id, 0, sizeof(*id));
	memcpy(id->private_key, private_key, KEY_LEN);
	ep_dh_public(id->public_key, private_key);
	memcpy(id->peer_public, peer_public, KEY_LEN);
	if (psk)
		memcpy(id->psk, psk, KEY_LEN);
	ep_hash(id->mac1_key_peer, LABEL_MAC1, strlen(LABEL_MAC1),
		peer_public, KEY_LEN);
	ep_hash(id->mac1_key_self, LABEL_MAC1, strlen(LABEL_MAC1),
		id->public_key, KEY_LEN);
	ep_hash(id->cookie_key_peer, LABEL_COOKIE, strlen(LABEL_COOKIE),
		peer_public, KEY_LEN);
	id->has_static_static = ep_dh(id->static_static, private_key,
				      peer_public);
	return id->has_static_static;
}

/* C and H before the first message: fixed by the construction and S_r. */
static void initial_state(uint8_t c[32], uint8_t h[32],
			  const uint8_t responder_public[32])
{
	ep_hash(c, NOISE_CONSTRUCTION, strlen(NOISE_CONSTRUCTION), NULL, 0);
	ep_hash(h, c, 32, NOISE_IDENTIFIER, strlen(NOISE_IDENTIFIER));
	ep_hash(h, h, 32, responder_public, 32);
}

/* mac1 always; mac2 when a cookie younger than its lifetime is held. */
static void add_macs(struct ep_identity *id, void *msg, size_t len,
		     uint64_t now_ms)
{
	struct message_macs *macs = (void *)((uint8_t *)msg + len -
					     sizeof(*macs));
	size_t upto_mac1 = len - sizeof(*macs);

	ep_mac(macs->mac1, id->mac1_key_peer, HASH_LEN, msg, upto_mac1);
	memcpy(id->last_mac1, macs->mac1, MAC_LEN);
	if (id->cookie_birth_ms &&
	    now_ms - id->cookie_birth_ms < COOKIE_LIFETIME_MS)
		ep_mac(macs->mac2, id->cookie, COOKIE_LEN, msg,
		       upto_mac1 + MAC_LEN);
	else
		memset(macs->mac2, 0, MAC_LEN);
}

bool ep_noise_create_initiation(struct ep_identity *id, struct ep_handshake *hs,
				struct message_initiation *msg, uint64_t now_ms,
				struct ep_ephemeral *reuse)
{
	uint8_t c[32], h[32], k[32], dh[32], eph_priv[32], eph_pub[32];
	uint8_t timestamp[TAI64N_LEN];
	uint32_t index;
	bool ok = false;

	memset(msg, 0, sizeof(*msg));
	msg->header.type = MESSAGE_INITIATION;
	ep_random(&index, sizeof(index));
	msg->sender_index = htole32(index);

	initial_state(c, h, id->peer_public);
	if (reuse && reuse->valid) {
		memcpy(eph_priv, reuse->private_key, 32);
		memcpy(eph_pub, reuse->public_key, 32);
		memcpy(dh, reuse->dh_static, 32);
	} else {
		ep_dh_generate(eph_priv, eph_pub);
		if (!ep_dh(dh, eph_priv, id->peer_public))
			goto out;
		if (reuse) {
			memcpy(reuse->private_key, eph_priv, 32);
			memcpy(reuse->public_key, eph_pub, 32);
			memcpy(reuse->dh_static, dh, 32);
			reuse->valid = true;
		}
	}
	/* C = KDF1(C, E_i.pub); H = HASH(H ‖ E_i.pub) */
	memcpy(msg->unencrypted_ephemeral, eph_pub, KEY_LEN);
	ep_kdf(c, NULL, NULL, c, eph_pub, KEY_LEN);
	ep_hash(h, h, 32, eph_pub, KEY_LEN);
	/* (C, k) = KDF2(C, DH(E_i, S_r)); static = AEAD(k, 0, S_i.pub, H) */
	ep_kdf(c, k, NULL, c, dh, 32);
	ep_aead_seal(msg->encrypted_static, id->public_key, KEY_LEN, h, 32, 0, k);
	ep_hash(h, h, 32, msg->encrypted_static, sizeof(msg->encrypted_static));
	/* (C, k) = KDF2(C, DH(S_i, S_r)); timestamp = AEAD(k, 0, TAI64N, H) */
	if (!id->has_static_static)
		goto out;
	ep_kdf(c, k, NULL, c, id->static_static, 32);
	ep_tai64n(timestamp);
	ep_aead_seal(msg->encrypted_timestamp, timestamp, TAI64N_LEN, h, 32, 0, k);
	ep_hash(h, h, 32, msg->encrypted_timestamp,
		sizeof(msg->encrypted_timestamp));

	add_macs(id, msg, sizeof(*msg), now_ms);
	if (hs) {
		memcpy(hs->hash, h, 32);
		memcpy(hs->chaining_key, c, 32);
		memcpy(hs->ephemeral_private, eph_priv, 32);
		hs->sender_index = index;
		hs->pending = true;
	}
	ok = true;
out:
	ep_wipe(c, 32);
	ep_wipe(k, 32);
	ep_wipe(dh, 32);
	ep_wipe(eph_priv, 32);
	return ok;
}

bool ep_noise_consume_response(struct ep_identity *id, struct ep_handshake *hs,
			       const struct message_response *msg,
			       struct ep_session *session)
{
	uint8_t c[32], h[32], k[32], t[32], dh[32], mac1[MAC_LEN], nothing[1];
	bool ok = false;

	if (!hs->pending || le32toh(msg->receiver_index) != hs->sender_index)
		return false;
	ep_mac(mac1, id->mac1_key_self, HASH_LEN, msg,
	       offsetof(struct message_response, macs));
	if (memcmp(mac1, msg->macs.mac1, MAC_LEN))
		return false;

	memcpy(c, hs->chaining_key, 32);
	memcpy(h, hs->hash, 32);
	/* C = KDF1(C, E_r.pub); H = HASH(H ‖ E_r.pub) */
	ep_kdf(c, NULL, NULL, c, msg->unencrypted_ephemeral, KEY_LEN);
	ep_hash(h, h, 32, msg->unencrypted_ephemeral, KEY_LEN);
	/* C = KDF1(C, DH(E_i, E_r)); C = KDF1(C, DH(S_i, E_r)) */
	if (!ep_dh(dh, hs->ephemeral_private, msg->unencrypted_ephemeral))
		goto out;
	ep_kdf(c, NULL, NULL, c, dh, 32);
	if (!ep_dh(dh, id->private_key, msg->unencrypted_ephemeral))
		goto out;
	ep_kdf(c, NULL, NULL, c, dh, 32);
	/* (C, t, k) = KDF3(C, psk); H = HASH(H ‖ t) */
	ep_kdf(c, t, k, c, id->psk, KEY_LEN);
	ep_hash(h, h, 32, t, 32);
	/* empty = AEAD(k, 0, "", H) */
	if (!ep_aead_open(nothing, msg->encrypted_nothing, TAG_LEN, h, 32, 0, k))
		goto out;
	ep_hash(h, h, 32, msg->encrypted_nothing, TAG_LEN);

	/* The initiator's (send, receive) = KDF2(C, ""). */
	memset(session, 0, sizeof(*session));
	ep_kdf(session->send_key, session->receive_key, NULL, c, NULL, 0);
	session->local_index = hs->sender_index;
	session->remote_index = le32toh(msg->sender_index);
	session->valid = true;
	hs->pending = false;
	ep_wipe(hs->ephemeral_private, 32);
	ok = true;
out:
	ep_wipe(c, 32);
	ep_wipe(k, 32);
	ep_wipe(t, 32);
	ep_wipe(dh, 32);
	return ok;
}

bool ep_noise_consume_cookie(struct ep_identity *id,
			     const struct message_cookie_reply *msg,
			     uint64_t now_ms)
{
	uint8_t cookie[COOKIE_LEN];

	/* The AD is the mac1 of the message the device answered. */
	if (!ep_xaead_open(cookie, msg->encrypted_cookie,
			   sizeof(msg->encrypted_cookie), id->last_mac1, MAC_LEN,
			   msg->nonce, id->cookie_key_peer))
		return false;
	memcpy(id->cookie, cookie, COOKIE_LEN);
	id->cookie_birth_ms = now_ms ? now_ms : 1;
	return true;
}
