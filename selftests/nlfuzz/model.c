// SPDX-License-Identifier: GPL-2.0
/*
 * The model of one device's configuration, as uapi/noisetun.h defines it:
 * what SET does to it (used by predict.c), reading it back from a GET dump
 * (with the checks a well-formed dump must pass), comparing two, and
 * printing one in `tunctl showconf`'s format.
 */

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/genetlink.h>
#include <sodium.h>

#include "nlfuzz.h"

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		perror("realloc");
		exit(2);
	}
	return p;
}

void m_dev_init(struct m_dev *d)
{
	memset(d, 0, sizeof(*d));
}

void m_peer_clear_aips(struct m_peer *p)
{
	p->n_aips = 0;
}

void m_dev_free(struct m_dev *d)
{
	for (unsigned int i = 0; i < d->n_peers; i++)
		free(d->peers[i].aips);
	free(d->peers);
	m_dev_init(d);
}

void m_dev_copy(struct m_dev *dst, const struct m_dev *src)
{
	*dst = *src;
	dst->peers = xrealloc(NULL, src->n_peers * sizeof(*dst->peers));
	dst->cap_peers = src->n_peers;
	for (unsigned int i = 0; i < src->n_peers; i++) {
		const struct m_peer *p = &src->peers[i];
		struct m_peer *q = &dst->peers[i];

		*q = *p;
		q->aips = xrealloc(NULL, p->n_aips * sizeof(*q->aips));
		q->cap_aips = p->n_aips;
		memcpy(q->aips, p->aips, p->n_aips * sizeof(*q->aips));
	}
}

int m_peer_find(const struct m_dev *d, const uint8_t *pub)
{
	for (unsigned int i = 0; i < d->n_peers; i++)
		if (!memcmp(d->peers[i].pub, pub, KEY_LEN))
			return (int)i;
	return -1;
}

struct m_peer *m_peer_add(struct m_dev *d, const uint8_t *pub)
{
	struct m_peer *p;

	if (d->n_peers == d->cap_peers) {
		d->cap_peers = d->cap_peers ? 2 * d->cap_peers : 8;
		d->peers = xrealloc(d->peers, d->cap_peers * sizeof(*d->peers));
	}
	p = &d->peers[d->n_peers++];
	memset(p, 0, sizeof(*p));
	memcpy(p->pub, pub, KEY_LEN);
	return p;
}

void m_peer_remove(struct m_dev *d, int i)
{
	free(d->peers[i].aips);
	memmove(&d->peers[i], &d->peers[i + 1],
		(d->n_peers - i - 1) * sizeof(*d->peers));
	d->n_peers--;
}

void m_mask(int family, uint8_t *addr, int cidr)
{
	int bits = family == AF_INET6 ? 128 : 32;

	for (int b = cidr; b < bits; b++)
		addr[b / 8] &= (uint8_t)~(0x80 >> (b % 8));
}

static bool aip_eq(const struct m_aip *a, int family, const uint8_t *addr,
		   int cidr)
{
	return a->family == family && a->cidr == cidr &&
	       !memcmp(a->addr, addr, family == AF_INET6 ? 16 : 4);
}

static void aip_fill(struct m_aip *a, int family, const uint8_t *addr, int cidr)
{
	memset(a, 0, sizeof(*a));
	a->family = (uint8_t)family;
	a->cidr = (uint8_t)cidr;
	memcpy(a->addr, addr, family == AF_INET6 ? 16 : 4);
	m_mask(family, a->addr, cidr);
}

/* A range belongs to one peer at most: inserting it moves it. */
void m_aip_insert(struct m_dev *d, int peer, int family, const uint8_t *addr,
		  int cidr)
{
	struct m_aip key;
	struct m_peer *p;

	aip_fill(&key, family, addr, cidr);
	for (unsigned int i = 0; i < d->n_peers; i++) {
		struct m_peer *q = &d->peers[i];

		for (unsigned int j = 0; j < q->n_aips; j++) {
			if (!aip_eq(&q->aips[j], family, key.addr, cidr))
				continue;
			if ((int)i == peer)
				return;
			memmove(&q->aips[j], &q->aips[j + 1],
				(q->n_aips - j - 1) * sizeof(*q->aips));
			q->n_aips--;
			goto add;
		}
	}
add:
	p = &d->peers[peer];
	if (p->n_aips == p->cap_aips) {
		p->cap_aips = p->cap_aips ? 2 * p->cap_aips : 4;
		p->aips = xrealloc(p->aips, p->cap_aips * sizeof(*p->aips));
	}
	p->aips[p->n_aips++] = key;
}

/* Removes the range only when @peer holds it. */
void m_aip_remove(struct m_dev *d, int peer, int family, const uint8_t *addr,
		  int cidr)
{
	struct m_peer *p = &d->peers[peer];
	struct m_aip key;

	aip_fill(&key, family, addr, cidr);
	for (unsigned int j = 0; j < p->n_aips; j++) {
		if (aip_eq(&p->aips[j], family, key.addr, cidr)) {
			memmove(&p->aips[j], &p->aips[j + 1],
				(p->n_aips - j - 1) * sizeof(*p->aips));
			p->n_aips--;
			return;
		}
	}
}

void m_clamp(uint8_t key[KEY_LEN])
{
	key[0] &= 248;
	key[31] = (key[31] & 127) | 64;
}

void m_public_key(uint8_t pub[KEY_LEN], const uint8_t priv[KEY_LEN])
{
	if (crypto_scalarmult_curve25519_base(pub, priv))
		memset(pub, 0, KEY_LEN);
}

static int cmp_aip(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct m_aip));
}

static int cmp_peer(const void *a, const void *b)
{
	return memcmp(((const struct m_peer *)a)->pub,
		      ((const struct m_peer *)b)->pub, KEY_LEN);
}

/* Order does not belong to the configuration: sort peers and ranges. */
void m_dev_canon(struct m_dev *d)
{
	for (unsigned int i = 0; i < d->n_peers; i++)
		qsort(d->peers[i].aips, d->peers[i].n_aips,
		      sizeof(struct m_aip), cmp_aip);
	qsort(d->peers, d->n_peers, sizeof(*d->peers), cmp_peer);
}

static void key_text(char *out, const uint8_t *key)
{
	nlc_key_to_b64(out, key);
}

static void aip_text(char *out, size_t len, const struct m_aip *a)
{
	char ip[INET6_ADDRSTRLEN];

	inet_ntop(a->family, a->addr, ip, sizeof(ip));
	snprintf(out, len, "%s/%u", ip, a->cidr);
}

int m_dev_compare(const struct m_dev *want, const struct m_dev *got,
		  bool ignore_port, char *why, size_t len)
{
	struct m_dev a, b;
	char k[NLC_B64_LEN + 1], t[64];
	int ret = 1;

	m_dev_copy(&a, want);
	m_dev_copy(&b, got);
	m_dev_canon(&a);
	m_dev_canon(&b);
	if (a.has_key != b.has_key ||
	    (a.has_key && memcmp(a.priv, b.priv, KEY_LEN))) {
		snprintf(why, len, "private key: want %s, got %s",
			 a.has_key ? "one" : "none", b.has_key ? "another" : "none");
		goto out;
	}
	if (a.has_key && memcmp(a.pub, b.pub, KEY_LEN)) {
		snprintf(why, len, "public key differs");
		goto out;
	}
	if (!ignore_port && a.port != b.port) {
		snprintf(why, len, "listen port: want %u, got %u", a.port, b.port);
		goto out;
	}
	if (a.fwmark != b.fwmark) {
		snprintf(why, len, "fwmark: want %u, got %u", a.fwmark, b.fwmark);
		goto out;
	}
	for (unsigned int i = 0; i < a.n_peers || i < b.n_peers; i++) {
		const struct m_peer *p = i < a.n_peers ? &a.peers[i] : NULL;
		const struct m_peer *q = i < b.n_peers ? &b.peers[i] : NULL;

		if (!p || !q || memcmp(p->pub, q->pub, KEY_LEN)) {
			key_text(k, p ? p->pub : q->pub);
			snprintf(why, len, "peers: want %u, got %u; first difference at %s (%s)",
				 a.n_peers, b.n_peers, k,
				 p && q ? (memcmp(p->pub, q->pub, KEY_LEN) < 0 ?
					   "missing" : "unexpected") :
				 p ? "missing" : "unexpected");
			goto out;
		}
		key_text(k, p->pub);
		if (memcmp(p->psk, q->psk, KEY_LEN)) {
			snprintf(why, len, "peer %s: preshared key differs", k);
			goto out;
		}
		if (p->ep_len != q->ep_len || memcmp(p->ep, q->ep, p->ep_len)) {
			snprintf(why, len, "peer %s: endpoint differs (len %u vs %u)",
				 k, p->ep_len, q->ep_len);
			goto out;
		}
		if (p->keepalive != q->keepalive) {
			snprintf(why, len, "peer %s: keepalive want %u, got %u",
				 k, p->keepalive, q->keepalive);
			goto out;
		}
		for (unsigned int j = 0; j < p->n_aips || j < q->n_aips; j++) {
			if (j < p->n_aips && j < q->n_aips &&
			    !cmp_aip(&p->aips[j], &q->aips[j]))
				continue;
			aip_text(t, sizeof(t), j < p->n_aips ? &p->aips[j] : &q->aips[j]);
			snprintf(why, len, "peer %s: allowed IPs want %u, got %u; first difference near %s",
				 k, p->n_aips, q->n_aips, t);
			goto out;
		}
	}
	ret = 0;
out:
	m_dev_free(&a);
	m_dev_free(&b);
	return ret;
}

static void endpoint_text(char *out, size_t len, const struct m_peer *p)
{
	char host[NI_MAXHOST], serv[NI_MAXSERV];
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, p->ep, p->ep_len);
	/* As tunctl prints it, so that IPv6 scopes come out the same. */
	if (getnameinfo((struct sockaddr *)&ss, p->ep_len, host, sizeof(host),
			serv, sizeof(serv),
			NI_DGRAM | NI_NUMERICSERV | NI_NUMERICHOST))
		snprintf(out, len, "(unprintable)");
	else if (ss.ss_family == AF_INET6 && strchr(host, ':'))
		snprintf(out, len, "[%s]:%s", host, serv);
	else
		snprintf(out, len, "%s:%s", host, serv);
}

/* `tunctl showconf`'s layout. */
void m_dev_print_conf(FILE *out, const struct m_dev *d)
{
	static const uint8_t zero[KEY_LEN];
	char k[NLC_B64_LEN + 1], t[NI_MAXHOST + NI_MAXSERV + 8];

	fputs("[Interface]\n", out);
	if (d->port)
		fprintf(out, "ListenPort = %u\n", d->port);
	if (d->fwmark)
		fprintf(out, "FwMark = 0x%x\n", d->fwmark);
	if (d->has_key) {
		key_text(k, d->priv);
		fprintf(out, "PrivateKey = %s\n", k);
	}
	fputc('\n', out);
	for (unsigned int i = 0; i < d->n_peers; i++) {
		const struct m_peer *p = &d->peers[i];

		key_text(k, p->pub);
		fprintf(out, "[Peer]\nPublicKey = %s\n", k);
		if (memcmp(p->psk, zero, KEY_LEN)) {
			key_text(k, p->psk);
			fprintf(out, "PresharedKey = %s\n", k);
		}
		for (unsigned int j = 0; j < p->n_aips; j++) {
			aip_text(t, sizeof(t), &p->aips[j]);
			fprintf(out, "%s%s", j ? ", " : "AllowedIPs = ", t);
		}
		if (p->n_aips)
			fputc('\n', out);
		if (p->ep_len) {
			endpoint_text(t, sizeof(t), p);
			fprintf(out, "Endpoint = %s\n", t);
		}
		if (p->keepalive)
			fprintf(out, "PersistentKeepalive = %u\n", p->keepalive);
		if (i + 1 < d->n_peers)
			fputc('\n', out);
	}
}

/* ---- reading a dump ------------------------------------------------------- */

void dump_reader_init(struct dump_reader *r)
{
	memset(r, 0, sizeof(*r));
	m_dev_init(&r->dev);
}

void dump_reader_free(struct dump_reader *r)
{
	m_dev_free(&r->dev);
}

#define BAD(r, ...) do {						\
		if (!(r)->error[0])					\
			snprintf((r)->error, sizeof((r)->error), __VA_ARGS__); \
	} while (0)

/* Attributes of a nest or a message, walked leniently but checked. */
#define for_each_attr(a, head, len, rem)				\
	for ((rem) = (int)(len), (a) = (const uint8_t *)(head);		\
	     (rem) >= 4 && get16(a) >= 4 && get16(a) <= (rem);		\
	     (rem) -= (int)ALIGN4(get16(a)), (a) += ALIGN4(get16(a)))

static inline int a_type(const uint8_t *a)
{
	return get16(a + 2) & NLA_TYPE_MASK;
}

static inline int a_len(const uint8_t *a)
{
	return get16(a) - 4;
}

static void read_allowedip(struct dump_reader *r, int peer, const uint8_t *elem)
{
	const uint8_t *a, *addr = NULL;
	int rem, family = -1, cidr = -1, addr_len = 0;
	uint8_t masked[16];

	for_each_attr(a, elem + 4, a_len(elem), rem) {
		switch (a_type(a)) {
		case NOISETUN_A_ALLOWEDIP_FAMILY:
			if (a_len(a) == 2)
				family = get16(a + 4);
			break;
		case NOISETUN_A_ALLOWEDIP_IPADDR:
			addr = a + 4;
			addr_len = a_len(a);
			break;
		case NOISETUN_A_ALLOWEDIP_CIDR_MASK:
			if (a_len(a) == 1)
				cidr = a[4];
			break;
		default:
			BAD(r, "allowed IP: unexpected attribute %d", a_type(a));
		}
	}
	if (rem > 0)
		BAD(r, "allowed IP: trailing bytes");
	if (!addr || cidr < 0 ||
	    !((family == AF_INET && addr_len == 4 && cidr <= 32) ||
	      (family == AF_INET6 && addr_len == 16 && cidr <= 128))) {
		BAD(r, "allowed IP: malformed (family %d, len %d, cidr %d)",
		    family, addr_len, cidr);
		return;
	}
	memcpy(masked, addr, addr_len);
	m_mask(family, masked, cidr);
	if (memcmp(masked, addr, addr_len))
		BAD(r, "allowed IP with host bits set");
	for (unsigned int i = 0; i < r->dev.n_peers; i++)
		for (unsigned int j = 0; j < r->dev.peers[i].n_aips; j++)
			if (aip_eq(&r->dev.peers[i].aips[j], family, masked, cidr))
				BAD(r, "allowed IP listed twice");
	m_aip_insert(&r->dev, peer, family, masked, cidr);
}

/*
 * Whether attribute @a holds @want bytes; if not, the error (the first
 * only is kept) says @what came with how many.
 */
static bool has_len(struct dump_reader *r, const uint8_t *a, int want,
		    const char *what)
{
	if (a_len(a) == want)
		return true;
	BAD(r, "%s of %d bytes", what, a_len(a));
	return false;
}

/*
 * Whether @seen, the bits (1U << type) of the attributes of a nest, has
 * each type of @want (ended by 0); if not, the error says @what.
 */
static bool has_all(struct dump_reader *r, unsigned int seen, const int *want,
		    const char *what)
{
	for (; *want; want++) {
		if (!(seen & 1U << *want)) {
			BAD(r, "%s (has %#x)", what, seen);
			return false;
		}
	}
	return true;
}

static void read_peer(struct dump_reader *r, const uint8_t *elem, bool first)
{
	const uint8_t *a, *key = NULL, *aips = NULL;
	unsigned int others = 0, seen = 0;
	struct m_peer scratch, *p;
	int rem, i;

	memset(&scratch, 0, sizeof(scratch));
	for_each_attr(a, elem + 4, a_len(elem), rem) {
		int t = a_type(a), l = a_len(a);

		if (t < 32)
			seen |= 1U << t;
		switch (t) {
		case NOISETUN_A_PEER_PUBLIC_KEY:
			if (has_len(r, a, KEY_LEN, "peer: public key"))
				key = a + 4;
			continue;
		case NOISETUN_A_PEER_ALLOWEDIPS:
			aips = a;
			continue;
		case NOISETUN_A_PEER_PRESHARED_KEY:
			if (has_len(r, a, KEY_LEN, "peer: preshared key"))
				memcpy(scratch.psk, a + 4, KEY_LEN);
			break;
		case NOISETUN_A_PEER_ENDPOINT:
			if (!((l == 16 && get16(a + 4) == AF_INET) ||
			      (l == 28 && get16(a + 4) == AF_INET6)))
				BAD(r, "peer: endpoint of %d bytes", l);
			else {
				memcpy(scratch.ep, a + 4, l);
				scratch.ep_len = (uint8_t)l;
			}
			break;
		case NOISETUN_A_PEER_PERSISTENT_KEEPALIVE_INTERVAL:
			if (has_len(r, a, 2, "peer: keepalive"))
				scratch.keepalive = get16(a + 4);
			break;
		case NOISETUN_A_PEER_PROTOCOL_VERSION:
			if (l != 4 || get32(a + 4) != 1)
				BAD(r, "peer: protocol version not 1");
			break;
		case NOISETUN_A_PEER_LAST_HANDSHAKE_TIME:
			has_len(r, a, 16, "peer: handshake time");
			break;
		case NOISETUN_A_PEER_RX_BYTES:
		case NOISETUN_A_PEER_TX_BYTES:
		case NOISETUN_A_PEER_RX_PACKETS:
		case NOISETUN_A_PEER_TX_PACKETS:
		case NOISETUN_A_PEER_HANDSHAKE_ATTEMPTS:
		case NOISETUN_A_PEER_LAST_HANDSHAKE_RTT_NS:
		case NOISETUN_A_PEER_HANDSHAKES_COMPLETED:
		case NOISETUN_A_PEER_HANDSHAKES_FAILED:
		case NOISETUN_A_PEER_COOKIES_RECEIVED:
			if (l != 8)
				BAD(r, "peer: counter %d of %d bytes", t, l);
			break;
		case NOISETUN_A_PEER_LAST_RX_TIME:
			has_len(r, a, 16, "peer: last receive time");
			break;
		case NOISETUN_A_PEER_DROPS:
			break;
		case NOISETUN_A_PEER_DISABLED:
			if (l != 1 || a[4] > 1)
				BAD(r, "peer: disabled of %d bytes or not 0/1", l);
			break;
		case NOISETUN_A_PEER_DESCRIPTION:
			if (l < 2 || l > NOISETUN_DESCRIPTION_MAX + 1 ||
			    a[4 + l - 1] || memchr(a + 4, 0, l - 1))
				BAD(r, "peer: description of %d bytes", l);
			break;
		default:
			BAD(r, "peer: unexpected attribute %d", t);
		}
		others++;
	}
	if (rem > 0)
		BAD(r, "peer: trailing bytes");
	if (!key) {
		BAD(r, "peer without public key");
		return;
	}

	if (!others) {
		/* A continuation: first in its message, the last peer again. */
		if (!first || !r->have_last || memcmp(key, r->last_key, KEY_LEN)) {
			BAD(r, "peer with only a key and allowed IPs that continues nothing");
			return;
		}
		i = m_peer_find(&r->dev, key);
	} else {
		static const int want[] = {
			NOISETUN_A_PEER_PRESHARED_KEY,
			NOISETUN_A_PEER_PERSISTENT_KEEPALIVE_INTERVAL,
			NOISETUN_A_PEER_LAST_HANDSHAKE_TIME,
			NOISETUN_A_PEER_RX_BYTES, NOISETUN_A_PEER_TX_BYTES,
			NOISETUN_A_PEER_PROTOCOL_VERSION,
			NOISETUN_A_PEER_DROPS, NOISETUN_A_PEER_DISABLED, 0
		};

		has_all(r, seen, want, "peer lacks attributes");
		if (m_peer_find(&r->dev, key) >= 0) {
			/* A peer removed and added again during the dump. */
			if (!r->intr)
				BAD(r, "peer listed twice");
			return;
		}
		p = m_peer_add(&r->dev, key);
		memcpy(p->psk, scratch.psk, KEY_LEN);
		memcpy(p->ep, scratch.ep, sizeof(p->ep));
		p->ep_len = scratch.ep_len;
		p->keepalive = scratch.keepalive;
		i = (int)r->dev.n_peers - 1;
	}
	memcpy(r->last_key, key, KEY_LEN);
	r->have_last = true;
	if (aips) {
		const uint8_t *e;

		for_each_attr(e, aips + 4, a_len(aips), rem)
			read_allowedip(r, i, e);
		if (rem > 0)
			BAD(r, "allowed IPs: trailing bytes");
	}
}

void dump_reader_msg(struct dump_reader *r, const struct nlmsghdr *nlh)
{
	const uint8_t *msg = (const uint8_t *)nlh, *a, *e;
	bool first_msg = !r->messages, first = true;
	unsigned int seen = 0;
	int rem, rem2;

	r->messages++;
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		r->intr = true;
	if (nlh->nlmsg_len < MSG_HDR) {
		BAD(r, "short dump message");
		return;
	}
	if (msg[NLMSG_HDRLEN] != NOISETUN_CMD_GET_DEVICE)
		BAD(r, "dump message with command %u", msg[NLMSG_HDRLEN]);
	for_each_attr(a, msg + MSG_HDR, nlh->nlmsg_len - MSG_HDR, rem) {
		int t = a_type(a), l = a_len(a);

		if (t < 32)
			seen |= 1U << t;
		if (t != NOISETUN_A_DEVICE_PEERS && !first_msg)
			BAD(r, "device attribute %d after the first message", t);
		switch (t) {
		case NOISETUN_A_DEVICE_PEERS:
			for_each_attr(e, a + 4, l, rem2) {
				read_peer(r, e, first);
				first = false;
			}
			if (rem2 > 0)
				BAD(r, "peers: trailing bytes");
			break;
		case NOISETUN_A_DEVICE_PRIVATE_KEY:
			if (has_len(r, a, KEY_LEN, "private key")) {
				memcpy(r->dev.priv, a + 4, KEY_LEN);
				r->dev.has_key = true;
			}
			break;
		case NOISETUN_A_DEVICE_PUBLIC_KEY:
			if (has_len(r, a, KEY_LEN, "public key"))
				memcpy(r->dev.pub, a + 4, KEY_LEN);
			break;
		case NOISETUN_A_DEVICE_LISTEN_PORT:
			if (has_len(r, a, 2, "listen port"))
				r->dev.port = get16(a + 4);
			break;
		case NOISETUN_A_DEVICE_FWMARK:
			if (has_len(r, a, 4, "fwmark"))
				r->dev.fwmark = get32(a + 4);
			break;
		case NOISETUN_A_DEVICE_IFINDEX:
		case NOISETUN_A_DEVICE_IFNAME:
		case NOISETUN_A_DEVICE_DROPS:
		case NOISETUN_A_DEVICE_COOKIES_SENT:
		case NOISETUN_A_DEVICE_HANDSHAKES_ANSWERED:
		case NOISETUN_A_DEVICE_UNDER_LOAD_NS:
		case NOISETUN_A_DEVICE_HANDSHAKE_QUEUE_LEN:
		case NOISETUN_A_DEVICE_UNKNOWN_PEER_EVENTS:
			break;
		default:
			BAD(r, "unexpected device attribute %d", t);
		}
	}
	if (rem > 0)
		BAD(r, "dump message: trailing bytes");
	if (first_msg) {
		static const int want[] = {
			NOISETUN_A_DEVICE_IFINDEX, NOISETUN_A_DEVICE_IFNAME,
			NOISETUN_A_DEVICE_LISTEN_PORT, NOISETUN_A_DEVICE_FWMARK,
			NOISETUN_A_DEVICE_DROPS, 0
		};

		has_all(r, seen, want, "first message lacks device attributes");
		if (!(seen & 1U << NOISETUN_A_DEVICE_PRIVATE_KEY) !=
		    !(seen & 1U << NOISETUN_A_DEVICE_PUBLIC_KEY))
			BAD(r, "private and public key not both present");
	}
}

void dump_reader_end(struct dump_reader *r)
{
	uint8_t pub[KEY_LEN], clamped[KEY_LEN];

	if (!r->messages) {
		BAD(r, "dump without any message");
		return;
	}
	if (r->intr)
		return;
	if (r->dev.has_key) {
		memcpy(clamped, r->dev.priv, KEY_LEN);
		m_clamp(clamped);
		if (memcmp(clamped, r->dev.priv, KEY_LEN))
			BAD(r, "private key is not clamped");
		m_public_key(pub, r->dev.priv);
		if (memcmp(pub, r->dev.pub, KEY_LEN))
			BAD(r, "public key does not match the private key");
		if (m_peer_find(&r->dev, r->dev.pub) >= 0)
			BAD(r, "a peer has the device's own public key");
	}
}
