/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mac1, mac2 and cookie replies: the handshake's defence against floods
 * (Documentation/protocol.md "Cookies").
 *
 * Two halves:
 *  - the checker, one per device (&struct nt_cookie_checker): verifies mac1
 *    of every received handshake message before any Diffie-Hellman work,
 *    verifies mac2 under load, and writes cookie replies;
 *  - the cookie, one per peer (&struct nt_cookie): fills mac1 and mac2 of
 *    the handshake messages we send to that peer, and takes in the cookie
 *    replies that peer sends us.
 *
 *   sender (peer side)                      receiver (checker side)
 *   nt_cookie_add_mac_to_packet() - 1/2 ->  nt_cookie_validate_packet()
 *                                           under load, no valid mac2:
 *   nt_cookie_message_consume()  <-- 3 ---  nt_cookie_message_create()
 *   next message carries mac2    -- 1/2 ->  NT_COOKIE_VALID_MAC_WITH_COOKIE,
 *                                           then the caller's rate limiter
 *
 * Locking: each object has one rwlock, always taken with bottom halves
 * disabled, so every function here may be called from process context or
 * softirq; none sleeps. They are leaves: nothing else is taken under them.
 * The checker's keys follow the device's identity: whoever changes the
 * private key calls nt_cookie_checker_precompute_device_keys() while still
 * holding nt_static_identity.lock for writing, so the order is identity
 * lock, then checker lock.
 */

#ifndef _NT_COOKIE_H
#define _NT_COOKIE_H

#include <linux/spinlock.h>
#include <linux/types.h>

#include "messages.h"

struct nt_device;
struct sk_buff;

/**
 * struct nt_cookie_checker - the responder's side, one per device
 * @lock: protects every member but @device. Readers: validation and reply
 *        creation. Writers: nt_cookie_checker_precompute_device_keys(),
 *        and the lazy secret rotation (which drops the read lock, takes
 *        the write lock and checks the age again).
 * @secret: R, the random key of every cookie we hand out
 * @secret_birthday_ns: when @secret was drawn (boot-time clock); it is
 *                      replaced once COOKIE_SECRET_MAX_AGE old, on use
 * @message_mac1_key: HASH(LABEL_MAC1 || our public key), the mac1 key of
 *                    messages sent to us
 * @cookie_encryption_key: HASH(LABEL_COOKIE || our public key), seals our
 *                         cookie replies
 * @has_keys: the device has an identity, so the two keys above are valid;
 *            without one, every mac1 is invalid
 * @device: the device, whose static identity the keys are derived from
 */
struct nt_cookie_checker {
	rwlock_t lock;
	u8 secret[NOISE_HASH_LEN];
	u64 secret_birthday_ns;
	u8 message_mac1_key[NOISE_SYMMETRIC_KEY_LEN];
	u8 cookie_encryption_key[NOISE_SYMMETRIC_KEY_LEN];
	bool has_keys;
	struct nt_device *device;
};

/**
 * struct nt_cookie - the sender's side, one per peer
 * @lock: protects every member but the two keys, which are written once by
 *        nt_cookie_init() and only read afterwards
 * @birthday_ns: when @cookie arrived (boot-time clock)
 * @is_valid: @cookie holds a cookie; it is used for mac2 only while younger
 *            than COOKIE_SECRET_MAX_AGE - COOKIE_SECRET_LATENCY, since the
 *            peer replaces its secret at COOKIE_SECRET_MAX_AGE
 * @cookie: the last cookie the peer sent us, the key of mac2
 * @have_sent_mac1: @last_mac1_sent is the mac1 of a message we sent and
 *                  no cookie reply to it has been accepted yet
 * @last_mac1_sent: the associated data a cookie reply must be sealed with
 * @cookie_decryption_key: HASH(LABEL_COOKIE || peer's public key)
 * @message_mac1_key: HASH(LABEL_MAC1 || peer's public key)
 */
struct nt_cookie {
	rwlock_t lock;
	u64 birthday_ns;
	bool is_valid;
	u8 cookie[COOKIE_LEN];
	bool have_sent_mac1;
	u8 last_mac1_sent[COOKIE_LEN];
	u8 cookie_decryption_key[NOISE_SYMMETRIC_KEY_LEN];
	u8 message_mac1_key[NOISE_SYMMETRIC_KEY_LEN];
};

/**
 * enum nt_cookie_mac_state - what nt_cookie_validate_packet() found
 * @NT_COOKIE_INVALID_MAC: mac1 is wrong (or the message is not a handshake
 *                         initiation or response): drop it, counted as
 *                         NOISETUN_A_DROP_BAD_MAC1, before any DH work
 * @NT_COOKIE_VALID_MAC_BUT_NO_COOKIE: mac1 is right; mac2 was not asked for
 *                                     or is wrong. Under load the caller
 *                                     answers with a cookie reply.
 * @NT_COOKIE_VALID_MAC_WITH_COOKIE: mac1 and mac2 are right: the sender
 *                                   owns its source address. Rate limiting
 *                                   that source is the caller's business.
 */
enum nt_cookie_mac_state {
	NT_COOKIE_INVALID_MAC,
	NT_COOKIE_VALID_MAC_BUT_NO_COOKIE,
	NT_COOKIE_VALID_MAC_WITH_COOKIE,
};

/**
 * nt_cookie_checker_init() - set up a device's checker
 * @checker: the checker, embedded in the device
 * @ntd: the device; its static identity must be initialised
 *
 * The checker starts without keys (every mac1 invalid) until
 * nt_cookie_checker_precompute_device_keys(), and with an expired secret,
 * so that the first cookie draws a fresh one.
 */
void nt_cookie_checker_init(struct nt_cookie_checker *checker,
			    struct nt_device *ntd);

/**
 * nt_cookie_checker_uninit() - wipe a device's checker
 * @checker: the checker; nothing may use it any more
 */
void nt_cookie_checker_uninit(struct nt_cookie_checker *checker);

/**
 * nt_cookie_checker_precompute_device_keys() - follow the device's identity
 * @checker: the device's checker
 *
 * Derives the mac1 and cookie keys from the device's public key, or forgets
 * them when the device has no private key. Call after every change of the
 * identity, before releasing its lock.
 *
 * Context: caller holds the device's nt_static_identity.lock (for reading
 * or writing); takes @checker->lock.
 */
void
nt_cookie_checker_precompute_device_keys(struct nt_cookie_checker *checker);

/**
 * nt_cookie_validate_packet() - check mac1, and mac2 when asked
 * @checker: the receiving device's checker
 * @skb: a received handshake initiation or response; skb->data is the
 *       message (linear, skb->len bytes long, size already checked against
 *       its type); for mac2, the outer IPv4 or IPv6 header and the UDP
 *       header are set (network and transport headers, skb->protocol)
 * @check_cookie: also check mac2 (the device is under load)
 *
 * mac1 is compared in constant time and costs one keyed BLAKE2s over at
 * most 116 bytes, which is all an attacker who does not know our public key
 * can make us spend. mac2 costs two more.
 *
 * Context: any; takes @checker->lock.
 * Return: see &enum nt_cookie_mac_state.
 */
enum nt_cookie_mac_state
nt_cookie_validate_packet(struct nt_cookie_checker *checker,
			  struct sk_buff *skb, bool check_cookie);

/**
 * nt_cookie_message_create() - write a cookie reply
 * @dst: the reply
 * @skb: the handshake message being answered, as for
 *       nt_cookie_validate_packet() with mac2 checked (mac1 already
 *       verified by it)
 * @index: the sender_index of the message being answered
 * @checker: the receiving device's checker
 *
 * The cookie is bound to the message's outer source address and port, and
 * sealed with a random nonce under HASH(LABEL_COOKIE || our public key),
 * with the message's mac1 as associated data. The reply (64 bytes) is
 * shorter than any message it answers.
 *
 * Context: any; takes @checker->lock (for writing if the secret expired).
 * Return: false if @skb is neither IPv4 nor IPv6, is not a handshake
 * message, or the device has no identity; @dst is then garbage and must
 * not be sent.
 */
bool __must_check
nt_cookie_message_create(struct message_handshake_cookie *dst,
			 struct sk_buff *skb, __le32 index,
			 struct nt_cookie_checker *checker);

/**
 * nt_cookie_init() - set up a peer's cookie state
 * @cookie: the state, embedded in the peer
 * @remote_public_key: the peer's public key (never changes for a peer)
 */
void nt_cookie_init(struct nt_cookie *cookie,
		    const u8 remote_public_key[NOISE_PUBLIC_KEY_LEN]);

/**
 * nt_cookie_uninit() - wipe a peer's cookie state
 * @cookie: the state; nothing may use it any more
 */
void nt_cookie_uninit(struct nt_cookie *cookie);

/**
 * nt_cookie_add_mac_to_packet() - fill mac1 and mac2 of a message we send
 * @message: a struct message_handshake_initiation or
 *           message_handshake_response, everything but its macs written
 * @len: its size, which tells the two apart
 * @cookie: the receiving peer's cookie state
 *
 * mac2 is the MAC under the peer's cookie when we hold one young enough,
 * zeros otherwise. mac1 is remembered: a cookie reply to this message is
 * sealed with it.
 *
 * Context: any; takes @cookie->lock for writing.
 */
void nt_cookie_add_mac_to_packet(void *message, size_t len,
				 struct nt_cookie *cookie);

/**
 * nt_cookie_message_consume() - take in a cookie reply
 * @cookie: the state of the peer the caller found by the reply's
 *          receiver_index
 * @src: the reply, its size and type checked by the caller
 *
 * The reply must be sealed with the mac1 of the last message we sent that
 * peer; once one is accepted, the next must answer a newer message, so a
 * valid reply is stored once and replays of it are refused.
 *
 * Context: any; takes @cookie->lock.
 * Return: true if the cookie was stored; false if we sent no message that
 * awaits a cookie, or the reply does not authenticate. The caller counts a
 * false as NOISETUN_A_DROP_COOKIE_INVALID.
 */
bool __must_check
nt_cookie_message_consume(struct nt_cookie *cookie,
			  const struct message_handshake_cookie *src);

#ifdef DEBUG
/**
 * nt_cookie_selftest() - mac1, mac2, cookie replies and secret rotation
 *
 * Context: module load in DEBUG builds (without DEBUG, a stub returning
 * true); process context, sleeps (allocations).
 * Return: true after logging "cookie self-tests: pass"; false after
 * logging each failed check, and the module must then refuse to load.
 */
bool nt_cookie_selftest(void);
#else
static inline bool nt_cookie_selftest(void)
{
	return true;
}
#endif

#endif /* _NT_COOKIE_H */
