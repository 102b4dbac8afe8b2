/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The part of the kernel's <crypto/poly1305.h> that crypto/selftest.c
 * uses, over libsodium's incremental Poly1305.
 */
#include <sodium.h>

#include "kshim.h"

#define POLY1305_KEY_SIZE 32
#define POLY1305_DIGEST_SIZE 16

struct poly1305_desc_ctx {
	crypto_onetimeauth_poly1305_state state;
};

static inline void poly1305_init(struct poly1305_desc_ctx *desc, const u8 *key)
{
	crypto_onetimeauth_poly1305_init(&desc->state, key);
}

static inline void poly1305_update(struct poly1305_desc_ctx *desc,
				   const u8 *src, unsigned int len)
{
	crypto_onetimeauth_poly1305_update(&desc->state, src, len);
}

static inline void poly1305_final(struct poly1305_desc_ctx *desc, u8 *digest)
{
	crypto_onetimeauth_poly1305_final(&desc->state, digest);
}
