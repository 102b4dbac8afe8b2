// SPDX-License-Identifier: GPL-2.0
/*
 * mac1, mac2 and cookie replies (Documentation/protocol.md "Cookies"); see
 * cookie.h for who calls what and the locking.
 *
 * Time is ktime_get_coarse_boottime_ns(): monotonic and still running while
 * the machine sleeps, so a secret or cookie never outlives its 120 s across
 * a suspend. Ages are computed as unsigned differences, which stay right
 * when a birthday is set "in the past" of an early boot clock and wraps.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/algapi.h>

#include <linux/build_bug.h>
#include <linux/if_ether.h>
#include <linux/in6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/random.h>
#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/udp.h>

#include "cookie.h"
#include "crypto.h"
#include "device.h"
#include "messages.h"

/*
 * The labels of the two keys derived from a static public key
 * (Documentation/protocol.md "Primitives" and "Cookies"). They belong in
 * messages.h with the other protocol constants; they live here until its owner
 * moves them. Hashed without their terminator.
 */
#define LABEL_MAC1 "mac1----"
#define LABEL_COOKIE "cookie--"

/*
 * Both handshake messages end with their two MACs, so mac1 and mac2 sit at
 * a fixed distance from the end whatever the type: mac1 covers everything
 * before it, mac2 everything before mac2 (mac1 included).
 */
static_assert(offsetof(struct message_handshake_initiation, macs) +
	      sizeof(struct message_macs) ==
	      sizeof(struct message_handshake_initiation));
static_assert(offsetof(struct message_handshake_response, macs) +
	      sizeof(struct message_macs) ==
	      sizeof(struct message_handshake_response));
static_assert(offsetof(struct message_macs, mac2) ==
	      offsetof(struct message_macs, mac1) + COOKIE_LEN);
static_assert(sizeof(struct message_macs) == 2 * COOKIE_LEN);
/* The crypto layer's MAC is the protocol's mac1, mac2 and cookie. */
static_assert((int)NT_CRYPTO_MAC_LEN == (int)COOKIE_LEN);
static_assert((int)NT_CRYPTO_XNONCE_LEN == (int)COOKIE_NONCE_LEN);
static_assert((int)NT_CRYPTO_HASH_LEN == (int)NOISE_SYMMETRIC_KEY_LEN);
static_assert((int)NT_CRYPTO_HASH_LEN == (int)NOISE_HASH_LEN);
static_assert((int)NOISE_HASH_LEN <= (int)NT_CRYPTO_MAC_KEY_MAX_LEN);
/*
 * Amplification (Documentation/testing.md B17): a reply never exceeds what it
 * answers.
 */
static_assert(sizeof(struct message_handshake_cookie) <=
	      sizeof(struct message_handshake_response));
static_assert(sizeof(struct message_handshake_response) <=
	      sizeof(struct message_handshake_initiation));

/* A received cookie is used only while the sender's secret surely lives. */
#define COOKIE_USABLE_SECONDS (COOKIE_SECRET_MAX_AGE - COOKIE_SECRET_LATENCY)

static bool has_expired(u64 birthday_ns, u64 seconds)
{
	return ktime_get_coarse_boottime_ns() - birthday_ns >=
	       seconds * NSEC_PER_SEC;
}

/*
 * Where the MACs of a handshake message of @len bytes start, or 0 if @len
 * is not the size of one. The caller checked size against type; this only
 * refuses to read out of bounds on a caller's mistake.
 */
static size_t macs_offset(size_t len)
{
	if (len == sizeof(struct message_handshake_initiation))
		return offsetof(struct message_handshake_initiation, macs);
	if (len == sizeof(struct message_handshake_response))
		return offsetof(struct message_handshake_response, macs);
	return 0;
}

/*
 * The MACs of the handshake message in @skb, which starts at its data;
 * NULL if the message has none or is not linear.
 */
static const struct message_macs *skb_macs(const struct sk_buff *skb)
{
	size_t offset = macs_offset(skb->len);

	if (unlikely(!offset || skb_headlen(skb) < skb->len))
		return NULL;
	return (const struct message_macs *)(skb->data + offset);
}

static void derive_key(u8 key[NOISE_SYMMETRIC_KEY_LEN], const char *label,
		       const u8 public_key[NOISE_PUBLIC_KEY_LEN])
{
	nt_crypto_hash2(key, (const u8 *)label, strlen(label), public_key,
			NOISE_PUBLIC_KEY_LEN);
}

void nt_cookie_checker_init(struct nt_cookie_checker *checker,
			    struct nt_device *ntd)
{
	memset(checker, 0, sizeof(*checker));
	rwlock_init(&checker->lock);
	checker->device = ntd;
	/* Expired from the start: the first cookie draws the first secret. */
	checker->secret_birthday_ns = ktime_get_coarse_boottime_ns() -
				      2ULL * COOKIE_SECRET_MAX_AGE * NSEC_PER_SEC;
}

/* Forget the keys derived from the device's public key. */
static void checker_wipe_device_keys(struct nt_cookie_checker *checker)
{
	memzero_explicit(checker->message_mac1_key,
			 sizeof(checker->message_mac1_key));
	memzero_explicit(checker->cookie_encryption_key,
			 sizeof(checker->cookie_encryption_key));
	checker->has_keys = false;
}

void nt_cookie_checker_uninit(struct nt_cookie_checker *checker)
{
	memzero_explicit(checker->secret, sizeof(checker->secret));
	checker_wipe_device_keys(checker);
}

void nt_cookie_checker_precompute_device_keys(struct nt_cookie_checker *checker)
{
	struct nt_static_identity *identity = &checker->device->static_identity;

	lockdep_assert_held(&identity->lock);

	write_lock_bh(&checker->lock);
	if (identity->has_identity) {
		derive_key(checker->message_mac1_key, LABEL_MAC1,
			   identity->public_key);
		derive_key(checker->cookie_encryption_key, LABEL_COOKIE,
			   identity->public_key);
		checker->has_keys = true;
	} else {
		checker_wipe_device_keys(checker);
	}
	write_unlock_bh(&checker->lock);
}

/*
 * The cookie of @skb's sender: MAC(R, source address || source port), the
 * port in network order as it is on the wire. Draws a new R first if the
 * current one is COOKIE_SECRET_MAX_AGE old; cookies made under the old one
 * stop verifying, which is the point. Takes the checker's lock itself.
 */
static bool make_cookie(u8 cookie[COOKIE_LEN], struct sk_buff *skb,
			struct nt_cookie_checker *checker)
{
	u8 source[sizeof(struct in6_addr) + sizeof(__be16)];
	size_t addr_len;
	__be16 port;

	if (skb->protocol == htons(ETH_P_IP)) {
		addr_len = sizeof(struct in_addr);
		memcpy(source, &ip_hdr(skb)->saddr, addr_len);
	} else if (skb->protocol == htons(ETH_P_IPV6)) {
		addr_len = sizeof(struct in6_addr);
		memcpy(source, &ipv6_hdr(skb)->saddr, addr_len);
	} else {
		return false;
	}
	port = udp_hdr(skb)->source;
	memcpy(source + addr_len, &port, sizeof(port));

	read_lock_bh(&checker->lock);
	if (unlikely(has_expired(checker->secret_birthday_ns,
				 COOKIE_SECRET_MAX_AGE))) {
		/*
		 * Upgrade by hand; another CPU may have rotated meanwhile,
		 * so look at the age again under the write lock.
		 */
		read_unlock_bh(&checker->lock);
		write_lock_bh(&checker->lock);
		if (has_expired(checker->secret_birthday_ns,
				COOKIE_SECRET_MAX_AGE)) {
			get_random_bytes(checker->secret,
					 sizeof(checker->secret));
			checker->secret_birthday_ns =
				ktime_get_coarse_boottime_ns();
		}
		write_unlock_bh(&checker->lock);
		read_lock_bh(&checker->lock);
	}
	nt_crypto_mac(cookie, source, addr_len + sizeof(port), checker->secret,
		      sizeof(checker->secret));
	read_unlock_bh(&checker->lock);
	return true;
}

enum nt_cookie_mac_state
nt_cookie_validate_packet(struct nt_cookie_checker *checker,
			  struct sk_buff *skb, bool check_cookie)
{
	const struct message_macs *macs = skb_macs(skb);
	u8 computed[COOKIE_LEN];
	size_t offset;
	bool mac1_ok;

	if (!macs)
		return NT_COOKIE_INVALID_MAC;
	offset = (const u8 *)macs - skb->data;

	/* mac1 first, before any DH: it is all a stranger may make us do. */
	read_lock_bh(&checker->lock);
	mac1_ok = checker->has_keys;
	if (mac1_ok)
		nt_crypto_mac(computed, skb->data, offset,
			      checker->message_mac1_key,
			      sizeof(checker->message_mac1_key));
	read_unlock_bh(&checker->lock);
	if (!mac1_ok || crypto_memneq(computed, macs->mac1, COOKIE_LEN))
		return NT_COOKIE_INVALID_MAC;

	if (!check_cookie)
		return NT_COOKIE_VALID_MAC_BUT_NO_COOKIE;

	/* mac2 = MAC(cookie, message up to mac2), mac1 included. */
	if (!make_cookie(computed, skb, checker))
		return NT_COOKIE_VALID_MAC_BUT_NO_COOKIE;
	nt_crypto_mac(computed, skb->data, offset + COOKIE_LEN, computed,
		      COOKIE_LEN);
	if (crypto_memneq(computed, macs->mac2, COOKIE_LEN))
		return NT_COOKIE_VALID_MAC_BUT_NO_COOKIE;
	return NT_COOKIE_VALID_MAC_WITH_COOKIE;
}

bool nt_cookie_message_create(struct message_handshake_cookie *dst,
			      struct sk_buff *skb, __le32 index,
			      struct nt_cookie_checker *checker)
{
	const struct message_macs *macs = skb_macs(skb);
	u8 cookie[COOKIE_LEN];
	bool ok;

	if (!macs)
		return false;

	dst->header.type = cpu_to_le32(MESSAGE_HANDSHAKE_COOKIE);
	dst->receiver_index = index;
	get_random_bytes(dst->nonce, sizeof(dst->nonce));

	if (!make_cookie(cookie, skb, checker))
		return false;
	read_lock_bh(&checker->lock);
	ok = checker->has_keys;
	if (ok)
		nt_crypto_xaead_encrypt(dst->encrypted_cookie, cookie,
					sizeof(cookie), macs->mac1, COOKIE_LEN,
					dst->nonce,
					checker->cookie_encryption_key);
	read_unlock_bh(&checker->lock);
	memzero_explicit(cookie, sizeof(cookie));
	return ok;
}

void nt_cookie_init(struct nt_cookie *cookie,
		    const u8 remote_public_key[NOISE_PUBLIC_KEY_LEN])
{
	memset(cookie, 0, sizeof(*cookie));
	rwlock_init(&cookie->lock);
	derive_key(cookie->message_mac1_key, LABEL_MAC1, remote_public_key);
	derive_key(cookie->cookie_decryption_key, LABEL_COOKIE,
		   remote_public_key);
}

void nt_cookie_uninit(struct nt_cookie *cookie)
{
	memzero_explicit(cookie->cookie, sizeof(cookie->cookie));
	memzero_explicit(cookie->cookie_decryption_key,
			 sizeof(cookie->cookie_decryption_key));
	memzero_explicit(cookie->message_mac1_key,
			 sizeof(cookie->message_mac1_key));
	cookie->is_valid = false;
	cookie->have_sent_mac1 = false;
}

void nt_cookie_add_mac_to_packet(void *message, size_t len,
				 struct nt_cookie *cookie)
{
	size_t offset = macs_offset(len);
	struct message_macs *macs;

	if (WARN_ON_ONCE(!offset))
		return;
	macs = (struct message_macs *)((u8 *)message + offset);

	/*
	 * One write lock for both MACs: the mac1 we remember is the one
	 * on the wire, and mac2 uses the cookie as it is at that moment.
	 */
	write_lock_bh(&cookie->lock);
	nt_crypto_mac(macs->mac1, message, offset, cookie->message_mac1_key,
		      sizeof(cookie->message_mac1_key));
	memcpy(cookie->last_mac1_sent, macs->mac1, COOKIE_LEN);
	cookie->have_sent_mac1 = true;

	if (cookie->is_valid &&
	    !has_expired(cookie->birthday_ns, COOKIE_USABLE_SECONDS))
		nt_crypto_mac(macs->mac2, message, offset + COOKIE_LEN,
			      cookie->cookie, COOKIE_LEN);
	else
		memset(macs->mac2, 0, COOKIE_LEN);
	write_unlock_bh(&cookie->lock);
}

bool nt_cookie_message_consume(struct nt_cookie *cookie,
			       const struct message_handshake_cookie *src)
{
	u8 mac1[COOKIE_LEN];
	u8 plain[COOKIE_LEN];
	bool ok;

	read_lock_bh(&cookie->lock);
	ok = cookie->have_sent_mac1;
	memcpy(mac1, cookie->last_mac1_sent, COOKIE_LEN);
	read_unlock_bh(&cookie->lock);
	if (!ok)
		return false;

	/* The AEAD runs without the lock; the state is checked again below. */
	ok = nt_crypto_xaead_decrypt(plain, src->encrypted_cookie,
				     sizeof(src->encrypted_cookie), mac1,
				     COOKIE_LEN, src->nonce,
				     cookie->cookie_decryption_key);
	if (!ok)
		goto out;

	/*
	 * Store the cookie only if the mac1 it answers is still the last one
	 * we sent and still unanswered: a second copy of the reply (or one
	 * racing it on another CPU) finds have_sent_mac1 false and is refused.
	 */
	write_lock_bh(&cookie->lock);
	ok = cookie->have_sent_mac1 &&
	     !crypto_memneq(mac1, cookie->last_mac1_sent, COOKIE_LEN);
	if (ok) {
		memcpy(cookie->cookie, plain, COOKIE_LEN);
		cookie->birthday_ns = ktime_get_coarse_boottime_ns();
		cookie->is_valid = true;
		cookie->have_sent_mac1 = false;
	}
	write_unlock_bh(&cookie->lock);
out:
	memzero_explicit(plain, sizeof(plain));
	return ok;
}

#ifdef DEBUG
#include "selftest/cookie.c"
#endif
