// SPDX-License-Identifier: GPL-2.0
/*
 * rtnetlink requests for `tunctl up` and `down`: what `ip link`, `ip
 * address`, `ip route` and `ip rule` would send, built with libmnl and run
 * through ipc.c's request/reply loop.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>

#include "ipc.h"
#include "rtnl.h"

char nt_rtnl_extack[512];

/* The flags of a request that creates something new (ip's "add"). */
#define ADD_FLAGS (NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL)

/* How often an interrupted dump is restarted before giving up. */
#define DUMP_RETRIES 100

/* Run one request on a fresh NETLINK_ROUTE socket. */
static int run(struct nlmsghdr *nlh, nt_ipc_reply_cb cb, void *data)
{
	struct nt_ipc_request req;
	int ret;

	nt_rtnl_extack[0] = '\0';
	ret = nt_ipc_open(&req, NETLINK_ROUTE);
	if (ret)
		return ret;
	nlh->nlmsg_seq = nt_ipc_seq();
	ret = nt_ipc_transact(&req, nlh, cb, data);
	if (ret)
		snprintf(nt_rtnl_extack, sizeof(nt_rtnl_extack), "%s",
			 req.extack);
	nt_ipc_close(&req);
	return ret;
}

/*
 * A request of @type with its family header (struct ifinfomsg, rtmsg, ...)
 * of @header_len bytes, zeroed but for its first field, @family: every
 * rtnetlink family header starts as struct rtgenmsg does.
 * mnl_nlmsg_get_payload() gives the header.
 */
static struct nlmsghdr *put_header(char *buf, uint16_t type, uint16_t flags,
				   size_t header_len, uint8_t family)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtgenmsg *gen;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	gen = mnl_nlmsg_put_extra_header(nlh, header_len);
	gen->rtgen_family = family;
	return nlh;
}

static size_t addr_len(int family)
{
	return family == AF_INET6 ? sizeof(struct in6_addr) :
				    sizeof(struct in_addr);
}

/* Put @a's address (without its prefix length) as attribute @type. */
static void put_addr(struct nlmsghdr *nlh, uint16_t type,
		     const struct tunctl_allowedip *a)
{
	mnl_attr_put(nlh, type, addr_len(a->family), &a->addr);
}

/* ---- links ---- */

struct link_info {
	const char *want;	/* the name to find, or NULL for any */
	uint32_t ifindex;
	uint32_t mtu;
	char kind[64];
	bool found;
};

static int read_link(const struct nlmsghdr *nlh, void *data)
{
	struct link_info *info = data;
	struct nt_ipc_link link;

	if (nt_ipc_parse_link(nlh, &link))
		return 0;
	if (info->want && (!link.name || strcmp(link.name, info->want)))
		return 0;
	info->found = true;
	info->ifindex = link.ifindex;
	info->mtu = link.mtu;
	snprintf(info->kind, sizeof(info->kind), "%s", link.kind ? link.kind : "");
	return 0;
}

/*
 * A link request with its ifinfomsg; @ifindex 0 when the request names the
 * link by IFLA_IFNAME instead.
 */
static struct nlmsghdr *put_link(char *buf, uint16_t type, uint16_t flags,
				 uint32_t ifindex)
{
	struct nlmsghdr *nlh = put_header(buf, type, flags,
					  sizeof(struct ifinfomsg), AF_UNSPEC);
	struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);

	ifm->ifi_index = (int)ifindex;
	return nlh;
}

/* Read one link, by @name or else by @ifindex; -ENODEV when there is none. */
static int get_link(const char *name, uint32_t ifindex, struct link_info *info)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int ret;

	nlh = put_link(buf, RTM_GETLINK, NLM_F_ACK, ifindex);
	if (name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	info->want = name;
	ret = run(nlh, read_link, info);
	if (ret)
		return ret;
	return info->found ? 0 : -ENODEV;
}

int nt_rtnl_link_find(const char *name, uint32_t *ifindex, char *kind,
		      size_t kind_len)
{
	struct link_info info = { 0 };
	int ret = get_link(name, 0, &info);

	if (ret)
		return ret;
	*ifindex = info.ifindex;
	if (kind)
		snprintf(kind, kind_len, "%s", info.kind);
	return 0;
}

int nt_rtnl_link_mtu(uint32_t ifindex, uint32_t *mtu)
{
	struct link_info info = { 0 };
	int ret = get_link(NULL, ifindex, &info);

	if (ret)
		return ret;
	*mtu = info.mtu;
	return 0;
}

int nt_rtnl_link_add(const char *name, const char *kind)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct nlattr *linkinfo;

	nlh = put_link(buf, RTM_NEWLINK, ADD_FLAGS, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, kind);
	mnl_attr_nest_end(nlh, linkinfo);
	return run(nlh, NULL, NULL);
}

int nt_rtnl_link_del(uint32_t ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	return run(put_link(buf, RTM_DELLINK, NLM_F_ACK, ifindex), NULL, NULL);
}

int nt_rtnl_link_set_mtu_up(uint32_t ifindex, uint32_t mtu)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;

	nlh = put_link(buf, RTM_NEWLINK, NLM_F_ACK, ifindex);
	ifm = mnl_nlmsg_get_payload(nlh);
	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;
	mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	return run(nlh, NULL, NULL);
}

/* ---- addresses ---- */

int nt_rtnl_addr_add(uint32_t ifindex, const struct tunctl_allowedip *addr)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;

	nlh = put_header(buf, RTM_NEWADDR, ADD_FLAGS, sizeof(*ifa),
			 (uint8_t)addr->family);
	ifa = mnl_nlmsg_get_payload(nlh);
	ifa->ifa_prefixlen = addr->cidr;
	ifa->ifa_index = ifindex;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	put_addr(nlh, IFA_LOCAL, addr);
	put_addr(nlh, IFA_ADDRESS, addr);
	return run(nlh, NULL, NULL);
}

/* ---- routes ---- */

static void put_table(struct nlmsghdr *nlh, uint8_t *hdr_table, uint16_t attr,
		      uint32_t table)
{
	*hdr_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	mnl_attr_put_u32(nlh, attr, table);
}

/* A route request for the first @dst_len bits of @dst, with its rtmsg. */
static struct nlmsghdr *put_route(char *buf, uint16_t type, uint16_t flags,
				  const struct tunctl_allowedip *dst,
				  uint8_t dst_len)
{
	struct nlmsghdr *nlh = put_header(buf, type, flags,
					  sizeof(struct rtmsg),
					  (uint8_t)dst->family);
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	rtm->rtm_dst_len = dst_len;
	put_addr(nlh, RTA_DST, dst);
	return nlh;
}

int nt_rtnl_route_add(uint32_t ifindex, const struct tunctl_allowedip *dst,
		      uint32_t table)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = put_route(buf, RTM_NEWROUTE, ADD_FLAGS, dst,
					 dst->cidr);
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	rtm->rtm_protocol = RTPROT_BOOT;
	/* As ip(8): a route without a gateway is on-link (IPv4 only). */
	rtm->rtm_scope = dst->family == AF_INET ? RT_SCOPE_LINK :
						  RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	put_table(nlh, &rtm->rtm_table, RTA_TABLE, table);
	mnl_attr_put_u32(nlh, RTA_OIF, ifindex);
	return run(nlh, NULL, NULL);
}

/* What a route message says, for the lookups below. */
struct route {
	uint8_t family;
	uint8_t dst_len;
	uint8_t type;
	uint32_t table;
	uint32_t oif;
	uint32_t mtu;
	bool has_dst;
	union {
		struct in_addr ip4;
		struct in6_addr ip6;
	} dst;
};

/* RTA_DST, when it has the length of the route's family: @data, the route. */
static void read_route_dst(const struct nlattr *attr, void *data)
{
	struct route *r = data;

	if (mnl_attr_get_payload_len(attr) == addr_len(r->family)) {
		memcpy(&r->dst, mnl_attr_get_payload(attr),
		       addr_len(r->family));
		r->has_dst = true;
	}
}

#define ROUTE(member, reader) NT_IPC_FIELD(struct route, member, reader)

static const struct nt_ipc_attr_rule metric_rules[] = {
	[RTAX_MTU] = ROUTE(mtu, nt_ipc_attr_u32),
};

static const struct nt_ipc_attr_rule route_rules[] = {
	[RTA_DST] = { .read = read_route_dst },
	[RTA_OIF] = ROUTE(oif, nt_ipc_attr_u32),
	[RTA_METRICS] = NT_IPC_NEST(metric_rules),
	[RTA_TABLE] = ROUTE(table, nt_ipc_attr_u32),
};

static bool read_route(const struct nlmsghdr *nlh, struct route *r)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	memset(r, 0, sizeof(*r));
	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm))
		return false;
	if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6)
		return false;
	r->family = rtm->rtm_family;
	r->dst_len = rtm->rtm_dst_len;
	r->type = rtm->rtm_type;
	r->table = rtm->rtm_table;
	nt_ipc_parse_attrs(nlh, sizeof(*rtm), route_rules,
			   NT_IPC_RULES_LEN(route_rules), r);
	return true;
}

static int got_route(const struct nlmsghdr *nlh, void *data)
{
	struct route r;

	if (read_route(nlh, &r))
		*(struct route *)data = r;
	return 0;
}

int nt_rtnl_route_get(const struct tunctl_allowedip *dst, uint32_t *oif,
		      uint32_t *mtu)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct route r = { 0 };
	int ret;

	/* The route of the whole address. */
	ret = run(put_route(buf, RTM_GETROUTE, NLM_F_ACK, dst,
			    (uint8_t)(addr_len(dst->family) * 8)),
		  got_route, &r);
	if (ret)
		return ret;
	*oif = r.oif;
	*mtu = r.mtu;
	return 0;
}

/* Walk every route of a family (the kernel's routing dump). */
static int dump_routes(uint8_t family, nt_ipc_reply_cb cb, void *data)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int ret, tries;

	for (tries = 0; tries < DUMP_RETRIES; tries++) {
		ret = run(put_header(buf, RTM_GETROUTE, NLM_F_DUMP,
				     sizeof(struct rtmsg), family), cb, data);
		if (ret != -EINTR)
			break;
	}
	/* A kernel without IPv6 has no routes of it. */
	if (family == AF_INET6 && ret == -EAFNOSUPPORT)
		ret = 0;
	return ret;
}

struct default_walk {
	bool found;
	uint32_t oif;
	uint32_t mtu;
};

static int find_default(const struct nlmsghdr *nlh, void *data)
{
	struct default_walk *walk = data;
	struct route r;

	if (walk->found || !read_route(nlh, &r))
		return 0;
	if (r.table != RT_TABLE_MAIN || r.dst_len != 0)
		return 0;
	walk->found = true;
	walk->oif = r.oif;
	walk->mtu = r.mtu;
	return 0;
}

int nt_rtnl_default_route(uint32_t *oif, uint32_t *mtu)
{
	struct default_walk walk = { 0 };
	int ret = dump_routes(AF_INET, find_default, &walk);

	if (ret)
		return ret;
	if (!walk.found)
		return -ENOENT;
	*oif = walk.oif;
	*mtu = walk.mtu;
	return 0;
}

/* Whether the first @bits bits of @a and @b are equal. */
static bool prefix_equal(const void *a, const void *b, unsigned int bits)
{
	const uint8_t *x = a, *y = b;
	unsigned int bytes = bits / 8, rest = bits % 8;

	if (memcmp(x, y, bytes))
		return false;
	if (!rest)
		return true;
	return !((x[bytes] ^ y[bytes]) & (uint8_t)(0xff << (8 - rest)));
}

struct covers_walk {
	const struct tunctl_allowedip *dst;
	uint32_t ifindex;
	bool covered;
};

static int find_cover(const struct nlmsghdr *nlh, void *data)
{
	struct covers_walk *walk = data;
	struct route r;

	if (!read_route(nlh, &r) || r.table != RT_TABLE_MAIN ||
	    r.oif != walk->ifindex || r.dst_len > walk->dst->cidr)
		return 0;
	if (!r.dst_len || (r.has_dst && prefix_equal(&r.dst, &walk->dst->addr,
						     r.dst_len)))
		walk->covered = true;
	return 0;
}

int nt_rtnl_route_covers(uint32_t ifindex, const struct tunctl_allowedip *dst,
			 bool *covered)
{
	struct covers_walk walk = { .dst = dst, .ifindex = ifindex };
	int ret = dump_routes((uint8_t)dst->family, find_cover, &walk);

	*covered = walk.covered;
	return ret;
}

struct table_walk {
	uint32_t table;
	bool used;
};

static int find_table(const struct nlmsghdr *nlh, void *data)
{
	struct table_walk *walk = data;
	struct route r;

	if (read_route(nlh, &r) && r.table == walk->table)
		walk->used = true;
	return 0;
}

int nt_rtnl_table_used(uint32_t table, bool *used)
{
	struct table_walk walk = { .table = table };
	int ret = dump_routes(AF_INET, find_table, &walk);

	if (!ret)
		ret = dump_routes(AF_INET6, find_table, &walk);
	*used = walk.used;
	return ret;
}

/* ---- rules ---- */

static struct nlmsghdr *put_rule(char *buf, uint16_t type, uint16_t flags,
				 const struct nt_rtnl_rule *rule)
{
	struct nlmsghdr *nlh = put_header(buf, type, flags,
					  sizeof(struct fib_rule_hdr),
					  rule->family);
	struct fib_rule_hdr *frh = mnl_nlmsg_get_payload(nlh);

	frh->action = FR_ACT_TO_TBL;
	put_table(nlh, &frh->table, FRA_TABLE, rule->table);
	if (rule->fwmark) {
		frh->flags |= FIB_RULE_INVERT;
		mnl_attr_put_u32(nlh, FRA_FWMARK, rule->fwmark);
	}
	if (rule->suppress_prefixlen >= 0)
		mnl_attr_put_u32(nlh, FRA_SUPPRESS_PREFIXLEN,
				 (uint32_t)rule->suppress_prefixlen);
	return nlh;
}

int nt_rtnl_rule_add(const struct nt_rtnl_rule *rule)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];

	return run(put_rule(buf, RTM_NEWRULE, ADD_FLAGS, rule), NULL, NULL);
}

/* What a rule message says; @other: a selector the rules here never have. */
struct rule_seen {
	uint32_t table;
	uint32_t fwmark;
	uint32_t fwmask;
	int suppress_prefixlen;
	uint32_t priority;	/* 0 when absent: the kernel omits 0 */
	bool other;
};

static int parse_rule_attr(const struct nlattr *attr, void *data)
{
	struct rule_seen *s = data;
	uint16_t type = mnl_attr_get_type(attr);

	switch (type) {
	case FRA_TABLE:
	case FRA_FWMARK:
	case FRA_FWMASK:
	case FRA_SUPPRESS_PREFIXLEN:
	case FRA_PRIORITY:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0) {
			s->other = true;
			break;
		}
		if (type == FRA_TABLE)
			s->table = mnl_attr_get_u32(attr);
		else if (type == FRA_FWMARK)
			s->fwmark = mnl_attr_get_u32(attr);
		else if (type == FRA_FWMASK)
			s->fwmask = mnl_attr_get_u32(attr);
		else if (type == FRA_SUPPRESS_PREFIXLEN)
			s->suppress_prefixlen = (int)mnl_attr_get_u32(attr);
		else
			s->priority = mnl_attr_get_u32(attr);
		break;
	case FRA_SRC:
	case FRA_DST:
	case FRA_IIFNAME:
	case FRA_OIFNAME:
	case FRA_GOTO:
	case FRA_FLOW:
	case FRA_TUN_ID:
	case FRA_SUPPRESS_IFGROUP:
	case FRA_L3MDEV:
	case FRA_UID_RANGE:
	case FRA_IP_PROTO:
	case FRA_SPORT_RANGE:
	case FRA_DPORT_RANGE:
		s->other = true;
		break;
	}
	return MNL_CB_OK;
}

struct rule_walk {
	const struct nt_rtnl_rule *want;
	bool found;
	uint32_t priority;
};

static int find_rule(const struct nlmsghdr *nlh, void *data)
{
	const struct fib_rule_hdr *frh = mnl_nlmsg_get_payload(nlh);
	struct rule_walk *walk = data;
	const struct nt_rtnl_rule *want = walk->want;
	struct rule_seen s = { .suppress_prefixlen = -1 };
	bool invert;

	if (walk->found || nlh->nlmsg_type != RTM_NEWRULE ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*frh))
		return 0;
	s.table = frh->table;
	mnl_attr_parse(nlh, sizeof(*frh), parse_rule_attr, &s);
	invert = frh->flags & FIB_RULE_INVERT;
	if (s.other || frh->family != want->family ||
	    frh->action != FR_ACT_TO_TBL || frh->src_len || frh->dst_len ||
	    frh->tos || s.table != want->table ||
	    s.suppress_prefixlen != want->suppress_prefixlen ||
	    invert != !!want->fwmark || s.fwmark != want->fwmark)
		return 0;
	if (want->fwmark && s.fwmask != 0xffffffff)
		return 0;
	if (!want->fwmark && s.fwmask)
		return 0;
	walk->found = true;
	walk->priority = s.priority;
	return 0;
}

int nt_rtnl_rule_del(const struct nt_rtnl_rule *rule)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct rule_walk walk = { .want = rule };
	struct nlmsghdr *nlh;
	int ret, tries;

	for (tries = 0; tries < DUMP_RETRIES; tries++) {
		nlh = put_header(buf, RTM_GETRULE, NLM_F_DUMP,
				 sizeof(struct fib_rule_hdr), rule->family);
		ret = run(nlh, find_rule, &walk);
		if (ret != -EINTR)
			break;
		walk.found = false;
	}
	if (ret)
		return ret;
	if (!walk.found)
		return -ENOENT;
	nlh = put_rule(buf, RTM_DELRULE, NLM_F_ACK, rule);
	mnl_attr_put_u32(nlh, FRA_PRIORITY, walk.priority);
	return run(nlh, NULL, NULL);
}
