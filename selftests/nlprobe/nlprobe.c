// SPDX-License-Identifier: GPL-2.0
/*
 * nlprobe: a raw client of the noisetun generic netlink family, for the
 * netns scenarios. It sends what tunctl never would (malformed requests,
 * read-only attributes, wrong lengths, missing NLA_F_NESTED) and reports
 * the exact errno and extack message; it reads a device back in a
 * canonical text form that scenarios compare before and after; and it
 * generates and verifies configurations of thousands of peers.
 *
 * Usage (see usage() for details):
 *   nlprobe [OPTIONS] get DEV              canonical dump of DEV
 *   nlprobe [OPTIONS] set ATTRIBUTES...    one SET_DEVICE built from words
 *   nlprobe [OPTIONS] gen DEV PEERS IPS    PEERS peers, IPS allowed IPs
 *   nlprobe [OPTIONS] summary DEV          count a dump; check continuity
 *   nlprobe [OPTIONS] peerget DEV PEERS N  N per-peer GETs of gen's peers
 *
 * Exit status: 0 on success (or when --expect matched), 1 when the kernel
 * answered otherwise than expected, 2 on a usage or local error.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "noisetun.h"
#include "drop_names.h"
#include "nlcommon.h"

#define KEY_LEN NLC_KEY_LEN
#define B64_LEN NLC_B64_LEN

static const char *prog = "nlprobe";

/* Options. */
static bool opt_dump;		/* `set`: add NLM_F_DUMP to the request */
static bool opt_no_dump;	/* `get`: leave NLM_F_DUMP out */
static bool opt_stats;		/* print counters in `get` */
static bool opt_drop_caps;	/* drop every capability first */
static const char *opt_expect;	/* expected result: "0" or an errno name */
static int opt_cmd = -1;	/* command number for `set` (default SET) */
static uint16_t opt_nlflags;	/* extra nlmsg_flags */
static uint32_t opt_qflags = NOISETUN_QUERY_F_KEYS; /* `get`: QUERY_FLAGS */
static const char *opt_peer;	/* `get`: QUERY_PEER, base64 */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* ---- errno names and keys: nlcommon.c ------------------------------------ */

static const char *errno_name(int e)
{
	return nlc_errno_name(e);
}

static int errno_value(const char *name)
{
	int e = nlc_errno_value(name);

	if (e < 0)
		die("unknown errno name %s", name);
	return e;
}

static void key_to_b64(char out[B64_LEN + 1], const uint8_t key[KEY_LEN])
{
	nlc_key_to_b64(out, key);
}

static bool key_from_b64(uint8_t key[KEY_LEN], const char *s)
{
	return nlc_key_from_b64(key, s);
}

static size_t hex_decode(uint8_t *out, size_t max, const char *s)
{
	size_t n = 0;
	unsigned int byte;

	if (strlen(s) % 2)
		die("odd-length hex %s", s);
	while (*s) {
		if (n >= max || sscanf(s, "%2x", &byte) != 1)
			die("bad hex near %s", s);
		out[n++] = byte;
		s += 2;
	}
	return n;
}

/* ---- netlink plumbing --------------------------------------------------- */

static struct mnl_socket *nl;
static uint16_t family_id;
static unsigned int seq;

static void open_netlink(void)
{
	int one = 1;

	if (opt_drop_caps && !nlc_drop_caps())
		die("capset: %s", strerror(errno));
	nl = mnl_socket_open(NETLINK_GENERIC);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		die("netlink socket: %s", strerror(errno));
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));

	family_id = nlc_family_id(nl, NOISETUN_GENL_NAME, ++seq);
	if (!family_id)
		die("family %s not found (module not loaded?)",
		    NOISETUN_GENL_NAME);
}

static struct nlmsghdr *start_msg(void *buf, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = family_id;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++seq;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = NOISETUN_GENL_VERSION;
	return nlh;
}

/* The result of a request: errno (0 on success) and the extack message. */
struct result {
	int error;
	char extack[256];
	bool intr;
	unsigned int messages;
};

static void read_extack(const struct nlmsghdr *nlh, struct result *res)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	unsigned int off = sizeof(*err);
	const struct nlattr *attr;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
	mnl_attr_for_each(attr, nlh, off) {
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG)
			snprintf(res->extack, sizeof(res->extack), "%s",
				 mnl_attr_get_str(attr));
	}
}

typedef void (*msg_fn)(const struct nlmsghdr *nlh, void *data);

/*
 * Receive until the request is answered: an NLMSG_ERROR (ack or error),
 * or for a dump NLMSG_DONE. Data messages go to @fn.
 */
static void receive(struct result *res, unsigned int want_seq, msg_fn fn,
		    void *data)
{
	static char buf[1 << 20];
	const struct nlmsghdr *nlh;
	int len;

	memset(res, 0, sizeof(*res));
	for (;;) {
		len = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (len < 0)
			die("recv: %s", strerror(errno));
		for (nlh = (void *)buf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_seq != want_seq)
				continue;
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				res->intr = true;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *err =
					mnl_nlmsg_get_payload(nlh);

				res->error = -err->error;
				read_extack(nlh, res);
				return;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				int *err = mnl_nlmsg_get_payload(nlh);
				const struct nlattr *attr;

				res->error = -*err;
				/* A dump's error carries its extack here. */
				if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
					mnl_attr_for_each(attr, nlh, sizeof(int)) {
						if (mnl_attr_get_type(attr) ==
						    NLMSGERR_ATTR_MSG)
							snprintf(res->extack,
								 sizeof(res->extack),
								 "%s",
								 mnl_attr_get_str(attr));
					}
				}
				return;
			}
			res->messages++;
			if (fn)
				fn(nlh, data);
		}
	}
}

/* Report a result; with --expect, compare. Returns the exit status. */
static int report(const struct result *res)
{
	if (res->error)
		printf("error %s%s%s\n", errno_name(res->error),
		       res->extack[0] ? ": " : "", res->extack);
	if (!opt_expect)
		return res->error ? 1 : 0;
	if (errno_value(opt_expect) == res->error) {
		printf("expected %s: ok\n", opt_expect);
		return 0;
	}
	printf("expected %s, got %s\n", opt_expect, errno_name(res->error));
	return 1;
}

/* ---- the attribute tree ------------------------------------------------- */

struct attr_name {
	const char *name;
	int type;
	const struct attr_table *child;	/* a nest: the table inside it */
};

struct attr_table {
	const char *what;
	bool indexed;			/* array: elements named by number */
	const struct attr_table *element;
	const struct attr_name *names;
};

static const struct attr_name allowedip_names[] = {
	{ "family", NOISETUN_A_ALLOWEDIP_FAMILY },
	{ "ipaddr", NOISETUN_A_ALLOWEDIP_IPADDR },
	{ "cidr_mask", NOISETUN_A_ALLOWEDIP_CIDR_MASK },
	{ "flags", NOISETUN_A_ALLOWEDIP_FLAGS },
	{ NULL }
};
static const struct attr_table allowedip_table = {
	"allowed IP", false, NULL, allowedip_names
};
static const struct attr_table allowedips_table = {
	"allowed IPs", true, &allowedip_table, NULL
};
static const struct attr_name drop_names[] = { { NULL } };
static const struct attr_table drops_table = {
	"drops", false, NULL, drop_names
};
static const struct attr_name peer_names[] = {
	{ "public_key", NOISETUN_A_PEER_PUBLIC_KEY },
	{ "preshared_key", NOISETUN_A_PEER_PRESHARED_KEY },
	{ "flags", NOISETUN_A_PEER_FLAGS },
	{ "endpoint", NOISETUN_A_PEER_ENDPOINT },
	{ "persistent_keepalive_interval",
	  NOISETUN_A_PEER_PERSISTENT_KEEPALIVE_INTERVAL },
	{ "last_handshake_time", NOISETUN_A_PEER_LAST_HANDSHAKE_TIME },
	{ "rx_bytes", NOISETUN_A_PEER_RX_BYTES },
	{ "tx_bytes", NOISETUN_A_PEER_TX_BYTES },
	{ "allowedips", NOISETUN_A_PEER_ALLOWEDIPS, &allowedips_table },
	{ "protocol_version", NOISETUN_A_PEER_PROTOCOL_VERSION },
	{ "rx_packets", NOISETUN_A_PEER_RX_PACKETS },
	{ "tx_packets", NOISETUN_A_PEER_TX_PACKETS },
	{ "handshake_attempts", NOISETUN_A_PEER_HANDSHAKE_ATTEMPTS },
	{ "drops", NOISETUN_A_PEER_DROPS, &drops_table },
	{ "disabled", NOISETUN_A_PEER_DISABLED },
	{ "description", NOISETUN_A_PEER_DESCRIPTION },
	/* statistics */
	{ "last_rx_time", NOISETUN_A_PEER_LAST_RX_TIME },
	{ "last_handshake_rtt_ns", NOISETUN_A_PEER_LAST_HANDSHAKE_RTT_NS },
	{ "handshakes_completed", NOISETUN_A_PEER_HANDSHAKES_COMPLETED },
	{ "handshakes_failed", NOISETUN_A_PEER_HANDSHAKES_FAILED },
	{ "cookies_received", NOISETUN_A_PEER_COOKIES_RECEIVED },
	{ NULL }
};
static const struct attr_table peer_table = { "peer", false, NULL, peer_names };
static const struct attr_table peers_table = {
	"peers", true, &peer_table, NULL
};
static const struct attr_name device_names[] = {
	{ "ifindex", NOISETUN_A_DEVICE_IFINDEX },
	{ "ifname", NOISETUN_A_DEVICE_IFNAME },
	{ "private_key", NOISETUN_A_DEVICE_PRIVATE_KEY },
	{ "public_key", NOISETUN_A_DEVICE_PUBLIC_KEY },
	{ "flags", NOISETUN_A_DEVICE_FLAGS },
	{ "listen_port", NOISETUN_A_DEVICE_LISTEN_PORT },
	{ "fwmark", NOISETUN_A_DEVICE_FWMARK },
	{ "peers", NOISETUN_A_DEVICE_PEERS, &peers_table },
	{ "drops", NOISETUN_A_DEVICE_DROPS, &drops_table },
	{ "query_peer", NOISETUN_A_DEVICE_QUERY_PEER },
	{ "query_flags", NOISETUN_A_DEVICE_QUERY_FLAGS },
	/* statistics */
	{ "cookies_sent", NOISETUN_A_DEVICE_COOKIES_SENT },
	{ "handshakes_answered", NOISETUN_A_DEVICE_HANDSHAKES_ANSWERED },
	{ "under_load_ns", NOISETUN_A_DEVICE_UNDER_LOAD_NS },
	{ "handshake_queue_len", NOISETUN_A_DEVICE_HANDSHAKE_QUEUE_LEN },
	{ NULL }
};
static const struct attr_table device_table = {
	"device", false, NULL, device_names
};

/* Resolve a name (or a number) in @table; *child gets the nest's table. */
static int resolve(const struct attr_table *table, const char *word,
		   const struct attr_table **child)
{
	const struct attr_name *n;
	char *end;
	long v;

	*child = table && table->indexed ? table->element : NULL;
	v = strtol(word, &end, 0);
	if (*word && !*end && v >= 0 && v <= 0x3fff)
		return (int)v;
	if (!table || table->indexed)
		die("%s: a number is expected here", word);
	for (n = table->names; n->name; n++) {
		if (!strcmp(n->name, word)) {
			*child = n->child;
			return n->type;
		}
	}
	die("%s: no such %s attribute", word, table->what);
}

static void put_sockaddr(struct nlmsghdr *nlh, int type, const char *s)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(s, ':');
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	size_t hlen;

	if (!colon)
		die("%s: HOST:PORT expected", s);
	hlen = (size_t)(colon - s);
	if (hlen >= sizeof(host))
		die("%s: host too long", s);
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	if (host[0] == '[' && host[hlen - 1] == ']') {
		host[hlen - 1] = '\0';
		if (inet_pton(AF_INET6, host + 1, &sin6.sin6_addr) != 1)
			die("%s: bad IPv6 address", s);
		sin6.sin6_port = htons((uint16_t)atoi(colon + 1));
		mnl_attr_put(nlh, type, sizeof(sin6), &sin6);
	} else {
		if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
			die("%s: bad IPv4 address", s);
		sin.sin_port = htons((uint16_t)atoi(colon + 1));
		mnl_attr_put(nlh, type, sizeof(sin), &sin);
	}
}

static void usage(void)
{
	fprintf(stderr,
"usage: %s [--expect ERRNO|0] [--dump] [--no-dump] [--cmd N] [--nlflags N]\n"
"               [--drop-caps] [--stats] [--qflags N] [--peer KEY] COMMAND ...\n"
"  get DEV                 dump DEV (NLM_F_DUMP unless --no-dump), print it;\n"
"                          QUERY_FLAGS N (default 1: keys; 0: none sent),\n"
"                          QUERY_PEER KEY\n"
"  summary DEV             dump DEV, print 'peers=N allowedips=M ...'\n"
"  peerget DEV PEERS N     N per-peer GETs (no NLM_F_DUMP) of gen's peers,\n"
"                          spread over 0..PEERS-1; each must be that peer\n"
"  gen DEV PEERS IPS [v6]  add PEERS peers with IPS allowed IPs in total\n"
"  set WORD...             one SET_DEVICE request (or --cmd N; --dump adds\n"
"                          NLM_F_DUMP) built from:\n"
"     NAME TYPE VALUE      an attribute; NAME from the current level\n"
"                          (device, peer, allowed IP) or a number;\n"
"                          TYPE: u8 u16 u32 u64 str (no NUL) strz key (base64)\n"
"                          hex ip (4 or 16 bytes) sa (sockaddr from\n"
"                          A.B.C.D:PORT or [V6]:PORT) empty\n"
"     nest NAME            open a nest (elements of peers/allowedips: 0,1..)\n"
"     flatnest NAME        the same without NLA_F_NESTED\n"
"     end                  close it\n"
"     raw TYPE LEN HEX     an attribute header claiming nla_len LEN, then HEX\n"
"     garbage HEX          raw bytes in the current nest\n",
		prog);
	exit(2);
}

static int cmd_set(int argc, char **argv)
{
	static char buf[1 << 20];
	const struct attr_table *tables[16], *child;
	struct nlattr *nests[16];
	struct nlmsghdr *nlh;
	struct result res;
	int depth = 0, i = 0;
	uint8_t bytes[4096];

	nlh = start_msg(buf, opt_cmd < 0 ? NOISETUN_CMD_SET_DEVICE : opt_cmd,
			NLM_F_ACK | opt_nlflags | (opt_dump ? NLM_F_DUMP : 0));
	tables[0] = &device_table;

	while (i < argc) {
		const char *word = argv[i++];

		if (!strcmp(word, "end")) {
			if (!depth)
				die("end without nest");
			mnl_attr_nest_end(nlh, nests[--depth]);
			continue;
		}
		if (!strcmp(word, "nest") || !strcmp(word, "flatnest")) {
			int type;

			if (i >= argc || depth >= 15)
				usage();
			type = resolve(tables[depth], argv[i++], &child);
			nests[depth] = mnl_attr_nest_start(nlh, type);
			if (word[0] == 'f')
				nests[depth]->nla_type &= ~NLA_F_NESTED;
			tables[++depth] = child;
			continue;
		}
		if (!strcmp(word, "garbage")) {
			size_t n;

			if (i >= argc)
				usage();
			n = hex_decode(bytes, sizeof(bytes), argv[i++]);
			memcpy((char *)nlh + nlh->nlmsg_len, bytes, n);
			nlh->nlmsg_len += n;
			continue;
		}
		if (!strcmp(word, "raw")) {
			struct nlattr *attr;
			size_t n;

			if (i + 3 > argc)
				usage();
			attr = (struct nlattr *)((char *)nlh + nlh->nlmsg_len);
			attr->nla_type = (uint16_t)strtoul(argv[i++], NULL, 0);
			attr->nla_len = (uint16_t)strtoul(argv[i++], NULL, 0);
			n = hex_decode(bytes, sizeof(bytes), argv[i++]);
			memcpy(attr + 1, bytes, n);
			nlh->nlmsg_len += sizeof(*attr) + n;
			continue;
		}

		/* NAME TYPE VALUE */
		if (i + 2 > argc)
			usage();
		{
			int type = resolve(tables[depth], word, &child);
			const char *kind = argv[i++], *value = argv[i++];
			uint8_t key[KEY_LEN];

			if (!strcmp(kind, "u8"))
				mnl_attr_put_u8(nlh, type, strtoul(value, NULL, 0));
			else if (!strcmp(kind, "u16"))
				mnl_attr_put_u16(nlh, type, strtoul(value, NULL, 0));
			else if (!strcmp(kind, "u32"))
				mnl_attr_put_u32(nlh, type, strtoul(value, NULL, 0));
			else if (!strcmp(kind, "u64"))
				mnl_attr_put_u64(nlh, type, strtoull(value, NULL, 0));
			else if (!strcmp(kind, "str"))
				mnl_attr_put_str(nlh, type, value);
			else if (!strcmp(kind, "strz"))
				mnl_attr_put_strz(nlh, type, value);
			else if (!strcmp(kind, "key")) {
				if (!key_from_b64(key, value))
					die("%s: not a base64 key", value);
				mnl_attr_put(nlh, type, KEY_LEN, key);
			} else if (!strcmp(kind, "hex"))
				mnl_attr_put(nlh, type,
					     hex_decode(bytes, sizeof(bytes), value),
					     bytes);
			else if (!strcmp(kind, "ip")) {
				if (inet_pton(AF_INET, value, bytes) == 1)
					mnl_attr_put(nlh, type, 4, bytes);
				else if (inet_pton(AF_INET6, value, bytes) == 1)
					mnl_attr_put(nlh, type, 16, bytes);
				else
					die("%s: not an IP address", value);
			} else if (!strcmp(kind, "sa"))
				put_sockaddr(nlh, type, value);
			else if (!strcmp(kind, "empty"))
				mnl_attr_put(nlh, type, 0, NULL);
			else
				die("%s: unknown value type", kind);
		}
	}
	if (depth)
		die("%d nest(s) left open", depth);

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		die("send: %s", strerror(errno));
	receive(&res, nlh->nlmsg_seq, NULL, NULL);
	return report(&res);
}

/* ---- reading a dump ------------------------------------------------------ */


/* State carried across the messages of one dump. */
struct dump_state {
	bool print;			/* `get`: print; `summary`: count */
	uint8_t last_key[KEY_LEN];	/* the last peer of the last message */
	bool have_last;
	unsigned long peers, allowedips, continuations, errors;
	uint64_t checksum;		/* order-free hash of (peer, range) */
	bool in_peer_block;
};

static uint64_t fnv1a(const void *p, size_t n, uint64_t h)
{
	const uint8_t *b = p;

	while (n--)
		h = (h ^ *b++) * 0x100000001b3ULL;
	return h;
}

static uint64_t range_hash(const uint8_t key[KEY_LEN], int family,
			   const uint8_t *ip, int cidr)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	uint8_t c = (uint8_t)cidr;

	h = fnv1a(key, KEY_LEN, h);
	h = fnv1a(ip, family == AF_INET6 ? 16 : 4, h);
	return fnv1a(&c, 1, h);
}

/* "@label KEY", a key attribute in base64 on a line of its own. */
static void print_key(const char *label, const struct nlattr *attr)
{
	char b64[B64_LEN + 1];

	key_to_b64(b64, mnl_attr_get_payload(attr));
	printf("%s %s\n", label, b64);
}

/* "@label NAME=COUNT...", a drops nest, the reasons this build names. */
static void print_drops(const char *label, const struct nlattr *nest)
{
	const struct nlattr *attr;

	printf("%s", label);
	mnl_attr_for_each_nested(attr, nest) {
		unsigned int t = mnl_attr_get_type(attr);

		if (t && t <= NOISETUN_A_DROP_MAX && nt_drop_names[t])
			printf(" %s=%" PRIu64, nt_drop_names[t],
			       mnl_attr_get_u64(attr));
	}
	printf("\n");
}

/* "@label ADDRESS:PORT" or "@label [ADDRESS]:PORT", a sockaddr attribute. */
static void print_endpoint(const char *label, const struct nlattr *attr)
{
	const struct sockaddr *sa = mnl_attr_get_payload(attr);
	char text[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, text, sizeof(text));
		printf("%s %s:%u\n", label, text, ntohs(s4->sin_port));
	} else {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, text, sizeof(text));
		printf("%s [%s]:%u\n", label, text, ntohs(s6->sin6_port));
	}
}

/* How `get` prints an attribute's value after its label. */
enum print_kind {
	PRINT_U8,
	PRINT_U16,
	PRINT_U32,
	PRINT_STR,
	PRINT_KEY,		/* base64 */
	PRINT_ENDPOINT,
	PRINT_TIME,		/* a timespec: SECONDS.NANOSECONDS */
	PRINT_COUNTER,		/* a u64, the label followed by the type */
	PRINT_DROPS,
};

/*
 * How `get` prints one attribute type, on a line of its own; a type
 * without a label is not printed. @stats: only with --stats (counters,
 * and what differs between runs).
 */
struct print_rule {
	const char *label;
	enum print_kind kind;
	bool stats;
};

static const struct print_rule device_prints[NOISETUN_A_DEVICE_MAX + 1] = {
	[NOISETUN_A_DEVICE_IFINDEX] = { "ifindex", PRINT_U32, .stats = true },
	[NOISETUN_A_DEVICE_IFNAME] = { "ifname", PRINT_STR },
	[NOISETUN_A_DEVICE_PRIVATE_KEY] = { "private_key", PRINT_KEY },
	[NOISETUN_A_DEVICE_PUBLIC_KEY] = { "public_key", PRINT_KEY },
	[NOISETUN_A_DEVICE_LISTEN_PORT] = { "listen_port", PRINT_U16 },
	[NOISETUN_A_DEVICE_FWMARK] = { "fwmark", PRINT_U32 },
	[NOISETUN_A_DEVICE_DROPS] = { "drops", PRINT_DROPS, .stats = true },
};

#define PEER_COUNTER { "  counter", PRINT_COUNTER, .stats = true }

static const struct print_rule peer_prints[NOISETUN_A_PEER_MAX + 1] = {
	[NOISETUN_A_PEER_PRESHARED_KEY] = { "  preshared_key", PRINT_KEY },
	[NOISETUN_A_PEER_ENDPOINT] = { "  endpoint", PRINT_ENDPOINT },
	[NOISETUN_A_PEER_PERSISTENT_KEEPALIVE_INTERVAL] = {
		"  persistent_keepalive", PRINT_U16 },
	[NOISETUN_A_PEER_LAST_HANDSHAKE_TIME] = {
		"  last_handshake", PRINT_TIME, .stats = true },
	[NOISETUN_A_PEER_RX_BYTES] = PEER_COUNTER,
	[NOISETUN_A_PEER_TX_BYTES] = PEER_COUNTER,
	[NOISETUN_A_PEER_PROTOCOL_VERSION] = { "  protocol_version", PRINT_U32 },
	[NOISETUN_A_PEER_RX_PACKETS] = PEER_COUNTER,
	[NOISETUN_A_PEER_TX_PACKETS] = PEER_COUNTER,
	[NOISETUN_A_PEER_HANDSHAKE_ATTEMPTS] = PEER_COUNTER,
	[NOISETUN_A_PEER_DROPS] = { "  drops", PRINT_DROPS, .stats = true },
	[NOISETUN_A_PEER_DISABLED] = { "  disabled", PRINT_U8 },
	[NOISETUN_A_PEER_DESCRIPTION] = { "  description", PRINT_STR },
};

/* The value of a u8, u16 or u32 attribute, as @kind says it is. */
static unsigned int attr_uint(enum print_kind kind, const struct nlattr *attr)
{
	if (kind == PRINT_U8)
		return mnl_attr_get_u8(attr);
	if (kind == PRINT_U16)
		return mnl_attr_get_u16(attr);
	return mnl_attr_get_u32(attr);
}

/* @attr as @rules (@max + 1 of them, by type) say, if they print it. */
static void print_attr(const struct print_rule *rules, unsigned int max,
		       const struct nlattr *attr)
{
	unsigned int t = mnl_attr_get_type(attr);
	const struct print_rule *r;
	const int64_t *ts;

	if (t > max)
		return;
	r = &rules[t];
	if (!r->label || (r->stats && !opt_stats))
		return;
	switch (r->kind) {
	case PRINT_U8:
	case PRINT_U16:
	case PRINT_U32:
		printf("%s %u\n", r->label, attr_uint(r->kind, attr));
		break;
	case PRINT_STR:
		printf("%s %s\n", r->label, mnl_attr_get_str(attr));
		break;
	case PRINT_KEY:
		print_key(r->label, attr);
		break;
	case PRINT_ENDPOINT:
		print_endpoint(r->label, attr);
		break;
	case PRINT_TIME:
		ts = mnl_attr_get_payload(attr);
		printf("%s %" PRId64 ".%09" PRId64 "\n", r->label, ts[0], ts[1]);
		break;
	case PRINT_COUNTER:
		printf("%s%u %" PRIu64 "\n", r->label, t,
		       mnl_attr_get_u64(attr));
		break;
	case PRINT_DROPS:
		print_drops(r->label, attr);
		break;
	}
}

/* The attributes of @nest by type up to @max, the last of each; NULL: none. */
static void nest_attrs(const struct nlattr *nest, const struct nlattr **tb,
		       unsigned int max)
{
	const struct nlattr *attr;

	memset(tb, 0, (max + 1) * sizeof(*tb));
	mnl_attr_for_each_nested(attr, nest) {
		if (mnl_attr_get_type(attr) <= max)
			tb[mnl_attr_get_type(attr)] = attr;
	}
}

static void walk_allowedips(struct dump_state *st, const uint8_t *key,
			    const struct nlattr *nest)
{
	const struct nlattr *elem, *tb[NOISETUN_A_ALLOWEDIP_MAX + 1];

	mnl_attr_for_each_nested(elem, nest) {
		const uint8_t *ip;
		int family, cidr;
		char text[INET6_ADDRSTRLEN];

		nest_attrs(elem, tb, NOISETUN_A_ALLOWEDIP_MAX);
		if (!tb[NOISETUN_A_ALLOWEDIP_FAMILY] ||
		    !tb[NOISETUN_A_ALLOWEDIP_IPADDR] ||
		    !tb[NOISETUN_A_ALLOWEDIP_CIDR_MASK]) {
			st->errors++;
			continue;
		}
		family = mnl_attr_get_u16(tb[NOISETUN_A_ALLOWEDIP_FAMILY]);
		ip = mnl_attr_get_payload(tb[NOISETUN_A_ALLOWEDIP_IPADDR]);
		cidr = mnl_attr_get_u8(tb[NOISETUN_A_ALLOWEDIP_CIDR_MASK]);
		if (family != AF_INET && family != AF_INET6) {
			st->errors++;
			continue;
		}
		st->allowedips++;
		st->checksum += range_hash(key, family, ip, cidr);
		if (st->print) {
			inet_ntop(family, ip, text, sizeof(text));
			printf("  allowedip %s/%d\n", text, cidr);
		}
	}
}

static void walk_peer(struct dump_state *st, const struct nlattr *nest,
		      bool first_in_message)
{
	const struct nlattr *attr, *allowedips = NULL;
	const uint8_t *key = NULL;
	unsigned int others = 0;
	char b64[B64_LEN + 1];

	mnl_attr_for_each_nested(attr, nest) {
		switch (mnl_attr_get_type(attr)) {
		case NOISETUN_A_PEER_PUBLIC_KEY:
			key = mnl_attr_get_payload(attr);
			break;
		case NOISETUN_A_PEER_ALLOWEDIPS:
			allowedips = attr;
			break;
		default:
			others++;
		}
	}
	if (!key) {
		st->errors++;
		return;
	}

	/* A continuation: same key as the last peer, only allowed IPs. */
	if (first_in_message && st->have_last && !others &&
	    !memcmp(key, st->last_key, KEY_LEN)) {
		st->continuations++;
	} else {
		if (!others)
			st->errors++;	/* a fresh peer always has its attrs */
		st->peers++;
		if (st->print) {
			key_to_b64(b64, key);
			printf("peer %s\n", b64);
			mnl_attr_for_each_nested(attr, nest)
				print_attr(peer_prints, NOISETUN_A_PEER_MAX,
					   attr);
		}
	}
	memcpy(st->last_key, key, KEY_LEN);
	st->have_last = true;
	if (allowedips)
		walk_allowedips(st, key, allowedips);
}

static void dump_msg(const struct nlmsghdr *nlh, void *data)
{
	struct dump_state *st = data;
	const struct nlattr *attr, *elem;
	bool first = true;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		unsigned int t = mnl_attr_get_type(attr);

		if (t == NOISETUN_A_DEVICE_PEERS) {
			mnl_attr_for_each_nested(elem, attr) {
				walk_peer(st, elem, first);
				first = false;
			}
			continue;
		}
		if (st->print)
			print_attr(device_prints, NOISETUN_A_DEVICE_MAX, attr);
	}
}

static void put_device_name(struct nlmsghdr *nlh, const char *dev)
{
	mnl_attr_put_strz(nlh, NOISETUN_A_DEVICE_IFNAME, dev);
}

static int cmd_dump(const char *dev, bool print)
{
	static char buf[8192];
	struct dump_state st = { .print = print };
	struct nlmsghdr *nlh;
	struct result res;
	int ret;

	nlh = start_msg(buf, NOISETUN_CMD_GET_DEVICE,
			(opt_no_dump ? NLM_F_ACK : NLM_F_DUMP) | opt_nlflags);
	put_device_name(nlh, dev);
	if (opt_qflags)
		mnl_attr_put_u32(nlh, NOISETUN_A_DEVICE_QUERY_FLAGS, opt_qflags);
	if (opt_peer) {
		uint8_t key[KEY_LEN];

		if (!key_from_b64(key, opt_peer))
			die("%s: not a base64 key", opt_peer);
		mnl_attr_put(nlh, NOISETUN_A_DEVICE_QUERY_PEER, KEY_LEN, key);
	}
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		die("send: %s", strerror(errno));
	receive(&res, nlh->nlmsg_seq, dump_msg, &st);
	ret = report(&res);
	if (res.error)
		return ret;
	if (!print)
		printf("peers=%lu allowedips=%lu messages=%u continuations=%lu checksum=%016" PRIx64 " errors=%lu intr=%d\n",
		       st.peers, st.allowedips, res.messages, st.continuations,
		       st.checksum, st.errors, res.intr);
	else if (res.intr)
		printf("intr\n");
	return st.errors || (res.intr && !print) ? 1 : ret;
}

/* ---- generating a large configuration ------------------------------------ */

/* Deterministic 32-byte keys: splitmix64 of the peer number. */
static void gen_key(uint8_t key[KEY_LEN], uint64_t n)
{
	uint64_t z = n * 0x9e3779b97f4a7c15ULL + 0x1234567;
	int i;

	for (i = 0; i < KEY_LEN / 8; i++) {
		uint64_t x;

		z += 0x9e3779b97f4a7c15ULL;
		x = z;
		x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
		x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
		x ^= x >> 31;
		memcpy(key + 8 * i, &x, 8);
	}
}

struct gen {
	char *buf;
	size_t size;
	struct nlmsghdr *nlh;
	struct nlattr *peers, *peer, *ips;
	unsigned int peer_index, ip_index;
	const char *dev;
	unsigned long messages;
};

static void gen_flush(struct gen *g)
{
	struct result res;

	if (!g->nlh)
		return;
	if (g->ips)
		mnl_attr_nest_end(g->nlh, g->ips);
	if (g->peer)
		mnl_attr_nest_end(g->nlh, g->peer);
	mnl_attr_nest_end(g->nlh, g->peers);
	if (mnl_socket_sendto(nl, g->nlh, g->nlh->nlmsg_len) < 0)
		die("send: %s", strerror(errno));
	receive(&res, g->nlh->nlmsg_seq, NULL, NULL);
	if (res.error) {
		report(&res);
		exit(1);
	}
	g->messages++;
	g->nlh = NULL;
	g->peer = g->ips = NULL;
}

static void gen_open(struct gen *g)
{
	g->nlh = start_msg(g->buf, NOISETUN_CMD_SET_DEVICE, NLM_F_ACK);
	put_device_name(g->nlh, g->dev);
	g->peers = mnl_attr_nest_start(g->nlh, NOISETUN_A_DEVICE_PEERS);
	g->peer_index = 0;
}

/* Room for a peer header and one allowed IP, with margin. */
#define GEN_SLACK 256

static void gen_peer(struct gen *g, const uint8_t key[KEY_LEN])
{
	if (!g->nlh || g->nlh->nlmsg_len + GEN_SLACK > g->size) {
		gen_flush(g);
		gen_open(g);
	}
	if (g->ips)
		mnl_attr_nest_end(g->nlh, g->ips);
	if (g->peer)
		mnl_attr_nest_end(g->nlh, g->peer);
	g->peer = mnl_attr_nest_start(g->nlh, g->peer_index++);
	mnl_attr_put(g->nlh, NOISETUN_A_PEER_PUBLIC_KEY, KEY_LEN, key);
	g->ips = NULL;
}

static void gen_ip(struct gen *g, const uint8_t key[KEY_LEN], int family,
		   const uint8_t *ip, int cidr)
{
	if (g->nlh->nlmsg_len + GEN_SLACK > g->size) {
		/* Continue the peer in the next message: repeat its key. */
		gen_flush(g);
		gen_open(g);
		gen_peer(g, key);
	}
	if (!g->ips) {
		g->ips = mnl_attr_nest_start(g->nlh, NOISETUN_A_PEER_ALLOWEDIPS);
		g->ip_index = 0;
	}
	{
		struct nlattr *nest = mnl_attr_nest_start(g->nlh, g->ip_index++);

		mnl_attr_put_u16(g->nlh, NOISETUN_A_ALLOWEDIP_FAMILY, family);
		mnl_attr_put(g->nlh, NOISETUN_A_ALLOWEDIP_IPADDR,
			     family == AF_INET6 ? 16 : 4, ip);
		mnl_attr_put_u8(g->nlh, NOISETUN_A_ALLOWEDIP_CIDR_MASK, cidr);
		mnl_attr_nest_end(g->nlh, nest);
	}
}

/*
 * PEERS peers, IPS allowed IPs spread evenly (the first peers take the
 * remainder). Ranges are /32s from 10.0.0.0/8 up (or /128s under
 * fd00::/16 with "v6"), unique, so the table holds exactly IPS ranges.
 * Messages are 32 KiB, so peers and even one peer's ranges span many.
 */
static int cmd_gen(const char *dev, unsigned long npeers, unsigned long nips,
		   bool v6)
{
	static char buf[32768];
	struct gen g = { .buf = buf, .size = sizeof(buf), .dev = dev };
	unsigned long p, i, ip_no = 0;
	uint64_t checksum = 0;
	uint8_t key[KEY_LEN];
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (p = 0; p < npeers; p++) {
		unsigned long mine = nips / npeers + (p < nips % npeers);

		gen_key(key, p);
		gen_peer(&g, key);
		for (i = 0; i < mine; i++, ip_no++) {
			uint8_t addr[16] = { 0 };
			uint32_t v = 0x0a000000 + (uint32_t)ip_no;

			if (v6) {
				addr[0] = 0xfd;
				addr[12] = ip_no >> 24;
				addr[13] = ip_no >> 16;
				addr[14] = ip_no >> 8;
				addr[15] = ip_no;
			} else {
				addr[0] = v >> 24;
				addr[1] = v >> 16;
				addr[2] = v >> 8;
				addr[3] = v;
			}
			gen_ip(&g, key, v6 ? AF_INET6 : AF_INET, addr,
			       v6 ? 128 : 32);
			checksum += range_hash(key, v6 ? AF_INET6 : AF_INET,
					       addr, v6 ? 128 : 32);
		}
	}
	gen_flush(&g);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("peers=%lu allowedips=%lu checksum=%016" PRIx64 " messages=%lu ms=%ld\n",
	       npeers, nips, checksum, g.messages,
	       (long)((t1.tv_sec - t0.tv_sec) * 1000 +
		      (t1.tv_nsec - t0.tv_nsec) / 1000000));
	return 0;
}

/* One per-peer GET's reply: exactly one peer, the wanted one. */
struct peerget_state {
	const uint8_t *want;
	unsigned int peers;
	bool match;
};

static void peerget_msg(const struct nlmsghdr *nlh, void *data)
{
	struct peerget_state *st = data;
	const struct nlattr *attr, *elem, *pattr;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) != NOISETUN_A_DEVICE_PEERS)
			continue;
		mnl_attr_for_each_nested(elem, attr) {
			st->peers++;
			mnl_attr_for_each_nested(pattr, elem) {
				if (mnl_attr_get_type(pattr) ==
				    NOISETUN_A_PEER_PUBLIC_KEY &&
				    !memcmp(mnl_attr_get_payload(pattr),
					    st->want, KEY_LEN))
					st->match = true;
			}
		}
	}
}

/*
 * @count per-peer GETs of the peers `gen DEV @npeers ...` made, spread
 * evenly over them; each reply must hold exactly the peer asked for.
 */
static int cmd_peerget(const char *dev, unsigned long npeers,
		       unsigned long count)
{
	static char buf[8192];
	struct timespec t0, t1;
	unsigned long i, bad = 0;
	uint8_t key[KEY_LEN];

	if (!npeers || !count)
		die("peerget needs PEERS and N above 0");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < count; i++) {
		struct peerget_state st = { .want = key };
		struct nlmsghdr *nlh;
		struct result res;

		gen_key(key, count >= npeers ? i % npeers :
			     (uint64_t)i * (npeers / count));
		nlh = start_msg(buf, NOISETUN_CMD_GET_DEVICE,
				NLM_F_ACK | opt_nlflags);
		put_device_name(nlh, dev);
		if (opt_qflags)
			mnl_attr_put_u32(nlh, NOISETUN_A_DEVICE_QUERY_FLAGS,
					 opt_qflags);
		mnl_attr_put(nlh, NOISETUN_A_DEVICE_QUERY_PEER, KEY_LEN, key);
		if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
			die("send: %s", strerror(errno));
		receive(&res, nlh->nlmsg_seq, peerget_msg, &st);
		if (res.error || st.peers != 1 || !st.match) {
			if (!bad++)
				report(&res);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("gets=%lu bad=%lu ms=%ld\n", count, bad,
	       (long)((t1.tv_sec - t0.tv_sec) * 1000 +
		      (t1.tv_nsec - t0.tv_nsec) / 1000000));
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--expect") && i + 1 < argc)
			opt_expect = argv[++i];
		else if (!strcmp(argv[i], "--dump"))
			opt_dump = true;
		else if (!strcmp(argv[i], "--no-dump"))
			opt_no_dump = true;
		else if (!strcmp(argv[i], "--cmd") && i + 1 < argc)
			opt_cmd = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--nlflags") && i + 1 < argc)
			opt_nlflags = (uint16_t)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--drop-caps"))
			opt_drop_caps = true;
		else if (!strcmp(argv[i], "--stats"))
			opt_stats = true;
		else if (!strcmp(argv[i], "--qflags") && i + 1 < argc)
			opt_qflags = (uint32_t)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--peer") && i + 1 < argc)
			opt_peer = argv[++i];
		else
			usage();
	}
	if (i >= argc)
		usage();
	if (opt_expect)
		errno_value(opt_expect);	/* dies on a bad name */

	open_netlink();
	if (!strcmp(argv[i], "get") && i + 2 == argc)
		return cmd_dump(argv[i + 1], true);
	if (!strcmp(argv[i], "summary") && i + 2 == argc)
		return cmd_dump(argv[i + 1], false);
	if (!strcmp(argv[i], "gen") && (i + 4 == argc || i + 5 == argc))
		return cmd_gen(argv[i + 1], strtoul(argv[i + 2], NULL, 0),
			       strtoul(argv[i + 3], NULL, 0),
			       i + 5 == argc && !strcmp(argv[i + 4], "v6"));
	if (!strcmp(argv[i], "set"))
		return cmd_set(argc - i - 1, argv + i + 1);
	if (!strcmp(argv[i], "peerget") && i + 4 == argc)
		return cmd_peerget(argv[i + 1], strtoul(argv[i + 2], NULL, 0),
				   strtoul(argv[i + 3], NULL, 0));
	usage();
}
