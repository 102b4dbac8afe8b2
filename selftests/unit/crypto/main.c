// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit test of noisetun's crypto layer.
 *
 * crypto/crypto.c is compiled unchanged against shim/ (kshim.h), with the
 * kernel's own BLAKE2s (lib/crypto from linux-source-6.1) underneath it and
 * libsodium behind the kernel's ChaCha20-Poly1305 and X25519 declarations.
 * The expected values come from crypto/selftest_vectors.h, which
 * gen-vectors.py writes after re-checking them with Python's hashlib and
 * the 'cryptography' package: three implementations that share no code.
 *
 * Output is KTAP; the exit status is non-zero if any test failed.
 */

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <crypto/blake2s.h>

#include "crypto.h"
#include "noise_core.h"
#include "selftest_vectors.h"

static char detail[256];

/* Record why a test failed; returns false so that tests can "return fail()". */
static bool fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	return false;
}

static bool same(const u8 *a, const u8 *b, size_t len)
{
	return !len || !memcmp(a, b, len);	/* empty payloads may be NULL */
}

static bool is_zero(const u8 *a, size_t len)
{
	while (len--)
		if (*a++)
			return false;
	return true;
}

/*
 * RFC 7693 Appendix E: the BLAKE2s self-test "grand hash" over outputs of
 * 16, 20, 28 and 32 bytes and inputs of 0..1024 bytes, keyed and unkeyed.
 * It runs the kernel's blake2s code as compiled here through init, update
 * and final with every parameter, which is what our HASH, MAC and HMAC
 * stand on.
 */
static void selftest_seq(u8 *out, size_t len, u32 seed)
{
	u32 a = 0xdead4bad * seed, b = 1, t;
	size_t i;

	for (i = 0; i < len; i++) {
		t = a + b;
		a = b;
		b = t;
		out[i] = t >> 24;
	}
}

static bool test_blake2s_rfc7693_selftest(void)
{
	/* RFC 7693 Appendix E, blake2s_res[]; also recomputed by gen-vectors. */
	static const u8 grand[32] = {
		0x6a, 0x41, 0x1f, 0x08, 0xce, 0x25, 0xad, 0xcd,
		0xfb, 0x02, 0xab, 0xa6, 0x41, 0x45, 0x1c, 0xec,
		0x53, 0xc5, 0x98, 0xb2, 0x4f, 0x4f, 0xc7, 0x87,
		0xfb, 0xdc, 0x88, 0x79, 0x7f, 0x4c, 0x1d, 0xfe,
	};
	static const size_t md_len[] = { 16, 20, 28, 32 };
	static const size_t in_len[] = { 0, 3, 64, 65, 255, 1024 };
	struct blake2s_state all;
	u8 in[1024], md[32], key[32], out[32];
	size_t i, j;

	blake2s_init(&all, 32);
	for (i = 0; i < ARRAY_SIZE(md_len); i++) {
		for (j = 0; j < ARRAY_SIZE(in_len); j++) {
			selftest_seq(in, in_len[j], in_len[j]);
			blake2s(md, in, NULL, md_len[i], in_len[j], 0);
			blake2s_update(&all, md, md_len[i]);
			selftest_seq(key, md_len[i], md_len[i]);
			blake2s(md, in, key, md_len[i], in_len[j], md_len[i]);
			blake2s_update(&all, md, md_len[i]);
		}
	}
	blake2s_final(&all, out);
	return same(out, grand, 32) || fail("grand hash differs");
}

static bool test_hash(void)
{
	u8 out[NT_CRYPTO_HASH_LEN];

	nt_crypto_hash(out, (const u8 *)"abc", 3);
	return same(out, kat_blake2s_abc, sizeof(out)) ||
	       fail("HASH(\"abc\")");
}

static bool test_blake2s_keyed(void)
{
	u8 out[32];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kat_blake2s_keyed); i++) {
		const struct nt_kat_keyed *v = &kat_blake2s_keyed[i];

		blake2s(out, v->in, v->key, sizeof(out), v->in_len, v->key_len);
		if (!same(out, v->out, sizeof(out)))
			return fail("%s", v->name);
	}
	return true;
}

static bool test_keyed(const struct nt_kat_keyed *v, size_t n, bool hmac)
{
	u8 out[NT_CRYPTO_HASH_LEN];
	size_t i;

	for (i = 0; i < n; i++, v++) {
		if (hmac)
			nt_crypto_hmac(out, v->in, v->in_len, v->key, v->key_len);
		else
			nt_crypto_mac(out, v->in, v->in_len, v->key, v->key_len);
		if (!same(out, v->out, hmac ? NT_CRYPTO_HASH_LEN : NT_CRYPTO_MAC_LEN))
			return fail("%s", v->name);
	}
	return true;
}

static bool test_mac(void)
{
	return test_keyed(kat_mac, ARRAY_SIZE(kat_mac), false);
}

static bool test_hmac(void)
{
	return test_keyed(kat_hmac, ARRAY_SIZE(kat_hmac), true);
}

static bool test_kdf(void)
{
	u8 t1[32], t2[32], t3[32], in[128];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kat_kdf); i++) {
		const struct nt_kat_kdf *v = &kat_kdf[i];

		nt_crypto_kdf1(t1, v->key, v->in, v->in_len);
		if (!same(t1, v->t1, 32))
			return fail("KDF1, %s", v->name);
		nt_crypto_kdf2(t1, t2, v->key, v->in, v->in_len);
		if (!same(t1, v->t1, 32) || !same(t2, v->t2, 32))
			return fail("KDF2, %s", v->name);
		nt_crypto_kdf3(t1, t2, t3, v->key, v->in, v->in_len);
		if (!same(t1, v->t1, 32) || !same(t2, v->t2, 32) ||
		    !same(t3, v->t3, 32))
			return fail("KDF3, %s", v->name);

		/* Outputs aliasing the key, and the second output the input. */
		memcpy(t1, v->key, 32);
		nt_crypto_kdf1(t1, t1, v->in, v->in_len);
		if (!same(t1, v->t1, 32))
			return fail("KDF1 in place, %s", v->name);
		memcpy(t2, v->key, 32);
		nt_crypto_kdf3(t1, t2, t3, t2, v->in, v->in_len);
		if (!same(t1, v->t1, 32) || !same(t2, v->t2, 32) ||
		    !same(t3, v->t3, 32))
			return fail("KDF3 with t2 aliasing the key, %s", v->name);
		if (v->in_len <= sizeof(in) && v->in_len >= 32) {
			memcpy(in, v->in, v->in_len);
			nt_crypto_kdf2(t1, in, v->key, in, v->in_len);
			if (!same(t1, v->t1, 32) || !same(in, v->t2, 32))
				return fail("KDF2 with t2 aliasing the input");
		}
	}
	return true;
}

static bool test_wireguard_constants(void)
{
	u8 out[32];

	nt_crypto_hash(out, (const u8 *)NT_CRYPTO_CONSTRUCTION,
		       strlen(NT_CRYPTO_CONSTRUCTION));
	if (!same(out, kat_wg_ci, 32))
		return fail("Ci");
	nt_crypto_hash2(out, out, 32, (const u8 *)NT_CRYPTO_IDENTIFIER,
			strlen(NT_CRYPTO_IDENTIFIER));
	if (!same(out, kat_wg_hi, 32))
		return fail("Hi");
	nt_crypto_mix_hash(out, kat_wg_responder_pub, 32);
	if (!same(out, kat_wg_hr, 32))
		return fail("HASH(Hi || S_r)");
	nt_crypto_hash2(out, (const u8 *)"mac1----", 8, kat_wg_responder_pub, 32);
	if (!same(out, kat_wg_mac1_key, 32))
		return fail("mac1 key");
	nt_crypto_hash2(out, (const u8 *)"cookie--", 8, kat_wg_responder_pub, 32);
	return same(out, kat_wg_cookie_key, 32) || fail("cookie key");
}

static bool test_rfc8439_282_vector(void)
{
	const u8 *plain = kat_rfc8439_282_plain, *ad = kat_rfc8439_282_ad;
	u8 out[sizeof(kat_rfc8439_282_sealed)];

	/* Not expressible through our u64-nonce API: checks the vector only. */
	crypto_aead_chacha20poly1305_ietf_encrypt(out, NULL, plain,
						  sizeof(kat_rfc8439_282_plain),
						  ad, sizeof(kat_rfc8439_282_ad),
						  NULL, kat_rfc8439_282_nonce,
						  kat_rfc8439_282_key);
	return same(out, kat_rfc8439_282_sealed, sizeof(out)) ||
	       fail("libsodium disagrees with the vector");
}

static bool test_aead(void)
{
	u8 buf[512];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kat_aead); i++) {
		const struct nt_kat_aead *v = &kat_aead[i];
		size_t len = NT_CRYPTO_SEALED_LEN(v->plain_len);

		nt_crypto_aead_encrypt(buf, v->plain, v->plain_len, v->ad,
				       v->ad_len, v->nonce, v->key);
		if (!same(buf, v->sealed, len))
			return fail("encrypt %s", v->name);
		if (!nt_crypto_aead_decrypt(buf, v->sealed, len, v->ad,
					    v->ad_len, v->nonce, v->key) ||
		    !same(buf, v->plain, v->plain_len))
			return fail("decrypt %s", v->name);
		memcpy(buf, v->sealed, len);
		buf[len - 1] ^= 0x80;
		if (nt_crypto_aead_decrypt(buf, buf, len, v->ad, v->ad_len,
					   v->nonce, v->key))
			return fail("flipped tag accepted, %s", v->name);
		if (nt_crypto_aead_decrypt(buf, v->sealed, len, v->ad,
					   v->ad_len, v->nonce ^ (1ULL << 63),
					   v->key))
			return fail("wrong counter accepted, %s", v->name);
	}
	return true;
}

static const unsigned int frag_len[] = { 1, 15, 64, 100, 93, 8 };
static u8 frag[ARRAY_SIZE(frag_len)][128];

static void scatter(const u8 *flat)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(frag_len); flat += frag_len[i++])
		memcpy(frag[i], flat, frag_len[i]);
}

static void gather(u8 *flat)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(frag_len); flat += frag_len[i++])
		memcpy(flat, frag[i], frag_len[i]);
}

/* RFC 8439 A.5 over fragments split inside blocks and inside the tag. */
static bool test_aead_sg(void)
{
	const struct nt_kat_aead *v = &kat_aead[0];
	const size_t len = NT_CRYPTO_SEALED_LEN(v->plain_len);
	struct scatterlist sg[ARRAY_SIZE(frag_len)];
	u8 flat[512] = { };
	size_t i, total = 0;

	sg_init_table(sg, ARRAY_SIZE(sg));
	for (i = 0; i < ARRAY_SIZE(sg); total += frag_len[i++])
		sg_set_buf(&sg[i], frag[i], frag_len[i]);
	if (total != len)
		return fail("layout");

	memcpy(flat, v->plain, v->plain_len);
	scatter(flat);
	if (!nt_crypto_aead_encrypt_sg(sg, v->plain_len, v->ad, v->ad_len,
				       v->nonce, v->key))
		return fail("encryption refused");
	gather(flat);
	if (!same(flat, v->sealed, len))
		return fail("ciphertext");
	if (!nt_crypto_aead_decrypt_sg(sg, len, v->ad, v->ad_len, v->nonce,
				       v->key))
		return fail("decryption refused");
	gather(flat);
	if (!same(flat, v->plain, v->plain_len))
		return fail("round trip");

	scatter(v->sealed);
	frag[4][frag_len[4] - 1] ^= 1;
	return !nt_crypto_aead_decrypt_sg(sg, len, v->ad, v->ad_len, v->nonce,
					  v->key) || fail("flipped tag accepted");
}

static bool test_xaead(void)
{
	const size_t len = sizeof(kat_xaead_plain);
	u8 buf[sizeof(kat_xaead_sealed)];

	nt_crypto_xaead_encrypt(buf, kat_xaead_plain, len, kat_xaead_ad,
				sizeof(kat_xaead_ad), kat_xaead_nonce,
				kat_xaead_key);
	if (!same(buf, kat_xaead_sealed, sizeof(buf)))
		return fail("encrypt");
	if (!nt_crypto_xaead_decrypt(buf, kat_xaead_sealed, sizeof(buf),
				     kat_xaead_ad, sizeof(kat_xaead_ad),
				     kat_xaead_nonce, kat_xaead_key) ||
	    !same(buf, kat_xaead_plain, len))
		return fail("decrypt");
	memcpy(buf, kat_xaead_sealed, sizeof(buf));
	buf[len] ^= 1;
	return !nt_crypto_xaead_decrypt(buf, buf, sizeof(buf), kat_xaead_ad,
					sizeof(kat_xaead_ad), kat_xaead_nonce,
					kat_xaead_key) ||
	       fail("flipped tag accepted");
}

static bool test_x25519(void)
{
	u8 out[32];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kat_x25519); i++) {
		const struct nt_kat_x25519 *v = &kat_x25519[i];

		if (!nt_crypto_dh(out, v->scalar, v->point) ||
		    !same(out, v->out, 32))
			return fail("%s", v->name);
	}
	for (i = 0; i < ARRAY_SIZE(kat_x25519_base); i++) {
		const struct nt_kat_x25519 *v = &kat_x25519_base[i];

		if (!nt_crypto_pubkey_derive(out, v->scalar) ||
		    !same(out, v->out, 32))
			return fail("%s", v->name);
	}
	return true;
}

static bool test_x25519_iterations(void)
{
	u8 k[32] = { 9 }, u[32] = { 9 }, out[32];
	int i;

	for (i = 1; i <= 1000; i++) {
		if (!nt_crypto_dh(out, k, u))
			return fail("zero output at %d", i);
		memcpy(u, k, 32);
		memcpy(k, out, 32);
		if (i == 1 && !same(k, kat_x25519_iter1, 32))
			return fail("after 1 iteration");
	}
	return same(k, kat_x25519_iter1000, 32) || fail("after 1000 iterations");
}

static bool test_x25519_low_order(void)
{
	u8 out[32], zero[32] = { };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kat_x25519_low_order); i++) {
		memset(out, 0xa5, sizeof(out));
		if (nt_crypto_dh(out, kat_x25519_scalar2,
				 kat_x25519_low_order[i]))
			return fail("point %zu accepted", i);
		if (!is_zero(out, sizeof(out)))
			return fail("point %zu: output not all zero", i);
	}
	return !nt_crypto_pubkey_derive(out, zero) ||
	       fail("public key of the zero private key");
}

static bool test_keys(void)
{
	u8 k[32], pub[32], shared1[32], shared2[32], k2[32], pub2[32];

	nt_crypto_privkey_generate(k);
	nt_crypto_privkey_generate(k2);
	if ((k[0] & 7) || (k[31] & 0xc0) != 0x40)
		return fail("generated key not clamped");
	if (!nt_crypto_pubkey_derive(pub, k) ||
	    !nt_crypto_pubkey_derive(pub2, k2))
		return fail("derive");
	if (!nt_crypto_dh(shared1, k, pub2) || !nt_crypto_dh(shared2, k2, pub) ||
	    !same(shared1, shared2, 32))
		return fail("DH of two fresh keys disagrees");
	memset(k, 0xff, sizeof(k));
	nt_crypto_privkey_clamp(k);
	return (k[0] == 0xf8 && k[31] == 0x7f && k[1] == 0xff) || fail("clamp");
}

static bool test_tai64n(void)
{
	u8 out[NT_CRYPTO_TAI64N_LEN];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kat_tai64n); i++) {
		const struct nt_kat_tai64n *v = &kat_tai64n[i];
		struct timespec64 ts = { .tv_sec = v->sec, .tv_nsec = v->nsec };

		nt_crypto_tai64n_encode(out, &ts);
		if (!same(out, v->out, sizeof(out)))
			return fail("%lld.%09ld", (long long)v->sec, v->nsec);
	}
	return true;
}

static bool test_tai64n_now(void)
{
	u8 a[NT_CRYPTO_TAI64N_LEN], b[NT_CRYPTO_TAI64N_LEN];
	struct timespec64 now;
	u64 label;

	ktime_get_real_ts64(&now);
	nt_crypto_tai64n_now(a);
	nt_crypto_tai64n_now(b);
	memcpy(&label, a, 8);
	label = be64toh(label) - (1ULL << 62) - 10;
	if (a[9] || a[10] || a[11])
		return fail("nanoseconds not rounded to 2^24");
	if (label < (u64)now.tv_sec || label > (u64)now.tv_sec + 1)
		return fail("seconds %llu, clock %lld", (unsigned long long)label,
			    (long long)now.tv_sec);
	return memcmp(b, a, sizeof(a)) >= 0 || fail("went backwards");
}

/*
 * cacophony's Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s, written independently
 * of crypto/selftest.c's version of the same check: both messages from
 * both sides, the handshake hash, the four transport messages.
 */
static bool test_noise_cacophony(void)
{
	static const struct {
		const u8 *payload, *sealed;
		size_t len;
	} tr[] = {
		{ kat_noise_payload3, kat_noise_msg3, sizeof(kat_noise_payload3) },
		{ kat_noise_payload4, kat_noise_msg4, sizeof(kat_noise_payload4) },
		{ kat_noise_payload5, kat_noise_msg5, sizeof(kat_noise_payload5) },
		{ kat_noise_payload6, kat_noise_msg6, sizeof(kat_noise_payload6) },
	};
	struct nt_noise_core_static_keys i_keys, r_keys;
	struct nt_noise_core_handshake i, r;
	u8 m1[sizeof(kat_noise_msg1)], m2[sizeof(kat_noise_msg2)], p[128];
	u8 i_send[32], i_recv[32], r_send[32], r_recv[32], out[64];
	size_t n;

	memcpy(i_keys.private_key, kat_noise_init_static, 32);
	memcpy(r_keys.private_key, kat_noise_resp_static, 32);
	if (!nt_crypto_pubkey_derive(i_keys.public_key, i_keys.private_key) ||
	    !nt_crypto_pubkey_derive(r_keys.public_key, r_keys.private_key))
		return fail("static keys");
	nt_noise_core_init(&i, kat_noise_prologue, sizeof(kat_noise_prologue),
			   r_keys.public_key);
	nt_noise_core_init(&r, kat_noise_prologue, sizeof(kat_noise_prologue),
			   r_keys.public_key);

	if (NT_NOISE_CORE_INITIATION_LEN(sizeof(kat_noise_payload1)) != sizeof(m1) ||
	    NT_NOISE_CORE_RESPONSE_LEN(sizeof(kat_noise_payload2)) != sizeof(m2))
		return fail("message sizes");
	if (!nt_noise_core_initiation_create(&i, &i_keys, NULL, kat_noise_init_ephemeral,
					     kat_noise_payload1,
					     sizeof(kat_noise_payload1), m1) ||
	    !same(m1, kat_noise_msg1, sizeof(m1)))
		return fail("message 1 written");
	if (!nt_noise_core_initiation_consume(&r, &r_keys, m1, sizeof(m1), p) ||
	    !same(p, kat_noise_payload1, sizeof(kat_noise_payload1)))
		return fail("message 1 read");
	if (!nt_noise_core_response_create(&r, kat_noise_resp_ephemeral,
					   kat_noise_psk, kat_noise_payload2,
					   sizeof(kat_noise_payload2), m2) ||
	    !same(m2, kat_noise_msg2, sizeof(m2)))
		return fail("message 2 written");
	if (!nt_noise_core_response_consume(&i, &i_keys, kat_noise_psk, m2,
					    sizeof(m2), p) ||
	    !same(p, kat_noise_payload2, sizeof(kat_noise_payload2)))
		return fail("message 2 read");
	if (!same(i.hash, kat_noise_handshake_hash, 32) ||
	    !same(r.hash, kat_noise_handshake_hash, 32))
		return fail("handshake hash");
	if (!nt_noise_core_split(&i, i_send, i_recv) ||
	    !nt_noise_core_split(&r, r_send, r_recv))
		return fail("split");
	for (n = 0; n < ARRAY_SIZE(tr); n++) {
		nt_crypto_aead_encrypt(out, tr[n].payload, tr[n].len, NULL, 0,
				       n / 2, n % 2 ? r_send : i_send);
		if (!same(out, tr[n].sealed, NT_CRYPTO_SEALED_LEN(tr[n].len)))
			return fail("transport message %zu", n + 3);
		if (!nt_crypto_aead_decrypt(p, out, NT_CRYPTO_SEALED_LEN(tr[n].len),
					    NULL, 0, n / 2,
					    n % 2 ? i_recv : r_recv))
			return fail("transport message %zu not read", n + 3);
	}
	return true;
}

static bool test_module_selftest(void)
{
	return nt_crypto_selftest() || fail("%s", nt_shim_last_log);
}

static bool test_no_warnings(void)
{
	return !nt_shim_warnings || fail("%u WARN_ON fired", nt_shim_warnings);
}

static const struct {
	const char *name;
	bool (*run)(void);
} tests[] = {
	{ "kernel BLAKE2s (userspace build): RFC 7693 E self-test", test_blake2s_rfc7693_selftest },
	{ "HASH: RFC 7693 B \"abc\"", test_hash },
	{ "keyed BLAKE2s: blake2s-test.txt", test_blake2s_keyed },
	{ "MAC (keyed BLAKE2s-128)", test_mac },
	{ "HMAC-BLAKE2s", test_hmac },
	{ "KDF1..3, including outputs aliasing inputs", test_kdf },
	{ "WireGuard Ci, Hi, HASH(Hi || S_r), mac1 and cookie keys", test_wireguard_constants },
	{ "RFC 8439 2.8.2 vector (libsodium, 12-byte nonce)", test_rfc8439_282_vector },
	{ "AEAD: RFC 8439 A.5 and wire-nonce vectors, must-fail cases", test_aead },
	{ "AEAD over a 6-fragment scatterlist", test_aead_sg },
	{ "XChaCha20-Poly1305: draft A.3.1, must-fail case", test_xaead },
	{ "X25519: RFC 7748 5.2 and 6.1", test_x25519 },
	{ "X25519: RFC 7748 5.2, 1 and 1000 iterations", test_x25519_iterations },
	{ "DH rejects the 7 low-order points", test_x25519_low_order },
	{ "key generation, derivation, clamping", test_keys },
	{ "TAI64N encoding", test_tai64n },
	{ "TAI64N of the clock", test_tai64n_now },
	{ "Noise IKpsk2: cacophony messages 1-6 and handshake hash", test_noise_cacophony },
	{ "the module's self-test, crypto/selftest.c, run in userspace", test_module_selftest },
	{ "no WARN_ON fired", test_no_warnings },
};

/*
 * Run @cmd (a shell command) as one more test: ok when it exits 0, its
 * output shown as diagnostics either way. The Makefile passes the vector
 * freshness check (gen-vectors.py --check) this way, so that a stale
 * header or a failing generator fails a numbered test, not only a pipe.
 */
static bool run_command(const char *cmd)
{
	char line[512];
	FILE *p;
	int st;

	p = popen(cmd, "r");
	if (!p)
		return fail("popen: %s", cmd);
	while (fgets(line, sizeof(line), p))
		printf("# %s%s", line, strchr(line, '\n') ? "" : "\n");
	st = pclose(p);
	if (st == -1)
		return fail("pclose: %s", cmd);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return fail("`%s` exited with status %d", cmd,
			    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
	return true;
}

/*
 * crypto-test [NAME CMD]: the tests above, then, if given, CMD (a shell
 * command) as the last one, named NAME.
 */
int main(int argc, char **argv)
{
	unsigned int i, n = ARRAY_SIZE(tests), failed = 0;
	bool ok;

	if (sodium_init() < 0) {
		printf("KTAP version 1\n1..0 # SKIP libsodium failed to initialise\n");
		return 0;
	}
	printf("KTAP version 1\n1..%u\n", n + (argc > 2));
	for (i = 0; i < n; i++) {
		detail[0] = '\0';
		ok = tests[i].run();
		printf("%sok %u - %s%s%s\n", ok ? "" : "not ", i + 1,
		       tests[i].name, ok ? "" : ": ", ok ? "" : detail);
		failed += !ok;
	}
	if (argc > 2) {
		fflush(stdout);
		detail[0] = '\0';
		ok = run_command(argv[2]);
		printf("%sok %u - %s%s%s\n", ok ? "" : "not ", n + 1, argv[1],
		       ok ? "" : ": ", ok ? "" : detail);
		failed += !ok;
		n++;
	}
	printf("# %u passed, %u failed\n", n - failed, failed);
	return failed ? 1 : 0;
}
