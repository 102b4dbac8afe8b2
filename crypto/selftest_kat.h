/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The row types of the known-answer tables: those of selftest_vectors.h
 * (which selftests/unit/crypto/gen-vectors.py writes) and selftest.c's
 * handshakes. One row a vector, the data behind pointers, each length
 * given where the primitive takes any.
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

/* A message of a handshake vector: its payload and the message sealed. */
struct nt_kat_noise_message {
	const u8 *payload;
	size_t payload_len;
	const u8 *sealed;
};

/* A whole handshake, written by hand in selftest.c over the arrays. */
struct nt_kat_noise {
	const char *name;
	const u8 *prologue;
	size_t prologue_len;
	const u8 *psk;
	struct nt_kat_noise_message msg1, msg2;
	const u8 *handshake_hash;
	const u8 *chaining_key0, *hash0;	/* after init, if checked */
	struct nt_kat_noise_message transport[4];	/* initiator first */
	size_t transport_count;
};

#endif /* _NT_CRYPTO_SELFTEST_KAT_H */
