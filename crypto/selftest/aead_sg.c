// SPDX-License-Identifier: GPL-2.0
/*
 * Self-test of crypto/aead_sg.c, included at its end in DEBUG builds: the
 * portable ChaCha20-Poly1305 must give the kernel library's bytes.
 */

#include <linux/random.h>

#ifdef NT_HAVE_PORTABLE_AEAD

/* Lengths: all up to a few blocks, then a stride past two messages. */
#define SELFTEST_DENSE_LEN 200
#define SELFTEST_MAX_LEN 3000
#define SELFTEST_STRIDE 37
#define SELFTEST_AD_LEN 13

/*
 * Map @len bytes of @buf (message and tag) onto @sg: whole, or cut into
 * four fragments of odd sizes, so that blocks and the tag straddle them.
 */
static void selftest_map(struct scatterlist sg[4], u8 *buf, size_t len,
			 bool split)
{
	size_t a = len / 3 | 1, b = 1, c = len / 5 | 1;

	if (!split || len < a + b + c + 1) {
		sg_init_one(sg, buf, len);
		return;
	}
	sg_init_table(sg, 4);
	sg_set_buf(&sg[0], buf, a);
	sg_set_buf(&sg[1], buf + a, b);
	sg_set_buf(&sg[2], buf + a + b, c);
	sg_set_buf(&sg[3], buf + a + b + c, len - a - b - c);
}

/* One length, one way of cutting: NULL if both agree, else what failed. */
static const char *selftest_one(u8 *plain, u8 *lib, u8 *ours, size_t len,
				bool split, const u8 *ad, size_t ad_len,
				const u8 *key)
{
	size_t sealed = len + NT_CRYPTO_AUTHTAG_LEN;
	struct scatterlist sg[4];
	u64 nonce = len * 0x9e3779b97f4a7c15ULL;

	memcpy(lib, plain, len);
	memcpy(ours, plain, len);
	selftest_map(sg, lib, sealed, !split);
	if (!chacha20poly1305_encrypt_sg_inplace(sg, len, ad, ad_len, nonce, key))
		return "the library refused to seal";
	selftest_map(sg, ours, sealed, split);
	if (!portable_crypt_sg(sg, len, ad, ad_len, nonce, key, true))
		return "the portable one refused to seal";
	if (memcmp(lib, ours, sealed))
		return "sealed messages differ";

	/* Each opens the other's: the same bytes, so open the copies. */
	selftest_map(sg, ours, sealed, !split);
	if (!portable_crypt_sg(sg, len, ad, ad_len, nonce, key, false) ||
	    memcmp(ours, plain, len))
		return "the portable one did not open a sealed message";
	selftest_map(sg, lib, sealed, split);
	if (!chacha20poly1305_decrypt_sg_inplace(sg, sealed, ad, ad_len, nonce, key) ||
	    memcmp(lib, plain, len))
		return "the library did not open a sealed message";

	/* A flipped bit anywhere, the tag included, is refused. */
	selftest_map(sg, ours, sealed, split);
	if (!portable_crypt_sg(sg, len, ad, ad_len, nonce, key, true))
		return "the portable one refused to seal";
	ours[sealed * 7 / 11] ^= 0x10;
	if (portable_crypt_sg(sg, len, ad, ad_len, nonce, key, false))
		return "the portable one opened a forged message";
	if (portable_crypt_sg(sg, len, ad, ad_len, nonce + 1, key, false))
		return "the portable one opened under another nonce";
	return NULL;
}

bool nt_crypto_aead_sg_selftest(void)
{
	size_t max = SELFTEST_MAX_LEN + NT_CRYPTO_AUTHTAG_LEN;
	u8 key[NT_CRYPTO_KEY_LEN], ad[SELFTEST_AD_LEN];
	u8 *plain, *lib, *ours;
	const char *failed = NULL;
	size_t len;
	int split;

	plain = kmalloc(max, GFP_KERNEL);
	lib = kmalloc(max, GFP_KERNEL);
	ours = kmalloc(max, GFP_KERNEL);
	if (!plain || !lib || !ours) {
		failed = "out of memory";
		goto out;
	}
	get_random_bytes(plain, max);
	get_random_bytes(key, sizeof(key));
	get_random_bytes(ad, sizeof(ad));
	for (len = 0; len <= SELFTEST_MAX_LEN && !failed;
	     len += len < SELFTEST_DENSE_LEN ? 1 : SELFTEST_STRIDE) {
		for (split = 0; split < 2 && !failed; split++)
			failed = selftest_one(plain, lib, ours, len, split,
					      len % 2 ? ad : NULL,
					      len % 2 ? sizeof(ad) : 0, key);
		cond_resched();
	}
out:
	if (failed)
		pr_err("aead self-tests: FAIL: length %zu: %s\n", len, failed);
	else
		pr_info("aead self-tests: pass\n");
	kfree(plain);
	kfree(lib);
	kfree(ours);
	memzero_explicit(key, sizeof(key));
	return !failed;
}

#else

bool nt_crypto_aead_sg_selftest(void)
{
	pr_info("aead self-tests: pass (this kernel has no portable ChaCha20 and Poly1305 to compare)\n");
	return true;
}

#endif /* NT_HAVE_PORTABLE_AEAD */
