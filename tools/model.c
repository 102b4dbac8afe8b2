// SPDX-License-Identifier: GPL-2.0
/*
 * The in-memory device model: allocation, growth and wiping.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "drop_names.h"
#include "model.h"

struct tunctl_device *nt_model_device_new(void)
{
	return calloc(1, sizeof(struct tunctl_device));
}

void nt_model_device_free(struct tunctl_device *dev)
{
	size_t i;

	if (!dev)
		return;
	for (i = 0; i < dev->peers_len; i++)
		free(dev->peers[i].allowedips);
	if (dev->peers) {
		/* The preshared keys live inside the array. */
		sodium_memzero(dev->peers, dev->peers_cap * sizeof(*dev->peers));
		free(dev->peers);
	}
	sodium_memzero(dev, sizeof(*dev));
	free(dev);
}

/* Move the peers to an array of @cap (more than peers_cap) peers. */
static int grow_peers(struct tunctl_device *dev, size_t cap)
{
	struct tunctl_peer *grown;

	if (cap > SIZE_MAX / sizeof(*grown)) {
		errno = ENOMEM;
		return -ENOMEM;
	}
	/*
	 * Not realloc(): it would leave a copy of the preshared keys behind
	 * in freed memory.
	 */
	grown = calloc(cap, sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	if (dev->peers) {
		memcpy(grown, dev->peers, dev->peers_len * sizeof(*grown));
		sodium_memzero(dev->peers, dev->peers_cap * sizeof(*grown));
		free(dev->peers);
	}
	dev->peers = grown;
	dev->peers_cap = cap;
	return 0;
}

int nt_model_peers_reserve(struct tunctl_device *dev, size_t peers)
{
	if (peers <= dev->peers_cap)
		return 0;
	return grow_peers(dev, peers);
}

struct tunctl_peer *
nt_model_peer_add(struct tunctl_device *dev,
		  const uint8_t public_key[NOISETUN_KEY_LEN])
{
	struct tunctl_peer *peer;

	if (dev->peers_len == dev->peers_cap &&
	    grow_peers(dev, dev->peers_cap ? dev->peers_cap * 2 : 8))
		return NULL;
	peer = &dev->peers[dev->peers_len++];
	memset(peer, 0, sizeof(*peer));
	memcpy(peer->public_key, public_key, NOISETUN_KEY_LEN);
	return peer;
}

int nt_model_allowedip_add(struct tunctl_peer *peer,
			   const struct tunctl_allowedip *aip)
{
	if (peer->allowedips_len == peer->allowedips_cap) {
		size_t cap = peer->allowedips_cap ? peer->allowedips_cap * 2 : 4;
		struct tunctl_allowedip *grown;

		if (cap > SIZE_MAX / sizeof(*grown))
			return -ENOMEM;
		grown = realloc(peer->allowedips, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		peer->allowedips = grown;
		peer->allowedips_cap = cap;
	}
	peer->allowedips[peer->allowedips_len++] = *aip;
	return 0;
}

struct tunctl_peer *
nt_model_peer_find(const struct tunctl_device *dev,
		   const uint8_t public_key[NOISETUN_KEY_LEN])
{
	size_t i;

	for (i = 0; i < dev->peers_len; i++) {
		if (!memcmp(dev->peers[i].public_key, public_key,
			    NOISETUN_KEY_LEN))
			return &dev->peers[i];
	}
	return NULL;
}

static int compare_peer_ptrs(const void *a, const void *b)
{
	const struct tunctl_peer *pa = *(const struct tunctl_peer *const *)a;
	const struct tunctl_peer *pb = *(const struct tunctl_peer *const *)b;
	int c = memcmp(pa->public_key, pb->public_key, NOISETUN_KEY_LEN);

	if (c)
		return c;
	return pa < pb ? -1 : pa > pb;
}

int nt_model_dedupe_peers(struct tunctl_device *dev)
{
	struct tunctl_peer **sorted;
	size_t i, kept = 0;
	bool *drop;

	if (dev->peers_len < 2)
		return 0;
	sorted = calloc(dev->peers_len, sizeof(*sorted));
	drop = calloc(dev->peers_len, sizeof(*drop));
	if (!sorted || !drop) {
		free(sorted);
		free(drop);
		return -ENOMEM;
	}
	for (i = 0; i < dev->peers_len; i++)
		sorted[i] = &dev->peers[i];
	qsort(sorted, dev->peers_len, sizeof(*sorted), compare_peer_ptrs);
	/* Of each run of one key, in array order, all but the last go. */
	for (i = 0; i + 1 < dev->peers_len; i++) {
		if (!memcmp(sorted[i]->public_key, sorted[i + 1]->public_key,
			    NOISETUN_KEY_LEN))
			drop[sorted[i] - dev->peers] = true;
	}
	free(sorted);
	for (i = 0; i < dev->peers_len; i++) {
		struct tunctl_peer *peer = &dev->peers[i];

		if (drop[i]) {
			free(peer->allowedips);
		} else if (kept != i) {
			dev->peers[kept++] = *peer;
		} else {
			kept++;
			continue;
		}
		sodium_memzero(peer, sizeof(*peer));
	}
	dev->peers_len = kept;
	free(drop);
	return 0;
}

bool nt_model_key_is_zero(const uint8_t key[NOISETUN_KEY_LEN])
{
	return sodium_is_zero(key, NOISETUN_KEY_LEN);
}


const char *nt_model_drop_name(unsigned int attr)
{
	if (attr > NOISETUN_A_DROP_MAX)
		return NULL;
	return nt_drop_names[attr];
}
