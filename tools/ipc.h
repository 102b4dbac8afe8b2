/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one layer that talks to the kernel: generic netlink family
 * "noisetun" for the device model, rtnetlink for the list of devices.
 * Built on the real libmnl.
 *
 * The message builder and the reply parser are exposed separately so
 * that unit tests and fuzzers can run them without a kernel.
 */
#ifndef TUNCTL_IPC_H
#define TUNCTL_IPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nlmsghdr;
struct tunctl_device;

/*
 * Size of one SET_DEVICE request. A change that does not fit is split
 * over several requests (see nt_ipc_build_set()).
 */
#define NT_IPC_SET_BUFFER_SIZE 32768

/**
 * struct nt_ipc_set_cursor - where the next SET message resumes
 * @peer: index of the next peer to put
 * @allowedip: index of its next allowed IP
 * @continued: @peer was already started in an earlier message: repeat
 *             only its public key and its further allowed IPs
 * @device_done: the device attributes went into an earlier message
 */
struct nt_ipc_set_cursor {
	size_t peer;
	size_t allowedip;
	bool continued;
	bool device_done;
};

/**
 * nt_ipc_build_set() - build the next SET_DEVICE request of a change
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
int nt_ipc_build_set(const struct tunctl_device *dev, uint16_t family,
		     uint32_t seq, void *buf, size_t len,
		     struct nt_ipc_set_cursor *cursor);

/**
 * nt_ipc_parse_device() - merge one GET_DEVICE reply (or SET request)
 * @nlh: the message, a genlmsghdr and attributes
 * @dev: the model to merge into
 *
 * A peer whose public key equals the last peer already in @dev is the
 * continuation of that peer: its allowed IPs are appended to it.
 *
 * Return: 0, or -EINVAL for a malformed message, -ENOMEM.
 */
int nt_ipc_parse_device(const struct nlmsghdr *nlh, struct tunctl_device *dev);

/**
 * nt_ipc_get_device() - read a device's whole configuration and state
 * @name: the interface name
 * @devp: receives the model, to free with nt_model_device_free()
 *
 * Restarts the dump when the kernel flags it interrupted. Errors are
 * reported with nt_error().
 *
 * Return: 0 or -errno.
 */
int nt_ipc_get_device(const char *name, struct tunctl_device **devp);

/**
 * nt_ipc_set_device() - apply a change, split over as many requests as
 *                       needed
 * @dev: the change
 *
 * Errors are reported with nt_error().
 *
 * Return: 0 or -errno.
 */
int nt_ipc_set_device(const struct tunctl_device *dev);

/**
 * nt_ipc_list_devices() - names of every noisetun link, in ifindex order
 * @names: receives a NULL-terminated array, to free with
 *         nt_ipc_free_list()
 *
 * Errors are reported with nt_error().
 *
 * Return: 0 or -errno.
 */
int nt_ipc_list_devices(char ***names);

/**
 * nt_ipc_free_list() - free the result of nt_ipc_list_devices()
 * @names: the array, may be NULL
 */
void nt_ipc_free_list(char **names);

/**
 * nt_ipc_check_name() - refuse a string that cannot be an interface name
 * @name: the word
 *
 * Return: true if it can be one; otherwise an error was reported.
 */
bool nt_ipc_check_name(const char *name);

#endif /* TUNCTL_IPC_H */
