// SPDX-License-Identifier: GPL-2.0
/*
 * tunctl reresolve IFACE [CONFIG_FILE]: a peer whose Endpoint is a DNS
 * name is resolved once, when the file is applied; if the name later
 * points elsewhere (a dynamic address), the device keeps sending to the
 * old address. This subcommand, run every 30 s by tunctl-reresolve@.timer,
 * does what wireguard-tools' reresolve-dns.sh does for wg:
 *
 *   for each [Peer] of the file with an Endpoint, that is also a peer of
 *   the running device, whose latest handshake is older than
 *   NT_RERESOLVE_STALE_SECONDS or never happened: resolve the Endpoint
 *   again and, when the answer differs from the device's endpoint, set
 *   it (with the update-only flag, so a peer removed meanwhile is not
 *   created again).
 *
 * Nothing else is sent: no other peer attribute, no device attribute.
 * Peers with a fresh handshake are left alone: their endpoint is known to
 * work, and may have roamed on purpose. A name that does not resolve is
 * reported with its line and the peer keeps its endpoint; the others are
 * still updated, and the exit status is 1.
 *
 * Unless WG_ENDPOINT_RESOLUTION_RETRIES says otherwise, a temporary
 * resolver failure is not retried here (the timer runs again in 30 s),
 * where `setconf` would retry for about a minute.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "config.h"
#include "error.h"
#include "format.h"
#include "ipc.h"
#include "key.h"
#include "model.h"
#include "quick.h"
#include "reresolve.h"
#include "subcommands.h"
#include "value.h"

/* The Endpoint of a peer of the file, as written. */
struct rr_endpoint {
	char *text;		/* NULL: the peer has none */
	unsigned int line;
};

struct rr_file {
	struct rr_endpoint *endpoints;	/* indexed as the file's peers */
	size_t len;
};

/* wg-quick's keys of [Interface]: reresolve reads wg-quick files too. */
static int skip_quick_key(void *ctx, unsigned int line, const char *section,
			  const char *key, const char *value, const char *raw,
			  size_t raw_len)
{
	static const char *const names[] = {
		"Address", "DNS", "MTU", "Table", "PreUp", "PostUp",
		"PreDown", "PostDown", "SaveConfig",
	};
	(void)ctx;
	(void)line;
	(void)value;
	(void)raw;
	(void)raw_len;
	if (!section || strcmp(section, "[Interface]"))
		return 0;
	return NT_VALUE_FIND_NAME(names, key, true) >= 0;
}

static bool keep_endpoint(void *ctx, unsigned int line, size_t peer,
			  const char *value)
{
	struct rr_file *f = ctx;
	struct rr_endpoint *grown;
	char *copy;

	if (peer >= f->len) {
		grown = realloc(f->endpoints, (peer + 1) * sizeof(*grown));
		if (!grown) {
			nt_error("out of memory");
			return false;
		}
		memset(grown + f->len, 0, (peer + 1 - f->len) * sizeof(*grown));
		f->endpoints = grown;
		f->len = peer + 1;
	}
	copy = strdup(value);
	if (!copy) {
		nt_error("out of memory");
		return false;
	}
	f->endpoints[peer].text = copy;
	f->endpoints[peer].line = line;
	return true;
}

static void free_file(struct rr_file *f)
{
	size_t i;

	for (i = 0; i < f->len; i++)
		free(f->endpoints[i].text);
	free(f->endpoints);
}

static bool same_endpoint(const union tunctl_endpoint *a,
			  const union tunctl_endpoint *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	if (a->sa.sa_family == AF_INET)
		return a->sin.sin_port == b->sin.sin_port &&
		       a->sin.sin_addr.s_addr == b->sin.sin_addr.s_addr;
	if (a->sa.sa_family == AF_INET6)
		return a->sin6.sin6_port == b->sin6.sin6_port &&
		       a->sin6.sin6_scope_id == b->sin6.sin6_scope_id &&
		       !memcmp(&a->sin6.sin6_addr, &b->sin6.sin6_addr,
			       sizeof(a->sin6.sin6_addr));
	return false;
}

static bool is_stale(const struct tunctl_peer *peer, time_t now)
{
	return !peer->last_handshake_sec ||
	       now - peer->last_handshake_sec > NT_RERESOLVE_STALE_SECONDS;
}

int nt_reresolve_main(int argc, const char *argv[])
{
	struct rr_file file = { 0 };
	struct nt_config_extra extra = {
		.key = skip_quick_key,
		.endpoint = keep_endpoint,
		.ctx = &file,
	};
	struct tunctl_device *wanted = NULL, *running = NULL, *change = NULL;
	char path[PATH_MAX], where[PATH_MAX + 16];
	char b64[NT_KEY_B64_LEN + 1], was[INET6_ADDRSTRLEN + 16];
	char now_text[INET6_ADDRSTRLEN + 16];
	const char *name;
	char *text = NULL, *report = NULL;
	size_t len = 0, report_len = 0, i;
	bool failed = false;
	FILE *said = NULL;
	time_t now;
	int ret;

	ret = nt_subcommand_check_args(argc, argv, argv[0],
				       argc == 2 || argc == 3,
				       "expects an interface name and, optionally, a configuration file");
	if (ret >= 0)
		return ret;
	name = argv[1];
	if (!nt_ipc_check_name(name))
		return 1;
	if (argc == 3)
		snprintf(path, sizeof(path), "%s", argv[2]);
	else
		snprintf(path, sizeof(path), "%s/%s.conf", NT_QUICK_CONFIG_DIR,
			 name);
	/* One try per run: the timer is the retry. */
	setenv("WG_ENDPOINT_RESOLUTION_RETRIES", "0", 0);

	text = nt_config_read_file(path, &len);
	if (!text)
		return 1;
	wanted = nt_config_parse_extra(path, text, len, true, &extra);
	sodium_memzero(text, len);
	free(text);
	if (!wanted)
		goto out;
	if (nt_ipc_get_device(name, &running))
		goto out;
	change = nt_model_device_new();
	if (!change) {
		nt_error("out of memory");
		goto out;
	}
	snprintf(change->name, sizeof(change->name), "%s", name);
	/* What changed is printed once the kernel took it. */
	said = open_memstream(&report, &report_len);
	if (!said) {
		nt_error("out of memory");
		goto out;
	}

	now = time(NULL);
	for (i = 0; i < wanted->peers_len && i < file.len; i++) {
		const struct rr_endpoint *e = &file.endpoints[i];
		const struct tunctl_peer *peer;
		struct tunctl_peer *set;
		union tunctl_endpoint ep;
		bool ok;

		if (!e->text)
			continue;
		peer = nt_model_peer_find(running, wanted->peers[i].public_key);
		if (!peer || !is_stale(peer, now))
			continue;
		nt_key_to_base64(b64, peer->public_key);
		if (peer->flags & TUNCTL_PEER_HAS_ENDPOINT)
			nt_format_endpoint(was, sizeof(was), &peer->endpoint);
		else
			snprintf(was, sizeof(was), "(none)");
		snprintf(where, sizeof(where), "%s:%u", path, e->line);
		nt_error_where = where;
		ok = nt_value_parse_endpoint("Endpoint", e->text, &ep);
		if (!ok)
			nt_error("peer %s keeps its endpoint %s", b64, was);
		nt_error_where = NULL;
		if (!ok) {
			failed = true;
			continue;
		}
		if ((peer->flags & TUNCTL_PEER_HAS_ENDPOINT) &&
		    same_endpoint(&ep, &peer->endpoint))
			continue;
		set = nt_model_peer_add(change, peer->public_key);
		if (!set) {
			nt_error("out of memory");
			goto out;
		}
		set->flags = TUNCTL_PEER_UPDATE_ONLY | TUNCTL_PEER_HAS_ENDPOINT;
		set->endpoint = ep;
		fprintf(said, "peer %s: endpoint %s -> %s (%s)\n", b64, was,
			nt_format_endpoint(now_text, sizeof(now_text), &ep),
			e->text);
	}
	if (change->peers_len && nt_ipc_set_device(change))
		goto out;
	if (fclose(said)) {
		said = NULL;
		nt_error("out of memory");
		goto out;
	}
	said = NULL;
	fwrite(report, 1, report_len, stdout);
	ret = (fflush(stdout) || failed) ? 1 : 0;
	goto done;
out:
	ret = 1;
done:
	if (said)
		fclose(said);
	free(report);
	nt_model_device_free(change);
	nt_model_device_free(running);
	nt_model_device_free(wanted);
	free_file(&file);
	return ret;
}
