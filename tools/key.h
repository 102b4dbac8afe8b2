/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Curve25519 keys: base64 text form, generation, public from private.
 */
#ifndef TUNCTL_KEY_H
#define TUNCTL_KEY_H

#include <stdint.h>

#include "model.h"

/**
 * enum nt_key_fault - why a string is not a key
 * @NT_KEY_OK: it is one
 * @NT_KEY_BAD_LENGTH: not 44 characters
 * @NT_KEY_BAD_PADDING: the 44th character is not '='
 * @NT_KEY_BAD_CHAR: a character outside the base64 alphabet
 * @NT_KEY_NOT_CANONICAL: the 43rd character carries bits beyond 256
 */
enum nt_key_fault {
	NT_KEY_OK,
	NT_KEY_BAD_LENGTH,
	NT_KEY_BAD_PADDING,
	NT_KEY_BAD_CHAR,
	NT_KEY_NOT_CANONICAL,
};

/**
 * nt_key_to_base64() - encode a key
 * @out: 44 characters and a NUL
 * @key: the key
 */
void nt_key_to_base64(char out[NT_KEY_B64_LEN + 1],
		      const uint8_t key[NOISETUN_KEY_LEN]);

/**
 * nt_key_from_base64() - decode a key, refusing every non-canonical form
 * @key: receives the key; zeroed on failure
 * @text: the base64 text
 *
 * Return: NT_KEY_OK or the fault.
 */
enum nt_key_fault nt_key_from_base64(uint8_t key[NOISETUN_KEY_LEN],
				     const char *text);

/**
 * nt_key_fault_explain() - a phrase describing a fault, for messages
 * @fault: the fault
 *
 * Return: a static string.
 */
const char *nt_key_fault_explain(enum nt_key_fault fault);

/**
 * nt_key_generate_private() - a random, clamped Curve25519 private key
 * @key: receives the key
 */
void nt_key_generate_private(uint8_t key[NOISETUN_KEY_LEN]);

/**
 * nt_key_generate_preshared() - a random preshared key (not clamped)
 * @key: receives the key
 */
void nt_key_generate_preshared(uint8_t key[NOISETUN_KEY_LEN]);

/**
 * nt_key_public_from_private() - X25519 public key of a private key
 * @pub: receives the public key
 * @priv: the private key (clamped internally if it is not)
 *
 * Return: 0, or -1 if libsodium refuses.
 */
int nt_key_public_from_private(uint8_t pub[NOISETUN_KEY_LEN],
			       const uint8_t priv[NOISETUN_KEY_LEN]);

#endif /* TUNCTL_KEY_H */
