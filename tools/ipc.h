/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one layer that talks to the kernel: generic netlink family
 * "noisetun" for the device model, rtnetlink for the list of devices,
 * and the socket, request/reply loop and table-driven reply reader that
 * rtnl.c builds on.
 * Built on the real libmnl; the messages it sends and receives are
 * built and parsed by uapi.h's functions.
 */
#ifndef TUNCTL_IPC_H
#define TUNCTL_IPC_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nt_uapi_event;
struct nt_uapi_query;
struct mnl_socket;
struct nlattr;
struct nlmsghdr;
struct tunctl_device;

/**
 * struct nt_ipc_request - one open netlink socket and what its
 *                         transactions learn
 * @nl: the socket
 * @family: the noisetun generic netlink family, once looked up
 * @has_events_group: the family has an "events" multicast group
 * @events_group: the id of that group
 * @extack: the kernel's message about the last error, or ""
 * @keep_interrupted: a dump flagged NLM_F_DUMP_INTR that ends normally is
 *                    a success (noisetun's GET: see nt_ipc_query_device());
 *                    otherwise it is -EINTR, for the caller to dump again
 * @interrupted: the last transaction had a message flagged NLM_F_DUMP_INTR
 */
struct nt_ipc_request {
	struct mnl_socket *nl;
	uint16_t family;
	bool has_events_group;
	bool keep_interrupted;
	bool interrupted;
	uint32_t events_group;
	char extack[512];
};

/* Called for each reply message; a negative return ends with that error. */
typedef int (*nt_ipc_reply_cb)(const struct nlmsghdr *nlh, void *data);

/**
 * nt_ipc_open() - open and bind a netlink socket, with extended and capped
 *                 acks when the kernel has them
 * @req: receives the socket
 * @bus: NETLINK_ROUTE or NETLINK_GENERIC
 *
 * Return: 0 or -errno (nothing is reported).
 */
int nt_ipc_open(struct nt_ipc_request *req, int bus);

/**
 * struct nt_ipc_link - what an RTM_NEWLINK message says of a link
 * @name: IFLA_IFNAME, or NULL (points into the message)
 * @kind: IFLA_INFO_KIND, or NULL (points into the message)
 * @ifindex: the link's index
 * @mtu: IFLA_MTU, or 0
 */
struct nt_ipc_link {
	const char *name;
	const char *kind;
	uint32_t ifindex;
	uint32_t mtu;
};

/**
 * nt_ipc_parse_link() - read a link from an RTM_NEWLINK message
 * @nlh: the message
 * @link: filled in (attributes the message lacks are left NULL or 0)
 *
 * Return: 0, or -EINVAL if @nlh is not an RTM_NEWLINK with its header.
 */
int nt_ipc_parse_link(const struct nlmsghdr *nlh, struct nt_ipc_link *link);

/**
 * nt_ipc_attr_u32() - read a u32 attribute
 * @attr: the attribute
 * @value: a uint32_t, receives its value when it is exactly a u32 (else
 *         left as it is)
 */
void nt_ipc_attr_u32(const struct nlattr *attr, void *value);

/**
 * nt_ipc_attr_str() - read a NUL-terminated string attribute
 * @attr: the attribute
 * @value: a const char *, points into @attr when it is one (else left as
 *         it is)
 */
void nt_ipc_attr_str(const struct nlattr *attr, void *value);

/**
 * struct nt_ipc_attr_rule - where one attribute of an rtnetlink reply goes
 * @read: its reader (nt_ipc_attr_u32(), nt_ipc_attr_str() or the
 *        caller's), given the attribute and where its value goes
 * @offset: where in the caller's struct its value goes (0 for a reader
 *          given the whole struct)
 * @nest: for a nest, the rules of its attributes, which go into the same
 *        struct; @nest_len of them
 * @nest_len: see @nest
 *
 * A table of rules is indexed by attribute type. An attribute without a
 * rule is skipped, and readers skip a value of the wrong type: a reply is
 * read for what it says, not checked.
 */
struct nt_ipc_attr_rule {
	void (*read)(const struct nlattr *attr, void *dst);
	size_t offset;
	const struct nt_ipc_attr_rule *nest;
	size_t nest_len;
};

#define NT_IPC_RULES_LEN(rules) (sizeof(rules) / sizeof((rules)[0]))
/* The rule of @member of @type, read by @reader. */
#define NT_IPC_FIELD(type, member, reader) \
	{ .read = (reader), .offset = offsetof(type, member) }
/* The rule of a nest whose attributes the table @rules reads. */
#define NT_IPC_NEST(rules) \
	{ .nest = (rules), .nest_len = NT_IPC_RULES_LEN(rules) }

/**
 * nt_ipc_parse_attrs() - read the attributes of a reply by a table
 * @nlh: the message
 * @header_len: the size of its family header (struct ifinfomsg, rtmsg, ...)
 * @rules: the table (struct nt_ipc_attr_rule), indexed by type
 * @len: how many rules it has
 * @target: the struct that the rules' offsets are in
 */
void nt_ipc_parse_attrs(const struct nlmsghdr *nlh, size_t header_len,
			const struct nt_ipc_attr_rule *rules, size_t len,
			void *target);

/**
 * nt_ipc_close() - close the socket of nt_ipc_open(), if open
 * @req: the request
 */
void nt_ipc_close(struct nt_ipc_request *req);

/**
 * nt_ipc_seq() - a fresh sequence number for a request
 *
 * Return: the number.
 */
uint32_t nt_ipc_seq(void);

/**
 * nt_ipc_transact() - send a request and read its replies
 * @req: the open socket; its extack receives the kernel's message
 * @msg: the request (with NLM_F_ACK, or NLM_F_DUMP)
 * @cb: called for each reply message, may be NULL
 * @data: passed to @cb
 *
 * Reads until the ack or, for a dump, NLMSG_DONE. A dump the kernel
 * flagged as interrupted is read to its end and then reported as -EINTR,
 * so that the caller restarts it.
 *
 * Return: 0 or -errno (nothing is reported).
 */
int nt_ipc_transact(struct nt_ipc_request *req, struct nlmsghdr *msg,
		    nt_ipc_reply_cb cb, void *data);

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
 * nt_ipc_query_device() - read what @query asks for of a device
 * @name: the interface name
 * @query: filters and flags (nt_ipc_get_device() asks for everything,
 *         keys included); a plain request for one peer is repeated as a
 *         dump when the peer does not fit in one message
 * @devp: receives the model, to free with nt_model_device_free()
 *
 * Errors are reported with nt_error(), an unknown peer as such.
 *
 * Return: 0 or -errno.
 */
int nt_ipc_query_device(const char *name, const struct nt_uapi_query *query,
			struct tunctl_device **devp);

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

/**
 * nt_ipc_monitor() - receive events until a signal says stop
 * @on_event: called for each event, in order; non-zero stops with an error
 * @on_lost: called when the socket overran (ENOBUFS) and events were lost;
 *           non-zero stops with an error
 * @data: for both
 * @wait_mask: the signal mask while waiting (the caller blocks the
 *             stopping signals otherwise)
 * @stop: set by the caller's signal handler; checked after each wait
 *
 * Joins the family's "events" group (which needs CAP_NET_ADMIN in the
 * network namespace). Messages that are not events are skipped, and so
 * are malformed ones, with a warning. Errors are reported with
 * nt_error().
 *
 * Return: 0 when stopped by @stop, or -errno.
 */
int nt_ipc_monitor(int (*on_event)(const struct nt_uapi_event *ev, void *data),
		   int (*on_lost)(void *data), void *data,
		   const sigset_t *wait_mask, volatile sig_atomic_t *stop);

#endif /* TUNCTL_IPC_H */
