/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The device's UDP sockets and its peers' endpoints.
 *
 * A device has an IPv4 and (unless IPv6 is disabled) an IPv6 socket on the
 * same port, both in the namespace the device was created in. They exist
 * while the device is up. Changing the port binds the new pair before the
 * old one is closed, so a busy port fails the change and leaves the old
 * sockets working.
 */

#ifndef _NT_SOCKET_H
#define _NT_SOCKET_H

#include <linux/types.h>

struct sock;
struct sk_buff;
struct nt_device;
struct nt_endpoint;
struct nt_peer;

/**
 * struct nt_socket_pair - an IPv4 and an IPv6 socket bound to one port
 * @sock4: the IPv4 socket, or NULL
 * @sock6: the IPv6 socket, or NULL (IPv6 disabled)
 *
 * Owned by whoever holds it; not shared until nt_socket_install().
 */
struct nt_socket_pair {
	struct sock *sock4;
	struct sock *sock6;
};

/**
 * nt_socket_bind() - create a device's sockets, not yet installed
 * @ntd: the device; caller holds RTNL and device_update_lock
 * @port: the port, host byte order; 0 lets the kernel choose one that is
 *        free for both families
 * @pair: receives the sockets
 *
 * The sockets live in the device's creating namespace and already deliver
 * what they receive to @ntd. Either install them or release them.
 *
 * Return: 0; -EADDRINUSE when @port is taken; -ENONET when the creating
 * namespace is going away; other -errno from socket creation.
 */
int nt_socket_bind(struct nt_device *ntd, u16 port,
		   struct nt_socket_pair *pair);

/**
 * nt_socket_install() - make a pair the device's sockets
 * @ntd: the device; caller holds device_update_lock
 * @pair: the new sockets (both NULL to close); emptied
 *
 * Records the IPv4 socket's port as the device's incoming_port, waits until
 * no reader uses the old sockets, and closes them. Never fails. Sleeps.
 */
void nt_socket_install(struct nt_device *ntd, struct nt_socket_pair *pair);

/**
 * nt_socket_release() - close a pair that was never installed
 * @pair: the sockets; emptied. Sleeps.
 */
void nt_socket_release(struct nt_socket_pair *pair);

/**
 * nt_socket_open() - bind and install the sockets at the configured port
 * @ntd: the device; caller holds RTNL and device_update_lock
 *
 * Return: as nt_socket_bind().
 */
int nt_socket_open(struct nt_device *ntd);

/**
 * nt_socket_close() - close the device's sockets
 * @ntd: the device; caller holds device_update_lock
 *
 * The configured port is kept for the next nt_socket_open().
 */
void nt_socket_close(struct nt_device *ntd);

/**
 * nt_socket_set_peer_endpoint() - give a peer a new endpoint
 * @peer: the peer
 * @endpoint: the remote address (AF_INET or AF_INET6); its source part is
 *            copied too (zeros let routing choose)
 *
 * Does nothing when @endpoint is the one the peer has; otherwise takes the
 * peer's endpoint_lock for writing and empties its route cache. Any
 * context but hard interrupts.
 *
 * Return: true if the remote address or port changed (not only the
 * source).
 */
bool nt_socket_set_peer_endpoint(struct nt_peer *peer,
				 const struct nt_endpoint *endpoint);

/**
 * nt_socket_set_peer_endpoint_from_skb() - roam to where a packet came from
 * @peer: the peer an authenticated packet came from
 * @skb: that packet, with its outer network and transport headers still
 *       set (Documentation/protocol.md "Routing and roaming"); its destination
 *       becomes the sticky source of what we send back
 *
 * A change of the remote address or port is announced with an
 * endpoint-changed event (netlink.h). Any context but hard interrupts.
 */
void nt_socket_set_peer_endpoint_from_skb(struct nt_peer *peer,
					  const struct sk_buff *skb);

/**
 * nt_socket_clear_peer_endpoint_src() - forget a peer's sticky source
 * @peer: the peer
 *
 * Called when the port or fwmark changes, when a handshake goes
 * unanswered, and when the source stops working, since the source address
 * that routing chose before may no longer be the right one. Empties the
 * route cache too.
 */
void nt_socket_clear_peer_endpoint_src(struct nt_peer *peer);

/**
 * nt_socket_send_skb_to_peer() - send one message to a peer
 * @peer: the peer; its endpoint (and sticky source) says where to
 * @skb: the message, skb->data at its first byte, with headroom for UDP
 *       and IP; consumed
 * @ds: the outer IPv4 TOS / IPv6 traffic class
 *
 * Routes with the device's fwmark from the device's socket of the
 * endpoint's family, through the peer's route cache. The message is
 * dropped, counted as no_route or no_memory (and tx_errors), when the
 * endpoint is unknown, the device is down, or the route leads nowhere.
 * A route back into the device itself is allowed: a peer may well be
 * reached through another peer of the same device (onion routing). A
 * packet that loops to the peer it came from grows by one message
 * overhead per turn until it no longer fits the MTU, so a loop dies out
 * instead of multiplying (selftests/netns/49-loops.sh).
 *
 * Context: any but hard interrupts.
 * Return: 0 or -errno.
 */
int nt_socket_send_skb_to_peer(struct nt_peer *peer, struct sk_buff *skb,
			       u8 ds);

/**
 * nt_socket_send_buffer_to_peer() - send one UDP datagram to a peer
 * @peer: the peer
 * @buf: the payload, a whole message
 * @len: its size
 * @ds: the outer IPv4 TOS / IPv6 traffic class
 *
 * As nt_socket_send_skb_to_peer(), from a copy of @buf.
 *
 * Context: any but hard interrupts.
 * Return: 0 or -errno.
 */
int nt_socket_send_buffer_to_peer(struct nt_peer *peer, const void *buf,
				  size_t len, u8 ds);

/**
 * nt_socket_send_buffer_as_reply_to_skb() - answer a received datagram
 * @ntd: the device @in_skb arrived on
 * @in_skb: a received message, network and transport headers set
 * @buf: the payload
 * @len: its size
 *
 * Sends to @in_skb's source address and port, from the address it was sent
 * to (cookie replies, which go to no known peer).
 *
 * Context: any but hard interrupts.
 * Return: 0 or -errno.
 */
int nt_socket_send_buffer_as_reply_to_skb(struct nt_device *ntd,
					  struct sk_buff *in_skb,
					  const void *buf, size_t len);

/**
 * nt_socket_endpoint_from_skb() - where a received datagram came from
 * @endpoint: receives the source as address and the destination as the
 *            sticky source
 * @skb: a received message, network and transport headers set
 *
 * Return: false if @skb is neither IPv4 nor IPv6.
 */
bool nt_socket_endpoint_from_skb(struct nt_endpoint *endpoint,
				 const struct sk_buff *skb);

#endif /* _NT_SOCKET_H */
