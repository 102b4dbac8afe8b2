// SPDX-License-Identifier: GPL-2.0
/*
 * The oracle: what the kernel must answer to a message, and what a SET
 * that succeeds does to the device's configuration.
 *
 * It is written from the contract, not from module/netlink.c: the netlink
 * core's rules for a strictly validated generic netlink family (the walk
 * of netlink_rcv_skb(), genl's header checks, the policy checks of
 * lib/nlattr.c in the order it makes them) and uapi/noisetun.h for the
 * family: its policies (types, lengths, read-only attributes), then the
 * device lookup, then the checks of SET's first pass in request order (the
 * device's flag bits; for each peer: protocol version, flag bits, public
 * key, allowed IPs (flag bits, then the rest), and what becomes of the
 * peer), and what SET does (two passes: all or nothing). Where the answer
 * depends on something the fuzzer cannot know (a device it does not
 * model, a busy port, a dump still running) the prediction says so.
 */

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/genetlink.h>

#include "description_text.h"
#include "nlfuzz.h"

/* ---- policies, as the family declares them -------------------------------- */

enum pt { PT_UNSPEC, PT_U8, PT_U16, PT_U32, PT_NUL_STRING, PT_BINARY,
	  PT_NESTED_ARRAY, PT_REJECT };

struct polset;

struct pol {
	enum pt type;
	uint16_t len;		/* NUL_STRING: longest string */
	uint16_t exact;		/* BINARY: exact length (a range check), or 0 */
	int (*fn)(const uint8_t *data, int len);	/* further check */
	const struct polset *nested;
};

struct polset {
	int maxtype;
	const struct pol *pol;
};

/* Bits beyond @all in a FLAGS attribute (refused with -EOPNOTSUPP). */
static bool unknown_flags(const uint8_t *a, uint32_t all)
{
	return a && (get32(a + 4) & ~all);
}

/* A whole sockaddr_in or sockaddr_in6, else -EINVAL (uapi: ENDPOINT). */
static int fn_endpoint(const uint8_t *d, int len)
{
	if (len == 16 && get16(d) == AF_INET)
		return 0;
	if (len == 28 && get16(d) == AF_INET6)
		return 0;
	return -EINVAL;
}

/* A u8 of 0 or 1, else -ERANGE (uapi: UNKNOWN_PEER_EVENTS). */
static int fn_at_most_1(const uint8_t *d, int len)
{
	return len >= 1 && d[0] > 1 ? -ERANGE : 0;
}

static const struct pol allowedip_pol[NOISETUN_A_ALLOWEDIP_MAX + 1] = {
	[NOISETUN_A_ALLOWEDIP_FAMILY] = { PT_U16 },
	[NOISETUN_A_ALLOWEDIP_IPADDR] = { PT_BINARY },
	[NOISETUN_A_ALLOWEDIP_CIDR_MASK] = { PT_U8 },
	[NOISETUN_A_ALLOWEDIP_FLAGS] = { PT_U32 },
};
static const struct polset allowedip_ps = { NOISETUN_A_ALLOWEDIP_MAX, allowedip_pol };

static const struct pol peer_pol[NOISETUN_A_PEER_MAX + 1] = {
	[NOISETUN_A_PEER_PUBLIC_KEY] = { PT_BINARY, .exact = KEY_LEN },
	[NOISETUN_A_PEER_PRESHARED_KEY] = { PT_BINARY, .exact = KEY_LEN },
	[NOISETUN_A_PEER_FLAGS] = { PT_U32 },
	[NOISETUN_A_PEER_ENDPOINT] = { PT_BINARY, .fn = fn_endpoint },
	[NOISETUN_A_PEER_PERSISTENT_KEEPALIVE_INTERVAL] = { PT_U16 },
	[NOISETUN_A_PEER_LAST_HANDSHAKE_TIME] = { PT_REJECT },
	[NOISETUN_A_PEER_RX_BYTES] = { PT_REJECT },
	[NOISETUN_A_PEER_TX_BYTES] = { PT_REJECT },
	[NOISETUN_A_PEER_ALLOWEDIPS] = { PT_NESTED_ARRAY, .nested = &allowedip_ps },
	[NOISETUN_A_PEER_PROTOCOL_VERSION] = { PT_U32 },
	[NOISETUN_A_PEER_RX_PACKETS] = { PT_REJECT },
	[NOISETUN_A_PEER_TX_PACKETS] = { PT_REJECT },
	[NOISETUN_A_PEER_HANDSHAKE_ATTEMPTS] = { PT_REJECT },
	[NOISETUN_A_PEER_DROPS] = { PT_REJECT },
	[NOISETUN_A_PEER_DISABLED] = { PT_U8 },
	[NOISETUN_A_PEER_DESCRIPTION] = { PT_BINARY },
	[NOISETUN_A_PEER_LAST_RX_TIME ... NOISETUN_A_PEER_COOKIES_RECEIVED] = { PT_REJECT },
};
static const struct polset peer_ps = { NOISETUN_A_PEER_MAX, peer_pol };

static const struct pol set_pol[NOISETUN_A_DEVICE_MAX + 1] = {
	[NOISETUN_A_DEVICE_IFINDEX] = { PT_U32 },
	[NOISETUN_A_DEVICE_IFNAME] = { PT_NUL_STRING, .len = IFNAMSIZ - 1 },
	[NOISETUN_A_DEVICE_PRIVATE_KEY] = { PT_BINARY, .exact = KEY_LEN },
	[NOISETUN_A_DEVICE_PUBLIC_KEY] = { PT_REJECT },
	[NOISETUN_A_DEVICE_FLAGS] = { PT_U32 },
	[NOISETUN_A_DEVICE_LISTEN_PORT] = { PT_U16 },
	[NOISETUN_A_DEVICE_FWMARK] = { PT_U32 },
	[NOISETUN_A_DEVICE_PEERS] = { PT_NESTED_ARRAY, .nested = &peer_ps },
	[NOISETUN_A_DEVICE_DROPS] = { PT_REJECT },
	[NOISETUN_A_DEVICE_QUERY_PEER] = { PT_REJECT },
	[NOISETUN_A_DEVICE_QUERY_FLAGS] = { PT_REJECT },
	[NOISETUN_A_DEVICE_COOKIES_SENT ... NOISETUN_A_DEVICE_HANDSHAKE_QUEUE_LEN] = { PT_REJECT },
	[NOISETUN_A_DEVICE_UNKNOWN_PEER_EVENTS] = { PT_U8, .fn = fn_at_most_1 },
};
static const struct polset set_ps = { NOISETUN_A_DEVICE_MAX, set_pol };

/* GET takes the device's name or index, and maybe a peer and flags. */
static const struct pol get_pol[NOISETUN_A_DEVICE_MAX + 1] = {
	[NOISETUN_A_DEVICE_IFINDEX] = { PT_U32 },
	[NOISETUN_A_DEVICE_IFNAME] = { PT_NUL_STRING, .len = IFNAMSIZ - 1 },
	[NOISETUN_A_DEVICE_PRIVATE_KEY ... NOISETUN_A_DEVICE_DROPS] = { PT_REJECT },
	[NOISETUN_A_DEVICE_QUERY_PEER] = { PT_BINARY, .exact = KEY_LEN },
	[NOISETUN_A_DEVICE_QUERY_FLAGS] = { PT_U32 },
	[NOISETUN_A_DEVICE_COOKIES_SENT ... NOISETUN_A_DEVICE_UNKNOWN_PEER_EVENTS] = { PT_REJECT },
};
static const struct polset get_ps = { NOISETUN_A_DEVICE_MAX, get_pol };

/* ---- the netlink core's strict validation ---------------------------------- */

/* One attribute fits in @rem bytes (nla_ok()). */
static bool attr_ok(const uint8_t *a, int rem)
{
	return rem >= 4 && get16(a) >= 4 && get16(a) <= rem;
}

#define for_each_attr(a, head, len, rem)				\
	for ((rem) = (int)(len), (a) = (const uint8_t *)(head);		\
	     attr_ok((a), (rem));					\
	     (rem) -= (int)ALIGN4(get16(a)), (a) += ALIGN4(get16(a)))

static inline int a_type(const uint8_t *a)
{
	return get16(a + 2) & NLA_TYPE_MASK;
}

static inline bool a_nested(const uint8_t *a)
{
	return get16(a + 2) & NLA_F_NESTED;
}

static inline int a_len(const uint8_t *a)
{
	return get16(a) - 4;
}

/*
 * Whether an attribute of TYPE comes twice in HEAD: the module refuses a
 * key given twice, whichever copy a parser would take.
 */
static bool twice(const uint8_t *head, int len, int type)
{
	const uint8_t *a;
	int rem, n = 0;

	for_each_attr(a, head, len, rem)
		if (a_type(a) == type && ++n == 2)
			return true;
	return false;
}

static int v_parse(const uint8_t *head, int len, const struct polset *ps,
		   const uint8_t **tb, int depth);

/* Elements of a nested array: each validated, bytes after them allowed. */
static int v_array(const uint8_t *head, int len, const struct polset *ps,
		   int depth)
{
	const uint8_t *e;
	int rem, err;

	for_each_attr(e, head, len, rem) {
		if (a_len(e) == 0)
			continue;
		if (a_len(e) < 4)
			return -ERANGE;
		err = v_parse(e + 4, a_len(e), ps, NULL, depth + 1);
		if (err)
			return err;
	}
	return 0;
}

static int v_attr(const uint8_t *a, const struct polset *ps, int depth)
{
	const struct pol *pt = &ps->pol[a_type(a)];
	const uint8_t *d = a + 4;
	int len = a_len(a), fixed = 0, minlen, err;

	switch (pt->type) {
	case PT_U8:
		fixed = 1;
		break;
	case PT_U16:
		fixed = 2;
		break;
	case PT_U32:
		fixed = 4;
		break;
	default:
		break;
	}
	if (fixed && len != fixed)
		return -EINVAL;
	if (pt->type == PT_NESTED_ARRAY && !a_nested(a))
		return -EINVAL;
	if (pt->type != PT_NESTED_ARRAY && pt->type != PT_UNSPEC && a_nested(a))
		return -EINVAL;

	switch (pt->type) {
	case PT_REJECT:
	case PT_UNSPEC:
		return -EINVAL;
	case PT_NUL_STRING:
		minlen = pt->len && len > pt->len + 1 ? pt->len + 1 : len;
		if (!minlen || !memchr(d, 0, minlen))
			return -EINVAL;
		if (len < 1)
			return -ERANGE;
		if (pt->len && len - (d[len - 1] == 0) > pt->len)
			return -ERANGE;
		break;
	case PT_NESTED_ARRAY:
		if (len == 0)
			break;
		if (len < 4)
			return -ERANGE;
		err = v_array(d, len, pt->nested, depth);
		if (err)
			return err;
		break;
	default:
		break;
	}
	if (pt->exact && len != pt->exact)
		return -ERANGE;
	if (pt->fn)
		return pt->fn(d, len);
	return 0;
}

/* Strict: unknown types and trailing bytes are errors; the last one wins. */
static int v_parse(const uint8_t *head, int len, const struct polset *ps,
		   const uint8_t **tb, int depth)
{
	const uint8_t *a;
	int rem, err;

	if (depth >= 10)
		return -EINVAL;
	if (tb)
		memset(tb, 0, (ps->maxtype + 1) * sizeof(*tb));
	for_each_attr(a, head, len, rem) {
		int t = a_type(a);

		if (t == 0 || t > ps->maxtype)
			return -EINVAL;
		err = v_attr(a, ps, depth);
		if (err)
			return err;
		if (tb)
			tb[t] = a;
	}
	return rem > 0 ? -EINVAL : 0;
}

/* ---- the family ------------------------------------------------------------ */

#define SAY(o, ...) snprintf((o)->what, sizeof((o)->what), __VA_ARGS__)

/* Which device a request names; -1 with *err set when it names none. */
static int lookup(const struct env *env, const uint8_t **tb, int *err,
		  struct outcome *o)
{
	const uint8_t *idx = tb[NOISETUN_A_DEVICE_IFINDEX];
	const uint8_t *name = tb[NOISETUN_A_DEVICE_IFNAME];

	if (!idx == !name) {
		SAY(o, "neither or both of IFINDEX and IFNAME");
		*err = -EBADR;
		return -1;
	}
	for (int i = 0; i < env->n_devs; i++) {
		const struct env_dev *dev = &env->devs[i];

		if (idx ? (uint32_t)dev->ifindex == get32(idx + 4) :
			  !strcmp(dev->name, (const char *)name + 4))
			return i;
	}
	/*
	 * Unknown: a free device may have been made again since (a new
	 * index, or the name back), so only what is surely absent is.
	 */
	if (idx && get32(idx + 4) < (1U << 20)) {
		*err = 1;
		return -1;
	}
	SAY(o, "no such device");
	*err = -ENODEV;
	return -1;
}

struct key_state {
	const uint8_t *pub;
	bool present;
};

enum action { A_SKIP, A_ADD, A_UPDATE, A_REMOVE };

struct plan {
	uint32_t flags;
	bool set_identity, has_identity;
	uint8_t priv[KEY_LEN], pub[KEY_LEN];
	bool displaced;
	bool set_port, maybe_port;
	struct key_state keys[256];
	int n_keys;
};

static bool is_own_key(const struct plan *p, const struct m_dev *m,
		       const uint8_t *pub)
{
	if (p->set_identity)
		return p->has_identity && !memcmp(p->pub, pub, KEY_LEN);
	return m->has_key && !memcmp(m->pub, pub, KEY_LEN);
}

static struct key_state *plan_key(struct plan *p, const struct m_dev *m,
				  const uint8_t *pub)
{
	struct key_state *k;
	bool existing;

	for (int i = 0; i < p->n_keys; i++)
		if (!memcmp(p->keys[i].pub, pub, KEY_LEN))
			return &p->keys[i];
	if (p->n_keys == (int)(sizeof(p->keys) / sizeof(p->keys[0])))
		return NULL;
	k = &p->keys[p->n_keys++];
	k->pub = pub;
	existing = !(p->flags & NOISETUN_DEVICE_F_REPLACE_PEERS) &&
		   m_peer_find(m, pub) >= 0;
	/* The peer the new private key displaces is gone already. */
	k->present = existing &&
		     !(p->displaced && !memcmp(pub, p->pub, KEY_LEN));
	return k;
}

/* One allowed IP: 1 to insert, 0 to remove, or an errno. */
static int check_allowedip(const uint8_t *e)
{
	const uint8_t *tb[NOISETUN_A_ALLOWEDIP_MAX + 1];
	int err, len, max;

	if (!a_nested(e))
		return -EINVAL;
	err = v_parse(e + 4, a_len(e), &allowedip_ps, tb, 0);
	if (err)
		return err;
	if (unknown_flags(tb[NOISETUN_A_ALLOWEDIP_FLAGS], __NOISETUN_ALLOWEDIP_F_ALL))
		return -EOPNOTSUPP;
	if (!tb[NOISETUN_A_ALLOWEDIP_FAMILY] || !tb[NOISETUN_A_ALLOWEDIP_IPADDR] ||
	    !tb[NOISETUN_A_ALLOWEDIP_CIDR_MASK])
		return -EINVAL;
	switch (get16(tb[NOISETUN_A_ALLOWEDIP_FAMILY] + 4)) {
	case AF_INET:
		len = 4;
		max = 32;
		break;
	case AF_INET6:
		len = 16;
		max = 128;
		break;
	default:
		return -EINVAL;
	}
	if (a_len(tb[NOISETUN_A_ALLOWEDIP_IPADDR]) != len)
		return -EINVAL;
	if (tb[NOISETUN_A_ALLOWEDIP_CIDR_MASK][4] > max)
		return -EINVAL;
	if (tb[NOISETUN_A_ALLOWEDIP_FLAGS] &&
	    (get32(tb[NOISETUN_A_ALLOWEDIP_FLAGS] + 4) &
	     NOISETUN_ALLOWEDIP_F_REMOVE_ME))
		return 0;
	return 1;
}

/*
 * A DESCRIPTION as the kernel checks it: at most 64 bytes (one trailing
 * NUL not counted), UTF-8 in its shortest form, no surrogates, nothing
 * beyond U+10FFFF, no control characters (C0, DEL, C1).
 */
static bool description_ok(const uint8_t *s, int len)
{
	if (len && !s[len - 1])
		len--;
	return len <= NOISETUN_DESCRIPTION_MAX &&
	       nt_description_text_ok(s, (size_t)len);
}

/* Decide one element of PEERS (as if the earlier ones were applied). */
static int plan_peer(struct plan *p, const struct m_dev *m, const uint8_t *e,
		     enum action *act, struct outcome *o)
{
	const uint8_t *tb[NOISETUN_A_PEER_MAX + 1], *a;
	struct key_state *k;
	uint32_t flags = 0;
	int err, rem;

	*act = A_SKIP;
	if (!a_nested(e)) {
		SAY(o, "peer element without NLA_F_NESTED");
		return -EINVAL;
	}
	err = v_parse(e + 4, a_len(e), &peer_ps, tb, 0);
	if (err) {
		SAY(o, "peer element fails its policy");
		return err;
	}
	if (tb[NOISETUN_A_PEER_PROTOCOL_VERSION] &&
	    get32(tb[NOISETUN_A_PEER_PROTOCOL_VERSION] + 4) != 1) {
		SAY(o, "PROTOCOL_VERSION not 1");
		return -EPFNOSUPPORT;
	}
	if (unknown_flags(tb[NOISETUN_A_PEER_FLAGS], __NOISETUN_PEER_F_ALL)) {
		SAY(o, "unknown peer flags");
		return -EOPNOTSUPP;
	}
	if (!tb[NOISETUN_A_PEER_PUBLIC_KEY]) {
		SAY(o, "peer without PUBLIC_KEY");
		return -EINVAL;
	}
	if (twice(e + 4, a_len(e), NOISETUN_A_PEER_PRESHARED_KEY)) {
		SAY(o, "PRESHARED_KEY given twice");
		return -EINVAL;
	}
	if (tb[NOISETUN_A_PEER_DISABLED] && tb[NOISETUN_A_PEER_DISABLED][4] > 1) {
		SAY(o, "DISABLED neither 0 nor 1");
		return -EINVAL;
	}
	if (tb[NOISETUN_A_PEER_DESCRIPTION] &&
	    !description_ok(tb[NOISETUN_A_PEER_DESCRIPTION] + 4,
			    a_len(tb[NOISETUN_A_PEER_DESCRIPTION]))) {
		SAY(o, "DESCRIPTION too long or not printable UTF-8");
		return -EINVAL;
	}
	if (tb[NOISETUN_A_PEER_FLAGS])
		flags = get32(tb[NOISETUN_A_PEER_FLAGS] + 4);
	if (tb[NOISETUN_A_PEER_ALLOWEDIPS]) {
		for_each_attr(a, tb[NOISETUN_A_PEER_ALLOWEDIPS] + 4,
			      a_len(tb[NOISETUN_A_PEER_ALLOWEDIPS]), rem) {
			err = check_allowedip(a);
			if (err < 0) {
				SAY(o, "bad allowed IP");
				return err;
			}
		}
		if (rem > 0) {
			SAY(o, "bytes after the last allowed IP");
			return -EINVAL;
		}
	}
	k = plan_key(p, m, tb[NOISETUN_A_PEER_PUBLIC_KEY] + 4);
	if (!k) {
		SAY(o, "too many keys for the model");
		return 1;
	}
	if (!k->present) {
		if (flags & (NOISETUN_PEER_F_REMOVE_ME | NOISETUN_PEER_F_UPDATE_ONLY) ||
		    is_own_key(p, m, k->pub))
			return 0;
		*act = A_ADD;
		k->present = true;
	}
	if (flags & NOISETUN_PEER_F_REMOVE_ME) {
		*act = A_REMOVE;
		k->present = false;
		return 0;
	}
	if (*act != A_ADD)
		*act = A_UPDATE;
	return 0;
}

static bool endpoint_eq(const struct m_peer *p, const uint8_t *ep, int len)
{
	if (!p->ep_len || get16(p->ep) != get16(ep))
		return false;
	if (len == 16)	/* port and address */
		return !memcmp(p->ep + 2, ep + 2, 6);
	/* port, address and scope; not the flow label */
	return !memcmp(p->ep + 2, ep + 2, 2) && !memcmp(p->ep + 8, ep + 8, 20);
}

static void apply_peer(struct m_dev *m, const uint8_t *e, enum action act)
{
	const uint8_t *tb[NOISETUN_A_PEER_MAX + 1], *a, *b;
	uint32_t flags = 0;
	struct m_peer *peer;
	int i, rem, rem2;

	v_parse(e + 4, a_len(e), &peer_ps, tb, 0);
	if (tb[NOISETUN_A_PEER_FLAGS])
		flags = get32(tb[NOISETUN_A_PEER_FLAGS] + 4);
	i = m_peer_find(m, tb[NOISETUN_A_PEER_PUBLIC_KEY] + 4);
	switch (act) {
	case A_SKIP:
		return;
	case A_REMOVE:
		if (i >= 0)
			m_peer_remove(m, i);
		return;
	case A_ADD:
		m_peer_add(m, tb[NOISETUN_A_PEER_PUBLIC_KEY] + 4);
		i = (int)m->n_peers - 1;
		break;
	case A_UPDATE:
		break;
	}
	if (i < 0)
		return;
	peer = &m->peers[i];
	if (tb[NOISETUN_A_PEER_PRESHARED_KEY])
		memcpy(peer->psk, tb[NOISETUN_A_PEER_PRESHARED_KEY] + 4, KEY_LEN);
	a = tb[NOISETUN_A_PEER_ENDPOINT];
	if (a && !endpoint_eq(peer, a + 4, a_len(a))) {
		memset(peer->ep, 0, sizeof(peer->ep));
		memcpy(peer->ep, a + 4, a_len(a));
		peer->ep_len = (uint8_t)a_len(a);
	}
	if (flags & NOISETUN_PEER_F_REPLACE_ALLOWEDIPS)
		m_peer_clear_aips(peer);
	if (tb[NOISETUN_A_PEER_ALLOWEDIPS]) {
		for_each_attr(a, tb[NOISETUN_A_PEER_ALLOWEDIPS] + 4,
			      a_len(tb[NOISETUN_A_PEER_ALLOWEDIPS]), rem) {
			const uint8_t *addr = NULL;
			int family = 0, cidr = 0;
			bool remove = false;

			for_each_attr(b, a + 4, a_len(a), rem2) {
				switch (a_type(b)) {
				case NOISETUN_A_ALLOWEDIP_FAMILY:
					family = get16(b + 4);
					break;
				case NOISETUN_A_ALLOWEDIP_IPADDR:
					addr = b + 4;
					break;
				case NOISETUN_A_ALLOWEDIP_CIDR_MASK:
					cidr = b[4];
					break;
				case NOISETUN_A_ALLOWEDIP_FLAGS:
					remove = get32(b + 4) &
						 NOISETUN_ALLOWEDIP_F_REMOVE_ME;
					break;
				}
			}
			if (remove)
				m_aip_remove(m, i, family, addr, cidr);
			else
				m_aip_insert(m, i, family, addr, cidr);
		}
	}
	if (tb[NOISETUN_A_PEER_PERSISTENT_KEEPALIVE_INTERVAL])
		m->peers[i].keepalive =
			get16(tb[NOISETUN_A_PEER_PERSISTENT_KEEPALIVE_INTERVAL] + 4);
}

/* SET of the own device: 0, an errno, or 1 when the model cannot say. */
static int set_own(const struct env *env, const uint8_t *attrs, int len,
		   const uint8_t **tb, struct m_dev *m, bool apply,
		   struct outcome *o)
{
	static const uint8_t zero[KEY_LEN];
	const uint8_t *peers = tb[NOISETUN_A_DEVICE_PEERS], *a;
	enum action acts[512];
	struct plan *p;
	int n = 0, rem, err;

	if (unknown_flags(tb[NOISETUN_A_DEVICE_FLAGS], __NOISETUN_DEVICE_F_ALL)) {
		SAY(o, "unknown device flags");
		return -EOPNOTSUPP;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return 1;
	if (tb[NOISETUN_A_DEVICE_FLAGS])
		p->flags = get32(tb[NOISETUN_A_DEVICE_FLAGS] + 4);
	if (tb[NOISETUN_A_DEVICE_LISTEN_PORT]) {
		uint16_t port = get16(tb[NOISETUN_A_DEVICE_LISTEN_PORT] + 4);

		p->set_port = m->port_unknown || port != m->port;
		/* Binding on an up device may find the port taken. */
		p->maybe_port = p->set_port && env->own_up;
	}
	if (twice(attrs, len, NOISETUN_A_DEVICE_PRIVATE_KEY)) {
		SAY(o, "PRIVATE_KEY given twice");
		err = -EINVAL;
		goto out;
	}
	if (tb[NOISETUN_A_DEVICE_PRIVATE_KEY]) {
		const uint8_t *raw = tb[NOISETUN_A_DEVICE_PRIVATE_KEY] + 4;

		if (memcmp(raw, zero, KEY_LEN)) {
			memcpy(p->priv, raw, KEY_LEN);
			m_clamp(p->priv);
			m_public_key(p->pub, p->priv);
			p->has_identity = true;
		}
		p->set_identity = memcmp(m->has_key ? m->priv : zero, p->priv,
					 KEY_LEN) != 0;
		p->displaced = p->set_identity && p->has_identity &&
			       !(p->flags & NOISETUN_DEVICE_F_REPLACE_PEERS) &&
			       m_peer_find(m, p->pub) >= 0;
	}

	if (peers) {
		for_each_attr(a, peers + 4, a_len(peers), rem)
			n++;
		if (rem > 0) {
			SAY(o, "bytes after the last peer");
			err = -EINVAL;
			goto out;
		}
		if (n > (int)(sizeof(acts) / sizeof(acts[0]))) {
			err = 1;
			goto out;
		}
		n = 0;
		for_each_attr(a, peers + 4, a_len(peers), rem) {
			err = plan_peer(p, m, a, &acts[n++], o);
			if (err)
				goto out;
		}
	}
	err = 0;
	if (p->maybe_port)
		o->alt_err = EADDRINUSE;
	SAY(o, "SET accepted");
	if (!apply)
		goto out;

	/* Apply, in the order the second pass does. */
	if (tb[NOISETUN_A_DEVICE_FWMARK])
		m->fwmark = get32(tb[NOISETUN_A_DEVICE_FWMARK] + 4);
	if (p->set_port) {
		m->port = get16(tb[NOISETUN_A_DEVICE_LISTEN_PORT] + 4);
		m->port_unknown = env->own_up && !m->port;
	}
	if (p->flags & NOISETUN_DEVICE_F_REPLACE_PEERS)
		while (m->n_peers)
			m_peer_remove(m, (int)m->n_peers - 1);
	if (p->set_identity) {
		if (p->displaced)
			m_peer_remove(m, m_peer_find(m, p->pub));
		m->has_key = p->has_identity;
		memcpy(m->priv, p->priv, KEY_LEN);
		memcpy(m->pub, p->pub, KEY_LEN);
	}
	n = 0;
	if (peers)
		for_each_attr(a, peers + 4, a_len(peers), rem)
			apply_peer(m, a, acts[n++]);
out:
	free(p);
	return err;
}

void walk_batch(const uint8_t *buf, size_t len, struct batch_walk *w)
{
	size_t off = 0;

	memset(w, 0, sizeof(*w));
	while (len - off >= NLMSG_HDRLEN) {
		uint32_t mlen = get32(buf + off);

		if (mlen < NLMSG_HDRLEN || mlen > len - off) {
			w->truncated = true;
			return;
		}
		w->off[w->n++] = off;
		mlen = ALIGN4(mlen);
		off += mlen > len - off ? len - off : mlen;
	}
}

/* The generic netlink part: 0, -EINTR for a dump started, or an errno. */
static int genl(const struct env *env, const uint8_t *msg, struct m_dev *m,
		bool apply, struct outcome *o)
{
	const struct nlmsghdr *nlh = (const void *)msg;
	const uint8_t *tb[NOISETUN_A_DEVICE_MAX + 1];
	uint8_t cmd = msg[NLMSG_HDRLEN];
	uint16_t flags = nlh->nlmsg_flags;
	bool dump = (flags & NLM_F_DUMP) == NLM_F_DUMP;
	int err, dev;

	if (nlh->nlmsg_type != env->family) {
		if (nlh->nlmsg_type == env->missing) {
			SAY(o, "no such family");
			return -ENOENT;
		}
		o->kind = O_ANY;
		return 0;
	}
	if (nlh->nlmsg_len < MSG_HDR) {
		SAY(o, "shorter than the genl header");
		return -EINVAL;
	}
	/* Every command of the family is strictly validated. */
	if (cmd >= NOISETUN_CMD_GET_DEVICE) {
		if (get16(msg + NLMSG_HDRLEN + 2)) {
			SAY(o, "reserved genl header bits");
			return -EINVAL;
		}
		if (dump)
			flags &= ~NLM_F_DUMP;
		if (flags & ~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO)) {
			SAY(o, "nlmsg_flags beyond REQUEST, ACK, ECHO, DUMP");
			return -EINVAL;
		}
	}
	if (cmd != NOISETUN_CMD_GET_DEVICE && cmd != NOISETUN_CMD_SET_DEVICE) {
		SAY(o, "unknown command %u", cmd);
		return -EOPNOTSUPP;
	}
	if (dump && cmd != NOISETUN_CMD_GET_DEVICE) {
		SAY(o, "SET as a dump");
		return -EOPNOTSUPP;
	}
	/* A dump already running on the socket is refused before parsing. */
	o->reached_dump = dump;
	err = v_parse(msg + MSG_HDR, nlh->nlmsg_len - MSG_HDR,
		      cmd == NOISETUN_CMD_GET_DEVICE ? &get_ps : &set_ps, tb, 0);
	if (err) {
		SAY(o, "%s policy", cmd == NOISETUN_CMD_GET_DEVICE ? "GET" : "SET");
		return err;
	}
	/* A plain GET reads one peer: QUERY_PEER, checked before the device. */
	if (cmd == NOISETUN_CMD_GET_DEVICE && !dump &&
	    !tb[NOISETUN_A_DEVICE_QUERY_PEER]) {
		SAY(o, "GET without NLM_F_DUMP or QUERY_PEER");
		return -EOPNOTSUPP;
	}
	if (cmd == NOISETUN_CMD_GET_DEVICE &&
	    unknown_flags(tb[NOISETUN_A_DEVICE_QUERY_FLAGS],
			  __NOISETUN_QUERY_F_ALL)) {
		SAY(o, "unknown QUERY_FLAGS bits");
		return -EOPNOTSUPP;
	}
	dev = lookup(env, tb, &err, o);
	if (dev < 0) {
		if (err > 0)
			o->kind = O_ANY;
		return err;
	}
	switch (env->devs[dev].kind) {
	case D_FOREIGN:
		SAY(o, "not a noisetun device");
		return -EOPNOTSUPP;
	case D_OWN:
		break;
	case D_FREE:
		o->kind = O_ANY;
		return 0;
	case D_OWNED:
	case D_READ:
		o->kind = O_ANY;
		o->unsafe = cmd != NOISETUN_CMD_GET_DEVICE;
		return 0;
	}
	/*
	 * Only a dump of everything, keys included, is compared with the
	 * model; a GET of one peer (unknown: ENOENT) or one that leaves the
	 * keys out is not predicted.
	 */
	if (cmd == NOISETUN_CMD_GET_DEVICE &&
	    (!dump || tb[NOISETUN_A_DEVICE_QUERY_PEER] ||
	     !tb[NOISETUN_A_DEVICE_QUERY_FLAGS] ||
	     get32(tb[NOISETUN_A_DEVICE_QUERY_FLAGS] + 4) !=
	     NOISETUN_QUERY_F_KEYS)) {
		o->kind = O_ANY;
		return 0;
	}
	if (dump) {
		SAY(o, "GET of the own device");
		o->dump_own = true;
		return -EINTR;
	}
	o->set_own = true;
	err = set_own(env, msg + MSG_HDR, nlh->nlmsg_len - MSG_HDR, tb, m,
		      apply, o);
	if (err > 0)
		o->kind = O_ANY;
	return err;
}

void predict(const struct env *env, const uint8_t *msg, struct m_dev *m,
	     bool apply, bool busy, struct outcome *o)
{
	const struct nlmsghdr *nlh = (const void *)msg;
	bool ack = nlh->nlmsg_flags & NLM_F_ACK;
	int err = 0;

	memset(o, 0, sizeof(*o));
	if (!(nlh->nlmsg_flags & NLM_F_REQUEST))
		SAY(o, "not a request");
	else if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
		SAY(o, "a control message");
	else
		err = genl(env, msg, m, apply, o);
	if (o->kind == O_ANY)
		return;
	if (busy && o->reached_dump)
		o->alt_err = EBUSY;
	if (err == -EINTR) {
		o->kind = O_DUMP;
		return;
	}
	if (ack || err) {
		o->kind = O_ACK;
		o->err = -err;
	} else {
		o->kind = O_NONE;
	}
}
