// SPDX-License-Identifier: GPL-2.0
/*
 * The noisetun family's messages on plain buffers: SET_DEVICE requests
 * built from a change (split over several messages when it does not fit
 * in one) and GET_DEVICE replies parsed into the model.
 *
 * The parser trusts nothing: every attribute's length and type is
 * checked, since the fuzzer feeds it arbitrary bytes. Attributes it does
 * not know (a newer kernel's) are skipped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <sodium.h>

#include "model.h"
#include "uapi.h"

/* struct __kernel_timespec, as NOISETUN_A_PEER_LAST_HANDSHAKE_TIME holds */
struct kernel_timespec {
	int64_t tv_sec;
	int64_t tv_nsec;
};

struct nlmsghdr *nt_uapi_put_header(void *buf, uint16_t type, uint16_t flags,
				    uint32_t seq, uint8_t cmd, uint8_t version)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

struct nlmsghdr *nt_uapi_build_get(void *buf, size_t len, uint16_t family,
				   uint32_t seq, const char *name)
{
	struct nt_uapi_query query = { .flags = NOISETUN_QUERY_F_KEYS,
				       .dump = true };

	return nt_uapi_build_query(buf, len, family, seq, name, &query);
}

struct nlmsghdr *nt_uapi_build_query(void *buf, size_t len, uint16_t family,
				     uint32_t seq, const char *name,
				     const struct nt_uapi_query *query)
{
	struct nlmsghdr *nlh;

	if (len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr)))
		return NULL;
	nlh = nt_uapi_put_header(buf, family,
				 NLM_F_REQUEST |
				 (query->dump ? NLM_F_DUMP : NLM_F_ACK),
				 seq, NOISETUN_CMD_GET_DEVICE,
				 NOISETUN_GENL_VERSION);
	if (!mnl_attr_put_strz_check(nlh, len, NOISETUN_A_DEVICE_IFNAME, name))
		return NULL;
	if (query->flags &&
	    !mnl_attr_put_u32_check(nlh, len, NOISETUN_A_DEVICE_QUERY_FLAGS,
				    query->flags))
		return NULL;
	if (query->has_peer &&
	    !mnl_attr_put_check(nlh, len, NOISETUN_A_DEVICE_QUERY_PEER,
				NOISETUN_KEY_LEN, query->peer))
		return NULL;
	return nlh;
}

/* ---- reading one attribute ---- */

/*
 * The reply parser's attribute accessors and nested walk: what libmnl's
 * mnl_attr_get_type(), _get_payload_len(), _get_payload() and
 * _parse_nested() do, as static inline functions of this file. A GET of
 * a large device has about a million attributes, and through the shared
 * library's PLT these one-line calls were a quarter of showconf's busy
 * time under make bench's emulated CPU (bench/README.md). The rest of
 * tunctl, and the cold paths here, call libmnl.
 */
static inline uint16_t attr_type(const struct nlattr *attr)
{
	return attr->nla_type & NLA_TYPE_MASK;
}

static inline uint16_t attr_len(const struct nlattr *attr)
{
	return attr->nla_len - MNL_ATTR_HDRLEN;
}

static inline const void *attr_data(const struct nlattr *attr)
{
	return (const char *)attr + MNL_ATTR_HDRLEN;
}

/* @cb on each attribute of @nest that fits in it, as libmnl walks them. */
static int parse_nested(const struct nlattr *nest, mnl_attr_cb_t cb,
			void *data)
{
	const char *end = (const char *)attr_data(nest) + attr_len(nest);
	const struct nlattr *attr = attr_data(nest);
	int ret = MNL_CB_OK;

	while (end - (const char *)attr >= (int)sizeof(struct nlattr) &&
	       attr->nla_len >= sizeof(struct nlattr) &&
	       (int)attr->nla_len <= end - (const char *)attr) {
		ret = cb(attr, data);
		if (ret <= MNL_CB_STOP)
			return ret;
		attr = (const struct nlattr *)((const char *)attr +
					       MNL_ALIGN(attr->nla_len));
	}
	return ret;
}

/*
 * The readers below each read one attribute's payload into @dst, where
 * the table of its nest says (see struct attr_rule). They return 0 once
 * it is read, 1 when it is well formed but says "nothing" (skipped, not
 * refused), or -EINVAL.
 */

static int parse_key(const struct nlattr *attr, void *dst)
{
	if (attr_len(attr) != NOISETUN_KEY_LEN)
		return -EINVAL;
	memcpy(dst, attr_data(attr), NOISETUN_KEY_LEN);
	return 0;
}

/*
 * parse_u8() .. parse_u64(): the attribute is a uN, of exactly that size
 * (as mnl_attr_validate() checks); its value goes to *value, a uintN_t.
 */
#define DEFINE_PARSE_UINT(bits)						\
	static int parse_u##bits(const struct nlattr *attr, void *value) \
	{								\
		if (attr_len(attr) != sizeof(uint##bits##_t))		\
			return -EINVAL;					\
		memcpy(value, attr_data(attr), sizeof(uint##bits##_t));	\
		return 0;						\
	}

DEFINE_PARSE_UINT(8)
DEFINE_PARSE_UINT(16)
DEFINE_PARSE_UINT(32)
DEFINE_PARSE_UINT(64)

/* A u8 into a bool: a switch (peer disabled, unknown-peer events). */
static int parse_bool(const struct nlattr *attr, void *dst)
{
	uint8_t value;

	if (parse_u8(attr, &value))
		return -EINVAL;
	*(bool *)dst = value;
	return 0;
}

/* One counter of a drops nest into @data, the array of counters. */
static int parse_drop(const struct nlattr *attr, void *data)
{
	uint64_t *drops = data;
	unsigned int type = attr_type(attr);

	if (type == 0 || type > NOISETUN_A_DROP_MAX)
		return MNL_CB_OK;	/* a newer kernel's counter */
	return parse_u64(attr, &drops[type]) ? MNL_CB_ERROR : MNL_CB_OK;
}

/* A drops nest into @dst, uint64_t[NOISETUN_A_DROP_MAX + 1]. */
static int parse_drops(const struct nlattr *attr, void *dst)
{
	if (parse_nested(attr, parse_drop, dst) != MNL_CB_OK)
		return -EINVAL;
	return 0;
}

static int parse_ifname(const struct nlattr *attr, void *dst)
{
	const char *payload = attr_data(attr);

	if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0 ||
	    strnlen(payload, attr_len(attr)) >= IFNAMSIZ)
		return -EINVAL;
	strcpy(dst, payload);
	return 0;
}

/* A preshared key: all zeros is how the kernel says "none". */
static int parse_preshared_key(const struct nlattr *attr, void *dst)
{
	if (parse_key(attr, dst))
		return -EINVAL;
	return nt_model_key_is_zero(dst) ? 1 : 0;
}

/*
 * A sockaddr_in or sockaddr_in6 into a union tunctl_endpoint; anything
 * else is skipped, not refused.
 */
static int parse_endpoint(const struct nlattr *attr, void *dst)
{
	uint16_t len = attr_len(attr);
	const struct sockaddr *sa = attr_data(attr);

	if ((len == sizeof(struct sockaddr_in) && sa->sa_family == AF_INET) ||
	    (len == sizeof(struct sockaddr_in6) && sa->sa_family == AF_INET6)) {
		memcpy(dst, sa, len);
		return 0;
	}
	return 1;
}

/* A flag of a FLAGS attribute and the model's flag that stands for it. */
struct flag_map {
	uint32_t uapi;
	uint32_t model;
};

static const struct flag_map peer_flag_map[] = {
	{ NOISETUN_PEER_F_REMOVE_ME, TUNCTL_PEER_REMOVE },
	{ NOISETUN_PEER_F_REPLACE_ALLOWEDIPS, TUNCTL_PEER_REPLACE_ALLOWEDIPS },
	{ NOISETUN_PEER_F_UPDATE_ONLY, TUNCTL_PEER_UPDATE_ONLY },
	{ 0 }
};

static const struct flag_map device_flag_map[] = {
	{ NOISETUN_DEVICE_F_REPLACE_PEERS, TUNCTL_DEVICE_REPLACE_PEERS },
	{ 0 }
};

/* The uAPI flags for the model's @flags by @map. */
static uint32_t flags_to_uapi(const struct flag_map *map, uint32_t flags)
{
	uint32_t uapi = 0;

	for (; map->uapi; map++) {
		if (flags & map->model)
			uapi |= map->uapi;
	}
	return uapi;
}

/* A FLAGS attribute into @model, the flags of the model's struct. */
static int parse_flags(const struct nlattr *attr, uint32_t *model,
		       const struct flag_map *map)
{
	uint32_t flags;

	if (parse_u32(attr, &flags))
		return -EINVAL;
	for (; map->uapi; map++) {
		if (flags & map->uapi)
			*model |= map->model;
	}
	return 0;
}

static int parse_peer_flags(const struct nlattr *attr, void *dst)
{
	return parse_flags(attr, dst, peer_flag_map);
}

static int parse_device_flags(const struct nlattr *attr, void *dst)
{
	return parse_flags(attr, dst, device_flag_map);
}

/*
 * A description: at most NOISETUN_DESCRIPTION_MAX bytes, one trailing NUL
 * allowed, no NUL inside. Its UTF-8 is the kernel's to check; the printers
 * escape what they print.
 */
static int parse_description(const struct nlattr *attr, void *dst)
{
	const char *text = attr_data(attr);
	size_t len = attr_len(attr);
	char *description = dst;

	if (len && !text[len - 1])
		len--;
	if (len > NOISETUN_DESCRIPTION_MAX || memchr(text, '\0', len))
		return -EINVAL;
	memcpy(description, text, len);
	description[len] = '\0';
	return 0;
}

/* A struct __kernel_timespec (last handshake, last receive). */
static int parse_timespec(const struct nlattr *attr, int64_t *sec,
			  int64_t *nsec)
{
	struct kernel_timespec ts;

	if (attr_len(attr) != sizeof(ts))
		return -EINVAL;
	memcpy(&ts, attr_data(attr), sizeof(ts));
	*sec = ts.tv_sec;
	*nsec = ts.tv_nsec;
	return 0;
}

static int parse_last_handshake(const struct nlattr *attr, void *dst)
{
	struct tunctl_peer *peer = dst;

	return parse_timespec(attr, &peer->last_handshake_sec,
			      &peer->last_handshake_nsec);
}

static int parse_last_rx(const struct nlattr *attr, void *dst)
{
	struct tunctl_peer *peer = dst;

	return parse_timespec(attr, &peer->last_rx_sec, &peer->last_rx_nsec);
}

/* ---- the attributes of each nest ---- */

/**
 * struct attr_rule - how one attribute of a nest maps to the model
 * @read: its reader; NULL (and no @each) for an attribute not read at
 *        all (a newer kernel's: skipped)
 * @each: for a nest of nests (peers, allowed IPs), the libmnl callback
 *        that reads each of them
 * @offset: where in the model's struct its value goes (0 for a reader
 *          given the whole struct)
 * @size: for the attributes a SET sends as they are: the payload's size,
 *        that of the value at @offset
 * @given: the flag that records the attribute's presence, set once it is
 *         read; in a change, the flag that says to send it
 *
 * The tables are indexed by attribute type; a SET request is built from
 * the same entries, so that an attribute's member and flag are written
 * once.
 */
struct attr_rule {
	int (*read)(const struct nlattr *attr, void *dst);
	mnl_attr_cb_t each;
	size_t offset;
	size_t size;
	uint32_t given;
};

#define RULE(type, member, reader, flag)				\
	{ .read = (reader), .offset = offsetof(type, member),		\
	  .size = sizeof(((type *)NULL)->member), .given = (flag) }
#define PEER(member, reader, flag) \
	RULE(struct tunctl_peer, member, reader, flag)
#define DEVICE(member, reader, flag) \
	RULE(struct tunctl_device, member, reader, flag)
/* The statistics' counters, read back only and flagged together. */
#define PEER_STAT(member) PEER(member, parse_u64, TUNCTL_PEER_HAS_STATS)
#define DEVICE_STAT(member) DEVICE(member, parse_u64, TUNCTL_DEVICE_HAS_STATS)

/* The callbacks of the nests of nests, below with the reply's parser. */
static int parse_allowedip(const struct nlattr *attr, void *data);
static int parse_peer(const struct nlattr *attr, void *data);

static const struct attr_rule peer_rules[NOISETUN_A_PEER_MAX + 1] = {
	[NOISETUN_A_PEER_PUBLIC_KEY] =
		PEER(public_key, parse_key, TUNCTL_PEER_HAS_PUBLIC_KEY),
	[NOISETUN_A_PEER_PRESHARED_KEY] =
		PEER(preshared_key, parse_preshared_key,
		     TUNCTL_PEER_HAS_PRESHARED_KEY),
	[NOISETUN_A_PEER_FLAGS] = PEER(flags, parse_peer_flags, 0),
	[NOISETUN_A_PEER_ENDPOINT] =
		PEER(endpoint, parse_endpoint, TUNCTL_PEER_HAS_ENDPOINT),
	[NOISETUN_A_PEER_PERSISTENT_KEEPALIVE_INTERVAL] =
		PEER(keepalive_seconds, parse_u16, TUNCTL_PEER_HAS_KEEPALIVE),
	[NOISETUN_A_PEER_LAST_HANDSHAKE_TIME] = { .read = parse_last_handshake },
	[NOISETUN_A_PEER_RX_BYTES] = PEER(rx_bytes, parse_u64, 0),
	[NOISETUN_A_PEER_TX_BYTES] = PEER(tx_bytes, parse_u64, 0),
	[NOISETUN_A_PEER_RX_PACKETS] = PEER(rx_packets, parse_u64, 0),
	[NOISETUN_A_PEER_TX_PACKETS] = PEER(tx_packets, parse_u64, 0),
	[NOISETUN_A_PEER_HANDSHAKE_ATTEMPTS] =
		PEER(handshake_attempts, parse_u64, 0),
	[NOISETUN_A_PEER_ALLOWEDIPS] = { .each = parse_allowedip },
	[NOISETUN_A_PEER_DROPS] =
		PEER(drops, parse_drops, TUNCTL_PEER_HAS_DROPS),
	[NOISETUN_A_PEER_DISABLED] =
		PEER(disabled, parse_bool, TUNCTL_PEER_HAS_DISABLED),
	[NOISETUN_A_PEER_DESCRIPTION] =
		PEER(description, parse_description,
		     TUNCTL_PEER_HAS_DESCRIPTION),
	/* statistics */
	[NOISETUN_A_PEER_LAST_RX_TIME] = {
		.read = parse_last_rx, .given = TUNCTL_PEER_HAS_STATS },
	[NOISETUN_A_PEER_LAST_HANDSHAKE_RTT_NS] = PEER_STAT(last_handshake_rtt_ns),
	[NOISETUN_A_PEER_HANDSHAKES_COMPLETED] = PEER_STAT(handshakes_completed),
	[NOISETUN_A_PEER_HANDSHAKES_FAILED] = PEER_STAT(handshakes_failed),
	[NOISETUN_A_PEER_COOKIES_RECEIVED] = PEER_STAT(cookies_received),
};

static const struct attr_rule device_rules[NOISETUN_A_DEVICE_MAX + 1] = {
	[NOISETUN_A_DEVICE_IFINDEX] = DEVICE(ifindex, parse_u32, 0),
	[NOISETUN_A_DEVICE_IFNAME] = DEVICE(name, parse_ifname, 0),
	[NOISETUN_A_DEVICE_PUBLIC_KEY] =
		DEVICE(public_key, parse_key, TUNCTL_DEVICE_HAS_PUBLIC_KEY),
	[NOISETUN_A_DEVICE_PEERS] = { .each = parse_peer },
	/* what a SET may set, as put_device() puts them */
	[NOISETUN_A_DEVICE_PRIVATE_KEY] =
		DEVICE(private_key, parse_key, TUNCTL_DEVICE_HAS_PRIVATE_KEY),
	[NOISETUN_A_DEVICE_FLAGS] = DEVICE(flags, parse_device_flags, 0),
	[NOISETUN_A_DEVICE_LISTEN_PORT] =
		DEVICE(listen_port, parse_u16, TUNCTL_DEVICE_HAS_LISTEN_PORT),
	[NOISETUN_A_DEVICE_FWMARK] =
		DEVICE(fwmark, parse_u32, TUNCTL_DEVICE_HAS_FWMARK),
	[NOISETUN_A_DEVICE_UNKNOWN_PEER_EVENTS] =
		DEVICE(unknown_peer_events, parse_bool, TUNCTL_DEVICE_HAS_UNKNOWN_PEER_EVENTS),
	/* statistics */
	[NOISETUN_A_DEVICE_DROPS] =
		DEVICE(drops, parse_drops, TUNCTL_DEVICE_HAS_DROPS),
	[NOISETUN_A_DEVICE_COOKIES_SENT] = DEVICE_STAT(cookies_sent),
	[NOISETUN_A_DEVICE_HANDSHAKES_ANSWERED] = DEVICE_STAT(handshakes_answered),
	[NOISETUN_A_DEVICE_UNDER_LOAD_NS] = DEVICE_STAT(under_load_ns),
	[NOISETUN_A_DEVICE_HANDSHAKE_QUEUE_LEN] =
		DEVICE(handshake_queue_len, parse_u32, TUNCTL_DEVICE_HAS_STATS),
};

/*
 * Read @attr into @target, a struct of the model, by @rules (@max + 1 of
 * them), and record its presence in *@flags; a nest of nests goes to its
 * callback with @each_data. A type without a reader is skipped. Return 0
 * or -EINVAL.
 */
static int read_by_rule(const struct nlattr *attr,
			const struct attr_rule *rules, unsigned int max,
			void *target, uint32_t *flags, void *each_data)
{
	unsigned int type = attr_type(attr);
	const struct attr_rule *rule;
	int ret;

	if (type > max)
		return 0;
	rule = &rules[type];
	if (rule->each)
		ret = parse_nested(attr, rule->each, each_data) ==
		      MNL_CB_OK ? 0 : -EINVAL;
	else if (rule->read)
		ret = rule->read(attr, (char *)target + rule->offset);
	else
		ret = 0;
	if (ret < 0)
		return ret;
	if (!ret)
		*flags |= rule->given;
	return 0;
}

/*
 * Put the attributes of @types (ended by 0), in that order, that @flags
 * says to send, their values where @rules says in @source.
 */
static bool put_by_rules(struct nlmsghdr *nlh, size_t len,
			 const struct attr_rule *rules, const uint16_t *types,
			 const void *source, uint32_t flags)
{
	const struct attr_rule *rule;

	for (; *types; types++) {
		rule = &rules[*types];
		if ((flags & rule->given) &&
		    !mnl_attr_put_check(nlh, len, *types, rule->size,
					(const char *)source + rule->offset))
			return false;
	}
	return true;
}

/* ---- building SET_DEVICE requests ---- */

/* Put the first part of a peer: everything but its allowed IPs. */
static bool put_peer_head(struct nlmsghdr *nlh, size_t len,
			  const struct tunctl_peer *peer)
{
	static const uint16_t keys[] = { NOISETUN_A_PEER_PRESHARED_KEY, 0 };
	static const uint16_t settings[] = {
		NOISETUN_A_PEER_PERSISTENT_KEEPALIVE_INTERVAL,
		NOISETUN_A_PEER_DISABLED, 0
	};
	uint32_t flags = flags_to_uapi(peer_flag_map, peer->flags);

	if (flags &&
	    !mnl_attr_put_u32_check(nlh, len, NOISETUN_A_PEER_FLAGS, flags))
		return false;
	if (!put_by_rules(nlh, len, peer_rules, keys, peer, peer->flags))
		return false;
	if (peer->flags & TUNCTL_PEER_HAS_ENDPOINT) {
		size_t alen = peer->endpoint.sa.sa_family == AF_INET6 ?
			      sizeof(struct sockaddr_in6) :
			      sizeof(struct sockaddr_in);

		if (!mnl_attr_put_check(nlh, len, NOISETUN_A_PEER_ENDPOINT,
					alen, &peer->endpoint))
			return false;
	}
	if (!put_by_rules(nlh, len, peer_rules, settings, peer, peer->flags))
		return false;
	if ((peer->flags & TUNCTL_PEER_HAS_DESCRIPTION) &&
	    !mnl_attr_put_strz_check(nlh, len, NOISETUN_A_PEER_DESCRIPTION,
				     peer->description))
		return false;
	return true;
}

static bool put_allowedip(struct nlmsghdr *nlh, size_t len,
			  const struct tunctl_allowedip *aip)
{
	struct nlattr *nest = mnl_attr_nest_start_check(nlh, len, 0);

	if (!nest)
		return false;
	if (!mnl_attr_put_u16_check(nlh, len, NOISETUN_A_ALLOWEDIP_FAMILY,
				    aip->family) ||
	    !mnl_attr_put_check(nlh, len, NOISETUN_A_ALLOWEDIP_IPADDR,
				aip->family == AF_INET6 ? 16 : 4, &aip->addr) ||
	    !mnl_attr_put_u8_check(nlh, len, NOISETUN_A_ALLOWEDIP_CIDR_MASK,
				   aip->cidr) ||
	    (aip->remove &&
	     !mnl_attr_put_u32_check(nlh, len, NOISETUN_A_ALLOWEDIP_FLAGS,
				     NOISETUN_ALLOWEDIP_F_REMOVE_ME))) {
		mnl_attr_nest_cancel(nlh, nest);
		return false;
	}
	mnl_attr_nest_end(nlh, nest);
	return true;
}

/*
 * Put as many of @peer's allowed IPs as fit, from the cursor on, in one
 * NOISETUN_A_PEER_ALLOWEDIPS nest (none if not even one fits), and
 * advance the cursor past them. Return how many were put.
 */
static size_t put_allowedips(struct nlmsghdr *nlh, size_t len,
			     const struct tunctl_peer *peer,
			     struct nt_uapi_set_cursor *cur)
{
	struct nlattr *nest;
	size_t put = 0;

	nest = mnl_attr_nest_start_check(nlh, len, NOISETUN_A_PEER_ALLOWEDIPS);
	if (!nest)
		return 0;
	for (; cur->allowedip < peer->allowedips_len; cur->allowedip++, put++) {
		if (!put_allowedip(nlh, len, &peer->allowedips[cur->allowedip]))
			break;
	}
	if (put)
		mnl_attr_nest_end(nlh, nest);
	else
		mnl_attr_nest_cancel(nlh, nest);
	return put;
}

static bool put_device(struct nlmsghdr *nlh, size_t len,
		       const struct tunctl_device *dev)
{
	static const uint16_t settings[] = {
		NOISETUN_A_DEVICE_PRIVATE_KEY,
		NOISETUN_A_DEVICE_LISTEN_PORT,
		NOISETUN_A_DEVICE_FWMARK,
		NOISETUN_A_DEVICE_UNKNOWN_PEER_EVENTS, 0
	};
	uint32_t flags = flags_to_uapi(device_flag_map, dev->flags);

	if (!put_by_rules(nlh, len, device_rules, settings, dev, dev->flags))
		return false;
	if (flags &&
	    !mnl_attr_put_u32_check(nlh, len, NOISETUN_A_DEVICE_FLAGS, flags))
		return false;
	return true;
}

int nt_uapi_build_set(const struct tunctl_device *dev, uint16_t family,
		      uint32_t seq, void *buf, size_t len,
		      struct nt_uapi_set_cursor *cur)
{
	struct nlattr *peers, *peer_nest;
	struct nlmsghdr *nlh;
	bool first = false;
	size_t progress = 0, ips_here;

	if (len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr)) + 64)
		return -EMSGSIZE;
	nlh = nt_uapi_put_header(buf, family, NLM_F_REQUEST | NLM_F_ACK, seq,
				 NOISETUN_CMD_SET_DEVICE,
				 NOISETUN_GENL_VERSION);
	if (!mnl_attr_put_strz_check(nlh, len, NOISETUN_A_DEVICE_IFNAME,
				     dev->name))
		return -EMSGSIZE;
	if (!cur->device_done) {
		if (!put_device(nlh, len, dev))
			return -EMSGSIZE;
		cur->device_done = true;
		first = true;
	}
	if (cur->peer >= dev->peers_len)
		return 0;
	peers = mnl_attr_nest_start_check(nlh, len, NOISETUN_A_DEVICE_PEERS);
	if (!peers)
		return first ? 1 : -EMSGSIZE;

	for (; cur->peer < dev->peers_len;
	     cur->peer++, cur->allowedip = 0, cur->continued = false) {
		const struct tunctl_peer *peer = &dev->peers[cur->peer];

		peer_nest = mnl_attr_nest_start_check(nlh, len, 0);
		if (!peer_nest)
			goto full;
		if (!mnl_attr_put_check(nlh, len, NOISETUN_A_PEER_PUBLIC_KEY,
					NOISETUN_KEY_LEN, peer->public_key) ||
		    (!cur->continued && !put_peer_head(nlh, len, peer))) {
			mnl_attr_nest_cancel(nlh, peer_nest);
			goto full;
		}
		if (cur->allowedip < peer->allowedips_len) {
			ips_here = put_allowedips(nlh, len, peer, cur);
			if (cur->allowedip < peer->allowedips_len) {
				/*
				 * Out of room inside this peer: close what was
				 * put and continue it in the next message.
				 */
				if (!ips_here && cur->continued) {
					mnl_attr_nest_cancel(nlh, peer_nest);
				} else {
					mnl_attr_nest_end(nlh, peer_nest);
					cur->continued = true;
					progress++;
				}
				goto full;
			}
		}
		mnl_attr_nest_end(nlh, peer_nest);
		progress++;
	}
	mnl_attr_nest_end(nlh, peers);
	return 0;

full:
	if (progress)
		mnl_attr_nest_end(nlh, peers);
	else
		mnl_attr_nest_cancel(nlh, peers);
	if (!progress && !first)
		return -EMSGSIZE;
	return 1;
}

/* ---- parsing GET_DEVICE replies ---- */

/*
 * What the callbacks of one message share. The functions below that are
 * libmnl callbacks (given void *data) return MNL_CB_OK or MNL_CB_ERROR,
 * which stops the walk; the readers above return as they say. The first
 * error recorded in err, or -EINVAL where none was, is what
 * nt_uapi_parse_device() returns.
 */
struct parse_ctx {
	struct tunctl_device *dev;
	struct tunctl_peer *peer;	/* the peer being parsed (a scratch copy) */
	int err;
};

static int fail(struct parse_ctx *ctx, int err)
{
	ctx->err = err;
	return MNL_CB_ERROR;
}

/* An allowed IP as its nest gives it, before it is checked whole. */
struct allowedip_parse {
	struct tunctl_allowedip aip;
	uint16_t addr_len;
	uint32_t given;		/* 1U << the type of each attribute read */
};

/* NOISETUN_A_ALLOWEDIP_IPADDR into @dst, the struct allowedip_parse. */
static int parse_allowedip_addr(const struct nlattr *attr, void *dst)
{
	uint16_t len = attr_len(attr);
	struct allowedip_parse *ap = dst;

	if (len != 4 && len != 16)
		return -EINVAL;
	memcpy(&ap->aip.addr, attr_data(attr), len);
	ap->addr_len = len;
	return 0;
}

/* NOISETUN_A_ALLOWEDIP_FLAGS into @dst, the range's remove flag. */
static int parse_allowedip_flags(const struct nlattr *attr, void *dst)
{
	uint32_t flags;

	if (parse_u32(attr, &flags))
		return -EINVAL;
	*(bool *)dst = flags & NOISETUN_ALLOWEDIP_F_REMOVE_ME;
	return 0;
}

/* As an event's (below), each attribute records its presence by its type. */
#define ALLOWEDIP(type, member, reader)					\
	[type] = RULE(struct allowedip_parse, member, reader, 1U << (type))

static const struct attr_rule allowedip_rules[NOISETUN_A_ALLOWEDIP_MAX + 1] = {
	ALLOWEDIP(NOISETUN_A_ALLOWEDIP_FAMILY, aip.family, parse_u16),
	[NOISETUN_A_ALLOWEDIP_IPADDR] = {
		.read = parse_allowedip_addr,
		.given = 1U << NOISETUN_A_ALLOWEDIP_IPADDR },
	ALLOWEDIP(NOISETUN_A_ALLOWEDIP_CIDR_MASK, aip.cidr, parse_u8),
	ALLOWEDIP(NOISETUN_A_ALLOWEDIP_FLAGS, aip.remove,
		  parse_allowedip_flags),
};

/* One attribute of an allowed-IP nest, into @data, a struct allowedip_parse. */
static int parse_allowedip_attr(const struct nlattr *attr, void *data)
{
	struct allowedip_parse *ap = data;

	if (read_by_rule(attr, allowedip_rules, NOISETUN_A_ALLOWEDIP_MAX, ap,
			 &ap->given, NULL))
		return MNL_CB_ERROR;
	return MNL_CB_OK;
}

/* Whether a parsed allowed IP is complete and its prefix fits its family. */
static bool is_valid_allowedip(const struct allowedip_parse *ap)
{
	const uint32_t want = 1U << NOISETUN_A_ALLOWEDIP_FAMILY |
			      1U << NOISETUN_A_ALLOWEDIP_CIDR_MASK;
	const struct tunctl_allowedip *aip = &ap->aip;

	if ((ap->given & want) != want)
		return false;
	if (aip->family == AF_INET)
		return ap->addr_len == 4 && aip->cidr <= 32;
	if (aip->family == AF_INET6)
		return ap->addr_len == 16 && aip->cidr <= 128;
	return false;
}

/* One element of NOISETUN_A_PEER_ALLOWEDIPS, appended to the peer. */
static int parse_allowedip(const struct nlattr *attr, void *data)
{
	struct parse_ctx *ctx = data;
	struct allowedip_parse ap = { 0 };

	if (parse_nested(attr, parse_allowedip_attr, &ap) != MNL_CB_OK)
		return fail(ctx, -EINVAL);
	if (!is_valid_allowedip(&ap))
		return fail(ctx, -EINVAL);
	if (nt_model_allowedip_add(ctx->peer, &ap.aip))
		return fail(ctx, -ENOMEM);
	return MNL_CB_OK;
}

/*
 * One attribute of a nest of a reply by read_by_rule(), the nests in it
 * with @ctx. The first error recorded, deepest first, stays.
 */
static int parse_by_rules(const struct nlattr *attr, struct parse_ctx *ctx,
			  const struct attr_rule *rules, unsigned int max,
			  void *target, uint32_t *flags)
{
	int err = read_by_rule(attr, rules, max, target, flags, ctx);

	return err ? fail(ctx, ctx->err ? ctx->err : err) : MNL_CB_OK;
}

/* One attribute of a peer nest, into ctx->peer. */
static int parse_peer_attr(const struct nlattr *attr, void *data)
{
	struct parse_ctx *ctx = data;

	return parse_by_rules(attr, ctx, peer_rules, NOISETUN_A_PEER_MAX,
			      ctx->peer, &ctx->peer->flags);
}

/*
 * Add a parsed peer to @dev, or, when it has the public key of @dev's
 * last peer, append its allowed IPs to that one: a dump continues in the
 * next message a peer whose allowed IPs did not fit. The allowed IPs of
 * @scratch move to @dev on success and stay with @scratch on failure.
 */
static int merge_peer(struct tunctl_device *dev, struct tunctl_peer *scratch)
{
	struct tunctl_peer *last, *peer;
	size_t i;

	last = dev->peers_len ? &dev->peers[dev->peers_len - 1] : NULL;
	if (last &&
	    !memcmp(last->public_key, scratch->public_key, NOISETUN_KEY_LEN)) {
		for (i = 0; i < scratch->allowedips_len; i++) {
			if (nt_model_allowedip_add(last,
						   &scratch->allowedips[i]))
				return -ENOMEM;
		}
		free(scratch->allowedips);
		scratch->allowedips = NULL;
		return 0;
	}
	peer = nt_model_peer_add(dev, scratch->public_key);
	if (!peer)
		return -ENOMEM;
	*peer = *scratch;
	scratch->allowedips = NULL;
	return 0;
}

/* One element of NOISETUN_A_DEVICE_PEERS: a new peer or a continuation. */
static int parse_peer(const struct nlattr *attr, void *data)
{
	struct parse_ctx *ctx = data;
	struct tunctl_peer scratch;
	int ret, err;

	memset(&scratch, 0, sizeof(scratch));
	ctx->peer = &scratch;
	ret = parse_nested(attr, parse_peer_attr, ctx);
	ctx->peer = NULL;
	if (ret != MNL_CB_OK || !(scratch.flags & TUNCTL_PEER_HAS_PUBLIC_KEY))
		err = ctx->err ? ctx->err : -EINVAL;
	else
		err = merge_peer(ctx->dev, &scratch);
	free(scratch.allowedips);
	sodium_memzero(&scratch, sizeof(scratch));
	return err ? fail(ctx, err) : MNL_CB_OK;
}

/* One top-level attribute, into ctx->dev. */
static int parse_device_attr(const struct nlattr *attr, void *data)
{
	struct parse_ctx *ctx = data;

	return parse_by_rules(attr, ctx, device_rules, NOISETUN_A_DEVICE_MAX,
			      ctx->dev, &ctx->dev->flags);
}

/*
 * Walk the attributes of @nlh, a generic netlink message, with @cb: false
 * if it is too short to hold its header or @cb stopped the walk.
 */
static bool parse_genl_attrs(const struct nlmsghdr *nlh, mnl_attr_cb_t cb,
			     void *data)
{
	return nlh->nlmsg_len >=
	       MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr)) &&
	       mnl_attr_parse(nlh, sizeof(struct genlmsghdr), cb, data) ==
	       MNL_CB_OK;
}

int nt_uapi_parse_device(const struct nlmsghdr *nlh, struct tunctl_device *dev)
{
	struct parse_ctx ctx = { .dev = dev };

	if (!parse_genl_attrs(nlh, parse_device_attr, &ctx))
		return ctx.err ? ctx.err : -EINVAL;
	return 0;
}

/* ---- events ---- */

/*
 * An event's attributes all record their presence, as the bit of their
 * type: some have a has_* member in struct nt_uapi_event.
 */
#define EVENT(type, member, reader)					\
	[type] = RULE(struct nt_uapi_event, member, reader, 1U << (type))

static const struct attr_rule event_rules[NOISETUN_A_EVENT_MAX + 1] = {
	EVENT(NOISETUN_A_EVENT_IFINDEX, ifindex, parse_u32),
	EVENT(NOISETUN_A_EVENT_IFNAME, ifname, parse_ifname),
	EVENT(NOISETUN_A_EVENT_PEER_PUBLIC_KEY, peer_key, parse_key),
	EVENT(NOISETUN_A_EVENT_DEVICE_PUBLIC_KEY, device_key, parse_key),
	EVENT(NOISETUN_A_EVENT_ENDPOINT, endpoint, parse_endpoint),
	EVENT(NOISETUN_A_EVENT_ROLE, role, parse_u32),
	EVENT(NOISETUN_A_EVENT_RTT_NS, rtt_ns, parse_u64),
	EVENT(NOISETUN_A_EVENT_ATTEMPTS, attempts, parse_u32),
	EVENT(NOISETUN_A_EVENT_CHANGES, changes, parse_u32),
	EVENT(NOISETUN_A_EVENT_UNSENT, unsent, parse_u64),
};

_Static_assert(NOISETUN_A_EVENT_MAX < 32, "an event's types fit in a u32");

struct event_ctx {
	struct nt_uapi_event *ev;
	uint32_t given;		/* 1U << the type of each attribute read */
	int err;
};

static int parse_event_attr(const struct nlattr *attr, void *data)
{
	struct event_ctx *ctx = data;

	ctx->err = read_by_rule(attr, event_rules, NOISETUN_A_EVENT_MAX,
				ctx->ev, &ctx->given, NULL);
	return ctx->err ? MNL_CB_ERROR : MNL_CB_OK;
}

int nt_uapi_parse_event(const struct nlmsghdr *nlh, struct nt_uapi_event *ev)
{
	struct event_ctx ctx = { .ev = ev };
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);

	memset(ev, 0, sizeof(*ev));
	if (!parse_genl_attrs(nlh, parse_event_attr, &ctx))
		return ctx.err ? ctx.err : -EINVAL;
	ev->cmd = genl->cmd;
	ev->has_peer_key = ctx.given & 1U << NOISETUN_A_EVENT_PEER_PUBLIC_KEY;
	ev->has_device_key =
		ctx.given & 1U << NOISETUN_A_EVENT_DEVICE_PUBLIC_KEY;
	ev->has_endpoint = ctx.given & 1U << NOISETUN_A_EVENT_ENDPOINT;
	ev->has_rtt = ctx.given & 1U << NOISETUN_A_EVENT_RTT_NS;
	return ctx.given & 1U << NOISETUN_A_EVENT_IFINDEX ? 0 : -EINVAL;
}

struct group_ctx {
	const char *name;
	uint32_t id;
	bool has_id;
	bool found;
};

/* One attribute of a CTRL_ATTR_MCAST_GRP_* nest. */
static int parse_group_attr(const struct nlattr *attr, void *data)
{
	struct group_ctx *ctx = data;

	switch (mnl_attr_get_type(attr)) {
	case CTRL_ATTR_MCAST_GRP_NAME:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
			return MNL_CB_ERROR;
		ctx->found = !strncmp(mnl_attr_get_str(attr), ctx->name,
				      mnl_attr_get_payload_len(attr));
		break;
	case CTRL_ATTR_MCAST_GRP_ID:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		ctx->id = mnl_attr_get_u32(attr);
		ctx->has_id = true;
		break;
	}
	return MNL_CB_OK;
}

static int parse_group(const struct nlattr *attr, void *data)
{
	struct group_ctx *ctx = data, one = { .name = ctx->name };

	if (mnl_attr_parse_nested(attr, parse_group_attr, &one) != MNL_CB_OK)
		return MNL_CB_ERROR;
	if (one.found && one.has_id && !ctx->found) {
		ctx->id = one.id;
		ctx->found = true;
	}
	return MNL_CB_OK;
}

static int parse_family_groups(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) != CTRL_ATTR_MCAST_GROUPS)
		return MNL_CB_OK;
	if (mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0)
		return MNL_CB_ERROR;
	return mnl_attr_parse_nested(attr, parse_group, data);
}

int nt_uapi_parse_mcast_group(const struct nlmsghdr *nlh, const char *name,
			      uint32_t *id)
{
	struct group_ctx ctx = { .name = name };

	if (!parse_genl_attrs(nlh, parse_family_groups, &ctx))
		return -EINVAL;
	if (!ctx.found)
		return -ENOENT;
	*id = ctx.id;
	return 0;
}
