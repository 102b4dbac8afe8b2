/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The WireGuard wire protocol as noisetun speaks it: every protocol constant
 * and every message layout, in one place (see Documentation/protocol.md).
 *
 * All integers on the wire are little-endian. Struct members are named for
 * the state of their bytes on the wire ("encrypted_static"), and sizes are
 * derived from the primitives' sizes, never typed twice; the totals are
 * checked against the protocol's figures at the bottom of this file.
 */

#ifndef _NT_MESSAGES_H
#define _NT_MESSAGES_H

#include <crypto/blake2s.h>
#include <crypto/chacha20poly1305.h>
#include <crypto/curve25519.h>

#include <linux/build_bug.h>
#include <linux/ipv6.h>
#include <linux/ip.h>
#include <linux/types.h>
#include <linux/udp.h>

#include "noisetun.h"

/**
 * enum noise_lengths - sizes of the Noise primitives, in bytes
 * @NOISE_PUBLIC_KEY_LEN: an X25519 public or private key
 * @NOISE_SYMMETRIC_KEY_LEN: a ChaCha20-Poly1305 key, also the preshared key
 * @NOISE_TIMESTAMP_LEN: TAI64N: 8 bytes of seconds, 4 of nanoseconds
 * @NOISE_AUTHTAG_LEN: the Poly1305 tag that sealing appends
 * @NOISE_HASH_LEN: a BLAKE2s-256 output
 */
enum noise_lengths {
	NOISE_PUBLIC_KEY_LEN = CURVE25519_KEY_SIZE,
	NOISE_SYMMETRIC_KEY_LEN = CHACHA20POLY1305_KEY_SIZE,
	NOISE_TIMESTAMP_LEN = sizeof(u64) + sizeof(u32),
	NOISE_AUTHTAG_LEN = CHACHA20POLY1305_AUTHTAG_SIZE,
	NOISE_HASH_LEN = BLAKE2S_HASH_SIZE
};

/* The size of @plain_len bytes once sealed with the AEAD. */
#define noise_encrypted_len(plain_len) ((plain_len) + NOISE_AUTHTAG_LEN)

/**
 * enum cookie_values - the cookie mechanism's sizes and ages
 * @COOKIE_SECRET_MAX_AGE: seconds before the responder's secret is replaced,
 *                         and before a received cookie is no longer used
 * @COOKIE_SECRET_LATENCY: seconds of slack given to a cookie in flight
 * @COOKIE_NONCE_LEN: the XChaCha20-Poly1305 nonce of a cookie reply
 * @COOKIE_LEN: a cookie, also the length of mac1 and mac2
 */
enum cookie_values {
	COOKIE_SECRET_MAX_AGE = 2 * 60,
	COOKIE_SECRET_LATENCY = 5,
	COOKIE_NONCE_LEN = XCHACHA20POLY1305_NONCE_SIZE,
	COOKIE_LEN = 16
};

/**
 * enum counter_values - the receive replay window
 * @COUNTER_BITS_TOTAL: bits in the window's bitmap
 * @COUNTER_REDUNDANT_BITS: one machine word of the bitmap is kept as slack
 *                          so that sliding the window clears whole words
 * @COUNTER_WINDOW_SIZE: how far behind the highest counter seen a packet
 *                       may still be accepted
 */
enum counter_values {
	COUNTER_BITS_TOTAL = 8192,
	COUNTER_REDUNDANT_BITS = BITS_PER_LONG,
	COUNTER_WINDOW_SIZE = COUNTER_BITS_TOTAL - COUNTER_REDUNDANT_BITS
};

/**
 * enum limits - the protocol's timers and limits, and our queue bounds
 * @REKEY_AFTER_MESSAGES: messages after which the initiator rekeys
 * @REJECT_AFTER_MESSAGES: messages after which a keypair is never used again
 * @REKEY_TIMEOUT: seconds between handshake retries
 * @REKEY_TIMEOUT_JITTER_MAX_JIFFIES: up to a third of a second of jitter is
 *                                    added to every retry
 * @REKEY_AFTER_TIME: seconds after which the initiator rekeys
 * @REJECT_AFTER_TIME: seconds after which a keypair is never used again
 * @REKEY_ATTEMPT_TIME: seconds after which handshake retries are given up
 * @KEEPALIVE_TIMEOUT: seconds of receive-only traffic before a keepalive
 * @INITIATIONS_PER_SECOND: initiations accepted from one peer per second
 * @MAX_TIMER_HANDSHAKES: retries before giving up
 * @MAX_PEERS_PER_DEVICE: the uAPI's documented limit (-ENOSPC beyond it)
 * @MAX_QUEUED_INCOMING_HANDSHAKES: the device's handshake receive ring
 * @MAX_STAGED_PACKETS: packets a peer holds while it has no session; the
 *                      oldest are dropped (staged_overflow) beyond it
 * @MAX_QUEUED_PACKETS: the device's encrypt and decrypt rings
 */
enum limits {
	REKEY_AFTER_MESSAGES = 1ULL << 60,
	REJECT_AFTER_MESSAGES = U64_MAX - (1ULL << 13), /* 2^64 - 2^13 - 1 */
	REKEY_TIMEOUT = 5,
	REKEY_TIMEOUT_JITTER_MAX_JIFFIES = HZ / 3,
	REKEY_AFTER_TIME = 120,
	REJECT_AFTER_TIME = 180,
	REKEY_ATTEMPT_TIME = 90,
	KEEPALIVE_TIMEOUT = 10,
	INITIATIONS_PER_SECOND = 50,
	MAX_TIMER_HANDSHAKES = REKEY_ATTEMPT_TIME / REKEY_TIMEOUT,
	MAX_PEERS_PER_DEVICE = NOISETUN_MAX_PEERS,
	MAX_QUEUED_INCOMING_HANDSHAKES = 4096,
	MAX_STAGED_PACKETS = 128,
	MAX_QUEUED_PACKETS = 1024
};

/**
 * enum message_type - the first byte of every message
 * @MESSAGE_INVALID: never sent
 * @MESSAGE_HANDSHAKE_INITIATION: struct message_handshake_initiation
 * @MESSAGE_HANDSHAKE_RESPONSE: struct message_handshake_response
 * @MESSAGE_HANDSHAKE_COOKIE: struct message_handshake_cookie
 * @MESSAGE_DATA: struct message_data
 */
enum message_type {
	MESSAGE_INVALID = 0,
	MESSAGE_HANDSHAKE_INITIATION = 1,
	MESSAGE_HANDSHAKE_RESPONSE = 2,
	MESSAGE_HANDSHAKE_COOKIE = 3,
	MESSAGE_DATA = 4
};

/**
 * struct message_header - the four bytes that open every message
 * @type: on the wire one byte of type followed by three zero bytes; read as
 *        one little-endian word, a message whose reserved bytes are not
 *        zero simply has no valid type, so a single compare checks both
 */
struct message_header {
	__le32 type;
};

/**
 * struct message_macs - the two MACs that close every handshake message
 * @mac1: keyed by the receiver's public key; proves the sender knows it
 * @mac2: keyed by a cookie from the receiver, or zeros
 */
struct message_macs {
	u8 mac1[COOKIE_LEN];
	u8 mac2[COOKIE_LEN];
};

/**
 * struct message_handshake_initiation - the first handshake message
 * @header: MESSAGE_HANDSHAKE_INITIATION
 * @sender_index: the initiator's index for this handshake
 * @unencrypted_ephemeral: the initiator's ephemeral public key
 * @encrypted_static: the initiator's static public key, sealed
 * @encrypted_timestamp: a TAI64N timestamp, sealed
 * @macs: mac1 and mac2 over everything before them
 */
struct message_handshake_initiation {
	struct message_header header;
	__le32 sender_index;
	u8 unencrypted_ephemeral[NOISE_PUBLIC_KEY_LEN];
	u8 encrypted_static[noise_encrypted_len(NOISE_PUBLIC_KEY_LEN)];
	u8 encrypted_timestamp[noise_encrypted_len(NOISE_TIMESTAMP_LEN)];
	struct message_macs macs;
};

/**
 * struct message_handshake_response - the second handshake message
 * @header: MESSAGE_HANDSHAKE_RESPONSE
 * @sender_index: the responder's index for the new session
 * @receiver_index: the initiator's sender_index
 * @unencrypted_ephemeral: the responder's ephemeral public key
 * @encrypted_nothing: an empty plaintext, sealed: only the tag
 * @macs: mac1 and mac2 over everything before them
 */
struct message_handshake_response {
	struct message_header header;
	__le32 sender_index;
	__le32 receiver_index;
	u8 unencrypted_ephemeral[NOISE_PUBLIC_KEY_LEN];
	u8 encrypted_nothing[noise_encrypted_len(0)];
	struct message_macs macs;
};

/**
 * struct message_handshake_cookie - the reply of a responder under load
 * @header: MESSAGE_HANDSHAKE_COOKIE
 * @receiver_index: the sender_index of the message being answered
 * @nonce: the XChaCha20-Poly1305 nonce
 * @encrypted_cookie: the cookie, sealed with the answered message's mac1 as
 *                    additional data
 */
struct message_handshake_cookie {
	struct message_header header;
	__le32 receiver_index;
	u8 nonce[COOKIE_NONCE_LEN];
	u8 encrypted_cookie[noise_encrypted_len(COOKIE_LEN)];
};

/**
 * struct message_data - a transport data message
 * @header: MESSAGE_DATA
 * @key_idx: the receiver's index of the keypair used
 * @counter: the nonce counter
 * @encrypted_data: the inner packet, zero-padded to a multiple of
 *                  MESSAGE_PADDING_MULTIPLE (never past the MTU), sealed;
 *                  empty for a keepalive
 */
struct message_data {
	struct message_header header;
	__le32 key_idx;
	__le64 counter;
	u8 encrypted_data[];
};

/* The size on the wire of a data message carrying @plain_len bytes. */
#define message_data_len(plain_len) \
	(noise_encrypted_len(plain_len) + sizeof(struct message_data))

/**
 * enum message_alignments - transport message sizes
 * @MESSAGE_PADDING_MULTIPLE: inner packets are padded to a multiple of this
 * @MESSAGE_MINIMUM_LENGTH: a keepalive, the shortest valid data message
 */
enum message_alignments {
	MESSAGE_PADDING_MULTIPLE = 16,
	MESSAGE_MINIMUM_LENGTH = message_data_len(0)
};

/*
 * What the outer headers and the transport message add to an inner packet
 * in the worst case (an IPv6 outer header, the larger one): the difference
 * between the outer path's MTU and the largest inner packet that fits it.
 */
#define MESSAGE_OUTER_OVERHEAD \
	(sizeof(struct ipv6hdr) + sizeof(struct udphdr) + MESSAGE_MINIMUM_LENGTH)

/*
 * The protocol's figures (Documentation/protocol.md "Messages"), checked at
 * build time.
 */
static_assert(sizeof(struct message_header) == 4);
static_assert(sizeof(struct message_handshake_initiation) == 148);
static_assert(sizeof(struct message_handshake_response) == 92);
static_assert(sizeof(struct message_handshake_cookie) == 64);
static_assert(MESSAGE_MINIMUM_LENGTH == 32);
static_assert(sizeof(struct ipv6hdr) >= sizeof(struct iphdr));
static_assert(MESSAGE_OUTER_OVERHEAD == 80);
static_assert(NOISETUN_KEY_LEN == NOISE_PUBLIC_KEY_LEN);
static_assert(NOISETUN_KEY_LEN == NOISE_SYMMETRIC_KEY_LEN);

#endif /* _NT_MESSAGES_H */
