// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's ChaCha20-Poly1305 and X25519 entry points, as declared by
 * the kernel's own <crypto/chacha20poly1305.h> and <crypto/curve25519.h>,
 * implemented with libsodium, plus the few runtime services kshim.h
 * declares.  libsodium shares no code with the kernel, so the host test
 * checks our wrappers against a second implementation of the ciphers.
 */

#include <sodium.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>

#include <crypto/chacha20poly1305.h>
#include <crypto/curve25519.h>
#include <crypto/chacha.h>

#include "crypto.h"

unsigned int nt_shim_warnings;

const u8 curve25519_null_point[CURVE25519_KEY_SIZE] = { 0 };
const u8 curve25519_base_point[CURVE25519_KEY_SIZE] = { 9 };

void ktime_get_real_ts64(struct timespec64 *ts)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	ts->tv_sec = now.tv_sec;
	ts->tv_nsec = now.tv_nsec;
}

int get_random_bytes_wait(void *buf, size_t len)
{
	randombytes_buf(buf, len);
	return 0;
}

/* lib/crypto/blake2s.c's module_init() refers to it; the run never does. */
bool blake2s_selftest(void)
{
	return true;
}

/*
 * The kernel's 96-bit nonce for a u64 counter: 4 zero bytes, then le64,
 * in @out, which is returned.
 */
static const u8 *ietf_nonce(u8 out[12], u64 nonce)
{
	u64 le = htole64(nonce);

	memset(out, 0, 4);
	memcpy(out + 4, &le, 8);
	return out;
}

void chacha20poly1305_encrypt(u8 *dst, const u8 *src, const size_t src_len,
			      const u8 *ad, const size_t ad_len,
			      const u64 nonce,
			      const u8 key[CHACHA20POLY1305_KEY_SIZE])
{
	u8 npub[12];

	crypto_aead_chacha20poly1305_ietf_encrypt(dst, NULL, src, src_len, ad,
						  ad_len, NULL,
						  ietf_nonce(npub, nonce), key);
}

bool chacha20poly1305_decrypt(u8 *dst, const u8 *src, const size_t src_len,
			      const u8 *ad, const size_t ad_len,
			      const u64 nonce,
			      const u8 key[CHACHA20POLY1305_KEY_SIZE])
{
	u8 npub[12];

	return crypto_aead_chacha20poly1305_ietf_decrypt(dst, NULL, NULL, src,
							 src_len, ad, ad_len,
							 ietf_nonce(npub, nonce),
							 key) == 0;
}

void xchacha20poly1305_encrypt(u8 *dst, const u8 *src, const size_t src_len,
			       const u8 *ad, const size_t ad_len,
			       const u8 nonce[XCHACHA20POLY1305_NONCE_SIZE],
			       const u8 key[CHACHA20POLY1305_KEY_SIZE])
{
	crypto_aead_xchacha20poly1305_ietf_encrypt(dst, NULL, src, src_len, ad,
						   ad_len, NULL, nonce, key);
}

bool xchacha20poly1305_decrypt(u8 *dst, const u8 *src, const size_t src_len,
			       const u8 *ad, const size_t ad_len,
			       const u8 nonce[XCHACHA20POLY1305_NONCE_SIZE],
			       const u8 key[CHACHA20POLY1305_KEY_SIZE])
{
	return crypto_aead_xchacha20poly1305_ietf_decrypt(dst, NULL, NULL, src,
							  src_len, ad, ad_len,
							  nonce, key) == 0;
}

/*
 * The scatterlist forms: gather, work on the flat copy, scatter back.
 * sg_copy: the first @len bytes of @sg into @flat, or back with @to_sg.
 */
static void sg_copy(struct scatterlist *sg, u8 *flat, size_t len, bool to_sg)
{
	for (; len; sg++) {
		size_t n = sg->length < len ? sg->length : len;

		if (to_sg)
			memcpy(sg->buf, flat, n);
		else
			memcpy(flat, sg->buf, n);
		flat += n;
		len -= n;
		if (sg->end)
			break;
	}
}

static u8 *sg_gather(struct scatterlist *sg, size_t len)
{
	u8 *flat = malloc(len ? len : 1);

	sg_copy(sg, flat, len, false);
	return flat;
}

static void sg_scatter(struct scatterlist *sg, u8 *flat, size_t len)
{
	sg_copy(sg, flat, len, true);
}

bool chacha20poly1305_encrypt_sg_inplace(struct scatterlist *src,
					 size_t src_len, const u8 *ad,
					 const size_t ad_len, const u64 nonce,
					 const u8 key[CHACHA20POLY1305_KEY_SIZE])
{
	size_t sealed_len = src_len + CHACHA20POLY1305_AUTHTAG_SIZE;
	u8 *flat = sg_gather(src, sealed_len);

	chacha20poly1305_encrypt(flat, flat, src_len, ad, ad_len, nonce, key);
	sg_scatter(src, flat, sealed_len);
	free(flat);
	return true;
}

bool chacha20poly1305_decrypt_sg_inplace(struct scatterlist *src,
					 size_t src_len, const u8 *ad,
					 const size_t ad_len, const u64 nonce,
					 const u8 key[CHACHA20POLY1305_KEY_SIZE])
{
	u8 *flat = sg_gather(src, src_len);
	bool ok = chacha20poly1305_decrypt(flat, flat, src_len, ad, ad_len,
					   nonce, key);

	if (ok)
		sg_scatter(src, flat, src_len - CHACHA20POLY1305_AUTHTAG_SIZE);
	free(flat);
	return ok;
}

/*
 * The data path's scatterlist AEAD lives in crypto/aead_sg.c, which is
 * module-only (its portable construction and its choice need the kernel's
 * own ChaCha20, Poly1305 and sg_miter; its self-test runs at module load).
 * Here the library's forms stand in for it.
 */
bool nt_crypto_aead_encrypt_sg(struct scatterlist *sg, size_t src_len,
			       const u8 *ad, size_t ad_len, u64 nonce,
			       const u8 key[NT_CRYPTO_KEY_LEN])
{
	return chacha20poly1305_encrypt_sg_inplace(sg, src_len, ad, ad_len,
						   nonce, key);
}

bool nt_crypto_aead_decrypt_sg(struct scatterlist *sg, size_t src_len,
			       const u8 *ad, size_t ad_len, u64 nonce,
			       const u8 key[NT_CRYPTO_KEY_LEN])
{
	return chacha20poly1305_decrypt_sg_inplace(sg, src_len, ad, ad_len,
						   nonce, key);
}

/* libsodium clamps the scalar and ignores bit 255 of the point, as X25519
 * requires; its "all zero" verdict is redone by the kernel header's
 * curve25519() wrapper, so the return value is ignored here.
 */
void curve25519_generic(u8 out[CURVE25519_KEY_SIZE],
			const u8 scalar[CURVE25519_KEY_SIZE],
			const u8 point[CURVE25519_KEY_SIZE])
{
	if (crypto_scalarmult_curve25519(out, scalar, point))
		memset(out, 0, CURVE25519_KEY_SIZE);
}

/* Referenced from branches IS_ENABLED() turns off; never called. */
void curve25519_arch(u8 out[CURVE25519_KEY_SIZE],
		     const u8 scalar[CURVE25519_KEY_SIZE],
		     const u8 point[CURVE25519_KEY_SIZE])
{
	abort();
}

void curve25519_base_arch(u8 pub[CURVE25519_KEY_SIZE],
			  const u8 secret[CURVE25519_KEY_SIZE])
{
	abort();
}

void chacha_init(u32 *state, const u32 *key, const u8 *iv)
{
	static const u32 sigma[4] = {
		0x61707865, 0x3320646e, 0x79622d32, 0x6b206574
	};
	int i;

	memcpy(state, sigma, sizeof(sigma));
	memcpy(state + 4, key, 8 * sizeof(u32));
	for (i = 0; i < 4; i++) {
		u32 word;

		memcpy(&word, iv + 4 * i, 4);
		state[12 + i] = le32toh(word);
	}
}

/* state[12] is the block counter, state[13..15] the 96-bit nonce. */
void chacha20_crypt(u32 *state, u8 *dst, const u8 *src, unsigned int bytes)
{
	u8 key[32], nonce[12];
	int i;

	for (i = 0; i < 8; i++) {
		u32 word = htole32(state[4 + i]);

		memcpy(key + 4 * i, &word, 4);
	}
	for (i = 0; i < 3; i++) {
		u32 word = htole32(state[13 + i]);

		memcpy(nonce + 4 * i, &word, 4);
	}
	crypto_stream_chacha20_ietf_xor_ic(dst, src, bytes, nonce, state[12],
					   key);
	state[12] += DIV_ROUND_UP(bytes, CHACHA_BLOCK_SIZE);
	sodium_memzero(key, sizeof(key));
}

void *kmalloc(size_t size, int flags)
{
	return malloc(size);
}

void kfree(const void *p)
{
	free((void *)p);
}

char nt_shim_last_log[256];

void nt_shim_printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(nt_shim_last_log, sizeof(nt_shim_last_log), fmt, ap);
	va_end(ap);
	printf("# %s", nt_shim_last_log);
	if (!strchr(nt_shim_last_log, '\n'))
		putchar('\n');
}
