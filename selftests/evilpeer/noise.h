/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The initiator's side of the Noise IKpsk2 handshake, mac1/mac2 and
 * cookies: what evilpeer needs to open sessions with a device. evilpeer
 * never responds to handshakes.
 */
#ifndef EVILPEER_NOISE_H
#define EVILPEER_NOISE_H

#include <stdbool.h>
#include <stdint.h>

#include "messages.h"
#include "replay.h"

/**
 * struct ep_identity - our static keys, the device's, and what follows
 * from them
 * @private_key: our static private key
 * @public_key: its public key
 * @peer_public: the device's static public key
 * @psk: the preshared key, all zeros when none
 * @static_static: DH(our static, the device's static), fixed for the pair
 * @mac1_key_peer: HASH(LABEL_MAC1 ‖ device public): mac1 of what we send
 * @mac1_key_self: HASH(LABEL_MAC1 ‖ our public): mac1 of what we receive
 * @cookie_key_peer: HASH(LABEL_COOKIE ‖ device public): opens its cookies
 * @cookie: the last cookie the device gave us
 * @cookie_birth_ms: when it came (monotonic ms); 0 when we have none
 * @last_mac1: mac1 of the last initiation sent, the AD of a cookie reply
 * @has_static_static: false when DH(static, static) is zero (low order key)
 */
struct ep_identity {
	uint8_t private_key[KEY_LEN];
	uint8_t public_key[KEY_LEN];
	uint8_t peer_public[KEY_LEN];
	uint8_t psk[KEY_LEN];
	uint8_t static_static[KEY_LEN];
	uint8_t mac1_key_peer[HASH_LEN];
	uint8_t mac1_key_self[HASH_LEN];
	uint8_t cookie_key_peer[HASH_LEN];
	uint8_t cookie[COOKIE_LEN];
	uint64_t cookie_birth_ms;
	uint8_t last_mac1[MAC_LEN];
	bool has_static_static;
};

/**
 * struct ep_handshake - an initiation in flight
 * @hash: the handshake hash H so far
 * @chaining_key: the chaining key C so far
 * @ephemeral_private: E_i's private key
 * @sender_index: the index we chose, the response's receiver index
 * @pending: an initiation went out and no response was taken yet
 */
struct ep_handshake {
	uint8_t hash[HASH_LEN];
	uint8_t chaining_key[KEY_LEN];
	uint8_t ephemeral_private[KEY_LEN];
	uint32_t sender_index;
	bool pending;
};

/**
 * struct ep_session - the transport keys of one completed handshake
 * @valid: the keys below are usable
 * @local_index: our index (what the device writes as receiver index)
 * @remote_index: the device's index (what we write as receiver index)
 * @send_key: key of the messages we send
 * @receive_key: key of the messages we receive
 * @send_counter: the next counter we send with
 * @replay: the counters received so far
 */
struct ep_session {
	bool valid;
	uint32_t local_index;
	uint32_t remote_index;
	uint8_t send_key[KEY_LEN];
	uint8_t receive_key[KEY_LEN];
	uint64_t send_counter;
	struct ep_replay replay;
};

/**
 * struct ep_ephemeral - an ephemeral key kept for several initiations
 * @private_key: E_i's private key
 * @public_key: E_i's public key
 * @dh_static: DH(E_i, the device's static key)
 * @valid: the fields above are set
 *
 * Only for floods: an initiation with a reused ephemeral key is still a
 * new, valid one to the device (new timestamp, new index), and costs it
 * as much, but costs us two X25519 operations less.
 */
struct ep_ephemeral {
	uint8_t private_key[KEY_LEN];
	uint8_t public_key[KEY_LEN];
	uint8_t dh_static[KEY_LEN];
	bool valid;
};

/**
 * ep_noise_identity_init() - derive what follows from the keys.
 * Returns false when the static keys give a zero DH (a low-order key).
 */
bool ep_noise_identity_init(struct ep_identity *id,
			    const uint8_t private_key[KEY_LEN],
			    const uint8_t peer_public[KEY_LEN],
			    const uint8_t psk[KEY_LEN]);

/**
 * ep_noise_create_initiation() - a fresh initiation (new ephemeral key,
 * the current time, a random sender index), with mac1 and, when we hold
 * a fresh cookie, mac2. @hs keeps the state the response needs; it may be
 * NULL for an initiation whose response we will not take (floods). With
 * @reuse, the ephemeral key it holds is used (one is made and kept there
 * when it holds none).
 */
bool ep_noise_create_initiation(struct ep_identity *id, struct ep_handshake *hs,
				struct message_initiation *msg, uint64_t now_ms,
				struct ep_ephemeral *reuse);

/**
 * ep_noise_consume_response() - check a response to @hs (receiver index,
 * mac1, the empty AEAD) and derive @session. Returns false, with @hs
 * untouched, when it is not a valid response to @hs.
 */
bool ep_noise_consume_response(struct ep_identity *id, struct ep_handshake *hs,
			       const struct message_response *msg,
			       struct ep_session *session);

/**
 * ep_noise_consume_cookie() - open a cookie reply to our last initiation
 * and keep the cookie. Returns false when it does not open.
 */
bool ep_noise_consume_cookie(struct ep_identity *id,
			     const struct message_cookie_reply *msg,
			     uint64_t now_ms);

#endif
