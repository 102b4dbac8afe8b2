/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pure Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s handshake of
 * Documentation/protocol.md "Handshake": messages 1 and 2 and the split into
 * transport keys, on a plain state struct.  No peers, indices, timers, cookies
 * or wire headers: the caller (module/noise.c) wraps the bytes written here in
 * WireGuard's messages and owns everything else.  The ephemeral key and the
 * payloads are parameters, so that tests can reproduce published vectors byte
 * for byte.
 *
 * Message layout, which is also the layout of the matching fields of
 * WireGuard's wire structs (contiguous there), so callers can point @dst at
 * the first of them:
 *   initiation: ephemeral[32] || sealed static[32 + 16] || sealed payload
 *   response:   ephemeral[32] || sealed payload
 * WireGuard's payloads are a TAI64N timestamp (12 bytes) and nothing.
 *
 * Generic Noise and WireGuard differ only where the caller decides: Noise
 * hashes a prologue after the protocol name, WireGuard hashes its IDENTIFIER
 * there (so pass NT_CRYPTO_IDENTIFIER as the prologue); Noise lets both
 * messages carry any payload, WireGuard fixes them.  See noise_core.c for
 * the correspondence step by step.
 */

#ifndef _NT_NOISE_CORE_H
#define _NT_NOISE_CORE_H

#include "crypto.h"

/**
 * NT_NOISE_CORE_INITIATION_LEN - size of message 1
 * @payload_len: size of its payload
 */
#define NT_NOISE_CORE_INITIATION_LEN(payload_len)			\
	(NT_CRYPTO_PUBLIC_KEY_LEN +					\
	 NT_CRYPTO_SEALED_LEN(NT_CRYPTO_PUBLIC_KEY_LEN) +		\
	 NT_CRYPTO_SEALED_LEN(payload_len))

/**
 * NT_NOISE_CORE_RESPONSE_LEN - size of message 2
 * @payload_len: size of its payload
 */
#define NT_NOISE_CORE_RESPONSE_LEN(payload_len)				\
	(NT_CRYPTO_PUBLIC_KEY_LEN + NT_CRYPTO_SEALED_LEN(payload_len))

/**
 * enum nt_noise_core_state - where a handshake is
 * @NT_NOISE_CORE_ZEROED: nothing, or wiped
 * @NT_NOISE_CORE_INITIALIZED: nt_noise_core_init() done
 * @NT_NOISE_CORE_INITIATION_CREATED: initiator, message 1 sent
 * @NT_NOISE_CORE_INITIATION_STATIC_OPENED: responder, message 1 read up to
 *	the initiator's static key; its payload waits for the static-static
 *	secret of the peer that key names
 * @NT_NOISE_CORE_INITIATION_CONSUMED: responder, message 1 accepted
 * @NT_NOISE_CORE_RESPONSE_CREATED: responder, message 2 sent
 * @NT_NOISE_CORE_RESPONSE_CONSUMED: initiator, message 2 accepted
 * @NT_NOISE_CORE_SPLIT: transport keys derived, secrets wiped; only
 *	&nt_noise_core_handshake.hash is left
 */
enum nt_noise_core_state {
	NT_NOISE_CORE_ZEROED,
	NT_NOISE_CORE_INITIALIZED,
	NT_NOISE_CORE_INITIATION_CREATED,
	NT_NOISE_CORE_INITIATION_STATIC_OPENED,
	NT_NOISE_CORE_INITIATION_CONSUMED,
	NT_NOISE_CORE_RESPONSE_CREATED,
	NT_NOISE_CORE_RESPONSE_CONSUMED,
	NT_NOISE_CORE_SPLIT,
};

/**
 * struct nt_noise_core_static_keys - a static X25519 key pair
 * @private_key: the private key
 * @public_key: its public key, nt_crypto_pubkey_derive(@private_key)
 */
struct nt_noise_core_static_keys {
	u8 private_key[NT_CRYPTO_PRIVATE_KEY_LEN];
	u8 public_key[NT_CRYPTO_PUBLIC_KEY_LEN];
};

/**
 * struct nt_noise_core_handshake - the state of one handshake, either role
 * @hash: H, the running handshake hash; after the split, the handshake hash
 * @chaining_key: C, the running chaining key
 * @ephemeral_private: the initiator's ephemeral private key, kept from
 *	message 1 until message 2 arrives
 * @initiator_static: S_i, given by the initiator, learnt by the responder
 * @initiator_ephemeral: E_i, kept by the responder for message 2
 * @responder_static: S_r, known to both sides from the start
 * @state: see &enum nt_noise_core_state
 *
 * Not locked: the caller serialises all calls on one handshake.  Every
 * step works on copies and commits only on success, so a forged or
 * corrupted message leaves the state exactly as it was and the genuine
 * message can still be processed.  Wipe with nt_noise_core_clear().
 */
struct nt_noise_core_handshake {
	u8 hash[NT_CRYPTO_HASH_LEN];
	u8 chaining_key[NT_CRYPTO_HASH_LEN];
	u8 ephemeral_private[NT_CRYPTO_PRIVATE_KEY_LEN];
	u8 initiator_static[NT_CRYPTO_PUBLIC_KEY_LEN];
	u8 initiator_ephemeral[NT_CRYPTO_PUBLIC_KEY_LEN];
	u8 responder_static[NT_CRYPTO_PUBLIC_KEY_LEN];
	enum nt_noise_core_state state;
};

/**
 * nt_noise_core_init() - start a handshake, in either role
 * @hs: the state; any previous content is overwritten
 * @prologue: Noise's prologue; NT_CRYPTO_IDENTIFIER for WireGuard
 * @prologue_len: size of @prologue (without a terminator)
 * @responder_static: S_r: the peer's public key for an initiator, our own
 *	for a responder
 *
 * C = HASH(CONSTRUCTION), H = HASH(HASH(C || @prologue) || S_r).  For a
 * given responder this is constant; callers may cache a copy of @hs.
 */
void nt_noise_core_init(struct nt_noise_core_handshake *hs, const u8 *prologue,
			size_t prologue_len,
			const u8 responder_static[NT_CRYPTO_PUBLIC_KEY_LEN]);

/**
 * nt_noise_core_initiation_create() - write message 1 (initiator)
 * @hs: a handshake in state INITIALIZED
 * @local: our static keys
 * @static_static: DH(S_i, S_r), computed once for the two static keys
 *	and kept (it is the same for every handshake between them, on both
 *	sides); NULL computes it here from @local's private key
 * @ephemeral_private: a fresh private key (nt_crypto_privkey_generate()),
 *	kept in @hs until the response
 * @payload: the payload to encrypt (WireGuard: TAI64N)
 * @payload_len: size of @payload
 * @dst: NT_NOISE_CORE_INITIATION_LEN(@payload_len) bytes, not overlapping
 *	@payload
 *
 * Return: false if a DH result is all zero (a low-order responder key) or
 * @hs is in the wrong state; @hs is then unchanged and @dst garbage.
 */
bool __must_check
nt_noise_core_initiation_create(struct nt_noise_core_handshake *hs,
				const struct nt_noise_core_static_keys *local,
				const u8 static_static[NT_CRYPTO_DH_LEN],
				const u8 ephemeral_private[NT_CRYPTO_PRIVATE_KEY_LEN],
				const u8 *payload, size_t payload_len, u8 *dst);

/**
 * nt_noise_core_initiation_open_static() - read message 1 up to its sender
 * @hs: a handshake in state INITIALIZED, with our public key as S_r
 * @local: our static keys
 * @src: the message
 * @src_len: its size, NT_NOISE_CORE_INITIATION_LEN(payload size)
 *
 * The first half of reading message 1, and its only Diffie-Hellman step
 * (es): on success the initiator's static key is in @hs->initiator_static,
 * for the caller to look the peer up, and @hs is in state
 * INITIATION_STATIC_OPENED. A message from an unknown key costs no more.
 *
 * Return: false if @src is too short, the static key does not
 * authenticate, the ephemeral is low-order, or @hs is in the wrong state;
 * @hs is then unchanged.
 */
bool __must_check
nt_noise_core_initiation_open_static(struct nt_noise_core_handshake *hs,
				     const struct nt_noise_core_static_keys *local,
				     const u8 *src, size_t src_len);

/**
 * nt_noise_core_initiation_open_payload() - read the rest of message 1
 * @hs: a handshake in state INITIATION_STATIC_OPENED
 * @static_static: DH(S_r, S_i) for the static key @hs holds, precomputed
 *	(the peer's; all zero for a low-order key, which fails)
 * @src: the message, as given to nt_noise_core_initiation_open_static()
 * @src_len: its size
 * @payload: receives @src_len - NT_NOISE_CORE_INITIATION_LEN(0) bytes
 *
 * On success @hs is in state INITIATION_CONSUMED: the caller checks the
 * payload (timestamp) against the peer, and answers with
 * nt_noise_core_response_create().
 *
 * Return: false if the payload does not authenticate, @static_static is
 * zero, or @hs is in the wrong state; @hs is then unchanged and @payload
 * garbage.
 */
bool __must_check
nt_noise_core_initiation_open_payload(struct nt_noise_core_handshake *hs,
				      const u8 static_static[NT_CRYPTO_DH_LEN],
				      const u8 *src, size_t src_len,
				      u8 *payload);

/**
 * nt_noise_core_initiation_consume() - read message 1 (responder) at once
 * @hs: a handshake in state INITIALIZED, with our public key as S_r
 * @local: our static keys
 * @src: the message
 * @src_len: its size, NT_NOISE_CORE_INITIATION_LEN(payload size)
 * @payload: receives @src_len - NT_NOISE_CORE_INITIATION_LEN(0) bytes
 *
 * Both halves above, computing the static-static secret in between: for
 * callers that keep none (generic Noise, tests). On success the initiator's
 * static key is in @hs->initiator_static.
 *
 * Return: false if @src is too short, does not authenticate, carries a
 * low-order key, or @hs is in the wrong state; @hs is then unchanged and
 * @payload garbage.
 */
bool __must_check
nt_noise_core_initiation_consume(struct nt_noise_core_handshake *hs,
				 const struct nt_noise_core_static_keys *local,
				 const u8 *src, size_t src_len, u8 *payload);

/**
 * nt_noise_core_response_create() - write message 2 (responder)
 * @hs: a handshake in state INITIATION_CONSUMED
 * @ephemeral_private: a fresh private key; wiped from the stack after use,
 *	never stored in @hs
 * @psk: the peer's preshared key, or NULL for none (32 zero bytes)
 * @payload: the payload (WireGuard: none)
 * @payload_len: size of @payload
 * @dst: NT_NOISE_CORE_RESPONSE_LEN(@payload_len) bytes, not overlapping
 *	@payload
 *
 * Return: false on an all-zero DH result or the wrong state (@hs unchanged).
 */
bool __must_check
nt_noise_core_response_create(struct nt_noise_core_handshake *hs,
			      const u8 ephemeral_private[NT_CRYPTO_PRIVATE_KEY_LEN],
			      const u8 psk[NT_CRYPTO_KEY_LEN],
			      const u8 *payload, size_t payload_len, u8 *dst);

/**
 * nt_noise_core_response_consume() - read message 2 (initiator)
 * @hs: a handshake in state INITIATION_CREATED
 * @local: our static keys, as given to nt_noise_core_initiation_create()
 * @psk: the peer's preshared key, or NULL for none
 * @src: the message
 * @src_len: its size, NT_NOISE_CORE_RESPONSE_LEN(payload size)
 * @payload: receives @src_len - NT_NOISE_CORE_RESPONSE_LEN(0) bytes (may be
 *	NULL when that is 0)
 *
 * Return: false if @src is too short, does not authenticate, carries a
 * low-order key, or @hs is in the wrong state; @hs is then unchanged.
 */
bool __must_check
nt_noise_core_response_consume(struct nt_noise_core_handshake *hs,
			       const struct nt_noise_core_static_keys *local,
			       const u8 psk[NT_CRYPTO_KEY_LEN],
			       const u8 *src, size_t src_len, u8 *payload);

/**
 * nt_noise_core_split() - derive the transport keys
 * @hs: a handshake in state RESPONSE_CREATED or RESPONSE_CONSUMED
 * @send_key: the key for our transport messages
 * @receive_key: the key for the peer's
 *
 * (T_i, T_r) = KDF2(C, ""); the initiator sends with T_i.  Every counter
 * starts at 0.  Afterwards @hs holds only the handshake hash (state SPLIT).
 *
 * Return: false if @hs is in another state (nothing written).
 */
bool __must_check nt_noise_core_split(struct nt_noise_core_handshake *hs,
				      u8 send_key[NT_CRYPTO_KEY_LEN],
				      u8 receive_key[NT_CRYPTO_KEY_LEN]);

/**
 * nt_noise_core_clear() - wipe a handshake
 * @hs: the state, left ZEROED
 */
void nt_noise_core_clear(struct nt_noise_core_handshake *hs);

#endif /* _NT_NOISE_CORE_H */
