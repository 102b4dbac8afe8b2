// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "noisetun": GET_DEVICE (a resumable dump) and
 * SET_DEVICE (validated whole, then applied whole). uapi/noisetun.h is the
 * reference for every attribute.
 *
 * Validation. Every command is strict (resv_start_op): the core rejects
 * unknown attributes, trailing bytes, missing NLA_F_NESTED and wrong
 * lengths before a handler runs, and it validates the whole nested tree of
 * a SET through the nested-array policies below, so a handler never
 * rechecks what a policy checked. What a policy cannot say (one attribute
 * depending on another, and the values of integers: see the policies) is
 * checked in the first pass of SET.
 *
 * SET in two passes. The first pass reads the whole request into a plan:
 * it decides for every element of PEERS what will happen to which peer
 * (replaying the request's own order on a shadow of the peer set, so that
 * a peer removed and added again in one request, REPLACE_PEERS, and the
 * peer that a new private key displaces all come out as they would one by
 * one), checks every rule, and acquires everything that can fail: new
 * peers, the allowed-IPs nodes, and a new socket pair for a port change,
 * bound last so that a busy port fails before anything changed. The
 * second pass applies the plan and cannot fail. So a request that fails
 * leaves the configuration as it was (Documentation/testing.md N16).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <crypto/algapi.h>
#include <crypto/curve25519.h>
#include <linux/cpumask.h>
#include <linux/if.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/jiffies.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include <net/sock.h>

#include "allowedips.h"
#include "compat.h"
#include "device.h"
#include "messages.h"
#include "netlink.h"
#include "noisetun.h"
#include "peer.h"
#include "peerlookup.h"
#include "send.h"
#include "socket.h"
#include "timers.h"

static struct genl_family genl_family;

/*
 * Policies. An integer attribute has a plain type and nothing more: its
 * value (flag bits, the protocol version) is checked by the first pass of
 * SET. A validation function on an integer type would share its union with
 * the range that the core's policy dump reads (in an extack naming the
 * policy, and in CTRL_CMD_GETPOLICY, which anyone may ask for): 6.1's
 * nla_get_range_unsigned() then WARNs on the function pointer's bytes.
 */

/* Bits in a FLAGS attribute beyond @all: -EOPNOTSUPP, as WireGuard. */
static bool unknown_flags(const struct nlattr *attr, u32 all)
{
	return attr && nla_get_u32(attr) & ~all;
}

/*
 * WireGuard silently ignores an endpoint of any other size or family; we
 * refuse it (Documentation/testing.md N12), since the caller surely meant
 * something.
 */
static int validate_endpoint(const struct nlattr *attr,
			     struct netlink_ext_ack *extack)
{
	const struct sockaddr *addr = nla_data(attr);
	int len = nla_len(attr);

	if ((len == sizeof(struct sockaddr_in) && addr->sa_family == AF_INET) ||
	    (len == sizeof(struct sockaddr_in6) && addr->sa_family == AF_INET6))
		return 0;
	NL_SET_ERR_MSG_ATTR(extack, attr,
			    "peer ENDPOINT must be a sockaddr_in or sockaddr_in6");
	return -EINVAL;
}

#define READ_ONLY(name) \
	{ .type = NLA_REJECT, .reject_message = name " is read-only" }
/* A read-only attribute, named once: [NOISETUN_A_PEER_RX_BYTES] etc. */
#define PEER_READ_ONLY(attr) \
	[NOISETUN_A_PEER_##attr] = READ_ONLY("peer " #attr)
#define DEVICE_READ_ONLY(attr) \
	[NOISETUN_A_DEVICE_##attr] = READ_ONLY("device " #attr)

/*
 * IPADDR and CIDR_MASK are checked against FAMILY by the first pass of SET,
 * with -EINVAL as WireGuard gives (Documentation/testing.md N10), rather than
 * by a range policy, which would answer -ERANGE for some of the same mistakes.
 */
static const struct nla_policy allowedip_policy[NOISETUN_A_ALLOWEDIP_MAX + 1] = {
	[NOISETUN_A_ALLOWEDIP_FAMILY]	 = { .type = NLA_U16 },
	[NOISETUN_A_ALLOWEDIP_IPADDR]	 = { .type = NLA_BINARY },
	[NOISETUN_A_ALLOWEDIP_CIDR_MASK] = { .type = NLA_U8 },
	[NOISETUN_A_ALLOWEDIP_FLAGS]	 = { .type = NLA_U32 },
};

static const struct nla_policy peer_policy[NOISETUN_A_PEER_MAX + 1] = {
	[NOISETUN_A_PEER_PUBLIC_KEY]	=
		NLA_POLICY_EXACT_LEN(NOISETUN_KEY_LEN),
	[NOISETUN_A_PEER_PRESHARED_KEY]	=
		NLA_POLICY_EXACT_LEN(NOISETUN_KEY_LEN),
	[NOISETUN_A_PEER_FLAGS]		= { .type = NLA_U32 },
	[NOISETUN_A_PEER_ENDPOINT]	=
		NLA_POLICY_VALIDATE_FN(NLA_BINARY, validate_endpoint),
	[NOISETUN_A_PEER_PERSISTENT_KEEPALIVE_INTERVAL] = { .type = NLA_U16 },
	PEER_READ_ONLY(LAST_HANDSHAKE_TIME),
	PEER_READ_ONLY(RX_BYTES),
	PEER_READ_ONLY(TX_BYTES),
	[NOISETUN_A_PEER_ALLOWEDIPS]	=
		NLA_POLICY_NESTED_ARRAY(allowedip_policy),
	[NOISETUN_A_PEER_PROTOCOL_VERSION] = { .type = NLA_U32 },
	PEER_READ_ONLY(RX_PACKETS),
	PEER_READ_ONLY(TX_PACKETS),
	PEER_READ_ONLY(HANDSHAKE_ATTEMPTS),
	PEER_READ_ONLY(DROPS),
	/* Their values are checked by the first pass of SET. */
	[NOISETUN_A_PEER_DISABLED]	= { .type = NLA_U8 },
	[NOISETUN_A_PEER_DESCRIPTION]	= { .type = NLA_BINARY },
	PEER_READ_ONLY(LAST_RX_TIME),
	PEER_READ_ONLY(LAST_HANDSHAKE_RTT_NS),
	PEER_READ_ONLY(HANDSHAKES_COMPLETED),
	PEER_READ_ONLY(HANDSHAKES_FAILED),
	PEER_READ_ONLY(COOKIES_RECEIVED),
};

static const struct nla_policy set_device_policy[NOISETUN_A_DEVICE_MAX + 1] = {
	[NOISETUN_A_DEVICE_IFINDEX]	= { .type = NLA_U32 },
	[NOISETUN_A_DEVICE_IFNAME]	= { .type = NLA_NUL_STRING,
					    .len = IFNAMSIZ - 1 },
	[NOISETUN_A_DEVICE_PRIVATE_KEY]	=
		NLA_POLICY_EXACT_LEN(NOISETUN_KEY_LEN),
	DEVICE_READ_ONLY(PUBLIC_KEY),
	[NOISETUN_A_DEVICE_FLAGS]	= { .type = NLA_U32 },
	[NOISETUN_A_DEVICE_LISTEN_PORT]	= { .type = NLA_U16 },
	[NOISETUN_A_DEVICE_FWMARK]	= { .type = NLA_U32 },
	[NOISETUN_A_DEVICE_PEERS]	= NLA_POLICY_NESTED_ARRAY(peer_policy),
	DEVICE_READ_ONLY(DROPS),
	[NOISETUN_A_DEVICE_QUERY_PEER]	= {
		.type = NLA_REJECT,
		.reject_message = "QUERY_PEER is for GET_DEVICE only",
	},
	[NOISETUN_A_DEVICE_QUERY_FLAGS]	= {
		.type = NLA_REJECT,
		.reject_message = "QUERY_FLAGS is for GET_DEVICE only",
	},
	DEVICE_READ_ONLY(COOKIES_SENT),
	DEVICE_READ_ONLY(HANDSHAKES_ANSWERED),
	DEVICE_READ_ONLY(UNDER_LOAD_NS),
	DEVICE_READ_ONLY(HANDSHAKE_QUEUE_LEN),
	[NOISETUN_A_DEVICE_UNKNOWN_PEER_EVENTS] = NLA_POLICY_MAX(NLA_U8, 1),
};

/* A GET request names the device, and maybe a peer and what to read. */
static const struct nla_policy get_device_policy[NOISETUN_A_DEVICE_MAX + 1] = {
	[NOISETUN_A_DEVICE_IFINDEX]	= { .type = NLA_U32 },
	[NOISETUN_A_DEVICE_IFNAME]	= { .type = NLA_NUL_STRING,
					    .len = IFNAMSIZ - 1 },
	[NOISETUN_A_DEVICE_PRIVATE_KEY ... NOISETUN_A_DEVICE_DROPS] = {
		.type = NLA_REJECT,
		.reject_message =
			"GET_DEVICE takes IFINDEX or IFNAME, QUERY_PEER, QUERY_FLAGS",
	},
	[NOISETUN_A_DEVICE_QUERY_PEER]	=
		NLA_POLICY_EXACT_LEN(NOISETUN_KEY_LEN),
	[NOISETUN_A_DEVICE_QUERY_FLAGS]	= { .type = NLA_U32 },
	[NOISETUN_A_DEVICE_COOKIES_SENT ... NOISETUN_A_DEVICE_UNKNOWN_PEER_EVENTS] = {
		.type = NLA_REJECT,
		.reject_message =
			"GET_DEVICE takes IFINDEX or IFNAME, QUERY_PEER, QUERY_FLAGS",
	},
};

/*
 * Find the device a request names, with a reference the caller drops with
 * dev_put(). Only this module's devices qualify: anything else, even the
 * in-tree wireguard, gets -EOPNOTSUPP as WireGuard answers for a foreign
 * kind.
 */
static struct nt_device *lookup_device(struct net *net, struct nlattr **attrs,
				       struct netlink_ext_ack *extack)
{
	struct nlattr *which = attrs[NOISETUN_A_DEVICE_IFINDEX];
	struct net_device *dev;

	if (!attrs[NOISETUN_A_DEVICE_IFINDEX] ==
	    !attrs[NOISETUN_A_DEVICE_IFNAME]) {
		NL_SET_ERR_MSG(extack,
			       "name the device with exactly one of IFINDEX or IFNAME");
		return ERR_PTR(-EBADR);
	}
	if (which) {
		dev = dev_get_by_index(net, nla_get_u32(which));
	} else {
		which = attrs[NOISETUN_A_DEVICE_IFNAME];
		dev = dev_get_by_name(net, nla_data(which));
	}
	if (!dev) {
		NL_SET_ERR_MSG_ATTR(extack, which, "no such device");
		return ERR_PTR(-ENODEV);
	}
	if (!nt_device_is_noisetun(dev)) {
		dev_put(dev);
		NL_SET_ERR_MSG_ATTR(extack, which, "not a noisetun device");
		return ERR_PTR(-EOPNOTSUPP);
	}
	return netdev_priv(dev);
}

/* GET_DEVICE */

/**
 * struct dump_ctx - where a GET dump stands between two messages
 * @ntd: the device, with a net_device reference held from start to done
 * @next_peer: the peer the next message starts with, referenced; NULL
 *             before the first message
 * @next_allowedip: the node of @next_peer's allowed IPs the next message
 *                  starts with, or NULL to start with the peer's own
 *                  attributes. Not referenced: it is only followed while
 *                  @generation and @allowedips_seq are unchanged, which
 *                  proves that no allowed IP was freed since; otherwise
 *                  the walk of @next_peer's ranges starts again and skips
 *                  @next_allowedip_index of them.
 * @allowedips_seq: the allowed-IPs table's seq when the last message was
 *                  built
 * @generation: the device's generation when the last message was built
 * @next_allowedip_index: how many of @next_peer's ranges are out already
 * @query_flags: the request's NOISETUN_QUERY_F_* bits
 * @started: the first message (device attributes) went out
 * @only: QUERY_PEER restricts the dump to one peer
 */
struct dump_ctx {
	struct nt_device *ntd;
	struct nt_peer *next_peer;
	struct nt_allowedips_node *next_allowedip;
	u64 allowedips_seq;
	unsigned int generation;
	unsigned int next_allowedip_index;
	u8 query_flags;
	bool started;
	bool only;
};

static struct dump_ctx *dump_ctx(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct dump_ctx) > sizeof(cb->ctx));
	return (struct dump_ctx *)cb->ctx;
}

/*
 * Close @nest if @keep, else take it back out of @skb: it is empty, or
 * filling it ran out of room.
 *
 * Return: 0 if kept, else -EMSGSIZE.
 */
static int nest_keep_or_cancel(struct sk_buff *skb, struct nlattr *nest,
			       bool keep)
{
	if (!keep) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int put_drops(struct sk_buff *skb, int attrtype,
		     struct nt_drop_counters __percpu *drops)
{
	u64 sum[__NOISETUN_A_DROP_MAX];
	struct nlattr *nest;
	int reason;

	nt_drop_counters_read(drops, sum);
	nest = nla_nest_start(skb, attrtype);
	if (!nest)
		return -EMSGSIZE;
	for (reason = NOISETUN_A_DROP_UNSPEC + 1;
	     reason <= NOISETUN_A_DROP_MAX; ++reason) {
		if (nla_put_u64_64bit(skb, reason, sum[reason],
				      NOISETUN_A_DROP_UNSPEC))
			break;
	}
	return nest_keep_or_cancel(skb, nest, reason > NOISETUN_A_DROP_MAX);
}

static int put_device_attrs(struct sk_buff *skb, struct nt_device *ntd,
			    u32 query_flags)
{
	struct nt_static_identity *identity = &ntd->static_identity;
	u64 cookies_sent, answered;
	int ret = 0;

	ASSERT_RTNL(); /* for the name */
	if (nla_put_u32(skb, NOISETUN_A_DEVICE_IFINDEX, ntd->dev->ifindex) ||
	    nla_put_string(skb, NOISETUN_A_DEVICE_IFNAME, ntd->dev->name))
		return -EMSGSIZE;
	if (query_flags & NOISETUN_QUERY_F_STATS_ONLY)
		goto stats;
	if (nla_put_u16(skb, NOISETUN_A_DEVICE_LISTEN_PORT,
			ntd->incoming_port) ||
	    nla_put_u32(skb, NOISETUN_A_DEVICE_FWMARK, ntd->fwmark))
		return -EMSGSIZE;

	/*
	 * The private key only when asked for: the caller has CAP_NET_ADMIN
	 * (like the one who set the key), but a reply that is not meant to
	 * carry a secret should not, wherever it ends up.
	 */
	down_read(&identity->lock);
	if (identity->has_identity &&
	    (((query_flags & NOISETUN_QUERY_F_KEYS) &&
	      nla_put(skb, NOISETUN_A_DEVICE_PRIVATE_KEY, NOISETUN_KEY_LEN,
		      identity->private_key)) ||
	     nla_put(skb, NOISETUN_A_DEVICE_PUBLIC_KEY, NOISETUN_KEY_LEN,
		     identity->public_key)))
		ret = -EMSGSIZE;
	up_read(&identity->lock);
	if (ret)
		return ret;

	if (nla_put_u8(skb, NOISETUN_A_DEVICE_UNKNOWN_PEER_EVENTS,
		       ntd->unknown_peer_events))
		return -EMSGSIZE;
stats:
	nt_device_read_stats(ntd, &cookies_sent, &answered);
	if (nla_put_u64_64bit(skb, NOISETUN_A_DEVICE_COOKIES_SENT,
			      cookies_sent, NOISETUN_A_DEVICE_UNSPEC) ||
	    nla_put_u64_64bit(skb, NOISETUN_A_DEVICE_HANDSHAKES_ANSWERED,
			      answered, NOISETUN_A_DEVICE_UNSPEC) ||
	    nla_put_u64_64bit(skb, NOISETUN_A_DEVICE_UNDER_LOAD_NS,
			      nt_device_under_load_ns(ntd),
			      NOISETUN_A_DEVICE_UNSPEC) ||
	    nla_put_u32(skb, NOISETUN_A_DEVICE_HANDSHAKE_QUEUE_LEN,
			skb_queue_len_lockless(&ntd->handshake_queue)))
		return -EMSGSIZE;
	return put_drops(skb, NOISETUN_A_DEVICE_DROPS, ntd->drops);
}

static int put_allowedip(struct sk_buff *skb,
			 const struct nt_allowedips_node *node, int index)
{
	u8 ip[16] __aligned(__alignof__(u64));
	struct nlattr *nest;
	bool fits;
	int family;
	u8 cidr;

	family = nt_allowedips_read_node(node, ip, &cidr);
	nest = nla_nest_start(skb, index);
	if (!nest)
		return -EMSGSIZE;
	fits = !nla_put_u16(skb, NOISETUN_A_ALLOWEDIP_FAMILY, family) &&
	       !nla_put(skb, NOISETUN_A_ALLOWEDIP_IPADDR,
			family == AF_INET6 ? sizeof(struct in6_addr) :
					     sizeof(struct in_addr), ip) &&
	       !nla_put_u8(skb, NOISETUN_A_ALLOWEDIP_CIDR_MASK, cidr);
	return nest_keep_or_cancel(skb, nest, fits);
}

/*
 * The configuration of a peer beyond its public key and allowed IPs; the
 * preshared key only with NOISETUN_QUERY_F_KEYS.
 */
static int put_peer_config(struct sk_buff *skb, struct nt_peer *peer,
			   u32 query_flags)
{
	int ret = 0;

	lockdep_assert_held(&peer->device->device_update_lock);
	if (query_flags & NOISETUN_QUERY_F_KEYS) {
		down_read(&peer->handshake.lock);
		if (nla_put(skb, NOISETUN_A_PEER_PRESHARED_KEY, NOISETUN_KEY_LEN,
			    peer->handshake.preshared_key))
			ret = -EMSGSIZE;
		up_read(&peer->handshake.lock);
		if (ret)
			return ret;
	}
	if (nla_put_u16(skb, NOISETUN_A_PEER_PERSISTENT_KEEPALIVE_INTERVAL,
			READ_ONCE(peer->persistent_keepalive_interval)) ||
	    nla_put_u32(skb, NOISETUN_A_PEER_PROTOCOL_VERSION, 1) ||
	    nla_put_u8(skb, NOISETUN_A_PEER_DISABLED, peer->disabled) ||
	    (peer->description &&
	     nla_put_string(skb, NOISETUN_A_PEER_DESCRIPTION,
			    peer->description)))
		return -EMSGSIZE;

	read_lock_bh(&peer->endpoint_lock);
	if (peer->endpoint.addr.sa_family == AF_INET)
		ret = nla_put(skb, NOISETUN_A_PEER_ENDPOINT,
			      sizeof(peer->endpoint.addr4),
			      &peer->endpoint.addr4);
	else if (peer->endpoint.addr.sa_family == AF_INET6)
		ret = nla_put(skb, NOISETUN_A_PEER_ENDPOINT,
			      sizeof(peer->endpoint.addr6),
			      &peer->endpoint.addr6);
	read_unlock_bh(&peer->endpoint_lock);
	return ret;
}

/*
 * A peer's own attributes: everything but its public key and allowed IPs,
 * or only its statistics with NOISETUN_QUERY_F_STATS_ONLY.
 */
static int put_peer_attrs(struct sk_buff *skb, struct nt_peer *peer,
			  u32 query_flags)
{
	struct nt_peer_stats __percpu *stats = READ_ONCE(peer->stats);
	struct __kernel_timespec last_handshake, last_rx;
	struct nt_peer_traffic traffic;
	struct timespec64 walltime;
	int ret;

	if (!(query_flags & NOISETUN_QUERY_F_STATS_ONLY)) {
		ret = put_peer_config(skb, peer, query_flags);
		if (ret)
			return ret;
	}
	walltime = ns_to_timespec64(atomic64_read(&peer->walltime_last_handshake_ns));
	last_handshake.tv_sec = walltime.tv_sec;
	last_handshake.tv_nsec = walltime.tv_nsec;
	walltime = ns_to_timespec64(atomic64_read(&peer->walltime_last_rx_ns));
	last_rx.tv_sec = walltime.tv_sec;
	last_rx.tv_nsec = walltime.tv_nsec;

	nt_peer_read_traffic(peer, &traffic);
	if (nla_put(skb, NOISETUN_A_PEER_LAST_HANDSHAKE_TIME,
		    sizeof(last_handshake), &last_handshake) ||
	    nla_put_u64_64bit(skb, NOISETUN_A_PEER_RX_BYTES, traffic.rx_bytes,
			      NOISETUN_A_PEER_UNSPEC) ||
	    nla_put_u64_64bit(skb, NOISETUN_A_PEER_TX_BYTES, traffic.tx_bytes,
			      NOISETUN_A_PEER_UNSPEC) ||
	    nla_put_u64_64bit(skb, NOISETUN_A_PEER_RX_PACKETS,
			      traffic.rx_packets, NOISETUN_A_PEER_UNSPEC) ||
	    nla_put_u64_64bit(skb, NOISETUN_A_PEER_TX_PACKETS,
			      traffic.tx_packets, NOISETUN_A_PEER_UNSPEC) ||
	    nla_put_u64_64bit(skb, NOISETUN_A_PEER_HANDSHAKE_ATTEMPTS,
			      traffic.handshake_attempts,
			      NOISETUN_A_PEER_UNSPEC) ||
	    nla_put(skb, NOISETUN_A_PEER_LAST_RX_TIME, sizeof(last_rx),
		    &last_rx) ||
	    nla_put_u64_64bit(skb, NOISETUN_A_PEER_LAST_HANDSHAKE_RTT_NS,
			      atomic64_read(&peer->last_handshake_rtt_ns),
			      NOISETUN_A_PEER_UNSPEC) ||
	    nla_put_u64_64bit(skb, NOISETUN_A_PEER_HANDSHAKES_COMPLETED,
			      traffic.handshakes_completed,
			      NOISETUN_A_PEER_UNSPEC) ||
	    nla_put_u64_64bit(skb, NOISETUN_A_PEER_HANDSHAKES_FAILED,
			      traffic.handshakes_failed,
			      NOISETUN_A_PEER_UNSPEC) ||
	    nla_put_u64_64bit(skb, NOISETUN_A_PEER_COOKIES_RECEIVED,
			      traffic.cookies_received,
			      NOISETUN_A_PEER_UNSPEC))
		return -EMSGSIZE;
	return put_drops(skb, NOISETUN_A_PEER_DROPS,
			 stats ? &stats->drops : NULL);
}

enum put_peer_result {
	PEER_NOTHING = -EMSGSIZE,	/* nothing of the peer fitted */
	PEER_COMPLETE = 0,		/* the peer is done */
	PEER_PARTIAL = 1		/* some of it went out, more follows */
};

/*
 * Put one peer, or its continuation when ctx->next_allowedip says where its
 * allowed IPs resume (then only the public key and further allowed IPs).
 * Updates ctx->next_allowedip for the next message.
 */
static enum put_peer_result dump_peer(struct sk_buff *skb, struct dump_ctx *ctx,
				      struct nt_peer *peer, int index)
{
	struct nt_allowedips_node *node = ctx->next_allowedip;
	bool fresh = !node;
	struct nlattr *nest, *ips;
	int count = 0;

	nest = nla_nest_start(skb, index);
	if (!nest)
		return PEER_NOTHING;
	if (nla_put(skb, NOISETUN_A_PEER_PUBLIC_KEY, NOISETUN_KEY_LEN,
		    peer->handshake.remote_static))
		goto err_cancel;
	if (fresh) {
		ctx->next_allowedip_index = 0;
		if (put_peer_attrs(skb, peer, ctx->query_flags))
			goto err_cancel;
		if (ctx->query_flags & (NOISETUN_QUERY_F_NO_ALLOWEDIPS |
					NOISETUN_QUERY_F_STATS_ONLY))
			goto complete;
		node = list_first_entry_or_null(&peer->allowedips_list,
						struct nt_allowedips_node,
						peer_list);
		if (!node)
			goto complete;
	}

	ips = nla_nest_start(skb, NOISETUN_A_PEER_ALLOWEDIPS);
	if (ips) {
		list_for_each_entry_from(node, &peer->allowedips_list,
					 peer_list) {
			if (put_allowedip(skb, node, count))
				break;
			++count;
		}
		ctx->next_allowedip_index += count;
		nest_keep_or_cancel(skb, ips, count);
		if (list_entry_is_head(node, &peer->allowedips_list, peer_list))
			goto complete;
	}
	/* Out of room with allowed IPs left: resume at @node. */
	if (!fresh && !count)
		goto err_cancel;
	nla_nest_end(skb, nest);
	ctx->next_allowedip = node;
	return PEER_PARTIAL;

complete:
	nla_nest_end(skb, nest);
	ctx->next_allowedip = NULL;
	return PEER_COMPLETE;

err_cancel:
	nla_nest_cancel(skb, nest);
	return PEER_NOTHING;
}

/*
 * Put the peers from @peer on, as many as fit.
 *
 * Return: the peer the next message must start with, NULL when all are
 * out, or an ERR_PTR when not even a part of one peer fits an empty
 * message (which cannot happen with the sizes involved, but must not loop).
 */
static struct nt_peer *put_peers(struct sk_buff *skb, struct dump_ctx *ctx,
				 struct nt_peer *peer, bool first)
{
	struct nt_device *ntd = ctx->ntd;
	enum put_peer_result result;
	struct nlattr *nest;
	int index = 0;

	nest = nla_nest_start(skb, NOISETUN_A_DEVICE_PEERS);
	if (!nest)
		return first ? peer : ERR_PTR(-EMSGSIZE);

	list_for_each_entry_from(peer, &ntd->peer_list, peer_list) {
		result = dump_peer(skb, ctx, peer, index);
		if (result == PEER_COMPLETE && ctx->only) {
			++index;
			break;
		}
		if (result == PEER_COMPLETE) {
			++index;
			continue;
		}
		if (result == PEER_PARTIAL)
			++index;
		if (!index) {
			nla_nest_cancel(skb, nest);
			return first ? peer : ERR_PTR(-EMSGSIZE);
		}
		nla_nest_end(skb, nest);
		return peer;
	}
	nest_keep_or_cancel(skb, nest, index);
	return NULL;
}

/* The query flags of a GET; -EOPNOTSUPP for unknown bits. */
static int query_flags(struct nlattr **attrs, struct netlink_ext_ack *extack,
		       u8 *flags)
{
	struct nlattr *attr = attrs[NOISETUN_A_DEVICE_QUERY_FLAGS];

	*flags = 0;
	if (!attr)
		return 0;
	if (unknown_flags(attr, __NOISETUN_QUERY_F_ALL)) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "unknown bits in QUERY_FLAGS");
		return -EOPNOTSUPP;
	}
	*flags = nla_get_u32(attr);
	return 0;
}

/*
 * The peer QUERY_PEER names, referenced, or an ERR_PTR(-ENOENT) with the
 * extack saying so. Caller holds device_update_lock, so that the peer is
 * the one the reply's generation describes.
 */
static struct nt_peer *query_peer(struct nt_device *ntd, struct nlattr **attrs,
				  struct netlink_ext_ack *extack)
{
	struct nlattr *attr = attrs[NOISETUN_A_DEVICE_QUERY_PEER];
	struct nt_peer *peer;

	lockdep_assert_held(&ntd->device_update_lock);
	peer = nt_pubkey_hashtable_lookup(ntd->peer_hashtable, nla_data(attr));
	if (peer && !READ_ONCE(peer->is_dead))
		return peer;
	nt_peer_put(peer);
	NL_SET_ERR_MSG_ATTR(extack, attr, "the device has no peer with this public key");
	return ERR_PTR(-ENOENT);
}

static int get_device_start(struct netlink_callback *cb)
{
	struct nlattr **attrs = nt_compat_dump_attrs(cb);
	struct nt_device *ntd;
	int ret;

	/*
	 * cb->extack is NULL here on 6.1 (compat.h); errnos still apply.
	 * The peer is looked up by the first message, whose extack reaches
	 * the caller on every kernel.
	 */
	ret = query_flags(attrs, cb->extack, &dump_ctx(cb)->query_flags);
	if (ret)
		return ret;
	ntd = lookup_device(sock_net(cb->skb->sk), attrs, cb->extack);
	if (IS_ERR(ntd))
		return PTR_ERR(ntd);
	dump_ctx(cb)->ntd = ntd;
	return 0;
}

/*
 * Where a dump resumes after a configuration change, its cursor
 * ctx->next_peer being removed meanwhile: at the first peer still there
 * that joined the list after it. Peers join the list at its tail, under
 * device_update_lock, each with a list_seq above every earlier one, so the
 * list is in list_seq order and no peer after the cursor is skipped. The
 * dead cursor is referenced, so reading its list_seq is safe; its list
 * links are not followed.
 */
static struct nt_peer *resume_after_dead(struct dump_ctx *ctx)
{
	u64 seq = ctx->next_peer->list_seq;
	struct nt_peer *peer;

	lockdep_assert_held(&ctx->ntd->device_update_lock);
	ctx->next_allowedip = NULL;
	if (ctx->only)
		return NULL;
	list_for_each_entry(peer, &ctx->ntd->peer_list, peer_list) {
		if (peer->list_seq > seq)
			return peer;
	}
	return NULL;
}

/*
 * Where a dump resumes inside ctx->next_peer's ranges (a live peer) when
 * an allowed IP may have been freed since the last message, so that the
 * saved node is not to be followed: the walk of the peer's ranges starts
 * again and skips those already out. If the peer has no more ranges
 * now, the dump goes on with the next peer.
 */
static struct nt_peer *resume_in_ranges(struct dump_ctx *ctx)
{
	struct nt_peer *peer = ctx->next_peer;
	struct nt_allowedips_node *node;
	unsigned int skip = ctx->next_allowedip_index;

	lockdep_assert_held(&ctx->ntd->device_update_lock);
	list_for_each_entry(node, &peer->allowedips_list, peer_list) {
		if (!skip--) {
			ctx->next_allowedip = node;
			return peer;
		}
	}
	ctx->next_allowedip = NULL;
	if (ctx->only || list_is_last(&peer->peer_list, &ctx->ntd->peer_list))
		return NULL;
	return list_next_entry(peer, peer_list);
}

/*
 * One message of the dump. The first carries the device attributes and is
 * built under RTNL too (for the name). Each message is built under
 * device_update_lock, so it is consistent in itself; across messages the
 * device's generation tells whether anything changed, and if so the
 * message is flagged NLM_F_DUMP_INTR. The dump goes on all the same, so
 * that a large dump under steady churn completes and lists every peer
 * that stays for the whole of it exactly once: from its cursor when that
 * is a peer still on the list, from the next peer added after it when
 * it was removed (resume_after_dead()), and inside a peer's ranges by
 * their count when an allowed IP may have been freed (resume_in_ranges()).
 * Nothing that may have been freed is followed (a dead cursor is still
 * referenced; only its is_dead flag and list_seq are read). The device is
 * reached through the context, never through a peer
 * (CVE-2024-26950/26951).
 */
static int get_device_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct dump_ctx *ctx = dump_ctx(cb);
	struct nt_device *ntd = ctx->ntd;
	struct nt_peer *peer, *next, *only = NULL;
	bool first = !ctx->started;
	int ret;
	void *hdr;

	if (first)
		rtnl_lock();
	mutex_lock(&ntd->device_update_lock);

	cb->seq = ntd->generation;
	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &genl_family, NLM_F_MULTI, NOISETUN_CMD_GET_DEVICE);
	if (!hdr) {
		ret = -EMSGSIZE;
		goto out;
	}
	genl_dump_check_consistent(cb, hdr);

	if (first && nt_compat_dump_attrs(cb)[NOISETUN_A_DEVICE_QUERY_PEER]) {
		only = query_peer(ntd, nt_compat_dump_attrs(cb), cb->extack);
		if (IS_ERR(only)) {
			ret = PTR_ERR(only);
			only = NULL;
			genlmsg_cancel(skb, hdr);
			goto out;
		}
		ctx->only = true;
	}

	if (first) {
		ret = put_device_attrs(skb, ntd, ctx->query_flags);
		if (ret) {
			genlmsg_cancel(skb, hdr);
			goto out;
		}
		ctx->started = true;
		peer = only ?: list_first_entry_or_null(&ntd->peer_list,
							struct nt_peer,
							peer_list);
	} else if (!ctx->next_peer) {
		peer = NULL;
	} else if (READ_ONCE(ctx->next_peer->is_dead)) {
		/* Flagged DUMP_INTR above: the configuration changed. */
		peer = resume_after_dead(ctx);
	} else if (ctx->next_allowedip &&
		   (ctx->generation != ntd->generation ||
		    ctx->allowedips_seq != ntd->peer_allowedips.seq)) {
		peer = resume_in_ranges(ctx);
	} else {
		/* A live cursor between two peers, on the list: go on. */
		peer = ctx->next_peer;
	}

	next = peer ? put_peers(skb, ctx, peer, first) : NULL;
	if (IS_ERR(next)) {
		ret = PTR_ERR(next);
		genlmsg_cancel(skb, hdr);
		goto out;
	}
	genlmsg_end(skb, hdr);
	ctx->generation = ntd->generation;
	ctx->allowedips_seq = ntd->peer_allowedips.seq;

	/* The list holds a reference on @next, so taking one is safe. */
	if (next != ctx->next_peer) {
		nt_peer_put(ctx->next_peer);
		ctx->next_peer = next ? nt_peer_get(next) : NULL;
	}
	/* 0 ends the dump after this message; >0 asks for another call. */
	ret = next ? skb->len : 0;
out:
	mutex_unlock(&ntd->device_update_lock);
	if (first)
		rtnl_unlock();
	nt_peer_put(only);
	return ret;
}

static int get_device_done(struct netlink_callback *cb)
{
	struct dump_ctx *ctx = dump_ctx(cb);

	nt_peer_put(ctx->next_peer);
	if (ctx->ntd)
		dev_put(ctx->ntd->dev);
	return 0;
}

/*
 * Build the one-message reply of a per-peer GET in @size bytes.
 *
 * Return: the message, or an ERR_PTR: -EMSGSIZE when the peer does not
 * fit, -ENOMEM.
 */
static struct sk_buff *get_peer_reply(struct genl_info *info,
				      struct dump_ctx *ctx, struct nt_peer *peer,
				      size_t size)
{
	struct nlattr *peers;
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(size, GFP_KERNEL);
	if (!msg)
		return ERR_PTR(-ENOMEM);
	hdr = genlmsg_put_reply(msg, info, &genl_family, 0,
				NOISETUN_CMD_GET_DEVICE);
	if (!hdr || put_device_attrs(msg, ctx->ntd, ctx->query_flags))
		goto err_size;
	peers = nla_nest_start(msg, NOISETUN_A_DEVICE_PEERS);
	if (!peers)
		goto err_size;
	ctx->next_allowedip = NULL;
	if (dump_peer(msg, ctx, peer, 0) != PEER_COMPLETE)
		goto err_size;
	nla_nest_end(msg, peers);
	genlmsg_end(msg, hdr);
	return msg;

err_size:
	nlmsg_free(msg);
	return ERR_PTR(-EMSGSIZE);
}

/* The largest reply of a per-peer GET: the size of a dump's messages. */
#define GET_PEER_MAX_SIZE 32768

/*
 * GET without NLM_F_DUMP: one peer, named by QUERY_PEER, in one message.
 * A peer that does not fit (hundreds of allowed IPs) is read with a dump
 * carrying the same QUERY_PEER instead.
 */
static int get_device_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct dump_ctx ctx = { };
	struct sk_buff *msg;
	struct nt_peer *peer;
	int ret;

	if (!info->attrs[NOISETUN_A_DEVICE_QUERY_PEER]) {
		NL_SET_ERR_MSG(info->extack,
			       "GET_DEVICE without NLM_F_DUMP needs QUERY_PEER");
		return -EOPNOTSUPP;
	}
	ret = query_flags(info->attrs, info->extack, &ctx.query_flags);
	if (ret)
		return ret;
	ctx.ntd = lookup_device(genl_info_net(info), info->attrs,
				info->extack);
	if (IS_ERR(ctx.ntd))
		return PTR_ERR(ctx.ntd);

	rtnl_lock();
	mutex_lock(&ctx.ntd->device_update_lock);
	peer = query_peer(ctx.ntd, info->attrs, info->extack);
	if (IS_ERR(peer)) {
		msg = ERR_CAST(peer);
		peer = NULL;
	} else {
		msg = get_peer_reply(info, &ctx, peer, NLMSG_GOODSIZE);
		if (PTR_ERR_OR_ZERO(msg) == -EMSGSIZE)
			msg = get_peer_reply(info, &ctx, peer,
					     GET_PEER_MAX_SIZE);
		if (PTR_ERR_OR_ZERO(msg) == -EMSGSIZE)
			NL_SET_ERR_MSG(info->extack,
				       "the peer does not fit in one message: dump it with QUERY_PEER");
	}
	mutex_unlock(&ctx.ntd->device_update_lock);
	rtnl_unlock();

	nt_peer_put(peer);
	dev_put(ctx.ntd->dev);
	if (IS_ERR(msg))
		return PTR_ERR(msg);
	return genlmsg_reply(msg, info);
}

/*
 * Events (uapi/noisetun.h "Events"). What an event says, gathered before
 * the message is built; keys are pointers into the peer or plan, which
 * outlive the call.
 */
struct event {
	u8 cmd;
	const u8 *peer_key;
	const u8 *device_key;
	const struct nt_endpoint *endpoint;
	bool peer_endpoint;
	u32 role;
	u64 rtt_ns;
	u32 attempts;
	u32 changes;
};

/* Room for the largest event: names, two keys, a sockaddr_in6, integers. */
#define EVENT_SIZE (nla_total_size(sizeof(u32)) * 4 + \
		    nla_total_size(IFNAMSIZ) + \
		    nla_total_size(NOISETUN_KEY_LEN) * 2 + \
		    nla_total_size(sizeof(struct sockaddr_in6)) + \
		    nla_total_size_64bit(sizeof(u64)) * 2)

static int put_endpoint(struct sk_buff *skb, const struct nt_endpoint *ep)
{
	if (ep->addr.sa_family == AF_INET)
		return nla_put(skb, NOISETUN_A_EVENT_ENDPOINT,
			       sizeof(ep->addr4), &ep->addr4);
	if (ep->addr.sa_family == AF_INET6)
		return nla_put(skb, NOISETUN_A_EVENT_ENDPOINT,
			       sizeof(ep->addr6), &ep->addr6);
	return 0;
}

static int put_event(struct sk_buff *skb, struct nt_device *ntd,
		     struct nt_peer *peer, const struct event *ev)
{
	u64 unsent = atomic64_read(&ntd->events_unsent);
	struct nt_endpoint endpoint;

	if (nla_put_u32(skb, NOISETUN_A_EVENT_IFINDEX, ntd->dev->ifindex) ||
	    nla_put_string(skb, NOISETUN_A_EVENT_IFNAME, ntd->dev->name))
		return -EMSGSIZE;
	if (ev->peer_key &&
	    nla_put(skb, NOISETUN_A_EVENT_PEER_PUBLIC_KEY, NOISETUN_KEY_LEN,
		    ev->peer_key))
		return -EMSGSIZE;
	if (ev->device_key &&
	    nla_put(skb, NOISETUN_A_EVENT_DEVICE_PUBLIC_KEY, NOISETUN_KEY_LEN,
		    ev->device_key))
		return -EMSGSIZE;
	if (ev->endpoint && put_endpoint(skb, ev->endpoint))
		return -EMSGSIZE;
	if (ev->peer_endpoint) {
		read_lock_bh(&peer->endpoint_lock);
		endpoint = peer->endpoint;
		read_unlock_bh(&peer->endpoint_lock);
		if (put_endpoint(skb, &endpoint))
			return -EMSGSIZE;
	}
	if (ev->role && nla_put_u32(skb, NOISETUN_A_EVENT_ROLE, ev->role))
		return -EMSGSIZE;
	if (ev->role == NOISETUN_EVENT_ROLE_INITIATOR &&
	    nla_put_u64_64bit(skb, NOISETUN_A_EVENT_RTT_NS, ev->rtt_ns,
			      NOISETUN_A_EVENT_UNSPEC))
		return -EMSGSIZE;
	if (ev->attempts &&
	    nla_put_u32(skb, NOISETUN_A_EVENT_ATTEMPTS, ev->attempts))
		return -EMSGSIZE;
	if (ev->changes &&
	    nla_put_u32(skb, NOISETUN_A_EVENT_CHANGES, ev->changes))
		return -EMSGSIZE;
	if (unsent &&
	    nla_put_u64_64bit(skb, NOISETUN_A_EVENT_UNSENT, unsent,
			      NOISETUN_A_EVENT_UNSPEC))
		return -EMSGSIZE;
	return 0;
}

/*
 * Send one event to the listeners in the device's namespace. Costs one
 * test of a bitmap when no one listens, which is the common case: nothing
 * is allocated then. With listeners, @gfp is GFP_ATOMIC from the data path
 * (no sleeping, no reclaim: an event never holds a packet or a handshake
 * back) and GFP_KERNEL from SET. Delivery never waits either: a listener
 * whose receive buffer is full loses the event and sees ENOBUFS on its
 * socket. An allocation that fails is counted, not retried; the count
 * rides on the device's later events.
 */
static void send_event(struct nt_device *ntd, struct nt_peer *peer,
		       const struct event *ev, gfp_t gfp)
{
	struct net *net = dev_net(ntd->dev);
	struct sk_buff *skb;
	void *hdr;

	if (!genl_has_listeners(&genl_family, net, 0))
		return;
	skb = genlmsg_new(EVENT_SIZE, gfp | __GFP_NOWARN);
	if (unlikely(!skb))
		goto unsent;
	hdr = genlmsg_put(skb, 0, 0, &genl_family, 0, ev->cmd);
	if (unlikely(!hdr) || WARN_ON_ONCE(put_event(skb, ntd, peer, ev))) {
		nlmsg_free(skb);
		goto unsent;
	}
	genlmsg_end(skb, hdr);
	/* -ESRCH when the last listener left meanwhile: nothing lost. */
	genlmsg_multicast_netns(&genl_family, net, skb, 0, 0, gfp);
	return;

unsent:
	atomic64_inc(&ntd->events_unsent);
}

/*
 * The family is unregistered before the devices go (main.c), while their
 * timers and packets may still make events: those test this flag inside
 * an RCU read section, which nt_genetlink_uninit() waits for after
 * clearing it. (Configuration events come from SET, which unregistering
 * the family waits for anyway.)
 */
static bool events_enabled __read_mostly;

static void send_event_atomic(struct nt_device *ntd, struct nt_peer *peer,
			      const struct event *ev)
{
	rcu_read_lock();
	if (likely(READ_ONCE(events_enabled)))
		send_event(ntd, peer, ev, GFP_ATOMIC);
	rcu_read_unlock();
}

void nt_netlink_event_handshake(struct nt_peer *peer, bool initiator)
{
	struct event ev = {
		.cmd = NOISETUN_CMD_EVENT_HANDSHAKE_COMPLETE,
		.peer_key = peer->handshake.remote_static,
		.peer_endpoint = true,
		.role = initiator ? NOISETUN_EVENT_ROLE_INITIATOR :
				    NOISETUN_EVENT_ROLE_RESPONDER,
	};

	/* Measured by nt_peer_handshake_completed(), just before. */
	if (initiator)
		ev.rtt_ns = atomic64_read(&peer->last_handshake_rtt_ns);
	send_event_atomic(peer->device, peer, &ev);
}

void nt_netlink_event_given_up(struct nt_peer *peer, unsigned int attempts)
{
	struct event ev = {
		.cmd = NOISETUN_CMD_EVENT_HANDSHAKE_GIVEN_UP,
		.peer_key = peer->handshake.remote_static,
		.attempts = attempts,
	};

	send_event_atomic(peer->device, peer, &ev);
}

void nt_netlink_event_endpoint(struct nt_peer *peer,
			       const struct nt_endpoint *endpoint)
{
	unsigned long last = READ_ONCE(peer->endpoint_event_jiffies);
	unsigned long now = jiffies;
	struct event ev = {
		.cmd = NOISETUN_CMD_EVENT_ENDPOINT_CHANGED,
		.peer_key = peer->handshake.remote_static,
		.endpoint = endpoint,
	};

	/*
	 * At most one a second, so that a peer flapping between two
	 * addresses cannot turn its packets into a stream of events. A change
	 * within the second is held back, for the first packet after it to
	 * announce (with the endpoint in use then). The receive path and the
	 * handshake worker may race here: cmpxchg lets one of them through.
	 */
	if (time_before(now, last + HZ)) {
		WRITE_ONCE(peer->endpoint_event_held, true);
		return;
	}
	if (cmpxchg(&peer->endpoint_event_jiffies, last, now) != last)
		return;
	WRITE_ONCE(peer->endpoint_event_held, false);
	send_event_atomic(peer->device, peer, &ev);
}

void nt_netlink_event_unknown_peer(struct nt_device *ntd,
				   const u8 *public_key,
				   const struct sk_buff *skb)
{
	struct nt_endpoint endpoint;
	struct event ev = {
		.cmd = NOISETUN_CMD_EVENT_UNKNOWN_PEER,
		.peer_key = public_key,
		.endpoint = &endpoint,
	};
	unsigned long now = jiffies;
	bool send;

	/*
	 * A stranger may send as many initiations as mac1 lets through: the
	 * budget is per device and per second, counted under a lock the
	 * handshake workers of every CPU share (they have just done a
	 * Diffie-Hellman step each: the lock is not what costs).
	 */
	spin_lock_bh(&ntd->unknown_peer_lock);
	if (time_after_eq(now, ntd->unknown_peer_second + HZ) ||
	    !ntd->unknown_peer_sent) {
		ntd->unknown_peer_second = now;
		ntd->unknown_peer_sent = 0;
	}
	send = ntd->unknown_peer_sent < NOISETUN_UNKNOWN_PEER_EVENTS_PER_SEC;
	if (send)
		ntd->unknown_peer_sent++;
	spin_unlock_bh(&ntd->unknown_peer_lock);
	if (!send || !nt_socket_endpoint_from_skb(&endpoint, skb))
		return;
	send_event_atomic(ntd, NULL, &ev);
}

void nt_netlink_event_keys_zeroed(struct nt_peer *peer)
{
	struct event ev = {
		.cmd = NOISETUN_CMD_EVENT_KEYS_ZEROED,
		.peer_key = peer->handshake.remote_static,
	};

	/* From the peer's key-zeroing work, but as cheap as the others. */
	send_event_atomic(peer->device, peer, &ev);
}

void nt_netlink_event_device_removed(struct nt_device *ntd)
{
	struct event ev = { .cmd = NOISETUN_CMD_EVENT_DEVICE_REMOVED };

	ASSERT_RTNL(); /* for the name */
	/*
	 * Atomic, as from the data path: deleting the device neither waits
	 * for memory nor for a listener. None is sent once the family is on
	 * its way out (module unload: nt_device_announce_removal() has sent
	 * them all before).
	 */
	send_event_atomic(ntd, NULL, &ev);
}

/* A configuration event about @peer, from SET (process context). */
static void config_event(struct nt_peer *peer, u8 cmd, u32 changes)
{
	struct event ev = {
		.cmd = cmd,
		.peer_key = peer->handshake.remote_static,
		.changes = changes,
	};

	send_event(peer->device, peer, &ev, GFP_KERNEL);
}

/* SET_DEVICE */

/**
 * enum peer_action - what applying one element of PEERS does
 * @PEER_SKIP: nothing (removing or updating an unknown peer, or adding one
 *             with the device's own public key: Documentation/testing.md N9)
 * @PEER_ADD: link a peer created by the first pass, then update it
 * @PEER_UPDATE: change an existing peer
 * @PEER_REMOVE: remove a peer
 */
enum peer_action {
	PEER_SKIP,
	PEER_ADD,
	PEER_UPDATE,
	PEER_REMOVE
};

/**
 * struct peer_step - one element of PEERS, decided
 * @action: what to do
 * @peer: the peer it applies to. For PEER_ADD, owns the creation reference
 *        until the peer is added; otherwise a peer that the plan's key
 *        table keeps referenced.
 * @flags: the element's NOISETUN_PEER_F_* flags
 * @preshared_key: the attribute, or NULL to leave the key alone
 * @endpoint: the attribute, or NULL
 * @keepalive: the attribute, or NULL
 * @allowedips: the attribute, or NULL
 * @disabled: the attribute, or NULL
 * @description: the attribute, checked, or NULL
 * @description_text: its text, allocated by the plan (so that applying
 *                    cannot fail), for the peer to take; NULL when empty
 */
struct peer_step {
	enum peer_action action;
	struct nt_peer *peer;
	u32 flags;
	const struct nlattr *preshared_key;
	const struct nlattr *endpoint;
	const struct nlattr *keepalive;
	const struct nlattr *allowedips;
	const struct nlattr *disabled;
	const struct nlattr *description;
	char *description_text;
};

/**
 * struct plan_key - one public key the request names, however often
 * @node: entry in the plan's key table
 * @public_key: the key, inside the request
 * @existing: the device's peer with this key before the request,
 *            referenced, or NULL
 * @present: the peer holding this key at the current point of the request
 *           (@existing, a peer added by it, or NULL)
 */
struct plan_key {
	struct hlist_node node;
	const u8 *public_key;
	struct nt_peer *existing;
	struct nt_peer *present;
};

/**
 * struct set_plan - a SET request, validated and ready to apply
 * @ntd: the device
 * @flags: the request's NOISETUN_DEVICE_F_* flags
 * @set_identity: the private key changes
 * @private_key: the new private key, clamped; zeroed when the plan is freed
 * @public_key: its public key
 * @has_identity: @private_key is not all zeros
 * @displaced: the peer whose public key is the new device public key, which
 *             the key change removes (referenced), or NULL
 * @set_fwmark: FWMARK is present
 * @fwmark: its value
 * @set_unknown_peer_events: UNKNOWN_PEER_EVENTS is present
 * @unknown_peer_events: its value
 * @set_port: LISTEN_PORT is present and differs from the current port
 * @port: its value
 * @sockets: the sockets bound to @port when the device is up
 * @steps: one per element of PEERS, in request order
 * @num_steps: how many
 * @keys: storage for the key table entries, one per step at most
 * @num_keys: how many are used
 * @buckets: the key table, a power of two of buckets
 * @bucket_bits: log2 of their number
 * @hash_key: random key of the table's hash
 * @num_peers: the device's peer count at the current point of the request
 * @inserts: allowed-IP insertions the apply pass will make, [0] IPv4 and
 *           [1] IPv6
 * @pool: nodes for them, allocated in advance
 * @applied: the apply pass ran; the plan owns nothing it must undo
 */
struct set_plan {
	struct nt_device *ntd;
	u32 flags;
	bool set_identity;
	u8 private_key[NOISE_PUBLIC_KEY_LEN];
	u8 public_key[NOISE_PUBLIC_KEY_LEN];
	bool has_identity;
	struct nt_peer *displaced;
	bool set_fwmark;
	u32 fwmark;
	bool set_unknown_peer_events;
	bool unknown_peer_events;
	bool set_port;
	u16 port;
	struct nt_socket_pair sockets;
	struct peer_step *steps;
	unsigned int num_steps;
	struct plan_key *keys;
	unsigned int num_keys;
	struct hlist_head *buckets;
	unsigned int bucket_bits;
	siphash_key_t hash_key;
	unsigned int num_peers;
	unsigned int inserts[2];
	struct nt_allowedips_pool pool;
	bool applied;
};

static struct hlist_head *plan_bucket(struct set_plan *plan,
				      const u8 *public_key)
{
	u64 hash = siphash(public_key, NOISE_PUBLIC_KEY_LEN, &plan->hash_key);

	return &plan->buckets[hash & ((1U << plan->bucket_bits) - 1)];
}

/*
 * The entry of a public key, made on first sight with the key's state at
 * the start of the peer list: the existing peer, unless REPLACE_PEERS or
 * the new private key has removed it by then.
 */
static struct plan_key *plan_key(struct set_plan *plan, const u8 *public_key)
{
	struct hlist_head *bucket = plan_bucket(plan, public_key);
	struct nt_device *ntd = plan->ntd;
	struct plan_key *key;

	hlist_for_each_entry(key, bucket, node) {
		if (!memcmp(key->public_key, public_key, NOISE_PUBLIC_KEY_LEN))
			return key;
	}

	key = &plan->keys[plan->num_keys++];
	key->public_key = public_key;
	if (!(plan->flags & NOISETUN_DEVICE_F_REPLACE_PEERS))
		key->existing = nt_pubkey_hashtable_lookup(ntd->peer_hashtable,
							   public_key);
	key->present = key->existing != plan->displaced ? key->existing : NULL;
	hlist_add_head(&key->node, bucket);
	return key;
}

/* Is @public_key the device's own, as it will be after this request? */
static bool is_own_key(struct set_plan *plan, const u8 *public_key)
{
	struct nt_static_identity *identity = &plan->ntd->static_identity;
	bool own;

	if (plan->set_identity)
		return plan->has_identity &&
		       !memcmp(plan->public_key, public_key,
			       NOISE_PUBLIC_KEY_LEN);
	down_read(&identity->lock);
	own = identity->has_identity &&
	      !memcmp(identity->public_key, public_key, NOISE_PUBLIC_KEY_LEN);
	up_read(&identity->lock);
	return own;
}

/*
 * Split an element of a nested array of a SET request (a peer, an allowed
 * IP) into its attributes. The genetlink core has validated the whole
 * request against set_device_policy before set_device() runs, nested
 * policies included and as strictly as nla_parse_nested() would (the ops
 * ask for no less), so the attributes are not validated a second and a
 * third time here: for a request of thousands of peers that was much of
 * SET's own work. What the core does not check of an element, its
 * NLA_F_NESTED flag, is checked as nla_parse_nested() checks it.
 */
static int parse_validated_nested(struct nlattr **tb, int maxtype,
				  const struct nlattr *nest,
				  struct netlink_ext_ack *extack)
{
	if (!(nest->nla_type & NLA_F_NESTED)) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "NLA_F_NESTED is missing");
		return -EINVAL;
	}
	return __nla_parse(tb, maxtype, nla_data(nest), nla_len(nest), NULL,
			   NL_VALIDATE_STRICT, extack);
}

/*
 * Check one allowed IP against the rules its policy cannot express.
 *
 * Return: 1 if it is an IPv4 range to insert, 2 if an IPv6 one, 0 if it
 * is to be removed, or -EINVAL or -EOPNOTSUPP.
 */
static int check_allowedip(const struct nlattr *nest,
			   struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NOISETUN_A_ALLOWEDIP_MAX + 1];
	unsigned int max_cidr, len;
	int ret;

	ret = parse_validated_nested(tb, NOISETUN_A_ALLOWEDIP_MAX, nest,
				     extack);
	if (ret)
		return ret;
	if (unknown_flags(tb[NOISETUN_A_ALLOWEDIP_FLAGS],
			  __NOISETUN_ALLOWEDIP_F_ALL)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NOISETUN_A_ALLOWEDIP_FLAGS],
				    "unknown bits in allowed IP FLAGS");
		return -EOPNOTSUPP;
	}
	if (!tb[NOISETUN_A_ALLOWEDIP_FAMILY] ||
	    !tb[NOISETUN_A_ALLOWEDIP_IPADDR] ||
	    !tb[NOISETUN_A_ALLOWEDIP_CIDR_MASK]) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "allowed IP needs FAMILY, IPADDR and CIDR_MASK");
		return -EINVAL;
	}

	switch (nla_get_u16(tb[NOISETUN_A_ALLOWEDIP_FAMILY])) {
	case AF_INET:
		len = sizeof(struct in_addr);
		max_cidr = 32;
		break;
	case AF_INET6:
		len = sizeof(struct in6_addr);
		max_cidr = 128;
		break;
	default:
		NL_SET_ERR_MSG_ATTR(extack, tb[NOISETUN_A_ALLOWEDIP_FAMILY],
				    "allowed IP FAMILY must be AF_INET or AF_INET6");
		return -EINVAL;
	}
	if (nla_len(tb[NOISETUN_A_ALLOWEDIP_IPADDR]) != len) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NOISETUN_A_ALLOWEDIP_IPADDR],
				    "allowed IP IPADDR length does not match FAMILY");
		return -EINVAL;
	}
	if (nla_get_u8(tb[NOISETUN_A_ALLOWEDIP_CIDR_MASK]) > max_cidr) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NOISETUN_A_ALLOWEDIP_CIDR_MASK],
				    "allowed IP CIDR_MASK too long for FAMILY");
		return -EINVAL;
	}
	if (tb[NOISETUN_A_ALLOWEDIP_FLAGS] &&
	    (nla_get_u32(tb[NOISETUN_A_ALLOWEDIP_FLAGS]) &
	     NOISETUN_ALLOWEDIP_F_REMOVE_ME))
		return 0;
	return max_cidr == 32 ? 1 : 2;
}

/*
 * The core validates each element of a nested array but lets bytes after
 * the last one pass (nla_validate_array() has no trailing check, unlike
 * the parser of a nest's attributes). Strict means strict here too.
 */
static int trailing_bytes(const struct nlattr *array,
			  struct netlink_ext_ack *extack)
{
	NL_SET_ERR_MSG_ATTR(extack, array, "bytes left after the last element");
	return -EINVAL;
}

/*
 * The second attribute of @type among the @len bytes of attributes at
 * @head, or NULL. A repeated attribute is otherwise legal netlink (the
 * last one counts); for key bytes it is refused, so that the request's
 * meaning never depends on which copy a reader takes.
 */
static const struct nlattr *second_attr(const struct nlattr *head, int len,
					int type)
{
	const struct nlattr *attr;
	bool seen = false;
	int rem;

	nla_for_each_attr(attr, head, len, rem) {
		if (nla_type(attr) != type)
			continue;
		if (seen)
			return attr;
		seen = true;
	}
	return NULL;
}

/*
 * The length of a DESCRIPTION's text: one trailing NUL is allowed and not
 * part of it.
 */
static int description_len(const struct nlattr *attr)
{
	const char *text = nla_data(attr);
	int len = nla_len(attr);

	return len && !text[len - 1] ? len - 1 : len;
}

/*
 * Is @text, @len bytes, UTF-8 in its shortest form, without surrogates,
 * code points beyond U+10FFFF, or control characters (C0, DEL, C1)? The
 * last rule keeps a description on one line of a configuration file.
 */
static bool is_printable_utf8(const u8 *text, int len)
{
	int i = 0, n, k;
	u32 cp, min;

	while (i < len) {
		u8 c = text[i];

		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return false;
			++i;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1;
			cp = c & 0x1f;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			cp = c & 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else {
			return false;
		}
		if (len - i <= n)
			return false;
		for (k = 1; k <= n; ++k) {
			if ((text[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (text[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
		    (cp >= 0x80 && cp <= 0x9f))
			return false;
		i += n + 1;
	}
	return true;
}

static int check_description(const struct nlattr *attr,
			     struct netlink_ext_ack *extack)
{
	int len = description_len(attr);

	if (len > NOISETUN_DESCRIPTION_MAX) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "peer DESCRIPTION is longer than 64 bytes");
		return -EINVAL;
	}
	if (!is_printable_utf8(nla_data(attr), len)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "peer DESCRIPTION is not printable UTF-8 (control characters are refused)");
		return -EINVAL;
	}
	return 0;
}

/* Decide one element of PEERS, as if every earlier one had been applied. */
static int plan_peer(struct set_plan *plan, struct peer_step *step,
		     const struct nlattr *nest, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[NOISETUN_A_PEER_MAX + 1];
	const struct nlattr *dup;
	unsigned int inserts[2] = {};
	struct plan_key *key;
	struct nlattr *attr;
	int ret, rem;

	ret = parse_validated_nested(tb, NOISETUN_A_PEER_MAX, nest, extack);
	if (ret)
		return ret;
	if (tb[NOISETUN_A_PEER_PROTOCOL_VERSION] &&
	    nla_get_u32(tb[NOISETUN_A_PEER_PROTOCOL_VERSION]) != 1) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NOISETUN_A_PEER_PROTOCOL_VERSION],
				    "peer PROTOCOL_VERSION must be 1");
		return -EPFNOSUPPORT;
	}
	if (unknown_flags(tb[NOISETUN_A_PEER_FLAGS], __NOISETUN_PEER_F_ALL)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NOISETUN_A_PEER_FLAGS],
				    "unknown bits in peer FLAGS");
		return -EOPNOTSUPP;
	}
	if (!tb[NOISETUN_A_PEER_PUBLIC_KEY]) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "peer needs PUBLIC_KEY");
		NL_SET_ERR_ATTR_MISS(extack, nest, NOISETUN_A_PEER_PUBLIC_KEY);
		return -EINVAL;
	}
	dup = second_attr(nla_data(nest), nla_len(nest),
			  NOISETUN_A_PEER_PRESHARED_KEY);
	if (dup) {
		NL_SET_ERR_MSG_ATTR(extack, dup, "PRESHARED_KEY given twice");
		return -EINVAL;
	}
	if (tb[NOISETUN_A_PEER_DISABLED] &&
	    nla_get_u8(tb[NOISETUN_A_PEER_DISABLED]) > 1) {
		NL_SET_ERR_MSG_ATTR(extack, tb[NOISETUN_A_PEER_DISABLED],
				    "peer DISABLED must be 0 or 1");
		return -EINVAL;
	}
	if (tb[NOISETUN_A_PEER_DESCRIPTION]) {
		ret = check_description(tb[NOISETUN_A_PEER_DESCRIPTION], extack);
		if (ret)
			return ret;
	}
	if (tb[NOISETUN_A_PEER_FLAGS])
		step->flags = nla_get_u32(tb[NOISETUN_A_PEER_FLAGS]);
	step->disabled = tb[NOISETUN_A_PEER_DISABLED];
	step->description = tb[NOISETUN_A_PEER_DESCRIPTION];
	step->preshared_key = tb[NOISETUN_A_PEER_PRESHARED_KEY];
	step->endpoint = tb[NOISETUN_A_PEER_ENDPOINT];
	step->keepalive = tb[NOISETUN_A_PEER_PERSISTENT_KEEPALIVE_INTERVAL];
	step->allowedips = tb[NOISETUN_A_PEER_ALLOWEDIPS];

	/* Checked whatever happens to the peer: a bad request is refused. */
	if (step->allowedips) {
		nla_for_each_nested(attr, step->allowedips, rem) {
			ret = check_allowedip(attr, extack);
			if (ret < 0)
				return ret;
			if (ret)
				++inserts[ret - 1];
		}
		if (rem > 0)
			return trailing_bytes(step->allowedips, extack);
	}

	key = plan_key(plan, nla_data(tb[NOISETUN_A_PEER_PUBLIC_KEY]));
	if (!key->present) {
		if (step->flags & (NOISETUN_PEER_F_REMOVE_ME |
				   NOISETUN_PEER_F_UPDATE_ONLY) ||
		    is_own_key(plan, key->public_key)) {
			step->action = PEER_SKIP;
			return 0;
		}
		if (plan->num_peers >= MAX_PEERS_PER_DEVICE) {
			NL_SET_ERR_MSG_ATTR(extack, nest,
					    "device already has NOISETUN_MAX_PEERS peers");
			return -ENOSPC;
		}
		step->peer = nt_peer_create(plan->ntd, key->public_key);
		if (IS_ERR(step->peer)) {
			ret = PTR_ERR(step->peer);
			step->peer = NULL;
			return ret;
		}
		step->action = PEER_ADD;
		key->present = step->peer;
		++plan->num_peers;
	}

	if (step->flags & NOISETUN_PEER_F_REMOVE_ME) {
		/* Maybe a peer added by an earlier element: it goes again. */
		step->action = PEER_REMOVE;
		step->peer = key->present;
		key->present = NULL;
		--plan->num_peers;
		return 0;
	}

	if (step->action != PEER_ADD) {
		step->action = PEER_UPDATE;
		step->peer = key->present;
	}
	if (step->description && description_len(step->description)) {
		step->description_text = kmemdup_nul(nla_data(step->description),
						     description_len(step->description),
						     GFP_KERNEL_ACCOUNT);
		if (!step->description_text)
			return -ENOMEM;
	}
	plan->inserts[0] += inserts[0];
	plan->inserts[1] += inserts[1];
	return 0;
}

/*
 * The static-static secrets of the peers a request adds: one Diffie-Hellman
 * each, nearly all of the time a large SET takes. They are computed on
 * several CPUs at once, as the peers are not visible yet and each has its
 * own lock: the caller and up to PRECOMPUTE_HELPERS work items on
 * system_unbound_wq take the next step from a shared counter until none
 * is left, so a helper that starts late (its CPU busy) takes less rather
 * than holding the caller up; one that has not started by then is
 * cancelled. The caller waits holding RTNL and device_update_lock; the
 * helpers take only the identity's lock (for reading: the only writer is
 * SET, under device_update_lock) and each peer's handshake lock, both
 * below those in the lock order. Not needed when the request changes the
 * device's key: applying it computes them anew.
 */
#define PRECOMPUTE_HELPERS 7
#define PRECOMPUTE_MIN_PER_CPU 16

struct precompute_job {
	struct set_plan *plan;
	atomic_t next;
};

struct precompute_share {
	struct work_struct work;
	struct precompute_job *job;
};

static void precompute_added(struct precompute_job *job)
{
	struct set_plan *plan = job->plan;
	unsigned int i;

	while ((i = atomic_inc_return(&job->next) - 1) < plan->num_steps) {
		if (plan->steps[i].action != PEER_ADD)
			continue;
		nt_noise_handshake_precompute_static_static(&plan->steps[i].peer->handshake);
		cond_resched();
	}
}

static void precompute_share_work(struct work_struct *work)
{
	precompute_added(container_of(work, struct precompute_share,
				      work)->job);
}

static void plan_precompute(struct set_plan *plan)
{
	struct precompute_share shares[PRECOMPUTE_HELPERS];
	struct precompute_job job = { .plan = plan };
	unsigned int added = 0, helpers, i;

	if (plan->set_identity)
		return;
	for (i = 0; i < plan->num_steps; ++i)
		added += plan->steps[i].action == PEER_ADD;
	helpers = min3(num_online_cpus() - 1, (unsigned int)PRECOMPUTE_HELPERS,
		       added / PRECOMPUTE_MIN_PER_CPU);
	atomic_set(&job.next, 0);
	for (i = 0; i < helpers; ++i) {
		shares[i].job = &job;
		INIT_WORK_ONSTACK(&shares[i].work, precompute_share_work);
		queue_work(system_unbound_wq, &shares[i].work);
	}
	precompute_added(&job);
	/* Every step is taken: wait only for those being computed. */
	for (i = 0; i < helpers; ++i) {
		cancel_work_sync(&shares[i].work);
		destroy_work_on_stack(&shares[i].work);
	}
}

static int plan_peers(struct set_plan *plan, const struct nlattr *peers,
		      struct netlink_ext_ack *extack)
{
	unsigned int i = 0, n = 0;
	struct nlattr *attr;
	int ret, rem;

	nla_for_each_nested(attr, peers, rem)
		++n;
	if (rem > 0)
		return trailing_bytes(peers, extack);
	if (!n)
		return 0;

	plan->steps = kvcalloc(n, sizeof(*plan->steps), GFP_KERNEL_ACCOUNT);
	plan->keys = kvcalloc(n, sizeof(*plan->keys), GFP_KERNEL_ACCOUNT);
	plan->bucket_bits = order_base_2(n);
	plan->buckets = kvcalloc(1U << plan->bucket_bits,
				 sizeof(*plan->buckets), GFP_KERNEL_ACCOUNT);
	if (!plan->steps || !plan->keys || !plan->buckets)
		return -ENOMEM;
	/* Only now: free_plan() walks the steps of a plan that failed. */
	plan->num_steps = n;
	get_random_bytes(&plan->hash_key, sizeof(plan->hash_key));

	nla_for_each_nested(attr, peers, rem) {
		ret = plan_peer(plan, &plan->steps[i++], attr, extack);
		if (ret)
			return ret;
	}
	return 0;
}

/* The device-wide attributes, decided before the peers. */
static int plan_device(struct set_plan *plan, struct sk_buff *skb,
		       struct genl_info *info)
{
	struct nlattr **attrs = info->attrs;
	struct nt_device *ntd = plan->ntd;
	const struct nlattr *dup;
	struct nlattr *attr;

	if (unknown_flags(attrs[NOISETUN_A_DEVICE_FLAGS],
			  __NOISETUN_DEVICE_F_ALL)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attrs[NOISETUN_A_DEVICE_FLAGS],
				    "unknown bits in device FLAGS");
		return -EOPNOTSUPP;
	}
	if (attrs[NOISETUN_A_DEVICE_FLAGS])
		plan->flags = nla_get_u32(attrs[NOISETUN_A_DEVICE_FLAGS]);

	/* The sockets live in creating_net: its admin decides about them. */
	attr = attrs[NOISETUN_A_DEVICE_LISTEN_PORT] ?:
	       attrs[NOISETUN_A_DEVICE_FWMARK];
	if (attr && !netlink_ns_capable(skb, ntd->creating_net->user_ns,
					CAP_NET_ADMIN)) {
		NL_SET_ERR_MSG_ATTR(info->extack, attr,
				    "LISTEN_PORT and FWMARK need CAP_NET_ADMIN where the device was created");
		return -EPERM;
	}
	if (attrs[NOISETUN_A_DEVICE_FWMARK]) {
		plan->set_fwmark = true;
		plan->fwmark = nla_get_u32(attrs[NOISETUN_A_DEVICE_FWMARK]);
	}
	if (attrs[NOISETUN_A_DEVICE_UNKNOWN_PEER_EVENTS]) {
		plan->set_unknown_peer_events = true;
		plan->unknown_peer_events =
			nla_get_u8(attrs[NOISETUN_A_DEVICE_UNKNOWN_PEER_EVENTS]);
	}
	if (attrs[NOISETUN_A_DEVICE_LISTEN_PORT]) {
		plan->port = nla_get_u16(attrs[NOISETUN_A_DEVICE_LISTEN_PORT]);
		plan->set_port = plan->port != ntd->incoming_port;
	}

	plan->num_peers = ntd->num_peers;
	if (plan->flags & NOISETUN_DEVICE_F_REPLACE_PEERS)
		plan->num_peers = 0;

	dup = second_attr(genlmsg_data(info->genlhdr),
			  genlmsg_len(info->genlhdr),
			  NOISETUN_A_DEVICE_PRIVATE_KEY);
	if (dup) {
		NL_SET_ERR_MSG_ATTR(info->extack, dup, "PRIVATE_KEY given twice");
		return -EINVAL;
	}
	attr = attrs[NOISETUN_A_DEVICE_PRIVATE_KEY];
	if (attr) {
		struct nt_static_identity *identity = &ntd->static_identity;

		memcpy(plan->private_key, nla_data(attr), NOISE_PUBLIC_KEY_LEN);
		curve25519_clamp_secret(plan->private_key);
		/* All zeros (clamped) stays all zeros' public key: none. */
		if (memchr_inv(nla_data(attr), 0, NOISE_PUBLIC_KEY_LEN))
			plan->has_identity =
				curve25519_generate_public(plan->public_key,
							   plan->private_key);
		else
			memset(plan->private_key, 0, NOISE_PUBLIC_KEY_LEN);

		down_read(&identity->lock);
		plan->set_identity = crypto_memneq(identity->private_key,
						   plan->private_key,
						   NOISE_PUBLIC_KEY_LEN);
		up_read(&identity->lock);

		/* A peer cannot have our own key: the new key displaces it. */
		if (plan->set_identity && plan->has_identity &&
		    !(plan->flags & NOISETUN_DEVICE_F_REPLACE_PEERS)) {
			plan->displaced =
				nt_pubkey_hashtable_lookup(ntd->peer_hashtable,
							   plan->public_key);
			if (plan->displaced)
				--plan->num_peers;
		}
	}
	return 0;
}

/* First pass: everything that can fail. */
static int plan_request(struct set_plan *plan, struct sk_buff *skb,
			struct genl_info *info)
{
	struct nt_device *ntd = plan->ntd;
	int ret;

	ASSERT_RTNL();
	lockdep_assert_held(&ntd->device_update_lock);

	if (ntd->dev->reg_state != NETREG_REGISTERED) {
		NL_SET_ERR_MSG(info->extack, "device is being deleted");
		return -ENODEV;
	}

	ret = plan_device(plan, skb, info);
	if (ret)
		return ret;

	if (info->attrs[NOISETUN_A_DEVICE_PEERS]) {
		ret = plan_peers(plan, info->attrs[NOISETUN_A_DEVICE_PEERS],
				 info->extack);
		if (ret)
			return ret;
	}

	ret = nt_allowedips_pool_fill(&plan->pool, plan->inserts[0],
				      plan->inserts[1]);
	if (ret)
		return ret;

	/* After the cheap refusals: the costly part of a large request. */
	plan_precompute(plan);

	/* Last: once bound, the new port already receives. */
	if (plan->set_port && netif_running(ntd->dev)) {
		ret = nt_socket_bind(ntd, plan->port, &plan->sockets);
		if (ret == -EADDRINUSE)
			NL_SET_ERR_MSG_ATTR(info->extack,
					    info->attrs[NOISETUN_A_DEVICE_LISTEN_PORT],
					    "LISTEN_PORT is in use");
		else if (ret)
			NL_SET_ERR_MSG_ATTR(info->extack,
					    info->attrs[NOISETUN_A_DEVICE_LISTEN_PORT],
					    "cannot bind LISTEN_PORT");
		return ret;
	}
	return 0;
}

/*
 * Apply the allowed IPs of one element. The request was checked by the
 * first pass, so the attributes are read without parsing again, and the
 * insertions take their nodes from the pool that pass filled.
 */
static void apply_allowedips(struct set_plan *plan, struct nt_peer *peer,
			     const struct nlattr *allowedips)
{
	struct nt_device *ntd = plan->ntd;
	const struct nlattr *nest, *attr;
	int rem, rem_nest;

	nla_for_each_nested(nest, allowedips, rem_nest) {
		const void *addr = NULL;
		bool remove = false;
		u16 family = 0;
		u8 cidr = 0;
		int ret = 0;

		nla_for_each_nested(attr, nest, rem) {
			switch (nla_type(attr)) {
			case NOISETUN_A_ALLOWEDIP_FAMILY:
				family = nla_get_u16(attr);
				break;
			case NOISETUN_A_ALLOWEDIP_IPADDR:
				addr = nla_data(attr);
				break;
			case NOISETUN_A_ALLOWEDIP_CIDR_MASK:
				cidr = nla_get_u8(attr);
				break;
			case NOISETUN_A_ALLOWEDIP_FLAGS:
				remove = nla_get_u32(attr) &
					 NOISETUN_ALLOWEDIP_F_REMOVE_ME;
				break;
			}
		}

		if (remove)
			nt_allowedips_remove(&ntd->peer_allowedips, family,
					     addr, cidr, peer,
					     &ntd->device_update_lock);
		else
			ret = nt_allowedips_insert(&ntd->peer_allowedips,
						   family, addr, cidr, peer,
						   &plan->pool,
						   &ntd->device_update_lock);
		/* Impossible: the pool holds two nodes per insertion. */
		WARN_ON(ret);
	}
}

/*
 * Switch a peer off, keeping its configuration: from here on nothing
 * makes a session or a handshake with it (the data path and the timers
 * test @disabled), so what it has now is all there is to clear.
 */
static void disable_peer(struct nt_peer *peer)
{
	WRITE_ONCE(peer->disabled, true);
	nt_timers_stop(peer);
	nt_noise_keypairs_clear(&peer->keypairs);
	nt_noise_handshake_clear(&peer->handshake);
	nt_peer_purge_staged_packets(peer);
	/* Once enabled again, the first packet handshakes at once. */
	nt_send_handshake_forget(peer);
}

/*
 * Apply DESCRIPTION: the peer takes the text the plan allocated; true when
 * it changed. The old text goes at once: it is read only under
 * device_update_lock, which the caller holds.
 */
static bool apply_description(struct nt_peer *peer, struct peer_step *step)
{
	char *old = peer->description;
	bool changed;

	lockdep_assert_held(&peer->device->device_update_lock);
	changed = strcmp(old ?: "", step->description_text ?: "");
	peer->description = step->description_text;
	step->description_text = NULL;
	kfree(old);
	return changed;
}

static void apply_step(struct set_plan *plan, struct peer_step *step,
		       struct list_head *dead)
{
	struct nt_device *ntd = plan->ntd;
	struct nt_peer *peer = step->peer;
	bool added = step->action == PEER_ADD;
	bool enabled = false;
	u32 changes = 0;

	switch (step->action) {
	case PEER_SKIP:
		return;
	case PEER_REMOVE:
		nt_peer_make_dead(peer, dead);
		config_event(peer, NOISETUN_CMD_EVENT_PEER_REMOVED, 0);
		return;
	case PEER_ADD:
		/*
		 * Made while planning, with the device's key of then: a key
		 * set by this same request is in place by now.
		 */
		if (plan->set_identity)
			nt_noise_handshake_precompute_static_static(&peer->handshake);
		/* Disabled before anything can find it. */
		if (step->disabled)
			peer->disabled = nla_get_u8(step->disabled);
		nt_peer_add(peer);
		break;
	case PEER_UPDATE:
		if (!step->disabled ||
		    nla_get_u8(step->disabled) == peer->disabled)
			break;
		changes |= NOISETUN_EVENT_CHANGE_DISABLED;
		if (nla_get_u8(step->disabled)) {
			disable_peer(peer);
		} else {
			WRITE_ONCE(peer->disabled, false);
			enabled = true;
		}
		break;
	}

	if (step->description && apply_description(peer, step))
		changes |= NOISETUN_EVENT_CHANGE_DESCRIPTION;

	if (step->preshared_key) {
		down_write(&peer->handshake.lock);
		if (crypto_memneq(peer->handshake.preshared_key,
				  nla_data(step->preshared_key),
				  NOISE_SYMMETRIC_KEY_LEN))
			changes |= NOISETUN_EVENT_CHANGE_PRESHARED_KEY;
		memcpy(peer->handshake.preshared_key,
		       nla_data(step->preshared_key), NOISE_SYMMETRIC_KEY_LEN);
		up_write(&peer->handshake.lock);
	}

	if (step->endpoint) {
		struct nt_endpoint endpoint = { };

		/*
		 * Checked by validate_endpoint(): a whole sockaddr_in(6). Copy
		 * into the member of that size: a sockaddr_in6 into the
		 * 16-byte struct sockaddr is a field-spanning write that
		 * FORTIFY_SOURCE rightly WARNs about.
		 */
		if (nla_len(step->endpoint) == sizeof(endpoint.addr6))
			memcpy(&endpoint.addr6, nla_data(step->endpoint),
			       sizeof(endpoint.addr6));
		else
			memcpy(&endpoint.addr4, nla_data(step->endpoint),
			       sizeof(endpoint.addr4));
		if (nt_socket_set_peer_endpoint(peer, &endpoint))
			changes |= NOISETUN_EVENT_CHANGE_ENDPOINT;
	}

	/* Listed or replaced, not compared: the event may overstate. */
	if ((step->flags & NOISETUN_PEER_F_REPLACE_ALLOWEDIPS) ||
	    step->allowedips)
		changes |= NOISETUN_EVENT_CHANGE_ALLOWEDIPS;
	if (step->flags & NOISETUN_PEER_F_REPLACE_ALLOWEDIPS)
		nt_allowedips_remove_by_peer(&ntd->peer_allowedips, peer,
					     &ntd->device_update_lock);
	if (step->allowedips)
		apply_allowedips(plan, peer, step->allowedips);

	if (step->keepalive) {
		unsigned int old = peer->persistent_keepalive_interval;

		WRITE_ONCE(peer->persistent_keepalive_interval,
			   nla_get_u16(step->keepalive));
		if (old != nla_get_u16(step->keepalive))
			changes |= NOISETUN_EVENT_CHANGE_PERSISTENT_KEEPALIVE;
		nt_timers_persistent_keepalive_changed(peer, old);
	}

	if (step->action == PEER_ADD)
		step->action = PEER_UPDATE; /* The device owns it now. */
	if (added)
		config_event(peer, NOISETUN_CMD_EVENT_PEER_ADDED, 0);
	else if (changes)
		config_event(peer, NOISETUN_CMD_EVENT_PEER_CHANGED, changes);

	/*
	 * A new endpoint or new allowed IPs may be what staged packets were
	 * waiting for.
	 */
	if (netif_running(ntd->dev))
		nt_send_staged_packets(peer);
	/* Enabled again: a persistent keepalive restarts as configured. */
	if (enabled && netif_running(ntd->dev) &&
	    peer->persistent_keepalive_interval)
		nt_send_keepalive(peer);
}

static void device_key_event(struct set_plan *plan)
{
	struct event ev = {
		.cmd = NOISETUN_CMD_EVENT_DEVICE_KEY_CHANGED,
		.device_key = plan->has_identity ? plan->public_key : NULL,
	};

	send_event(plan->ntd, NULL, &ev, GFP_KERNEL);
}

/* Second pass: cannot fail. Same order as WireGuard applies a request. */
static void apply_plan(struct set_plan *plan)
{
	struct nt_device *ntd = plan->ntd;
	struct nt_peer *peer, *next;
	unsigned int i;
	LIST_HEAD(dead);

	ASSERT_RTNL();
	lockdep_assert_held(&ntd->device_update_lock);

	if (plan->set_unknown_peer_events)
		WRITE_ONCE(ntd->unknown_peer_events, plan->unknown_peer_events);

	if (plan->set_fwmark) {
		WRITE_ONCE(ntd->fwmark, plan->fwmark);
		list_for_each_entry(peer, &ntd->peer_list, peer_list)
			nt_socket_clear_peer_endpoint_src(peer);
	}

	if (plan->set_port) {
		if (netif_running(ntd->dev))
			nt_socket_install(ntd, &plan->sockets);
		else
			ntd->incoming_port = plan->port;
		list_for_each_entry(peer, &ntd->peer_list, peer_list)
			nt_socket_clear_peer_endpoint_src(peer);
	}

	if (plan->flags & NOISETUN_DEVICE_F_REPLACE_PEERS) {
		nt_allowedips_free(&ntd->peer_allowedips,
				   &ntd->device_update_lock);
		list_for_each_entry_safe(peer, next, &ntd->peer_list,
					 peer_list) {
			nt_peer_make_dead(peer, &dead);
			config_event(peer, NOISETUN_CMD_EVENT_PEER_REMOVED, 0);
		}
	}

	if (plan->set_identity) {
		struct nt_static_identity *identity = &ntd->static_identity;

		if (plan->displaced)
			nt_peer_make_dead(plan->displaced, &dead);
		down_write(&identity->lock);
		memzero_explicit(identity->private_key,
				 sizeof(identity->private_key));
		memcpy(identity->private_key, plan->private_key,
		       NOISE_PUBLIC_KEY_LEN);
		memcpy(identity->public_key, plan->public_key,
		       NOISE_PUBLIC_KEY_LEN);
		identity->has_identity = plan->has_identity;
		nt_cookie_checker_precompute_device_keys(&ntd->cookie_checker);
		up_write(&identity->lock);

		device_key_event(plan);
		if (plan->displaced)
			config_event(plan->displaced,
				     NOISETUN_CMD_EVENT_PEER_REMOVED, 0);

		/*
		 * Sessions made with the old key must not outlive it: every
		 * peer handshakes again with the new one.
		 */
		list_for_each_entry(peer, &ntd->peer_list, peer_list) {
			nt_noise_keypairs_clear(&peer->keypairs);
			nt_noise_handshake_clear(&peer->handshake);
			nt_noise_handshake_precompute_static_static(&peer->handshake);
			/*
			 * And at once: an initiation made (or, without a
			 * key, attempted) with the old identity must not
			 * hold the new one back for REKEY_TIMEOUT.
			 */
			nt_send_handshake_forget(peer);
		}
	}

	for (i = 0; i < plan->num_steps; ++i)
		apply_step(plan, &plan->steps[i], &dead);

	/*
	 * With a (new) key, what was staged while the device had none, or
	 * had the old one, can go: each peer handshakes again.
	 */
	if (plan->set_identity && plan->has_identity &&
	    netif_running(ntd->dev)) {
		list_for_each_entry(peer, &ntd->peer_list, peer_list)
			nt_send_staged_packets(peer);
	}

	nt_device_bump_generation(ntd);
	plan->applied = true;
	nt_peer_remove_dead(&dead);
}

static void free_plan(struct set_plan *plan)
{
	unsigned int i;

	/* Peers created for a request that failed: never added, freed. */
	for (i = 0; i < plan->num_steps; ++i) {
		if (plan->steps[i].action == PEER_ADD)
			nt_peer_put(plan->steps[i].peer);
		kfree(plan->steps[i].description_text);
	}
	for (i = 0; i < plan->num_keys; ++i)
		nt_peer_put(plan->keys[i].existing);
	nt_peer_put(plan->displaced);
	nt_allowedips_pool_drain(&plan->pool);
	nt_socket_release(&plan->sockets);
	kvfree(plan->buckets);
	kvfree(plan->keys);
	kvfree(plan->steps);
	kfree_sensitive(plan);
}

/*
 * Key bytes do not outlive the request in the message either: every copy
 * of them, wherever the request put it, refused or not.
 */
static void wipe_keys(struct genl_info *info)
{
	struct nlattr *attr, *peer, *peer_attr;
	int rem, peers_rem, peer_rem;

	nla_for_each_attr(attr, genlmsg_data(info->genlhdr),
			  genlmsg_len(info->genlhdr), rem) {
		if (nla_type(attr) == NOISETUN_A_DEVICE_PRIVATE_KEY) {
			memzero_explicit(nla_data(attr), nla_len(attr));
			continue;
		}
		if (nla_type(attr) != NOISETUN_A_DEVICE_PEERS)
			continue;
		nla_for_each_nested(peer, attr, peers_rem) {
			nla_for_each_nested(peer_attr, peer, peer_rem) {
				if (nla_type(peer_attr) ==
				    NOISETUN_A_PEER_PRESHARED_KEY)
					memzero_explicit(nla_data(peer_attr),
							 nla_len(peer_attr));
			}
		}
	}
}

static int set_device(struct sk_buff *skb, struct genl_info *info)
{
	struct set_plan *plan;
	struct nt_device *ntd;
	int ret;

	ntd = lookup_device(genl_info_net(info), info->attrs, info->extack);
	if (IS_ERR(ntd)) {
		ret = PTR_ERR(ntd);
		goto out_wipe;
	}

	plan = kzalloc(sizeof(*plan), GFP_KERNEL_ACCOUNT);
	if (!plan) {
		ret = -ENOMEM;
		goto out_put;
	}
	plan->ntd = ntd;
	nt_allowedips_pool_init(&plan->pool);

	rtnl_lock();
	mutex_lock(&ntd->device_update_lock);
	ret = plan_request(plan, skb, info);
	if (!ret)
		apply_plan(plan);
	free_plan(plan);
	mutex_unlock(&ntd->device_update_lock);
	rtnl_unlock();

out_put:
	dev_put(ntd->dev);
out_wipe:
	wipe_keys(info);
	return ret;
}

static const struct genl_ops genl_ops[] = {
	{
		.cmd = NOISETUN_CMD_GET_DEVICE,
		.doit = get_device_doit,
		.start = get_device_start,
		.dumpit = get_device_dump,
		.done = get_device_done,
		.policy = get_device_policy,
		.maxattr = NOISETUN_A_DEVICE_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	}, {
		.cmd = NOISETUN_CMD_SET_DEVICE,
		.doit = set_device,
		.policy = set_device_policy,
		.maxattr = NOISETUN_A_DEVICE_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

static const struct genl_multicast_group genl_mcgrps[] = {
	{
		.name = NOISETUN_MCGRP_EVENTS,
#ifdef NT_HAVE_GENL_MCAST_CAP
		/* Events name peers and endpoints: not for everyone. */
		.flags = GENL_MCAST_CAP_NET_ADMIN,
#endif
	},
};

static struct genl_family genl_family __ro_after_init = {
	.name = NOISETUN_GENL_NAME,
	.version = NOISETUN_GENL_VERSION,
	.module = THIS_MODULE,
	.netnsok = true,
	.ops = genl_ops,
	.n_ops = ARRAY_SIZE(genl_ops),
	/* Every command is new, so every command gets strict validation. */
	.resv_start_op = NOISETUN_CMD_GET_DEVICE,
	.mcgrps = genl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(genl_mcgrps),
};

int __init nt_genetlink_init(void)
{
	int ret = genl_register_family(&genl_family);

	if (!ret)
		WRITE_ONCE(events_enabled, true);
	return ret;
}

void nt_genetlink_uninit(void)
{
	WRITE_ONCE(events_enabled, false);
	/* No data-path event is still using the family after this. */
	synchronize_rcu();
	genl_unregister_family(&genl_family);
}
