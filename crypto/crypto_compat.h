/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel crypto library's interface differences between the kernels
 * noisetun builds against (Documentation/kernels.md), for the crypto layer
 * only; module/compat.h has the rest. Same rules: guards named for what
 * differs, set by the probes in Kbuild, which read the target's headers.
 */

#ifndef _NT_CRYPTO_COMPAT_H
#define _NT_CRYPTO_COMPAT_H

#include <crypto/blake2s.h>
#include <crypto/chacha.h>
#include <linux/types.h>

/*
 * NT_HAVE_BLAKE2S_CTX (probe: struct blake2s_ctx in <crypto/blake2s.h>):
 * the BLAKE2s state became struct blake2s_ctx and the one-shot blake2s()
 * takes (key, keylen, in, inlen, out, outlen) instead of (out, in, key,
 * outlen, inlen, keylen). 6.1, 6.12: the old interface; 7.2: the new one.
 */
#ifdef NT_HAVE_BLAKE2S_CTX
#define nt_blake2s_state blake2s_ctx
#else
#define nt_blake2s_state blake2s_state
#endif

/**
 * nt_blake2s() - one-shot BLAKE2s, keyed or not
 * @out: the digest, @outlen bytes
 * @in: the message
 * @key: the key, or NULL
 * @outlen: digest length
 * @inlen: message length
 * @keylen: key length, 0 without a key
 */
static inline void nt_blake2s(u8 *out, const u8 *in, const u8 *key,
			      size_t outlen, size_t inlen, size_t keylen)
{
#ifdef NT_HAVE_BLAKE2S_CTX
	blake2s(key, keylen, in, inlen, out, outlen);
#else
	blake2s(out, in, key, outlen, inlen, keylen);
#endif
}

/*
 * NT_HAVE_CHACHA_STATE (probe: struct chacha_state in <crypto/chacha.h>):
 * the ChaCha state is a struct chacha_state instead of a u32 array.
 * 6.1, 6.12: u32[16]; 7.2: the struct. struct nt_chacha holds either.
 */
struct nt_chacha {
#ifdef NT_HAVE_CHACHA_STATE
	struct chacha_state s;
#else
	u32 s[CHACHA_STATE_WORDS];
#endif
};

#ifdef NT_HAVE_CHACHA_STATE
#define NT_CHACHA_STATE(c) (&(c)->s)
#else
#define NT_CHACHA_STATE(c) ((c)->s)
#endif

static inline void nt_chacha_init(struct nt_chacha *c, const u32 *key,
				  const u8 *iv)
{
	chacha_init(NT_CHACHA_STATE(c), key, iv);
}

static inline void nt_chacha20_crypt(struct nt_chacha *c, u8 *dst,
				     const u8 *src, unsigned int bytes)
{
	chacha20_crypt(NT_CHACHA_STATE(c), dst, src, bytes);
}

#endif /* _NT_CRYPTO_COMPAT_H */
