// SPDX-License-Identifier: GPL-2.0
/*
 * The data path's ChaCha20-Poly1305 over scatterlists, and the choice of
 * its implementation.
 *
 * Every data message is sealed or opened here, so this is where the CPU
 * time of a busy tunnel goes. The kernel library's AEAD always runs the
 * architecture's SIMD code when the CPU reports the instructions, which is
 * the right choice on real hardware. It is the wrong one where those
 * instructions are slow: under an emulated CPU (QEMU's TCG) the AVX2
 * ChaCha20 takes about six times as long as the library's portable C
 * (Documentation/architecture.md, "Choosing the AEAD"). So, like the
 * kernel's RAID-6 and XOR code, the module times both at load and keeps
 * the faster: the library's own AEAD, or the same construction (RFC 8439,
 * section 2.8) built here from the library's portable ChaCha20 and
 * Poly1305. The module parameter aead= can force either.
 *
 * Both produce the same bytes; crypto/selftest/aead_sg.c checks that in
 * DEBUG builds, over every length up to two messages and odd splits.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "crypto.h"
#include "crypto_compat.h"

#include <crypto/algapi.h>
#include <crypto/chacha20poly1305.h>
#include <linux/init.h>
#include <linux/jump_label.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#if defined(NT_HAVE_CHACHA_CRYPT_GENERIC) && defined(NT_HAVE_POLY1305_GENERIC)
#define NT_HAVE_PORTABLE_AEAD 1
#include <crypto/chacha.h>
#include <crypto/poly1305.h>
#endif

enum nt_aead_impl { NT_AEAD_AUTO, NT_AEAD_LIBRARY, NT_AEAD_PORTABLE };

static const char *const aead_names[] = {
	[NT_AEAD_AUTO] = "auto",
	[NT_AEAD_LIBRARY] = "library",
	[NT_AEAD_PORTABLE] = "portable",
};

/* What aead= asked for; read once, at load, by nt_crypto_aead_sg_init(). */
static enum nt_aead_impl aead_wanted = NT_AEAD_AUTO;

/* Set at load when the portable construction is in use; never after. */
static DEFINE_STATIC_KEY_FALSE(aead_portable);

static int aead_param_set(const char *val, const struct kernel_param *kp)
{
	int i = sysfs_match_string(aead_names, val);

	if (i < 0) {
		pr_err("aead=%s: not one of auto, library, portable\n", val);
		return -EINVAL;
	}
#ifndef NT_HAVE_PORTABLE_AEAD
	if (i == NT_AEAD_PORTABLE) {
		pr_err("aead=portable: this kernel's library does not export its portable ChaCha20 and Poly1305\n");
		return -EINVAL;
	}
#endif
	aead_wanted = i;
	return 0;
}

static int aead_param_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", aead_names[aead_wanted]);
}

static const struct kernel_param_ops aead_param_ops = {
	.set = aead_param_set,
	.get = aead_param_get,
};

module_param_cb(aead, &aead_param_ops, NULL, 0444);
MODULE_PARM_DESC(aead, "the data path's ChaCha20-Poly1305: auto (the faster of the two, timed at load), library (the kernel library's AEAD), portable (built from the library's portable ChaCha20 and Poly1305)");

#ifdef NT_HAVE_PORTABLE_AEAD

/* The 6.1 to 6.12 sg_miter flag; later kernels always map atomically. */
#ifdef SG_MITER_ATOMIC
#define AEAD_MITER_FLAGS (SG_MITER_TO_SG | SG_MITER_ATOMIC)
#else
#define AEAD_MITER_FLAGS SG_MITER_TO_SG
#endif

static const u8 aead_zeros[POLY1305_BLOCK_SIZE];

#define AEAD_KEY_WORDS (CHACHA_KEY_SIZE / sizeof(u32))

/*
 * One message's cipher and MAC state. @stream holds the keystream block
 * in use; @stream_used of its bytes are spent (CHACHA_BLOCK_SIZE: none
 * left), because a fragment of the scatterlist may end inside a block.
 */
struct portable_aead {
	u32 chacha[CHACHA_STATE_WORDS];
	struct poly1305_desc_ctx poly;
	u8 stream[CHACHA_BLOCK_SIZE];
	unsigned int stream_used;
};

/* Feed @len bytes to the MAC, then zeros up to a 16-byte boundary. */
static void portable_mac_padded(struct portable_aead *a, const u8 *data,
				size_t len)
{
	poly1305_update_generic(&a->poly, data, len);
	if (len % POLY1305_BLOCK_SIZE)
		poly1305_update_generic(&a->poly, aead_zeros,
					POLY1305_BLOCK_SIZE - len % POLY1305_BLOCK_SIZE);
}

/*
 * The key and the 96-bit nonce (a zero word, then the counter, little
 * endian) start ChaCha20 at block 0, whose first 32 bytes are the
 * one-time Poly1305 key; the message itself starts at block 1.
 */
static void portable_start(struct portable_aead *a, const u8 *ad,
			   size_t ad_len, u64 nonce,
			   const u8 key[NT_CRYPTO_KEY_LEN])
{
	__le32 key_words[AEAD_KEY_WORDS];
	u32 k[AEAD_KEY_WORDS];
	__le64 iv[2] = { 0, cpu_to_le64(nonce) };
	int i;

	memcpy(key_words, key, sizeof(key_words));
	for (i = 0; i < AEAD_KEY_WORDS; i++)
		k[i] = le32_to_cpu(key_words[i]);
	chacha_init_generic(a->chacha, k, (const u8 *)iv);
	chacha_block_generic(a->chacha, a->stream, 20);
	poly1305_init_generic(&a->poly, a->stream);
	a->stream_used = CHACHA_BLOCK_SIZE;
	if (ad_len)
		portable_mac_padded(a, ad, ad_len);
	memzero_explicit(key_words, sizeof(key_words));
	memzero_explicit(k, sizeof(k));
}

/* XOR the next @len bytes of keystream into @p. */
static void portable_xor_stream(struct portable_aead *a, u8 *p, size_t len)
{
	size_t n;

	if (a->stream_used < CHACHA_BLOCK_SIZE) {
		n = min_t(size_t, len, CHACHA_BLOCK_SIZE - a->stream_used);
		crypto_xor(p, a->stream + a->stream_used, n);
		a->stream_used += n;
		p += n;
		len -= n;
	}
	n = round_down(len, CHACHA_BLOCK_SIZE);
	if (n) {
		chacha_crypt_generic(a->chacha, p, p, n, 20);
		p += n;
		len -= n;
	}
	if (len) {
		/* A block this fragment ends inside: keep its rest. */
		chacha_block_generic(a->chacha, a->stream, 20);
		crypto_xor(p, a->stream, len);
		a->stream_used = len;
	}
}

/*
 * Seal or open the first @len bytes of @sg in place; the tag follows
 * them in @sg (written when sealing, checked when opening).
 */
static bool portable_crypt_sg(struct scatterlist *sg, size_t len,
			      const u8 *ad, size_t ad_len, u64 nonce,
			      const u8 key[NT_CRYPTO_KEY_LEN], bool seal)
{
	u8 tag[2][POLY1305_DIGEST_SIZE];
	struct sg_mapping_iter miter;
	struct portable_aead a;
	unsigned int nents = sg_nents(sg);
	size_t left = len;
	__le64 lens[2];
	bool ok;

	portable_start(&a, ad, ad_len, nonce, key);
	sg_miter_start(&miter, sg, nents, AEAD_MITER_FLAGS);
	while (left && sg_miter_next(&miter)) {
		size_t n = min(left, miter.length);

		/* The MAC covers the ciphertext. */
		if (!seal)
			poly1305_update_generic(&a.poly, miter.addr, n);
		portable_xor_stream(&a, miter.addr, n);
		if (seal)
			poly1305_update_generic(&a.poly, miter.addr, n);
		left -= n;
	}
	sg_miter_stop(&miter);

	if (len % POLY1305_BLOCK_SIZE)
		poly1305_update_generic(&a.poly, aead_zeros,
					POLY1305_BLOCK_SIZE - len % POLY1305_BLOCK_SIZE);
	lens[0] = cpu_to_le64(ad_len);
	lens[1] = cpu_to_le64(len);
	poly1305_update_generic(&a.poly, (const u8 *)lens, sizeof(lens));
	poly1305_final_generic(&a.poly, tag[0]);

	if (left)
		ok = false;	/* @sg is shorter than the message */
	else if (seal)
		ok = sg_pcopy_from_buffer(sg, nents, tag[0], sizeof(tag[0]),
					  len) == sizeof(tag[0]);
	else
		ok = sg_pcopy_to_buffer(sg, nents, tag[1], sizeof(tag[1]),
					len) == sizeof(tag[1]) &&
		     !crypto_memneq(tag[0], tag[1], sizeof(tag[0]));
	memzero_explicit(&a, sizeof(a));
	memzero_explicit(tag, sizeof(tag));
	return ok;
}

#else

static bool portable_crypt_sg(struct scatterlist *sg, size_t len,
			      const u8 *ad, size_t ad_len, u64 nonce,
			      const u8 key[NT_CRYPTO_KEY_LEN], bool seal)
{
	return false;	/* never chosen: aead_param_set() refuses it */
}

#endif /* NT_HAVE_PORTABLE_AEAD */

bool nt_crypto_aead_encrypt_sg(struct scatterlist *sg, size_t src_len,
			       const u8 *ad, size_t ad_len, u64 nonce,
			       const u8 key[NT_CRYPTO_KEY_LEN])
{
	if (static_branch_unlikely(&aead_portable))
		return portable_crypt_sg(sg, src_len, ad, ad_len, nonce, key,
					 true);
	return chacha20poly1305_encrypt_sg_inplace(sg, src_len, ad, ad_len,
						   nonce, key);
}

/* @src_len counts the tag, as for the library's call. */
bool nt_crypto_aead_decrypt_sg(struct scatterlist *sg, size_t src_len,
			       const u8 *ad, size_t ad_len, u64 nonce,
			       const u8 key[NT_CRYPTO_KEY_LEN])
{
	if (!static_branch_unlikely(&aead_portable))
		return chacha20poly1305_decrypt_sg_inplace(sg, src_len, ad,
							   ad_len, nonce, key);
	return src_len >= NT_CRYPTO_AUTHTAG_LEN &&
	       portable_crypt_sg(sg, src_len - NT_CRYPTO_AUTHTAG_LEN, ad,
				 ad_len, nonce, key, false);
}

/* The message the choice is timed on: a full-size one of a 1420-byte MTU. */
#define AEAD_TIMING_LEN 1420
#define AEAD_TIMING_ROUNDS 3
#define AEAD_TIMING_MESSAGES 4

/* The fastest of AEAD_TIMING_ROUNDS rounds of sealing, in ns per message. */
static u64 __init time_sealing(bool portable, u8 *buf, const u8 *key)
{
	u64 best = U64_MAX;
	struct scatterlist sg;
	int round, i;

	for (round = 0; round < AEAD_TIMING_ROUNDS; round++) {
		u64 start = ktime_get_ns();

		for (i = 0; i < AEAD_TIMING_MESSAGES; i++) {
			sg_init_one(&sg, buf, AEAD_TIMING_LEN + NT_CRYPTO_AUTHTAG_LEN);
			if (portable)
				portable_crypt_sg(&sg, AEAD_TIMING_LEN, NULL, 0, i,
						  key, true);
			else
				chacha20poly1305_encrypt_sg_inplace(&sg, AEAD_TIMING_LEN,
								    NULL, 0, i, key);
		}
		best = min(best, ktime_get_ns() - start);
		cond_resched();
	}
	return best / AEAD_TIMING_MESSAGES;
}

void __init nt_crypto_aead_sg_init(void)
{
	u8 key[NT_CRYPTO_KEY_LEN] = { };
	u64 library_ns = 0, portable_ns = 0;
	u8 *buf;

#ifdef NT_HAVE_PORTABLE_AEAD
	const bool have_portable = true;
#else
	const bool have_portable = false;
#endif

	if (aead_wanted != NT_AEAD_AUTO || !have_portable) {
		if (aead_wanted == NT_AEAD_PORTABLE)
			static_branch_enable(&aead_portable);
		pr_info("data-path ChaCha20-Poly1305: %s (aead=%s)\n",
			aead_names[aead_wanted == NT_AEAD_PORTABLE ?
				   NT_AEAD_PORTABLE : NT_AEAD_LIBRARY],
			aead_names[aead_wanted]);
		return;
	}

	/* Linear memory: the scatterlist walk maps pages (not vmalloc). */
	buf = kzalloc(AEAD_TIMING_LEN + NT_CRYPTO_AUTHTAG_LEN, GFP_KERNEL);
	if (buf) {
		library_ns = time_sealing(false, buf, key);
		portable_ns = time_sealing(true, buf, key);
		library_ns = min(library_ns, time_sealing(false, buf, key));
		kfree(buf);
	}
	/*
	 * Only a clear difference moves away from the library: on real
	 * hardware its SIMD code is several times faster and this is never
	 * close; within the timing's noise (or untimed) the library stays.
	 */
	if (portable_ns * 5 < library_ns * 4)
		static_branch_enable(&aead_portable);
	pr_info("data-path ChaCha20-Poly1305: %s (per %u-byte message: library %llu ns, portable %llu ns)\n",
		static_key_enabled(&aead_portable) ? "portable" : "library",
		AEAD_TIMING_LEN, library_ns, portable_ns);
}

#ifdef DEBUG
#include "selftest/aead_sg.c"
#endif
