// SPDX-License-Identifier: GPL-2.0
/*
 * The self-test of mac1, mac2 and cookie replies, run at module load in
 * DEBUG builds. Included at the end of cookie.c, so that it reaches that
 * file's static functions.
 */

#include "verdict.h"

/*
 * Self-tests: a sender's nt_cookie and a receiver's checker built from one
 * fixed public key (only the public half matters to these keys), handshake
 * messages carried in skbs with made-up outer IPv4/IPv6 and UDP headers.
 */

/* The receiver's public key: bytes 0x40 to 0x5f. */
static void test_public_key(u8 key[NOISE_PUBLIC_KEY_LEN])
{
	unsigned int i;

	for (i = 0; i < NOISE_PUBLIC_KEY_LEN; ++i)
		key[i] = 0x40 + i;
}

/*
 * An initiation-sized message: type 1, then byte i of the body is
 * i * 7 + 3. Its mac1 under test_public_key(), computed independently:
 *   k = hashlib.blake2s(b"mac1----" + bytes(range(0x40, 0x60))).digest()
 *   hashlib.blake2s(msg[:116], digest_size=16, key=k).digest()
 */
static const u8 test_mac1_answer[COOKIE_LEN] = {
	0x5d, 0xa4, 0xd1, 0x6b, 0x39, 0xa5, 0x3d, 0x51,
	0x4c, 0xc3, 0x0d, 0x8e, 0x47, 0xef, 0xa5, 0x0a
};

static void test_message(struct message_handshake_initiation *msg)
{
	u8 *body = (u8 *)msg + sizeof(msg->header);
	size_t i;

	memset(msg, 0, sizeof(*msg));
	msg->header.type = cpu_to_le32(MESSAGE_HANDSHAKE_INITIATION);
	for (i = 0; i < offsetof(typeof(*msg), macs) - sizeof(msg->header); ++i)
		body[i] = i * 7 + 3;
}

/*
 * An skb as the receive path hands it over: data at the message, network
 * and transport headers set. The source is 10.0.0.@host or
 * 2001:db8::@host, port @port.
 */
static struct sk_buff *test_skb(const void *msg, size_t len, bool v6,
				u8 host, u16 port)
{
	size_t ip_len = v6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr);
	struct sk_buff *skb;
	struct udphdr *uh;

	skb = alloc_skb(ip_len + sizeof(*uh) + len, GFP_KERNEL);
	if (!skb)
		return NULL;
	skb_reserve(skb, ip_len + sizeof(*uh));
	skb_put_data(skb, msg, len);

	uh = skb_push(skb, sizeof(*uh));
	skb_reset_transport_header(skb);
	memset(uh, 0, sizeof(*uh));
	uh->source = htons(port);
	uh->dest = htons(51820);
	uh->len = htons(sizeof(*uh) + len);

	skb_push(skb, ip_len);
	skb_reset_network_header(skb);
	memset(skb->data, 0, ip_len);
	if (v6) {
		struct ipv6hdr *ip6 = ipv6_hdr(skb);

		ip6->version = 6;
		ip6->nexthdr = IPPROTO_UDP;
		ip6->saddr.s6_addr[0] = 0x20;
		ip6->saddr.s6_addr[1] = 0x01;
		ip6->saddr.s6_addr[2] = 0x0d;
		ip6->saddr.s6_addr[3] = 0xb8;
		ip6->saddr.s6_addr[15] = host;
		skb->protocol = htons(ETH_P_IPV6);
	} else {
		struct iphdr *ip4 = ip_hdr(skb);

		ip4->version = 4;
		ip4->ihl = 5;
		ip4->protocol = IPPROTO_UDP;
		ip4->saddr = htonl(0x0a000000 | host);
		skb->protocol = htons(ETH_P_IP);
	}
	skb_pull(skb, ip_len + sizeof(*uh));
	return skb;
}

struct cookie_test {
	struct nt_device ntd;
	struct nt_cookie_checker checker;
	struct nt_cookie sender;
	struct message_handshake_initiation msg;
	struct message_handshake_cookie reply;
	unsigned int checks;
	unsigned int failures;
};

#define TEST_CHECK(t, cond, ...)					\
	do {								\
		struct cookie_test *test_ = (t);			\
									\
		++test_->checks;					\
		if (!(cond)) {						\
			++test_->failures;				\
			pr_err("cookie self-tests: FAIL: " __VA_ARGS__);	\
		}							\
	} while (0)

/* Validates @msg from 10.0.0.@host / 2001:db8::@host, port @port. */
static enum nt_cookie_mac_state test_validate(struct cookie_test *t,
					      const void *msg, size_t len,
					      bool v6, u8 host, u16 port,
					      bool check_cookie)
{
	enum nt_cookie_mac_state state;
	struct sk_buff *skb;

	skb = test_skb(msg, len, v6, host, port);
	if (!skb)
		return -ENOMEM;
	state = nt_cookie_validate_packet(&t->checker, skb, check_cookie);
	kfree_skb(skb);
	return state;
}

/* The receiver answers t->msg from @v6/@host/@port with t->reply. */
static bool test_reply(struct cookie_test *t, bool v6, u8 host, u16 port)
{
	struct sk_buff *skb;
	bool ok;

	skb = test_skb(&t->msg, sizeof(t->msg), v6, host, port);
	if (!skb)
		return false;
	ok = nt_cookie_message_create(&t->reply, skb, cpu_to_le32(0x2a),
				      &t->checker);
	kfree_skb(skb);
	return ok;
}

static void test_mac1(struct cookie_test *t)
{
	struct message_handshake_response resp;
	const size_t mac1_end = offsetof(typeof(t->msg), macs.mac2);
	u8 zeros[COOKIE_LEN] = { };
	unsigned int bad = 0;
	size_t bit;

	nt_cookie_add_mac_to_packet(&t->msg, sizeof(t->msg), &t->sender);
	TEST_CHECK(t, !memcmp(t->msg.macs.mac1, test_mac1_answer, COOKIE_LEN),
		   "mac1 differs from the independent computation\n");
	TEST_CHECK(t, !memcmp(t->msg.macs.mac2, zeros, COOKIE_LEN),
		   "mac2 not zero without a cookie\n");
	TEST_CHECK(t, test_validate(t, &t->msg, sizeof(t->msg), false, 1,
				    1000, false) ==
		   NT_COOKIE_VALID_MAC_BUT_NO_COOKIE, "mac1 not accepted\n");
	TEST_CHECK(t, test_validate(t, &t->msg, sizeof(t->msg), false, 1,
				    1000, true) ==
		   NT_COOKIE_VALID_MAC_BUT_NO_COOKIE,
		   "zero mac2 not reported as no cookie\n");

	/* B5: every single bit of the MAC'd bytes and of mac1 matters. */
	for (bit = 0; bit < mac1_end * 8; ++bit) {
		((u8 *)&t->msg)[bit / 8] ^= 1 << (bit % 8);
		if (test_validate(t, &t->msg, sizeof(t->msg), false, 1, 1000,
				  false) != NT_COOKIE_INVALID_MAC)
			++bad;
		((u8 *)&t->msg)[bit / 8] ^= 1 << (bit % 8);
	}
	TEST_CHECK(t, !bad, "%u of %zu flipped bits pass mac1\n", bad,
		   mac1_end * 8);
	t->msg.macs.mac2[3] ^= 0x10;
	TEST_CHECK(t, test_validate(t, &t->msg, sizeof(t->msg), false, 1, 1000,
				    false) == NT_COOKIE_VALID_MAC_BUT_NO_COOKIE,
		   "a flipped mac2 bit breaks mac1\n");
	t->msg.macs.mac2[3] ^= 0x10;
	TEST_CHECK(t, test_validate(t, &t->msg, sizeof(t->msg) - 1, false, 1,
				    1000, false) == NT_COOKIE_INVALID_MAC,
		   "a message of no handshake size passes\n");

	/* A response's macs sit elsewhere; same key. */
	memset(&resp, 0x5a, sizeof(resp));
	resp.header.type = cpu_to_le32(MESSAGE_HANDSHAKE_RESPONSE);
	nt_cookie_add_mac_to_packet(&resp, sizeof(resp), &t->sender);
	TEST_CHECK(t, test_validate(t, &resp, sizeof(resp), true, 1, 1000,
				    false) == NT_COOKIE_VALID_MAC_BUT_NO_COOKIE,
		   "response mac1 not accepted\n");
	resp.encrypted_nothing[0] ^= 1;
	TEST_CHECK(t, test_validate(t, &resp, sizeof(resp), true, 1, 1000,
				    false) == NT_COOKIE_INVALID_MAC,
		   "flipped response passes mac1\n");
}

/* One full round: reply, consume, mac2 accepted from that source only. */
static void test_round(struct cookie_test *t, bool v6, u8 host, u16 port)
{
	struct message_handshake_cookie bad;
	unsigned int i, accepted = 0;

	nt_cookie_add_mac_to_packet(&t->msg, sizeof(t->msg), &t->sender);
	TEST_CHECK(t, test_reply(t, v6, host, port), "no cookie reply (v%d)\n",
		   v6 ? 6 : 4);
	TEST_CHECK(t, t->reply.header.type ==
		   cpu_to_le32(MESSAGE_HANDSHAKE_COOKIE) &&
		   t->reply.receiver_index == cpu_to_le32(0x2a),
		   "cookie reply header\n");

	/* B11: a reply with any byte changed after the header is refused. */
	for (i = offsetof(typeof(bad), nonce); i < sizeof(bad); ++i) {
		bad = t->reply;
		((u8 *)&bad)[i] ^= 0x80;
		if (nt_cookie_message_consume(&t->sender, &bad))
			++accepted;
	}
	TEST_CHECK(t, !accepted, "%u corrupted replies accepted\n", accepted);

	TEST_CHECK(t, nt_cookie_message_consume(&t->sender, &t->reply),
		   "valid cookie reply refused (v%d)\n", v6 ? 6 : 4);
	TEST_CHECK(t, !nt_cookie_message_consume(&t->sender, &t->reply),
		   "second copy of a cookie reply accepted\n");

	nt_cookie_add_mac_to_packet(&t->msg, sizeof(t->msg), &t->sender);
	TEST_CHECK(t, test_validate(t, &t->msg, sizeof(t->msg), v6, host, port,
				    true) == NT_COOKIE_VALID_MAC_WITH_COOKIE,
		   "mac2 not accepted (v%d)\n", v6 ? 6 : 4);
	TEST_CHECK(t, test_validate(t, &t->msg, sizeof(t->msg), v6, host,
				    port + 1, true) ==
		   NT_COOKIE_VALID_MAC_BUT_NO_COOKIE,
		   "mac2 accepted from another port\n");
	TEST_CHECK(t, test_validate(t, &t->msg, sizeof(t->msg), v6, host + 1,
				    port, true) ==
		   NT_COOKIE_VALID_MAC_BUT_NO_COOKIE,
		   "mac2 accepted from another address\n");
	TEST_CHECK(t, test_validate(t, &t->msg, sizeof(t->msg), !v6, host,
				    port, true) ==
		   NT_COOKIE_VALID_MAC_BUT_NO_COOKIE,
		   "mac2 accepted from the other family\n");
	t->msg.macs.mac2[15] ^= 1;
	TEST_CHECK(t, test_validate(t, &t->msg, sizeof(t->msg), v6, host, port,
				    true) == NT_COOKIE_VALID_MAC_BUT_NO_COOKIE,
		   "flipped mac2 accepted\n");
	t->msg.macs.mac2[15] ^= 1;
}

static void test_ages(struct cookie_test *t)
{
	u8 zeros[COOKIE_LEN] = { };

	/* The receiver's secret turns over: cookies made before stop working. */
	test_round(t, false, 7, 4000);
	t->checker.secret_birthday_ns -= (u64)COOKIE_SECRET_MAX_AGE * NSEC_PER_SEC;
	TEST_CHECK(t, test_validate(t, &t->msg, sizeof(t->msg), false, 7, 4000,
				    true) == NT_COOKIE_VALID_MAC_BUT_NO_COOKIE,
		   "a cookie outlived the secret's rotation\n");
	TEST_CHECK(t, !has_expired(t->checker.secret_birthday_ns,
				   COOKIE_SECRET_MAX_AGE),
		   "the secret was not replaced\n");
	test_round(t, false, 7, 4000);

	/* The sender stops using a cookie a little before that. */
	t->sender.birthday_ns -= (u64)COOKIE_USABLE_SECONDS * NSEC_PER_SEC;
	nt_cookie_add_mac_to_packet(&t->msg, sizeof(t->msg), &t->sender);
	TEST_CHECK(t, !memcmp(t->msg.macs.mac2, zeros, COOKIE_LEN),
		   "an old cookie still makes mac2\n");
}

static void test_without(struct cookie_test *t)
{
	struct sk_buff *skb;

	/* No message sent yet: nothing to take a cookie for. */
	nt_cookie_uninit(&t->sender);
	nt_cookie_init(&t->sender, t->ntd.static_identity.public_key);
	TEST_CHECK(t, !nt_cookie_message_consume(&t->sender, &t->reply),
		   "cookie reply accepted with no mac1 sent\n");

	/* Neither IPv4 nor IPv6: no cookie to bind. */
	skb = test_skb(&t->msg, sizeof(t->msg), false, 1, 1);
	if (skb) {
		skb->protocol = htons(ETH_P_ARP);
		TEST_CHECK(t, !nt_cookie_message_create(&t->reply, skb, 0,
							&t->checker),
			   "cookie reply for a non-IP source\n");
		kfree_skb(skb);
	}

	/* A device without a private key accepts no mac1. */
	down_write(&t->ntd.static_identity.lock);
	t->ntd.static_identity.has_identity = false;
	nt_cookie_checker_precompute_device_keys(&t->checker);
	up_write(&t->ntd.static_identity.lock);
	nt_cookie_add_mac_to_packet(&t->msg, sizeof(t->msg), &t->sender);
	TEST_CHECK(t, test_validate(t, &t->msg, sizeof(t->msg), false, 1, 1000,
				    false) == NT_COOKIE_INVALID_MAC,
		   "mac1 accepted without an identity\n");
}

bool nt_cookie_selftest(void)
{
	struct cookie_test *t;
	bool pass;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return false;
	init_rwsem(&t->ntd.static_identity.lock);
	test_public_key(t->ntd.static_identity.public_key);
	t->ntd.static_identity.has_identity = true;
	nt_cookie_checker_init(&t->checker, &t->ntd);
	down_write(&t->ntd.static_identity.lock);
	nt_cookie_checker_precompute_device_keys(&t->checker);
	up_write(&t->ntd.static_identity.lock);
	nt_cookie_init(&t->sender, t->ntd.static_identity.public_key);
	test_message(&t->msg);

	test_mac1(t);
	test_round(t, false, 1, 1000);
	test_round(t, true, 1, 1000);
	test_ages(t);
	test_without(t);

	nt_cookie_uninit(&t->sender);
	nt_cookie_checker_uninit(&t->checker);
	pass = selftest_verdict("cookie", t->checks, t->failures);
	kfree_sensitive(t);
	return pass;
}
