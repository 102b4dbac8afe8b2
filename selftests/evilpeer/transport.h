/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The outer side: the UDP socket, sealing inner packets into data
 * messages, sending them singly or in UDP_SEGMENT (GSO) batches, and
 * taking in whatever the device sends (sessions from responses, cookies,
 * data opened and counted).
 */
#ifndef EVILPEER_TRANSPORT_H
#define EVILPEER_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "evilpeer.h"

/**
 * struct ep_batch - messages gathered for one sendmsg()
 * @max: messages per sendmsg(); 1 sends each message alone, more use
 *	 UDP_SEGMENT with the first message's size as the segment size
 * @count: messages gathered
 * @seg: the size of the first one
 * @len: bytes gathered
 * @data_count: how many of them were sealed here (not replayed bytes)
 * @data_bytes: their bytes
 * @buf: the messages, back to back
 *
 * UDP_SEGMENT cuts a send into segments of one size, all full but the
 * last: a message longer than the first, or any after a shorter one,
 * starts a new send.
 */
struct ep_batch {
	unsigned int max;
	unsigned int count;
	size_t seg;
	size_t len;
	unsigned int data_count;
	uint64_t data_bytes;
	uint8_t buf[MAX_UDP_PAYLOAD];
};

/**
 * ep_parse_sockaddr() - "A.B.C.D:PORT" or "[IPv6]:PORT" into @ss (port 0
 * lets the kernel choose when binding).
 */
bool ep_parse_sockaddr(const char *spec, struct sockaddr_storage *ss,
		       socklen_t *len);

/**
 * ep_transport_open() - the socket, bound to @bind_spec (may be NULL: any
 * address, a kernel-chosen port), towards @endpoint_spec. Returns false
 * with @why set.
 */
bool ep_transport_open(struct ep *ep, const char *bind_spec,
		       const char *endpoint_spec, const char **why);

/** ep_data_message_len() - the size of the message carrying @inner_len bytes. */
size_t ep_data_message_len(const struct ep *ep, size_t inner_len);

/**
 * ep_seal() - one data message carrying @inner (zero-padded to 16 bytes,
 * never past the MTU) on the current session, into @out. Returns its
 * length; 0 when there is no session.
 */
size_t ep_seal(struct ep *ep, uint8_t *out, const uint8_t *inner, size_t len);

/**
 * ep_send_inner() - seal @inner and send it as one datagram, counted as
 * sent data. False without a session or on a send error.
 */
bool ep_send_inner(struct ep *ep, const uint8_t *inner, size_t len);

/** ep_send_message() - one datagram to the device; false on a send error. */
bool ep_send_message(struct ep *ep, const void *msg, size_t len);

/** ep_batch_init() - an empty batch of at most @max messages per send. */
void ep_batch_init(struct ep_batch *b, unsigned int max);

/**
 * ep_batch_add_inner() - seal @inner into the batch (sending what came
 * before when the rules say so). Returns false when there is no session.
 */
bool ep_batch_add_inner(struct ep *ep, struct ep_batch *b, const uint8_t *inner,
			size_t len);

/** ep_batch_add_message() - a ready message (a replay) into the batch. */
void ep_batch_add_message(struct ep *ep, struct ep_batch *b, const uint8_t *msg,
			  size_t len);

/** ep_batch_flush() - send what the batch holds. */
void ep_batch_flush(struct ep *ep, struct ep_batch *b);

/**
 * ep_receive() - wait up to @timeout_ms (0: do not wait) for datagrams and
 * process all that are queued. Returns how many were processed.
 */
int ep_receive(struct ep *ep, int timeout_ms);

/**
 * ep_receive_until() - process datagrams until @done(@ep, @arg) holds
 * (true) or @timeout_ms passes (false).
 */
bool ep_receive_until(struct ep *ep, int timeout_ms,
		      bool (*done)(struct ep *ep, const void *arg),
		      const void *arg);

#endif
