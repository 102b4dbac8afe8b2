/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The part of the kernel's <crypto/chacha.h> that crypto/selftest.c uses
 * (to compose RFC 8439 2.8.2), implemented by glue.c with libsodium.  The
 * state layout is the kernel's: constants, key, block counter, nonce.
 */
#include "kshim.h"

#define CHACHA_IV_SIZE 16
#define CHACHA_KEY_SIZE 32
#define CHACHA_BLOCK_SIZE 64
#define CHACHA_STATE_WORDS (CHACHA_BLOCK_SIZE / sizeof(u32))

void chacha_init(u32 *state, const u32 *key, const u8 *iv);
void chacha20_crypt(u32 *state, u8 *dst, const u8 *src, unsigned int bytes);
