// SPDX-License-Identifier: GPL-2.0
/*
 * Configuration files (wg's format) into a device change.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "config.h"
#include "error.h"
#include "key.h"
#include "model.h"
#include "value.h"

enum key_id {
	K_PRIVATE_KEY,
	K_LISTEN_PORT,
	K_FWMARK,
	K_UNKNOWN_PEER_EVENTS,
	K_PUBLIC_KEY,
	K_PRESHARED_KEY,
	K_ALLOWED_IPS,
	K_ENDPOINT,
	K_KEEPALIVE,
	K_DISABLED,
	K_DESCRIPTION,
	K_COUNT
};

static const struct {
	const char *name;
	bool of_peer;
} keys[K_COUNT] = {
	[K_PRIVATE_KEY] = { "PrivateKey", false },
	[K_LISTEN_PORT] = { "ListenPort", false },
	[K_FWMARK] = { "FwMark", false },
	[K_UNKNOWN_PEER_EVENTS] = { "UnknownPeerEvents", false },
	[K_PUBLIC_KEY] = { "PublicKey", true },
	[K_PRESHARED_KEY] = { "PresharedKey", true },
	[K_ALLOWED_IPS] = { "AllowedIPs", true },
	[K_ENDPOINT] = { "Endpoint", true },
	[K_KEEPALIVE] = { "PersistentKeepalive", true },
	[K_DISABLED] = { "Disabled", true },
	[K_DESCRIPTION] = { "Description", true },
};

enum section { S_NONE, S_INTERFACE, S_PEER };

struct parser {
	struct tunctl_device *dev;
	enum section section;
	unsigned int line;
	unsigned int interface_line;
	unsigned int key_line[K_COUNT];	/* where each key was seen, 0 = not */
	unsigned int *peer_lines;	/* the [Peer] line of each peer */
	size_t peer_lines_cap;		/* room in peer_lines */
	const struct nt_config_extra *extra;	/* keys of another format */
	const char *raw;		/* the line as written, */
	size_t raw_len;			/* without its newline */
};

static bool start_section(struct parser *p, const char *text)
{
	uint8_t zero[NOISETUN_KEY_LEN] = { 0 };
	unsigned int *lines;

	if (!strcasecmp(text, "[Interface]")) {
		if (p->interface_line) {
			nt_error("'[Interface]' appears twice (first on line %u)",
				 p->interface_line);
			return false;
		}
		if (p->dev->peers_len) {
			nt_error("'[Interface]' must come before the first [Peer] (line %u)",
				 p->peer_lines[0]);
			return false;
		}
		p->interface_line = p->line;
		p->section = S_INTERFACE;
	} else if (!strcasecmp(text, "[Peer]")) {
		if (!nt_model_peer_add(p->dev, zero))
			goto err_nomem;
		if (p->peer_lines_cap < p->dev->peers_cap) {
			lines = realloc(p->peer_lines,
					p->dev->peers_cap * sizeof(*lines));
			if (!lines)
				goto err_nomem;
			p->peer_lines = lines;
			p->peer_lines_cap = p->dev->peers_cap;
		}
		p->peer_lines[p->dev->peers_len - 1] = p->line;
		p->dev->peers[p->dev->peers_len - 1].flags |=
			TUNCTL_PEER_REPLACE_ALLOWEDIPS;
		p->section = S_PEER;
	} else {
		nt_error("unknown section '%s'; expected [Interface] or [Peer]",
			 text);
		return false;
	}
	memset(p->key_line, 0, sizeof(p->key_line));
	return true;
err_nomem:
	nt_error("out of memory");
	return false;
}

/*
 * Description is free text: its value is taken from the line as written
 * (p->raw), not from the copy without spaces, up to a '#' (a comment) and
 * without the spaces around it.
 */
static bool assign_description(struct parser *p, struct tunctl_peer *peer)
{
	const char *start = memchr(p->raw, '=', p->raw_len), *end;
	char text[4 * NOISETUN_DESCRIPTION_MAX + 1];
	size_t len;

	end = p->raw + p->raw_len;
	if (!start) {
		nt_error("'Description' expects text");
		return false;
	}
	start++;
	end = memchr(start, '#', (size_t)(end - start)) ?: end;
	while (start < end && nt_value_is_space(*start))
		start++;
	while (end > start && nt_value_is_space(end[-1]))
		end--;
	len = (size_t)(end - start);
	if (len >= sizeof(text)) {
		nt_error("'Description' expects at most %d bytes of text, got %zu",
			 NOISETUN_DESCRIPTION_MAX, len);
		return false;
	}
	memcpy(text, start, len);
	text[len] = '\0';
	return nt_value_parse_description("Description", text, peer);
}

/*
 * UnknownPeerEvents takes the words of `set IFACE unknown-peer-events`,
 * on or off, and true or false as the file's other switch (Disabled).
 */
static bool parse_on_off(const char *name, const char *text, bool *value)
{
	if (!strcasecmp(text, "on") || !strcasecmp(text, "true")) {
		*value = true;
		return true;
	}
	if (!strcasecmp(text, "off") || !strcasecmp(text, "false")) {
		*value = false;
		return true;
	}
	nt_error("'%s' expects on or off (or true or false), got '%s'", name,
		 text);
	return false;
}

static bool assign(struct parser *p, enum key_id k, const char *value)
{
	struct tunctl_device *dev = p->dev;
	struct tunctl_peer *peer =
		dev->peers_len ? &dev->peers[dev->peers_len - 1] : NULL;
	const char *name = keys[k].name;

	switch (k) {
	case K_PRIVATE_KEY:
		dev->flags |= TUNCTL_DEVICE_HAS_PRIVATE_KEY;
		return nt_value_parse_key(name, value, dev->private_key, true);
	case K_LISTEN_PORT:
		dev->flags |= TUNCTL_DEVICE_HAS_LISTEN_PORT;
		return nt_value_parse_port(name, value, &dev->listen_port);
	case K_FWMARK:
		dev->flags |= TUNCTL_DEVICE_HAS_FWMARK;
		return nt_value_parse_fwmark(name, value, &dev->fwmark);
	case K_UNKNOWN_PEER_EVENTS:
		dev->flags |= TUNCTL_DEVICE_HAS_UNKNOWN_PEER_EVENTS;
		return parse_on_off(name, value, &dev->unknown_peer_events);
	case K_PUBLIC_KEY:
		peer->flags |= TUNCTL_PEER_HAS_PUBLIC_KEY;
		return nt_value_parse_key(name, value, peer->public_key, false);
	case K_PRESHARED_KEY:
		peer->flags |= TUNCTL_PEER_HAS_PRESHARED_KEY;
		return nt_value_parse_key(name, value, peer->preshared_key,
					  true);
	case K_ALLOWED_IPS:
		if (!*value) {
			nt_error("'%s' expects [+|-]IP[/CIDR][,...], got ''",
				 name);
			return false;
		}
		return nt_value_parse_allowedips(name, value, peer);
	case K_ENDPOINT:
		if (p->extra && p->extra->endpoint)
			return p->extra->endpoint(p->extra->ctx, p->line,
						  dev->peers_len - 1, value);
		peer->flags |= TUNCTL_PEER_HAS_ENDPOINT;
		return nt_value_parse_endpoint(name, value, &peer->endpoint);
	case K_KEEPALIVE:
		peer->flags |= TUNCTL_PEER_HAS_KEEPALIVE;
		return nt_value_parse_keepalive(name, value,
						&peer->keepalive_seconds);
	case K_DISABLED:
		peer->flags |= TUNCTL_PEER_HAS_DISABLED;
		return nt_value_parse_bool(name, value, &peer->disabled);
	case K_DESCRIPTION:
		return assign_description(p, peer);
	case K_COUNT:
		break;
	}
	return false;
}

/* One line with its comment cut and its whitespace removed. */
static bool process(struct parser *p, char *text)
{
	char *eq;
	int k;

	if (text[0] == '[')
		return start_section(p, text);
	eq = strchr(text, '=');
	if (!eq) {
		nt_error("expected 'Key = Value' or a [Section], got '%s'", text);
		return false;
	}
	*eq = '\0';
	k = NT_VALUE_FIND_NAME(keys, text, true);
	if (k < 0 && p->extra) {
		static const char *const names[] = {
			[S_NONE] = NULL,
			[S_INTERFACE] = "[Interface]",
			[S_PEER] = "[Peer]",
		};
		int taken = p->extra->key(p->extra->ctx, p->line,
					  names[p->section], text, eq + 1,
					  p->raw, p->raw_len);

		if (taken)
			return taken > 0;
	}
	if (k < 0) {
		nt_error("unknown key '%s'; expected %s", text,
			 p->section == S_PEER ?
			 "PublicKey, PresharedKey, AllowedIPs, Endpoint, PersistentKeepalive, Disabled or Description" :
			 "PrivateKey, ListenPort, FwMark or UnknownPeerEvents in [Interface], or PublicKey, PresharedKey, AllowedIPs, Endpoint, PersistentKeepalive, Disabled or Description in [Peer]");
		return false;
	}
	if (p->section == S_NONE) {
		nt_error("'%s' must be inside %s section", keys[k].name,
			 keys[k].of_peer ? "a [Peer]" : "an [Interface]");
		return false;
	}
	if (keys[k].of_peer != (p->section == S_PEER)) {
		nt_error("'%s' belongs in %s, not in %s", keys[k].name,
			 keys[k].of_peer ? "[Peer]" : "[Interface]",
			 keys[k].of_peer ? "[Interface]" : "[Peer]");
		return false;
	}
	if (k != K_ALLOWED_IPS && p->key_line[k]) {
		nt_error("'%s' is given twice in this section (first on line %u)",
			 keys[k].name, p->key_line[k]);
		return false;
	}
	p->key_line[k] = p->line;
	return assign(p, k, eq + 1);
}

static int compare_peers(const void *a, const void *b, void *devp)
{
	const struct tunctl_device *dev = devp;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int r = memcmp(dev->peers[i].public_key, dev->peers[j].public_key,
		       NOISETUN_KEY_LEN);

	if (r)
		return r;
	return i < j ? -1 : i > j;
}

/* Every [Peer] has a key, and no key is used twice. */
static bool finish(struct parser *p, const char *where)
{
	struct tunctl_device *dev = p->dev;
	char pos[512], b64[NT_KEY_B64_LEN + 1];
	size_t *order, i;
	bool ok = true;

	for (i = 0; i < dev->peers_len; i++) {
		if (!(dev->peers[i].flags & TUNCTL_PEER_HAS_PUBLIC_KEY)) {
			snprintf(pos, sizeof(pos), "%s:%u", where,
				 p->peer_lines[i]);
			nt_error_where = pos;
			nt_error("this [Peer] has no PublicKey");
			nt_error_where = NULL;
			return false;
		}
	}
	if (dev->peers_len < 2)
		return true;
	order = malloc(dev->peers_len * sizeof(*order));
	if (!order) {
		nt_error("out of memory");
		return false;
	}
	for (i = 0; i < dev->peers_len; i++)
		order[i] = i;
	qsort_r(order, dev->peers_len, sizeof(*order), compare_peers, dev);
	for (i = 1; i < dev->peers_len; i++) {
		const struct tunctl_peer *a = &dev->peers[order[i - 1]];
		const struct tunctl_peer *b = &dev->peers[order[i]];

		if (memcmp(a->public_key, b->public_key, NOISETUN_KEY_LEN))
			continue;
		nt_key_to_base64(b64, b->public_key);
		snprintf(pos, sizeof(pos), "%s:%u", where,
			 p->peer_lines[order[i]]);
		nt_error_where = pos;
		nt_error("PublicKey '%s' is already used by the [Peer] on line %u",
			 b64, p->peer_lines[order[i - 1]]);
		nt_error_where = NULL;
		ok = false;
		break;
	}
	free(order);
	return ok;
}

struct tunctl_device *nt_config_parse(const char *where, const char *text,
				      size_t len, bool append)
{
	return nt_config_parse_extra(where, text, len, append, NULL);
}

struct tunctl_device *nt_config_parse_extra(const char *where, const char *text,
					    size_t len, bool append,
					    const struct nt_config_extra *extra)
{
	struct parser p = { .extra = extra };
	size_t start, end, i, n, sections = 0;
	char *line = NULL;
	bool ok = true;

	p.dev = nt_model_device_new();
	if (!p.dev) {
		nt_error("out of memory");
		return NULL;
	}
	if (!append)
		p.dev->flags |= TUNCTL_DEVICE_REPLACE_PEERS |
				TUNCTL_DEVICE_HAS_PRIVATE_KEY |
				TUNCTL_DEVICE_HAS_LISTEN_PORT |
				TUNCTL_DEVICE_HAS_FWMARK |
				TUNCTL_DEVICE_HAS_UNKNOWN_PEER_EVENTS;
	line = malloc(len + 1);
	if (!line) {
		nt_error("out of memory");
		goto err;
	}
	/*
	 * Room for the peers at once, rather than growing the array (and
	 * copying and wiping it) as they come: each [Peer] begins a line
	 * with '[', so the lines that do are as many or more.
	 */
	for (i = 0; i < len; i++)
		sections += text[i] == '[' && (!i || text[i - 1] == '\n');
	if (nt_model_peers_reserve(p.dev, sections)) {
		nt_error("out of memory");
		goto err;
	}
	nt_error_file = where;
	for (start = 0; ok && start < len; start = end + 1) {
		end = start;
		if (start < len) {
			const char *nl = memchr(text + start, '\n', len - start);

			end = nl ? (size_t)(nl - text) : len;
		}
		nt_error_line = ++p.line;
		p.raw = text + start;
		p.raw_len = end - start;
		n = 0;
		for (i = start; i < end && text[i] != '#'; i++) {
			char c = text[i];

			if (c == '\0') {
				nt_error("a NUL byte is not allowed");
				ok = false;
				break;
			}
			if (!nt_value_is_space(c))
				line[n++] = c;
		}
		line[n] = '\0';
		if (ok && n)
			ok = process(&p, line);
	}
	nt_error_file = NULL;
	if (line) {
		sodium_memzero(line, len + 1);
		free(line);
	}
	if (!ok || !finish(&p, where))
		goto err;
	free(p.peer_lines);
	return p.dev;
err:
	nt_error_file = NULL;
	free(p.peer_lines);
	nt_model_device_free(p.dev);
	return NULL;
}

char *nt_config_read_file(const char *path, size_t *lenp)
{
	char *text = NULL;
	size_t len = 0, cap = 0, got;
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		nt_error("cannot open configuration file '%s': %s", path,
			 strerror(errno));
		return NULL;
	}
	for (;;) {
		if (len == cap) {
			char *grown;

			cap = cap ? cap * 2 : 4096;
			grown = malloc(cap + 1);
			if (!grown) {
				nt_error("out of memory");
				goto err;
			}
			if (text) {
				memcpy(grown, text, len);
				sodium_memzero(text, len);
				free(text);
			}
			text = grown;
		}
		got = fread(text + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		nt_error("cannot read configuration file '%s': %s", path,
			 strerror(errno));
		goto err;
	}
	fclose(f);
	text[len] = '\0';
	*lenp = len;
	return text;
err:
	if (text) {
		sodium_memzero(text, len);
		free(text);
	}
	fclose(f);
	return NULL;
}

struct tunctl_device *nt_config_parse_file(const char *path, bool append)
{
	struct tunctl_device *dev;
	size_t len;
	char *text = nt_config_read_file(path, &len);

	if (!text)
		return NULL;
	dev = nt_config_parse(path, text, len, append);
	sodium_memzero(text, len);
	free(text);
	return dev;
}
