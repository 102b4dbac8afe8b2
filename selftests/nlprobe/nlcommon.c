// SPDX-License-Identifier: GPL-2.0
/*
 * What the raw netlink clients of the selftests share: see nlcommon.h.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "nlcommon.h"

static const struct {
	const char *name;
	int value;
} errnos[] = {
	{ "EPERM", EPERM }, { "ENOENT", ENOENT }, { "EINTR", EINTR },
	{ "ENOMEM", ENOMEM }, { "EBUSY", EBUSY }, { "EEXIST", EEXIST },
	{ "ENODEV", ENODEV }, { "EINVAL", EINVAL }, { "ENOSPC", ENOSPC },
	{ "ERANGE", ERANGE }, { "EMSGSIZE", EMSGSIZE },
	{ "EOPNOTSUPP", EOPNOTSUPP }, { "EPFNOSUPPORT", EPFNOSUPPORT },
	{ "EAFNOSUPPORT", EAFNOSUPPORT }, { "EADDRINUSE", EADDRINUSE },
	{ "ENONET", ENONET }, { "EBADR", EBADR }, { "ENOBUFS", ENOBUFS },
	{ "EPROTONOSUPPORT", EPROTONOSUPPORT }, { "ENOTSUP", ENOTSUP },
	{ "EACCES", EACCES }, { "ECONNREFUSED", ECONNREFUSED },
};

const char *nlc_errno_name(int e)
{
	static char buf[16];
	size_t i;

	if (!e)
		return "0";
	for (i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (errnos[i].value == e)
			return errnos[i].name;
	snprintf(buf, sizeof(buf), "%d", e);
	return buf;
}

int nlc_errno_value(const char *name)
{
	size_t i;

	if (!strcmp(name, "0"))
		return 0;
	for (i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (!strcmp(errnos[i].name, name))
			return errnos[i].value;
	return -1;
}

static const char b64_chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void nlc_key_to_b64(char out[NLC_B64_LEN + 1], const uint8_t key[NLC_KEY_LEN])
{
	unsigned int i, o = 0, v;

	for (i = 0; i < NLC_KEY_LEN; i += 3) {
		v = key[i] << 16;
		if (i + 1 < NLC_KEY_LEN)
			v |= key[i + 1] << 8;
		if (i + 2 < NLC_KEY_LEN)
			v |= key[i + 2];
		out[o++] = b64_chars[(v >> 18) & 63];
		out[o++] = b64_chars[(v >> 12) & 63];
		out[o++] = i + 1 < NLC_KEY_LEN ? b64_chars[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < NLC_KEY_LEN ? b64_chars[v & 63] : '=';
	}
	out[o] = '\0';
}

static int b64_value(char c)
{
	const char *p = strchr(b64_chars, c);

	return c && p ? (int)(p - b64_chars) : -1;
}

bool nlc_key_from_b64(uint8_t key[NLC_KEY_LEN], const char *s)
{
	unsigned int i, o = 0, v;
	int a, b, c, d;

	if (strlen(s) != NLC_B64_LEN || s[NLC_B64_LEN - 1] != '=')
		return false;
	for (i = 0; i < NLC_B64_LEN; i += 4) {
		a = b64_value(s[i]);
		b = b64_value(s[i + 1]);
		c = b64_value(s[i + 2]);
		d = s[i + 3] == '=' ? 0 : b64_value(s[i + 3]);
		if (a < 0 || b < 0 || c < 0 || d < 0)
			return false;
		v = a << 18 | b << 12 | c << 6 | d;
		key[o++] = v >> 16;
		if (o < NLC_KEY_LEN)
			key[o++] = v >> 8;
		if (o < NLC_KEY_LEN)
			key[o++] = v;
	}
	return true;
}

static int family_attr_cb(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_get_payload_len(attr) >= sizeof(uint16_t))
		*(uint16_t *)data = mnl_attr_get_u16(attr);
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr_cb,
			      data);
}

uint16_t nlc_family_id(struct mnl_socket *nl, const char *name, uint32_t seq)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct genlmsghdr *genl;
	struct nlmsghdr *nlh;
	uint16_t id = 0;
	int ret;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = CTRL_CMD_GETFAMILY;
	genl->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, name);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return 0;
	do {
		ret = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (ret <= 0)
			break;
		ret = mnl_cb_run(buf, ret, seq, mnl_socket_get_portid(nl),
				 family_cb, &id);
	} while (ret > 0);
	return id;
}

bool nlc_drop_caps(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	return !syscall(SYS_capset, &hdr, data);
}
