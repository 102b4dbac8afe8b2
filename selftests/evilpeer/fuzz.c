// SPDX-License-Identifier: GPL-2.0
/*
 * The fuzzer (fuzz.h). Generators make valid messages of every type and
 * mutate them (bit flips anywhere, truncation, extension, duplicates,
 * other indices and counters, junk headers, random bytes); every datagram
 * is then given, from its bytes alone, the outcome the device must give
 * it, by a model of the receive path:
 *
 *  1. framing: fewer than 4 bytes, an unknown type, or a reserved byte
 *     set: bad_type; a handshake message not of its exact size, or a data
 *     message under 32 bytes: bad_size;
 *  2. initiation and response: a wrong mac1: bad_mac1. mac2 is never
 *     looked at, because the device is never under load here: the
 *     messages that pass mac1 are paced (hsrate=), so its handshake queue
 *     stays far below the length that means load;
 *     initiation: content (bytes 8..115) other than that of this
 *     command's one fresh initiation: handshake_invalid; the first with
 *     that content is accepted (a response comes back), the others are
 *     handshake_replay (same timestamp). (The device may take a later
 *     copy first, on another CPU: the counts are the same.)
 *     response: a receiver index other than that of the device's pending
 *     initiation to us: unknown_index; else handshake_invalid (evilpeer
 *     makes no valid responses);
 *  3. cookie reply: a receiver index other than our session's:
 *     unknown_index; else the first one that opens is taken, every other
 *     one is cookie_invalid (the device takes one per message it sent);
 *  4. data: a receiver index other than our session's: bad_keypair; a
 *     counter at or past REJECT_AFTER_MESSAGES: bad_keypair; does not
 *     open: auth_fail; the replay window (module/replay.h: 8128 behind the
 *     highest): replay or too_old; otherwise received, and then its inner
 *     packet: none (a keepalive); under 20 bytes (padding included), an
 *     IPv4 header length under 20 or over the total length, a total
 *     length over the plaintext, an IPv6 plaintext under 40 bytes or a
 *     payload length over it: inner_length; neither version 4 nor 6:
 *     inner_protocol; a source outside our own addresses:
 *     source_not_allowed; else delivered, as many bytes as its IP length.
 *  5. outer fragments: a set that is complete reaches the socket once
 *     (an exact duplicate of a fragment is ignored); one missing, or one
 *     overlapping another, never does (the IP layer drops the datagram).
 *
 * It assumes what the scenario arranges: our allowed IPs on the device are
 * exactly --addr4/32 and --addr6/128, the session was made just before,
 * and nobody else sends to the device meanwhile. Data messages are paced
 * by round trips (sync=: an inner ping, answered), so the device's
 * queues never overflow. FZ_MIX breaks these assumptions on purpose (it
 * handshakes, and the scenario changes the device under it): its
 * predictions are printed but mean little.
 *
 * The PRNG (splitmix64) makes every choice, so a seed replays the same
 * mutations; keys, nonces and timestamps still differ from run to run.
 */
#include "fuzz.h"

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "inner.h"
#include "noisetun.h"
#include "transport.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

/* The device's replay window (module/replay.h) and a ring to model it. */
#define WINDOW_SIZE	8128
#define WINDOW_RING	8192
/* Recent valid data messages kept, to send again (replays). */
#define RING		32
/* Handshake messages and cookie replies are extended up to this. */
#define EXTEND_MAX	1400
/* The largest data message a UDP_SEGMENT batch carries. */
#define BATCH_INNER_MAX	1300
#define BATCH_BYTES	65000
#define MAX_FRAGS	8

#define INIT_LEN	sizeof(struct message_initiation)
#define RESP_LEN	sizeof(struct message_response)
#define COOKIE_LEN_MSG	sizeof(struct message_cookie_reply)
#define DATA_HDR	sizeof(struct message_data)

const uint16_t ep_fuzz_reason_attrs[FZR__COUNT] = {
	[FZR_BAD_TYPE] = NOISETUN_A_DROP_BAD_TYPE,
	[FZR_BAD_SIZE] = NOISETUN_A_DROP_BAD_SIZE,
	[FZR_BAD_MAC1] = NOISETUN_A_DROP_BAD_MAC1,
	[FZR_HANDSHAKE_INVALID] = NOISETUN_A_DROP_HANDSHAKE_INVALID,
	[FZR_HANDSHAKE_REPLAY] = NOISETUN_A_DROP_HANDSHAKE_REPLAY,
	[FZR_UNKNOWN_INDEX] = NOISETUN_A_DROP_UNKNOWN_INDEX,
	[FZR_COOKIE_INVALID] = NOISETUN_A_DROP_COOKIE_INVALID,
	[FZR_BAD_KEYPAIR] = NOISETUN_A_DROP_BAD_KEYPAIR,
	[FZR_AUTH_FAIL] = NOISETUN_A_DROP_AUTH_FAIL,
	[FZR_REPLAY] = NOISETUN_A_DROP_REPLAY,
	[FZR_TOO_OLD] = NOISETUN_A_DROP_TOO_OLD,
	[FZR_INNER_PROTOCOL] = NOISETUN_A_DROP_INNER_PROTOCOL,
	[FZR_INNER_LENGTH] = NOISETUN_A_DROP_INNER_LENGTH,
	[FZR_SOURCE_NOT_ALLOWED] = NOISETUN_A_DROP_SOURCE_NOT_ALLOWED,
};

const char *const ep_fuzz_class_names[FZ__CLASSES] = {
	[FZ_INIT] = "init",
	[FZ_RESPONSE] = "response",
	[FZ_COOKIE] = "cookie",
	[FZ_DATA] = "data",
	[FZ_INNER] = "inner",
	[FZ_GSO] = "gso",
	[FZ_FRAG] = "frag",
	[FZ_MIX] = "mix",
};

bool ep_fuzz_class_parse(const char *name, enum ep_fuzz_class *cls)
{
	int i;

	for (i = 0; i < FZ__CLASSES; i++)
		if (!strcmp(name, ep_fuzz_class_names[i])) {
			*cls = (enum ep_fuzz_class)i;
			return true;
		}
	return false;
}

/**
 * struct expect - what the device must do with one datagram
 * @reach: it reaches the device's socket (else the IP layer drops it)
 * @drop: the drop counter it adds to, FZR_*; -1 for none
 * @rx: it counts in the peer's rx_packets, @rx_bytes in rx_bytes
 * @deliver: its inner packet is delivered, @deliver_bytes long
 * @response: the device answers it with a handshake response
 */
struct expect {
	bool reach;
	int drop;
	bool rx;
	uint32_t rx_bytes;
	bool deliver;
	uint32_t deliver_bytes;
	bool response;
};

/* The model of the device's replay window for our current session. */
struct window {
	bool valid;
	uint32_t index;
	bool started;
	uint64_t top;
	uint64_t bits[WINDOW_RING / 64];
};

/* One recently sent valid data message. */
struct sent_msg {
	size_t len;
	uint8_t buf[BATCH_INNER_MAX + 64];
};

struct fz {
	struct ep *ep;
	const struct ep_fuzz_opts *o;
	struct ep_fuzz_result *res;
	uint64_t rng;
	bool mix;
	uint64_t hs_next_us;
	uint64_t since_sync;
	bool in_sync;
	/* init: the one fresh initiation, and whether one was accepted */
	uint8_t init_base[INIT_LEN];
	bool have_init, init_accepted;
	/* cookie: the key the device opens our cookie replies with */
	uint8_t cookie_key[HASH_LEN];
	bool cookie_taken;
	/* frag */
	int raw;
	struct sockaddr_storage local;
	uint32_t frag_id;
	/* data */
	struct sent_msg ring[RING];
	unsigned int ring_len, ring_next;
};

static struct window win;
static uint32_t frag_id_next;

/* --- little helpers ---------------------------------------------------- */

static uint64_t rnd(struct fz *f)
{
	uint64_t z = (f->rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A number in [0, n). */
static uint64_t below(struct fz *f, uint64_t n)
{
	return n ? rnd(f) % n : 0;
}

static void fill(struct fz *f, uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (uint8_t)rnd(f);
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = v >> 24;
}

static void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void flip_bit(struct fz *f, uint8_t *p, size_t len)
{
	uint64_t bit = below(f, len * 8);

	p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
}

/* Make the header a junk one: an unknown type, or a reserved byte set. */
static void junk_header(struct fz *f, uint8_t *p)
{
	if (below(f, 2)) {
		p[1 + below(f, 3)] = (uint8_t)(1 + below(f, 255));
	} else {
		uint8_t t = (uint8_t)below(f, 252);

		p[0] = t ? t + 4 : 0;	/* 0 or 5..255 */
	}
}

/* --- the model ---------------------------------------------------------- */

static void window_sync(struct ep *ep)
{
	uint64_t c;

	if (!ep->cur.valid)
		return;
	if (!win.valid || win.index != ep->cur.local_index) {
		memset(&win, 0, sizeof(win));
		win.valid = true;
		win.index = ep->cur.local_index;
	}
	/*
	 * What other commands sent on this session since: taken as accepted
	 * (they were valid and sent in order).
	 */
	if (!ep->cur.send_counter ||
	    (win.started && ep->cur.send_counter - 1 <= win.top))
		return;
	if (!win.started || ep->cur.send_counter - 1 - win.top >= WINDOW_RING) {
		memset(win.bits, 0xff, sizeof(win.bits));
	} else {
		for (c = win.top + 1; c < ep->cur.send_counter; c++)
			win.bits[(c % WINDOW_RING) / 64] |= 1ULL << (c % 64);
	}
	win.started = true;
	win.top = ep->cur.send_counter - 1;
}

enum { W_ACCEPT, W_DUPLICATE, W_TOO_OLD };

static int window_check(uint64_t c)
{
	uint64_t x, *word;

	if (!win.started || c > win.top) {
		if (!win.started || c - win.top >= WINDOW_RING) {
			memset(win.bits, 0, sizeof(win.bits));
		} else {
			for (x = win.top + 1; x < c; x++)
				win.bits[(x % WINDOW_RING) / 64] &= ~(1ULL << (x % 64));
		}
		win.started = true;
		win.top = c;
		win.bits[(c % WINDOW_RING) / 64] |= 1ULL << (c % 64);
		return W_ACCEPT;
	}
	if (win.top - c > WINDOW_SIZE)
		return W_TOO_OLD;
	word = &win.bits[(c % WINDOW_RING) / 64];
	if (*word & (1ULL << (c % 64)))
		return W_DUPLICATE;
	*word |= 1ULL << (c % 64);
	return W_ACCEPT;
}

/* The framing checks: a reason, or -1 for a well-formed message. */
static int framing(const uint8_t *m, size_t len)
{
	size_t need;
	bool exact = true;

	if (len < 4)
		return FZR_BAD_TYPE;
	switch (le32(m)) {
	case MESSAGE_INITIATION:
		need = INIT_LEN;
		break;
	case MESSAGE_RESPONSE:
		need = RESP_LEN;
		break;
	case MESSAGE_COOKIE_REPLY:
		need = COOKIE_LEN_MSG;
		break;
	case MESSAGE_DATA:
		need = MESSAGE_DATA_LEN(0);
		exact = false;
		break;
	default:
		return FZR_BAD_TYPE;
	}
	if (exact ? len != need : len < need)
		return FZR_BAD_SIZE;
	return -1;
}

static bool mac1_ok(struct fz *f, const uint8_t *m, size_t len)
{
	uint8_t mac[MAC_LEN];
	size_t off = len - 2 * MAC_LEN;

	ep_mac(mac, f->ep->id.mac1_key_peer, HASH_LEN, m, off);
	return !memcmp(mac, m + off, MAC_LEN);
}

static void set_mac1(struct fz *f, uint8_t *m, size_t len)
{
	size_t off = len - 2 * MAC_LEN;

	ep_mac(m + off, f->ep->id.mac1_key_peer, HASH_LEN, m, off);
	memset(m + off + MAC_LEN, 0, MAC_LEN);
}

/*
 * The mutations the handshake messages share. extend: @len bytes of
 * message @m followed by 1 to EXTEND_MAX - @len random ones; returns the
 * new length. refill: bytes @from to @len random, mac1 made again half
 * the time. flip_remac: a bit flipped in the @macd bytes after the header
 * that mac1 covers, mac1 made again.
 */
static size_t extend(struct fz *f, uint8_t *m, size_t len)
{
	size_t n = len + 1 + below(f, EXTEND_MAX - len);

	fill(f, m + len, n - len);
	return n;
}

static void refill(struct fz *f, uint8_t *m, size_t from, size_t len)
{
	fill(f, m + from, len - from);
	if (below(f, 2))
		set_mac1(f, m, len);
}

static void flip_remac(struct fz *f, uint8_t *m, size_t macd, size_t len)
{
	flip_bit(f, m + 4, macd);
	set_mac1(f, m, len);
}

/*
 * A handshake message and the shared mutations a draw of below(f, 8)
 * picks for it: @how[draw]; MUT_OWN is the caller's (the draw is its
 * case). @macd and @refill_from are flip_remac()'s and refill()'s.
 */
enum mutation { MUT_SAME, MUT_FLIP, MUT_FLIP_REMAC, MUT_CUT, MUT_EXTEND,
		MUT_JUNK_HEADER, MUT_REFILL, MUT_OWN };

struct mutations {
	size_t len, macd, refill_from;
	enum mutation how[8];
};

/* @m (@mu->len bytes) mutated by @how; returns its new length. */
static size_t mutate(struct fz *f, uint8_t *m, const struct mutations *mu,
		     enum mutation how)
{
	switch (how) {
	case MUT_FLIP:
		flip_bit(f, m, mu->len);
		break;
	case MUT_FLIP_REMAC:
		flip_remac(f, m, mu->macd, mu->len);
		break;
	case MUT_CUT:
		return below(f, mu->len);
	case MUT_EXTEND:
		return extend(f, m, mu->len);
	case MUT_JUNK_HEADER:
		junk_header(f, m);
		break;
	case MUT_REFILL:
		refill(f, m, mu->refill_from, mu->len);
		break;
	case MUT_SAME:
	case MUT_OWN:
		break;
	}
	return mu->len;
}

static void predict_init(struct fz *f, const uint8_t *m, struct expect *e)
{
	if (!mac1_ok(f, m, INIT_LEN)) {
		e->drop = FZR_BAD_MAC1;
	} else if (!f->have_init || memcmp(m + 8, f->init_base + 8, 108)) {
		e->drop = FZR_HANDSHAKE_INVALID;
	} else if (f->init_accepted) {
		e->drop = FZR_HANDSHAKE_REPLAY;
	} else {
		f->init_accepted = true;
		e->rx = true;
		e->rx_bytes = INIT_LEN;
		e->response = true;
	}
}

static void predict_response(struct fz *f, const uint8_t *m, struct expect *e)
{
	if (!mac1_ok(f, m, RESP_LEN))
		e->drop = FZR_BAD_MAC1;
	else if (f->ep->dev_init_ms && le32(m + 8) == f->ep->dev_init_index)
		e->drop = FZR_HANDSHAKE_INVALID;
	else
		e->drop = FZR_UNKNOWN_INDEX;
}

static void predict_cookie(struct fz *f, const uint8_t *m, struct expect *e)
{
	const struct message_cookie_reply *c = (const void *)m;
	uint8_t plain[COOKIE_LEN];
	bool opens;

	if (!f->ep->cur.valid || le32(m + 4) != f->ep->cur.remote_index) {
		e->drop = FZR_UNKNOWN_INDEX;
		return;
	}
	opens = f->ep->has_dev_mac1 &&
		ep_xaead_open(plain, c->encrypted_cookie,
			      sizeof(c->encrypted_cookie), f->ep->dev_mac1,
			      MAC_LEN, c->nonce, f->cookie_key);
	if (opens && !f->cookie_taken) {
		f->cookie_taken = true;
		e->rx = true;
		e->rx_bytes = COOKIE_LEN_MSG;
	} else {
		e->drop = FZR_COOKIE_INVALID;
	}
}

/* An opened inner packet of @len bytes (padding included). */
static void predict_inner(struct fz *f, const uint8_t *p, size_t len,
			  struct expect *e)
{
	const struct ep *ep = f->ep;
	size_t ihl, total;
	bool ours;

	if (!len)
		return;		/* a keepalive */
	if (len < IPV4_HEADER_LEN) {
		e->drop = FZR_INNER_LENGTH;
		return;
	}
	switch (p[0] >> 4) {
	case 4:
		ihl = (size_t)(p[0] & 15) * 4;
		total = be16(p + 2);
		if (ihl < IPV4_HEADER_LEN || total < ihl || total > len) {
			e->drop = FZR_INNER_LENGTH;
			return;
		}
		ours = ep->has_inner4 && !memcmp(p + 12, &ep->inner4, 4);
		break;
	case 6:
		if (len < IPV6_HEADER_LEN) {
			e->drop = FZR_INNER_LENGTH;
			return;
		}
		total = be16(p + 4) + (size_t)IPV6_HEADER_LEN;
		if (total > len) {
			e->drop = FZR_INNER_LENGTH;
			return;
		}
		ours = ep->has_inner6 && !memcmp(p + 8, &ep->inner6, 16);
		break;
	default:
		e->drop = FZR_INNER_PROTOCOL;
		return;
	}
	if (!ours) {
		e->drop = FZR_SOURCE_NOT_ALLOWED;
		return;
	}
	e->deliver = true;
	e->deliver_bytes = (uint32_t)total;
}

static void predict_data(struct fz *f, const uint8_t *m, size_t len,
			 struct expect *e)
{
	static uint8_t plain[MAX_UDP_PAYLOAD];
	const struct ep *ep = f->ep;
	uint64_t counter = le64(m + 8);
	size_t plen = len - MESSAGE_DATA_LEN(0);

	if (!ep->cur.valid || le32(m + 4) != ep->cur.remote_index ||
	    counter >= REJECT_AFTER_MESSAGES) {
		e->drop = FZR_BAD_KEYPAIR;
		return;
	}
	if (!ep_aead_open(plain, m + DATA_HDR, len - DATA_HDR, NULL, 0, counter,
			  ep->cur.send_key)) {
		e->drop = FZR_AUTH_FAIL;
		return;
	}
	switch (window_check(counter)) {
	case W_DUPLICATE:
		e->drop = FZR_REPLAY;
		return;
	case W_TOO_OLD:
		e->drop = FZR_TOO_OLD;
		return;
	}
	e->rx = true;
	e->rx_bytes = (uint32_t)len;
	predict_inner(f, plain, plen, e);
}

/* The outcome of a datagram of @len bytes that reaches the socket. */
static void predict(struct fz *f, const uint8_t *m, size_t len, struct expect *e)
{
	int r = framing(m, len);

	memset(e, 0, sizeof(*e));
	e->reach = true;
	e->drop = r;
	if (r >= 0)
		return;
	switch (m[0]) {
	case MESSAGE_INITIATION:
		predict_init(f, m, e);
		break;
	case MESSAGE_RESPONSE:
		predict_response(f, m, e);
		break;
	case MESSAGE_COOKIE_REPLY:
		predict_cookie(f, m, e);
		break;
	default:
		predict_data(f, m, len, e);
		break;
	}
}

static void tally(struct fz *f, const struct expect *e)
{
	struct ep_fuzz_result *r = f->res;

	if (!e->reach) {
		r->kernel++;
		return;
	}
	r->reach++;
	if (e->drop >= 0)
		r->drop[e->drop]++;
	if (e->rx) {
		r->rx++;
		r->rx_bytes += e->rx_bytes;
	}
	if (e->deliver) {
		r->delivered++;
		r->delivered_bytes += e->deliver_bytes;
	}
	if (e->response)
		r->responses++;
}

/* --- sending ------------------------------------------------------------- */

/* Handshake messages that pass mac1 are queued: at most hsrate a second. */
static void pace_handshake(struct fz *f, const uint8_t *m, size_t len,
			   const struct expect *e)
{
	uint64_t now;

	if (!f->o->hsrate || len < 4 || e->drop == FZR_BAD_MAC1 ||
	    e->drop == FZR_BAD_TYPE || e->drop == FZR_BAD_SIZE ||
	    (m[0] != MESSAGE_INITIATION && m[0] != MESSAGE_RESPONSE))
		return;
	now = ep_now_us();
	if (f->hs_next_us > now) {
		while ((now = ep_now_us()) < f->hs_next_us) {
			if (f->hs_next_us - now > 2000) {
				ep_receive(f->ep, (int)((f->hs_next_us - now) / 1000 - 1));
			} else {
				struct timespec ts = { 0, (long)(f->hs_next_us - now) * 1000 };

				nanosleep(&ts, NULL);
			}
		}
	} else {
		f->hs_next_us = now;
	}
	f->hs_next_us += 1000000 / f->o->hsrate;
}

static void sync_now(struct fz *f);

/* After a data message: a round trip now and then. */
static void count_data(struct fz *f, unsigned int n)
{
	f->since_sync += n;
	if (f->o->sync && f->since_sync >= f->o->sync && !f->in_sync)
		sync_now(f);
}

static void sent_one(struct fz *f)
{
	if ((++f->res->sent & 31) == 0)
		ep_receive(f->ep, 0);
}

/* Predict one datagram and send it alone. */
static void send_msg(struct fz *f, const uint8_t *m, size_t len)
{
	struct expect e;

	predict(f, m, len, &e);
	pace_handshake(f, m, len, &e);
	if (ep_send_message(f->ep, m, len)) {
		tally(f, &e);
		sent_one(f);
	} else {
		f->res->errors++;
	}
	if (len >= 4 && m[0] == MESSAGE_DATA)
		count_data(f, 1);
}

/* Seal @inner with @counter into @out (padded as ep_seal() pads). */
static size_t seal(struct fz *f, uint8_t *out, const uint8_t *inner,
		   size_t len, uint64_t counter)
{
	struct ep *ep = f->ep;
	size_t msg_len = ep_data_message_len(ep, len);
	size_t padded = msg_len - MESSAGE_DATA_LEN(0);

	out[0] = MESSAGE_DATA;
	out[1] = out[2] = out[3] = 0;
	put_le32(out + 4, ep->cur.remote_index);
	put_le64(out + 8, counter);
	if (len)
		memmove(out + DATA_HDR, inner, len);
	memset(out + DATA_HDR + len, 0, padded - len);
	ep_aead_seal(out + DATA_HDR, out + DATA_HDR, padded, NULL, 0, counter,
		     ep->cur.send_key);
	return msg_len;
}

static size_t seal_fresh(struct fz *f, uint8_t *out, const uint8_t *inner,
			 size_t len)
{
	return seal(f, out, inner, len, f->ep->cur.send_counter++);
}

static bool echo_answered(struct ep *ep, const void *arg)
{
	return ep->st.icmp_echo_reply >= *(const uint64_t *)arg;
}

/*
 * A round trip: an inner ping, and its answer. The device's receive queue
 * holds at most 1024 messages; with a round trip every sync= messages we
 * never have more than that many in flight.
 */
static void sync_now(struct fz *f)
{
	static uint8_t pkt[256], msg[512];
	struct ep *ep = f->ep;
	struct ep_flowaddr addr;
	uint64_t want = ep->st.icmp_echo_reply + 1;
	size_t len;

	f->since_sync = 0;
	if (!ep->cur.valid ||
	    (!ep_inner_default_addr(ep, 4, &addr) &&
	     !ep_inner_default_addr(ep, 6, &addr)))
		return;
	len = ep_inner_icmp_echo(ep, &addr, pkt, ep->ping_ident, ep->ping_seq++, 8);
	len = seal_fresh(f, msg, pkt, len);
	f->in_sync = true;
	send_msg(f, msg, len);
	f->in_sync = false;
	f->since_sync = 0;
	f->res->syncs++;
	if (!ep_receive_until(ep, f->mix ? 300 : 5000, echo_answered, &want))
		f->res->sync_timeouts++;
}

/* Several datagrams in one UDP_SEGMENT send of @seg-byte segments. */
static void send_gso(struct fz *f, const uint8_t *buf, size_t len, size_t seg,
		     const struct expect *e, unsigned int n)
{
	char control[CMSG_SPACE(sizeof(uint16_t))] = { 0 };
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = {
		.msg_name = &f->ep->endpoint,
		.msg_namelen = f->ep->endpoint_len,
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control,
		.msg_controllen = sizeof(control),
	};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	unsigned int i;

	cm->cmsg_level = SOL_UDP;
	cm->cmsg_type = UDP_SEGMENT;
	cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
	*(uint16_t *)(void *)CMSG_DATA(cm) = (uint16_t)seg;
	f->ep->st.tx_sends++;
	if (sendmsg(f->ep->fd, &mh, 0) != (ssize_t)len) {
		f->ep->st.tx_errors++;
		f->res->errors += n;
		return;
	}
	for (i = 0; i < n; i++) {
		tally(f, &e[i]);
		sent_one(f);
	}
	count_data(f, n);
}

/* --- inner packets -------------------------------------------------------- */

enum inner_variant {
	V_GOOD4,	/* IPv4 UDP to port 9 of the device, all fields right */
	V_GOOD6,	/* IPv6 likewise */
	V_LONG4,	/* IPv4, total length past the packet */
	V_SHORT4,	/* IPv4, header length under 20 or total under it */
	V_LONG6,	/* IPv6, payload length past the packet */
	V_VERSION,	/* neither 4 nor 6 */
	V_SRC4,		/* IPv4 from an address not ours */
	V_SRC6,		/* IPv6 likewise */
	V_RANDOM,	/* random bytes */
	V__COUNT
};

/*
 * Inner packet @v of @size bytes into @out. A header does not fit in
 * fewer bytes than its own: then the first @size bytes of a longer packet.
 */
static void make_inner(struct fz *f, enum inner_variant v, size_t size,
		       uint8_t *out)
{
	static uint8_t payload[MAX_INNER_LEN], pkt[MAX_INNER_LEN + 128];
	struct ep *ep = f->ep;
	struct ep_flowaddr addr;
	int version = (v == V_GOOD6 || v == V_LONG6 || v == V_SRC6) ? 6 : 4;
	size_t hlen = version == 4 ? IPV4_HEADER_LEN + UDP_HEADER_LEN :
				     IPV6_HEADER_LEN + UDP_HEADER_LEN;
	size_t full = size > hlen ? size : hlen;

	if (v == V_RANDOM || !ep_inner_default_addr(ep, version, &addr)) {
		fill(f, out, size);
		return;
	}
	if (v == V_SRC4 || v == V_SRC6)
		addr.src[version == 4 ? 3 : 15] ^= (uint8_t)(1 + below(f, 255));
	fill(f, payload, full - hlen);
	ep_inner_udp(ep, &addr, pkt, (uint16_t)(1024 + below(f, 60000)), 9,
		     payload, full - hlen);
	switch (v) {
	case V_LONG4:
		put_be16(pkt + 2, (uint16_t)(size + 1 + below(f, 64)));
		break;
	case V_SHORT4:
		if (below(f, 2))
			pkt[0] = (uint8_t)(0x40 | below(f, 5));
		else
			put_be16(pkt + 2, (uint16_t)below(f, 20));
		break;
	case V_LONG6:
		put_be16(pkt + 4, (uint16_t)(size - (size > 40 ? 40 : size) +
					     1 + below(f, 64)));
		break;
	case V_VERSION: {
		static const uint8_t others[] = { 0, 1, 2, 3, 5, 7, 8, 9, 10,
						  11, 12, 13, 14, 15 };

		pkt[0] = (uint8_t)(others[below(f, sizeof(others))] << 4 |
				   (pkt[0] & 15));
		break;
	}
	default:
		break;
	}
	memcpy(out, pkt, size);
}

/* A small valid inner packet (or none: a keepalive) of about @size bytes. */
static size_t make_good_inner(struct fz *f, size_t size, uint8_t *out)
{
	uint64_t k = below(f, 8);

	if (!size || k == 0)
		return 0;
	make_inner(f, k < 5 ? V_GOOD4 : V_GOOD6, size, out);
	return size;
}

/* --- the classes ---------------------------------------------------------- */

/*
 * A bit flipped anywhere (macs left as they are) or in the MAC'd part
 * (mac1 made again), cut, extended, the same again, a junk header, random
 * with a good header and mac1 (half the time).
 */
static const struct mutations init_mutations = {
	.len = INIT_LEN, .macd = 112, .refill_from = 4,
	.how = { MUT_FLIP, MUT_FLIP, MUT_FLIP_REMAC, MUT_CUT, MUT_EXTEND,
		 MUT_SAME, MUT_JUNK_HEADER, MUT_REFILL },
};

static void run_init(struct fz *f, uint64_t count)
{
	static uint8_t m[EXTEND_MAX + 16];
	struct message_initiation base;
	uint8_t last_mac1[MAC_LEN];
	uint64_t i;

	/* Our handshake's cookie AD stays that of its own initiation. */
	memcpy(last_mac1, f->ep->id.last_mac1, MAC_LEN);
	if (!ep_noise_create_initiation(&f->ep->id, NULL, &base, ep_now_ms(),
					NULL))
		return;
	memcpy(f->ep->id.last_mac1, last_mac1, MAC_LEN);
	memcpy(f->init_base, &base, INIT_LEN);
	f->have_init = true;
	f->init_accepted = false;
	/* The device refuses a peer's initiations closer than 20 ms apart. */
	{
		struct timespec ts = { 0, 50 * 1000 * 1000 };

		nanosleep(&ts, NULL);
	}
	send_msg(f, f->init_base, INIT_LEN);
	for (i = 1; i < count; i++) {
		memcpy(m, f->init_base, INIT_LEN);
		send_msg(f, m, mutate(f, m, &init_mutations,
				      init_mutations.how[below(f, 8)]));
	}
}

static bool initiation_came(struct ep *ep, const void *arg)
{
	return ep->dev_init_ms > *(const uint64_t *)arg;
}

/*
 * As it is (garbage the device must refuse), a bit flipped anywhere or in
 * the MAC'd part (mac1 made again), another receiver index, cut,
 * extended, a junk header, random behind the indices.
 */
static const struct mutations response_mutations = {
	.len = RESP_LEN, .macd = 56, .refill_from = 12,
	.how = { MUT_SAME, MUT_FLIP, MUT_FLIP_REMAC, MUT_OWN, MUT_CUT,
		 MUT_EXTEND, MUT_JUNK_HEADER, MUT_REFILL },
};

static bool run_response(struct fz *f, uint64_t count, const char **why)
{
	static uint8_t m[EXTEND_MAX + 16];
	struct message_response base;
	uint8_t eph[KEY_LEN];
	enum mutation how;
	uint64_t i, since;
	size_t len;

	/*
	 * The device's initiation to us, pending for at most REKEY_TIMEOUT.
	 * One that waited in our socket since the command before is as old
	 * as that wait, not as its reading (the device may replace it
	 * during the burst, and the messages meant for its index would meet
	 * another): outside mix, always the next one, read as it comes.
	 */
	ep_receive(f->ep, 0);
	if (!f->mix || !f->ep->dev_init_ms ||
	    ep_now_ms() - f->ep->dev_init_ms > 2000) {
		since = f->ep->dev_init_ms;
		if (f->mix || !ep_receive_until(f->ep, REKEY_TIMEOUT_MS + 2000,
						initiation_came, &since)) {
			*why = "no initiation from the device";
			return false;
		}
	}
	memset(&base, 0, sizeof(base));
	base.header.type = MESSAGE_RESPONSE;
	base.sender_index = htole32((uint32_t)rnd(f));
	base.receiver_index = htole32(f->ep->dev_init_index);
	ep_dh_generate(eph, base.unencrypted_ephemeral);
	ep_wipe(eph, sizeof(eph));
	fill(f, base.encrypted_nothing, sizeof(base.encrypted_nothing));
	set_mac1(f, (uint8_t *)&base, RESP_LEN);
	for (i = 0; i < count; i++) {
		memcpy(m, &base, RESP_LEN);
		how = response_mutations.how[below(f, 8)];
		len = mutate(f, m, &response_mutations, how);
		if (how == MUT_OWN) {
			/* another receiver index */
			put_le32(m + 8, (uint32_t)rnd(f));
			set_mac1(f, m, RESP_LEN);
		}
		send_msg(f, m, len);
	}
	return true;
}

/*
 * The same again, a bit flipped, another valid one (draw 3), another
 * receiver index (draw 4), cut, extended, a junk header. No mac1 here.
 */
static const struct mutations cookie_mutations = {
	.len = COOKIE_LEN_MSG,
	.how = { MUT_SAME, MUT_FLIP, MUT_FLIP, MUT_OWN, MUT_OWN, MUT_CUT,
		 MUT_EXTEND, MUT_JUNK_HEADER },
};

static bool run_cookie(struct fz *f, uint64_t count, const char **why)
{
	static uint8_t m[EXTEND_MAX + 16];
	struct message_cookie_reply base;
	uint8_t cookie[COOKIE_LEN];
	uint64_t i, k;
	size_t len;

	/* The device's answer to our last handshake message, if on its way. */
	ep_receive(f->ep, f->mix ? 0 : 100);
	if (!f->ep->cur.valid || !f->ep->has_dev_mac1) {
		*why = "no session, or no handshake message from the device";
		return false;
	}
	f->cookie_taken = false;
	memset(&base, 0, sizeof(base));
	base.header.type = MESSAGE_COOKIE_REPLY;
	base.receiver_index = htole32(f->ep->cur.remote_index);
	fill(f, base.nonce, sizeof(base.nonce));
	fill(f, cookie, sizeof(cookie));
	ep_xaead_seal(base.encrypted_cookie, cookie, COOKIE_LEN, f->ep->dev_mac1,
		      MAC_LEN, base.nonce, f->cookie_key);
	send_msg(f, (const uint8_t *)&base, COOKIE_LEN_MSG);
	for (i = 1; i < count; i++) {
		memcpy(m, &base, COOKIE_LEN_MSG);
		k = below(f, 8);
		len = mutate(f, m, &cookie_mutations, cookie_mutations.how[k]);
		if (k == 3) {
			/* another valid one, a new nonce */
			fill(f, m + 8, COOKIE_NONCE_LEN);
			fill(f, cookie, sizeof(cookie));
			ep_xaead_seal(m + 32, cookie, COOKIE_LEN,
				      f->ep->dev_mac1, MAC_LEN, m + 8,
				      f->cookie_key);
		} else if (k == 4) {
			/* another receiver index */
			put_le32(m + 4, (uint32_t)rnd(f));
		}
		send_msg(f, m, len);
	}
	return true;
}

static void ring_add(struct fz *f, const uint8_t *m, size_t len)
{
	struct sent_msg *s = &f->ring[f->ring_next];

	if (len > sizeof(s->buf))
		return;
	memcpy(s->buf, m, len);
	s->len = len;
	f->ring_next = (f->ring_next + 1) % RING;
	if (f->ring_len < RING)
		f->ring_len++;
}

/* An index that is neither of our sessions' on the device. */
static uint32_t other_index(struct fz *f)
{
	uint32_t i;

	do {
		i = (uint32_t)rnd(f);
	} while (i == f->ep->cur.remote_index ||
		 (f->ep->prev.valid && i == f->ep->prev.remote_index));
	return i;
}

static void run_data(struct fz *f, uint64_t count)
{
	static uint8_t inner[MAX_INNER_LEN], m[MAX_UDP_PAYLOAD];
	uint64_t i, k, jump;
	size_t len, in;

	for (i = 0; i < count && f->ep->cur.valid; i++) {
		in = make_good_inner(f, (size_t)below(f, 200), inner);
		k = below(f, 100);
		if (k < 10 && f->ring_len) {
			/* one sent before: a replay, or bit flipped */
			struct sent_msg *s = &f->ring[below(f, f->ring_len)];

			memcpy(m, s->buf, s->len);
			len = s->len;
			if (k >= 6)
				flip_bit(f, m, len);
			send_msg(f, m, len);
			continue;
		}
		len = seal_fresh(f, m, inner, in);
		if (k < 35) {
			/* valid, kept for replays */
			ring_add(f, m, len);
		} else if (k < 55) {
			flip_bit(f, m, len);
		} else if (k < 62) {
			len = below(f, len);
		} else if (k < 68) {
			size_t more = 1 + below(f, 256);

			fill(f, m + len, more);
			len += more;
		} else if (k < 74) {
			junk_header(f, m);
		} else if (k < 80) {
			put_le32(m + 4, other_index(f));
		} else if (k < 84) {
			/* sealed right, but past the keypair's message limit */
			len = seal(f, m, inner, in, REJECT_AFTER_MESSAGES +
				   below(f, UINT64_MAX - REJECT_AFTER_MESSAGES));
		} else if (k < 88) {
			/*
			 * The window: a jump ahead, then one too old for it,
			 * and one behind it but inside (accepted once).
			 */
			jump = f->ep->cur.send_counter + WINDOW_SIZE + 64 + below(f, 800);
			f->ep->cur.send_counter = jump + 1;
			len = seal(f, m, inner, in, jump);
			send_msg(f, m, len);
			len = seal(f, m, inner, in, jump - WINDOW_SIZE - 1 - below(f, 100));
			send_msg(f, m, len);
			/* (sent below, and now and then kept for a replay) */
			len = seal(f, m, inner, in, jump - 1 - below(f, WINDOW_SIZE));
			if (below(f, 2))
				ring_add(f, m, len);
		} else if (k < 92) {
			/* random bytes behind a data header */
			len = MESSAGE_DATA_LEN(0) + below(f, 300);
			fill(f, m + 4, len - 4);
		}
		/* else: valid, not kept */
		send_msg(f, m, len);
	}
}

/*
 * The inner size after @size: from + @step (1 within @dense of @from or of
 * @to; the first step past the low dense sizes starts at a random phase).
 */
static uint64_t next_inner_size(struct fz *f, uint64_t size, uint64_t from,
				uint64_t to, uint64_t step, uint64_t dense)
{
	uint64_t next;

	if (step <= 1 || size < from + dense || size + dense >= to)
		return size + 1;
	if (size == from + dense)
		next = size + 1 + below(f, step);
	else
		next = size + step;
	/* Into the high dense sizes at their first. */
	if (to >= dense && next > to - dense && size < to - dense)
		next = to - dense;
	return next;
}

static void run_inner(struct fz *f, uint64_t from, uint64_t to, uint64_t step,
		      uint64_t dense, uint64_t random_count)
{
	static uint8_t inner[MAX_INNER_LEN], m[MAX_UDP_PAYLOAD];
	uint64_t size, i;
	int v;

	if (to > MAX_INNER_LEN)
		to = MAX_INNER_LEN;
	if (random_count && to >= from) {
		for (i = 0; i < random_count && f->ep->cur.valid; i++) {
			size = from + below(f, to - from + 1);
			make_inner(f, (enum inner_variant)below(f, V__COUNT),
				   (size_t)size, inner);
			send_msg(f, m, seal_fresh(f, m, inner, (size_t)size));
		}
		return;
	}
	for (size = from; size <= to && f->ep->cur.valid;
	     size = next_inner_size(f, size, from, to, step, dense)) {
		for (v = 0; v < V__COUNT; v++) {
			make_inner(f, (enum inner_variant)v, (size_t)size, inner);
			send_msg(f, m, seal_fresh(f, m, inner, (size_t)size));
		}
	}
}

/*
 * One message of exactly @len bytes for a batch: valid mostly, else a
 * same-size mutation or an earlier one of the batch again.
 */
static void batch_message(struct fz *f, uint8_t *out, size_t in_len,
			  uint8_t (*earlier)[BATCH_INNER_MAX + 64],
			  unsigned int n_earlier)
{
	static uint8_t inner[MAX_INNER_LEN];
	uint64_t k = below(f, 100);
	size_t len;

	if (k < 8 && n_earlier) {
		len = ep_data_message_len(f->ep, in_len);
		memcpy(out, earlier[below(f, n_earlier)], len);
		return;
	}
	if (in_len)
		make_inner(f, k & 1 ? V_GOOD4 : V_GOOD6, in_len, inner);
	len = seal_fresh(f, out, inner, in_len);
	if (k >= 70 && k < 85)
		flip_bit(f, out, len);
	else if (k >= 85 && k < 92)
		put_le32(out + 4, other_index(f));
	else if (k >= 92 && k < 95)
		junk_header(f, out);
}

static void run_gso(struct fz *f, uint64_t count)
{
	static uint8_t bufs[MAX_GSO_SEGMENTS][BATCH_INNER_MAX + 64];
	static uint8_t batch[BATCH_BYTES + BATCH_INNER_MAX + 64];
	struct expect e[MAX_GSO_SEGMENTS];
	size_t lens[MAX_GSO_SEGMENTS];
	size_t in_len, msg_len, last_len, total;
	unsigned int n, i;
	uint64_t b;

	for (b = 0; b < count && f->ep->cur.valid; b++) {
		in_len = below(f, 4) ? below(f, BATCH_INNER_MAX) : 0;
		msg_len = ep_data_message_len(f->ep, in_len);
		n = 2 + (unsigned int)below(f, MAX_GSO_SEGMENTS - 1);
		if (n * msg_len > BATCH_BYTES)
			n = (unsigned int)(BATCH_BYTES / msg_len);
		total = 0;
		for (i = 0; i < n; i++) {
			bool last = i == n - 1;

			batch_message(f, bufs[i], in_len, bufs, i);
			lens[i] = msg_len;
			/* The last one may be shorter: a smaller message, or cut. */
			if (last && below(f, 3) == 0 && in_len >= 16) {
				if (below(f, 2)) {
					last_len = below(f, in_len - 15);
					batch_message(f, bufs[i], last_len, NULL, 0);
					lens[i] = ep_data_message_len(f->ep, last_len);
				} else {
					/* (never 0: an empty tail is no segment) */
					lens[i] = 1 + below(f, msg_len - 1);
				}
			}
			predict(f, bufs[i], lens[i], &e[i]);
			memcpy(batch + total, bufs[i], lens[i]);
			total += lens[i];
		}
		send_gso(f, batch, total, msg_len, e, n);
	}
}

/* --- outer fragments -------------------------------------------------- */

static bool frag_open(struct fz *f, const char **why)
{
	socklen_t len = sizeof(f->local);

	if (f->raw >= 0)
		return true;
	if (getsockname(f->ep->fd, (struct sockaddr *)&f->local, &len)) {
		*why = "getsockname failed";
		return false;
	}
	if ((f->local.ss_family == AF_INET &&
	     ((struct sockaddr_in *)&f->local)->sin_addr.s_addr == INADDR_ANY) ||
	    (f->local.ss_family == AF_INET6 &&
	     IN6_IS_ADDR_UNSPECIFIED(&((struct sockaddr_in6 *)&f->local)->sin6_addr))) {
		*why = "frag needs --bind with an address";
		return false;
	}
	f->raw = socket(f->local.ss_family, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (f->raw < 0) {
		*why = "no raw socket (CAP_NET_RAW?)";
		return false;
	}
	return true;
}

/* The UDP datagram (header and @len bytes of @payload) into @out. */
static size_t udp_datagram(struct fz *f, uint8_t *out, const uint8_t *payload,
			   size_t len)
{
	const struct sockaddr_storage *dst = &f->ep->endpoint;
	size_t ulen = UDP_HEADER_LEN + len, alen;
	const uint8_t *sa, *da;
	uint16_t sport, dport, csum;
	uint32_t sum;

	if (f->local.ss_family == AF_INET) {
		sa = (const uint8_t *)&((const struct sockaddr_in *)&f->local)->sin_addr;
		da = (const uint8_t *)&((const struct sockaddr_in *)dst)->sin_addr;
		sport = ((const struct sockaddr_in *)&f->local)->sin_port;
		dport = ((const struct sockaddr_in *)dst)->sin_port;
		alen = 4;
	} else {
		sa = (const uint8_t *)&((const struct sockaddr_in6 *)&f->local)->sin6_addr;
		da = (const uint8_t *)&((const struct sockaddr_in6 *)dst)->sin6_addr;
		sport = ((const struct sockaddr_in6 *)&f->local)->sin6_port;
		dport = ((const struct sockaddr_in6 *)dst)->sin6_port;
		alen = 16;
	}
	memcpy(out, &sport, 2);
	memcpy(out + 2, &dport, 2);
	put_be16(out + 4, (uint16_t)ulen);
	put_be16(out + 6, 0);
	memcpy(out + UDP_HEADER_LEN, payload, len);
	sum = ep_csum_add(ep_csum_add(0, sa, alen), da, alen);
	sum += 17 + (uint32_t)ulen;
	csum = ep_csum_fold(ep_csum_add(sum, out, ulen));
	put_be16(out + 6, csum ? csum : 0xffff);
	return ulen;
}

/* One fragment: @len bytes of @dgram at @off, more to come or not. */
static void send_fragment(struct fz *f, const uint8_t *dgram, size_t off,
			  size_t len, bool more)
{
	static uint8_t pkt[2048];
	const struct sockaddr_storage *dst = &f->ep->endpoint;
	struct sockaddr_storage to = *dst;
	size_t hlen;

	if (f->local.ss_family == AF_INET) {
		hlen = IPV4_HEADER_LEN;
		memset(pkt, 0, hlen);
		pkt[0] = 0x45;
		put_be16(pkt + 2, (uint16_t)(hlen + len));
		put_be16(pkt + 4, (uint16_t)f->frag_id);
		put_be16(pkt + 6, (uint16_t)((more ? 0x2000 : 0) | off / 8));
		pkt[8] = 64;
		pkt[9] = 17;
		memcpy(pkt + 12, &((const struct sockaddr_in *)&f->local)->sin_addr, 4);
		memcpy(pkt + 16, &((const struct sockaddr_in *)dst)->sin_addr, 4);
	} else {
		hlen = IPV6_HEADER_LEN + 8;
		memset(pkt, 0, hlen);
		pkt[0] = 0x60;
		put_be16(pkt + 4, (uint16_t)(8 + len));
		pkt[6] = 44;	/* a fragment header follows */
		pkt[7] = 64;
		memcpy(pkt + 8, &((const struct sockaddr_in6 *)&f->local)->sin6_addr, 16);
		memcpy(pkt + 24, &((const struct sockaddr_in6 *)dst)->sin6_addr, 16);
		pkt[40] = 17;
		put_be16(pkt + 42, (uint16_t)(off | (more ? 1 : 0)));
		pkt[44] = (uint8_t)(f->frag_id >> 24);
		pkt[45] = (uint8_t)(f->frag_id >> 16);
		pkt[46] = (uint8_t)(f->frag_id >> 8);
		pkt[47] = (uint8_t)f->frag_id;
	}
	memcpy(pkt + hlen, dgram + off, len);
	/* A raw IPv6 socket refuses a port other than 0 (or its protocol). */
	if (to.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&to)->sin6_port = 0;
	else
		((struct sockaddr_in *)&to)->sin_port = 0;
	f->ep->st.tx_sends++;
	if (sendto(f->raw, pkt, hlen + len, 0, (const struct sockaddr *)&to,
		   f->ep->endpoint_len) != (ssize_t)(hlen + len)) {
		f->ep->st.tx_errors++;
		f->res->errors++;
	}
}

enum frag_mode { F_INORDER, F_REVERSE, F_SHUFFLE, F_DUPLICATE, F_OVERLAP,
		 F_MISSING, F__COUNT };

static void run_frag(struct fz *f, uint64_t count)
{
	static uint8_t inner[MAX_INNER_LEN], m[2048], dgram[2048], over[2048];
	size_t off[MAX_FRAGS + 1], len, ulen, in;
	unsigned int order[MAX_FRAGS + 2], n, k, i, j, t, missing;
	enum frag_mode mode;
	struct expect e;
	uint64_t c;

	for (c = 0; c < count && f->ep->cur.valid; c++) {
		/* A data message: valid, or mutated as run_data() does. */
		in = make_good_inner(f, 16 + (size_t)below(f, 1200), inner);
		len = seal_fresh(f, m, inner, in);
		switch (below(f, 6)) {
		case 0:
			flip_bit(f, m, len);
			break;
		case 1:
			put_le32(m + 4, other_index(f));
			break;
		default:
			break;
		}
		ulen = udp_datagram(f, dgram, m, len);
		/* k pieces, cut at multiples of 8, each at least 16 bytes. */
		k = 2 + (unsigned int)below(f, MAX_FRAGS - 1);
		if (k > ulen / 16)
			k = (unsigned int)(ulen / 16);
		if (k < 2)
			k = 2;
		off[0] = 0;
		for (i = 1; i < k; i++) {
			size_t lo = off[i - 1] + 16, hi = ulen - 16 * (k - i);

			lo = (lo + 7) & ~(size_t)7;
			hi &= ~(size_t)7;
			off[i] = hi > lo ? lo + 8 * below(f, (hi - lo) / 8 + 1) : lo;
			if (off[i] >= ulen) {
				k = i;
				break;
			}
		}
		off[k] = ulen;
		mode = (enum frag_mode)below(f, F__COUNT);
		n = 0;
		for (i = 0; i < k; i++)
			order[n++] = i;
		if (mode == F_REVERSE) {
			for (i = 0; i < k; i++)
				order[i] = k - 1 - i;
		} else if (mode != F_INORDER && mode != F_OVERLAP) {
			for (i = k - 1; i > 0; i--) {
				j = (unsigned int)below(f, i + 1);
				t = order[i];
				order[i] = order[j];
				order[j] = t;
			}
		}
		missing = k;
		if (mode == F_MISSING) {
			missing = (unsigned int)below(f, k);
		} else if (mode == F_DUPLICATE) {
			/* A piece again, somewhere after itself. */
			j = (unsigned int)below(f, n);
			t = j + 1 + (unsigned int)below(f, n - j);
			memmove(order + t + 1, order + t, (n - t) * sizeof(order[0]));
			order[t] = order[j];
			n++;
		}
		/*
		 * Complete sets reach the socket: predict them (only them:
		 * the model takes what it predicts as received).
		 */
		if (mode == F_MISSING || mode == F_OVERLAP) {
			memset(&e, 0, sizeof(e));
			e.drop = -1;
		} else {
			predict(f, m, len, &e);
		}
		/* (an IPv4 id of 0 would be replaced, fragment by fragment) */
		if (!(uint16_t)++f->frag_id)
			f->frag_id++;
		for (i = 0; i < n; i++) {
			if (order[i] == missing)
				continue;
			send_fragment(f, dgram, off[order[i]],
				      off[order[i] + 1] - off[order[i]],
				      order[i] != k - 1);
			f->res->sent++;
			if (mode == F_OVERLAP && i == 0) {
				/*
				 * 16 bytes from 8 before the first piece's end:
				 * they overlap it, and the IP layer drops the
				 * whole datagram (the other pieces then wait in
				 * a new queue that never completes).
				 */
				memcpy(over, dgram, ulen);
				fill(f, over + off[1] - 8, 16);
				send_fragment(f, over, off[1] - 8, 16, true);
				f->res->sent++;
			}
		}
		tally(f, &e);
		count_data(f, 1);
		if ((c & 7) == 7)
			ep_receive(f->ep, 0);
	}
}

/* --- mix ------------------------------------------------------------------ */

static bool handshake_done(struct ep *ep, const void *arg)
{
	(void)arg;
	return !ep->hs.pending;
}

/* One try at a new session, briefly: the device may be down or rekeyed. */
static void quick_handshake(struct fz *f)
{
	struct message_initiation msg;
	int try;

	for (try = 0; try < 2; try++) {
		if (!ep_noise_create_initiation(&f->ep->id, &f->ep->hs, &msg,
						ep_now_ms(), NULL))
			return;
		if (ep_send_message(f->ep, &msg, sizeof(msg)))
			f->ep->st.tx_initiation++;
		f->res->sent++;
		if (ep_receive_until(f->ep, 300, handshake_done, NULL))
			break;
		/* A cookie reply (retry with mac2) or nothing. */
	}
	if (f->ep->hs.pending) {
		f->ep->hs.pending = false;
		return;
	}
	f->res->handshakes++;
	ep_send_inner(f->ep, NULL, 0);
}

static void run_mix(struct fz *f)
{
	uint64_t start = ep_now_ms(), next_hs = 0, sent, now;
	enum ep_fuzz_class cls;
	const char *why;

	while ((now = ep_now_ms()) - start < f->o->ms) {
		if (now >= next_hs) {
			quick_handshake(f);
			next_hs = ep_now_ms() + 200 + below(f, 800);
		}
		window_sync(f->ep);
		cls = (enum ep_fuzz_class)below(f, FZ_MIX);
		sent = f->res->sent;
		switch (cls) {
		case FZ_INIT:
			run_init(f, 1 + below(f, 16));
			break;
		case FZ_RESPONSE:
			run_response(f, 1 + below(f, 16), &why);
			break;
		case FZ_COOKIE:
			run_cookie(f, 1 + below(f, 16), &why);
			break;
		case FZ_DATA:
			run_data(f, 1 + below(f, 64));
			break;
		case FZ_INNER:
			run_inner(f, 0, f->ep->mtu + 64, 1, 0, 1 + below(f, 64));
			break;
		case FZ_GSO:
			run_gso(f, 1);
			break;
		case FZ_FRAG:
			if (frag_open(f, &why))
				run_frag(f, 1 + below(f, 16));
			break;
		default:
			break;
		}
		f->res->per_class[cls] += f->res->sent - sent;
		ep_receive(f->ep, 0);
	}
}

/* --- the command ---------------------------------------------------------- */

static uint64_t default_count(enum ep_fuzz_class cls)
{
	switch (cls) {
	case FZ_INIT: return 400;
	case FZ_RESPONSE: return 300;
	case FZ_COOKIE: return 300;
	case FZ_DATA: return 3000;
	case FZ_GSO: return 60;
	case FZ_FRAG: return 400;
	default: return 0;
	}
}

bool ep_fuzz(struct ep *ep, const struct ep_fuzz_opts *o,
	     struct ep_fuzz_result *res, const char **why)
{
	static struct fz f;
	uint64_t count = o->count ? o->count : default_count(o->cls);
	bool ok = true;

	memset(&f, 0, sizeof(f));
	memset(res, 0, sizeof(*res));
	f.ep = ep;
	f.o = o;
	f.res = res;
	f.rng = o->seed;
	f.raw = -1;
	/* Fragment ids never repeat in one run: no stale queue takes a set. */
	if (!frag_id_next)
		ep_random(&frag_id_next, sizeof(frag_id_next));
	f.frag_id = frag_id_next;
	f.mix = o->cls == FZ_MIX;
	ep_hash(f.cookie_key, LABEL_COOKIE, strlen(LABEL_COOKIE),
		ep->id.public_key, KEY_LEN);
	ep_receive(ep, 0);
	window_sync(ep);
	if (!ep->cur.valid && o->cls != FZ_INIT && o->cls != FZ_RESPONSE &&
	    o->cls != FZ_MIX) {
		*why = "no session (handshake first)";
		return false;
	}
	switch (o->cls) {
	case FZ_INIT:
		run_init(&f, count);
		break;
	case FZ_RESPONSE:
		ok = run_response(&f, count, why);
		break;
	case FZ_COOKIE:
		ok = run_cookie(&f, count, why);
		break;
	case FZ_DATA:
		run_data(&f, count);
		break;
	case FZ_INNER:
		run_inner(&f, o->from, o->to, o->step, o->dense, 0);
		break;
	case FZ_GSO:
		run_gso(&f, count);
		break;
	case FZ_FRAG:
		ok = frag_open(&f, why);
		if (ok)
			run_frag(&f, count);
		break;
	case FZ_MIX:
		run_mix(&f);
		break;
	default:
		break;
	}
	/* The last round trip: the device has taken all that came before. */
	if (ok && o->cls != FZ_MIX && o->cls != FZ_RESPONSE && ep->cur.valid &&
	    o->sync)
		sync_now(&f);
	frag_id_next = f.frag_id;
	if (f.raw >= 0)
		close(f.raw);
	ep_receive(ep, 0);
	return ok;
}
