/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the three libFuzzer harnesses of tunctl share: a quiet error
 * stream, the printers run over a parsed model, and the property that a
 * change survives being split into SET_DEVICE requests and parsed back.
 *
 * A broken property is reported on stderr and abort()s, which libFuzzer
 * records as a crash with the input that caused it.
 */
#ifndef TUNCTL_FUZZ_H
#define TUNCTL_FUZZ_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/genetlink.h>

#include "dump.h"
#include "error.h"
#include "human.h"
#include "json.h"
#include "model.h"
#include "showconf.h"
#include "uapi.h"
#include "value.h"

static FILE *fuzz_null;

/* What a harness prepares once per process, after the common setup. */
static void fuzz_setup_harness(void);

/*
 * libFuzzer calls this once per process: errors and printer output go to
 * /dev/null, names are never resolved (no DNS), then the harness's own.
 */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_null = fopen("/dev/null", "w");
	if (!fuzz_null) {
		perror("/dev/null");
		abort();
	}
	nt_error_stream = fuzz_null;
	nt_error_subcommand = "fuzz";
	nt_value_resolve_names = false;
	fuzz_setup_harness();
	return 0;
}

#define fuzz_fail(...)                                                 \
	do {                                                           \
		fprintf(stderr, "fuzz: property broken: " __VA_ARGS__); \
		fputc('\n', stderr);                                   \
		abort();                                               \
	} while (0)

/* Every printer of tunctl over @dev: human, each field, dump, JSON, showconf. */
static void fuzz_print_all(struct tunctl_device *dev)
{
	static const char *const fields[] = {
		"public-key", "private-key", "listen-port", "fwmark", "peers",
		"preshared-keys", "endpoints", "allowed-ips",
		"latest-handshakes", "persistent-keepalive", "transfer", "dump",
	};
	size_t i;

	nt_human_print(fuzz_null, dev, false);
	nt_human_print(fuzz_null, dev, true);
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		if (!nt_dump_is_field(fields[i]))
			fuzz_fail("'%s' is not a field", fields[i]);
		nt_dump_print_field(fuzz_null, dev, fields[i], false);
		nt_dump_print_field(fuzz_null, dev, fields[i], true);
	}
	nt_json_print(fuzz_null, &dev, 1);
	nt_showconf_print(fuzz_null, dev);
}

/* A preshared key the kernel would keep: present and not all zeros. */
static bool fuzz_has_psk(const struct tunctl_peer *p)
{
	return (p->flags & TUNCTL_PEER_HAS_PRESHARED_KEY) &&
	       !nt_model_key_is_zero(p->preshared_key);
}

static bool fuzz_same_endpoint(const struct tunctl_peer *a,
			       const struct tunctl_peer *b)
{
	if ((a->flags & TUNCTL_PEER_HAS_ENDPOINT) !=
	    (b->flags & TUNCTL_PEER_HAS_ENDPOINT))
		return false;
	if (!(a->flags & TUNCTL_PEER_HAS_ENDPOINT))
		return true;
	if (a->endpoint.sa.sa_family != b->endpoint.sa.sa_family)
		return false;
	if (a->endpoint.sa.sa_family == AF_INET6)
		return !memcmp(&a->endpoint.sin6, &b->endpoint.sin6,
			       sizeof(a->endpoint.sin6));
	return !memcmp(&a->endpoint.sin, &b->endpoint.sin,
		       sizeof(a->endpoint.sin));
}

/*
 * Why the allowed IPs of @q differ from @p's, in order, or NULL if they
 * do not; their '-' (remove) marks count only @with_remove.
 */
static const char *fuzz_allowedips_differ(const struct tunctl_peer *p,
					  const struct tunctl_peer *q,
					  bool with_remove)
{
	size_t i;

	if (p->allowedips_len != q->allowedips_len)
		return "number of allowed IPs";
	for (i = 0; i < p->allowedips_len; i++) {
		const struct tunctl_allowedip *a = &p->allowedips[i];
		const struct tunctl_allowedip *b = &q->allowedips[i];

		if (a->family != b->family || a->cidr != b->cidr ||
		    (with_remove && a->remove != b->remove) ||
		    memcmp(&a->addr, &b->addr, a->family == AF_INET6 ? 16 : 4))
			return "allowed IP";
	}
	return NULL;
}

/* Why peer @q differs from peer @p, or NULL; both have the same key. */
typedef const char *(*fuzz_peer_differ)(const struct tunctl_peer *p,
					const struct tunctl_peer *q);

/*
 * Why the peers of @b differ from @a's: in number, in order of public
 * key, or as @differ says of a pair. NULL if they do not.
 */
static const char *fuzz_peers_differ(const struct tunctl_device *a,
				     const struct tunctl_device *b,
				     fuzz_peer_differ differ)
{
	const char *why;
	size_t i;

	if (a->peers_len != b->peers_len)
		return "number of peers";
	for (i = 0; i < a->peers_len; i++) {
		if (memcmp(a->peers[i].public_key, b->peers[i].public_key,
			   NOISETUN_KEY_LEN))
			return "peer public key";
		why = differ(&a->peers[i], &b->peers[i]);
		if (why)
			return why;
	}
	return NULL;
}

/* Why peer @q says another change than @p to the kernel, or NULL. */
static const char *fuzz_peer_change_differs(const struct tunctl_peer *p,
					    const struct tunctl_peer *q)
{
	const uint32_t mask =
		TUNCTL_PEER_REMOVE | TUNCTL_PEER_REPLACE_ALLOWEDIPS |
		TUNCTL_PEER_UPDATE_ONLY | TUNCTL_PEER_HAS_KEEPALIVE;

	if ((p->flags & mask) != (q->flags & mask))
		return "peer flags";
	if (fuzz_has_psk(p) != fuzz_has_psk(q) ||
	    (fuzz_has_psk(p) &&
	     memcmp(p->preshared_key, q->preshared_key, NOISETUN_KEY_LEN)))
		return "peer preshared key";
	if (!fuzz_same_endpoint(p, q))
		return "peer endpoint";
	if ((p->flags & TUNCTL_PEER_HAS_KEEPALIVE) &&
	    p->keepalive_seconds != q->keepalive_seconds)
		return "peer keepalive";
	return fuzz_allowedips_differ(p, q, true);
}

/*
 * Whether @b, the change @a sent through SET requests and parsed back,
 * says the same to the kernel. Differences that mean nothing there are
 * allowed: an all-zero preshared key reads back as none.
 */
static const char *fuzz_same_change(const struct tunctl_device *a,
				    const struct tunctl_device *b)
{
	const uint32_t dev_mask =
		TUNCTL_DEVICE_HAS_PRIVATE_KEY | TUNCTL_DEVICE_HAS_LISTEN_PORT |
		TUNCTL_DEVICE_HAS_FWMARK | TUNCTL_DEVICE_REPLACE_PEERS;

	if (strcmp(a->name, b->name))
		return "device name";
	if ((a->flags & dev_mask) != (b->flags & dev_mask))
		return "device flags";
	if ((a->flags & TUNCTL_DEVICE_HAS_PRIVATE_KEY) &&
	    memcmp(a->private_key, b->private_key, NOISETUN_KEY_LEN))
		return "private key";
	if ((a->flags & TUNCTL_DEVICE_HAS_LISTEN_PORT) &&
	    a->listen_port != b->listen_port)
		return "listen port";
	if ((a->flags & TUNCTL_DEVICE_HAS_FWMARK) && a->fwmark != b->fwmark)
		return "fwmark";
	return fuzz_peers_differ(a, b, fuzz_peer_change_differs);
}

/*
 * Build every SET_DEVICE request of @dev in @size-byte buffers, as
 * nt_ipc_set_device() would, parse each back (as the kernel reads them)
 * and merge them: the result must be the same change, every message must
 * fit, and the split must end.
 *
 * Two peers in a row with one public key (`peer K remove peer K ...` on
 * a command line) are two nests to the kernel, but the reply parser,
 * made for dumps, takes the second for the continuation of the first:
 * such changes are only built, not compared.
 */
static void fuzz_set_roundtrip(const struct tunctl_device *dev, size_t size)
{
	struct nt_uapi_set_cursor cur = { 0 };
	struct tunctl_device *merged = nt_model_device_new();
	size_t i, messages = 0, limit = 2;
	bool compare = true;
	const char *why;
	void *buf;
	int more;

	for (i = 0; i < dev->peers_len; i++) {
		limit += 1 + dev->peers[i].allowedips_len;
		if (i && !memcmp(dev->peers[i - 1].public_key,
				 dev->peers[i].public_key, NOISETUN_KEY_LEN))
			compare = false;
	}
	buf = malloc(size);
	if (!merged || !buf)
		abort();
	do {
		const struct nlmsghdr *nlh = buf;

		more = nt_uapi_build_set(dev, 0x42, (uint32_t)messages, buf,
					 size, &cur);
		if (more < 0)
			fuzz_fail("nt_uapi_build_set() failed (%d) in %zu-byte buffers",
				  more, size);
		if (nlh->nlmsg_len > size)
			fuzz_fail("a %u-byte message in a %zu-byte buffer",
				  nlh->nlmsg_len, size);
		if (nt_uapi_parse_device(nlh, merged))
			fuzz_fail("SET message %zu does not parse back", messages);
		if (++messages > limit)
			fuzz_fail("the split into %zu-byte messages does not end",
				  size);
	} while (more > 0);
	if (compare && (why = fuzz_same_change(dev, merged)))
		fuzz_fail("%zu-byte SET messages parse back to another change (%s)",
			  size, why);
	free(buf);
	nt_model_device_free(merged);
}

/* The SET round trip at the real buffer size and at a small one. */
static void fuzz_set_roundtrips(const struct tunctl_device *dev)
{
	fuzz_set_roundtrip(dev, NT_UAPI_SET_BUFFER_SIZE);
	fuzz_set_roundtrip(dev, 512);
}

#endif /* TUNCTL_FUZZ_H */
