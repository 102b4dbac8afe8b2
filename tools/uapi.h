/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The messages of the noisetun generic netlink family
 * (module/uapi/noisetun.h), built into and parsed from plain buffers
 * with libmnl. Nothing here opens a socket: ipc.c sends and receives
 * what these functions build and parse, and the unit tests and
 * tools/fuzz/fuzz-uapi.c run them without a kernel.
 */
#ifndef TUNCTL_UAPI_H
#define TUNCTL_UAPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <net/if.h>

#include "model.h"

struct nlmsghdr;
struct tunctl_device;

/*
 * Size of one SET_DEVICE request. A change that does not fit is split
 * over several requests (see nt_uapi_build_set()).
 */
#define NT_UAPI_SET_BUFFER_SIZE 32768

/**
 * struct nt_uapi_set_cursor - where the next SET message resumes
 * @peer: index of the next peer to put
 * @allowedip: index of its next allowed IP
 * @continued: @peer was already started in an earlier message: repeat
 *             only its public key and its further allowed IPs
 * @device_done: the device attributes went into an earlier message
 */
struct nt_uapi_set_cursor {
	size_t peer;
	size_t allowedip;
	bool continued;
	bool device_done;
};

/**
 * nt_uapi_put_header() - start a generic netlink request: the netlink
 * header and the generic netlink header, no attributes yet
 * @buf: where to build it, with room for both headers
 * @type: the family id (or GENL_ID_CTRL)
 * @flags: NLM_F_* flags
 * @seq: sequence number of the message
 * @cmd: the family's command
 * @version: the family's version
 *
 * Return: the message, at @buf.
 */
struct nlmsghdr *nt_uapi_put_header(void *buf, uint16_t type, uint16_t flags,
				    uint32_t seq, uint8_t cmd, uint8_t version);

/**
 * nt_uapi_build_get() - build the GET_DEVICE dump request of one device,
 *                       keys included (NOISETUN_QUERY_F_KEYS)
 * @buf: where to build it
 * @len: size of @buf
 * @family: the generic netlink family id
 * @seq: sequence number of the message
 * @name: the interface name
 *
 * Return: the message, at @buf, or NULL if it does not fit in @len.
 */
struct nlmsghdr *nt_uapi_build_get(void *buf, size_t len, uint16_t family,
				   uint32_t seq, const char *name);

/**
 * struct nt_uapi_query - what a GET_DEVICE asks for
 * @flags: NOISETUN_QUERY_F_* bits
 * @dump: a dump (NLM_F_DUMP); else a plain request, which needs @has_peer
 * @has_peer: @peer names the one peer to read
 * @peer: its public key
 */
struct nt_uapi_query {
	uint32_t flags;
	bool dump;
	bool has_peer;
	uint8_t peer[NOISETUN_KEY_LEN];
};

/**
 * nt_uapi_build_query() - build a GET_DEVICE request
 * @buf: where to build it
 * @len: size of @buf
 * @family: the generic netlink family id
 * @seq: sequence number of the message
 * @name: the interface name
 * @query: the filters and flags
 *
 * Return: the message, at @buf, or NULL if it does not fit in @len.
 */
struct nlmsghdr *nt_uapi_build_query(void *buf, size_t len, uint16_t family,
				     uint32_t seq, const char *name,
				     const struct nt_uapi_query *query);

/**
 * nt_uapi_build_set() - build the next SET_DEVICE request of a change
 * @dev: the change; @dev->name names the device
 * @family: the generic netlink family id
 * @seq: sequence number of the message
 * @buf: where to build it
 * @len: size of @buf
 * @cursor: zeroed before the first call, advanced by each call
 *
 * The first message carries the device attributes and REPLACE_PEERS;
 * later ones carry further peers. A peer whose allowed IPs overflow is
 * continued in the next message by repeating its public key, without
 * flags, preshared key, endpoint or keepalive.
 *
 * Return: 1 if another message follows, 0 if this was the last, or
 * -EMSGSIZE if @len cannot hold even one peer.
 */
int nt_uapi_build_set(const struct tunctl_device *dev, uint16_t family,
		      uint32_t seq, void *buf, size_t len,
		      struct nt_uapi_set_cursor *cursor);

/**
 * nt_uapi_parse_device() - merge one GET_DEVICE reply (or SET request)
 * @nlh: the message, a genlmsghdr and attributes
 * @dev: the model to merge into
 *
 * A peer whose public key equals the last peer already in @dev is the
 * continuation of that peer: its allowed IPs are appended to it.
 *
 * Return: 0, or -EINVAL for a malformed message, -ENOMEM.
 */
int nt_uapi_parse_device(const struct nlmsghdr *nlh, struct tunctl_device *dev);

/**
 * struct nt_uapi_event - one message of the "events" multicast group
 * @cmd: NOISETUN_CMD_EVENT_*, or another command number (a newer
 *       kernel's event)
 * @ifindex: the device
 * @ifname: its name, "" if the kernel sent none
 * @has_peer_key: @peer_key was present
 * @peer_key: the peer's public key
 * @has_device_key: @device_key was present
 * @device_key: the device's new public key
 * @has_endpoint: @endpoint was present
 * @endpoint: the peer's endpoint
 * @role: NOISETUN_EVENT_ROLE_*, 0 when absent
 * @has_rtt: @rtt_ns was present
 * @rtt_ns: the handshake's round trip
 * @attempts: initiations of an attempt given up, 0 when absent
 * @changes: NOISETUN_EVENT_CHANGE_* bits, 0 when absent
 * @unsent: events the device could not allocate so far, 0 when absent
 */
struct nt_uapi_event {
	uint8_t cmd;
	uint32_t ifindex;
	char ifname[IFNAMSIZ];
	bool has_peer_key;
	uint8_t peer_key[NOISETUN_KEY_LEN];
	bool has_device_key;
	uint8_t device_key[NOISETUN_KEY_LEN];
	bool has_endpoint;
	union tunctl_endpoint endpoint;
	uint32_t role;
	bool has_rtt;
	uint64_t rtt_ns;
	uint32_t attempts;
	uint32_t changes;
	uint64_t unsent;
};

/**
 * nt_uapi_parse_event() - parse one message received on the events group
 * @nlh: the message, a genlmsghdr and attributes
 * @ev: receives the event (zeroed first)
 *
 * Attributes it does not know are skipped; an endpoint of another length
 * or family is skipped too.
 *
 * Return: 0, or -EINVAL for a malformed message or one without IFINDEX.
 */
int nt_uapi_parse_event(const struct nlmsghdr *nlh, struct nt_uapi_event *ev);

/**
 * nt_uapi_parse_mcast_group() - find a multicast group's id in a
 *                               CTRL_CMD_GETFAMILY reply
 * @nlh: the reply, a genlmsghdr and CTRL_ATTR_* attributes
 * @name: the group's name
 * @id: receives its id when found
 *
 * Return: 0 when found, -ENOENT when the family has no such group,
 * -EINVAL for a malformed message.
 */
int nt_uapi_parse_mcast_group(const struct nlmsghdr *nlh, const char *name,
			      uint32_t *id);

#endif /* TUNCTL_UAPI_H */
