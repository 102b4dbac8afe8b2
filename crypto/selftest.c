// SPDX-License-Identifier: GPL-2.0
/*
 * Known-answer self-tests of the crypto layer, run at module load in DEBUG
 * builds.  The vectors live in selftest_vectors.h, written and re-checked
 * by selftests/unit/crypto/gen-vectors.py, which names each one's source.
 * The host unit test (selftests/unit/crypto/) checks the same vectors
 * against the same code compiled in userspace.
 *
 * The kernel library tests its own ciphers when it loads (lib/crypto/
 * *-selftest.c, unless CRYPTO_MANAGER_DISABLE_TESTS); what we test here is
 * our side: that the wrappers pass nonces, keys and lengths the protocol's
 * way, that our constructions (HMAC, KDF, MAC, TAI64N, the handshake) give
 * the independently computed answers, and that failures are reported.
 */

#ifdef DEBUG

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "crypto.h"
#include "crypto_compat.h"
#include "noise_core.h"

#include <crypto/blake2s.h>
#include <crypto/chacha.h>
#include <crypto/poly1305.h>
#include <linux/kernel.h>
#include <linux/printk.h>
#include <linux/scatterlist.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/time64.h>
#include <linux/timekeeping.h>

#include "selftest_vectors.h"

/* Each test returns NULL on success or the name of the failing vector. */

static bool same(const u8 *a, const u8 *b, size_t len)
{
	return !len || !memcmp(a, b, len);	/* empty payloads may be NULL */
}

static bool is_zero(const u8 *a, size_t len)
{
	return !memchr_inv(a, 0, len);
}

static const char *test_blake2s(u8 *buf, u8 *buf2)
{
	u8 out[NT_CRYPTO_HASH_LEN];
	size_t i;

	nt_crypto_hash(out, (const u8 *)"abc", 3);
	if (!same(out, kat_blake2s_abc, sizeof(out)))
		return "RFC 7693 B: HASH(\"abc\")";

	/* The keyed mode underneath MAC, at its full 32-byte output. */
	for (i = 0; i < ARRAY_SIZE(kat_blake2s_keyed); i++) {
		const struct nt_kat_keyed *v = &kat_blake2s_keyed[i];

		nt_blake2s(out, v->in, v->key, sizeof(out), v->in_len, v->key_len);
		if (!same(out, v->out, sizeof(out)))
			return v->name;
	}
	return NULL;
}

/* MAC and HMAC: @fn over each row of @v, @out_len bytes compared. */
static const char *test_keyed(const struct nt_kat_keyed *v, size_t n,
			      void (*fn)(u8 *out, const u8 *in, size_t in_len,
					 const u8 *key, size_t key_len),
			      size_t out_len, u8 *out)
{
	for (; n; n--, v++) {
		fn(out, v->in, v->in_len, v->key, v->key_len);
		if (!same(out, v->out, out_len))
			return v->name;
	}
	return NULL;
}

static const char *test_mac(u8 *buf, u8 *buf2)
{
	return test_keyed(kat_mac, ARRAY_SIZE(kat_mac), nt_crypto_mac,
			  NT_CRYPTO_MAC_LEN, buf);
}

static const char *test_hmac(u8 *buf, u8 *buf2)
{
	return test_keyed(kat_hmac, ARRAY_SIZE(kat_hmac), nt_crypto_hmac,
			  NT_CRYPTO_HASH_LEN, buf);
}

/* The first @n of @t1, @t2, @t3 are those of @v. */
static bool kdf_same(const struct nt_kat_kdf *v, int n, const u8 *t1,
		     const u8 *t2, const u8 *t3)
{
	return same(t1, v->t1, NT_CRYPTO_HASH_LEN) &&
	       (n < 2 || same(t2, v->t2, NT_CRYPTO_HASH_LEN)) &&
	       (n < 3 || same(t3, v->t3, NT_CRYPTO_HASH_LEN));
}

static const char *test_kdf(u8 *buf, u8 *buf2)
{
	u8 t1[NT_CRYPTO_HASH_LEN], t2[NT_CRYPTO_HASH_LEN];
	u8 t3[NT_CRYPTO_HASH_LEN];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kat_kdf); i++) {
		const struct nt_kat_kdf *v = &kat_kdf[i];

		nt_crypto_kdf1(t1, v->key, v->in, v->in_len);
		if (!kdf_same(v, 1, t1, t2, t3))
			return v->name;
		nt_crypto_kdf2(t1, t2, v->key, v->in, v->in_len);
		if (!kdf_same(v, 2, t1, t2, t3))
			return v->name;
		nt_crypto_kdf3(t1, t2, t3, v->key, v->in, v->in_len);
		if (!kdf_same(v, 3, t1, t2, t3))
			return v->name;

		/* The handshake's in-place forms: C = KDF1(C, x), (C, k) = ... */
		memcpy(t1, v->key, sizeof(t1));
		nt_crypto_kdf1(t1, t1, v->in, v->in_len);
		if (!kdf_same(v, 1, t1, t2, t3))
			return "KDF1 with output aliasing the key";
		memcpy(t1, v->key, sizeof(t1));
		nt_crypto_kdf3(t1, t2, t3, t1, v->in, v->in_len);
		if (!kdf_same(v, 3, t1, t2, t3))
			return "KDF3 with output aliasing the key";
		memcpy(t2, v->key, sizeof(t2));
		nt_crypto_kdf3(t1, t2, t3, t2, v->in, v->in_len);
		if (!kdf_same(v, 3, t1, t2, t3))
			return "KDF3 with t2 aliasing the key";
		if (v->in_len < sizeof(t2) ||
		    v->in_len > NT_CRYPTO_SELFTEST_BUF_LEN)
			continue;
		memcpy(buf, v->in, v->in_len);
		nt_crypto_kdf2(t1, buf, v->key, buf, v->in_len);
		if (!kdf_same(v, 2, t1, buf, t3))
			return "KDF2 with t2 aliasing the input";
	}
	return NULL;
}

static const char *test_wireguard_constants(u8 *buf, u8 *buf2)
{
	u8 out[NT_CRYPTO_HASH_LEN];

	nt_crypto_hash(out, (const u8 *)NT_CRYPTO_CONSTRUCTION,
		       sizeof(NT_CRYPTO_CONSTRUCTION) - 1);
	if (!same(out, kat_wg_ci, sizeof(out)))
		return "Ci = HASH(CONSTRUCTION)";
	nt_crypto_hash2(out, out, sizeof(out), (const u8 *)NT_CRYPTO_IDENTIFIER,
			sizeof(NT_CRYPTO_IDENTIFIER) - 1);
	if (!same(out, kat_wg_hi, sizeof(out)))
		return "Hi = HASH(Ci || IDENTIFIER)";
	nt_crypto_mix_hash(out, kat_wg_responder_pub,
			   sizeof(kat_wg_responder_pub));
	if (!same(out, kat_wg_hr, sizeof(out)))
		return "HASH(Hi || S_r)";
	nt_crypto_hash2(out, (const u8 *)"mac1----", 8, kat_wg_responder_pub,
			sizeof(kat_wg_responder_pub));
	if (!same(out, kat_wg_mac1_key, sizeof(out)))
		return "HASH(LABEL_MAC1 || S_r)";
	nt_crypto_hash2(out, (const u8 *)"cookie--", 8, kat_wg_responder_pub,
			sizeof(kat_wg_responder_pub));
	if (!same(out, kat_wg_cookie_key, sizeof(out)))
		return "HASH(LABEL_COOKIE || S_r)";
	return NULL;
}

/*
 * RFC 8439 2.8.2 uses the nonce 07000000 || IV, whose first word is not
 * zero, so the library's u64-nonce AEAD cannot express it.  Here, for the
 * test only, the AEAD is composed from the library's ChaCha20 and Poly1305
 * exactly as RFC 8439 2.8 defines it; the same composition with a zero first
 * word must then equal nt_crypto_aead_encrypt(), which shows that the
 * wrapper is RFC 8439's AEAD with the protocol's nonce.
 */
static void rfc8439_seal(u8 *dst, const u8 *src, size_t src_len,
			 const u8 *ad, size_t ad_len, const u8 nonce[12],
			 const u8 key[CHACHA_KEY_SIZE])
{
	static const u8 zeros[16];
	struct poly1305_desc_ctx poly;
	struct nt_chacha state;
	u32 k[CHACHA_KEY_SIZE / sizeof(u32)];
	u8 iv[CHACHA_IV_SIZE] = { };	/* block counter 0 || nonce */
	u8 otk[POLY1305_KEY_SIZE] = { };
	__le64 lens[2];
	__le32 word;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(k); i++) {
		memcpy(&word, key + i * sizeof(word), sizeof(word));
		k[i] = le32_to_cpu(word);
	}
	memcpy(iv + 4, nonce, 12);
	nt_chacha_init(&state, k, iv);

	/* Block 0 keys Poly1305; the message is encrypted from block 1. */
	nt_chacha20_crypt(&state, otk, otk, sizeof(otk));
	poly1305_init(&poly, otk);
	poly1305_update(&poly, ad, ad_len);
	poly1305_update(&poly, zeros, -ad_len & 15);
	nt_chacha20_crypt(&state, dst, src, src_len);
	poly1305_update(&poly, dst, src_len);
	poly1305_update(&poly, zeros, -src_len & 15);
	lens[0] = cpu_to_le64(ad_len);
	lens[1] = cpu_to_le64(src_len);
	poly1305_update(&poly, (const u8 *)lens, sizeof(lens));
	poly1305_final(&poly, dst + src_len);

	memzero_explicit(&state, sizeof(state));
	memzero_explicit(k, sizeof(k));
	memzero_explicit(otk, sizeof(otk));
}

static const char *test_rfc8439_282(u8 *buf, u8 *buf2)
{
	const size_t len = sizeof(kat_rfc8439_282_plain);
	u8 nonce[12] = { };
	__le64 le_counter;
	u64 counter;

	rfc8439_seal(buf, kat_rfc8439_282_plain, len, kat_rfc8439_282_ad,
		     sizeof(kat_rfc8439_282_ad), kat_rfc8439_282_nonce,
		     kat_rfc8439_282_key);
	if (!same(buf, kat_rfc8439_282_sealed, sizeof(kat_rfc8439_282_sealed)))
		return "RFC 8439 2.8.2";

	/* Same inputs, first nonce word zero: the wrapper must agree. */
	memcpy(nonce + 4, kat_rfc8439_282_nonce + 4, 8);
	memcpy(&le_counter, nonce + 4, sizeof(le_counter));
	counter = le64_to_cpu(le_counter);
	rfc8439_seal(buf, kat_rfc8439_282_plain, len, kat_rfc8439_282_ad,
		     sizeof(kat_rfc8439_282_ad), nonce, kat_rfc8439_282_key);
	nt_crypto_aead_encrypt(buf2, kat_rfc8439_282_plain, len,
			       kat_rfc8439_282_ad, sizeof(kat_rfc8439_282_ad),
			       counter, kat_rfc8439_282_key);
	if (!same(buf, buf2, NT_CRYPTO_SEALED_LEN(len)))
		return "RFC 8439 2.8 composition vs nt_crypto_aead_encrypt";
	return NULL;
}

static const char *test_aead(u8 *buf, u8 *buf2)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kat_aead); i++) {
		const struct nt_kat_aead *v = &kat_aead[i];
		size_t sealed_len = NT_CRYPTO_SEALED_LEN(v->plain_len);

		nt_crypto_aead_encrypt(buf, v->plain, v->plain_len, v->ad,
				       v->ad_len, v->nonce, v->key);
		if (!same(buf, v->sealed, sealed_len))
			return v->name;
		if (!nt_crypto_aead_decrypt(buf, v->sealed, sealed_len, v->ad,
					    v->ad_len, v->nonce, v->key) ||
		    !same(buf, v->plain, v->plain_len))
			return v->name;

		/* In place, as the receive path decrypts. */
		memcpy(buf, v->sealed, sealed_len);
		if (!nt_crypto_aead_decrypt(buf, buf, sealed_len, v->ad,
					    v->ad_len, v->nonce, v->key) ||
		    !same(buf, v->plain, v->plain_len))
			return v->name;

		/* Must fail: a flipped tag bit, the wrong counter, short input. */
		memcpy(buf, v->sealed, sealed_len);
		buf[sealed_len - 1] ^= 0x80;
		if (nt_crypto_aead_decrypt(buf, buf, sealed_len, v->ad,
					   v->ad_len, v->nonce, v->key))
			return "AEAD accepted a flipped tag";
		if (nt_crypto_aead_decrypt(buf, v->sealed, sealed_len, v->ad,
					   v->ad_len, v->nonce + 1, v->key))
			return "AEAD accepted the wrong counter";
		if (nt_crypto_aead_decrypt(buf, v->sealed,
					   NT_CRYPTO_AUTHTAG_LEN - 1, v->ad,
					   v->ad_len, v->nonce, v->key))
			return "AEAD accepted a truncated tag";
	}
	return NULL;
}

/*
 * The transmit and receive paths encrypt skbs in place through scatterlists
 * whose fragments have arbitrary sizes.  Spread RFC 8439 A.5 over separately
 * allocated fragments whose boundaries fall inside ChaCha and Poly1305
 * blocks and inside the tag.
 */
static const char *test_aead_sg(u8 *buf, u8 *buf2)
{
	static const unsigned int frag_len[] = { 1, 15, 64, 100, 93, 8 };
	const struct nt_kat_aead *v = &kat_aead[0];
	const size_t sealed_len = NT_CRYPTO_SEALED_LEN(v->plain_len);
	struct scatterlist sg[ARRAY_SIZE(frag_len)];
	u8 *frag[ARRAY_SIZE(frag_len)] = { };
	const char *err = NULL;
	size_t i, total = 0;

	for (i = 0; i < ARRAY_SIZE(frag_len); i++)
		total += frag_len[i];
	if (WARN_ON(total != sealed_len))
		return "scatterlist test layout";

	sg_init_table(sg, ARRAY_SIZE(sg));
	for (i = 0; i < ARRAY_SIZE(frag_len); i++) {
		frag[i] = kmalloc(frag_len[i], GFP_KERNEL);
		if (!frag[i]) {
			err = "scatterlist test: out of memory";
			goto out;
		}
		sg_set_buf(&sg[i], frag[i], frag_len[i]);
	}

	sg_copy_from_buffer(sg, ARRAY_SIZE(sg), v->plain, v->plain_len);
	if (!nt_crypto_aead_encrypt_sg(sg, v->plain_len, v->ad, v->ad_len,
				       v->nonce, v->key)) {
		err = "RFC 8439 A.5 scatterlist encryption refused";
		goto out;
	}
	sg_copy_to_buffer(sg, ARRAY_SIZE(sg), buf, sealed_len);
	if (!same(buf, v->sealed, sealed_len)) {
		err = "RFC 8439 A.5 scatterlist encryption";
		goto out;
	}
	if (!nt_crypto_aead_decrypt_sg(sg, sealed_len, v->ad, v->ad_len,
				       v->nonce, v->key)) {
		err = "RFC 8439 A.5 scatterlist decryption";
		goto out;
	}
	sg_copy_to_buffer(sg, ARRAY_SIZE(sg), buf, v->plain_len);
	if (!same(buf, v->plain, v->plain_len)) {
		err = "RFC 8439 A.5 scatterlist round trip";
		goto out;
	}

	/* Back to ciphertext, then break one bit of a fragment mid-tag. */
	sg_copy_from_buffer(sg, ARRAY_SIZE(sg), v->sealed, sealed_len);
	frag[ARRAY_SIZE(frag) - 2][frag_len[ARRAY_SIZE(frag) - 2] - 1] ^= 1;
	if (nt_crypto_aead_decrypt_sg(sg, sealed_len, v->ad, v->ad_len,
				      v->nonce, v->key))
		err = "scatterlist decryption accepted a flipped tag";
out:
	for (i = 0; i < ARRAY_SIZE(frag); i++)
		kfree(frag[i]);
	return err;
}

static const char *test_xaead(u8 *buf, u8 *buf2)
{
	const size_t len = sizeof(kat_xaead_plain);
	const size_t sealed_len = NT_CRYPTO_SEALED_LEN(len);

	nt_crypto_xaead_encrypt(buf, kat_xaead_plain, len, kat_xaead_ad,
				sizeof(kat_xaead_ad), kat_xaead_nonce,
				kat_xaead_key);
	if (!same(buf, kat_xaead_sealed, sealed_len))
		return "XChaCha20-Poly1305 A.3.1 encryption";
	if (!nt_crypto_xaead_decrypt(buf, kat_xaead_sealed, sealed_len,
				     kat_xaead_ad, sizeof(kat_xaead_ad),
				     kat_xaead_nonce, kat_xaead_key) ||
	    !same(buf, kat_xaead_plain, len))
		return "XChaCha20-Poly1305 A.3.1 decryption";

	memcpy(buf, kat_xaead_sealed, sealed_len);
	buf[len] ^= 1;
	if (nt_crypto_xaead_decrypt(buf, buf, sealed_len, kat_xaead_ad,
				    sizeof(kat_xaead_ad), kat_xaead_nonce,
				    kat_xaead_key))
		return "XChaCha20-Poly1305 accepted a flipped tag";
	return NULL;
}

static const char *test_x25519(u8 *buf, u8 *buf2)
{
	u8 out[NT_CRYPTO_DH_LEN], k[NT_CRYPTO_DH_LEN], u[NT_CRYPTO_DH_LEN];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kat_x25519); i++) {
		const struct nt_kat_x25519 *v = &kat_x25519[i];

		if (!nt_crypto_dh(out, v->scalar, v->point) ||
		    !same(out, v->out, sizeof(out)))
			return v->name;
	}
	for (i = 0; i < ARRAY_SIZE(kat_x25519_base); i++) {
		const struct nt_kat_x25519 *v = &kat_x25519_base[i];

		if (!nt_crypto_pubkey_derive(out, v->scalar) ||
		    !same(out, v->out, sizeof(out)))
			return v->name;
	}

	/* RFC 7748 5.2: k = u = 9; then (k, u) = (X25519(k, u), k). */
	memset(k, 0, sizeof(k));
	k[0] = 9;
	memcpy(u, k, sizeof(u));
	for (i = 1; i <= 1000; i++) {
		if (!nt_crypto_dh(out, k, u))
			return "RFC 7748 5.2 iterations: zero output";
		memcpy(u, k, sizeof(u));
		memcpy(k, out, sizeof(k));
		if (i == 1 && !same(k, kat_x25519_iter1, sizeof(k)))
			return "RFC 7748 5.2 after 1 iteration";
		cond_resched();
	}
	if (!same(k, kat_x25519_iter1000, sizeof(k)))
		return "RFC 7748 5.2 after 1000 iterations";

	/* Low-order public keys give an all-zero secret: DH must refuse. */
	for (i = 0; i < ARRAY_SIZE(kat_x25519_low_order); i++) {
		memset(out, 0xa5, sizeof(out));
		if (nt_crypto_dh(out, kat_x25519_scalar2,
				 kat_x25519_low_order[i]))
			return "DH accepted a low-order public key";
		if (!is_zero(out, sizeof(out)))
			return "rejected DH output is not all zero";
	}

	memset(k, 0, sizeof(k));
	if (nt_crypto_pubkey_derive(out, k))
		return "public key derived from an all-zero private key";

	/* A generated key is clamped and has a public key. */
	nt_crypto_privkey_generate(k);
	if ((k[0] & 7) || (k[31] & 0xc0) != 0x40 ||
	    !nt_crypto_pubkey_derive(out, k))
		return "generated private key";
	memset(k, 0xff, sizeof(k));
	nt_crypto_privkey_clamp(k);
	if (k[0] != 0xf8 || k[31] != 0x7f)
		return "clamp";
	memzero_explicit(k, sizeof(k));
	return NULL;
}

static const char *test_tai64n(u8 *buf, u8 *buf2)
{
	u8 out[NT_CRYPTO_TAI64N_LEN], later[NT_CRYPTO_TAI64N_LEN];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kat_tai64n); i++) {
		const struct nt_kat_tai64n *v = &kat_tai64n[i];
		struct timespec64 ts = { .tv_sec = v->sec, .tv_nsec = v->nsec };

		nt_crypto_tai64n_encode(out, &ts);
		if (!same(out, v->out, sizeof(out)))
			return "TAI64N encoding";
	}

	/* The clock: coarse nanoseconds, and never going backwards here. */
	nt_crypto_tai64n_now(out);
	nt_crypto_tai64n_now(later);
	if (out[9] || out[10] || out[11] || memcmp(later, out, sizeof(out)) < 0)
		return "TAI64N of the clock";
	return NULL;
}

/*
 * The handshake core against cacophony's Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s
 * vector (prologue "John Galt", a psk, payloads in both messages, four
 * transport messages), then the same keys shaped as WireGuard uses them
 * (prologue IDENTIFIER, TAI64N payload, empty response, no psk, one
 * keepalive each way) against gen-vectors.py's independent computation.
 */
#define MSG(p, m) { p, sizeof(p), m }

static const struct nt_kat_noise noise_vectors[] = {
	{
		.name = "cacophony Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s",
		.prologue = kat_noise_prologue,
		.prologue_len = sizeof(kat_noise_prologue),
		.psk = kat_noise_psk,
		.msg1 = MSG(kat_noise_payload1, kat_noise_msg1),
		.msg2 = MSG(kat_noise_payload2, kat_noise_msg2),
		.handshake_hash = kat_noise_handshake_hash,
		.transport = {
			MSG(kat_noise_payload3, kat_noise_msg3),
			MSG(kat_noise_payload4, kat_noise_msg4),
			MSG(kat_noise_payload5, kat_noise_msg5),
			MSG(kat_noise_payload6, kat_noise_msg6),
		},
		.transport_count = 4,
	},
	{
		.name = "WireGuard-shaped handshake",
		.prologue = (const u8 *)NT_CRYPTO_IDENTIFIER,
		.prologue_len = sizeof(NT_CRYPTO_IDENTIFIER) - 1,
		.psk = NULL,
		.msg1 = MSG(kat_wg_payload1, kat_wg_msg1),
		.msg2 = { NULL, 0, kat_wg_msg2 },
		.handshake_hash = kat_wg_handshake_hash,
		.chaining_key0 = kat_wg_ci,
		.hash0 = kat_wg_hr,
		.transport = {
			{ NULL, 0, kat_wg_keepalive_i },
			{ NULL, 0, kat_wg_keepalive_r },
		},
		.transport_count = 2,
	},
};

static const char *test_noise_vector(const struct nt_kat_noise *v, u8 *buf,
				     u8 *buf2)
{
	const size_t len1 = NT_NOISE_CORE_INITIATION_LEN(v->msg1.payload_len);
	const size_t len2 = NT_NOISE_CORE_RESPONSE_LEN(v->msg2.payload_len);
	struct nt_noise_core_static_keys ik, rk;
	struct nt_noise_core_handshake ih, rh;
	u8 keys[4][NT_CRYPTO_KEY_LEN];	/* i send, i receive, r send, r receive */
	u8 ss[2][NT_CRYPTO_DH_LEN];	/* static-static: i's, r's */
	const char *err = "deriving the static public keys";
	size_t i;

	memcpy(ik.private_key, kat_noise_init_static, NT_CRYPTO_PRIVATE_KEY_LEN);
	memcpy(rk.private_key, kat_noise_resp_static, NT_CRYPTO_PRIVATE_KEY_LEN);
	if (!nt_crypto_pubkey_derive(ik.public_key, ik.private_key) ||
	    !nt_crypto_pubkey_derive(rk.public_key, rk.private_key))
		goto out;
	/* What the module keeps per peer: one secret, the same on both sides. */
	if (!nt_crypto_dh(ss[0], ik.private_key, rk.public_key) ||
	    !nt_crypto_dh(ss[1], rk.private_key, ik.public_key) ||
	    !same(ss[0], ss[1], NT_CRYPTO_DH_LEN)) {
		err = "the static-static secret differs between the sides";
		goto out;
	}

	nt_noise_core_init(&ih, v->prologue, v->prologue_len, rk.public_key);
	nt_noise_core_init(&rh, v->prologue, v->prologue_len, rk.public_key);
	if (v->chaining_key0 &&
	    (!same(ih.chaining_key, v->chaining_key0, NT_CRYPTO_HASH_LEN) ||
	     !same(ih.hash, v->hash0, NT_CRYPTO_HASH_LEN))) {
		err = "handshake start is not Ci, HASH(Hi || S_r)";
		goto out;
	}

	/* Message 1, with the precomputed secret, and read in two halves. */
	if (!nt_noise_core_initiation_create(&ih, &ik, ss[0],
					     kat_noise_init_ephemeral,
					     v->msg1.payload,
					     v->msg1.payload_len, buf) ||
	    !same(buf, v->msg1.sealed, len1)) {
		err = "handshake message 1";
		goto out;
	}
	{
		struct nt_noise_core_handshake half = rh;

		if (!nt_noise_core_initiation_open_static(&half, &rk, buf, len1) ||
		    !same(half.initiator_static, ik.public_key,
			  NT_CRYPTO_PUBLIC_KEY_LEN) ||
		    !nt_noise_core_initiation_open_payload(&half, ss[1], buf, len1,
							   buf2) ||
		    !same(buf2, v->msg1.payload, v->msg1.payload_len)) {
			err = "reading message 1 in two halves";
			nt_noise_core_clear(&half);
			goto out;
		}
		nt_noise_core_clear(&half);
	}
	buf[len1 - 1] ^= 1;
	if (nt_noise_core_initiation_consume(&rh, &rk, buf, len1, buf2) ||
	    nt_noise_core_initiation_consume(&rh, &rk, buf, len1 - 1, buf2) ||
	    rh.state != NT_NOISE_CORE_INITIALIZED) {
		err = "a corrupted message 1 was accepted or changed the state";
		goto out;
	}
	buf[len1 - 1] ^= 1;
	if (!nt_noise_core_initiation_consume(&rh, &rk, buf, len1, buf2) ||
	    !same(buf2, v->msg1.payload, v->msg1.payload_len) ||
	    !same(rh.initiator_static, ik.public_key, NT_CRYPTO_PUBLIC_KEY_LEN)) {
		err = "reading handshake message 1";
		goto out;
	}

	/* Message 2: a wrong psk or a flipped bit must not get through. */
	if (!nt_noise_core_response_create(&rh, kat_noise_resp_ephemeral,
					   v->psk, v->msg2.payload,
					   v->msg2.payload_len, buf) ||
	    !same(buf, v->msg2.sealed, len2)) {
		err = "handshake message 2";
		goto out;
	}
	if (nt_noise_core_response_consume(&ih, &ik,
					   v->psk ? NULL : kat_noise_psk,
					   buf, len2, buf2)) {
		err = "message 2 accepted with the wrong psk";
		goto out;
	}
	buf[0] ^= 1;
	if (nt_noise_core_response_consume(&ih, &ik, v->psk, buf, len2, buf2) ||
	    ih.state != NT_NOISE_CORE_INITIATION_CREATED) {
		err = "a corrupted message 2 was accepted or changed the state";
		goto out;
	}
	buf[0] ^= 1;
	if (!nt_noise_core_response_consume(&ih, &ik, v->psk, buf, len2, buf2) ||
	    !same(buf2, v->msg2.payload, v->msg2.payload_len)) {
		err = "reading handshake message 2";
		goto out;
	}
	if (!is_zero(ih.ephemeral_private, NT_CRYPTO_PRIVATE_KEY_LEN)) {
		err = "the initiator kept its ephemeral key after message 2";
		goto out;
	}
	if (!same(ih.hash, v->handshake_hash, NT_CRYPTO_HASH_LEN) ||
	    !same(rh.hash, v->handshake_hash, NT_CRYPTO_HASH_LEN)) {
		err = "handshake hash";
		goto out;
	}

	/* Transport: the initiator's messages with its send key, and so on. */
	if (!nt_noise_core_split(&ih, keys[0], keys[1]) ||
	    !nt_noise_core_split(&rh, keys[2], keys[3]) ||
	    !same(keys[0], keys[3], NT_CRYPTO_KEY_LEN) ||
	    !same(keys[1], keys[2], NT_CRYPTO_KEY_LEN) ||
	    !same(ih.hash, v->handshake_hash, NT_CRYPTO_HASH_LEN) ||
	    ih.state != NT_NOISE_CORE_SPLIT) {
		err = "split";
		goto out;
	}
	for (i = 0; i < v->transport_count; i++) {
		const struct nt_kat_noise_message *m = &v->transport[i];
		const u8 *send = keys[i % 2 ? 2 : 0], *recv = keys[i % 2 ? 1 : 3];
		size_t sealed_len = NT_CRYPTO_SEALED_LEN(m->payload_len);

		nt_crypto_aead_encrypt(buf, m->payload, m->payload_len, NULL, 0,
				       i / 2, send);
		if (!same(buf, m->sealed, sealed_len) ||
		    !nt_crypto_aead_decrypt(buf2, buf, sealed_len, NULL, 0,
					    i / 2, recv) ||
		    !same(buf2, m->payload, m->payload_len)) {
			err = "transport message";
			goto out;
		}
	}
	err = NULL;
out:
	if (err)
		pr_err("%s: %s\n", v->name, err);
	nt_noise_core_clear(&ih);
	nt_noise_core_clear(&rh);
	memzero_explicit(&ik, sizeof(ik));
	memzero_explicit(&rk, sizeof(rk));
	memzero_explicit(keys, sizeof(keys));
	memzero_explicit(ss, sizeof(ss));
	return err;
}

static const char *test_noise(u8 *buf, u8 *buf2)
{
	struct nt_noise_core_static_keys ik;
	struct nt_noise_core_handshake hs;
	const char *err = NULL;
	u8 key[NT_CRYPTO_KEY_LEN];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(noise_vectors) && !err; i++)
		err = test_noise_vector(&noise_vectors[i], buf, buf2);
	if (err)
		return err;

	/* A peer configured with a low-order key cannot be initiated to. */
	memcpy(ik.private_key, kat_noise_init_static, sizeof(ik.private_key));
	if (!nt_crypto_pubkey_derive(ik.public_key, ik.private_key))
		return "initiator key";
	nt_noise_core_init(&hs, NULL, 0, kat_x25519_low_order[3]);
	if (nt_noise_core_initiation_create(&hs, &ik, NULL, kat_noise_init_ephemeral,
					    NULL, 0, buf) ||
	    hs.state != NT_NOISE_CORE_INITIALIZED)
		err = "initiation to a low-order responder key";
	/* Steps out of order are refused. */
	else if (nt_noise_core_split(&hs, key, key) ||
		 nt_noise_core_response_consume(&hs, &ik, NULL, buf,
						NT_NOISE_CORE_RESPONSE_LEN(0),
						NULL) ||
		 nt_noise_core_response_create(&hs, kat_noise_resp_ephemeral,
					       NULL, NULL, 0, buf))
		err = "a handshake step out of order was accepted";
	nt_noise_core_clear(&hs);
	memzero_explicit(&ik, sizeof(ik));
	return err;
}

const struct nt_crypto_selftest_step nt_crypto_selftest_steps[] = {
	{ "BLAKE2s: RFC 7693 B, keyed blake2s-test.txt", test_blake2s },
	{ "MAC (keyed BLAKE2s-128)", test_mac },
	{ "HMAC-BLAKE2s", test_hmac },
	{ "KDF1..3, including outputs aliasing inputs", test_kdf },
	{ "WireGuard Ci, Hi, HASH(Hi || S_r), mac1 and cookie keys",
	  test_wireguard_constants },
	{ "RFC 8439 2.8.2, and the 2.8 composition vs the AEAD wrapper",
	  test_rfc8439_282 },
	{ "AEAD: RFC 8439 A.5 and wire-nonce vectors, must-fail cases",
	  test_aead },
	{ "AEAD over a 6-fragment scatterlist", test_aead_sg },
	{ "XChaCha20-Poly1305: draft A.3.1, must-fail case", test_xaead },
	{ "X25519: RFC 7748, low-order points, key generation", test_x25519 },
	{ "TAI64N encoding and clock", test_tai64n },
	{ "Noise IKpsk2: cacophony, WireGuard-shaped, must-fail cases",
	  test_noise },
	{ }
};

bool nt_crypto_selftest(void)
{
	const struct nt_crypto_selftest_step *step;
	const char *err = NULL;
	u8 *buf, *buf2;

	/* Room for the longest vector, sealed (RFC 8439 A.5: 265 + 16). */
	buf = kmalloc(NT_CRYPTO_SELFTEST_BUF_LEN, GFP_KERNEL);
	buf2 = kmalloc(NT_CRYPTO_SELFTEST_BUF_LEN, GFP_KERNEL);
	BUILD_BUG_ON(NT_CRYPTO_SEALED_LEN(sizeof(kat_aead_plain0)) >
		     NT_CRYPTO_SELFTEST_BUF_LEN);
	if (!buf || !buf2)
		err = "out of memory";
	for (step = nt_crypto_selftest_steps; step->run && !err; step++)
		err = step->run(buf, buf2);
	kfree(buf);
	kfree(buf2);
	if (err) {
		pr_err("crypto self-test failed: %s\n", err);
		return false;
	}
	pr_info("crypto self-tests: pass\n");
	return true;
}

#endif /* DEBUG */
