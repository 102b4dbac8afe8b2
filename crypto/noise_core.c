// SPDX-License-Identifier: GPL-2.0
/*
 * Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s, written the way
 * Documentation/protocol.md "Handshake" writes WireGuard's handshake.  The
 * Noise specification (revision 34) says the same with its SymmetricState; the
 * correspondence, for readers who know one and check the other:
 *
 *   Noise                              here (Documentation/protocol.md)
 *   InitializeSymmetric(name)          C = H = HASH(name)   (name > 32 bytes)
 *   MixHash(prologue)                  H = HASH(C || prologue): WireGuard's
 *                                      "H = HASH(C || IDENTIFIER)" is this
 *                                      with prologue = IDENTIFIER
 *   pre-message "<- s": MixHash(rs)    H = HASH(H || S_r)
 *   token e: MixHash(e), and in a      H = HASH(H || E); C = KDF1(C, E).
 *     psk handshake MixKey(e)          MixKey's key output is dropped: the
 *                                      next DH replaces it before any use
 *   tokens es/ss/ee/se: MixKey(DH)     C = KDF1(C, DH), or KDF2 where a key
 *                                      is used next
 *   token s: EncryptAndHash(s)         AEAD(k, 0, S, H), then H = HASH(H || c)
 *   token psk: MixKeyAndHash(psk)      (C, t, k) = KDF3(C, psk); H = HASH(H || t)
 *   payload: EncryptAndHash(p)         AEAD(k, 0, p, H), then H = HASH(H || c)
 *   Split()                            (T_i, T_r) = KDF2(C, "")
 *
 * Nonces are always 0 in the handshake: every encryption directly follows
 * the MixKey that produced its key.  Beyond Noise, WireGuard refuses
 * all-zero DH results (nt_crypto_dh() returns false) and lets the responder
 * choose the psk after reading message 1, which psk2 permits since the psk
 * is only mixed in message 2.
 */

#include "noise_core.h"

#include <linux/string.h>

static const u8 no_psk[NT_CRYPTO_KEY_LEN];

void nt_noise_core_init(struct nt_noise_core_handshake *hs, const u8 *prologue,
			size_t prologue_len,
			const u8 responder_static[NT_CRYPTO_PUBLIC_KEY_LEN])
{
	memzero_explicit(hs, sizeof(*hs));
	nt_crypto_hash(hs->chaining_key, (const u8 *)NT_CRYPTO_CONSTRUCTION,
		       sizeof(NT_CRYPTO_CONSTRUCTION) - 1);
	nt_crypto_hash2(hs->hash, hs->chaining_key, NT_CRYPTO_HASH_LEN,
			prologue, prologue_len);
	nt_crypto_mix_hash(hs->hash, responder_static, NT_CRYPTO_PUBLIC_KEY_LEN);
	memcpy(hs->responder_static, responder_static, NT_CRYPTO_PUBLIC_KEY_LEN);
	hs->state = NT_NOISE_CORE_INITIALIZED;
}

/* Token e: the ephemeral goes into both the hash and the chaining key. */
static void mix_ephemeral(struct nt_noise_core_handshake *hs,
			  const u8 ephemeral[NT_CRYPTO_PUBLIC_KEY_LEN])
{
	nt_crypto_mix_hash(hs->hash, ephemeral, NT_CRYPTO_PUBLIC_KEY_LEN);
	nt_crypto_kdf1(hs->chaining_key, hs->chaining_key, ephemeral,
		       NT_CRYPTO_PUBLIC_KEY_LEN);
}

/* Token e, written: our ephemeral's public key into @dst and the state. */
static bool __must_check write_ephemeral(struct nt_noise_core_handshake *hs,
					 u8 dst[NT_CRYPTO_PUBLIC_KEY_LEN],
					 const u8 private_key[NT_CRYPTO_PRIVATE_KEY_LEN])
{
	if (!nt_crypto_pubkey_derive(dst, private_key))
		return false;
	mix_ephemeral(hs, dst);
	return true;
}

/* Tokens es, ss, ee, se: C = KDF1(C, DH) or, with @key, (C, key) = KDF2. */
static bool __must_check mix_dh(struct nt_noise_core_handshake *hs, u8 *key,
				const u8 private_key[NT_CRYPTO_PRIVATE_KEY_LEN],
				const u8 public_key[NT_CRYPTO_PUBLIC_KEY_LEN])
{
	u8 dh[NT_CRYPTO_DH_LEN];
	bool ok = nt_crypto_dh(dh, private_key, public_key);

	if (ok && key)
		nt_crypto_kdf2(hs->chaining_key, key, hs->chaining_key, dh,
			       sizeof(dh));
	else if (ok)
		nt_crypto_kdf1(hs->chaining_key, hs->chaining_key, dh,
			       sizeof(dh));
	memzero_explicit(dh, sizeof(dh));
	return ok;
}

/*
 * Token ss from a precomputed DH(S_i, S_r), the same for both sides and
 * for every handshake between the two keys: (C, key) = KDF2(C, ss). An
 * all-zero one (a low-order key) fails as a computed one would.
 */
static bool __must_check mix_static_static(struct nt_noise_core_handshake *hs,
					   u8 key[NT_CRYPTO_KEY_LEN],
					   const u8 static_static[NT_CRYPTO_DH_LEN])
{
	if (!memchr_inv(static_static, 0, NT_CRYPTO_DH_LEN))
		return false;
	nt_crypto_kdf2(hs->chaining_key, key, hs->chaining_key, static_static,
		       NT_CRYPTO_DH_LEN);
	return true;
}

/* Token psk: (C, t, key) = KDF3(C, psk); H = HASH(H || t). */
static void mix_psk(struct nt_noise_core_handshake *hs,
		    u8 key[NT_CRYPTO_KEY_LEN], const u8 psk[NT_CRYPTO_KEY_LEN])
{
	u8 t[NT_CRYPTO_HASH_LEN];

	nt_crypto_kdf3(hs->chaining_key, t, key, hs->chaining_key,
		       psk ? psk : no_psk, NT_CRYPTO_KEY_LEN);
	nt_crypto_mix_hash(hs->hash, t, sizeof(t));
	memzero_explicit(t, sizeof(t));
}

/* EncryptAndHash with a fresh key, so the nonce is 0. */
static void seal_and_hash(struct nt_noise_core_handshake *hs, u8 *dst,
			  const u8 *src, size_t src_len,
			  const u8 key[NT_CRYPTO_KEY_LEN])
{
	nt_crypto_aead_encrypt(dst, src, src_len, hs->hash, NT_CRYPTO_HASH_LEN,
			       0, key);
	nt_crypto_mix_hash(hs->hash, dst, NT_CRYPTO_SEALED_LEN(src_len));
}

/* DecryptAndHash: H is the associated data before it absorbs @src. */
static bool __must_check open_and_hash(struct nt_noise_core_handshake *hs,
				       u8 *dst, const u8 *src, size_t src_len,
				       const u8 key[NT_CRYPTO_KEY_LEN])
{
	if (!nt_crypto_aead_decrypt(dst, src, src_len, hs->hash,
				    NT_CRYPTO_HASH_LEN, 0, key))
		return false;
	nt_crypto_mix_hash(hs->hash, src, src_len);
	return true;
}

/*
 * Each message step below works on a struct step: @next, a copy of the
 * state, and @key, the key of the moment. step_begin() makes the copy
 * when the state is the one the step starts from; step_end() copies it
 * back in the state the step reaches only on success, and wipes both on
 * every path.
 */
struct step {
	struct nt_noise_core_handshake next;
	u8 key[NT_CRYPTO_KEY_LEN];
};

static bool step_begin(struct step *st,
		       const struct nt_noise_core_handshake *hs,
		       enum nt_noise_core_state from)
{
	if (hs->state != from)
		return false;
	memcpy(&st->next, hs, sizeof(st->next));
	return true;
}

static bool step_end(struct step *st, struct nt_noise_core_handshake *hs,
		     enum nt_noise_core_state to, bool ok)
{
	if (ok) {
		st->next.state = to;
		memcpy(hs, &st->next, sizeof(*hs));
	}
	memzero_explicit(st, sizeof(*st));
	return ok;
}

bool nt_noise_core_initiation_create(struct nt_noise_core_handshake *hs,
				     const struct nt_noise_core_static_keys *local,
				     const u8 static_static[NT_CRYPTO_DH_LEN],
				     const u8 ephemeral_private[NT_CRYPTO_PRIVATE_KEY_LEN],
				     const u8 *payload, size_t payload_len,
				     u8 *dst)
{
	u8 *sealed_static = dst + NT_CRYPTO_PUBLIC_KEY_LEN;
	u8 *sealed_payload = sealed_static +
			     NT_CRYPTO_SEALED_LEN(NT_CRYPTO_PUBLIC_KEY_LEN);
	struct step st;
	bool ok = false;

	if (!step_begin(&st, hs, NT_NOISE_CORE_INITIALIZED))
		return false;

	/* e */
	if (!write_ephemeral(&st.next, dst, ephemeral_private))
		goto out;
	/* es, then s */
	if (!mix_dh(&st.next, st.key, ephemeral_private,
		    st.next.responder_static))
		goto out;
	seal_and_hash(&st.next, sealed_static, local->public_key,
		      NT_CRYPTO_PUBLIC_KEY_LEN, st.key);
	/* ss, then the payload */
	if (static_static ? !mix_static_static(&st.next, st.key, static_static) :
			    !mix_dh(&st.next, st.key, local->private_key,
				    st.next.responder_static))
		goto out;
	seal_and_hash(&st.next, sealed_payload, payload, payload_len, st.key);

	memcpy(st.next.ephemeral_private, ephemeral_private,
	       NT_CRYPTO_PRIVATE_KEY_LEN);
	memcpy(st.next.initiator_static, local->public_key,
	       NT_CRYPTO_PUBLIC_KEY_LEN);
	ok = true;
out:
	return step_end(&st, hs, NT_NOISE_CORE_INITIATION_CREATED, ok);
}

bool nt_noise_core_initiation_open_static(struct nt_noise_core_handshake *hs,
					  const struct nt_noise_core_static_keys *local,
					  const u8 *src, size_t src_len)
{
	const u8 *ephemeral = src;
	const u8 *sealed_static = src + NT_CRYPTO_PUBLIC_KEY_LEN;
	struct step st;
	bool ok;

	if (src_len < NT_NOISE_CORE_INITIATION_LEN(0) ||
	    !step_begin(&st, hs, NT_NOISE_CORE_INITIALIZED))
		return false;

	/* e */
	mix_ephemeral(&st.next, ephemeral);
	memcpy(st.next.initiator_ephemeral, ephemeral, NT_CRYPTO_PUBLIC_KEY_LEN);
	/* es, then s */
	ok = mix_dh(&st.next, st.key, local->private_key, ephemeral) &&
	     open_and_hash(&st.next, st.next.initiator_static, sealed_static,
			   NT_CRYPTO_SEALED_LEN(NT_CRYPTO_PUBLIC_KEY_LEN),
			   st.key);
	return step_end(&st, hs, NT_NOISE_CORE_INITIATION_STATIC_OPENED, ok);
}

bool nt_noise_core_initiation_open_payload(struct nt_noise_core_handshake *hs,
					   const u8 static_static[NT_CRYPTO_DH_LEN],
					   const u8 *src, size_t src_len,
					   u8 *payload)
{
	const size_t payload_offset = NT_CRYPTO_PUBLIC_KEY_LEN +
				      NT_CRYPTO_SEALED_LEN(NT_CRYPTO_PUBLIC_KEY_LEN);
	struct step st;
	bool ok;

	if (src_len < NT_NOISE_CORE_INITIATION_LEN(0) ||
	    !step_begin(&st, hs, NT_NOISE_CORE_INITIATION_STATIC_OPENED))
		return false;

	/* ss, then the payload */
	ok = mix_static_static(&st.next, st.key, static_static) &&
	     open_and_hash(&st.next, payload, src + payload_offset,
			   src_len - payload_offset, st.key);
	return step_end(&st, hs, NT_NOISE_CORE_INITIATION_CONSUMED, ok);
}

bool nt_noise_core_initiation_consume(struct nt_noise_core_handshake *hs,
				      const struct nt_noise_core_static_keys *local,
				      const u8 *src, size_t src_len, u8 *payload)
{
	struct nt_noise_core_handshake next;
	u8 static_static[NT_CRYPTO_DH_LEN];
	bool ok;

	memcpy(&next, hs, sizeof(next));
	ok = nt_noise_core_initiation_open_static(&next, local, src, src_len) &&
	     nt_crypto_dh(static_static, local->private_key,
			  next.initiator_static) &&
	     nt_noise_core_initiation_open_payload(&next, static_static, src,
						   src_len, payload);
	if (ok)
		memcpy(hs, &next, sizeof(*hs));
	memzero_explicit(&next, sizeof(next));
	memzero_explicit(static_static, sizeof(static_static));
	return ok;
}

bool nt_noise_core_response_create(struct nt_noise_core_handshake *hs,
				   const u8 ephemeral_private[NT_CRYPTO_PRIVATE_KEY_LEN],
				   const u8 psk[NT_CRYPTO_KEY_LEN],
				   const u8 *payload, size_t payload_len,
				   u8 *dst)
{
	struct step st;
	bool ok;

	if (!step_begin(&st, hs, NT_NOISE_CORE_INITIATION_CONSUMED))
		return false;

	/* e, ee, se, psk, then the payload */
	ok = write_ephemeral(&st.next, dst, ephemeral_private) &&
	     mix_dh(&st.next, NULL, ephemeral_private,
		    st.next.initiator_ephemeral) &&
	     mix_dh(&st.next, NULL, ephemeral_private,
		    st.next.initiator_static);
	if (ok) {
		mix_psk(&st.next, st.key, psk);
		seal_and_hash(&st.next, dst + NT_CRYPTO_PUBLIC_KEY_LEN, payload,
			      payload_len, st.key);
	}
	return step_end(&st, hs, NT_NOISE_CORE_RESPONSE_CREATED, ok);
}

bool nt_noise_core_response_consume(struct nt_noise_core_handshake *hs,
				    const struct nt_noise_core_static_keys *local,
				    const u8 psk[NT_CRYPTO_KEY_LEN],
				    const u8 *src, size_t src_len, u8 *payload)
{
	const u8 *ephemeral = src;
	struct step st;
	bool ok = false;

	if (src_len < NT_NOISE_CORE_RESPONSE_LEN(0) ||
	    !step_begin(&st, hs, NT_NOISE_CORE_INITIATION_CREATED))
		return false;

	/* e, ee, se, psk, then the payload */
	mix_ephemeral(&st.next, ephemeral);
	if (!mix_dh(&st.next, NULL, st.next.ephemeral_private, ephemeral) ||
	    !mix_dh(&st.next, NULL, local->private_key, ephemeral))
		goto out;
	mix_psk(&st.next, st.key, psk);
	if (!open_and_hash(&st.next, payload, src + NT_CRYPTO_PUBLIC_KEY_LEN,
			   src_len - NT_CRYPTO_PUBLIC_KEY_LEN, st.key))
		goto out;

	/* The ephemeral has done its work: forward secrecy starts here. */
	memzero_explicit(st.next.ephemeral_private, NT_CRYPTO_PRIVATE_KEY_LEN);
	ok = true;
out:
	return step_end(&st, hs, NT_NOISE_CORE_RESPONSE_CONSUMED, ok);
}

bool nt_noise_core_split(struct nt_noise_core_handshake *hs,
			 u8 send_key[NT_CRYPTO_KEY_LEN],
			 u8 receive_key[NT_CRYPTO_KEY_LEN])
{
	u8 first[NT_CRYPTO_KEY_LEN], second[NT_CRYPTO_KEY_LEN];
	u8 hash[NT_CRYPTO_HASH_LEN];
	bool initiator;

	if (hs->state == NT_NOISE_CORE_RESPONSE_CONSUMED)
		initiator = true;
	else if (hs->state == NT_NOISE_CORE_RESPONSE_CREATED)
		initiator = false;
	else
		return false;

	nt_crypto_kdf2(first, second, hs->chaining_key, NULL, 0);
	memcpy(send_key, initiator ? first : second, NT_CRYPTO_KEY_LEN);
	memcpy(receive_key, initiator ? second : first, NT_CRYPTO_KEY_LEN);

	memcpy(hash, hs->hash, sizeof(hash));
	nt_noise_core_clear(hs);
	memcpy(hs->hash, hash, sizeof(hash));
	hs->state = NT_NOISE_CORE_SPLIT;

	memzero_explicit(first, sizeof(first));
	memzero_explicit(second, sizeof(second));
	return true;
}

void nt_noise_core_clear(struct nt_noise_core_handshake *hs)
{
	memzero_explicit(hs, sizeof(*hs));
	hs->state = NT_NOISE_CORE_ZEROED;
}
