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

/* ---- building SET_DEVICE requests ---- */

/* Put the first part of a peer: everything but its allowed IPs. */
static bool put_peer_head(struct nlmsghdr *nlh, size_t len,
			  const struct tunctl_peer *peer)
{
	uint32_t flags = 0;

	if (peer->flags & TUNCTL_PEER_REMOVE)
		flags |= NOISETUN_PEER_F_REMOVE_ME;
	if (peer->flags & TUNCTL_PEER_REPLACE_ALLOWEDIPS)
		flags |= NOISETUN_PEER_F_REPLACE_ALLOWEDIPS;
	if (peer->flags & TUNCTL_PEER_UPDATE_ONLY)
		flags |= NOISETUN_PEER_F_UPDATE_ONLY;
	if (flags &&
	    !mnl_attr_put_u32_check(nlh, len, NOISETUN_A_PEER_FLAGS, flags))
		return false;
	if ((peer->flags & TUNCTL_PEER_HAS_PRESHARED_KEY) &&
	    !mnl_attr_put_check(nlh, len, NOISETUN_A_PEER_PRESHARED_KEY,
				NOISETUN_KEY_LEN, peer->preshared_key))
		return false;
	if (peer->flags & TUNCTL_PEER_HAS_ENDPOINT) {
		size_t alen = peer->endpoint.sa.sa_family == AF_INET6 ?
			      sizeof(struct sockaddr_in6) :
			      sizeof(struct sockaddr_in);

		if (!mnl_attr_put_check(nlh, len, NOISETUN_A_PEER_ENDPOINT,
					alen, &peer->endpoint))
			return false;
	}
	if ((peer->flags & TUNCTL_PEER_HAS_KEEPALIVE) &&
	    !mnl_attr_put_u16_check(nlh, len,
				    NOISETUN_A_PEER_PERSISTENT_KEEPALIVE_INTERVAL,
				    peer->keepalive_seconds))
		return false;
	if ((peer->flags & TUNCTL_PEER_HAS_DISABLED) &&
	    !mnl_attr_put_u8_check(nlh, len, NOISETUN_A_PEER_DISABLED,
				   peer->disabled))
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
	if ((dev->flags & TUNCTL_DEVICE_HAS_PRIVATE_KEY) &&
	    !mnl_attr_put_check(nlh, len, NOISETUN_A_DEVICE_PRIVATE_KEY,
				NOISETUN_KEY_LEN, dev->private_key))
		return false;
	if ((dev->flags & TUNCTL_DEVICE_HAS_LISTEN_PORT) &&
	    !mnl_attr_put_u16_check(nlh, len, NOISETUN_A_DEVICE_LISTEN_PORT,
				    dev->listen_port))
		return false;
	if ((dev->flags & TUNCTL_DEVICE_HAS_FWMARK) &&
	    !mnl_attr_put_u32_check(nlh, len, NOISETUN_A_DEVICE_FWMARK,
				    dev->fwmark))
		return false;
	if ((dev->flags & TUNCTL_DEVICE_HAS_UNKNOWN_PEER_EVENTS) &&
	    !mnl_attr_put_u8_check(nlh, len,
				   NOISETUN_A_DEVICE_UNKNOWN_PEER_EVENTS,
				   dev->unknown_peer_events))
		return false;
	if ((dev->flags & TUNCTL_DEVICE_REPLACE_PEERS) &&
	    !mnl_attr_put_u32_check(nlh, len, NOISETUN_A_DEVICE_FLAGS,
				    NOISETUN_DEVICE_F_REPLACE_PEERS))
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
 * What the callbacks of one message share. The parse_*() functions below
 * each read one thing: those given a destination return 0 or -errno;
 * those that are libmnl callbacks (given void *data) return MNL_CB_OK or
 * MNL_CB_ERROR, which stops the walk. The first error recorded in err, or
 * -EINVAL where none was, is what nt_uapi_parse_device() returns.
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

static int parse_key(const struct nlattr *attr, uint8_t key[NOISETUN_KEY_LEN])
{
	if (mnl_attr_get_payload_len(attr) != NOISETUN_KEY_LEN)
		return -EINVAL;
	memcpy(key, mnl_attr_get_payload(attr), NOISETUN_KEY_LEN);
	return 0;
}

/*
 * parse_u8() .. parse_u64(): the attribute is a uN, of exactly that size
 * (mnl_attr_validate()); its value goes to *value. -EINVAL otherwise.
 */
#define DEFINE_PARSE_UINT(bits)						\
	static int parse_u##bits(const struct nlattr *attr,		\
				 uint##bits##_t *value)			\
	{								\
		if (mnl_attr_validate(attr, MNL_TYPE_U##bits) < 0)	\
			return -EINVAL;					\
		*value = mnl_attr_get_u##bits(attr);			\
		return 0;						\
	}

DEFINE_PARSE_UINT(8)
DEFINE_PARSE_UINT(16)
DEFINE_PARSE_UINT(32)
DEFINE_PARSE_UINT(64)

/* One counter of a drops nest into @data, the array of counters. */
static int parse_drop(const struct nlattr *attr, void *data)
{
	uint64_t *drops = data;
	unsigned int type = mnl_attr_get_type(attr);

	if (type == 0 || type > NOISETUN_A_DROP_MAX)
		return MNL_CB_OK;	/* a newer kernel's counter */
	return parse_u64(attr, &drops[type]) ? MNL_CB_ERROR : MNL_CB_OK;
}

static int parse_drops(const struct nlattr *attr,
		       uint64_t drops[NOISETUN_A_DROP_MAX + 1])
{
	if (mnl_attr_parse_nested(attr, parse_drop, drops) != MNL_CB_OK)
		return -EINVAL;
	return 0;
}

/* An allowed IP as its nest gives it, before it is checked whole. */
struct allowedip_parse {
	struct tunctl_allowedip aip;
	uint16_t addr_len;
	bool has_family;
	bool has_cidr;
};

static int parse_allowedip_addr(const struct nlattr *attr,
				struct allowedip_parse *ap)
{
	uint16_t len = mnl_attr_get_payload_len(attr);

	if (len != 4 && len != 16)
		return -EINVAL;
	memcpy(&ap->aip.addr, mnl_attr_get_payload(attr), len);
	ap->addr_len = len;
	return 0;
}

static int parse_allowedip_flags(const struct nlattr *attr,
				 struct tunctl_allowedip *aip)
{
	uint32_t flags;

	if (parse_u32(attr, &flags))
		return -EINVAL;
	aip->remove = flags & NOISETUN_ALLOWEDIP_F_REMOVE_ME;
	return 0;
}

/* One attribute of an allowed-IP nest, into @data, a struct allowedip_parse. */
static int parse_allowedip_attr(const struct nlattr *attr, void *data)
{
	struct allowedip_parse *ap = data;
	int err = 0;

	switch (mnl_attr_get_type(attr)) {
	case NOISETUN_A_ALLOWEDIP_FAMILY:
		err = parse_u16(attr, &ap->aip.family);
		if (!err)
			ap->has_family = true;
		break;
	case NOISETUN_A_ALLOWEDIP_IPADDR:
		err = parse_allowedip_addr(attr, ap);
		break;
	case NOISETUN_A_ALLOWEDIP_CIDR_MASK:
		err = parse_u8(attr, &ap->aip.cidr);
		if (!err)
			ap->has_cidr = true;
		break;
	case NOISETUN_A_ALLOWEDIP_FLAGS:
		err = parse_allowedip_flags(attr, &ap->aip);
		break;
	}
	return err ? MNL_CB_ERROR : MNL_CB_OK;
}

/* Whether a parsed allowed IP is complete and its prefix fits its family. */
static bool is_valid_allowedip(const struct allowedip_parse *ap)
{
	const struct tunctl_allowedip *aip = &ap->aip;

	if (!ap->has_family || !ap->has_cidr)
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

	if (mnl_attr_parse_nested(attr, parse_allowedip_attr, &ap) != MNL_CB_OK)
		return fail(ctx, -EINVAL);
	if (!is_valid_allowedip(&ap))
		return fail(ctx, -EINVAL);
	if (nt_model_allowedip_add(ctx->peer, &ap.aip))
		return fail(ctx, -ENOMEM);
	return MNL_CB_OK;
}

static int parse_allowedips(const struct nlattr *attr, struct parse_ctx *ctx)
{
	if (mnl_attr_parse_nested(attr, parse_allowedip, ctx) != MNL_CB_OK)
		return ctx->err ? ctx->err : -EINVAL;
	return 0;
}

static int parse_preshared_key(const struct nlattr *attr,
			       struct tunctl_peer *peer)
{
	if (parse_key(attr, peer->preshared_key))
		return -EINVAL;
	/* All zeros is how the kernel says "none". */
	if (!nt_model_key_is_zero(peer->preshared_key))
		peer->flags |= TUNCTL_PEER_HAS_PRESHARED_KEY;
	return 0;
}

static int parse_peer_flags(const struct nlattr *attr, struct tunctl_peer *peer)
{
	uint32_t flags;

	if (parse_u32(attr, &flags))
		return -EINVAL;
	if (flags & NOISETUN_PEER_F_REMOVE_ME)
		peer->flags |= TUNCTL_PEER_REMOVE;
	if (flags & NOISETUN_PEER_F_REPLACE_ALLOWEDIPS)
		peer->flags |= TUNCTL_PEER_REPLACE_ALLOWEDIPS;
	if (flags & NOISETUN_PEER_F_UPDATE_ONLY)
		peer->flags |= TUNCTL_PEER_UPDATE_ONLY;
	return 0;
}

/* A sockaddr_in or sockaddr_in6; anything else is skipped, not refused. */
static int parse_endpoint(const struct nlattr *attr, struct tunctl_peer *peer)
{
	uint16_t len = mnl_attr_get_payload_len(attr);
	const struct sockaddr *sa = mnl_attr_get_payload(attr);

	if (len == sizeof(struct sockaddr_in) && sa->sa_family == AF_INET) {
		memcpy(&peer->endpoint.sin, sa, len);
		peer->flags |= TUNCTL_PEER_HAS_ENDPOINT;
	} else if (len == sizeof(struct sockaddr_in6) &&
		   sa->sa_family == AF_INET6) {
		memcpy(&peer->endpoint.sin6, sa, len);
		peer->flags |= TUNCTL_PEER_HAS_ENDPOINT;
	}
	return 0;
}

static int parse_disabled(const struct nlattr *attr, struct tunctl_peer *peer)
{
	uint8_t value;

	if (parse_u8(attr, &value))
		return -EINVAL;
	peer->disabled = value;
	return 0;
}

/*
 * A description: at most NOISETUN_DESCRIPTION_MAX bytes, one trailing NUL
 * allowed, no NUL inside. Its UTF-8 is the kernel's to check; the printers
 * escape what they print.
 */
static int parse_description(const struct nlattr *attr,
			     struct tunctl_peer *peer)
{
	const char *text = mnl_attr_get_payload(attr);
	size_t len = mnl_attr_get_payload_len(attr);

	if (len && !text[len - 1])
		len--;
	if (len > NOISETUN_DESCRIPTION_MAX || memchr(text, '\0', len))
		return -EINVAL;
	memcpy(peer->description, text, len);
	peer->description[len] = '\0';
	return 0;
}

/* A struct __kernel_timespec (last handshake, last receive). */
static int parse_timespec(const struct nlattr *attr, int64_t *sec,
			  int64_t *nsec)
{
	struct kernel_timespec ts;

	if (mnl_attr_get_payload_len(attr) != sizeof(ts))
		return -EINVAL;
	memcpy(&ts, mnl_attr_get_payload(attr), sizeof(ts));
	*sec = ts.tv_sec;
	*nsec = ts.tv_nsec;
	return 0;
}

/*
 * One attribute of a peer nest, into ctx->peer: each case parses one
 * thing. "given" is the flag that records the attribute's presence, set
 * only once it parsed.
 */
static int parse_peer_attr(const struct nlattr *attr, void *data)
{
	struct parse_ctx *ctx = data;
	struct tunctl_peer *peer = ctx->peer;
	uint32_t given = 0;
	int err = 0;

	switch (mnl_attr_get_type(attr)) {
	case NOISETUN_A_PEER_PUBLIC_KEY:
		err = parse_key(attr, peer->public_key);
		given = TUNCTL_PEER_HAS_PUBLIC_KEY;
		break;
	case NOISETUN_A_PEER_PRESHARED_KEY:
		err = parse_preshared_key(attr, peer);
		break;
	case NOISETUN_A_PEER_FLAGS:
		err = parse_peer_flags(attr, peer);
		break;
	case NOISETUN_A_PEER_ENDPOINT:
		err = parse_endpoint(attr, peer);
		break;
	case NOISETUN_A_PEER_PERSISTENT_KEEPALIVE_INTERVAL:
		err = parse_u16(attr, &peer->keepalive_seconds);
		given = TUNCTL_PEER_HAS_KEEPALIVE;
		break;
	case NOISETUN_A_PEER_LAST_HANDSHAKE_TIME:
		err = parse_timespec(attr, &peer->last_handshake_sec,
				     &peer->last_handshake_nsec);
		break;
	case NOISETUN_A_PEER_RX_BYTES:
		err = parse_u64(attr, &peer->rx_bytes);
		break;
	case NOISETUN_A_PEER_TX_BYTES:
		err = parse_u64(attr, &peer->tx_bytes);
		break;
	case NOISETUN_A_PEER_RX_PACKETS:
		err = parse_u64(attr, &peer->rx_packets);
		break;
	case NOISETUN_A_PEER_TX_PACKETS:
		err = parse_u64(attr, &peer->tx_packets);
		break;
	case NOISETUN_A_PEER_HANDSHAKE_ATTEMPTS:
		err = parse_u64(attr, &peer->handshake_attempts);
		break;
	case NOISETUN_A_PEER_LAST_RX_TIME:
		err = parse_timespec(attr, &peer->last_rx_sec,
				     &peer->last_rx_nsec);
		given = TUNCTL_PEER_HAS_STATS;
		break;
	case NOISETUN_A_PEER_LAST_HANDSHAKE_RTT_NS:
		err = parse_u64(attr, &peer->last_handshake_rtt_ns);
		given = TUNCTL_PEER_HAS_STATS;
		break;
	case NOISETUN_A_PEER_HANDSHAKES_COMPLETED:
		err = parse_u64(attr, &peer->handshakes_completed);
		given = TUNCTL_PEER_HAS_STATS;
		break;
	case NOISETUN_A_PEER_HANDSHAKES_FAILED:
		err = parse_u64(attr, &peer->handshakes_failed);
		given = TUNCTL_PEER_HAS_STATS;
		break;
	case NOISETUN_A_PEER_COOKIES_RECEIVED:
		err = parse_u64(attr, &peer->cookies_received);
		given = TUNCTL_PEER_HAS_STATS;
		break;
	case NOISETUN_A_PEER_ALLOWEDIPS:
		err = parse_allowedips(attr, ctx);
		break;
	case NOISETUN_A_PEER_DROPS:
		err = parse_drops(attr, peer->drops);
		given = TUNCTL_PEER_HAS_DROPS;
		break;
	case NOISETUN_A_PEER_DISABLED:
		err = parse_disabled(attr, peer);
		given = TUNCTL_PEER_HAS_DISABLED;
		break;
	case NOISETUN_A_PEER_DESCRIPTION:
		err = parse_description(attr, peer);
		given = TUNCTL_PEER_HAS_DESCRIPTION;
		break;
	}
	if (err)
		return fail(ctx, err);
	peer->flags |= given;
	return MNL_CB_OK;
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
	ret = mnl_attr_parse_nested(attr, parse_peer_attr, ctx);
	ctx->peer = NULL;
	if (ret != MNL_CB_OK || !(scratch.flags & TUNCTL_PEER_HAS_PUBLIC_KEY))
		err = ctx->err ? ctx->err : -EINVAL;
	else
		err = merge_peer(ctx->dev, &scratch);
	free(scratch.allowedips);
	sodium_memzero(&scratch, sizeof(scratch));
	return err ? fail(ctx, err) : MNL_CB_OK;
}

static int parse_peers(const struct nlattr *attr, struct parse_ctx *ctx)
{
	if (mnl_attr_parse_nested(attr, parse_peer, ctx) != MNL_CB_OK)
		return ctx->err ? ctx->err : -EINVAL;
	return 0;
}

static int parse_ifname(const struct nlattr *attr, char name[IFNAMSIZ])
{
	const char *payload = mnl_attr_get_payload(attr);

	if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0 ||
	    strnlen(payload, mnl_attr_get_payload_len(attr)) >= IFNAMSIZ)
		return -EINVAL;
	strcpy(name, payload);
	return 0;
}

static int parse_device_flags(const struct nlattr *attr,
			      struct tunctl_device *dev)
{
	uint32_t flags;

	if (parse_u32(attr, &flags))
		return -EINVAL;
	if (flags & NOISETUN_DEVICE_F_REPLACE_PEERS)
		dev->flags |= TUNCTL_DEVICE_REPLACE_PEERS;
	return 0;
}

/* One top-level attribute, into ctx->dev; "given" as in parse_peer_attr(). */
static int parse_device_attr(const struct nlattr *attr, void *data)
{
	struct parse_ctx *ctx = data;
	struct tunctl_device *dev = ctx->dev;
	uint32_t given = 0;
	int err = 0;

	switch (mnl_attr_get_type(attr)) {
	case NOISETUN_A_DEVICE_IFINDEX:
		err = parse_u32(attr, &dev->ifindex);
		break;
	case NOISETUN_A_DEVICE_IFNAME:
		err = parse_ifname(attr, dev->name);
		break;
	case NOISETUN_A_DEVICE_PRIVATE_KEY:
		err = parse_key(attr, dev->private_key);
		given = TUNCTL_DEVICE_HAS_PRIVATE_KEY;
		break;
	case NOISETUN_A_DEVICE_PUBLIC_KEY:
		err = parse_key(attr, dev->public_key);
		given = TUNCTL_DEVICE_HAS_PUBLIC_KEY;
		break;
	case NOISETUN_A_DEVICE_FLAGS:
		err = parse_device_flags(attr, dev);
		break;
	case NOISETUN_A_DEVICE_LISTEN_PORT:
		err = parse_u16(attr, &dev->listen_port);
		given = TUNCTL_DEVICE_HAS_LISTEN_PORT;
		break;
	case NOISETUN_A_DEVICE_FWMARK:
		err = parse_u32(attr, &dev->fwmark);
		given = TUNCTL_DEVICE_HAS_FWMARK;
		break;
	case NOISETUN_A_DEVICE_DROPS:
		err = parse_drops(attr, dev->drops);
		given = TUNCTL_DEVICE_HAS_DROPS;
		break;
	case NOISETUN_A_DEVICE_PEERS:
		err = parse_peers(attr, ctx);
		break;
	case NOISETUN_A_DEVICE_COOKIES_SENT:
		err = parse_u64(attr, &dev->cookies_sent);
		given = TUNCTL_DEVICE_HAS_STATS;
		break;
	case NOISETUN_A_DEVICE_HANDSHAKES_ANSWERED:
		err = parse_u64(attr, &dev->handshakes_answered);
		given = TUNCTL_DEVICE_HAS_STATS;
		break;
	case NOISETUN_A_DEVICE_UNDER_LOAD_NS:
		err = parse_u64(attr, &dev->under_load_ns);
		given = TUNCTL_DEVICE_HAS_STATS;
		break;
	case NOISETUN_A_DEVICE_UNKNOWN_PEER_EVENTS: {
		uint8_t on = 0;

		err = parse_u8(attr, &on);
		dev->unknown_peer_events = on;
		given = TUNCTL_DEVICE_HAS_UNKNOWN_PEER_EVENTS;
		break;
	}
	case NOISETUN_A_DEVICE_HANDSHAKE_QUEUE_LEN:
		err = parse_u32(attr, &dev->handshake_queue_len);
		given = TUNCTL_DEVICE_HAS_STATS;
		break;
	}
	if (err)
		return fail(ctx, err);
	dev->flags |= given;
	return MNL_CB_OK;
}

int nt_uapi_parse_device(const struct nlmsghdr *nlh, struct tunctl_device *dev)
{
	struct parse_ctx ctx = { .dev = dev };

	if (nlh->nlmsg_len <
	    MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr)))
		return -EINVAL;
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), parse_device_attr,
			   &ctx) != MNL_CB_OK)
		return ctx.err ? ctx.err : -EINVAL;
	return 0;
}

/* ---- events ---- */

struct event_ctx {
	struct nt_uapi_event *ev;
	bool has_ifindex;
	int err;
};

static int parse_event_endpoint(const struct nlattr *attr,
				struct nt_uapi_event *ev)
{
	uint16_t len = mnl_attr_get_payload_len(attr);
	const struct sockaddr *sa = mnl_attr_get_payload(attr);

	if (len < sizeof(sa->sa_family))
		return 0;
	if (len == sizeof(struct sockaddr_in) && sa->sa_family == AF_INET) {
		memcpy(&ev->endpoint.sin, sa, len);
		ev->has_endpoint = true;
	} else if (len == sizeof(struct sockaddr_in6) &&
		   sa->sa_family == AF_INET6) {
		memcpy(&ev->endpoint.sin6, sa, len);
		ev->has_endpoint = true;
	}
	return 0;
}

static int parse_event_attr(const struct nlattr *attr, void *data)
{
	struct event_ctx *ctx = data;
	struct nt_uapi_event *ev = ctx->ev;
	int err = 0;

	switch (mnl_attr_get_type(attr)) {
	case NOISETUN_A_EVENT_IFINDEX:
		err = parse_u32(attr, &ev->ifindex);
		ctx->has_ifindex = !err;
		break;
	case NOISETUN_A_EVENT_IFNAME:
		err = parse_ifname(attr, ev->ifname);
		break;
	case NOISETUN_A_EVENT_PEER_PUBLIC_KEY:
		err = parse_key(attr, ev->peer_key);
		ev->has_peer_key = !err;
		break;
	case NOISETUN_A_EVENT_DEVICE_PUBLIC_KEY:
		err = parse_key(attr, ev->device_key);
		ev->has_device_key = !err;
		break;
	case NOISETUN_A_EVENT_ENDPOINT:
		err = parse_event_endpoint(attr, ev);
		break;
	case NOISETUN_A_EVENT_ROLE:
		err = parse_u32(attr, &ev->role);
		break;
	case NOISETUN_A_EVENT_RTT_NS:
		err = parse_u64(attr, &ev->rtt_ns);
		ev->has_rtt = !err;
		break;
	case NOISETUN_A_EVENT_ATTEMPTS:
		err = parse_u32(attr, &ev->attempts);
		break;
	case NOISETUN_A_EVENT_CHANGES:
		err = parse_u32(attr, &ev->changes);
		break;
	case NOISETUN_A_EVENT_UNSENT:
		err = parse_u64(attr, &ev->unsent);
		break;
	}
	if (err) {
		ctx->err = err;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

int nt_uapi_parse_event(const struct nlmsghdr *nlh, struct nt_uapi_event *ev)
{
	struct event_ctx ctx = { .ev = ev };
	const struct genlmsghdr *genl;

	memset(ev, 0, sizeof(*ev));
	if (nlh->nlmsg_len <
	    MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr)))
		return -EINVAL;
	genl = mnl_nlmsg_get_payload(nlh);
	ev->cmd = genl->cmd;
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), parse_event_attr,
			   &ctx) != MNL_CB_OK)
		return ctx.err ? ctx.err : -EINVAL;
	return ctx.has_ifindex ? 0 : -EINVAL;
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

	if (nlh->nlmsg_len <
	    MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr)))
		return -EINVAL;
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), parse_family_groups,
			   &ctx) != MNL_CB_OK)
		return -EINVAL;
	if (!ctx.found)
		return -ENOENT;
	*id = ctx.id;
	return 0;
}
