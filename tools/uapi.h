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
 * nt_uapi_build_get() - build the GET_DEVICE dump request of one device
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

#endif /* TUNCTL_UAPI_H */
