/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The protocol's primitives over libsodium (X25519, ChaCha20-Poly1305,
 * XChaCha20-Poly1305) and OpenSSL's libcrypto (BLAKE2s, keyed BLAKE2s,
 * HMAC-BLAKE2s). Nothing here implements a cipher or a hash itself.
 * Library failures other than a failed authentication or a zero DH result
 * end the program: evilpeer is a test tool, and a broken library must not
 * pass for a broken peer.
 */
#ifndef EVILPEER_CRYPTO_H
#define EVILPEER_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** ep_crypto_init() - initialise both libraries; exits on failure. */
void ep_crypto_init(void);

/** ep_hash() - out = BLAKE2s-256(a ‖ b); @b may be NULL. */
void ep_hash(uint8_t out[32], const void *a, size_t alen,
	     const void *b, size_t blen);

/** ep_mac() - out = keyed BLAKE2s with 16 bytes of output, key of 1..32 bytes. */
void ep_mac(uint8_t out[16], const uint8_t *key, size_t keylen,
	    const void *data, size_t len);

/** ep_hmac() - out = HMAC-BLAKE2s(key, a ‖ b); @b may be NULL. */
void ep_hmac(uint8_t out[32], const uint8_t key[32], const void *a, size_t alen,
	     const void *b, size_t blen);

/**
 * ep_kdf() - the protocol's KDF: t1, t2, t3 from chaining key @key and
 * input @x. Any of @t1, @t2, @t3 may be NULL when not needed (a later one
 * is still computed from the earlier ones).
 */
void ep_kdf(uint8_t *t1, uint8_t *t2, uint8_t *t3, const uint8_t key[32],
	    const void *x, size_t xlen);

/** ep_dh() - out = X25519(priv, pub); false when the result is all zeros. */
bool ep_dh(uint8_t out[32], const uint8_t priv[32], const uint8_t pub[32]);

/** ep_dh_generate() - a fresh random private key and its public key. */
void ep_dh_generate(uint8_t priv[32], uint8_t pub[32]);

/** ep_dh_public() - the public key of @priv. */
void ep_dh_public(uint8_t pub[32], const uint8_t priv[32]);

/**
 * ep_aead_seal() - ChaCha20-Poly1305 with the protocol's nonce (4 zero
 * bytes, then @counter little-endian); writes @len + 16 bytes to @dst,
 * which may equal @src.
 */
void ep_aead_seal(uint8_t *dst, const uint8_t *src, size_t len,
		  const uint8_t *ad, size_t adlen, uint64_t counter,
		  const uint8_t key[32]);

/** ep_aead_open() - the reverse of ep_aead_seal(); @len includes the tag. */
bool ep_aead_open(uint8_t *dst, const uint8_t *src, size_t len,
		  const uint8_t *ad, size_t adlen, uint64_t counter,
		  const uint8_t key[32]);

/**
 * ep_xaead_seal() - XChaCha20-Poly1305 seal; writes @len + 16 bytes to
 * @dst (cookie replies, which only the fuzzer makes).
 */
void ep_xaead_seal(uint8_t *dst, const uint8_t *src, size_t len,
		   const uint8_t *ad, size_t adlen, const uint8_t nonce[24],
		   const uint8_t key[32]);

/** ep_xaead_open() - XChaCha20-Poly1305 open; @len includes the tag. */
bool ep_xaead_open(uint8_t *dst, const uint8_t *src, size_t len,
		   const uint8_t *ad, size_t adlen, const uint8_t nonce[24],
		   const uint8_t key[32]);

/** ep_tai64n() - the current wall-clock time as a TAI64N label. */
void ep_tai64n(uint8_t out[12]);

/** ep_random() - @len bytes from the system's random source. */
void ep_random(void *out, size_t len);

/**
 * ep_key_parse() - a base64 key (44 characters) into 32 bytes; trailing
 * whitespace is allowed. Returns false when it is not one.
 */
bool ep_key_parse(uint8_t out[32], const char *text);

/**
 * ep_key_read() - a key from a file holding one base64 key, or, when
 * @path_or_key is itself a base64 key, that key. Returns false when
 * neither works.
 */
bool ep_key_read(uint8_t out[32], const char *path_or_key);

/** ep_wipe() - zero a secret so the compiler cannot skip it. */
void ep_wipe(void *p, size_t len);

#endif
