/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The in-memory model of one noisetun device.
 *
 * Every input (argv words, a config file, a netlink reply) is parsed into
 * this model first and every output (human, dump, JSON, showconf, a SET
 * request) is produced from it, so that validation happens completely
 * before anything is sent to the kernel.
 *
 * The same structure describes a device as read back from the kernel
 * (the HAS_* flags say which attributes were present) and a change to be
 * applied (the HAS_* flags say which attributes to send).
 */
#ifndef TUNCTL_MODEL_H
#define TUNCTL_MODEL_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../module/uapi/noisetun.h"

/* Length of a base64 key without its terminating NUL. */
#define NT_KEY_B64_LEN 44

/**
 * enum tunctl_device_has - what a device's flags say: which attributes it
 * holds (read back) or sets (a change)
 * @TUNCTL_DEVICE_HAS_PRIVATE_KEY: private_key is meaningful
 * @TUNCTL_DEVICE_HAS_PUBLIC_KEY: public_key is meaningful
 * @TUNCTL_DEVICE_HAS_LISTEN_PORT: listen_port is meaningful
 * @TUNCTL_DEVICE_HAS_FWMARK: fwmark is meaningful
 * @TUNCTL_DEVICE_REPLACE_PEERS: the change replaces every peer
 * @TUNCTL_DEVICE_HAS_DROPS: the kernel gave the device's drop counters
 * @TUNCTL_DEVICE_HAS_STATS: the kernel gave the device's statistics
 * @TUNCTL_DEVICE_HAS_UNKNOWN_PEER_EVENTS: unknown_peer_events is meaningful
 */
enum tunctl_device_has {
	TUNCTL_DEVICE_HAS_PRIVATE_KEY = 1U << 0,
	TUNCTL_DEVICE_HAS_PUBLIC_KEY = 1U << 1,
	TUNCTL_DEVICE_HAS_LISTEN_PORT = 1U << 2,
	TUNCTL_DEVICE_HAS_FWMARK = 1U << 3,
	TUNCTL_DEVICE_REPLACE_PEERS = 1U << 4,
	TUNCTL_DEVICE_HAS_DROPS = 1U << 5,
	/* statistics */
	TUNCTL_DEVICE_HAS_STATS = 1U << 12,
	/* unknown-peer events */
	TUNCTL_DEVICE_HAS_UNKNOWN_PEER_EVENTS = 1U << 13,
};

/**
 * enum tunctl_peer_has - what a peer's flags say, as for a device
 * @TUNCTL_PEER_HAS_PRESHARED_KEY: preshared_key is meaningful (read
 *                                 back: given and not all zeros)
 * @TUNCTL_PEER_HAS_KEEPALIVE: keepalive_seconds is meaningful
 * @TUNCTL_PEER_HAS_ENDPOINT: endpoint is meaningful
 * @TUNCTL_PEER_REMOVE: the change removes the peer
 * @TUNCTL_PEER_REPLACE_ALLOWEDIPS: the change replaces its allowed IPs
 *                                  instead of adding to them
 * @TUNCTL_PEER_UPDATE_ONLY: the change only updates an existing peer
 * @TUNCTL_PEER_HAS_DROPS: the kernel gave the peer's drop counters
 * @TUNCTL_PEER_HAS_PUBLIC_KEY: public_key was given
 * @TUNCTL_PEER_HAS_DISABLED: disabled is meaningful
 * @TUNCTL_PEER_HAS_DESCRIPTION: description is meaningful (read back: the
 *                               kernel gave one, which is never empty)
 * @TUNCTL_PEER_HAS_STATS: the kernel gave the peer's statistics
 */
enum tunctl_peer_has {
	TUNCTL_PEER_HAS_PRESHARED_KEY = 1U << 0,
	TUNCTL_PEER_HAS_KEEPALIVE = 1U << 1,
	TUNCTL_PEER_HAS_ENDPOINT = 1U << 2,
	TUNCTL_PEER_REMOVE = 1U << 3,
	TUNCTL_PEER_REPLACE_ALLOWEDIPS = 1U << 4,
	TUNCTL_PEER_UPDATE_ONLY = 1U << 5,
	TUNCTL_PEER_HAS_DROPS = 1U << 6,
	TUNCTL_PEER_HAS_PUBLIC_KEY = 1U << 7,
	TUNCTL_PEER_HAS_DISABLED = 1U << 8,
	TUNCTL_PEER_HAS_DESCRIPTION = 1U << 9,
	/* statistics */
	TUNCTL_PEER_HAS_STATS = 1U << 15,
};

/**
 * struct tunctl_allowedip - one allowed-IP range of a peer
 * @family: AF_INET or AF_INET6
 * @cidr: prefix length, at most 32 or 128 by @family
 * @remove: in a change, remove this range instead of adding it
 * @addr: the address, in network byte order
 */
struct tunctl_allowedip {
	uint16_t family;
	uint8_t cidr;
	bool remove;
	union {
		struct in_addr ip4;
		struct in6_addr ip6;
	} addr;
};

/**
 * union tunctl_endpoint - a peer's UDP endpoint, IPv4 or IPv6
 * @sa: the family, common to both
 * @sin: an IPv4 endpoint
 * @sin6: an IPv6 endpoint
 */
union tunctl_endpoint {
	struct sockaddr sa;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
};

/**
 * struct tunctl_peer - one peer
 * @public_key: the peer's static public key, its identity
 * @preshared_key: secret; meaningful with TUNCTL_PEER_HAS_PRESHARED_KEY
 * @flags: enum tunctl_peer_has bits
 * @endpoint: meaningful with TUNCTL_PEER_HAS_ENDPOINT
 * @keepalive_seconds: persistent keepalive interval, 0 = off
 * @last_handshake_sec: wall clock of the latest handshake, 0 = never
 * @last_handshake_nsec: nanoseconds part of the same
 * @rx_bytes: bytes received from the peer
 * @tx_bytes: bytes sent to the peer
 * @rx_packets: packets received (noisetun only)
 * @tx_packets: packets sent (noisetun only)
 * @handshake_attempts: handshake initiations sent (noisetun only)
 * @drops: drop counters indexed by enum noisetun_drop_attr
 * @disabled: the peer is switched off (its configuration kept)
 * @description: the peer's name, UTF-8, NUL terminated
 * @last_rx_sec: wall clock of the last message received, 0 = never
 * @last_rx_nsec: nanoseconds part of the same
 * @last_handshake_rtt_ns: round trip of the last handshake, 0 = none
 * @handshakes_completed: sessions established
 * @handshakes_failed: handshake attempts given up
 * @cookies_received: valid cookie replies received
 * @allowedips: array of @allowedips_len ranges
 * @allowedips_len: number of ranges in use
 * @allowedips_cap: allocated length of @allowedips
 */
struct tunctl_peer {
	uint8_t public_key[NOISETUN_KEY_LEN];
	uint8_t preshared_key[NOISETUN_KEY_LEN];
	uint32_t flags;
	union tunctl_endpoint endpoint;
	uint16_t keepalive_seconds;
	int64_t last_handshake_sec;
	int64_t last_handshake_nsec;
	uint64_t rx_bytes;
	uint64_t tx_bytes;
	uint64_t rx_packets;
	uint64_t tx_packets;
	uint64_t handshake_attempts;
	uint64_t drops[NOISETUN_A_DROP_MAX + 1];
	bool disabled;
	char description[NOISETUN_DESCRIPTION_MAX + 1];
	/* statistics */
	int64_t last_rx_sec;
	int64_t last_rx_nsec;
	uint64_t last_handshake_rtt_ns;
	uint64_t handshakes_completed;
	uint64_t handshakes_failed;
	uint64_t cookies_received;
	struct tunctl_allowedip *allowedips;
	size_t allowedips_len;
	size_t allowedips_cap;
};

/**
 * struct tunctl_device - one device and its peers
 * @name: interface name
 * @ifindex: interface index, 0 when unknown
 * @flags: enum tunctl_device_has bits
 * @private_key: secret; meaningful with TUNCTL_DEVICE_HAS_PRIVATE_KEY
 * @public_key: meaningful with TUNCTL_DEVICE_HAS_PUBLIC_KEY
 * @listen_port: UDP port, 0 = pick a free one
 * @fwmark: mark of outgoing packets, 0 = off
 * @drops: device-wide drop counters indexed by enum noisetun_drop_attr
 * @cookies_sent: cookie replies sent
 * @handshakes_answered: responses sent to initiations
 * @under_load_ns: time spent under load
 * @handshake_queue_len: handshake messages waiting when read
 * @unknown_peer_events: the device sends unknown-peer events
 * @peers: array of @peers_len peers
 * @peers_len: number of peers in use
 * @peers_cap: allocated length of @peers
 */
struct tunctl_device {
	char name[IFNAMSIZ];
	uint32_t ifindex;
	uint32_t flags;
	uint8_t private_key[NOISETUN_KEY_LEN];
	uint8_t public_key[NOISETUN_KEY_LEN];
	uint16_t listen_port;
	uint32_t fwmark;
	uint64_t drops[NOISETUN_A_DROP_MAX + 1];
	/* statistics */
	uint64_t cookies_sent;
	uint64_t handshakes_answered;
	uint64_t under_load_ns;
	uint32_t handshake_queue_len;
	/* unknown-peer events */
	bool unknown_peer_events;
	struct tunctl_peer *peers;
	size_t peers_len;
	size_t peers_cap;
};

/**
 * nt_model_device_new() - allocate an empty device
 *
 * Return: the device, or NULL with errno set.
 */
struct tunctl_device *nt_model_device_new(void);

/**
 * nt_model_device_free() - wipe the keys of a device and its peers, free it
 * @dev: the device, may be NULL
 */
void nt_model_device_free(struct tunctl_device *dev);

/**
 * nt_model_peers_reserve() - make room for peers in advance
 * @dev: the device
 * @peers: how many peers the array should hold without growing
 *
 * As growing does: the peers move, and the old array is wiped.
 *
 * Return: 0 or -ENOMEM (errno set).
 */
int nt_model_peers_reserve(struct tunctl_device *dev, size_t peers);

/**
 * nt_model_peer_add() - append a zeroed peer
 * @dev: the device
 * @public_key: the new peer's public key
 *
 * Growing the array moves the peers; pointers to earlier peers are stale
 * afterwards. The old array is wiped before it is freed.
 *
 * Return: the new peer, or NULL with errno set.
 */
struct tunctl_peer *
nt_model_peer_add(struct tunctl_device *dev,
		  const uint8_t public_key[NOISETUN_KEY_LEN]);

/**
 * nt_model_allowedip_add() - append an allowed-IP range to a peer
 * @peer: the peer
 * @aip: the range to copy
 *
 * Return: 0, or -ENOMEM.
 */
int nt_model_allowedip_add(struct tunctl_peer *peer,
			   const struct tunctl_allowedip *aip);

/**
 * nt_model_dedupe_peers() - keep one peer of each public key
 * @dev: the device
 *
 * A dump that went on across configuration changes may list a peer
 * removed and added again twice. Of the peers with one key, the last in
 * @dev's order (the newest state) stays, the others go; the order of the
 * rest is kept. O(n log n).
 *
 * Return: 0, or -ENOMEM (then @dev is unchanged).
 */
int nt_model_dedupe_peers(struct tunctl_device *dev);

/**
 * nt_model_peer_find() - find a peer by public key
 * @dev: the device
 * @public_key: the key to look for
 *
 * Return: the first peer with that key, or NULL.
 */
struct tunctl_peer *
nt_model_peer_find(const struct tunctl_device *dev,
		   const uint8_t public_key[NOISETUN_KEY_LEN]);

/**
 * nt_model_key_is_zero() - whether a key is all zeros (meaning "unset")
 * @key: the key
 *
 * Return: true if every byte is zero.
 */
bool nt_model_key_is_zero(const uint8_t key[NOISETUN_KEY_LEN]);

/**
 * nt_model_drop_name() - the output name of a drop counter
 * @attr: an enum noisetun_drop_attr value
 *
 * Return: the name given in the uapi comments, or NULL for UNSPEC or an
 * unknown value.
 */
const char *nt_model_drop_name(unsigned int attr);

#endif /* TUNCTL_MODEL_H */
