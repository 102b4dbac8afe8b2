// SPDX-License-Identifier: GPL-2.0
/*
 * Curve25519 keys in their base64 text form.
 *
 * A 32-byte key is 44 base64 characters: ten groups of four for 30 bytes,
 * then three characters for the last two bytes and one '=' of padding.
 * The third of those characters holds only 4 meaningful bits, so its low
 * two bits must be zero; anything else is a non-canonical spelling of some
 * other text and is refused, as wg refuses it.
 */
#include <string.h>

#include <sodium.h>

#include "key.h"

static const char alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void nt_key_to_base64(char out[NT_KEY_B64_LEN + 1],
		      const uint8_t key[NOISETUN_KEY_LEN])
{
	unsigned int i, o = 0;
	uint32_t v;

	for (i = 0; i + 3 <= NOISETUN_KEY_LEN; i += 3) {
		v = (uint32_t)key[i] << 16 | (uint32_t)key[i + 1] << 8 | key[i + 2];
		out[o++] = alphabet[(v >> 18) & 63];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = alphabet[(v >> 6) & 63];
		out[o++] = alphabet[v & 63];
	}
	v = (uint32_t)key[i] << 16 | (uint32_t)key[i + 1] << 8;
	out[o++] = alphabet[(v >> 18) & 63];
	out[o++] = alphabet[(v >> 12) & 63];
	out[o++] = alphabet[(v >> 6) & 63];
	out[o++] = '=';
	out[o] = '\0';
}

/*
 * One more than the value of each base64 character, 0 for the others: a
 * table rather than comparisons, for files of thousands of keys.
 */
static const uint8_t sextet_plus_one[256] = {
	['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6,
	['G'] = 7, ['H'] = 8, ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12,
	['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18,
	['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
	['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30,
	['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36,
	['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,
	['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
	['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54,
	['2'] = 55, ['3'] = 56, ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60,
	['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64,
};

/* The value of a base64 character, or -1. */
static int decode_sextet(char c)
{
	return (int)sextet_plus_one[(unsigned char)c] - 1;
}

enum nt_key_fault nt_key_from_base64(uint8_t key[NOISETUN_KEY_LEN],
				     const char *text)
{
	uint32_t acc = 0;
	unsigned int i, o = 0;
	int s;

	if (strlen(text) != NT_KEY_B64_LEN)
		goto err_length;
	if (text[NT_KEY_B64_LEN - 1] != '=')
		goto err_padding;
	for (i = 0; i < NT_KEY_B64_LEN - 1; i++) {
		s = decode_sextet(text[i]);
		if (s < 0)
			goto err_char;
		acc = acc << 6 | (uint32_t)s;
		if (i % 4 == 3) {
			key[o++] = acc >> 16;
			key[o++] = acc >> 8;
			key[o++] = acc;
			acc = 0;
		}
	}
	/* 18 bits remain: two bytes and two bits that must be zero. */
	if (acc & 3)
		goto err_canonical;
	key[o++] = acc >> 10;
	key[o++] = acc >> 2;
	sodium_memzero(&acc, sizeof(acc));
	return NT_KEY_OK;

err_length:
	sodium_memzero(key, NOISETUN_KEY_LEN);
	return NT_KEY_BAD_LENGTH;
err_padding:
	sodium_memzero(key, NOISETUN_KEY_LEN);
	return NT_KEY_BAD_PADDING;
err_char:
	sodium_memzero(key, NOISETUN_KEY_LEN);
	sodium_memzero(&acc, sizeof(acc));
	return NT_KEY_BAD_CHAR;
err_canonical:
	sodium_memzero(key, NOISETUN_KEY_LEN);
	sodium_memzero(&acc, sizeof(acc));
	return NT_KEY_NOT_CANONICAL;
}

const char *nt_key_fault_explain(enum nt_key_fault fault)
{
	switch (fault) {
	case NT_KEY_OK:
		return "a valid key";
	case NT_KEY_BAD_LENGTH:
		return "not 44 characters long";
	case NT_KEY_BAD_PADDING:
		return "no '=' at the end";
	case NT_KEY_BAD_CHAR:
		return "a character outside the base64 alphabet";
	case NT_KEY_NOT_CANONICAL:
		return "non-canonical base64: the character before '=' must be one of AEIMQUYcgkosw048";
	}
	return "not a key";
}

void nt_key_generate_preshared(uint8_t key[NOISETUN_KEY_LEN])
{
	randombytes_buf(key, NOISETUN_KEY_LEN);
}

void nt_key_generate_private(uint8_t key[NOISETUN_KEY_LEN])
{
	nt_key_generate_preshared(key);
	/* Curve25519 clamping (RFC 7748 section 5), as wg genkey does. */
	key[0] &= 248;
	key[31] = (key[31] & 127) | 64;
}

int nt_key_public_from_private(uint8_t pub[NOISETUN_KEY_LEN],
			       const uint8_t priv[NOISETUN_KEY_LEN])
{
	return crypto_scalarmult_base(pub, priv) ? -1 : 0;
}
