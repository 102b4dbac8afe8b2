// SPDX-License-Identifier: GPL-2.0
/*
 * Thin wrappers over the kernel's crypto library, and the protocol's own
 * constructions on top of BLAKE2s.  The interface is documented in crypto.h.
 */

#include "crypto.h"
#include "crypto_compat.h"

#include <crypto/blake2s.h>
#include <crypto/chacha20poly1305.h>
#include <crypto/curve25519.h>
#include <linux/align.h>
#include <linux/build_bug.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/time64.h>
#include <linux/timekeeping.h>

/* Our names for the sizes are the protocol's; the library must agree. */
static_assert((int)NT_CRYPTO_KEY_LEN == CHACHA20POLY1305_KEY_SIZE);
static_assert((int)NT_CRYPTO_AUTHTAG_LEN == CHACHA20POLY1305_AUTHTAG_SIZE);
static_assert((int)NT_CRYPTO_XNONCE_LEN == XCHACHA20POLY1305_NONCE_SIZE);
static_assert((int)NT_CRYPTO_PUBLIC_KEY_LEN == CURVE25519_KEY_SIZE);
static_assert((int)NT_CRYPTO_PRIVATE_KEY_LEN == CURVE25519_KEY_SIZE);
static_assert((int)NT_CRYPTO_DH_LEN == CURVE25519_KEY_SIZE);
static_assert((int)NT_CRYPTO_HASH_LEN == BLAKE2S_HASH_SIZE);
static_assert((int)NT_CRYPTO_MAC_LEN == BLAKE2S_128_HASH_SIZE);
static_assert((int)NT_CRYPTO_MAC_KEY_MAX_LEN == BLAKE2S_KEY_SIZE);
static_assert((int)NT_CRYPTO_HMAC_BLOCK_LEN == BLAKE2S_BLOCK_SIZE);
static_assert(sizeof(__be64) + sizeof(__be32) == NT_CRYPTO_TAI64N_LEN);
/* The granularity must stay a power of two no longer than 1 s / 50. */
static_assert((NT_CRYPTO_TAI64N_GRANULARITY_NS &
	       (NT_CRYPTO_TAI64N_GRANULARITY_NS - 1)) == 0);
static_assert(NSEC_PER_SEC / 50 >= NT_CRYPTO_TAI64N_GRANULARITY_NS);

/*
 * AEAD.  The library's u64-nonce calls build exactly the protocol's 96-bit
 * nonce (a zero 32-bit word, then the counter in little-endian), so these
 * are plain forwards; their value is one name per protocol step and the
 * place where the nonce convention is written down.
 */

void nt_crypto_aead_encrypt(u8 *dst, const u8 *src, size_t src_len,
			    const u8 *ad, size_t ad_len, u64 nonce,
			    const u8 key[NT_CRYPTO_KEY_LEN])
{
	chacha20poly1305_encrypt(dst, src, src_len, ad, ad_len, nonce, key);
}

bool nt_crypto_aead_decrypt(u8 *dst, const u8 *src, size_t src_len,
			    const u8 *ad, size_t ad_len, u64 nonce,
			    const u8 key[NT_CRYPTO_KEY_LEN])
{
	return chacha20poly1305_decrypt(dst, src, src_len, ad, ad_len, nonce,
					key);
}

void nt_crypto_xaead_encrypt(u8 *dst, const u8 *src, size_t src_len,
			     const u8 *ad, size_t ad_len,
			     const u8 nonce[NT_CRYPTO_XNONCE_LEN],
			     const u8 key[NT_CRYPTO_KEY_LEN])
{
	xchacha20poly1305_encrypt(dst, src, src_len, ad, ad_len, nonce, key);
}

bool nt_crypto_xaead_decrypt(u8 *dst, const u8 *src, size_t src_len,
			     const u8 *ad, size_t ad_len,
			     const u8 nonce[NT_CRYPTO_XNONCE_LEN],
			     const u8 key[NT_CRYPTO_KEY_LEN])
{
	return xchacha20poly1305_decrypt(dst, src, src_len, ad, ad_len, nonce,
					 key);
}

/*
 * X25519.  curve25519() compares its result with zero in constant time and
 * reports the all-zero secret of a low-order point; the output then holds
 * that zero secret, nothing of our private key.
 */

bool nt_crypto_dh(u8 shared[NT_CRYPTO_DH_LEN],
		  const u8 private_key[NT_CRYPTO_PRIVATE_KEY_LEN],
		  const u8 public_key[NT_CRYPTO_PUBLIC_KEY_LEN])
{
	return curve25519(shared, private_key, public_key);
}

bool nt_crypto_pubkey_derive(u8 public_key[NT_CRYPTO_PUBLIC_KEY_LEN],
			     const u8 private_key[NT_CRYPTO_PRIVATE_KEY_LEN])
{
	return curve25519_generate_public(public_key, private_key);
}

void nt_crypto_privkey_generate(u8 private_key[NT_CRYPTO_PRIVATE_KEY_LEN])
{
	curve25519_generate_secret(private_key);
}

void nt_crypto_privkey_clamp(u8 private_key[NT_CRYPTO_PRIVATE_KEY_LEN])
{
	curve25519_clamp_secret(private_key);
}

/* BLAKE2s: HASH, MAC, and HMAC with the KDF built from it. */

void nt_crypto_hash(u8 out[NT_CRYPTO_HASH_LEN], const u8 *in, size_t in_len)
{
	nt_blake2s(out, in, NULL, NT_CRYPTO_HASH_LEN, in_len, 0);
}

void nt_crypto_hash2(u8 out[NT_CRYPTO_HASH_LEN], const u8 *a, size_t a_len,
		     const u8 *b, size_t b_len)
{
	struct nt_blake2s_state state;

	/* Both inputs are consumed before @out is written: aliasing is fine. */
	blake2s_init(&state, NT_CRYPTO_HASH_LEN);
	blake2s_update(&state, a, a_len);
	blake2s_update(&state, b, b_len);
	blake2s_final(&state, out);	/* also wipes @state */
}

void nt_crypto_mix_hash(u8 hash[NT_CRYPTO_HASH_LEN], const u8 *in,
			size_t in_len)
{
	nt_crypto_hash2(hash, hash, NT_CRYPTO_HASH_LEN, in, in_len);
}

void nt_crypto_mac(u8 out[NT_CRYPTO_MAC_LEN], const u8 *in, size_t in_len,
		   const u8 *key, size_t key_len)
{
	nt_blake2s(out, in, key, NT_CRYPTO_MAC_LEN, in_len, key_len);
}

void nt_crypto_hmac(u8 out[NT_CRYPTO_HASH_LEN], const u8 *in, size_t in_len,
		    const u8 *key, size_t key_len)
{
	struct nt_blake2s_state state;
	u8 pad[NT_CRYPTO_HMAC_BLOCK_LEN] = { };
	u8 inner[NT_CRYPTO_HASH_LEN];
	int i;

	/*
	 * RFC 2104: K is the key zero-padded to a block (hashed first if it is
	 * longer); out = H((K ^ opad) || H((K ^ ipad) || in)).  The protocol
	 * only uses 32-byte keys; the general case costs nothing.
	 */
	if (key_len > NT_CRYPTO_HMAC_BLOCK_LEN)
		nt_crypto_hash(pad, key, key_len);
	else if (key_len)
		memcpy(pad, key, key_len);

	for (i = 0; i < NT_CRYPTO_HMAC_BLOCK_LEN; i++)
		pad[i] ^= 0x36;
	blake2s_init(&state, NT_CRYPTO_HASH_LEN);
	blake2s_update(&state, pad, NT_CRYPTO_HMAC_BLOCK_LEN);
	blake2s_update(&state, in, in_len);
	blake2s_final(&state, inner);

	/* 0x36 ^ 0x5c turns the inner pad into the outer one. */
	for (i = 0; i < NT_CRYPTO_HMAC_BLOCK_LEN; i++)
		pad[i] ^= 0x36 ^ 0x5c;
	blake2s_init(&state, NT_CRYPTO_HASH_LEN);
	blake2s_update(&state, pad, NT_CRYPTO_HMAC_BLOCK_LEN);
	blake2s_update(&state, inner, NT_CRYPTO_HASH_LEN);
	blake2s_final(&state, out);

	memzero_explicit(pad, sizeof(pad));
	memzero_explicit(inner, sizeof(inner));
}

/*
 * KDFn (Documentation/protocol.md "Primitives"): t0 = HMAC(key, in), t1 =
 * HMAC(t0, 0x01), t_i = HMAC(t0, t_{i-1} || i).  Every output goes through the
 * stack and is copied out only after t0 exists, so the outputs may alias @key
 * or @in.
 */
static void kdf(u8 *t1, u8 *t2, u8 *t3, const u8 key[NT_CRYPTO_HASH_LEN],
		const u8 *in, size_t in_len)
{
	u8 secret[NT_CRYPTO_HASH_LEN];
	u8 block[NT_CRYPTO_HASH_LEN + 1];	/* t_{i-1} || i */
	u8 t[3][NT_CRYPTO_HASH_LEN];

	nt_crypto_hmac(secret, in, in_len, key, NT_CRYPTO_HASH_LEN);

	block[0] = 1;
	nt_crypto_hmac(t[0], block, 1, secret, NT_CRYPTO_HASH_LEN);
	if (t2) {
		memcpy(block, t[0], NT_CRYPTO_HASH_LEN);
		block[NT_CRYPTO_HASH_LEN] = 2;
		nt_crypto_hmac(t[1], block, sizeof(block), secret,
			       NT_CRYPTO_HASH_LEN);
	}
	if (t3) {
		memcpy(block, t[1], NT_CRYPTO_HASH_LEN);
		block[NT_CRYPTO_HASH_LEN] = 3;
		nt_crypto_hmac(t[2], block, sizeof(block), secret,
			       NT_CRYPTO_HASH_LEN);
	}

	memcpy(t1, t[0], NT_CRYPTO_HASH_LEN);
	if (t2)
		memcpy(t2, t[1], NT_CRYPTO_HASH_LEN);
	if (t3)
		memcpy(t3, t[2], NT_CRYPTO_HASH_LEN);

	memzero_explicit(secret, sizeof(secret));
	memzero_explicit(block, sizeof(block));
	memzero_explicit(t, sizeof(t));
}

void nt_crypto_kdf1(u8 t1[NT_CRYPTO_HASH_LEN], const u8 key[NT_CRYPTO_HASH_LEN],
		    const u8 *in, size_t in_len)
{
	kdf(t1, NULL, NULL, key, in, in_len);
}

void nt_crypto_kdf2(u8 t1[NT_CRYPTO_HASH_LEN], u8 t2[NT_CRYPTO_HASH_LEN],
		    const u8 key[NT_CRYPTO_HASH_LEN], const u8 *in,
		    size_t in_len)
{
	kdf(t1, t2, NULL, key, in, in_len);
}

void nt_crypto_kdf3(u8 t1[NT_CRYPTO_HASH_LEN], u8 t2[NT_CRYPTO_HASH_LEN],
		    u8 t3[NT_CRYPTO_HASH_LEN], const u8 key[NT_CRYPTO_HASH_LEN],
		    const u8 *in, size_t in_len)
{
	kdf(t1, t2, t3, key, in, in_len);
}

/*
 * TAI64N.  The label 2^62 + 10 is what TAI64 calls 1970-01-01 00:00:10 TAI;
 * like the reference implementations we add Unix seconds to it without a
 * leap-second table.  Rounding the nanoseconds down (crypto.h explains the
 * size) keeps the timestamp monotonic for the replay check while hiding the
 * low bits of the sender's clock.
 */

void nt_crypto_tai64n_encode(u8 out[NT_CRYPTO_TAI64N_LEN],
			     const struct timespec64 *ts)
{
	__be64 label = cpu_to_be64((1ULL << 62) + 10 + (u64)ts->tv_sec);
	__be32 nsec = cpu_to_be32(ALIGN_DOWN((u32)ts->tv_nsec,
					     (u32)NT_CRYPTO_TAI64N_GRANULARITY_NS));

	memcpy(out, &label, sizeof(label));
	memcpy(out + sizeof(label), &nsec, sizeof(nsec));
}

void nt_crypto_tai64n_now(u8 out[NT_CRYPTO_TAI64N_LEN])
{
	struct timespec64 now;

	ktime_get_real_ts64(&now);
	nt_crypto_tai64n_encode(out, &now);
}
