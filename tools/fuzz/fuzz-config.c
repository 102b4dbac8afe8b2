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
 */
#include "fuzz.h"
#include "config.h"

/* The configuration @b, read back from showconf's text of @a, is @a's. */
static const char *same_config(const struct tunctl_device *a,
			       const struct tunctl_device *b)
{
	size_t i, j;

	if (memcmp(a->private_key, b->private_key, NOISETUN_KEY_LEN))
		return "private key";
	if (a->listen_port != b->listen_port)
		return "listen port";
	if (a->fwmark != b->fwmark)
		return "fwmark";
	if (a->peers_len != b->peers_len)
		return "number of peers";
	for (i = 0; i < a->peers_len; i++) {
		const struct tunctl_peer *p = &a->peers[i], *q = &b->peers[i];

		if (memcmp(p->public_key, q->public_key, NOISETUN_KEY_LEN))
			return "peer public key";
		if ((p->flags & TUNCTL_PEER_HAS_PRESHARED_KEY) !=
		    (q->flags & TUNCTL_PEER_HAS_PRESHARED_KEY) ||
		    memcmp(p->preshared_key, q->preshared_key, NOISETUN_KEY_LEN))
			return "peer preshared key";
		if (!fuzz_same_endpoint(p, q))
			return "peer endpoint";
		if (p->keepalive_seconds != q->keepalive_seconds)
			return "peer keepalive";
		if (p->allowedips_len != q->allowedips_len)
			return "number of allowed IPs";
		for (j = 0; j < p->allowedips_len; j++) {
			if (!fuzz_same_allowedip(&p->allowedips[j],
						 &q->allowedips[j], false))
				return "allowed IP";
		}
	}
	return NULL;
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

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_setup();
	return 0;
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
	return 0;
}
