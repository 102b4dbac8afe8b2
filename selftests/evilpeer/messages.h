/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The WireGuard wire formats and protocol constants evilpeer needs, in one
 * place. Every integer on the wire is little-endian; the structs are laid
 * out exactly as the bytes go out, and the static asserts below hold them
 * to the protocol's sizes.
 */
#ifndef EVILPEER_MESSAGES_H
#define EVILPEER_MESSAGES_H

#include <assert.h>
#include <stdint.h>

enum message_type {
	MESSAGE_INITIATION = 1,
	MESSAGE_RESPONSE = 2,
	MESSAGE_COOKIE_REPLY = 3,
	MESSAGE_DATA = 4,
};

enum {
	KEY_LEN = 32,		/* X25519 keys, chaining keys, hashes */
	HASH_LEN = 32,
	TAG_LEN = 16,		/* Poly1305 */
	MAC_LEN = 16,		/* mac1, mac2, cookies */
	COOKIE_LEN = 16,
	COOKIE_NONCE_LEN = 24,	/* XChaCha20 */
	TAI64N_LEN = 12,
	PADDING_MULTIPLE = 16,	/* the inner packet is padded to this */
};

/* The byte strings of the construction (no terminator goes on the wire). */
#define NOISE_CONSTRUCTION	"Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"
#define NOISE_IDENTIFIER	"WireGuard v1 zx2c4 Jason@zx2c4.com"
#define LABEL_MAC1		"mac1----"
#define LABEL_COOKIE		"cookie--"

/* Limits of a session (seconds, messages). */
#define REKEY_TIMEOUT_MS	5000
#define COOKIE_LIFETIME_MS	120000
#define REJECT_AFTER_MESSAGES	(UINT64_MAX - 8192)	/* 2^64 - 2^13 - 1 */

struct message_header {
	uint8_t type;
	uint8_t reserved[3];
} __attribute__((packed));

struct message_macs {
	uint8_t mac1[MAC_LEN];
	uint8_t mac2[MAC_LEN];
} __attribute__((packed));

struct message_initiation {
	struct message_header header;
	uint32_t sender_index;
	uint8_t unencrypted_ephemeral[KEY_LEN];
	uint8_t encrypted_static[KEY_LEN + TAG_LEN];
	uint8_t encrypted_timestamp[TAI64N_LEN + TAG_LEN];
	struct message_macs macs;
} __attribute__((packed));

struct message_response {
	struct message_header header;
	uint32_t sender_index;
	uint32_t receiver_index;
	uint8_t unencrypted_ephemeral[KEY_LEN];
	uint8_t encrypted_nothing[TAG_LEN];
	struct message_macs macs;
} __attribute__((packed));

struct message_cookie_reply {
	struct message_header header;
	uint32_t receiver_index;
	uint8_t nonce[COOKIE_NONCE_LEN];
	uint8_t encrypted_cookie[COOKIE_LEN + TAG_LEN];
} __attribute__((packed));

struct message_data {
	struct message_header header;
	uint32_t receiver_index;
	uint64_t counter;
	uint8_t encrypted_data[];	/* padded inner packet, then the tag */
} __attribute__((packed));

static_assert(sizeof(struct message_initiation) == 148, "initiation size");
static_assert(sizeof(struct message_response) == 92, "response size");
static_assert(sizeof(struct message_cookie_reply) == 64, "cookie reply size");
static_assert(sizeof(struct message_data) == 16, "data header size");

/* The size of a data message carrying @padded bytes of inner packet. */
#define MESSAGE_DATA_LEN(padded) (sizeof(struct message_data) + (padded) + TAG_LEN)

#endif
