// SPDX-License-Identifier: GPL-2.0
/*
 * The protocol's primitives, each a thin call into libsodium or OpenSSL's
 * libcrypto (see crypto.h).
 */
#include "crypto.h"

#include <ctype.h>
#include <endian.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <sodium.h>

static EVP_MD *blake2s256;
static EVP_MAC *blake2s_mac;	/* keyed BLAKE2s ("BLAKE2SMAC") */
static EVP_MAC *hmac;

static void __attribute__((noreturn)) crypto_die(const char *what)
{
	fprintf(stderr, "evilpeer: crypto: %s failed\n", what);
	ERR_print_errors_fp(stderr);
	exit(2);
}

void ep_crypto_init(void)
{
	if (sodium_init() < 0)
		crypto_die("sodium_init");
	blake2s256 = EVP_MD_fetch(NULL, "BLAKE2S-256", NULL);
	blake2s_mac = EVP_MAC_fetch(NULL, "BLAKE2SMAC", NULL);
	hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!blake2s256 || !blake2s_mac || !hmac)
		crypto_die("fetching BLAKE2s from libcrypto");
}

void ep_hash(uint8_t out[32], const void *a, size_t alen,
	     const void *b, size_t blen)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned int outlen = 0;

	if (!ctx || !EVP_DigestInit_ex(ctx, blake2s256, NULL) ||
	    !EVP_DigestUpdate(ctx, a, alen) ||
	    (b && !EVP_DigestUpdate(ctx, b, blen)) ||
	    !EVP_DigestFinal_ex(ctx, out, &outlen) || outlen != 32)
		crypto_die("BLAKE2s-256");
	EVP_MD_CTX_free(ctx);
}

/* One MAC computation over a ‖ b, @outlen bytes of output. */
static void mac_run(EVP_MAC *alg, const OSSL_PARAM *params, uint8_t *out,
		    size_t outlen, const uint8_t *key, size_t keylen,
		    const void *a, size_t alen, const void *b, size_t blen)
{
	EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(alg);
	size_t got = 0;

	if (!ctx || !EVP_MAC_init(ctx, key, keylen, params) ||
	    !EVP_MAC_update(ctx, a, alen) ||
	    (b && !EVP_MAC_update(ctx, b, blen)) ||
	    !EVP_MAC_final(ctx, out, &got, outlen) || got != outlen)
		crypto_die(EVP_MAC_get0_name(alg));
	EVP_MAC_CTX_free(ctx);
}

void ep_mac(uint8_t out[16], const uint8_t *key, size_t keylen,
	    const void *data, size_t len)
{
	size_t size = 16;
	OSSL_PARAM params[] = {
		OSSL_PARAM_size_t(OSSL_MAC_PARAM_SIZE, &size),
		OSSL_PARAM_END,
	};

	mac_run(blake2s_mac, params, out, 16, key, keylen, data, len, NULL, 0);
}

void ep_hmac(uint8_t out[32], const uint8_t key[32], const void *a, size_t alen,
	     const void *b, size_t blen)
{
	char digest[] = "BLAKE2S-256";
	OSSL_PARAM params[] = {
		OSSL_PARAM_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
		OSSL_PARAM_END,
	};

	mac_run(hmac, params, out, 32, key, 32, a, alen, b, blen);
}

void ep_kdf(uint8_t *t1, uint8_t *t2, uint8_t *t3, const uint8_t key[32],
	    const void *x, size_t xlen)
{
	uint8_t prk[32], t[32], i;

	ep_hmac(prk, key, x, xlen, NULL, 0);
	i = 1;
	ep_hmac(t, prk, &i, 1, NULL, 0);
	if (t1)
		memcpy(t1, t, 32);
	if (t2 || t3) {
		i = 2;
		ep_hmac(t, prk, t, 32, &i, 1);
		if (t2)
			memcpy(t2, t, 32);
	}
	if (t3) {
		i = 3;
		ep_hmac(t, prk, t, 32, &i, 1);
		memcpy(t3, t, 32);
	}
	ep_wipe(prk, sizeof(prk));
	ep_wipe(t, sizeof(t));
}

bool ep_dh(uint8_t out[32], const uint8_t priv[32], const uint8_t pub[32])
{
	/* libsodium refuses an all-zero result, as the protocol demands. */
	return crypto_scalarmult(out, priv, pub) == 0;
}

void ep_dh_generate(uint8_t priv[32], uint8_t pub[32])
{
	randombytes_buf(priv, 32);
	/* Clamped as X25519 expects (libsodium clamps again on use). */
	priv[0] &= 248;
	priv[31] = (priv[31] & 127) | 64;
	ep_dh_public(pub, priv);
}

void ep_dh_public(uint8_t pub[32], const uint8_t priv[32])
{
	if (crypto_scalarmult_base(pub, priv))
		crypto_die("X25519 public key");
}

static void protocol_nonce(uint8_t nonce[12], uint64_t counter)
{
	uint64_t le = htole64(counter);

	memset(nonce, 0, 4);
	memcpy(nonce + 4, &le, 8);
}

void ep_aead_seal(uint8_t *dst, const uint8_t *src, size_t len,
		  const uint8_t *ad, size_t adlen, uint64_t counter,
		  const uint8_t key[32])
{
	uint8_t nonce[12];

	protocol_nonce(nonce, counter);
	crypto_aead_chacha20poly1305_ietf_encrypt(dst, NULL, src, len, ad, adlen,
						  NULL, nonce, key);
}

bool ep_aead_open(uint8_t *dst, const uint8_t *src, size_t len,
		  const uint8_t *ad, size_t adlen, uint64_t counter,
		  const uint8_t key[32])
{
	uint8_t nonce[12];

	if (len < 16)
		return false;
	protocol_nonce(nonce, counter);
	return crypto_aead_chacha20poly1305_ietf_decrypt(dst, NULL, NULL, src, len,
							 ad, adlen, nonce,
							 key) == 0;
}

void ep_xaead_seal(uint8_t *dst, const uint8_t *src, size_t len,
		   const uint8_t *ad, size_t adlen, const uint8_t nonce[24],
		   const uint8_t key[32])
{
	crypto_aead_xchacha20poly1305_ietf_encrypt(dst, NULL, src, len, ad, adlen,
						   NULL, nonce, key);
}

bool ep_xaead_open(uint8_t *dst, const uint8_t *src, size_t len,
		   const uint8_t *ad, size_t adlen, const uint8_t nonce[24],
		   const uint8_t key[32])
{
	if (len < 16)
		return false;
	return crypto_aead_xchacha20poly1305_ietf_decrypt(dst, NULL, NULL, src,
							  len, ad, adlen, nonce,
							  key) == 0;
}

void ep_tai64n(uint8_t out[12])
{
	struct timespec ts;
	uint64_t secs;
	uint32_t nsecs;

	clock_gettime(CLOCK_REALTIME, &ts);
	/* The TAI64 label: 2^62 + 10 + the Unix time, as peers write it. */
	secs = htobe64((1ULL << 62) + 10 + (uint64_t)ts.tv_sec);
	nsecs = htobe32((uint32_t)ts.tv_nsec);
	memcpy(out, &secs, 8);
	memcpy(out + 8, &nsecs, 4);
}

void ep_random(void *out, size_t len)
{
	randombytes_buf(out, len);
}

bool ep_key_parse(uint8_t out[32], const char *text)
{
	size_t len = strlen(text), binlen = 0;

	while (len && isspace((unsigned char)text[len - 1]))
		len--;
	if (len != 44)
		return false;
	return sodium_base642bin(out, 32, text, len, NULL, &binlen, NULL,
				 sodium_base64_VARIANT_ORIGINAL) == 0 &&
	       binlen == 32;
}

bool ep_key_read(uint8_t out[32], const char *path_or_key)
{
	char line[128] = "";
	FILE *f;
	bool ok;

	if (ep_key_parse(out, path_or_key))
		return true;
	f = fopen(path_or_key, "r");
	if (!f)
		return false;
	ok = fgets(line, sizeof(line), f) && ep_key_parse(out, line);
	fclose(f);
	ep_wipe(line, sizeof(line));
	return ok;
}

void ep_wipe(void *p, size_t len)
{
	sodium_memzero(p, len);
}
