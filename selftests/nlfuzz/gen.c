// SPDX-License-Identifier: GPL-2.0
/*
 * Making requests: from scratch, shaped like the uAPI with a dose of damage
 * (wrong lengths and types, missing or extra NLA_F_NESTED, duplicates,
 * truncation, garbage), and by mutating earlier requests and the seeds
 * (tunctl's own requests when they were captured): bit flips, length
 * fields, insertions, deletions and splices of another request's bytes.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/genetlink.h>

#include "nlfuzz.h"

/* ---- the buffer ------------------------------------------------------------ */

static void mb_put(struct mbuf *m, const void *p, size_t n)
{
	if (n > sizeof(m->d) - m->len)
		n = sizeof(m->d) - m->len;
	memcpy(m->d + m->len, p, n);
	m->len += n;
}

static void mb_pad(struct mbuf *m, struct rng *r, bool garbage)
{
	while (m->len % 4 && m->len < sizeof(m->d)) {
		m->d[m->len++] = garbage ? (uint8_t)rng_next(r) : 0;
	}
}

static void mb_header(struct gen *g, struct mbuf *m, uint16_t flags, uint8_t cmd)
{
	m->len = 0;
	m->depth = 0;
	memset(m->d, 0, MSG_HDR);
	put16(m->d + 4, g->env->family);
	put16(m->d + 6, flags);
	put32(m->d + 8, g->seq);
	m->d[NLMSG_HDRLEN] = cmd;
	m->d[NLMSG_HDRLEN + 1] = NOISETUN_GENL_VERSION;
	m->len = MSG_HDR;
}

static void mb_finish(struct mbuf *m)
{
	put32(m->d, (uint32_t)m->len);
}

/* ---- attributes, with damage ------------------------------------------------ */

static bool damage(struct gen *g)
{
	return g->chaos && rng_chance(g->rng, g->chaos, 1000);
}

static void g_attr(struct gen *g, struct mbuf *m, uint16_t type,
		   const void *data, size_t len)
{
	uint8_t buf[96];
	uint16_t nla_len;
	int copies = 1;

	if (len > sizeof(buf) - 16)
		len = sizeof(buf) - 16;
	memcpy(buf, data, len);
	nla_len = (uint16_t)(4 + len);
	if (damage(g)) {
		switch (rng_below(g->rng, 9)) {
		case 0:		/* left out */
			return;
		case 1:		/* truncated */
			len = rng_below(g->rng, (uint32_t)len + 1);
			nla_len = (uint16_t)(4 + len);
			break;
		case 2:		/* longer, with garbage */
			rng_bytes(g->rng, buf + len, 16);
			len += 1 + rng_below(g->rng, 12);
			nla_len = (uint16_t)(4 + len);
			break;
		case 3:		/* another type */
			type = (uint16_t)rng_below(g->rng, 24);
			break;
		case 4:		/* stray flag bits */
			type |= rng_chance(g->rng, 1, 2) ? NLA_F_NESTED :
							  NLA_F_NET_BYTEORDER;
			break;
		case 5:		/* twice */
			copies = 2;
			break;
		case 6:		/* a length field that lies */
			nla_len = (uint16_t)(nla_len + (int)rng_below(g->rng, 17) - 8);
			break;
		case 7:		/* payload flipped */
			if (len)
				buf[rng_below(g->rng, (uint32_t)len)] ^=
					(uint8_t)(1 << rng_below(g->rng, 8));
			break;
		default:	/* garbage before it */
			rng_bytes(g->rng, buf + 80, 8);
			mb_put(m, buf + 80, 1 + rng_below(g->rng, 8));
			break;
		}
	}
	while (copies--) {
		uint8_t hdr[4];

		put16(hdr, nla_len);
		put16(hdr + 2, type);
		mb_put(m, hdr, 4);
		mb_put(m, buf, len);
		mb_pad(m, g->rng, damage(g));
	}
}

static void g_u8(struct gen *g, struct mbuf *m, uint16_t t, uint8_t v)
{
	g_attr(g, m, t, &v, 1);
}

static void g_u16(struct gen *g, struct mbuf *m, uint16_t t, uint16_t v)
{
	g_attr(g, m, t, &v, 2);
}

static void g_u32(struct gen *g, struct mbuf *m, uint16_t t, uint32_t v)
{
	g_attr(g, m, t, &v, 4);
}

static void g_nest(struct gen *g, struct mbuf *m, uint16_t type)
{
	uint8_t hdr[4] = { 0 };

	if (!damage(g))
		type |= NLA_F_NESTED;
	else if (rng_chance(g->rng, 1, 2))
		type = (uint16_t)rng_below(g->rng, 24) | NLA_F_NESTED;
	if (m->depth < 16)
		m->nest[m->depth++] = m->len;
	put16(hdr + 2, type);
	mb_put(m, hdr, 4);
}

static void g_end(struct gen *g, struct mbuf *m)
{
	size_t off;
	uint16_t len;

	if (!m->depth)
		return;
	off = m->nest[--m->depth];
	len = (uint16_t)(m->len - off);
	if (damage(g) && rng_chance(g->rng, 1, 3))
		len = (uint16_t)(len + (int)rng_below(g->rng, 17) - 8);
	if (off + 4 <= sizeof(m->d))
		put16(m->d + off, len);
}

/* ---- choices ---------------------------------------------------------------- */

void keypool_init(struct keypool *k, struct rng *r)
{
	for (int i = 0; i < 8; i++) {
		rng_bytes(r, k->priv[i], KEY_LEN);
		m_clamp(k->priv[i]);
		m_public_key(k->pub[i], k->priv[i]);
	}
}

/* A peer key: often one the device has, or one of the pool (whose
 * private key the device may be given: the peer is then displaced). */
static void pick_peer_key(struct gen *g, uint8_t *key)
{
	const struct m_dev *d = g->model;
	uint32_t c = rng_below(g->rng, 100);

	if (c < 45 && d->n_peers)
		memcpy(key, d->peers[rng_below(g->rng, d->n_peers)].pub, KEY_LEN);
	else if (c < 75)
		memcpy(key, g->keys->pub[rng_below(g->rng, 8)], KEY_LEN);
	else if (c < 80 && d->has_key)
		memcpy(key, d->pub, KEY_LEN);
	else
		rng_bytes(g->rng, key, KEY_LEN);
}

static void pick_private_key(struct gen *g, uint8_t *key)
{
	uint32_t c = rng_below(g->rng, 100);

	if (c < 15)
		memset(key, 0, KEY_LEN);
	else if (c < 55)
		memcpy(key, g->keys->priv[rng_below(g->rng, 8)], KEY_LEN);
	else if (c < 65 && g->model->has_key)
		memcpy(key, g->model->priv, KEY_LEN);
	else
		rng_bytes(g->rng, key, KEY_LEN);
}

/* Addresses from a small universe, so that ranges collide across peers. */
static void pick_range(struct gen *g, int family, uint8_t *addr, int *cidr)
{
	static const int cidr4[] = { 0, 1, 8, 16, 24, 24, 30, 32, 32, 32 };
	static const int cidr6[] = { 0, 1, 48, 64, 64, 112, 127, 128, 128 };

	memset(addr, 0, 16);
	if (family == AF_INET) {
		addr[0] = 10;
		addr[1] = (uint8_t)rng_below(g->rng, 3);
		addr[2] = (uint8_t)rng_below(g->rng, 4);
		addr[3] = (uint8_t)rng_below(g->rng, 4);
		*cidr = cidr4[rng_below(g->rng, 10)];
	} else {
		addr[0] = 0xfd;
		addr[7] = (uint8_t)rng_below(g->rng, 3);
		addr[15] = (uint8_t)rng_below(g->rng, 4);
		*cidr = cidr6[rng_below(g->rng, 9)];
	}
	if (g->clean)
		return;
	if (rng_chance(g->rng, 1, 30))
		*cidr = (int)rng_below(g->rng, 256);
	if (rng_chance(g->rng, 1, 20))
		rng_bytes(g->rng, addr, 16);
}

static void g_allowedip(struct gen *g, struct mbuf *m, int index)
{
	int family = rng_chance(g->rng, 7, 10) ? AF_INET : AF_INET6, cidr;
	uint8_t addr[16];

	pick_range(g, family, addr, &cidr);
	g_nest(g, m, (uint16_t)index);
	g_u16(g, m, NOISETUN_A_ALLOWEDIP_FAMILY,
	      !g->clean && rng_chance(g->rng, 1, 50) ?
	      (uint16_t)rng_below(g->rng, 12) : (uint16_t)family);
	g_attr(g, m, NOISETUN_A_ALLOWEDIP_IPADDR, addr,
	       !g->clean && rng_chance(g->rng, 1, 50) ? rng_below(g->rng, 17) :
	       family == AF_INET ? 4 : 16);
	g_u8(g, m, NOISETUN_A_ALLOWEDIP_CIDR_MASK, (uint8_t)cidr);
	if (rng_chance(g->rng, 1, 6))
		g_u32(g, m, NOISETUN_A_ALLOWEDIP_FLAGS,
		      g->clean || rng_chance(g->rng, 9, 10) ?
		      NOISETUN_ALLOWEDIP_F_REMOVE_ME : (uint32_t)rng_next(g->rng));
	g_end(g, m);
}

static void g_endpoint(struct gen *g, struct mbuf *m)
{
	uint8_t sa[40];
	uint32_t c = rng_below(g->rng, 10);
	size_t len;

	memset(sa, 0, sizeof(sa));
	if (c < 5) {
		struct sockaddr_in sin = { .sin_family = AF_INET };

		sin.sin_port = htons((uint16_t)rng_next(g->rng));
		sin.sin_addr.s_addr = htonl(0xc0000200 | rng_below(g->rng, 8));
		if (rng_chance(g->rng, 1, 4))
			rng_bytes(g->rng, &sin.sin_addr, 4);
		if (rng_chance(g->rng, 1, 8))
			rng_bytes(g->rng, sin.sin_zero, sizeof(sin.sin_zero));
		memcpy(sa, &sin, sizeof(sin));
		len = sizeof(sin);
	} else if (c < 9) {
		struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };

		sin6.sin6_port = htons((uint16_t)rng_next(g->rng));
		sin6.sin6_addr.s6_addr[0] = 0x20;
		sin6.sin6_addr.s6_addr[1] = 0x01;
		sin6.sin6_addr.s6_addr[2] = 0x0d;
		sin6.sin6_addr.s6_addr[3] = 0xb8;
		sin6.sin6_addr.s6_addr[15] = (uint8_t)rng_below(g->rng, 8);
		if (rng_chance(g->rng, 1, 4))
			rng_bytes(g->rng, &sin6.sin6_addr, 16);
		if (rng_chance(g->rng, 1, 4))
			sin6.sin6_flowinfo = (uint32_t)rng_next(g->rng);
		if (rng_chance(g->rng, 1, 6))
			sin6.sin6_scope_id = rng_below(g->rng, 4);
		memcpy(sa, &sin6, sizeof(sin6));
		len = sizeof(sin6);
	} else {	/* wrong length or family */
		rng_bytes(g->rng, sa, sizeof(sa));
		len = rng_below(g->rng, 33);
		if (rng_chance(g->rng, 1, 2)) {
			put16(sa, rng_chance(g->rng, 1, 2) ? AF_INET : AF_INET6);
			len = rng_chance(g->rng, 1, 2) ? 16 : 28;
			if (rng_chance(g->rng, 1, 2))
				put16(sa, (uint16_t)rng_below(g->rng, 40));
		}
	}
	g_attr(g, m, NOISETUN_A_PEER_ENDPOINT, sa, len);
}

static void g_peer(struct gen *g, struct mbuf *m, int index)
{
	static const uint32_t flag_sets[] = {
		NOISETUN_PEER_F_REMOVE_ME, NOISETUN_PEER_F_REPLACE_ALLOWEDIPS,
		NOISETUN_PEER_F_UPDATE_ONLY,
		NOISETUN_PEER_F_UPDATE_ONLY | NOISETUN_PEER_F_REPLACE_ALLOWEDIPS,
		NOISETUN_PEER_F_REMOVE_ME | NOISETUN_PEER_F_UPDATE_ONLY, 0,
	};
	uint8_t key[KEY_LEN];

	g_nest(g, m, (uint16_t)index);
	pick_peer_key(g, key);
	g_attr(g, m, NOISETUN_A_PEER_PUBLIC_KEY, key, KEY_LEN);
	if (rng_chance(g->rng, 3, 10))
		g_u32(g, m, NOISETUN_A_PEER_FLAGS,
		      rng_chance(g->rng, 1, 25) ? 1U << rng_below(g->rng, 32) :
		      flag_sets[rng_below(g->rng, 6)]);
	if (rng_chance(g->rng, 1, 5)) {
		if (rng_chance(g->rng, 1, 3))
			memset(key, 0, KEY_LEN);
		else
			rng_bytes(g->rng, key, KEY_LEN);
		g_attr(g, m, NOISETUN_A_PEER_PRESHARED_KEY, key, KEY_LEN);
	}
	if (rng_chance(g->rng, 1, 4))
		g_endpoint(g, m);
	if (rng_chance(g->rng, 3, 20))
		g_u16(g, m, NOISETUN_A_PEER_PERSISTENT_KEEPALIVE_INTERVAL,
		      rng_chance(g->rng, 1, 4) ? 0 :
		      rng_chance(g->rng, 1, 5) ? (uint16_t)rng_next(g->rng) :
		      (uint16_t)(1 + rng_below(g->rng, 60)));
	if (rng_chance(g->rng, 1, 2)) {
		int n = (int)rng_below(g->rng, 6);

		g_nest(g, m, NOISETUN_A_PEER_ALLOWEDIPS);
		for (int i = 0; i < n; i++)
			g_allowedip(g, m, rng_chance(g->rng, 1, 20) ?
				    (int)rng_below(g->rng, 100) : i);
		g_end(g, m);
	}
	if (rng_chance(g->rng, 1, 10))
		g_u32(g, m, NOISETUN_A_PEER_PROTOCOL_VERSION,
		      rng_chance(g->rng, 4, 5) ? 1 : rng_below(g->rng, 4));
	if (rng_chance(g->rng, 1, 10))
		g_u8(g, m, NOISETUN_A_PEER_DISABLED,
		     rng_chance(g->rng, 9, 10) ? (uint8_t)rng_below(g->rng, 2) :
						 (uint8_t)rng_next(g->rng));
	if (rng_chance(g->rng, 1, 10)) {
		static const char *const texts[] = {
			"", "office router", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91",
			/* 64 bytes, then 65 */
			"0123456789012345678901234567890123456789012345678901234567890123",
			"01234567890123456789012345678901234567890123456789012345678901234",
			"bad \xff byte", "overlong \xc0\xaf", "surrogate \xed\xa0\x80",
			"truncated \xe2\x82", "line\nbreak", "tab\there", "del\x7f",
			"c1 \xc2\x85",
		};
		const char *t = texts[rng_below(g->rng, sizeof(texts) / sizeof(texts[0]))];

		/* With its NUL or without. */
		g_attr(g, m, NOISETUN_A_PEER_DESCRIPTION, t,
		       strlen(t) + rng_below(g->rng, 2));
	}
	if (rng_chance(g->rng, 1, 50)) {	/* read-only, or unknown */
		uint64_t v = rng_next(g->rng);

		g_attr(g, m, (uint16_t)(NOISETUN_A_PEER_LAST_HANDSHAKE_TIME +
					rng_below(g->rng, 12)), &v, 8);
	}
	g_end(g, m);
}

static const uint16_t odd_flags[] = {
	NLM_F_REQUEST, NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO,
	NLM_F_REQUEST | NLM_F_ROOT, NLM_F_REQUEST | NLM_F_MATCH,
	NLM_F_REQUEST | NLM_F_DUMP | NLM_F_ACK, NLM_F_REQUEST | NLM_F_ATOMIC,
	NLM_F_REQUEST | NLM_F_ACK | NLM_F_REPLACE,
	NLM_F_REQUEST | NLM_F_ACK | NLM_F_EXCL,
	NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE,
	NLM_F_REQUEST | NLM_F_ACK | NLM_F_APPEND,
	NLM_F_REQUEST | NLM_F_ACK | NLM_F_MULTI,
	NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP_INTR,
	NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP_FILTERED,
	NLM_F_ACK, 0,
};

/* Which device, and how it is named. */
static void g_target(struct gen *g, struct mbuf *m)
{
	const struct env *env = g->env;
	const struct env_dev *dev = &env->devs[env->own];
	uint32_t c = rng_below(g->rng, 100);
	char name[32];
	uint32_t idx;

	if (c >= 88 && env->n_devs > 1)
		dev = &env->devs[rng_below(g->rng, (uint32_t)env->n_devs)];
	idx = (uint32_t)dev->ifindex;
	snprintf(name, sizeof(name), "%s", dev->name);
	if (c >= 95) {	/* nothing of that name or index */
		snprintf(name, sizeof(name), "nfz%u", rng_below(g->rng, 1000));
		idx = (1U << 20) + rng_below(g->rng, 1U << 20);
	}
	c = rng_below(g->rng, 100);
	if (c < 55) {
		g_attr(g, m, NOISETUN_A_DEVICE_IFNAME, name, strlen(name) + 1);
	} else if (c < 90) {
		g_u32(g, m, NOISETUN_A_DEVICE_IFINDEX, idx);
	} else if (c < 94) {
		g_u32(g, m, NOISETUN_A_DEVICE_IFINDEX, idx);
		g_attr(g, m, NOISETUN_A_DEVICE_IFNAME, name, strlen(name) + 1);
	} else if (c < 97) {
		/* neither */
	} else {	/* without its NUL, or too long */
		char longname[24];

		memset(longname, 'n', sizeof(longname));
		memcpy(longname, name, strlen(name));
		g_attr(g, m, NOISETUN_A_DEVICE_IFNAME, longname,
		       rng_chance(g->rng, 1, 2) ? strlen(name) :
		       16 + rng_below(g->rng, 8));
	}
}

size_t gen_request(struct gen *g, struct mbuf *m)
{
	static const int chaos[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 10, 10, 10,
				     10, 10, 10, 10, 60, 60, 60, 250 };
	uint32_t c = rng_below(g->rng, 100);
	uint16_t flags = NLM_F_REQUEST | NLM_F_ACK;
	uint8_t cmd = NOISETUN_CMD_SET_DEVICE, key[KEY_LEN];

	g->chaos = chaos[rng_below(g->rng, 20)];
	if (c < 12) {
		cmd = NOISETUN_CMD_GET_DEVICE;
		flags = NLM_F_REQUEST | NLM_F_DUMP;
	} else if (c < 16) {
		cmd = (uint8_t)(rng_chance(g->rng, 1, 2) ? rng_below(g->rng, 6) :
							   rng_next(g->rng));
	}
	c = rng_below(g->rng, 100);
	if (c < 12)
		flags = NLM_F_REQUEST;
	else if (c < 20)
		flags = odd_flags[rng_below(g->rng,
					    sizeof(odd_flags) / sizeof(odd_flags[0]))];
	else if (c < 21)
		flags = (uint16_t)rng_next(g->rng);
	mb_header(g, m, flags, cmd);
	if (rng_chance(g->rng, 1, 100))
		put16(m->d + NLMSG_HDRLEN + 2, (uint16_t)rng_next(g->rng));
	if (rng_chance(g->rng, 1, 50))
		m->d[NLMSG_HDRLEN + 1] = (uint8_t)rng_next(g->rng);

	g_target(g, m);
	if (cmd == NOISETUN_CMD_GET_DEVICE) {
		/* Keys in: the dump is then compared with the model. */
		if (rng_chance(g->rng, 9, 10))
			g_u32(g, m, NOISETUN_A_DEVICE_QUERY_FLAGS,
			      rng_chance(g->rng, 9, 10) ? NOISETUN_QUERY_F_KEYS :
							  (uint32_t)rng_below(g->rng, 16));
		if (rng_chance(g->rng, 1, 10)) {
			pick_peer_key(g, key);
			g_attr(g, m, NOISETUN_A_DEVICE_QUERY_PEER, key, KEY_LEN);
		}
	}
	if (cmd == NOISETUN_CMD_GET_DEVICE && rng_chance(g->rng, 9, 10))
		goto done;

	if (rng_chance(g->rng, 1, 4)) {
		pick_private_key(g, key);
		g_attr(g, m, NOISETUN_A_DEVICE_PRIVATE_KEY, key, KEY_LEN);
	}
	if (rng_chance(g->rng, 3, 20))
		g_u16(g, m, NOISETUN_A_DEVICE_LISTEN_PORT,
		      rng_chance(g->rng, 1, 3) ? 0 :
		      (uint16_t)(20000 + rng_below(g->rng, 40000)));
	if (rng_chance(g->rng, 3, 20))
		g_u32(g, m, NOISETUN_A_DEVICE_FWMARK,
		      rng_chance(g->rng, 1, 3) ? 0 : (uint32_t)rng_next(g->rng));
	if (rng_chance(g->rng, 1, 10))
		g_u32(g, m, NOISETUN_A_DEVICE_FLAGS,
		      rng_chance(g->rng, 9, 10) ? NOISETUN_DEVICE_F_REPLACE_PEERS :
						  (uint32_t)rng_next(g->rng));
	if (rng_chance(g->rng, 1, 50)) {	/* read-only, or unknown */
		rng_bytes(g->rng, key, KEY_LEN);
		g_attr(g, m, rng_chance(g->rng, 1, 2) ? NOISETUN_A_DEVICE_PUBLIC_KEY :
			     (uint16_t)(NOISETUN_A_DEVICE_DROPS + rng_below(g->rng, 4)),
		       key, rng_chance(g->rng, 1, 2) ? KEY_LEN : 8);
	}
	if (rng_chance(g->rng, 3, 4)) {
		int n = rng_chance(g->rng, 1, 10) ? (int)rng_below(g->rng, 30) :
						    (int)rng_below(g->rng, 5);

		g_nest(g, m, NOISETUN_A_DEVICE_PEERS);
		for (int i = 0; i < n && m->len < MAX_MSG - 512; i++)
			g_peer(g, m, rng_chance(g->rng, 1, 20) ?
			       (int)rng_below(g->rng, 1000) : i);
		g_end(g, m);
	}
done:
	mb_finish(m);
	if (rng_chance(g->rng, 1, 100))	/* a length that lies */
		put32(m->d, (uint32_t)(m->len + (int)rng_below(g->rng, 41) - 20));
	return m->len;
}

/*
 * A request shaped as tunctl builds one (tools/ipc.c): named by IFNAME,
 * device attributes first, then whole peers; valid throughout.
 */
size_t gen_seed(struct gen *g, struct mbuf *m)
{
	const struct env_dev *own = &g->env->devs[g->env->own];
	uint8_t key[KEY_LEN];
	int peers = (int)rng_below(g->rng, 5);

	g->chaos = 0;
	g->clean = true;
	mb_header(g, m, NLM_F_REQUEST | NLM_F_ACK, NOISETUN_CMD_SET_DEVICE);
	g_attr(g, m, NOISETUN_A_DEVICE_IFNAME, own->name, strlen(own->name) + 1);
	if (rng_chance(g->rng, 1, 3)) {
		pick_private_key(g, key);
		g_attr(g, m, NOISETUN_A_DEVICE_PRIVATE_KEY, key, KEY_LEN);
	}
	if (rng_chance(g->rng, 1, 4))
		g_u16(g, m, NOISETUN_A_DEVICE_LISTEN_PORT,
		      (uint16_t)(20000 + rng_below(g->rng, 40000)));
	if (rng_chance(g->rng, 1, 4))
		g_u32(g, m, NOISETUN_A_DEVICE_FWMARK, rng_below(g->rng, 1000));
	if (rng_chance(g->rng, 1, 4))
		g_u32(g, m, NOISETUN_A_DEVICE_FLAGS, NOISETUN_DEVICE_F_REPLACE_PEERS);
	if (peers) {
		g_nest(g, m, NOISETUN_A_DEVICE_PEERS);
		for (int i = 0; i < peers; i++) {
			int n = (int)rng_below(g->rng, 4);

			g_nest(g, m, (uint16_t)i);
			pick_peer_key(g, key);
			g_attr(g, m, NOISETUN_A_PEER_PUBLIC_KEY, key, KEY_LEN);
			if (rng_chance(g->rng, 1, 4))
				g_u32(g, m, NOISETUN_A_PEER_FLAGS,
				      rng_chance(g->rng, 1, 2) ?
				      NOISETUN_PEER_F_REPLACE_ALLOWEDIPS :
				      NOISETUN_PEER_F_REMOVE_ME);
			if (rng_chance(g->rng, 1, 4)) {
				rng_bytes(g->rng, key, KEY_LEN);
				g_attr(g, m, NOISETUN_A_PEER_PRESHARED_KEY, key, KEY_LEN);
			}
			if (rng_chance(g->rng, 1, 3)) {
				uint8_t sa[28] = { 0 };
				bool v6 = rng_chance(g->rng, 1, 3);

				put16(sa, v6 ? AF_INET6 : AF_INET);
				put16(sa + 2, (uint16_t)rng_next(g->rng));
				rng_bytes(g->rng, sa + (v6 ? 8 : 4), v6 ? 16 : 4);
				g_attr(g, m, NOISETUN_A_PEER_ENDPOINT, sa, v6 ? 28 : 16);
			}
			if (rng_chance(g->rng, 1, 4))
				g_u16(g, m, NOISETUN_A_PEER_PERSISTENT_KEEPALIVE_INTERVAL,
				      (uint16_t)rng_below(g->rng, 30));
			if (n) {
				g_nest(g, m, NOISETUN_A_PEER_ALLOWEDIPS);
				for (int j = 0; j < n; j++)
					g_allowedip(g, m, j);
				g_end(g, m);
			}
			g_end(g, m);
		}
		g_end(g, m);
	}
	g->clean = false;
	mb_finish(m);
	return m->len;
}

size_t gen_get(struct gen *g, struct mbuf *m, const struct env_dev *dev,
	       bool by_index)
{
	int chaos = g->chaos;

	g->chaos = 0;
	mb_header(g, m, NLM_F_REQUEST | NLM_F_DUMP, NOISETUN_CMD_GET_DEVICE);
	if (by_index)
		g_u32(g, m, NOISETUN_A_DEVICE_IFINDEX, (uint32_t)dev->ifindex);
	else
		g_attr(g, m, NOISETUN_A_DEVICE_IFNAME, dev->name,
		       strlen(dev->name) + 1);
	g_u32(g, m, NOISETUN_A_DEVICE_QUERY_FLAGS, NOISETUN_QUERY_F_KEYS);
	mb_finish(m);
	g->chaos = chaos;
	return m->len;
}

/* ---- the corpus and mutations --------------------------------------------- */

void corpus_add(struct corpus *c, const uint8_t *msg, size_t len, bool seed)
{
	const unsigned int size = sizeof(c->msg) / sizeof(c->msg[0]);
	unsigned int slot;
	uint8_t *copy;

	if (len < MSG_HDR || len > MAX_MSG)
		return;
	/* Seeds come first (they are loaded before anything else) and stay. */
	if (seed && (c->n != c->seeds || c->seeds >= size / 2))
		seed = false;
	copy = malloc(len);
	if (!copy)
		return;
	memcpy(copy, msg, len);
	if (c->n < size) {
		slot = c->n++;
	} else {
		slot = c->seeds + c->next++ % (size - c->seeds);
		free(c->msg[slot]);
	}
	if (seed)
		c->seeds++;
	c->msg[slot] = copy;
	c->len[slot] = (uint16_t)len;
}

/* One request a line, in hex (what `nlfuzz capture` writes). */
int corpus_load(struct corpus *c, const char *path)
{
	static char line[2 * MAX_MSG + 16];
	static uint8_t msg[MAX_MSG];
	FILE *f = fopen(path, "r");
	int n = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		size_t len;

		line[strcspn(line, "\r\n")] = '\0';
		len = hex_parse(msg, sizeof(msg), line);
		if (len >= MSG_HDR) {
			corpus_add(c, msg, len, true);
			n++;
		}
	}
	fclose(f);
	return n;
}

/*
 * Name the own device instead of whichever the request named: a request
 * whose top level does not parse keeps its bytes.
 */
static void retarget(struct gen *g, struct mbuf *m, const uint8_t *src,
		     size_t len)
{
	const struct env_dev *own = &g->env->devs[g->env->own];
	const uint8_t *a;
	size_t keep;
	int rem;

	m->len = 0;
	m->depth = 0;
	if (len > MAX_MSG)
		len = MAX_MSG;
	keep = get32(src) < len ? get32(src) : len;
	for (rem = (int)keep - MSG_HDR, a = src + MSG_HDR;
	     rem >= 4 && get16(a) >= 4 && get16(a) <= rem;
	     rem -= (int)ALIGN4(get16(a)), a += ALIGN4(get16(a)))
		;
	if (keep < MSG_HDR || rem > 0) {
		mb_put(m, src, len);
		return;
	}
	mb_put(m, src, MSG_HDR);
	if (rng_chance(g->rng, 1, 2))
		g_attr(g, m, NOISETUN_A_DEVICE_IFNAME, own->name, strlen(own->name) + 1);
	else
		g_u32(g, m, NOISETUN_A_DEVICE_IFINDEX, (uint32_t)own->ifindex);
	for (rem = (int)keep - MSG_HDR, a = src + MSG_HDR;
	     rem >= 4 && get16(a) >= 4 && get16(a) <= rem;
	     rem -= (int)ALIGN4(get16(a)), a += ALIGN4(get16(a))) {
		int t = get16(a + 2) & NLA_TYPE_MASK;

		if (t == NOISETUN_A_DEVICE_IFINDEX || t == NOISETUN_A_DEVICE_IFNAME)
			continue;
		mb_put(m, a, ALIGN4(get16(a)) <= (unsigned int)rem ?
			     ALIGN4(get16(a)) : get16(a));
		mb_pad(m, g->rng, false);
	}
}

static const uint16_t interesting16[] = {
	0, 1, 2, 3, 4, 5, 7, 8, 12, 16, 20, 32, 36, 0x7f, 0x80, 0xff, 0x100,
	0x3fff, 0x4000, 0x7fff, 0x8000, 0xffff,
};

static void mutate(struct gen *g, struct mbuf *m)
{
	struct rng *r = g->rng;
	int ops = 1 + (int)rng_below(r, 4);

	while (ops--) {
		size_t body = m->len > MSG_HDR ? m->len - MSG_HDR : 0;
		size_t at = MSG_HDR + (body ? rng_below(r, (uint32_t)body) : 0);
		size_t at4 = MSG_HDR + (body >= 4 ? 4 * rng_below(r, (uint32_t)body / 4) : 0);

		switch (rng_below(r, 9)) {
		case 0:		/* a bit */
			if (body)
				m->d[at] ^= (uint8_t)(1 << rng_below(r, 8));
			break;
		case 1:		/* a byte */
			if (body)
				m->d[at] = (uint8_t)interesting16[rng_below(r, 22)];
			break;
		case 2:		/* a length field, probably */
			if (at4 + 2 <= m->len) {
				uint16_t v = get16(m->d + at4);

				put16(m->d + at4, rng_chance(r, 1, 2) ?
				      interesting16[rng_below(r, 22)] :
				      (uint16_t)(v + (int)rng_below(r, 17) - 8));
			}
			break;
		case 3:		/* a type field, probably */
			if (at4 + 4 <= m->len)
				put16(m->d + at4 + 2, (uint16_t)(rng_below(r, 20) |
				      (rng_chance(r, 1, 3) ? NLA_F_NESTED : 0)));
			break;
		case 4: {	/* insert */
			size_t n = rng_chance(r, 1, 2) ? 4 : 1 + rng_below(r, 12);

			if (m->len + n <= MAX_MSG) {
				memmove(m->d + at4 + n, m->d + at4, m->len - at4);
				rng_bytes(r, m->d + at4, n);
				m->len += n;
			}
			break;
		}
		case 5: {	/* delete */
			size_t n = rng_chance(r, 1, 2) ? 4 : 1 + rng_below(r, 12);

			if (at4 + n <= m->len) {
				memmove(m->d + at4, m->d + at4 + n, m->len - at4 - n);
				m->len -= n;
			}
			break;
		}
		case 6: {	/* splice in a piece of another request */
			unsigned int i = rng_below(r, g->corpus->n ? g->corpus->n : 1);
			size_t olen, from, n;

			if (!g->corpus->n)
				break;
			olen = g->corpus->len[i];
			if (olen <= MSG_HDR + 4)
				break;
			from = MSG_HDR + 4 * rng_below(r, (uint32_t)(olen - MSG_HDR) / 4);
			n = 4 * (1 + rng_below(r, 16));
			if (from + n > olen)
				n = olen - from;
			if (m->len + n <= MAX_MSG) {
				memmove(m->d + at4 + n, m->d + at4, m->len - at4);
				memcpy(m->d + at4, g->corpus->msg[i] + from, n);
				m->len += n;
			}
			break;
		}
		case 7:		/* truncate */
			if (body)
				m->len = at4;
			break;
		default:	/* duplicate a 4-aligned run */
			if (body >= 8) {
				size_t n = 4 * (1 + rng_below(r, 8));

				if (at4 + n <= m->len && m->len + n <= MAX_MSG) {
					memmove(m->d + at4 + n, m->d + at4, m->len - at4);
					m->len += n;
				}
			}
			break;
		}
	}
}

size_t gen_mutant(struct gen *g, struct mbuf *m)
{
	struct corpus *c = g->corpus;
	unsigned int i;

	if (!c->n)
		return gen_request(g, m);
	/* Seeds half of the time: they are what tunctl sends. */
	i = c->seeds && rng_chance(g->rng, 1, 2) ? rng_below(g->rng, c->seeds) :
						 rng_below(g->rng, c->n);
	g->chaos = 0;
	retarget(g, m, c->msg[i], c->len[i]);
	put16(m->d + 4, g->env->family);
	put32(m->d + 8, g->seq);
	put32(m->d + 12, 0);
	if (rng_chance(g->rng, 9, 10))
		mutate(g, m);
	put32(m->d, (uint32_t)m->len);
	if (rng_chance(g->rng, 1, 10)) {	/* the header too */
		switch (rng_below(g->rng, 4)) {
		case 0:
			put16(m->d + 6, odd_flags[rng_below(g->rng,
				sizeof(odd_flags) / sizeof(odd_flags[0]))]);
			break;
		case 1:
			m->d[NLMSG_HDRLEN] = (uint8_t)rng_below(g->rng, 8);
			break;
		case 2:
			put32(m->d, (uint32_t)(m->len + (int)rng_below(g->rng, 41) - 20));
			break;
		default:
			put16(m->d + 4, rng_chance(g->rng, 1, 2) ? g->env->missing :
					(uint16_t)rng_below(g->rng, NLMSG_MIN_TYPE));
			break;
		}
	}
	return m->len;
}

/* ---- a configuration file ----------------------------------------------------- */

void gen_conf(FILE *out, struct rng *r, bool port)
{
	uint8_t key[KEY_LEN];
	char b64[NLC_B64_LEN + 1], ip[INET6_ADDRSTRLEN];
	int peers = (int)rng_below(r, 7);
	unsigned int next_ip = rng_below(r, 1000);

	fputs("[Interface]\n", out);
	if (port)
		fprintf(out, "ListenPort = %u\n", 20000 + rng_below(r, 40000));
	if (rng_chance(r, 1, 2))
		fprintf(out, "FwMark = 0x%x\n", 1 + rng_below(r, 0xfffff));
	rng_bytes(r, key, KEY_LEN);
	m_clamp(key);
	nlc_key_to_b64(b64, key);
	fprintf(out, "PrivateKey = %s\n", b64);
	for (int i = 0; i < peers; i++) {
		int n = (int)rng_below(r, 5);

		rng_bytes(r, key, KEY_LEN);
		nlc_key_to_b64(b64, key);
		fprintf(out, "\n[Peer]\nPublicKey = %s\n", b64);
		if (rng_chance(r, 1, 3)) {
			rng_bytes(r, key, KEY_LEN);
			nlc_key_to_b64(b64, key);
			fprintf(out, "PresharedKey = %s\n", b64);
		}
		/* Unique ranges: a range named twice goes to the last peer. */
		for (int j = 0; j < n; j++, next_ip++) {
			if (rng_chance(r, 3, 4))
				fprintf(out, "%s10.%u.%u.0/24", j ? ", " : "AllowedIPs = ",
					100 + next_ip / 256 % 100, next_ip % 256);
			else
				fprintf(out, "%sfd%02x:%x::/64", j ? ", " : "AllowedIPs = ",
					next_ip / 65536 % 256, next_ip % 65536);
		}
		if (n)
			fputc('\n', out);
		if (rng_chance(r, 1, 2)) {
			if (rng_chance(r, 2, 3)) {
				uint32_t a = htonl(0xc6336400 | rng_below(r, 256));

				inet_ntop(AF_INET, &a, ip, sizeof(ip));
				fprintf(out, "Endpoint = %s:%u\n", ip, 1 + rng_below(r, 65535));
			} else {
				uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8 };

				a6[15] = (uint8_t)rng_below(r, 256);
				inet_ntop(AF_INET6, a6, ip, sizeof(ip));
				fprintf(out, "Endpoint = [%s]:%u\n", ip, 1 + rng_below(r, 65535));
			}
		}
		if (rng_chance(r, 1, 3))
			fprintf(out, "PersistentKeepalive = %u\n", 1 + rng_below(r, 120));
	}
}

/* ---- hex ------------------------------------------------------------------------ */

void hex_print(FILE *out, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%02x", p[i]);
}

size_t hex_parse(uint8_t *out, size_t max, const char *s)
{
	size_t n = 0;
	unsigned int byte;

	while (s[0] && s[1] && n < max && sscanf(s, "%2x", &byte) == 1) {
		out[n++] = (uint8_t)byte;
		s += 2;
	}
	return n;
}
