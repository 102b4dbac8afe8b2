/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The row types of the known-answer tables in selftest_vectors.h (which
 * selftests/unit/crypto/gen-vectors.py writes): one row a vector, the data
 * behind pointers, each length given where the primitive takes any.
 */

#ifndef _NT_CRYPTO_SELFTEST_KAT_H
#define _NT_CRYPTO_SELFTEST_KAT_H

struct nt_kat_keyed {
	const char *name;
	const u8 *key;
	size_t key_len;
	const u8 *in;
	size_t in_len;
	const u8 *out;
};

struct nt_kat_kdf {
	const char *name;
	const u8 *key;
	const u8 *in;
	size_t in_len;
	const u8 *t1, *t2, *t3;
};

struct nt_kat_aead {
	const char *name;
	const u8 *key;
	u64 nonce;
	const u8 *ad;
	size_t ad_len;
	const u8 *plain;
	size_t plain_len;
	const u8 *sealed;
};

struct nt_kat_x25519 {
	const char *name;
	const u8 *scalar;
	const u8 *point;
	const u8 *out;
};

struct nt_kat_tai64n {
	s64 sec;
	long nsec;
	const u8 *out;
};

#endif /* _NT_CRYPTO_SELFTEST_KAT_H */
