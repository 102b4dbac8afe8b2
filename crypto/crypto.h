/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The crypto layer of noisetun: thin wrappers over the kernel's own library
 * (<crypto/chacha20poly1305.h>, <crypto/blake2s.h>, <crypto/curve25519.h>)
 * plus the constructions the protocol builds from them (HMAC-BLAKE2s, the
 * KDF chain, MAC, TAI64N).  No cipher is implemented here.
 *
 * Conventions: outputs come first; every output may alias any input of the
 * same call unless the function says otherwise; steps that can fail return
 * bool and are __must_check; secrets that pass through the stack are wiped
 * with memzero_explicit() before returning.  Nothing here sleeps or takes a
 * lock, so every function may be called from any context, including softirq.
 */

#ifndef _NT_CRYPTO_H
#define _NT_CRYPTO_H

#include <linux/bits.h>
#include <linux/compiler.h>
#include <linux/types.h>

struct scatterlist;
struct timespec64;

/**
 * enum nt_crypto_lengths - sizes fixed by the protocol, in bytes
 * @NT_CRYPTO_KEY_LEN: a ChaCha20-Poly1305 key (also a psk, a cookie secret)
 * @NT_CRYPTO_AUTHTAG_LEN: the Poly1305 tag appended by every encryption
 * @NT_CRYPTO_XNONCE_LEN: the random nonce of XChaCha20-Poly1305
 * @NT_CRYPTO_PUBLIC_KEY_LEN: an X25519 public key
 * @NT_CRYPTO_PRIVATE_KEY_LEN: an X25519 private key
 * @NT_CRYPTO_DH_LEN: an X25519 shared secret
 * @NT_CRYPTO_HASH_LEN: HASH, HMAC and KDF outputs (BLAKE2s-256)
 * @NT_CRYPTO_MAC_LEN: MAC output (keyed BLAKE2s-128): mac1, mac2, cookie
 * @NT_CRYPTO_MAC_KEY_MAX_LEN: the longest key MAC accepts
 * @NT_CRYPTO_HMAC_BLOCK_LEN: the BLAKE2s block, which HMAC pads keys to
 * @NT_CRYPTO_TAI64N_LEN: a TAI64N timestamp
 *
 * crypto.c checks with BUILD_BUG_ON() that the kernel library agrees.
 */
enum nt_crypto_lengths {
	NT_CRYPTO_KEY_LEN = 32,
	NT_CRYPTO_AUTHTAG_LEN = 16,
	NT_CRYPTO_XNONCE_LEN = 24,
	NT_CRYPTO_PUBLIC_KEY_LEN = 32,
	NT_CRYPTO_PRIVATE_KEY_LEN = 32,
	NT_CRYPTO_DH_LEN = 32,
	NT_CRYPTO_HASH_LEN = 32,
	NT_CRYPTO_MAC_LEN = 16,
	NT_CRYPTO_MAC_KEY_MAX_LEN = 32,
	NT_CRYPTO_HMAC_BLOCK_LEN = 64,
	NT_CRYPTO_TAI64N_LEN = 12,
};

/**
 * NT_CRYPTO_SEALED_LEN - size of a ciphertext
 * @plain_len: size of the plaintext
 *
 * ChaCha20 keeps the length; Poly1305 appends its tag.
 */
#define NT_CRYPTO_SEALED_LEN(plain_len) ((plain_len) + NT_CRYPTO_AUTHTAG_LEN)

/*
 * The Noise construction name and WireGuard's identifier
 * (Documentation/protocol.md "Primitives"):
 * C = HASH(NT_CRYPTO_CONSTRUCTION), H = HASH(C || NT_CRYPTO_IDENTIFIER).
 * Both are hashed without a terminator: use sizeof() - 1.
 */
#define NT_CRYPTO_CONSTRUCTION "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"
#define NT_CRYPTO_IDENTIFIER "WireGuard v1 zx2c4 Jason@zx2c4.com"

/*
 * TAI64N timestamps carry their nanoseconds rounded down to a multiple of
 * this, so that a handshake initiation does not publish the sender's precise
 * clock.  It is the largest power of two not above the shortest interval
 * between two initiations a peer accepts (1 s / 50, Documentation/protocol.md
 * "Timers and limits"), so two initiations that the rate limit lets through
 * never share a value and the receiver's "strictly newer" replay check still
 * orders them: 2^24 ns, about 16.8 ms.  WireGuard derives the same number
 * the same way.
 */
#define NT_CRYPTO_TAI64N_GRANULARITY_NS BIT(24)

/**
 * nt_crypto_aead_encrypt() - ChaCha20-Poly1305 with the protocol's nonce
 * @dst: NT_CRYPTO_SEALED_LEN(@src_len) bytes: ciphertext, then the tag
 * @src: plaintext
 * @src_len: size of @src
 * @ad: associated data, authenticated but not encrypted (may be NULL if 0)
 * @ad_len: size of @ad
 * @nonce: the 64-bit counter; the 96-bit RFC 8439 nonce is 4 zero bytes
 *	followed by @nonce in little-endian
 * @key: the key
 *
 * @dst may equal @src (in place); partial overlap is not allowed.
 */
void nt_crypto_aead_encrypt(u8 *dst, const u8 *src, size_t src_len,
			    const u8 *ad, size_t ad_len, u64 nonce,
			    const u8 key[NT_CRYPTO_KEY_LEN]);

/**
 * nt_crypto_aead_decrypt() - verify and decrypt a nt_crypto_aead_encrypt()
 * @dst: @src_len - NT_CRYPTO_AUTHTAG_LEN bytes of plaintext
 * @src: ciphertext followed by the tag
 * @src_len: size of @src, tag included
 * @ad: associated data given to the encryption
 * @ad_len: size of @ad
 * @nonce: the counter given to the encryption
 * @key: the key
 *
 * The tag is compared in constant time.  On failure the contents of @dst
 * are unspecified and must not be used.
 *
 * Return: true if @src is authentic, false if not or if it is shorter than
 * a tag.
 */
bool __must_check nt_crypto_aead_decrypt(u8 *dst, const u8 *src,
					 size_t src_len, const u8 *ad,
					 size_t ad_len, u64 nonce,
					 const u8 key[NT_CRYPTO_KEY_LEN]);

/**
 * nt_crypto_aead_encrypt_sg() - nt_crypto_aead_encrypt() in place over a
 *	scatterlist
 * @sg: the plaintext, followed by NT_CRYPTO_AUTHTAG_LEN writable bytes for
 *	the tag; fragments may have any size and alignment
 * @src_len: size of the plaintext
 * @ad: associated data (may be NULL if @ad_len is 0)
 * @ad_len: size of @ad
 * @nonce: the counter
 * @key: the key
 *
 * This is the transmit path's call; the pages behind @sg must be mapped
 * (lowmem or kmapped by the library itself), as for any sg_miter user.
 * It and nt_crypto_aead_decrypt_sg() run the implementation that
 * nt_crypto_aead_sg_init() chose; both give the same bytes.
 *
 * Return: false only if the kernel library refuses the length, or @sg is
 * shorter than the message and its tag.
 */
bool __must_check nt_crypto_aead_encrypt_sg(struct scatterlist *sg,
					    size_t src_len, const u8 *ad,
					    size_t ad_len, u64 nonce,
					    const u8 key[NT_CRYPTO_KEY_LEN]);

/**
 * nt_crypto_aead_decrypt_sg() - nt_crypto_aead_decrypt() in place over a
 *	scatterlist
 * @sg: the ciphertext followed by its tag
 * @src_len: size of ciphertext and tag together
 * @ad: associated data (may be NULL if @ad_len is 0)
 * @ad_len: size of @ad
 * @nonce: the counter
 * @key: the key
 *
 * On success the first @src_len - NT_CRYPTO_AUTHTAG_LEN bytes of @sg hold
 * the plaintext; on failure they hold garbage.
 *
 * Return: true if authentic.
 */
bool __must_check nt_crypto_aead_decrypt_sg(struct scatterlist *sg,
					    size_t src_len, const u8 *ad,
					    size_t ad_len, u64 nonce,
					    const u8 key[NT_CRYPTO_KEY_LEN]);

/**
 * nt_crypto_aead_sg_init() - choose the implementation behind
 *	nt_crypto_aead_encrypt_sg() and nt_crypto_aead_decrypt_sg()
 *
 * The module parameter aead= decides: "library" (the kernel library's
 * AEAD), "portable" (the same construction from the library's portable
 * ChaCha20 and Poly1305), or "auto", the default: both are timed on a
 * few full-size messages and the portable one is kept only if clearly
 * faster (an emulated CPU whose SIMD instructions are slow). Logs the
 * choice and the timings.
 *
 * Context: module load, before any device exists; process context.
 */
void nt_crypto_aead_sg_init(void);

#ifdef DEBUG
/**
 * nt_crypto_aead_sg_selftest() - the portable AEAD against the library's
 *
 * Both seal messages of every length up to two full-size ones, whole and
 * split into odd fragments, and must give the same bytes; each must open
 * the other's messages and refuse one with a flipped bit.
 *
 * Context: module load in DEBUG builds; process context, sleeps.
 * Return: true if all agree (or the kernel lacks the portable one).
 */
bool nt_crypto_aead_sg_selftest(void);
#else
static inline bool nt_crypto_aead_sg_selftest(void)
{
	return true;
}
#endif

/**
 * nt_crypto_xaead_encrypt() - XChaCha20-Poly1305 (cookie replies)
 * @dst: NT_CRYPTO_SEALED_LEN(@src_len) bytes
 * @src: plaintext
 * @src_len: size of @src
 * @ad: associated data
 * @ad_len: size of @ad
 * @nonce: a random 24-byte nonce, sent along with the ciphertext
 * @key: the key
 */
void nt_crypto_xaead_encrypt(u8 *dst, const u8 *src, size_t src_len,
			     const u8 *ad, size_t ad_len,
			     const u8 nonce[NT_CRYPTO_XNONCE_LEN],
			     const u8 key[NT_CRYPTO_KEY_LEN]);

/**
 * nt_crypto_xaead_decrypt() - verify and decrypt a nt_crypto_xaead_encrypt()
 * @dst: @src_len - NT_CRYPTO_AUTHTAG_LEN bytes
 * @src: ciphertext followed by the tag
 * @src_len: size of @src, tag included
 * @ad: associated data
 * @ad_len: size of @ad
 * @nonce: the nonce that came with the message
 * @key: the key
 *
 * Return: true if authentic.
 */
bool __must_check nt_crypto_xaead_decrypt(u8 *dst, const u8 *src,
					  size_t src_len, const u8 *ad,
					  size_t ad_len,
					  const u8 nonce[NT_CRYPTO_XNONCE_LEN],
					  const u8 key[NT_CRYPTO_KEY_LEN]);

/**
 * nt_crypto_dh() - X25519: the protocol's DH step
 * @shared: the shared secret
 * @private_key: our private key (clamped or not: X25519 clamps it)
 * @public_key: the peer's public key, as received (bit 255 is ignored)
 *
 * A public key of small order (or a non-canonical encoding of one) makes
 * the shared secret all zero whatever the private key;
 * Documentation/protocol.md "Primitives" makes that an error, since such a
 * "secret" is known to everybody.
 *
 * Return: false if the shared secret is all zero (@shared is then zero).
 */
bool __must_check nt_crypto_dh(u8 shared[NT_CRYPTO_DH_LEN],
			       const u8 private_key[NT_CRYPTO_PRIVATE_KEY_LEN],
			       const u8 public_key[NT_CRYPTO_PUBLIC_KEY_LEN]);

/**
 * nt_crypto_pubkey_derive() - the public key of a private key
 * @public_key: X25519(@private_key, 9)
 * @private_key: the private key
 *
 * Return: false if @private_key is all zero (the "no key" value of the
 * configuration interface) or the result is; @public_key is then unusable.
 */
bool __must_check
nt_crypto_pubkey_derive(u8 public_key[NT_CRYPTO_PUBLIC_KEY_LEN],
			const u8 private_key[NT_CRYPTO_PRIVATE_KEY_LEN]);

/**
 * nt_crypto_privkey_generate() - a fresh random, clamped private key
 * @private_key: the new key
 *
 * Uses get_random_bytes_wait(), so it may sleep until the RNG is seeded:
 * call it from process context (ephemeral keys are made in the handshake
 * worker, never in softirq).
 */
void nt_crypto_privkey_generate(u8 private_key[NT_CRYPTO_PRIVATE_KEY_LEN]);

/**
 * nt_crypto_privkey_clamp() - clamp a private key as X25519 does
 * @private_key: the key, changed in place
 *
 * Clears bits 0-2 and 255 and sets bit 254.  X25519 does this on every use
 * anyway; clamping on configuration makes the stored key read back in the
 * canonical form other implementations print.
 */
void nt_crypto_privkey_clamp(u8 private_key[NT_CRYPTO_PRIVATE_KEY_LEN]);

/**
 * nt_crypto_hash() - HASH: BLAKE2s with a 32-byte output
 * @out: the digest
 * @in: the input (may be NULL if @in_len is 0)
 * @in_len: size of @in
 */
void nt_crypto_hash(u8 out[NT_CRYPTO_HASH_LEN], const u8 *in, size_t in_len);

/**
 * nt_crypto_hash2() - HASH of two concatenated inputs
 * @out: HASH(@a || @b)
 * @a: first input
 * @a_len: size of @a
 * @b: second input
 * @b_len: size of @b
 *
 * For the protocol's labelled keys (HASH(label || public key)) and chains
 * (HASH(Ci || IDENTIFIER)) without copying into a temporary buffer.
 */
void nt_crypto_hash2(u8 out[NT_CRYPTO_HASH_LEN], const u8 *a, size_t a_len,
		     const u8 *b, size_t b_len);

/**
 * nt_crypto_mix_hash() - the Noise MixHash step, H = HASH(H || @in)
 * @hash: the running handshake hash, updated in place
 * @in: data to mix in
 * @in_len: size of @in
 */
void nt_crypto_mix_hash(u8 hash[NT_CRYPTO_HASH_LEN], const u8 *in,
			size_t in_len);

/**
 * nt_crypto_mac() - MAC: keyed BLAKE2s with a 16-byte output
 * @out: the MAC
 * @in: the input
 * @in_len: size of @in
 * @key: the key: 32 bytes for mac1, a 16-byte cookie for mac2
 * @key_len: size of @key, 1 to NT_CRYPTO_MAC_KEY_MAX_LEN
 *
 * This is BLAKE2s's own keyed mode with a 16-byte digest length in its
 * parameter block, not a truncated HASH.
 */
void nt_crypto_mac(u8 out[NT_CRYPTO_MAC_LEN], const u8 *in, size_t in_len,
		   const u8 *key, size_t key_len);

/**
 * nt_crypto_hmac() - HMAC-BLAKE2s (RFC 2104 over BLAKE2s-256, 64-byte block)
 * @out: the 32-byte HMAC
 * @in: the message
 * @in_len: size of @in
 * @key: the key; a key longer than a block is hashed first, as RFC 2104 says
 * @key_len: size of @key
 */
void nt_crypto_hmac(u8 out[NT_CRYPTO_HASH_LEN], const u8 *in, size_t in_len,
		    const u8 *key, size_t key_len);

/**
 * nt_crypto_kdf1() - KDF1(@key, @in)
 * @t1: t1 = HMAC(t0, 0x01), with t0 = HMAC(@key, @in)
 * @key: the chaining key
 * @in: input keying material (may be NULL if @in_len is 0)
 * @in_len: size of @in
 *
 * Noise's HKDF with BLAKE2s, the KDFn of Documentation/protocol.md
 * "Primitives".  @t1 may alias @key (the usual C = KDF1(C, x)).
 */
void nt_crypto_kdf1(u8 t1[NT_CRYPTO_HASH_LEN], const u8 key[NT_CRYPTO_HASH_LEN],
		    const u8 *in, size_t in_len);

/**
 * nt_crypto_kdf2() - KDF2(@key, @in)
 * @t1: first output, HMAC(t0, 0x01)
 * @t2: second output, HMAC(t0, t1 || 0x02)
 * @key: the chaining key
 * @in: input keying material
 * @in_len: size of @in
 *
 * @t1 or @t2 may alias @key.
 */
void nt_crypto_kdf2(u8 t1[NT_CRYPTO_HASH_LEN], u8 t2[NT_CRYPTO_HASH_LEN],
		    const u8 key[NT_CRYPTO_HASH_LEN], const u8 *in,
		    size_t in_len);

/**
 * nt_crypto_kdf3() - KDF3(@key, @in)
 * @t1: first output
 * @t2: second output
 * @t3: third output, HMAC(t0, t2 || 0x03)
 * @key: the chaining key
 * @in: input keying material (the psk, in the handshake)
 * @in_len: size of @in
 *
 * Any output may alias @key.
 */
void nt_crypto_kdf3(u8 t1[NT_CRYPTO_HASH_LEN], u8 t2[NT_CRYPTO_HASH_LEN],
		    u8 t3[NT_CRYPTO_HASH_LEN], const u8 key[NT_CRYPTO_HASH_LEN],
		    const u8 *in, size_t in_len);

/**
 * nt_crypto_tai64n_encode() - format a wall-clock time as TAI64N
 * @out: big-endian 2^62 + 10 + seconds, then big-endian nanoseconds
 * @ts: the time; @ts->tv_nsec is rounded down to a multiple of
 *	NT_CRYPTO_TAI64N_GRANULARITY_NS
 *
 * The "+ 10" is the TAI64 label as the reference implementations write it
 * (Documentation/protocol.md "Primitives"); the receiver only compares
 * timestamps from the same sender, so the exact offset matters only for
 * byte-compatibility.  Timestamps compare correctly with memcmp().
 */
void nt_crypto_tai64n_encode(u8 out[NT_CRYPTO_TAI64N_LEN],
			     const struct timespec64 *ts);

/**
 * nt_crypto_tai64n_now() - the current wall-clock time as TAI64N
 * @out: see nt_crypto_tai64n_encode()
 *
 * Wall-clock on purpose: the value must keep growing across reboots of the
 * sender, which only the real-time clock does.
 */
void nt_crypto_tai64n_now(u8 out[NT_CRYPTO_TAI64N_LEN]);

#ifdef DEBUG
/**
 * nt_crypto_selftest() - known-answer tests of the whole crypto layer
 *
 * Context: module load in DEBUG builds (without DEBUG, a stub returning
 * true); process context, sleeps (allocations, 1000 X25519 iterations).
 * Return: true if every vector passed, after logging "crypto self-tests:
 * pass"; false after logging the first failing vector, and the module must
 * then refuse to load.
 */
bool nt_crypto_selftest(void);

/* Each scratch buffer a self-test step is given holds this many bytes. */
#define NT_CRYPTO_SELFTEST_BUF_LEN 512

/**
 * struct nt_crypto_selftest_step - one test of nt_crypto_selftest()
 * @name: what it checks
 * @run: the test; @buf and @buf2 are scratch, NT_CRYPTO_SELFTEST_BUF_LEN
 *	bytes each. Returns NULL on success, else the failing vector's name.
 *
 * nt_crypto_selftest_steps[] lists them in the order nt_crypto_selftest()
 * runs them, ended by an entry without @run. The host unit test runs each
 * one as a test of its own.
 */
struct nt_crypto_selftest_step {
	const char *name;
	const char *(*run)(u8 *buf, u8 *buf2);
};

extern const struct nt_crypto_selftest_step nt_crypto_selftest_steps[];
#else
static inline bool nt_crypto_selftest(void)
{
	return true;
}
#endif

#endif /* _NT_CRYPTO_H */
