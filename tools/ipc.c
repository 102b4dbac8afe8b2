// SPDX-License-Identifier: GPL-2.0
/*
 * Talking to the kernel over libmnl: the sockets, the lookup of the
 * generic netlink family, the request/reply transactions and the
 * rtnetlink walk of the links. The noisetun messages themselves are
 * built and parsed by uapi.c.
 *
 * Every operation opens its own socket, asks for extended acks (so the
 * kernel's extack message can be shown) and capped acks (so a 32 KiB SET
 * is not echoed back in its error), runs one request and closes it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <sodium.h>

#include "error.h"
#include "ipc.h"
#include "key.h"
#include "model.h"
#include "uapi.h"

/* Large enough for any dump message the kernel builds (at most 32 KiB). */
#define RECV_BUFFER_SIZE 65536

/*
 * How often an interrupted dump of the links is restarted before giving
 * up, or a GET is tried again as a dump (its peer did not fit).
 */
#define DUMP_RETRIES 100

static uint32_t next_seq;

uint32_t nt_ipc_seq(void)
{
	if (!next_seq)
		next_seq = (uint32_t)time(NULL);
	return next_seq++;
}

/* ---- requests and replies ---- */

int nt_ipc_open(struct nt_ipc_request *req, int bus)
{
	int one = 1;

	memset(req, 0, sizeof(*req));
	req->nl = mnl_socket_open(bus);
	if (!req->nl)
		return -errno;
	/* Both are optional: without them errors are shown without detail. */
	mnl_socket_setsockopt(req->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(req->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(req->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = -errno;

		mnl_socket_close(req->nl);
		req->nl = NULL;
		return err;
	}
	return 0;
}

void nt_ipc_close(struct nt_ipc_request *req)
{
	if (req->nl)
		mnl_socket_close(req->nl);
	req->nl = NULL;
}

static int parse_extack(const struct nlattr *attr, void *data)
{
	struct nt_ipc_request *req = data;

	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
		snprintf(req->extack, sizeof(req->extack), "%s",
			 mnl_attr_get_str(attr));
	return MNL_CB_OK;
}

/* The error of an NLMSG_ERROR or NLMSG_DONE message, and its extack. */
static int read_error(struct nt_ipc_request *req, const struct nlmsghdr *nlh)
{
	size_t plen = mnl_nlmsg_get_payload_len(nlh), offset;
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	int err;

	if (plen < sizeof(int))
		return -EBADMSG;
	memcpy(&err, e, sizeof(err));
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return err;
	if (nlh->nlmsg_type == NLMSG_DONE) {
		offset = sizeof(int);
	} else {
		if (plen < sizeof(*e))
			return err;
		offset = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			offset = sizeof(int) + e->msg.nlmsg_len;
	}
	if (offset < plen)
		mnl_attr_parse(nlh, offset, parse_extack, req);
	return err;
}

int nt_ipc_transact(struct nt_ipc_request *req, struct nlmsghdr *msg,
		    nt_ipc_reply_cb cb, void *data)
{
	uint32_t portid = mnl_socket_get_portid(req->nl), seq = msg->nlmsg_seq;
	int ret = 1, len;
	char *buf;

	req->extack[0] = '\0';
	req->interrupted = false;
	buf = malloc(RECV_BUFFER_SIZE);
	if (!buf)
		return -ENOMEM;
	if (mnl_socket_sendto(req->nl, msg, msg->nlmsg_len) < 0) {
		ret = -errno;
		goto out;
	}
	while (ret > 0) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		ssize_t got = mnl_socket_recvfrom(req->nl, buf, RECV_BUFFER_SIZE);

		if (got < 0) {
			ret = -errno;
			break;
		}
		/* mnl_nlmsg_ok() alone lets nlmsg_len > INT_MAX through. */
		for (len = (int)got; ret > 0 && mnl_nlmsg_ok(nlh, len) &&
		     nlh->nlmsg_len <= (unsigned int)len;
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			if (!mnl_nlmsg_seq_ok(nlh, seq) ||
			    !mnl_nlmsg_portid_ok(nlh, portid))
				continue;
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				req->interrupted = true;
			if (nlh->nlmsg_type == NLMSG_ERROR ||
			    nlh->nlmsg_type == NLMSG_DONE) {
				ret = read_error(req, nlh);
				if (ret > 0)
					ret = -ret;
				break;
			}
			if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
				continue;
			if (cb) {
				int err = cb(nlh, data);

				if (err < 0)
					ret = err;
			}
		}
	}
	if (!ret && req->interrupted && !req->keep_interrupted)
		ret = -EINTR;
out:
	free(buf);
	return ret;
}

static int parse_family_attr(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U16) >= 0)
		*(uint16_t *)data = mnl_attr_get_u16(attr);
	return MNL_CB_OK;
}

static int parse_family(const struct nlmsghdr *nlh, void *data)
{
	struct nt_ipc_request *req = data;

	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), parse_family_attr,
			   &req->family) != MNL_CB_OK)
		return -EBADMSG;
	/* Kernels before noisetun had events have the group too. */
	req->has_events_group = !nt_uapi_parse_mcast_group(nlh,
							   NOISETUN_MCGRP_EVENTS,
							   &req->events_group);
	return 0;
}

/* Open a generic netlink socket and find the noisetun family. */
static int open_family(struct nt_ipc_request *req)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int ret;

	ret = nt_ipc_open(req, NETLINK_GENERIC);
	if (ret) {
		nt_error("cannot open a netlink socket: %s", strerror(-ret));
		return ret;
	}
	nlh = nt_uapi_put_header(buf, GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK,
				 nt_ipc_seq(), CTRL_CMD_GETFAMILY, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, NOISETUN_GENL_NAME);
	ret = nt_ipc_transact(req, nlh, parse_family, req);
	if (!ret && !req->family)
		ret = -ENOENT;
	if (ret == -ENOENT)
		nt_error("the noisetun module is not loaded (family \"%s\" not found)",
			 NOISETUN_GENL_NAME);
	else if (ret)
		nt_error("cannot look up the generic netlink family \"%s\": %s",
			 NOISETUN_GENL_NAME, strerror(-ret));
	if (ret)
		nt_ipc_close(req);
	return ret;
}

/* ---- links (rtnetlink) ---- */

struct link_walk {
	const char *want;	/* look up this name's kind, or */
	char **names;		/* collect the noisetun links */
	size_t len;
	size_t cap;
	char kind[64];
	bool found;
	int err;
};

void nt_ipc_attr_u32(const struct nlattr *attr, void *value)
{
	if (mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
		*(uint32_t *)value = mnl_attr_get_u32(attr);
}

void nt_ipc_attr_str(const struct nlattr *attr, void *value)
{
	if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
		*(const char **)value = mnl_attr_get_str(attr);
}

/* A table of rules, and the struct it fills. */
struct attr_walk {
	const struct nt_ipc_attr_rule *rules;
	size_t len;
	void *target;
};

static int read_attr_by_rule(const struct nlattr *attr, void *data)
{
	const struct attr_walk *walk = data;
	uint16_t type = mnl_attr_get_type(attr);
	const struct nt_ipc_attr_rule *rule;

	if (type >= walk->len)
		return MNL_CB_OK;
	rule = &walk->rules[type];
	if (rule->nest) {
		struct attr_walk nest = { .rules = rule->nest,
					  .len = rule->nest_len,
					  .target = walk->target };

		mnl_attr_parse_nested(attr, read_attr_by_rule, &nest);
	} else if (rule->read) {
		rule->read(attr, (char *)walk->target + rule->offset);
	}
	return MNL_CB_OK;
}

void nt_ipc_parse_attrs(const struct nlmsghdr *nlh, size_t header_len,
			const struct nt_ipc_attr_rule *rules, size_t len,
			void *target)
{
	struct attr_walk walk = { .rules = rules, .len = len,
				  .target = target };

	mnl_attr_parse(nlh, header_len, read_attr_by_rule, &walk);
}

#define LINK(member, reader) NT_IPC_FIELD(struct nt_ipc_link, member, reader)

static const struct nt_ipc_attr_rule linkinfo_rules[] = {
	[IFLA_INFO_KIND] = LINK(kind, nt_ipc_attr_str),
};

static const struct nt_ipc_attr_rule link_rules[] = {
	[IFLA_IFNAME] = LINK(name, nt_ipc_attr_str),
	[IFLA_MTU] = LINK(mtu, nt_ipc_attr_u32),
	[IFLA_LINKINFO] = NT_IPC_NEST(linkinfo_rules),
};

int nt_ipc_parse_link(const struct nlmsghdr *nlh, struct nt_ipc_link *link)
{
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);

	memset(link, 0, sizeof(*link));
	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifm))
		return -EINVAL;
	link->ifindex = (uint32_t)ifm->ifi_index;
	nt_ipc_parse_attrs(nlh, sizeof(*ifm), link_rules,
			   NT_IPC_RULES_LEN(link_rules), link);
	return 0;
}

static int collect_link(const struct nlmsghdr *nlh, void *data)
{
	struct link_walk *walk = data;
	struct nt_ipc_link la;
	char **grown;

	if (nt_ipc_parse_link(nlh, &la) || !la.name)
		return 0;
	if (walk->want) {
		if (!strcmp(walk->want, la.name)) {
			walk->found = true;
			snprintf(walk->kind, sizeof(walk->kind), "%s",
				 la.kind ? la.kind : "");
		}
		return 0;
	}
	if (!la.kind || strcmp(la.kind, NOISETUN_GENL_NAME))
		return 0;
	if (walk->len + 1 >= walk->cap) {
		walk->cap = walk->cap ? walk->cap * 2 : 8;
		grown = realloc(walk->names, walk->cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		walk->names = grown;
	}
	walk->names[walk->len] = strdup(la.name);
	if (!walk->names[walk->len])
		return -ENOMEM;
	walk->names[++walk->len] = NULL;
	return 0;
}

static int walk_links(struct link_walk *walk)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nt_ipc_request req;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;
	int ret, tries;

	ret = nt_ipc_open(&req, NETLINK_ROUTE);
	if (ret)
		return ret;
	for (tries = 0; tries < DUMP_RETRIES; tries++) {
		nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = RTM_GETLINK;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		nlh->nlmsg_seq = nt_ipc_seq();
		ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
		ifm->ifi_family = AF_UNSPEC;
		ret = nt_ipc_transact(&req, nlh, collect_link, walk);
		if (ret != -EINTR)
			break;
		nt_ipc_free_list(walk->names);
		walk->names = NULL;
		walk->len = walk->cap = 0;
		walk->found = false;
	}
	nt_ipc_close(&req);
	return ret;
}

int nt_ipc_list_devices(char ***names)
{
	struct link_walk walk = { 0 };
	int ret = walk_links(&walk);

	if (ret) {
		nt_error("cannot list network interfaces: %s", strerror(-ret));
		nt_ipc_free_list(walk.names);
		return ret;
	}
	if (!walk.names) {
		walk.names = calloc(1, sizeof(*walk.names));
		if (!walk.names) {
			nt_error("out of memory");
			return -ENOMEM;
		}
	}
	*names = walk.names;
	return 0;
}

void nt_ipc_free_list(char **names)
{
	size_t i;

	if (!names)
		return;
	for (i = 0; names[i]; i++)
		free(names[i]);
	free(names);
}

bool nt_ipc_check_name(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len >= IFNAMSIZ || !strcmp(name, ".") ||
	    !strcmp(name, "..") || strpbrk(name, "/: \t\n\r\v\f")) {
		nt_error("'%s' is not an interface name (1-%d characters, no '/', ':' or spaces)",
			 name, IFNAMSIZ - 1);
		return false;
	}
	return true;
}

/* Explain a failed GET or SET in words, naming the device. */
static void report_request_error(const char *verb, const char *name,
				 int err, const char *extack)
{
	char detail[600] = "";
	struct link_walk walk = { .want = name };

	if (extack && *extack)
		snprintf(detail, sizeof(detail), " (kernel: %s)", extack);
	if (err == -ENODEV || err == -EOPNOTSUPP) {
		if (!walk_links(&walk) && !walk.found) {
			nt_error("device '%s' does not exist", name);
			return;
		}
		if (walk.found && strcmp(walk.kind, NOISETUN_GENL_NAME)) {
			if (*walk.kind)
				nt_error("'%s' is not a noisetun device (its kind is '%s')",
					 name, walk.kind);
			else
				nt_error("'%s' is not a noisetun device", name);
			return;
		}
	}
	if (err == -EPERM || err == -EACCES) {
		nt_error("cannot %s '%s': permission denied (CAP_NET_ADMIN is required)%s",
			 verb, name, detail);
		return;
	}
	nt_error("cannot %s '%s': %s%s", verb, name, strerror(-err), detail);
}

static int merge_reply(const struct nlmsghdr *nlh, void *data)
{
	return nt_uapi_parse_device(nlh, data);
}

int nt_ipc_get_device(const char *name, struct tunctl_device **devp)
{
	struct nt_uapi_query query = { .flags = NOISETUN_QUERY_F_KEYS,
				       .dump = true };

	return nt_ipc_query_device(name, &query, devp);
}

int nt_ipc_query_device(const char *name, const struct nt_uapi_query *query,
			struct tunctl_device **devp)
{
	struct nt_uapi_query dump_query = *query;
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct tunctl_device *dev = NULL;
	struct nt_ipc_request req;
	struct nlmsghdr *nlh;
	int ret, tries;

	*devp = NULL;
	if (!nt_ipc_check_name(name))
		return -EINVAL;
	ret = open_family(&req);
	if (ret)
		return ret;
	/*
	 * A dump flagged NLM_F_DUMP_INTR is kept, not started again: the
	 * kernel goes on across configuration changes, listing every peer
	 * that stays for the whole dump exactly once (uapi.md, "Dumps"), so
	 * that reading a large device under steady churn ends. A peer
	 * removed and added again meanwhile may come twice: the later copy
	 * is kept.
	 */
	req.keep_interrupted = true;
	for (tries = 0; tries < DUMP_RETRIES; tries++) {
		dev = nt_model_device_new();
		if (!dev) {
			ret = -ENOMEM;
			break;
		}
		nlh = nt_uapi_build_query(buf, sizeof(buf), req.family,
					  nt_ipc_seq(), name, query);
		ret = nlh ? nt_ipc_transact(&req, nlh, merge_reply, dev) : -EMSGSIZE;
		/* A peer too large for one message: the same, as a dump. */
		if (ret == -EMSGSIZE && nlh && !query->dump) {
			dump_query.dump = true;
			query = &dump_query;
			ret = -EINTR;
		}
		if (ret != -EINTR)
			break;
		nt_model_device_free(dev);
		dev = NULL;
	}
	if (!ret && req.interrupted)
		ret = nt_model_dedupe_peers(dev);
	if (ret == -ENOENT && query->has_peer) {
		char b64[NT_KEY_B64_LEN + 1];

		nt_key_to_base64(b64, query->peer);
		nt_error("device '%s' has no peer %s", name, b64);
		nt_model_device_free(dev);
	} else if (ret) {
		report_request_error("read", name, ret, req.extack);
		nt_model_device_free(dev);
	} else {
		if (!dev->name[0])
			snprintf(dev->name, sizeof(dev->name), "%s", name);
		*devp = dev;
	}
	nt_ipc_close(&req);
	return ret;
}

/* A buffer of @size for @req's messages, or NULL with @req closed. */
static char *request_buffer(struct nt_ipc_request *req, size_t size)
{
	char *buf = malloc(size);

	if (!buf) {
		nt_error("out of memory");
		nt_ipc_close(req);
	}
	return buf;
}

int nt_ipc_set_device(const struct tunctl_device *dev)
{
	struct nt_uapi_set_cursor cursor = { 0 };
	unsigned int sent = 0;
	struct nt_ipc_request req;
	int more, ret;
	char *buf;

	if (!nt_ipc_check_name(dev->name))
		return -EINVAL;
	ret = open_family(&req);
	if (ret)
		return ret;
	buf = request_buffer(&req, NT_UAPI_SET_BUFFER_SIZE);
	if (!buf)
		return -ENOMEM;
	do {
		more = nt_uapi_build_set(dev, req.family, nt_ipc_seq(), buf,
					 NT_UAPI_SET_BUFFER_SIZE, &cursor);
		if (more < 0) {
			ret = more;
			nt_error("cannot build the request for '%s': %s",
				 dev->name, strerror(-ret));
			break;
		}
		ret = nt_ipc_transact(&req, (struct nlmsghdr *)buf, NULL, NULL);
		if (ret) {
			report_request_error("configure", dev->name, ret, req.extack);
			if (sent)
				nt_error("the first %u of the requests were applied before this one failed",
					 sent);
			break;
		}
		sent++;
	} while (more);
	sodium_memzero(buf, NT_UAPI_SET_BUFFER_SIZE);
	free(buf);
	nt_ipc_close(&req);
	return ret;
}

/* ---- events ---- */

struct monitor_ctx {
	int (*on_event)(const struct nt_uapi_event *ev, void *data);
	void *data;
	uint16_t family;
};

static int monitor_message(const struct nlmsghdr *nlh, void *data)
{
	struct monitor_ctx *ctx = data;
	struct nt_uapi_event ev;

	if (nlh->nlmsg_type != ctx->family)
		return MNL_CB_OK;
	if (nt_uapi_parse_event(nlh, &ev)) {
		nt_warning("skipping a malformed event");
		return MNL_CB_OK;
	}
	return ctx->on_event(&ev, ctx->data) ? MNL_CB_ERROR : MNL_CB_OK;
}

int nt_ipc_monitor(int (*on_event)(const struct nt_uapi_event *ev, void *data),
		   int (*on_lost)(void *data), void *data,
		   const sigset_t *wait_mask, volatile sig_atomic_t *stop)
{
	struct monitor_ctx ctx = { .on_event = on_event, .data = data };
	struct nt_ipc_request req;
	struct pollfd pfd;
	char *buf;
	int ret;

	ret = open_family(&req);
	if (ret)
		return ret;
	if (!req.has_events_group) {
		nt_error("the noisetun family has no \"%s\" multicast group",
			 NOISETUN_MCGRP_EVENTS);
		nt_ipc_close(&req);
		return -ENOENT;
	}
	if (mnl_socket_setsockopt(req.nl, NETLINK_ADD_MEMBERSHIP,
				  &req.events_group,
				  sizeof(req.events_group)) < 0) {
		ret = -errno;
		if (ret == -EPERM || ret == -EACCES)
			nt_error("cannot listen to events: permission denied (CAP_NET_ADMIN is required)");
		else
			nt_error("cannot listen to events: %s", strerror(-ret));
		nt_ipc_close(&req);
		return ret;
	}
	buf = request_buffer(&req, RECV_BUFFER_SIZE);
	if (!buf)
		return -ENOMEM;
	ctx.family = req.family;
	pfd.fd = mnl_socket_get_fd(req.nl);
	pfd.events = POLLIN;
	while (!*stop) {
		ssize_t len;

		if (ppoll(&pfd, 1, NULL, wait_mask) < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			nt_error("cannot wait for events: %s", strerror(-ret));
			break;
		}
		len = recv(pfd.fd, buf, RECV_BUFFER_SIZE, MSG_DONTWAIT);
		if (len < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				if (on_lost(data)) {
					ret = -EIO;
					break;
				}
				continue;
			}
			ret = -errno;
			nt_error("cannot receive events: %s", strerror(-ret));
			break;
		}
		if (mnl_cb_run(buf, len, 0, 0, monitor_message, &ctx) ==
		    MNL_CB_ERROR) {
			ret = -EIO;
			break;
		}
	}
	free(buf);
	nt_ipc_close(&req);
	return ret;
}
