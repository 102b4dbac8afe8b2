// SPDX-License-Identifier: GPL-2.0
/*
 * Parsers of single setting values, shared by argv and config parsing.
 *
 * Stricter than wg on purpose: numbers are plain decimal (no service
 * names, no signs, no spaces) and must fit their field; an IPv6 endpoint
 * needs its brackets; unknown forms are refused rather than guessed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "description_text.h"
#include "error.h"
#include "key.h"
#include "value.h"

bool nt_value_resolve_names = true;

/* Plain unsigned number in @base (10 or 16), no sign, at most @max. */
static bool parse_unsigned(const char *text, int base, uint64_t max,
			   uint64_t *out)
{
	uint64_t v = 0;
	const char *p;
	int d;

	if (!*text)
		return false;
	for (p = text; *p; p++) {
		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			return false;
		v = v * base + d;
		if (v > max)
			return false;
	}
	*out = v;
	return true;
}

bool nt_value_parse_port(const char *name, const char *text, uint16_t *port)
{
	uint64_t v;

	if (!parse_unsigned(text, 10, 65535, &v)) {
		nt_error("'%s' expects a port 0-65535, got '%s'", name, text);
		return false;
	}
	*port = v;
	return true;
}

bool nt_value_parse_fwmark(const char *name, const char *text, uint32_t *mark)
{
	uint64_t v;
	bool ok;

	if (!strcasecmp(text, "off")) {
		*mark = 0;
		return true;
	}
	if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
		ok = parse_unsigned(text + 2, 16, UINT32_MAX, &v);
	else
		ok = parse_unsigned(text, 10, UINT32_MAX, &v);
	if (!ok) {
		nt_error("'%s' expects a mark 0-4294967295 (decimal or 0x hex) or 'off', got '%s'",
			 name, text);
		return false;
	}
	*mark = v;
	return true;
}

bool nt_value_parse_keepalive(const char *name, const char *text,
			      uint16_t *seconds)
{
	uint64_t v;

	if (!strcasecmp(text, "off")) {
		*seconds = 0;
		return true;
	}
	if (!parse_unsigned(text, 10, 65535, &v)) {
		nt_error("'%s' expects seconds 0-65535 or 'off', got '%s'",
			 name, text);
		return false;
	}
	*seconds = v;
	return true;
}

bool nt_value_parse_bool(const char *name, const char *text, bool *value)
{
	if (!strcasecmp(text, "true")) {
		*value = true;
		return true;
	}
	if (!strcasecmp(text, "false")) {
		*value = false;
		return true;
	}
	nt_error("'%s' expects true or false, got '%s'", name, text);
	return false;
}

bool nt_value_is_description(const char *text, size_t len)
{
	return nt_description_text_ok((const unsigned char *)text, len);
}

bool nt_value_parse_description(const char *name, const char *text,
				struct tunctl_peer *peer)
{
	size_t len = strlen(text);

	if (len > NOISETUN_DESCRIPTION_MAX) {
		nt_error("'%s' expects at most %d bytes of text, got %zu",
			 name, NOISETUN_DESCRIPTION_MAX, len);
		return false;
	}
	if (!nt_value_is_description(text, len)) {
		nt_error("'%s' expects UTF-8 text without control characters",
			 name);
		return false;
	}
	memcpy(peer->description, text, len + 1);
	peer->flags |= TUNCTL_PEER_HAS_DESCRIPTION;
	return true;
}

bool nt_value_parse_key(const char *name, const char *text,
			uint8_t key[NOISETUN_KEY_LEN], bool secret)
{
	enum nt_key_fault fault = nt_key_from_base64(key, text);

	if (fault == NT_KEY_OK)
		return true;
	if (secret)
		nt_error("'%s' expects a base64 key (44 characters ending in '='), got a value not shown here (it is secret): %s",
			 name, nt_key_fault_explain(fault));
	else
		nt_error("'%s' expects a base64 key (44 characters ending in '='), got '%s' (%s)",
			 name, text, nt_key_fault_explain(fault));
	return false;
}

const char *nt_value_read_key(FILE *f, uint8_t key[NOISETUN_KEY_LEN],
			      bool empty_ok)
{
	char text[NT_KEY_B64_LEN + 1];
	const char *why = NULL;
	enum nt_key_fault fault;
	size_t got;
	int c;

	got = fread(text, 1, NT_KEY_B64_LEN, f);
	text[got] = '\0';
	if (ferror(f)) {
		why = strerror(errno);
		goto out;
	}
	if (got == 0 && empty_ok) {
		/* An empty file, such as /dev/null, clears the key. */
		sodium_memzero(key, NOISETUN_KEY_LEN);
		goto out;
	}
	if (got < NT_KEY_B64_LEN) {
		why = "fewer than 44 characters";
		goto out;
	}
	while ((c = getc(f)) != EOF) {
		if (!nt_value_is_space(c)) {
			why = "more characters after the key";
			goto out;
		}
	}
	if (ferror(f)) {
		why = strerror(errno);
		goto out;
	}
	fault = nt_key_from_base64(key, text);
	if (fault != NT_KEY_OK)
		why = nt_key_fault_explain(fault);
out:
	sodium_memzero(text, sizeof(text));
	return why;
}

bool nt_value_read_keyfile(const char *name, const char *path,
			   uint8_t key[NOISETUN_KEY_LEN])
{
	const char *why;
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		nt_error("'%s' expects a readable key file, got '%s' (%s)",
			 name, path, strerror(errno));
		return false;
	}
	why = nt_value_read_key(f, key, true);
	fclose(f);
	if (why) {
		nt_error("'%s' expects a file holding one base64 key, got '%s' (%s)",
			 name, path, why);
		return false;
	}
	return true;
}

static int read_resolution_retries(void)
{
	const char *env = getenv("WG_ENDPOINT_RESOLUTION_RETRIES");
	uint64_t v;

	if (!env)
		return 15;
	if (!strcmp(env, "infinity"))
		return -1;
	if (!parse_unsigned(env, 10, INT_MAX, &v))
		return 15;
	return (int)v;
}

static bool refuse_endpoint(const char *name, const char *text, const char *why)
{
	nt_error("'%s' expects HOST:PORT or [IPv6]:PORT, got '%s' (%s)",
		 name, text, why);
	return false;
}

bool nt_value_parse_endpoint(const char *name, const char *text,
			     union tunctl_endpoint *endpoint)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_DGRAM,
		.ai_protocol = IPPROTO_UDP,
		.ai_flags = AI_NUMERICSERV,
	};
	struct addrinfo *res = NULL;
	char *copy, *host, *port;
	unsigned int delay_us = 1000000;
	int retries, ret;
	uint64_t v;
	bool ok = false;

	if (!*text)
		return refuse_endpoint(name, text, "empty");
	copy = strdup(text);
	if (!copy) {
		nt_error("out of memory");
		return false;
	}
	if (copy[0] == '[') {
		char *close = strchr(copy, ']');

		if (!close) {
			refuse_endpoint(name, text, "no closing ']'");
			goto out;
		}
		*close = '\0';
		host = copy + 1;
		if (close[1] != ':') {
			refuse_endpoint(name, text, "no ':PORT' after ']'");
			goto out;
		}
		port = close + 2;
		if (!strchr(host, ':')) {
			refuse_endpoint(name, text,
					"brackets are for IPv6 addresses");
			goto out;
		}
		hints.ai_family = AF_INET6;
		hints.ai_flags |= AI_NUMERICHOST;
	} else {
		port = strrchr(copy, ':');
		if (!port) {
			refuse_endpoint(name, text, "no ':PORT'");
			goto out;
		}
		*port++ = '\0';
		host = copy;
		if (strchr(host, ':')) {
			refuse_endpoint(name, text, "an IPv6 address needs brackets: [ADDRESS]:PORT");
			goto out;
		}
	}
	if (!*host) {
		refuse_endpoint(name, text, "no host");
		goto out;
	}
	if (!parse_unsigned(port, 10, 65535, &v) || v == 0) {
		refuse_endpoint(name, text, "the port must be 1-65535");
		goto out;
	}

	/*
	 * Like wg, retry resolution failures that may be transient (no
	 * network yet at boot), WG_ENDPOINT_RESOLUTION_RETRIES times.
	 */
	if (!nt_value_resolve_names)
		hints.ai_flags |= AI_NUMERICHOST;
	retries = read_resolution_retries();
	for (;;) {
		ret = getaddrinfo(host, port, &hints, &res);
		if (!ret)
			break;
		if (ret == EAI_NONAME || ret == EAI_FAIL ||
#ifdef EAI_NODATA
		    ret == EAI_NODATA ||
#endif
		    (retries >= 0 && !retries--)) {
			char why[300];

			snprintf(why, sizeof(why), "cannot resolve '%s': %s",
				 host, ret == EAI_SYSTEM ? strerror(errno) :
				 gai_strerror(ret));
			refuse_endpoint(name, text, why);
			goto out;
		}
		usleep(delay_us);
		if (delay_us < 20000000)
			delay_us = delay_us * 6 / 5;
	}
	if (res->ai_family == AF_INET &&
	    res->ai_addrlen == sizeof(struct sockaddr_in)) {
		memset(endpoint, 0, sizeof(*endpoint));
		memcpy(&endpoint->sin, res->ai_addr, sizeof(struct sockaddr_in));
		ok = true;
	} else if (res->ai_family == AF_INET6 &&
		   res->ai_addrlen == sizeof(struct sockaddr_in6)) {
		memset(endpoint, 0, sizeof(*endpoint));
		memcpy(&endpoint->sin6, res->ai_addr,
		       sizeof(struct sockaddr_in6));
		ok = true;
	} else {
		refuse_endpoint(name, text,
				"resolves to neither IPv4 nor IPv6");
	}
	freeaddrinfo(res);
out:
	free(copy);
	return ok;
}

bool nt_value_clear_host_bits(struct tunctl_allowedip *aip)
{
	uint8_t *bytes = aip->family == AF_INET ?
			 (uint8_t *)&aip->addr.ip4 : aip->addr.ip6.s6_addr;
	unsigned int len = aip->family == AF_INET ? 4 : 16, i;
	bool had = false;

	for (i = 0; i < len; i++) {
		unsigned int first_bit = i * 8;
		uint8_t keep;

		if (aip->cidr >= first_bit + 8)
			continue;
		keep = aip->cidr <= first_bit ? 0 :
		       (uint8_t)(0xff << (8 - (aip->cidr - first_bit)));
		if (bytes[i] & ~keep)
			had = true;
		bytes[i] &= keep;
	}
	return had;
}

static bool parse_allowedip_text(const char *name, char *entry,
				 struct tunctl_allowedip *aip,
				 bool *incremental)
{
	const char *shown = entry, *why;
	char *slash, *addr = entry;
	uint64_t cidr;
	unsigned int max;

	memset(aip, 0, sizeof(*aip));
	if (*addr == '+' || *addr == '-') {
		aip->remove = *addr == '-';
		*incremental = true;
		addr++;
	}
	slash = strchr(addr, '/');
	if (slash)
		*slash = '\0';
	if (!*addr) {
		why = "no address";
		goto err;
	}
	if (strchr(addr, ':')) {
		aip->family = AF_INET6;
		max = 128;
		if (inet_pton(AF_INET6, addr, &aip->addr.ip6) != 1) {
			why = "not an IPv6 address";
			goto err;
		}
	} else {
		aip->family = AF_INET;
		max = 32;
		if (inet_pton(AF_INET, addr, &aip->addr.ip4) != 1) {
			why = "not an IPv4 address";
			goto err;
		}
	}
	cidr = max;
	if (slash && !parse_unsigned(slash + 1, 10, max, &cidr)) {
		why = max == 32 ? "the IPv4 prefix length must be 0-32" :
				  "the IPv6 prefix length must be 0-128";
		goto err;
	}
	aip->cidr = cidr;
	if (slash)
		*slash = '/';
	if (nt_value_clear_host_bits(aip)) {
		char buf[INET6_ADDRSTRLEN];

		inet_ntop(aip->family, &aip->addr, buf, sizeof(buf));
		nt_warning("'%s': '%s' has host bits set; it means %s/%u",
			   name, shown, buf, aip->cidr);
	}
	return true;
err:
	if (slash)
		*slash = '/';
	nt_error("'%s' expects [+|-]IP[/CIDR][,...], got '%s' (%s)",
		 name, shown, why);
	return false;
}

bool nt_value_parse_allowedips(const char *name, const char *text,
			       struct tunctl_peer *peer)
{
	bool incremental = false, ok = true;
	struct tunctl_allowedip aip;
	char *copy, *entry, *rest;

	peer->flags |= TUNCTL_PEER_REPLACE_ALLOWEDIPS;
	if (!*text)
		return true;
	copy = strdup(text);
	if (!copy) {
		nt_error("out of memory");
		return false;
	}
	rest = copy;
	while (ok && (entry = strsep(&rest, ","))) {
		if (!*entry) {
			nt_error("'%s' expects [+|-]IP[/CIDR][,...], got '%s' (an empty entry)",
				 name, text);
			ok = false;
		} else if (!parse_allowedip_text(name, entry, &aip, &incremental)) {
			ok = false;
		} else if (nt_model_allowedip_add(peer, &aip)) {
			nt_error("out of memory");
			ok = false;
		}
	}
	free(copy);
	if (incremental)
		peer->flags &= ~TUNCTL_PEER_REPLACE_ALLOWEDIPS;
	return ok;
}

char *nt_value_strip_spaces(const char *text)
{
	char *out = malloc(strlen(text) + 1), *o;

	if (!out)
		return NULL;
	for (o = out; *text; text++) {
		if (!nt_value_is_space((unsigned char)*text))
			*o++ = *text;
	}
	*o = '\0';
	return out;
}

int nt_value_find_name(const void *table, size_t count, size_t size,
		       const char *name, bool ignore_case)
{
	const char *entry = table;
	const char *entry_name;
	size_t i;

	for (i = 0; i < count; i++, entry += size) {
		memcpy(&entry_name, entry, sizeof(entry_name));
		if (!(ignore_case ? strcasecmp(entry_name, name) :
				    strcmp(entry_name, name)))
			return (int)i;
	}
	return -1;
}
