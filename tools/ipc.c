// SPDX-License-Identifier: GPL-2.0
/*
 * Talking to the kernel over libmnl.
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
#include <sys/socket.h>

#include <sodium.h>

#include "error.h"
#include "ipc.h"
#include "model.h"

/* Large enough for any dump message the kernel builds (at most 32 KiB). */
#define RECV_BUFFER_SIZE 65536

/* How often an interrupted dump is restarted before giving up. */
#define DUMP_RETRIES 100

/* struct __kernel_timespec, as NOISETUN_A_PEER_LAST_HANDSHAKE_TIME holds */
struct kernel_timespec {
	int64_t tv_sec;
	int64_t tv_nsec;
};

static uint32_t next_seq;

static uint32_t new_seq(void)
{
	if (!next_seq)
		next_seq = (uint32_t)time(NULL);
	return next_seq++;
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
	if (flags && !mnl_attr_put_u32_check(nlh, len, NOISETUN_A_PEER_FLAGS,
					     flags))
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
	if ((dev->flags & TUNCTL_DEVICE_REPLACE_PEERS) &&
	    !mnl_attr_put_u32_check(nlh, len, NOISETUN_A_DEVICE_FLAGS,
				    NOISETUN_DEVICE_F_REPLACE_PEERS))
		return false;
	return true;
}

int nt_ipc_build_set(const struct tunctl_device *dev, uint16_t family,
		     uint32_t seq, void *buf, size_t len,
		     struct nt_ipc_set_cursor *cur)
{
	struct nlattr *peers, *peer_nest, *aips;
	struct genlmsghdr *genl;
	struct nlmsghdr *nlh;
	bool first = false;
	size_t progress = 0, ips_here;

	if (len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*genl)) + 64)
		return -EMSGSIZE;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = NOISETUN_CMD_SET_DEVICE;
	genl->version = NOISETUN_GENL_VERSION;
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
			ips_here = 0;
			aips = mnl_attr_nest_start_check(nlh, len,
							 NOISETUN_A_PEER_ALLOWEDIPS);
			if (aips) {
				for (; cur->allowedip < peer->allowedips_len;
				     cur->allowedip++, ips_here++) {
					if (!put_allowedip(nlh, len,
							   &peer->allowedips[cur->allowedip]))
						break;
				}
				if (ips_here)
					mnl_attr_nest_end(nlh, aips);
				else
					mnl_attr_nest_cancel(nlh, aips);
			}
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

static int drop_attr(const struct nlattr *attr, void *data)
{
	uint64_t *drops = data;
	unsigned int type = mnl_attr_get_type(attr);

	if (type == 0 || type > NOISETUN_A_DROP_MAX)
		return MNL_CB_OK;	/* a newer kernel's counter */
	if (mnl_attr_validate(attr, MNL_TYPE_U64) < 0)
		return MNL_CB_ERROR;
	drops[type] = mnl_attr_get_u64(attr);
	return MNL_CB_OK;
}

struct aip_parse {
	struct tunctl_allowedip aip;
	uint16_t addr_len;
	bool has_family;
	bool has_cidr;
};

static int allowedip_attr(const struct nlattr *attr, void *data)
{
	struct aip_parse *ap = data;
	uint16_t len = mnl_attr_get_payload_len(attr);

	switch (mnl_attr_get_type(attr)) {
	case NOISETUN_A_ALLOWEDIP_FAMILY:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
			return MNL_CB_ERROR;
		ap->aip.family = mnl_attr_get_u16(attr);
		ap->has_family = true;
		break;
	case NOISETUN_A_ALLOWEDIP_IPADDR:
		if (len != 4 && len != 16)
			return MNL_CB_ERROR;
		memcpy(&ap->aip.addr, mnl_attr_get_payload(attr), len);
		ap->addr_len = len;
		break;
	case NOISETUN_A_ALLOWEDIP_CIDR_MASK:
		if (mnl_attr_validate(attr, MNL_TYPE_U8) < 0)
			return MNL_CB_ERROR;
		ap->aip.cidr = mnl_attr_get_u8(attr);
		ap->has_cidr = true;
		break;
	case NOISETUN_A_ALLOWEDIP_FLAGS:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		ap->aip.remove = mnl_attr_get_u32(attr) &
				 NOISETUN_ALLOWEDIP_F_REMOVE_ME;
		break;
	}
	return MNL_CB_OK;
}

static int allowedips_elem(const struct nlattr *attr, void *data)
{
	struct parse_ctx *ctx = data;
	struct aip_parse ap = { 0 };

	if (mnl_attr_parse_nested(attr, allowedip_attr, &ap) != MNL_CB_OK)
		return fail(ctx, -EINVAL);
	if (!ap.has_family || !ap.has_cidr ||
	    !((ap.aip.family == AF_INET && ap.addr_len == 4 &&
	       ap.aip.cidr <= 32) ||
	      (ap.aip.family == AF_INET6 && ap.addr_len == 16 &&
	       ap.aip.cidr <= 128)))
		return fail(ctx, -EINVAL);
	if (nt_model_allowedip_add(ctx->peer, &ap.aip))
		return fail(ctx, -ENOMEM);
	return MNL_CB_OK;
}

static int peer_attr(const struct nlattr *attr, void *data)
{
	struct parse_ctx *ctx = data;
	struct tunctl_peer *peer = ctx->peer;
	uint16_t len = mnl_attr_get_payload_len(attr);
	const void *payload = mnl_attr_get_payload(attr);
	struct kernel_timespec ts;
	uint32_t flags;

	switch (mnl_attr_get_type(attr)) {
	case NOISETUN_A_PEER_PUBLIC_KEY:
		if (len != NOISETUN_KEY_LEN)
			return fail(ctx, -EINVAL);
		memcpy(peer->public_key, payload, NOISETUN_KEY_LEN);
		peer->flags |= TUNCTL_PEER_HAS_PUBLIC_KEY;
		break;
	case NOISETUN_A_PEER_PRESHARED_KEY:
		if (len != NOISETUN_KEY_LEN)
			return fail(ctx, -EINVAL);
		memcpy(peer->preshared_key, payload, NOISETUN_KEY_LEN);
		/* All zeros is how the kernel says "none". */
		if (!nt_model_key_is_zero(peer->preshared_key))
			peer->flags |= TUNCTL_PEER_HAS_PRESHARED_KEY;
		break;
	case NOISETUN_A_PEER_FLAGS:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return fail(ctx, -EINVAL);
		flags = mnl_attr_get_u32(attr);
		if (flags & NOISETUN_PEER_F_REMOVE_ME)
			peer->flags |= TUNCTL_PEER_REMOVE;
		if (flags & NOISETUN_PEER_F_REPLACE_ALLOWEDIPS)
			peer->flags |= TUNCTL_PEER_REPLACE_ALLOWEDIPS;
		if (flags & NOISETUN_PEER_F_UPDATE_ONLY)
			peer->flags |= TUNCTL_PEER_UPDATE_ONLY;
		break;
	case NOISETUN_A_PEER_ENDPOINT:
		if (len == sizeof(struct sockaddr_in) &&
		    ((const struct sockaddr *)payload)->sa_family == AF_INET) {
			memcpy(&peer->endpoint.sin, payload, len);
			peer->flags |= TUNCTL_PEER_HAS_ENDPOINT;
		} else if (len == sizeof(struct sockaddr_in6) &&
			   ((const struct sockaddr *)payload)->sa_family == AF_INET6) {
			memcpy(&peer->endpoint.sin6, payload, len);
			peer->flags |= TUNCTL_PEER_HAS_ENDPOINT;
		}
		break;
	case NOISETUN_A_PEER_PERSISTENT_KEEPALIVE_INTERVAL:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
			return fail(ctx, -EINVAL);
		peer->keepalive_seconds = mnl_attr_get_u16(attr);
		peer->flags |= TUNCTL_PEER_HAS_KEEPALIVE;
		break;
	case NOISETUN_A_PEER_LAST_HANDSHAKE_TIME:
		if (len != sizeof(ts))
			return fail(ctx, -EINVAL);
		memcpy(&ts, payload, sizeof(ts));
		peer->last_handshake_sec = ts.tv_sec;
		peer->last_handshake_nsec = ts.tv_nsec;
		break;
	case NOISETUN_A_PEER_RX_BYTES:
	case NOISETUN_A_PEER_TX_BYTES:
	case NOISETUN_A_PEER_RX_PACKETS:
	case NOISETUN_A_PEER_TX_PACKETS:
	case NOISETUN_A_PEER_HANDSHAKE_ATTEMPTS:
		if (mnl_attr_validate(attr, MNL_TYPE_U64) < 0)
			return fail(ctx, -EINVAL);
		switch (mnl_attr_get_type(attr)) {
		case NOISETUN_A_PEER_RX_BYTES:
			peer->rx_bytes = mnl_attr_get_u64(attr);
			break;
		case NOISETUN_A_PEER_TX_BYTES:
			peer->tx_bytes = mnl_attr_get_u64(attr);
			break;
		case NOISETUN_A_PEER_RX_PACKETS:
			peer->rx_packets = mnl_attr_get_u64(attr);
			break;
		case NOISETUN_A_PEER_TX_PACKETS:
			peer->tx_packets = mnl_attr_get_u64(attr);
			break;
		default:
			peer->handshake_attempts = mnl_attr_get_u64(attr);
			break;
		}
		break;
	case NOISETUN_A_PEER_ALLOWEDIPS:
		if (mnl_attr_parse_nested(attr, allowedips_elem, ctx) != MNL_CB_OK)
			return fail(ctx, ctx->err ? ctx->err : -EINVAL);
		break;
	case NOISETUN_A_PEER_DROPS:
		if (mnl_attr_parse_nested(attr, drop_attr, peer->drops) != MNL_CB_OK)
			return fail(ctx, -EINVAL);
		peer->flags |= TUNCTL_PEER_HAS_DROPS;
		break;
	}
	return MNL_CB_OK;
}

/* One element of NOISETUN_A_DEVICE_PEERS: a new peer or a continuation. */
static int peers_elem(const struct nlattr *attr, void *data)
{
	struct parse_ctx *ctx = data;
	struct tunctl_device *dev = ctx->dev;
	struct tunctl_peer scratch, *last, *peer;
	size_t i;
	int ret;

	memset(&scratch, 0, sizeof(scratch));
	ctx->peer = &scratch;
	ret = mnl_attr_parse_nested(attr, peer_attr, ctx);
	ctx->peer = NULL;
	if (ret != MNL_CB_OK || !(scratch.flags & TUNCTL_PEER_HAS_PUBLIC_KEY)) {
		if (!ctx->err)
			ctx->err = -EINVAL;
		goto err;
	}
	last = dev->peers_len ? &dev->peers[dev->peers_len - 1] : NULL;
	if (last && !memcmp(last->public_key, scratch.public_key,
			    NOISETUN_KEY_LEN)) {
		for (i = 0; i < scratch.allowedips_len; i++) {
			if (nt_model_allowedip_add(last, &scratch.allowedips[i])) {
				ctx->err = -ENOMEM;
				goto err;
			}
		}
		free(scratch.allowedips);
	} else {
		peer = nt_model_peer_add(dev, scratch.public_key);
		if (!peer) {
			ctx->err = -ENOMEM;
			goto err;
		}
		*peer = scratch;
	}
	sodium_memzero(&scratch, sizeof(scratch));
	return MNL_CB_OK;
err:
	free(scratch.allowedips);
	sodium_memzero(&scratch, sizeof(scratch));
	return MNL_CB_ERROR;
}

static int device_attr(const struct nlattr *attr, void *data)
{
	struct parse_ctx *ctx = data;
	struct tunctl_device *dev = ctx->dev;
	uint16_t len = mnl_attr_get_payload_len(attr);
	const void *payload = mnl_attr_get_payload(attr);

	switch (mnl_attr_get_type(attr)) {
	case NOISETUN_A_DEVICE_IFINDEX:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return fail(ctx, -EINVAL);
		dev->ifindex = mnl_attr_get_u32(attr);
		break;
	case NOISETUN_A_DEVICE_IFNAME:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0 ||
		    strnlen(payload, len) >= IFNAMSIZ)
			return fail(ctx, -EINVAL);
		strcpy(dev->name, payload);
		break;
	case NOISETUN_A_DEVICE_PRIVATE_KEY:
		if (len != NOISETUN_KEY_LEN)
			return fail(ctx, -EINVAL);
		memcpy(dev->private_key, payload, NOISETUN_KEY_LEN);
		dev->flags |= TUNCTL_DEVICE_HAS_PRIVATE_KEY;
		break;
	case NOISETUN_A_DEVICE_PUBLIC_KEY:
		if (len != NOISETUN_KEY_LEN)
			return fail(ctx, -EINVAL);
		memcpy(dev->public_key, payload, NOISETUN_KEY_LEN);
		dev->flags |= TUNCTL_DEVICE_HAS_PUBLIC_KEY;
		break;
	case NOISETUN_A_DEVICE_FLAGS:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return fail(ctx, -EINVAL);
		if (mnl_attr_get_u32(attr) & NOISETUN_DEVICE_F_REPLACE_PEERS)
			dev->flags |= TUNCTL_DEVICE_REPLACE_PEERS;
		break;
	case NOISETUN_A_DEVICE_LISTEN_PORT:
		if (mnl_attr_validate(attr, MNL_TYPE_U16) < 0)
			return fail(ctx, -EINVAL);
		dev->listen_port = mnl_attr_get_u16(attr);
		dev->flags |= TUNCTL_DEVICE_HAS_LISTEN_PORT;
		break;
	case NOISETUN_A_DEVICE_FWMARK:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return fail(ctx, -EINVAL);
		dev->fwmark = mnl_attr_get_u32(attr);
		dev->flags |= TUNCTL_DEVICE_HAS_FWMARK;
		break;
	case NOISETUN_A_DEVICE_DROPS:
		if (mnl_attr_parse_nested(attr, drop_attr, dev->drops) != MNL_CB_OK)
			return fail(ctx, -EINVAL);
		dev->flags |= TUNCTL_DEVICE_HAS_DROPS;
		break;
	case NOISETUN_A_DEVICE_PEERS:
		if (mnl_attr_parse_nested(attr, peers_elem, ctx) != MNL_CB_OK)
			return fail(ctx, ctx->err ? ctx->err : -EINVAL);
		break;
	}
	return MNL_CB_OK;
}

int nt_ipc_parse_device(const struct nlmsghdr *nlh, struct tunctl_device *dev)
{
	struct parse_ctx ctx = { .dev = dev };

	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr)))
		return -EINVAL;
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), device_attr,
			   &ctx) != MNL_CB_OK)
		return ctx.err ? ctx.err : -EINVAL;
	return 0;
}

/* ---- requests and replies ---- */

struct request {
	struct mnl_socket *nl;
	uint16_t family;
	char extack[512];	/* the kernel's message about the last error */
};

typedef int (*reply_cb)(const struct nlmsghdr *nlh, void *data);

static int open_socket(struct request *req, int bus)
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

static void close_socket(struct request *req)
{
	if (req->nl)
		mnl_socket_close(req->nl);
	req->nl = NULL;
}

static int extack_attr(const struct nlattr *attr, void *data)
{
	struct request *req = data;

	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
		snprintf(req->extack, sizeof(req->extack), "%s",
			 mnl_attr_get_str(attr));
	return MNL_CB_OK;
}

/* The error of an NLMSG_ERROR or NLMSG_DONE message, and its extack. */
static int reply_error(struct request *req, const struct nlmsghdr *nlh)
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
		mnl_attr_parse(nlh, offset, extack_attr, req);
	return err;
}

/*
 * Send @msg and hand every reply to @cb until the ack (or, for a dump,
 * NLMSG_DONE). A dump the kernel flagged as interrupted is read to its
 * end and then reported as -EINTR so that the caller restarts it.
 */
static int transact(struct request *req, struct nlmsghdr *msg, reply_cb cb,
		    void *data)
{
	uint32_t portid = mnl_socket_get_portid(req->nl), seq = msg->nlmsg_seq;
	bool interrupted = false;
	int ret = 1, len;
	char *buf;

	req->extack[0] = '\0';
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
				interrupted = true;
			if (nlh->nlmsg_type == NLMSG_ERROR ||
			    nlh->nlmsg_type == NLMSG_DONE) {
				ret = reply_error(req, nlh);
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
	if (!ret && interrupted)
		ret = -EINTR;
out:
	free(buf);
	return ret;
}

static struct nlmsghdr *genl_header(void *buf, uint16_t type, uint16_t flags,
				    uint8_t cmd, uint8_t version)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = new_seq();
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = version;
	return nlh;
}

static int family_attr(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U16) >= 0)
		*(uint16_t *)data = mnl_attr_get_u16(attr);
	return MNL_CB_OK;
}

static int family_reply(const struct nlmsghdr *nlh, void *data)
{
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr,
			   data) != MNL_CB_OK)
		return -EBADMSG;
	return 0;
}

/* Open a generic netlink socket and find the noisetun family. */
static int open_family(struct request *req)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	int ret;

	ret = open_socket(req, NETLINK_GENERIC);
	if (ret) {
		nt_error("cannot open a netlink socket: %s", strerror(-ret));
		return ret;
	}
	nlh = genl_header(buf, GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK,
			  CTRL_CMD_GETFAMILY, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, NOISETUN_GENL_NAME);
	ret = transact(req, nlh, family_reply, &req->family);
	if (!ret && !req->family)
		ret = -ENOENT;
	if (ret == -ENOENT)
		nt_error("the noisetun module is not loaded (family \"%s\" not found)",
			 NOISETUN_GENL_NAME);
	else if (ret)
		nt_error("cannot look up the generic netlink family \"%s\": %s",
			 NOISETUN_GENL_NAME, strerror(-ret));
	if (ret)
		close_socket(req);
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

static int linkinfo_attr(const struct nlattr *attr, void *data)
{
	const char **kind = data;

	if (mnl_attr_get_type(attr) == IFLA_INFO_KIND &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
		*kind = mnl_attr_get_str(attr);
	return MNL_CB_OK;
}

struct link_attrs {
	const char *name;
	const char *kind;
};

static int link_attr(const struct nlattr *attr, void *data)
{
	struct link_attrs *la = data;

	switch (mnl_attr_get_type(attr)) {
	case IFLA_IFNAME:
		if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
			la->name = mnl_attr_get_str(attr);
		break;
	case IFLA_LINKINFO:
		mnl_attr_parse_nested(attr, linkinfo_attr, &la->kind);
		break;
	}
	return MNL_CB_OK;
}

static int link_reply(const struct nlmsghdr *nlh, void *data)
{
	struct link_walk *walk = data;
	struct link_attrs la = { 0 };
	char **grown;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return 0;
	mnl_attr_parse(nlh, sizeof(struct ifinfomsg), link_attr, &la);
	if (!la.name)
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
	struct request req;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;
	int ret, tries;

	ret = open_socket(&req, NETLINK_ROUTE);
	if (ret)
		return ret;
	for (tries = 0; tries < DUMP_RETRIES; tries++) {
		nlh = mnl_nlmsg_put_header(buf);
		nlh->nlmsg_type = RTM_GETLINK;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		nlh->nlmsg_seq = new_seq();
		ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
		ifm->ifi_family = AF_UNSPEC;
		ret = transact(&req, nlh, link_reply, walk);
		if (ret != -EINTR)
			break;
		nt_ipc_free_list(walk->names);
		walk->names = NULL;
		walk->len = walk->cap = 0;
		walk->found = false;
	}
	close_socket(&req);
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
static void report(const char *verb, const char *name, int err,
		   const char *extack)
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

static int get_reply(const struct nlmsghdr *nlh, void *data)
{
	return nt_ipc_parse_device(nlh, data);
}

int nt_ipc_get_device(const char *name, struct tunctl_device **devp)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct tunctl_device *dev = NULL;
	struct request req;
	struct nlmsghdr *nlh;
	int ret, tries;

	*devp = NULL;
	if (!nt_ipc_check_name(name))
		return -EINVAL;
	ret = open_family(&req);
	if (ret)
		return ret;
	for (tries = 0; tries < DUMP_RETRIES; tries++) {
		dev = nt_model_device_new();
		if (!dev) {
			ret = -ENOMEM;
			break;
		}
		nlh = genl_header(buf, req.family, NLM_F_REQUEST | NLM_F_DUMP,
				  NOISETUN_CMD_GET_DEVICE,
				  NOISETUN_GENL_VERSION);
		mnl_attr_put_strz(nlh, NOISETUN_A_DEVICE_IFNAME, name);
		ret = transact(&req, nlh, get_reply, dev);
		if (ret != -EINTR)
			break;
		nt_model_device_free(dev);
		dev = NULL;
	}
	if (ret) {
		report("read", name, ret, req.extack);
		nt_model_device_free(dev);
	} else {
		if (!dev->name[0])
			snprintf(dev->name, sizeof(dev->name), "%s", name);
		*devp = dev;
	}
	close_socket(&req);
	return ret;
}

int nt_ipc_set_device(const struct tunctl_device *dev)
{
	struct nt_ipc_set_cursor cursor = { 0 };
	unsigned int sent = 0;
	struct request req;
	int more, ret;
	char *buf;

	if (!nt_ipc_check_name(dev->name))
		return -EINVAL;
	ret = open_family(&req);
	if (ret)
		return ret;
	buf = malloc(NT_IPC_SET_BUFFER_SIZE);
	if (!buf) {
		nt_error("out of memory");
		close_socket(&req);
		return -ENOMEM;
	}
	do {
		more = nt_ipc_build_set(dev, req.family, new_seq(), buf,
					NT_IPC_SET_BUFFER_SIZE, &cursor);
		if (more < 0) {
			ret = more;
			nt_error("cannot build the request for '%s': %s",
				 dev->name, strerror(-ret));
			break;
		}
		ret = transact(&req, (struct nlmsghdr *)buf, NULL, NULL);
		if (ret) {
			report("configure", dev->name, ret, req.extack);
			if (sent)
				nt_error("the first %u of the requests were applied before this one failed",
					 sent);
			break;
		}
		sent++;
	} while (more);
	sodium_memzero(buf, NT_IPC_SET_BUFFER_SIZE);
	free(buf);
	close_socket(&req);
	return ret;
}
