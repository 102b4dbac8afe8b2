// SPDX-License-Identifier: GPL-2.0
/*
 * `tunctl set` words into a device change.
 */
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "error.h"
#include "model.h"
#include "setargs.h"
#include "value.h"

enum word {
	W_LISTEN_PORT,
	W_FWMARK,
	W_PRIVATE_KEY,
	W_PEER,
	W_REMOVE,
	W_PRESHARED_KEY,
	W_ENDPOINT,
	W_KEEPALIVE,
	W_ALLOWED_IPS,
	W_DISABLE,
	W_ENABLE,
	W_DESCRIPTION,
	W_UNKNOWN_PEER_EVENTS,
	W_COUNT
};

static const struct {
	const char *word;
	bool of_peer;		/* needs a `peer PUBKEY` before it */
	const char *expects;	/* NULL: takes no value */
	uint32_t flag;		/* the device's or peer's flag the word sets */
} words[W_COUNT] = {
	[W_LISTEN_PORT] = { "listen-port", false, "a port 0-65535", TUNCTL_DEVICE_HAS_LISTEN_PORT },
	[W_FWMARK] = { "fwmark", false, "a mark 0-4294967295 (decimal or 0x hex) or 'off'", TUNCTL_DEVICE_HAS_FWMARK },
	[W_PRIVATE_KEY] = { "private-key", false, "a key file", TUNCTL_DEVICE_HAS_PRIVATE_KEY },
	[W_PEER] = { "peer", false, "a base64 public key", 0 },
	[W_REMOVE] = { "remove", true, NULL, TUNCTL_PEER_REMOVE },
	[W_PRESHARED_KEY] = { "preshared-key", true, "a key file", TUNCTL_PEER_HAS_PRESHARED_KEY },
	[W_ENDPOINT] = { "endpoint", true, "HOST:PORT or [IPv6]:PORT", TUNCTL_PEER_HAS_ENDPOINT },
	[W_KEEPALIVE] = { "persistent-keepalive", true, "seconds 0-65535 or 'off'", TUNCTL_PEER_HAS_KEEPALIVE },
	[W_ALLOWED_IPS] = { "allowed-ips", true, "[+|-]IP[/CIDR][,...]", 0 },
	[W_DISABLE] = { "disable", true, NULL, 0 },
	[W_ENABLE] = { "enable", true, NULL, 0 },
	[W_DESCRIPTION] = { "description", true, "text of at most 64 bytes", 0 },
	[W_UNKNOWN_PEER_EVENTS] = { "unknown-peer-events", false, "'on' or 'off'", TUNCTL_DEVICE_HAS_UNKNOWN_PEER_EVENTS },
};

/* Apply word @w with value @value (NULL for `remove`) to the change. */
static bool apply(struct tunctl_device *dev, struct tunctl_peer *peer,
		  enum word w, const char *value)
{
	const char *name = words[w].word;
	char *stripped;
	bool ok;

	if (words[w].flag)
		*(words[w].of_peer ? &peer->flags : &dev->flags) |=
			words[w].flag;
	switch (w) {
	case W_LISTEN_PORT:
		return nt_value_parse_port(name, value, &dev->listen_port);
	case W_FWMARK:
		return nt_value_parse_fwmark(name, value, &dev->fwmark);
	case W_UNKNOWN_PEER_EVENTS:
		if (strcmp(value, "on") && strcmp(value, "off")) {
			nt_error("'%s' expects 'on' or 'off', got '%s'", name,
				 value);
			return false;
		}
		dev->unknown_peer_events = !strcmp(value, "on");
		return true;
	case W_PRIVATE_KEY:
		return nt_value_read_keyfile(name, value, dev->private_key);
	case W_REMOVE:
		return true;
	case W_PRESHARED_KEY:
		return nt_value_read_keyfile(name, value, peer->preshared_key);
	case W_ENDPOINT:
		return nt_value_parse_endpoint(name, value, &peer->endpoint);
	case W_KEEPALIVE:
		return nt_value_parse_keepalive(name, value,
						&peer->keepalive_seconds);
	case W_ALLOWED_IPS:
		/* wg drops the spaces of "10.0.0.1/32, 10.0.0.2/32" too. */
		stripped = nt_value_strip_spaces(value);
		if (!stripped) {
			nt_error("out of memory");
			return false;
		}
		ok = nt_value_parse_allowedips(name, stripped, peer);
		free(stripped);
		return ok;
	case W_DISABLE:
	case W_ENABLE:
		if (peer->flags & TUNCTL_PEER_HAS_DISABLED) {
			nt_error("'enable' and 'disable' are given together for the same peer");
			return false;
		}
		peer->flags |= TUNCTL_PEER_HAS_DISABLED;
		peer->disabled = w == W_DISABLE;
		return true;
	case W_DESCRIPTION:
		return nt_value_parse_description(name, value, peer);
	case W_PEER:
	case W_COUNT:
		break;
	}
	return false;
}

struct tunctl_device *nt_setargs_parse(int argc, const char *const argv[])
{
	struct tunctl_device *dev = nt_model_device_new();
	struct tunctl_peer *peer = NULL;
	unsigned int seen = 0;	/* words given for the device or current peer */
	uint8_t key[NOISETUN_KEY_LEN];
	int i, w;

	if (!dev) {
		nt_error("out of memory");
		return NULL;
	}
	for (i = 0; i < argc; i++) {
		const char *value = NULL;

		w = NT_VALUE_FIND_NAME(words, argv[i], false);
		if (w < 0) {
			nt_error("unknown word '%s'; expected %s", argv[i],
				 peer ? "remove, preshared-key, endpoint, persistent-keepalive, allowed-ips, disable, enable, description or peer" :
					"listen-port, fwmark, private-key, unknown-peer-events or peer");
			goto err;
		}
		if (words[w].expects) {
			if (i + 1 >= argc) {
				nt_error("'%s' expects %s, got nothing",
					 argv[i], words[w].expects);
				goto err;
			}
			value = argv[++i];
		}
		if (w == W_PEER) {
			if (!nt_value_parse_key(argv[i - 1], value, key, false))
				goto err;
			peer = nt_model_peer_add(dev, key);
			if (!peer) {
				nt_error("out of memory");
				goto err;
			}
			peer->flags |= TUNCTL_PEER_HAS_PUBLIC_KEY;
			seen = 0;
			continue;
		}
		if (!words[w].of_peer && peer) {
			nt_error("'%s' is a device setting; put it before the first 'peer'",
				 words[w].word);
			goto err;
		}
		if (words[w].of_peer && !peer) {
			nt_error("'%s' is a peer setting; put 'peer PUBKEY' before it",
				 words[w].word);
			goto err;
		}
		if (seen & (1U << w)) {
			nt_error("'%s' is given twice for the same %s",
				 words[w].word, peer ? "peer" : "device");
			goto err;
		}
		seen |= 1U << w;
		if (!apply(dev, peer, w, value))
			goto err;
	}
	return dev;
err:
	sodium_memzero(key, sizeof(key));
	nt_model_device_free(dev);
	return NULL;
}
