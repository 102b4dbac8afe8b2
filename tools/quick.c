// SPDX-License-Identifier: GPL-2.0
/*
 * tunctl up | down | save | strip: wg-quick(8)'s commands and file format
 * for noisetun devices. The wg(8) part of the file is parsed by config.c,
 * which hands the keys it does not know (Address, DNS, MTU, Table, the
 * hooks, SaveConfig) to this file, so every error names its line.
 *
 * up does what wg-quick does, in its order: PreUp hooks, the link, the
 * tunnel configuration, the addresses, the MTU (given, or derived from
 * the routes to the endpoints) and link up, DNS, a route for every
 * allowed IP (longest prefixes first), PostUp hooks. A default route
 * (0.0.0.0/0 or ::/0) with Table = auto goes into a table of its own,
 * selected for every packet without the device's fwmark, with the main
 * table tried first for anything more specific than a default route.
 * Each step is announced on stderr as "[#] COMMAND", in ip(8)'s words;
 * the work is done with rtnetlink (rtnl.c), not by running ip. When a
 * step fails, or SIGINT, SIGTERM or SIGHUP arrives, what was done is
 * undone.
 *
 * down undoes it: PreDown hooks, SaveConfig, the two policy rules of each
 * family, the link (which takes its addresses and routes with it), DNS,
 * PostDown hooks.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/rtnetlink.h>

#include <sodium.h>

#include "config.h"
#include "error.h"
#include "format.h"
#include "ipc.h"
#include "model.h"
#include "quick.h"
#include "rtnl.h"
#include "showconf.h"
#include "subcommands.h"
#include "value.h"

/* The first table tried for a default route, as wg-quick. */
#define QUICK_FIRST_TABLE 51820

/* What wg-quick takes off the MTU of the way to the endpoints. */
#define QUICK_MTU_OVERHEAD 80

enum quick_key {
	Q_ADDRESS,
	Q_DNS,
	Q_MTU,
	Q_TABLE,
	Q_PRE_UP,
	Q_POST_UP,
	Q_PRE_DOWN,
	Q_POST_DOWN,
	Q_SAVE_CONFIG,
	Q_COUNT
};

static const char *const quick_keys[Q_COUNT] = {
	[Q_ADDRESS] = "Address",
	[Q_DNS] = "DNS",
	[Q_MTU] = "MTU",
	[Q_TABLE] = "Table",
	[Q_PRE_UP] = "PreUp",
	[Q_POST_UP] = "PostUp",
	[Q_PRE_DOWN] = "PreDown",
	[Q_POST_DOWN] = "PostDown",
	[Q_SAVE_CONFIG] = "SaveConfig",
};

static const enum nt_quick_stage hook_stage[Q_COUNT] = {
	[Q_PRE_UP] = NT_QUICK_PRE_UP,
	[Q_POST_UP] = NT_QUICK_POST_UP,
	[Q_PRE_DOWN] = NT_QUICK_PRE_DOWN,
	[Q_POST_DOWN] = NT_QUICK_POST_DOWN,
};

/* ---- parsing ---- */

struct quick_parser {
	struct nt_quick_config *q;
	unsigned int key_line[Q_COUNT];
	unsigned int *taken;	/* the lines of the wg-quick keys, ascending */
	size_t taken_len;
	size_t taken_cap;
};

static bool grow(void *arrayp, size_t len, size_t size)
{
	void **array = arrayp;
	void *grown;

	/* The capacity doubles when the length reaches a power of two. */
	if (len && (len & (len - 1)))
		return true;
	grown = realloc(*array, (len ? len * 2 : 1) * size);
	if (!grown) {
		nt_error("out of memory");
		return false;
	}
	*array = grown;
	return true;
}

static bool add_item(struct nt_quick_item **items, size_t *len,
		     const char *text, size_t text_len, unsigned int line)
{
	char *copy;

	if (!grow(items, *len, sizeof(**items)))
		return false;
	copy = strndup(text, text_len);
	if (!copy) {
		nt_error("out of memory");
		return false;
	}
	(*items)[*len].text = copy;
	(*items)[*len].line = line;
	(*len)++;
	return true;
}

static bool parse_decimal(const char *text, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*text || strlen(text) > 10)
		return false;
	for (; *text; text++) {
		if (*text < '0' || *text > '9')
			return false;
		v = v * 10 + (uint64_t)(*text - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

bool nt_quick_is_server(const char *entry)
{
	struct in6_addr a;

	return inet_pton(AF_INET, entry, &a) == 1 ||
	       inet_pton(AF_INET6, entry, &a) == 1;
}

/* One IP[/CIDR] of Address; host bits are kept (it is an address). */
/* IP[/CIDR] into @ip (host bits kept); NULL, or why it is not one. */
static const char *parse_prefix(char *entry, struct tunctl_allowedip *ip)
{
	char *slash = strchr(entry, '/');
	const char *why = NULL;
	uint64_t cidr;

	memset(ip, 0, sizeof(*ip));
	if (slash)
		*slash = '\0';
	if (inet_pton(AF_INET, entry, &ip->addr.ip4) == 1)
		ip->family = AF_INET;
	else if (inet_pton(AF_INET6, entry, &ip->addr.ip6) == 1)
		ip->family = AF_INET6;
	else
		why = strchr(entry, ':') ? "not an IPv6 address" :
					   "not an IPv4 address";
	if (!why && slash) {
		if (!parse_decimal(slash + 1, ip->family == AF_INET ? 32 : 128,
				   &cidr))
			why = ip->family == AF_INET ?
			      "the IPv4 prefix length must be 0-32" :
			      "the IPv6 prefix length must be 0-128";
		ip->cidr = (uint8_t)cidr;
	} else if (!why) {
		ip->cidr = ip->family == AF_INET ? 32 : 128;
	}
	if (slash)
		*slash = '/';
	return why;
}

static bool parse_address(struct quick_parser *p, char *entry,
			  unsigned int line)
{
	struct nt_quick_config *q = p->q;
	const char *why;

	if (!grow(&q->addrs, q->addrs_len, sizeof(*q->addrs)))
		return false;
	why = parse_prefix(entry, &q->addrs[q->addrs_len].ip);
	if (why) {
		nt_error("'Address' expects IP[/CIDR][,...], got '%s' (%s)",
			 entry, why);
		return false;
	}
	q->addrs[q->addrs_len++].line = line;
	return true;
}

/*
 * A peer's AllowedIPs entries, noted with their line for the messages of
 * route errors. The configuration parser reads the key itself and says
 * what is wrong with an entry; here one that is no prefix is passed over.
 */
static bool note_allowed(struct nt_quick_config *q, char *value,
			 unsigned int line)
{
	char *entry, *end, *next;
	struct nt_quick_address *a;

	for (entry = value; entry; entry = next) {
		next = strchr(entry, ',');
		if (next)
			*next++ = '\0';
		while (nt_value_is_space((unsigned char)*entry))
			entry++;
		end = entry + strlen(entry);
		while (end > entry && nt_value_is_space((unsigned char)end[-1]))
			*--end = '\0';
		if (!grow(&q->allowed, q->allowed_len, sizeof(*q->allowed)))
			return false;
		a = &q->allowed[q->allowed_len];
		if (*entry && !parse_prefix(entry, &a->ip)) {
			nt_value_clear_host_bits(&a->ip);
			a->line = line;
			q->allowed_len++;
		}
	}
	return true;
}

/*
 * Every [Peer]'s AllowedIPs line of the file (the configuration parser,
 * which reads them, tells nobody their lines), as that parser reads a
 * line: the comment cut, the white space dropped.
 */
static bool note_allowed_lines(struct nt_quick_config *q, const char *text,
			       size_t len)
{
	const char *end = text + len, *nl;
	unsigned int line = 0;
	bool in_peer = false;
	char buf[4096];
	size_t n, i;

	for (; text < end; text = nl + 1) {
		nl = memchr(text, '\n', (size_t)(end - text));
		if (!nl)
			nl = end;
		line++;
		for (n = 0, i = 0; text + i < nl && text[i] != '#'; i++) {
			if (!nt_value_is_space((unsigned char)text[i]) &&
			    n < sizeof(buf) - 1)
				buf[n++] = text[i];
		}
		buf[n] = '\0';
		if (buf[0] == '[')
			in_peer = !strcasecmp(buf, "[Peer]");
		else if (in_peer && !strncasecmp(buf, "AllowedIPs=", 11) &&
			 !note_allowed(q, buf + 11, line))
			return false;
	}
	return true;
}

/* The line of the AllowedIPs entry that is @dst; 0: none. */
static unsigned int allowed_line(const struct nt_quick_config *q,
				 const struct tunctl_allowedip *dst)
{
	size_t i;

	for (i = 0; i < q->allowed_len; i++) {
		const struct tunctl_allowedip *a = &q->allowed[i].ip;

		if (a->family == dst->family && a->cidr == dst->cidr &&
		    !memcmp(&a->addr, &dst->addr, a->family == AF_INET ? 4 : 16))
			return q->allowed[i].line;
	}
	return 0;
}

/* Calls @fn on each comma-separated entry of @value; empty ones are refused. */
static bool each_entry(struct quick_parser *p, const char *key, char *value,
		       unsigned int line,
		       bool (*fn)(struct quick_parser *p, char *entry,
				  unsigned int line))
{
	char *entry = value, *comma;

	for (;;) {
		comma = strchr(entry, ',');
		if (comma)
			*comma = '\0';
		if (!*entry) {
			if (comma)
				*comma = ',';
			nt_error("'%s' has an empty entry in '%s'", key, value);
			return false;
		}
		if (!fn(p, entry, line))
			return false;
		if (!comma)
			return true;
		*comma = ',';
		entry = comma + 1;
	}
}

static bool parse_dns(struct quick_parser *p, char *entry, unsigned int line)
{
	struct nt_quick_config *q = p->q;
	const char *c;
	bool numeric = true;

	for (c = entry; *c; c++) {
		if (!isdigit((unsigned char)*c) && *c != '.')
			numeric = false;
	}
	if (!nt_quick_is_server(entry)) {
		/* wg-quick takes these for servers too. */
		if (numeric || strchr(entry, ':')) {
			nt_error("'DNS' expects IP addresses or search domains, got '%s' (not an IP address)",
				 entry);
			return false;
		}
		for (c = entry; *c; c++) {
			if (!isalnum((unsigned char)*c) && !strchr("-_.", *c)) {
				nt_error("'DNS' expects IP addresses or search domains, got '%s' (a search domain has letters, digits, '-', '_' and '.')",
					 entry);
				return false;
			}
		}
	}
	return add_item(&q->dns, &q->dns_len, entry, strlen(entry), line);
}

/* A table name of iproute2's rt_tables files, as `ip route ... table NAME`. */
static bool lookup_table_name(const char *name, uint32_t *id)
{
	static const char *const files[] = {
		"/etc/iproute2/rt_tables", "/usr/share/iproute2/rt_tables",
		"/usr/lib/iproute2/rt_tables",
	};
	char line[256], word[128];
	unsigned long v;
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		FILE *f = fopen(files[i], "r");
		bool found = false;

		if (!f)
			continue;
		while (!found && fgets(line, sizeof(line), f)) {
			if (sscanf(line, " %lu %127s", &v, word) == 2 &&
			    word[0] != '#' && !strcmp(word, name) && v &&
			    v <= UINT32_MAX) {
				*id = (uint32_t)v;
				found = true;
			}
		}
		fclose(f);
		if (found)
			return true;
	}
	return false;
}

static bool parse_table(struct nt_quick_config *q, const char *value)
{
	static const struct nt_value_named builtin[] = {
		{ "main", RT_TABLE_MAIN },
		{ "local", RT_TABLE_LOCAL },
		{ "default", RT_TABLE_DEFAULT },
	};
	uint64_t v;
	int i;

	q->table_text = strdup(value);
	if (!q->table_text) {
		nt_error("out of memory");
		return false;
	}
	if (!strcasecmp(value, "auto")) {
		q->table = NT_QUICK_TABLE_AUTO;
		return true;
	}
	if (!strcasecmp(value, "off")) {
		q->table = NT_QUICK_TABLE_OFF;
		return true;
	}
	q->table = NT_QUICK_TABLE_ID;
	i = NT_VALUE_FIND_NAME(builtin, value, false);
	if (i >= 0) {
		q->table_id = builtin[i].value;
		return true;
	}
	if (parse_decimal(value, UINT32_MAX, &v) && v) {
		q->table_id = (uint32_t)v;
		return true;
	}
	if (*value && !isdigit((unsigned char)*value) &&
	    lookup_table_name(value, &q->table_id))
		return true;
	nt_error("'Table' expects auto, off, main, a table number 1-4294967295 or a name of rt_tables, got '%s'",
		 value);
	return false;
}

/* The raw value of a hook: after the first '=', comment cut, trimmed. */
static bool parse_hook(struct quick_parser *p, enum quick_key k,
		       const char *raw, size_t raw_len, unsigned int line)
{
	enum nt_quick_stage stage = hook_stage[k];
	const char *end = memchr(raw, '#', raw_len);
	const char *v = memchr(raw, '=', raw_len);

	if (!end)
		end = raw + raw_len;
	v = v ? v + 1 : end;
	while (v < end && nt_value_is_space(*v))
		v++;
	while (end > v && nt_value_is_space(end[-1]))
		end--;
	if (v == end) {
		nt_error("'%s' expects a shell command", quick_keys[k]);
		return false;
	}
	return add_item(&p->q->hooks[stage], &p->q->hooks_len[stage], v,
			(size_t)(end - v), line);
}

static int take_key(void *ctx, unsigned int line, const char *section,
		    const char *key, const char *value, const char *raw,
		    size_t raw_len)
{
	struct quick_parser *p = ctx;
	struct nt_quick_config *q = p->q;
	char *copy = NULL;
	uint64_t v;
	bool ok = false;
	int k;

	for (k = 0; k < Q_COUNT; k++) {
		if (!strcasecmp(key, quick_keys[k]))
			break;
	}
	if (k == Q_COUNT)
		return 0;
	if (!section) {
		nt_error("'%s' must be inside an [Interface] section",
			 quick_keys[k]);
		return -1;
	}
	if (strcmp(section, "[Interface]")) {
		nt_error("'%s' belongs in [Interface], not in %s",
			 quick_keys[k], section);
		return -1;
	}
	if (p->key_line[k] && (k == Q_MTU || k == Q_TABLE ||
			       k == Q_SAVE_CONFIG)) {
		nt_error("'%s' is given twice in this section (first on line %u)",
			 quick_keys[k], p->key_line[k]);
		return -1;
	}
	p->key_line[k] = line;
	if (!grow(&p->taken, p->taken_len, sizeof(*p->taken)))
		return -1;
	p->taken[p->taken_len++] = line;

	switch ((enum quick_key)k) {
	case Q_ADDRESS:
	case Q_DNS:
		copy = strdup(value);
		if (!copy) {
			nt_error("out of memory");
			return -1;
		}
		if (!*copy)
			nt_error("'%s' expects %s, got ''", quick_keys[k],
				 k == Q_ADDRESS ? "IP[/CIDR][,...]" :
				 "IP addresses or search domains");
		else
			ok = each_entry(p, quick_keys[k], copy, line,
					k == Q_ADDRESS ? parse_address :
					parse_dns);
		free(copy);
		break;
	case Q_MTU:
		ok = parse_decimal(value, 65535, &v) && v >= 68;
		if (!ok)
			nt_error("'MTU' expects a number 68-65535, got '%s'",
				 value);
		q->mtu = (uint32_t)v;
		q->mtu_line = line;
		break;
	case Q_TABLE:
		ok = parse_table(q, value);
		q->table_line = line;
		break;
	case Q_PRE_UP:
	case Q_POST_UP:
	case Q_PRE_DOWN:
	case Q_POST_DOWN:
		ok = parse_hook(p, k, raw, raw_len, line);
		break;
	case Q_SAVE_CONFIG:
		q->save_config_given = true;
		if (!strcasecmp(value, "true")) {
			q->save_config = true;
			ok = true;
		} else if (!strcasecmp(value, "false")) {
			ok = true;
		} else {
			nt_error("'SaveConfig' expects true or false, got '%s'",
				 value);
		}
		break;
	case Q_COUNT:
		break;
	}
	return ok ? 1 : -1;
}

/* What strip prints: the lines but the wg-quick keys, trimmed as wg-quick. */
static bool make_stripped(struct quick_parser *p, const char *text,
			  size_t len)
{
	struct nt_quick_config *q = p->q;
	size_t start, end, s, e, n = 0, t = 0;
	unsigned int line = 0;
	char *out;

	out = malloc(len + 2);
	if (!out) {
		nt_error("out of memory");
		return false;
	}
	for (start = 0; start < len; start = end + 1) {
		for (end = start; end < len && text[end] != '\n'; end++)
			;
		line++;
		if (t < p->taken_len && p->taken[t] == line) {
			t++;
			continue;
		}
		for (s = start; s < end && (text[s] == ' ' || text[s] == '\t'); s++)
			;
		for (e = end; e > s && (text[e - 1] == ' ' || text[e - 1] == '\t'); e--)
			;
		memcpy(out + n, text + s, e - s);
		n += e - s;
		out[n++] = '\n';
	}
	out[n++] = '\n';
	q->stripped = out;
	q->stripped_len = n;
	return true;
}

struct nt_quick_config *nt_quick_parse(const char *where, const char *text,
				       size_t len)
{
	struct quick_parser p = { 0 };
	struct nt_config_extra extra = { .key = take_key, .ctx = &p };

	p.q = calloc(1, sizeof(*p.q));
	if (!p.q) {
		nt_error("out of memory");
		return NULL;
	}
	p.q->dev = nt_config_parse_extra(where, text, len, false, &extra);
	if (!p.q->dev || !make_stripped(&p, text, len) ||
	    !note_allowed_lines(p.q, text, len)) {
		nt_quick_free(p.q);
		p.q = NULL;
	}
	free(p.taken);
	return p.q;
}

static void free_items(struct nt_quick_item *items, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		free(items[i].text);
	free(items);
}

void nt_quick_free(struct nt_quick_config *q)
{
	int i;

	if (!q)
		return;
	nt_model_device_free(q->dev);
	free(q->path);
	free(q->addrs);
	free(q->allowed);
	free_items(q->dns, q->dns_len);
	free(q->table_text);
	for (i = 0; i < NT_QUICK_STAGES; i++)
		free_items(q->hooks[i], q->hooks_len[i]);
	if (q->stripped) {
		sodium_memzero(q->stripped, q->stripped_len);
		free(q->stripped);
	}
	free(q);
}

/* ---- the file: which one, and reading it ---- */

static bool name_char(char c)
{
	return isalnum((unsigned char)c) || strchr("_=+.-", c);
}

static bool is_name(const char *s, size_t len)
{
	size_t i;

	if (len < 1 || len >= IFNAMSIZ)
		return false;
	for (i = 0; i < len; i++) {
		if (!s[i] || !name_char(s[i]))
			return false;
	}
	return true;
}

/* As wg-quick: IFACE means /etc/noisetun/IFACE.conf; else PATH/IFACE.conf. */
static struct nt_quick_config *load(const char *arg)
{
	struct nt_quick_config *q;
	const char *base;
	char path[PATH_MAX], name[IFNAMSIZ], dir[PATH_MAX], *slash, *text;
	struct stat st, dst;
	size_t len;

	if (is_name(arg, strlen(arg))) {
		snprintf(path, sizeof(path), "%s/%s.conf", NT_QUICK_CONFIG_DIR,
			 arg);
		snprintf(name, sizeof(name), "%s", arg);
	} else {
		base = strrchr(arg, '/');
		base = base ? base + 1 : arg;
		len = strlen(base);
		if (len <= 5 || strcmp(base + len - 5, ".conf") ||
		    !is_name(base, len - 5)) {
			nt_error("'%s': the file's name must be the interface name (1-15 of A-Z a-z 0-9 _ = + . -) followed by '.conf'",
				 arg);
			return NULL;
		}
		snprintf(name, sizeof(name), "%.*s", (int)(len - 5), base);
		snprintf(path, sizeof(path), "%s", arg);
	}
	if (!nt_ipc_check_name(name))
		return NULL;
	if (stat(path, &st)) {
		nt_error("'%s' does not exist", path);
		return NULL;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	if (!stat(dir, &dst) && (st.st_mode & dst.st_mode & 0007))
		nt_warning("'%s' is world accessible", path);
	text = nt_config_read_file(path, &len);
	if (!text)
		return NULL;
	q = nt_quick_parse(path, text, len);
	sodium_memzero(text, len);
	free(text);
	if (!q)
		return NULL;
	snprintf(q->name, sizeof(q->name), "%s", name);
	snprintf(q->dev->name, sizeof(q->dev->name), "%s", name);
	q->path = strdup(path);
	if (!q->path) {
		nt_error("out of memory");
		nt_quick_free(q);
		return NULL;
	}
	return q;
}

/* ---- messages ---- */

/* "[#] ip ..." on stderr: what is being done, as wg-quick shows it. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	va_list ap;

	fputs("[#] ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

/* An error about line @line of the file (0: about no line). */
static void error_at(const struct nt_quick_config *q, unsigned int line,
		     const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void error_at(const struct nt_quick_config *q, unsigned int line,
		     const char *fmt, ...)
{
	char where[PATH_MAX + 16], msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line) {
		snprintf(where, sizeof(where), "%s:%u", q->path, line);
		nt_error_where = where;
	}
	nt_error("%s", msg);
	nt_error_where = NULL;
}

/* ": File exists (kernel: ...)" for a failed request. */
static const char *why(int err)
{
	static char text[700];

	if (nt_rtnl_extack[0])
		snprintf(text, sizeof(text), "%s (kernel: %s)", strerror(-err),
			 nt_rtnl_extack);
	else
		snprintf(text, sizeof(text), "%s", strerror(-err));
	return text;
}

static char *prefix_text(char *buf, size_t len,
			 const struct tunctl_allowedip *ip)
{
	char addr[INET6_ADDRSTRLEN];

	snprintf(buf, len, "%s/%u", nt_format_allowedip(addr, sizeof(addr), ip),
		 ip->cidr);
	return buf;
}

static const char *ipv(int family)
{
	return family == AF_INET6 ? "-6" : "-4";
}

static const char *table_name(uint32_t table, char *buf, size_t len)
{
	if (table == RT_TABLE_MAIN)
		return "main";
	snprintf(buf, len, "%u", table);
	return buf;
}

/* ---- programs: hooks and resolvconf ---- */

/*
 * Fork PROG ARGS with one end of the pipe @fds (none when fds[0] is -1) as
 * its standard input or, with @out, its standard output; a program whose
 * output is taken has its errors silenced. The parent's ends stay open.
 * Returns the child's pid, or -1 (the pipe closed).
 */
static pid_t start_program(const char *const argv[], int fds[2], bool out)
{
	int devnull;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		if (fds[0] >= 0) {
			close(fds[0]);
			close(fds[1]);
		}
		return -1;
	}
	if (!pid) {
		if (fds[0] >= 0) {
			if (out)
				dup2(fds[1], STDOUT_FILENO);
			else
				dup2(fds[0], STDIN_FILENO);
			close(fds[0]);
			close(fds[1]);
		}
		if (out) {
			devnull = open("/dev/null", O_WRONLY);
			if (devnull >= 0)
				dup2(devnull, STDERR_FILENO);
		}
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return pid;
}

/* The wait status of the child @pid; -1: waitpid failed. */
static int wait_program(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -1;
	}
	return status;
}

/* Run /bin/sh -c CMD, or PROG ARGS with @input on its stdin; -1: not run. */
static int run_program(const char *const argv[], const char *input)
{
	int fds[2] = { -1, -1 };
	pid_t pid;

	if (input && pipe(fds))
		return -1;
	pid = start_program(argv, fds, false);
	if (pid < 0)
		return -1;
	if (input) {
		size_t left = strlen(input);
		ssize_t n;

		close(fds[0]);
		while (left) {
			n = write(fds[1], input, left);
			if (n <= 0)
				break;
			input += n;
			left -= (size_t)n;
		}
		close(fds[1]);
	}
	return wait_program(pid);
}

static void describe_status(char *buf, size_t len, int status)
{
	if (status < 0)
		snprintf(buf, len, "could not be started: %s", strerror(errno));
	else if (WIFEXITED(status))
		snprintf(buf, len, "exited with status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "was killed by signal %d", WTERMSIG(status));
	else
		snprintf(buf, len, "failed");
}

/* The hooks of one stage, in order; the first that fails stops them. */
static bool run_hooks(const struct nt_quick_config *q,
		      enum nt_quick_stage stage)
{
	static const char *const names[NT_QUICK_STAGES] = {
		"PreUp", "PostUp", "PreDown", "PostDown",
	};
	char status_text[128];
	size_t i;

	for (i = 0; i < q->hooks_len[stage]; i++) {
		const struct nt_quick_item *hook = &q->hooks[stage][i];
		const char *argv[] = { "/bin/sh", "-c", NULL, NULL };
		size_t n = 0, cap = strlen(hook->text) * IFNAMSIZ + 1;
		const char *c;
		char *cmd = malloc(cap);
		int status;

		if (!cmd) {
			nt_error("out of memory");
			return false;
		}
		for (c = hook->text; *c; c++) {
			if (c[0] == '%' && c[1] == 'i') {
				n += (size_t)snprintf(cmd + n, cap - n, "%s",
						      q->name);
				c++;
			} else {
				cmd[n++] = *c;
			}
		}
		cmd[n] = '\0';
		say("%s", cmd);
		argv[2] = cmd;
		status = run_program(argv, NULL);
		free(cmd);
		if (status) {
			describe_status(status_text, sizeof(status_text),
					status);
			error_at(q, hook->line, "the %s command %s", names[stage],
				 status_text);
			return false;
		}
	}
	return true;
}

static bool find_in_path(const char *prog, char *out, size_t len)
{
	const char *path = getenv("PATH"), *p, *colon;

	if (!path)
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
	for (p = path; *p; p = colon + 1) {
		colon = strchr(p, ':');
		if (!colon)
			colon = p + strlen(p);
		snprintf(out, len, "%.*s/%s", (int)(colon - p),
			 colon == p ? "." : p, prog);
		if (!access(out, X_OK))
			return true;
		if (!*colon)
			break;
	}
	return false;
}

/* The name resolvconf knows the interface by: wg-quick's rule. */
static void resolvconf_name(const struct nt_quick_config *q, char *out,
			    size_t len)
{
	FILE *f = fopen("/etc/resolvconf/interface-order", "r");
	char line[256], prefix[256] = "";

	while (f && fgets(line, sizeof(line), f)) {
		char *s = line, *e;

		while (*s == ' ' || *s == '\t')
			s++;
		e = s + strlen(s);
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		if (e - s < 2 || e[-1] != '*')
			continue;
		*--e = '\0';
		for (e = s; *e && (isalnum((unsigned char)*e) || *e == '-'); e++)
			;
		if (*e)
			continue;
		snprintf(prefix, sizeof(prefix), "%s.", s);
		break;
	}
	if (f)
		fclose(f);
	snprintf(out, len, "%s%s", prefix, q->name);
}

static const char resolvconf_missing[] =
	"DNS needs resolvconf(8), which is not installed (install openresolv, or systemd-resolved for its resolvconf), or remove DNS from the file";

static bool set_dns(const struct nt_quick_config *q, const char *resolvconf)
{
	char name[300], status_text[128], *input = NULL;
	const char *argv[] = { resolvconf, "-a", name, "-m", "0", "-x", NULL };
	size_t len = 0, i;
	bool search = false;
	FILE *f;
	int status;

	if (!q->dns_len)
		return true;
	f = open_memstream(&input, &len);
	if (!f) {
		nt_error("out of memory");
		return false;
	}
	for (i = 0; i < q->dns_len; i++) {
		if (nt_quick_is_server(q->dns[i].text))
			fprintf(f, "nameserver %s\n", q->dns[i].text);
	}
	for (i = 0; i < q->dns_len; i++) {
		if (nt_quick_is_server(q->dns[i].text))
			continue;
		fprintf(f, "%s%s", search ? " " : "search ", q->dns[i].text);
		search = true;
	}
	if (search)
		fputc('\n', f);
	fclose(f);
	resolvconf_name(q, name, sizeof(name));
	say("resolvconf -a %s -m 0 -x", name);
	status = run_program(argv, input);
	free(input);
	if (status) {
		describe_status(status_text, sizeof(status_text), status);
		error_at(q, q->dns[0].line, "resolvconf -a %s %s", name,
			 status_text);
		return false;
	}
	return true;
}

static bool unset_dns(const struct nt_quick_config *q)
{
	char name[300], status_text[128], resolvconf[PATH_MAX];
	const char *argv[] = { resolvconf, "-d", name, "-f", NULL };
	int status;

	if (!q->dns_len)
		return true;
	if (!find_in_path("resolvconf", resolvconf, sizeof(resolvconf))) {
		nt_warning("%s", resolvconf_missing);
		return true;
	}
	resolvconf_name(q, name, sizeof(name));
	say("resolvconf -d %s -f", name);
	status = run_program(argv, NULL);
	if (status) {
		describe_status(status_text, sizeof(status_text), status);
		nt_error("resolvconf -d %s %s", name, status_text);
		return false;
	}
	return true;
}

/* ---- up ---- */

/* What up did, to undo on failure. */
struct undo {
	uint32_t ifindex;	/* the link, once created */
	bool dns;
	bool firewall;		/* a default route's firewall rules */
	struct nt_rtnl_rule rules[4];
	size_t rules_len;
};

static void say_rule(const char *verb, const struct nt_rtnl_rule *r)
{
	char buf[16];

	if (r->fwmark)
		say("ip %s rule %s not fwmark %u table %s", ipv(r->family), verb,
		    r->fwmark, table_name(r->table, buf, sizeof(buf)));
	else
		say("ip %s rule %s table %s suppress_prefixlength %d",
		    ipv(r->family), verb, table_name(r->table, buf, sizeof(buf)),
		    r->suppress_prefixlen);
}

/* ---- the firewall rules of a default route ---- */

/*
 * With a default route through the tunnel, wg-quick adds firewall rules,
 * and so does up, under a table (nft) or a comment (iptables) that names
 * the interface:
 * - raw prerouting: a packet for one of the tunnel's addresses that comes
 *   in on another interface, from elsewhere than this host, is dropped
 *   (the tunnel's addresses are not for the local network to reach);
 * - mangle: the fwmark of the device's own UDP packets is saved into
 *   their connection's mark, and given back to the replies, which then
 *   match the fwmark rule that keeps them out of the tunnel (with
 *   src_valid_mark, for the reverse-path filter).
 * nft when it is installed, else iptables-restore (as wg-quick).
 */
#define FW_TABLE "tunctl-quick-%s"
#define FW_COMMENT "-m comment --comment \"tunctl rule for %s\""

/* Run PROG ARGS; its standard output, NUL-terminated (NULL: failed). */
static char *capture(const char *const argv[])
{
	char *out = NULL, buf[4096];
	size_t len = 0;
	int fds[2];
	ssize_t n;
	FILE *f;
	pid_t pid;

	if (pipe(fds))
		return NULL;
	pid = start_program(argv, fds, true);
	if (pid < 0)
		return NULL;
	close(fds[1]);
	f = open_memstream(&out, &len);
	while ((n = read(fds[0], buf, sizeof(buf))) > 0 ||
	       (n < 0 && errno == EINTR)) {
		if (f && n > 0)
			fwrite(buf, 1, (size_t)n, f);
	}
	close(fds[0]);
	if (f)
		fclose(f);
	if (wait_program(pid)) {
		free(out);
		return NULL;
	}
	return out;
}

/* The next line of @*text, cut off in place; NULL at the end of the text. */
static char *next_line(char **text)
{
	char *line = *text;

	if (!line || !*line)
		return NULL;
	*text = strchr(line, '\n');
	if (*text)
		*(*text)++ = '\0';
	return line;
}

/* Close the memory stream @f of @*input; false (said): out of memory. */
static bool close_input(FILE *f, char **input)
{
	if (!f || fclose(f) || !*input) {
		free(*input);
		*input = NULL;
		nt_error("out of memory");
		return false;
	}
	return true;
}

/* PROG ARGS with @input on its standard input, announced; false: failed. */
static bool run_firewall(const char *const argv[], const char *shown,
			 const char *input)
{
	char status_text[128];
	int status;

	say("%s", shown);
	status = run_program(argv, input);
	if (status) {
		describe_status(status_text, sizeof(status_text), status);
		nt_error("%s %s", argv[0], status_text);
		return false;
	}
	return true;
}

static bool add_firewall(const struct nt_quick_config *q, struct undo *u,
			 int family, uint32_t table)
{
	const char *pf = family == AF_INET6 ? "ip6" : "ip";
	const char *restore_name = family == AF_INET6 ? "ip6tables-restore" :
							 "iptables-restore";
	char prog[PATH_MAX], text[INET6_ADDRSTRLEN], shown[PATH_MAX + 32];
	bool nft = find_in_path("nft", prog, sizeof(prog)), ok;
	char *input = NULL;
	size_t len = 0, i;
	FILE *f;

	if (!nft && !find_in_path(restore_name, prog, sizeof(prog))) {
		nt_error("a default route needs nft or %s for its firewall rules, and neither is installed (install nftables or iptables)",
			 restore_name);
		return false;
	}
	f = open_memstream(&input, &len);
	if (!f) {
		nt_error("out of memory");
		return false;
	}
	if (nft) {
		fprintf(f, "add table %s " FW_TABLE "\n", pf, q->name);
		fprintf(f, "add chain %s " FW_TABLE " preraw { type filter hook prerouting priority -300; }\n",
			pf, q->name);
		fprintf(f, "add chain %s " FW_TABLE " premangle { type filter hook prerouting priority -150; }\n",
			pf, q->name);
		fprintf(f, "add chain %s " FW_TABLE " postmangle { type filter hook postrouting priority -150; }\n",
			pf, q->name);
	} else {
		fputs("*raw\n", f);
	}
	for (i = 0; i < q->addrs_len; i++) {
		const struct tunctl_allowedip *a = &q->addrs[i].ip;

		if (a->family != family)
			continue;
		inet_ntop(family, &a->addr, text, sizeof(text));
		if (nft)
			fprintf(f, "add rule %s " FW_TABLE " preraw iifname != \"%s\" %s daddr %s fib saddr type != local drop\n",
				pf, q->name, q->name, pf, text);
		else
			fprintf(f, "-I PREROUTING ! -i %s -d %s -m addrtype ! --src-type LOCAL -j DROP " FW_COMMENT "\n",
				q->name, text, q->name);
	}
	if (nft) {
		fprintf(f, "add rule %s " FW_TABLE " postmangle meta l4proto udp mark %u ct mark set mark\n",
			pf, q->name, table);
		fprintf(f, "add rule %s " FW_TABLE " premangle meta l4proto udp meta mark set ct mark\n",
			pf, q->name);
	} else {
		fprintf(f, "COMMIT\n*mangle\n");
		fprintf(f, "-I POSTROUTING -m mark --mark %u -p udp -j CONNMARK --save-mark " FW_COMMENT "\n",
			table, q->name);
		fprintf(f, "-I PREROUTING -p udp -j CONNMARK --restore-mark " FW_COMMENT "\n",
			q->name);
		fprintf(f, "COMMIT\n");
	}
	if (!close_input(f, &input))
		return false;
	/* Whatever part of it went in, down and the undo take it out. */
	u->firewall = true;
	if (nft) {
		const char *argv[] = { prog, "-f", "/dev/stdin", NULL };

		snprintf(shown, sizeof(shown), "nft -f /dev/stdin");
		ok = run_firewall(argv, shown, input);
	} else {
		const char *argv[] = { prog, "-n", NULL };

		snprintf(shown, sizeof(shown), "%s -n", restore_name);
		ok = run_firewall(argv, shown, input);
	}
	free(input);
	return ok;
}

/* nft: delete the interface's tables, if there are any. */
static bool remove_nft(const struct nt_quick_config *q, const char *nft)
{
	const char *list[] = { nft, "list", "tables", NULL };
	const char *argv[] = { nft, "-f", "/dev/stdin", NULL };
	char *tables = capture(list), *line, *next, *input = NULL, want[64];
	size_t len = 0, n, wlen;
	bool ok = true, found = false;
	FILE *f;

	if (!tables)
		return true;	/* no nf_tables, or no rights: nothing of ours */
	wlen = (size_t)snprintf(want, sizeof(want), " " FW_TABLE, q->name);
	f = open_memstream(&input, &len);
	next = tables;
	while (f && (line = next_line(&next))) {
		n = strlen(line);
		if (!strncmp(line, "table ", 6) && n > wlen &&
		    !strcmp(line + n - wlen, want)) {
			fprintf(f, "delete %s\n", line);
			found = true;
		}
	}
	free(tables);
	if (!close_input(f, &input))
		return false;
	if (found)
		ok = run_firewall(argv, "nft -f /dev/stdin", input);
	free(input);
	return ok;
}

/* iptables: delete the rules with the interface's comment, if any. */
static bool remove_iptables(const struct nt_quick_config *q,
			    const char *save_name, const char *restore_name)
{
	char save[PATH_MAX], restore[PATH_MAX], comment[64], shown[64];
	const char *save_argv[] = { save, NULL };
	const char *restore_argv[] = { restore, "-n", NULL };
	char *rules, *line, *next, *input = NULL;
	size_t len = 0;
	bool ok = true, found = false;
	FILE *f;

	if (!find_in_path(save_name, save, sizeof(save)) ||
	    !find_in_path(restore_name, restore, sizeof(restore)))
		return true;
	rules = capture(save_argv);
	if (!rules)
		return true;	/* no x_tables, or no rights: nothing of ours */
	snprintf(comment, sizeof(comment), FW_COMMENT, q->name);
	f = open_memstream(&input, &len);
	next = rules;
	while (f && (line = next_line(&next))) {
		if (*line == '*' || !strcmp(line, "COMMIT")) {
			fprintf(f, "%s\n", line);
		} else if (!strncmp(line, "-A ", 3) && strstr(line, comment)) {
			fprintf(f, "-D %s\n", line + 3);
			found = true;
		}
	}
	free(rules);
	if (!close_input(f, &input))
		return false;
	snprintf(shown, sizeof(shown), "%s -n", restore_name);
	if (found)
		ok = run_firewall(restore_argv, shown, input);
	free(input);
	return ok;
}

/* What add_firewall() added for this interface, as wg-quick finds it. */
static bool remove_firewall(const struct nt_quick_config *q)
{
	char nft[PATH_MAX];
	bool ok = true;

	if (find_in_path("nft", nft, sizeof(nft)))
		ok &= remove_nft(q, nft);
	ok &= remove_iptables(q, "iptables-save", "iptables-restore");
	ok &= remove_iptables(q, "ip6tables-save", "ip6tables-restore");
	return ok;
}

static void undo(const struct nt_quick_config *q, struct undo *u)
{
	int err;

	if (u->dns)
		unset_dns(q);
	if (u->firewall)
		remove_firewall(q);
	while (u->rules_len) {
		const struct nt_rtnl_rule *r = &u->rules[--u->rules_len];

		say_rule("delete", r);
		err = nt_rtnl_rule_del(r);
		if (err)
			nt_error("cannot delete a rule it added: %s", why(err));
	}
	if (u->ifindex) {
		say("ip link delete dev %s", q->name);
		err = nt_rtnl_link_del(u->ifindex);
		if (err)
			nt_error("cannot delete '%s': %s", q->name, why(err));
	}
}

static bool add_link(const struct nt_quick_config *q, struct undo *u)
{
	int err;

	say("ip link add %s type noisetun", q->name);
	err = nt_rtnl_link_add(q->name, NOISETUN_GENL_NAME);
	if (err == -EOPNOTSUPP) {
		nt_error("cannot create '%s': the noisetun module is not loaded and could not be loaded",
			 q->name);
		return false;
	}
	if (!err)
		err = nt_rtnl_link_find(q->name, &u->ifindex, NULL, 0);
	if (err) {
		nt_error("cannot create '%s': %s", q->name, why(err));
		return false;
	}
	return true;
}

/* A route's MTU, else the MTU of the link it leaves by; 0: neither. */
static uint32_t path_mtu(uint32_t oif, uint32_t mtu)
{
	if (!mtu && oif && nt_rtnl_link_mtu(oif, &mtu))
		mtu = 0;
	return mtu;
}

/*
 * wg-quick's MTU: the largest on the way to an endpoint (else on the way
 * of the default route, else 1500), less 80.
 */
static uint32_t derive_mtu(const struct tunctl_device *running)
{
	uint32_t best = 0, oif, mtu;
	size_t i;

	for (i = 0; i < running->peers_len; i++) {
		const struct tunctl_peer *peer = &running->peers[i];
		struct tunctl_allowedip dst = { 0 };

		if (!(peer->flags & TUNCTL_PEER_HAS_ENDPOINT))
			continue;
		dst.family = peer->endpoint.sa.sa_family;
		if (dst.family == AF_INET)
			dst.addr.ip4 = peer->endpoint.sin.sin_addr;
		else if (dst.family == AF_INET6)
			dst.addr.ip6 = peer->endpoint.sin6.sin6_addr;
		else
			continue;
		if (nt_rtnl_route_get(&dst, &oif, &mtu))
			continue;
		mtu = path_mtu(oif, mtu);
		if (mtu > best)
			best = mtu;
	}
	if (!best && !nt_rtnl_default_route(&oif, &mtu))
		best = path_mtu(oif, mtu);
	if (!best)
		best = 1500;
	return best > QUICK_MTU_OVERHEAD ? best - QUICK_MTU_OVERHEAD : best;
}

static bool set_fwmark(const struct nt_quick_config *q, uint32_t mark)
{
	struct tunctl_device *change = nt_model_device_new();
	int err;

	if (!change) {
		nt_error("out of memory");
		return false;
	}
	snprintf(change->name, sizeof(change->name), "%s", q->name);
	change->flags = TUNCTL_DEVICE_HAS_FWMARK;
	change->fwmark = mark;
	say("tunctl set %s fwmark %u", q->name, mark);
	err = nt_ipc_set_device(change);
	nt_model_device_free(change);
	return !err;
}

static bool add_rule(struct undo *u, const struct nt_rtnl_rule *r)
{
	int err;

	if (u->rules_len == sizeof(u->rules) / sizeof(u->rules[0])) {
		nt_error("more than two default routes");
		return false;
	}
	say_rule("add", r);
	err = nt_rtnl_rule_add(r);
	if (err) {
		nt_error("cannot add the rule: %s", why(err));
		return false;
	}
	u->rules[u->rules_len++] = *r;
	return true;
}

/* A default route: a table of its own, and the two rules that select it. */
static bool add_default(const struct nt_quick_config *q, struct undo *u,
			const struct tunctl_allowedip *dst, uint32_t *fwmark)
{
	struct nt_rtnl_rule not_marked = { .family = (uint8_t)dst->family,
					   .suppress_prefixlen = -1 };
	struct nt_rtnl_rule main_first = { .family = (uint8_t)dst->family,
					   .table = RT_TABLE_MAIN };
	char text[INET6_ADDRSTRLEN + 8];
	uint32_t table = QUICK_FIRST_TABLE;
	bool used;
	int err, fd;

	if (!*fwmark) {
		for (;; table++) {
			err = nt_rtnl_table_used(table, &used);
			if (err) {
				nt_error("cannot read the routing tables: %s",
					 why(err));
				return false;
			}
			if (!used)
				break;
		}
		if (!set_fwmark(q, table))
			return false;
		*fwmark = table;
	}
	table = *fwmark;
	prefix_text(text, sizeof(text), dst);
	say("ip %s route add %s dev %s table %u", ipv(dst->family), text,
	    q->name, table);
	err = nt_rtnl_route_add(u->ifindex, dst, table);
	if (err) {
		error_at(q, allowed_line(q, dst),
			 "cannot add the route to %s in table %u: %s", text,
			 table, why(err));
		return false;
	}
	not_marked.table = table;
	not_marked.fwmark = table;
	if (!add_rule(u, &not_marked) || !add_rule(u, &main_first))
		return false;
	if (dst->family != AF_INET)
		return add_firewall(q, u, dst->family, table);
	/* Replies to marked packets pass the reverse-path filter (as wg-quick). */
	say("sysctl -q net.ipv4.conf.all.src_valid_mark=1");
	fd = open("/proc/sys/net/ipv4/conf/all/src_valid_mark", O_WRONLY);
	if (fd < 0 || write(fd, "1\n", 2) != 2)
		nt_warning("cannot set net.ipv4.conf.all.src_valid_mark: %s",
			   strerror(errno));
	if (fd >= 0)
		close(fd);
	return add_firewall(q, u, dst->family, table);
}

static int by_prefix_desc(const void *a, const void *b)
{
	const struct tunctl_allowedip *x = a, *y = b;

	return (int)y->cidr - (int)x->cidr;
}

static bool add_routes(const struct nt_quick_config *q, struct undo *u,
		       const struct tunctl_device *running)
{
	struct tunctl_allowedip *all = NULL;
	uint32_t fwmark = running->fwmark;
	char text[INET6_ADDRSTRLEN + 8], buf[16];
	size_t n = 0, i, j;
	bool ok = true, covered;
	int err;

	if (q->table == NT_QUICK_TABLE_OFF)
		return true;
	for (i = 0; i < running->peers_len; i++)
		n += running->peers[i].allowedips_len;
	if (!n)
		return true;
	all = calloc(n, sizeof(*all));
	if (!all) {
		nt_error("out of memory");
		return false;
	}
	n = 0;
	for (i = 0; i < running->peers_len; i++) {
		for (j = 0; j < running->peers[i].allowedips_len; j++)
			all[n++] = running->peers[i].allowedips[j];
	}
	/* Longest prefixes first, as wg-quick sorts them. */
	qsort(all, n, sizeof(*all), by_prefix_desc);
	for (i = 0; ok && i < n; i++) {
		const struct tunctl_allowedip *dst = &all[i];

		prefix_text(text, sizeof(text), dst);
		if (q->table == NT_QUICK_TABLE_ID) {
			say("ip %s route add %s dev %s table %s", ipv(dst->family),
			    text, q->name, q->table_text);
			err = nt_rtnl_route_add(u->ifindex, dst, q->table_id);
			if (err) {
				error_at(q, allowed_line(q, dst) ?: q->table_line,
					 "cannot add the route to %s in table %s: %s",
					 text, q->table_text, why(err));
				ok = false;
			}
			continue;
		}
		if (!dst->cidr) {
			ok = add_default(q, u, dst, &fwmark);
			continue;
		}
		err = nt_rtnl_route_covers(u->ifindex, dst, &covered);
		if (err) {
			nt_error("cannot read the routes: %s", why(err));
			ok = false;
			continue;
		}
		if (covered)
			continue;
		say("ip %s route add %s dev %s", ipv(dst->family), text, q->name);
		err = nt_rtnl_route_add(u->ifindex, dst, RT_TABLE_MAIN);
		if (err) {
			error_at(q, allowed_line(q, dst),
				 "cannot add the route to %s in table %s: %s",
				 text, table_name(RT_TABLE_MAIN, buf, sizeof(buf)),
				 why(err));
			ok = false;
		}
	}
	free(all);
	return ok;
}

static bool link_is_ours(const char *name, uint32_t *ifindex)
{
	char kind[64];
	int err = nt_rtnl_link_find(name, ifindex, kind, sizeof(kind));

	if (err == -ENODEV) {
		nt_error("'%s' is not a noisetun interface: it does not exist",
			 name);
		return false;
	}
	if (err) {
		nt_error("cannot look up '%s': %s", name, why(err));
		return false;
	}
	if (strcmp(kind, NOISETUN_GENL_NAME)) {
		nt_error("'%s' is not a noisetun interface (its kind is '%s')",
			 name, *kind ? kind : "none");
		return false;
	}
	return true;
}

/* A signal that asks up to stop: what was done is undone, as wg-quick. */
static volatile sig_atomic_t quick_signal;

static void quick_on_signal(int sig)
{
	quick_signal = sig;
}

static void catch_signals(void)
{
	struct sigaction sa = { .sa_handler = quick_on_signal };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static bool interrupted(void)
{
	static bool said;

	if (!quick_signal)
		return false;
	if (!said)
		nt_error("interrupted by signal %d", (int)quick_signal);
	said = true;
	return true;
}

static int cmd_up(struct nt_quick_config *q)
{
	struct tunctl_device *running = NULL;
	char resolvconf[PATH_MAX], text[INET6_ADDRSTRLEN + 8];
	struct undo u = { 0 };
	uint32_t ifindex, mtu;
	size_t i;
	int err;

	err = nt_rtnl_link_find(q->name, &ifindex, NULL, 0);
	if (!err) {
		nt_error("'%s' already exists", q->name);
		return 1;
	}
	if (err != -ENODEV) {
		nt_error("cannot look up '%s': %s", q->name, why(err));
		return 1;
	}
	if (q->dns_len &&
	    !find_in_path("resolvconf", resolvconf, sizeof(resolvconf))) {
		error_at(q, q->dns[0].line, "%s", resolvconf_missing);
		return 1;
	}
	catch_signals();
	if (!run_hooks(q, NT_QUICK_PRE_UP) || interrupted() ||
	    !add_link(q, &u) || interrupted())
		goto fail;
	say("tunctl setconf %s <(tunctl strip %s)", q->name, q->path);
	if (nt_ipc_set_device(q->dev) || interrupted())
		goto fail;
	for (i = 0; i < q->addrs_len; i++) {
		const struct nt_quick_address *a = &q->addrs[i];

		prefix_text(text, sizeof(text), &a->ip);
		say("ip %s address add %s dev %s", ipv(a->ip.family), text,
		    q->name);
		err = nt_rtnl_addr_add(u.ifindex, &a->ip);
		if (err) {
			error_at(q, a->line, "cannot add the address %s: %s",
				 text, why(err));
			goto fail;
		}
	}
	/* The endpoints and allowed IPs as the device has them, as wg-quick. */
	if (interrupted() || nt_ipc_get_device(q->name, &running))
		goto fail;
	mtu = q->mtu ? q->mtu : derive_mtu(running);
	say("ip link set mtu %u up dev %s", mtu, q->name);
	err = nt_rtnl_link_set_mtu_up(u.ifindex, mtu);
	if (err) {
		error_at(q, q->mtu_line, "cannot set the MTU %u and bring '%s' up: %s",
			 mtu, q->name, why(err));
		goto fail;
	}
	if (q->dns_len && !interrupted()) {
		u.dns = true;
		if (!set_dns(q, resolvconf))
			goto fail;
	}
	if (interrupted() || !add_routes(q, &u, running) || interrupted() ||
	    !run_hooks(q, NT_QUICK_POST_UP) || interrupted())
		goto fail;
	nt_model_device_free(running);
	return 0;
fail:
	nt_model_device_free(running);
	undo(q, &u);
	return 1;
}

/* ---- save ---- */

void nt_quick_print_save(FILE *out, const struct nt_quick_config *q,
			 const struct tunctl_device *running)
{
	static const char *const names[NT_QUICK_STAGES] = {
		"PreUp", "PostUp", "PreDown", "PostDown",
	};
	char text[INET6_ADDRSTRLEN + 8], *conf = NULL;
	size_t len = 0, i;
	int s;
	FILE *f;

	fputs("[Interface]\n", out);
	for (i = 0; i < q->addrs_len; i++)
		fprintf(out, "Address = %s\n",
			prefix_text(text, sizeof(text), &q->addrs[i].ip));
	for (i = 0; i < q->dns_len; i++)
		fprintf(out, "DNS = %s\n", q->dns[i].text);
	if (q->mtu)
		fprintf(out, "MTU = %u\n", q->mtu);
	if (q->table_text)
		fprintf(out, "Table = %s\n", q->table_text);
	if (q->save_config)
		fputs("SaveConfig = true\n", out);
	for (s = 0; s < NT_QUICK_STAGES; s++) {
		for (i = 0; i < q->hooks_len[s]; i++)
			fprintf(out, "%s = %s\n", names[s], q->hooks[s][i].text);
	}
	/* Then showconf's text after its "[Interface]" line, one final newline. */
	f = open_memstream(&conf, &len);
	if (!f)
		return;
	nt_showconf_print(f, running);
	fclose(f);
	i = strlen("[Interface]\n");
	while (len > i && conf[len - 1] == '\n')
		len--;
	if (len > i)
		fwrite(conf + i, 1, len - i, out);
	fputc('\n', out);
	sodium_memzero(conf, len);
	free(conf);
}

static bool save(const struct nt_quick_config *q)
{
	struct tunctl_device *running;
	char tmp[PATH_MAX + 8];
	bool ok = false;
	FILE *f;
	int fd;

	if (nt_ipc_get_device(q->name, &running))
		return false;
	say("tunctl showconf %s > %s", q->name, q->path);
	snprintf(tmp, sizeof(tmp), "%s.tmp", q->path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f) {
		nt_error("cannot write '%s': %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	nt_quick_print_save(f, q, running);
	if (fflush(f) || fsync(fd) || ferror(f)) {
		nt_error("cannot write '%s': %s", tmp, strerror(errno));
		fclose(f);
		unlink(tmp);
		goto out;
	}
	fclose(f);
	if (rename(tmp, q->path)) {
		nt_error("cannot replace '%s': %s", q->path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	ok = true;
out:
	nt_model_device_free(running);
	return ok;
}

/* ---- down ---- */

/* Delete @rule, said unless it is not there (-ENOENT); a failure is said. */
static int delete_rule(const struct nt_rtnl_rule *rule)
{
	int err = nt_rtnl_rule_del(rule);

	if (err == -ENOENT)
		return err;
	say_rule("delete", rule);
	if (err)
		nt_error("cannot delete the rule: %s", why(err));
	return err;
}

static int cmd_down(struct nt_quick_config *q)
{
	struct tunctl_device *running = NULL;
	uint32_t ifindex;
	bool ok = true;
	int family, err;

	if (!link_is_ours(q->name, &ifindex))
		return 1;
	ok &= run_hooks(q, NT_QUICK_PRE_DOWN);
	if (q->save_config)
		ok &= save(q);
	/* The rules up added for a default route: those of the device's fwmark. */
	if (q->table == NT_QUICK_TABLE_AUTO &&
	    !nt_ipc_get_device(q->name, &running) && running->fwmark) {
		for (family = AF_INET; family; family = family == AF_INET ?
						   AF_INET6 : 0) {
			struct nt_rtnl_rule not_marked = {
				.family = (uint8_t)family,
				.table = running->fwmark,
				.fwmark = running->fwmark,
				.suppress_prefixlen = -1,
			};
			struct nt_rtnl_rule main_first = {
				.family = (uint8_t)family,
				.table = RT_TABLE_MAIN,
			};

			/* main_first goes only once not_marked has gone. */
			err = delete_rule(&not_marked);
			if (!err)
				err = delete_rule(&main_first);
			if (err && err != -ENOENT)
				ok = false;
		}
	}
	nt_model_device_free(running);
	say("ip link delete dev %s", q->name);
	err = nt_rtnl_link_del(ifindex);
	if (err) {
		nt_error("cannot delete '%s': %s", q->name, why(err));
		ok = false;
	}
	ok &= unset_dns(q);
	ok &= remove_firewall(q);
	ok &= run_hooks(q, NT_QUICK_POST_DOWN);
	return ok ? 0 : 1;
}

/* ---- the subcommands ---- */

int nt_quick_main(int argc, const char *argv[])
{
	struct nt_quick_config *q;
	uint32_t ifindex;
	int ret = 1;

	if (nt_subcommand_wants_help(argc, argv)) {
		nt_subcommand_print_usage(stdout, argv[0]);
		return 0;
	}
	if (argc != 2) {
		nt_error("expects a configuration file or an interface name");
		nt_subcommand_print_usage(stderr, argv[0]);
		return 1;
	}
	q = load(argv[1]);
	if (!q)
		return 1;
	if (!strcmp(argv[0], "up")) {
		ret = cmd_up(q);
	} else if (!strcmp(argv[0], "down")) {
		ret = cmd_down(q);
	} else if (!strcmp(argv[0], "save")) {
		if (link_is_ours(q->name, &ifindex))
			ret = save(q) ? 0 : 1;
	} else {
		fwrite(q->stripped, 1, q->stripped_len, stdout);
		ret = fflush(stdout) ? 1 : 0;
	}
	nt_quick_free(q);
	return ret;
}
