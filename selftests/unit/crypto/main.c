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
 * The known-answer tests themselves are the module's (crypto/selftest.c),
 * each step run here as a test of its own; this file adds what needs
 * userspace (libsodium, the clock) and an independent cacophony check.
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

/* Two fresh key pairs agree on their shared secret. */
static bool test_fresh_keys(void)
{
	u8 k[32], pub[32], shared1[32], shared2[32], k2[32], pub2[32];

	nt_crypto_privkey_generate(k);
	nt_crypto_privkey_generate(k2);
	if (!nt_crypto_pubkey_derive(pub, k) ||
	    !nt_crypto_pubkey_derive(pub2, k2))
		return fail("derive");
	return (nt_crypto_dh(shared1, k, pub2) && nt_crypto_dh(shared2, k2, pub) &&
		same(shared1, shared2, 32)) || fail("DH of two fresh keys disagrees");
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

/* The whole of crypto/selftest.c, through its entry point. */
static bool test_module_selftest(void)
{
	return nt_crypto_selftest() || fail("%s", nt_shim_last_log);
}

static bool test_no_warnings(void)
{
	return !nt_shim_warnings || fail("%u WARN_ON fired", nt_shim_warnings);
}

/*
 * Our own checks, then each step of the module's self-test
 * (crypto/selftest.c, nt_crypto_selftest_steps[]) as a test of its own,
 * then these.
 */
static const struct {
	const char *name;
	bool (*run)(void);
} tests[] = {
	{ "kernel BLAKE2s (userspace build): RFC 7693 E self-test", test_blake2s_rfc7693_selftest },
	{ "RFC 8439 2.8.2 vector (libsodium, 12-byte nonce)", test_rfc8439_282_vector },
	{ "DH of two fresh key pairs", test_fresh_keys },
	{ "TAI64N of the clock", test_tai64n_now },
	{ "Noise IKpsk2: cacophony messages 1-6 and handshake hash", test_noise_cacophony },
}, last[] = {
	{ "the module's self-test, crypto/selftest.c, run in userspace", test_module_selftest },
	{ "no WARN_ON fired", test_no_warnings },
};

static unsigned int test_number, failed;

static void report(bool ok, const char *name)
{
	printf("%sok %u - %s%s%s\n", ok ? "" : "not ", ++test_number, name,
	       ok ? "" : ": ", ok ? "" : detail);
	failed += !ok;
	detail[0] = '\0';
}

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
	const struct nt_crypto_selftest_step *step;
	static u8 buf[NT_CRYPTO_SELFTEST_BUF_LEN], buf2[NT_CRYPTO_SELFTEST_BUF_LEN];
	unsigned int i, steps = 0;
	const char *err;

	if (sodium_init() < 0) {
		printf("KTAP version 1\n1..0 # SKIP libsodium failed to initialise\n");
		return 0;
	}
	for (step = nt_crypto_selftest_steps; step->run; step++)
		steps++;
	printf("KTAP version 1\n1..%zu\n",
	       ARRAY_SIZE(tests) + steps + ARRAY_SIZE(last) + (argc > 2));
	for (i = 0; i < ARRAY_SIZE(tests); i++)
		report(tests[i].run(), tests[i].name);
	for (step = nt_crypto_selftest_steps; step->run; step++) {
		err = step->run(buf, buf2);
		report(!err || fail("%s", err), step->name);
	}
	for (i = 0; i < ARRAY_SIZE(last); i++)
		report(last[i].run(), last[i].name);
	if (argc > 2) {
		fflush(stdout);
		report(run_command(argv[2]), argv[1]);
	}
	printf("# %u passed, %u failed\n", test_number - failed, failed);
	return failed ? 1 : 0;
}
