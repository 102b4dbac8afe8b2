// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness of the configuration file parser (config.c), as
 * setconf/syncconf (replace) and addconf (append) read a file.
 *
 * The input is the file's contents. For each mode, a file that parses
 * must also:
 *   - print with every printer without fault;
 *   - survive the split into SET_DEVICE requests and parse back to the
 *     same change (fuzz.h);
 *   - in replace mode, come back from showconf: the file showconf prints
 *     for the change parses again to the same configuration (what
 *     showconf cannot say, '-' removals, is left out of the comparison).
 * Read as a wg-quick file (quick.c, `tunctl up`), a file that parses must
 * strip to a file setconf reads, and save to one that parses again.
 */
#include "fuzz.h"
#include "config.h"
#include "quick.h"

/* Why peer @q, read back from showconf's text of @p, is not @p, or NULL. */
static const char *peer_config_differs(const struct tunctl_peer *p,
				       const struct tunctl_peer *q)
{
	if ((p->flags & TUNCTL_PEER_HAS_PRESHARED_KEY) !=
	    (q->flags & TUNCTL_PEER_HAS_PRESHARED_KEY) ||
	    memcmp(p->preshared_key, q->preshared_key, NOISETUN_KEY_LEN))
		return "peer preshared key";
	if (!fuzz_same_endpoint(p, q))
		return "peer endpoint";
	if (p->keepalive_seconds != q->keepalive_seconds)
		return "peer keepalive";
	return fuzz_allowedips_differ(p, q, false);
}

/* The configuration @b, read back from showconf's text of @a, is @a's. */
static const char *same_config(const struct tunctl_device *a,
			       const struct tunctl_device *b)
{
	if (memcmp(a->private_key, b->private_key, NOISETUN_KEY_LEN))
		return "private key";
	if (a->listen_port != b->listen_port)
		return "listen port";
	if (a->fwmark != b->fwmark)
		return "fwmark";
	return fuzz_peers_differ(a, b, peer_config_differs);
}

static bool has_removals(const struct tunctl_device *dev)
{
	size_t i, j;

	for (i = 0; i < dev->peers_len; i++)
		for (j = 0; j < dev->peers[i].allowedips_len; j++)
			if (dev->peers[i].allowedips[j].remove)
				return true;
	return false;
}

static void showconf_roundtrip(const struct tunctl_device *dev)
{
	struct tunctl_device *again;
	const char *why;
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	if (has_removals(dev))
		return;
	out = open_memstream(&text, &len);
	if (!out)
		abort();
	nt_showconf_print(out, dev);
	if (fclose(out))
		abort();
	again = nt_config_parse("showconf", text, len, false);
	if (!again)
		fuzz_fail("showconf's output does not parse:\n%s", text);
	why = same_config(dev, again);
	if (why)
		fuzz_fail("showconf's output parses to another configuration (%s):\n%s",
			  why, text);
	nt_model_device_free(again);
	free(text);
}

static void quick_roundtrip(const char *text, size_t size)
{
	struct nt_quick_config *q = nt_quick_parse("fuzz.conf", text, size);
	struct tunctl_device *stripped;
	struct nt_quick_config *again;
	char *saved = NULL;
	size_t len = 0;
	FILE *out;

	if (!q)
		return;
	stripped = nt_config_parse("strip", q->stripped, q->stripped_len,
				   false);
	if (!stripped)
		fuzz_fail("strip's output does not parse:\n%.*s",
			  (int)q->stripped_len, q->stripped);
	nt_model_device_free(stripped);
	if (!has_removals(q->dev)) {
		out = open_memstream(&saved, &len);
		if (!out)
			abort();
		nt_quick_print_save(out, q, q->dev);
		if (fclose(out))
			abort();
		again = nt_quick_parse("save", saved, len);
		if (!again)
			fuzz_fail("save's output does not parse:\n%s", saved);
		nt_quick_free(again);
		free(saved);
	}
	nt_quick_free(q);
}

static void fuzz_setup_harness(void)
{
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tunctl_device *dev;
	int append;

	for (append = 0; append <= 1; append++) {
		dev = nt_config_parse("fuzz.conf", (const char *)data, size,
				      append);
		if (!dev)
			continue;
		fuzz_print_all(dev);
		fuzz_set_roundtrips(dev);
		if (!append)
			showconf_roundtrip(dev);
		nt_model_device_free(dev);
	}
	quick_roundtrip((const char *)data, size);
	return 0;
}
