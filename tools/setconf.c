// SPDX-License-Identifier: GPL-2.0
/*
 * tunctl setconf | addconf | syncconf IFACE FILE
 *
 * setconf replaces the configuration with the file's: what the file
 * leaves out is reset (UnknownPeerEvents too: off) and only its peers
 * remain. addconf adds the file's
 * peers and settings to what is there. syncconf ends like setconf but
 * touches only what differs: peers missing from the file are removed one
 * by one instead of replacing the whole set, so the peers the file keeps
 * keep their sessions; settings equal to the current ones are not sent.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "error.h"
#include "ipc.h"
#include "model.h"
#include "setconf.h"
#include "subcommands.h"

static int by_key(const void *a, const void *b)
{
	return memcmp(*(const uint8_t *const *)a, *(const uint8_t *const *)b,
		      NOISETUN_KEY_LEN);
}

/* Turn the file's change into the smallest change that reaches it. */
static bool sync_with_current(struct tunctl_device *file)
{
	const uint8_t **keys = NULL;
	bool *gone = NULL;
	struct tunctl_device *cur;
	size_t i, file_peers = file->peers_len;
	bool ok = false;

	if (nt_ipc_get_device(file->name, &cur))
		return false;
	if ((file->flags & TUNCTL_DEVICE_HAS_PRIVATE_KEY) &&
	    ((cur->flags & TUNCTL_DEVICE_HAS_PRIVATE_KEY) ?
	     !memcmp(cur->private_key, file->private_key, NOISETUN_KEY_LEN) :
	     nt_model_key_is_zero(file->private_key)))
		file->flags &= ~TUNCTL_DEVICE_HAS_PRIVATE_KEY;
	if (file->listen_port == cur->listen_port)
		file->flags &= ~TUNCTL_DEVICE_HAS_LISTEN_PORT;
	if (file->fwmark == cur->fwmark)
		file->flags &= ~TUNCTL_DEVICE_HAS_FWMARK;
	if (file->unknown_peer_events == cur->unknown_peer_events)
		file->flags &= ~TUNCTL_DEVICE_HAS_UNKNOWN_PEER_EVENTS;
	if (!cur->peers_len || !file_peers) {
		/* Replacing all peers removes exactly those not in the file. */
		ok = true;
		goto out;
	}
	file->flags &= ~TUNCTL_DEVICE_REPLACE_PEERS;

	keys = malloc(file_peers * sizeof(*keys));
	if (!keys) {
		nt_error("out of memory");
		goto out;
	}
	for (i = 0; i < file_peers; i++)
		keys[i] = file->peers[i].public_key;
	qsort(keys, file_peers, sizeof(*keys), by_key);

	/*
	 * First adjust the peers the file keeps, then append the removals:
	 * appending may move the array that @keys points into.
	 */
	gone = calloc(cur->peers_len, sizeof(*gone));
	if (!gone) {
		nt_error("out of memory");
		goto out;
	}
	for (i = 0; i < cur->peers_len; i++) {
		const struct tunctl_peer *old = &cur->peers[i];
		const uint8_t *want = old->public_key;
		const uint8_t **hit = bsearch(&want, keys, file_peers,
					      sizeof(*keys), by_key);
		struct tunctl_peer *peer;

		if (!hit) {
			gone[i] = true;
			continue;
		}
		/* public_key is the first member: the key locates its peer. */
		peer = (struct tunctl_peer *)(uintptr_t)*hit;
		/* What the file leaves unsaid is off, as setconf would have it. */
		if ((old->flags & TUNCTL_PEER_HAS_PRESHARED_KEY) &&
		    !(peer->flags & TUNCTL_PEER_HAS_PRESHARED_KEY)) {
			memset(peer->preshared_key, 0, NOISETUN_KEY_LEN);
			peer->flags |= TUNCTL_PEER_HAS_PRESHARED_KEY;
		}
		if (old->keepalive_seconds &&
		    !(peer->flags & TUNCTL_PEER_HAS_KEEPALIVE)) {
			peer->keepalive_seconds = 0;
			peer->flags |= TUNCTL_PEER_HAS_KEEPALIVE;
		}
		if (old->disabled && !(peer->flags & TUNCTL_PEER_HAS_DISABLED)) {
			peer->disabled = false;
			peer->flags |= TUNCTL_PEER_HAS_DISABLED;
		}
		if (old->description[0] &&
		    !(peer->flags & TUNCTL_PEER_HAS_DESCRIPTION)) {
			peer->description[0] = '\0';
			peer->flags |= TUNCTL_PEER_HAS_DESCRIPTION;
		}
	}
	for (i = 0; i < cur->peers_len; i++) {
		struct tunctl_peer *peer;

		if (!gone[i])
			continue;
		peer = nt_model_peer_add(file, cur->peers[i].public_key);
		if (!peer) {
			nt_error("out of memory");
			goto out;
		}
		peer->flags = TUNCTL_PEER_HAS_PUBLIC_KEY | TUNCTL_PEER_REMOVE;
	}
	ok = true;
out:
	free(gone);
	free(keys);
	nt_model_device_free(cur);
	return ok;
}

int nt_setconf_main(int argc, const char *argv[])
{
	bool append = !strcmp(argv[0], "addconf");
	bool sync = !strcmp(argv[0], "syncconf");
	struct tunctl_device *dev;
	int ret = 1;

	ret = nt_subcommand_check_args(argc, argv, argv[0], argc == 3,
				       "expects an interface name and a configuration file");
	if (ret >= 0)
		return ret;
	ret = 1;
	if (!nt_ipc_check_name(argv[1]))
		return 1;
	dev = nt_config_parse_file(argv[2], append);
	if (!dev)
		return 1;
	snprintf(dev->name, sizeof(dev->name), "%s", argv[1]);
	if (sync && !sync_with_current(dev))
		goto out;
	if (!nt_ipc_set_device(dev))
		ret = 0;
out:
	nt_model_device_free(dev);
	return ret;
}
