/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One inner TCP flow, driven by evilpeer through the tunnel: a client
 * connection to a port of the device's namespace (connect, an in-order
 * byte stream that respects the advertised window and goes back to the
 * first unacknowledged byte when ACKs stop coming, close), and a blast of
 * in-order data segments to a port where nothing listens (no handshake;
 * the device's stack answers with RSTs). Every data segment is one data
 * message; the messages go out in UDP_SEGMENT batches so that they reach
 * the device back to back and its GRO merges them.
 */
#ifndef EVILPEER_TCPFLOW_H
#define EVILPEER_TCPFLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "inner.h"

struct ep;

/**
 * struct ep_tcp_header - the fields of a received TCP segment
 */
struct ep_tcp_header {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t window;
	const uint8_t *options;
	size_t options_len;
	size_t payload_len;
};

/**
 * struct ep_tcp - the client connection
 * @active: a connection was started (SYN sent) and not given up
 * @established: the SYN-ACK came and our ACK went out
 * @addr: its inner addresses
 * @sport: our port
 * @dport: the device's port
 * @iss: our initial sequence number
 * @snd_una: the first byte not acknowledged
 * @snd_nxt: the next byte to send
 * @snd_max: the highest byte sent so far, plus one
 * @snd_wnd: the window the device advertised last, in bytes
 * @snd_wscale: the device's window scale (0 when scaling is off)
 * @rcv_nxt: the next byte expected from the device
 * @rst: the device reset the connection
 * @fin_sent: we sent our FIN
 * @fin_acked: the device acknowledged our FIN
 * @peer_fin: the device sent its FIN
 * @retransmits: go-back-N rounds so far
 */
struct ep_tcp {
	bool active, established;
	struct ep_flowaddr addr;
	uint16_t sport, dport;
	uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd;
	uint8_t snd_wscale;
	uint32_t rcv_nxt;
	bool rst, fin_sent, fin_acked, peer_fin;
	uint64_t retransmits;
};

/**
 * struct ep_tcp_report - what one send or blast did
 * @segments: data segments sent (retransmissions included)
 * @bytes: stream bytes handed over (each byte once)
 * @acked: stream bytes the device acknowledged
 * @sends: sendmsg() calls
 * @retransmits: go-back-N rounds
 * @rsts: RSTs received meanwhile
 * @ms: time taken
 */
struct ep_tcp_report {
	uint64_t segments, bytes, acked, sends, retransmits, rsts, ms;
};

/**
 * ep_tcp_connect() - SYN, then wait up to @timeout_ms for the SYN-ACK and
 * ACK it. @mss is what our SYN offers. Returns false (with @why set) on a
 * RST, a timeout or no session.
 */
bool ep_tcp_connect(struct ep *ep, const struct ep_flowaddr *addr,
		    uint16_t dport, uint16_t mss, int timeout_ms,
		    const char **why);

/**
 * ep_tcp_send() - send @bytes more bytes of the stream in segments of
 * @seg bytes, up to @gso messages per sendmsg(), never more than
 * @max_inflight bytes (nor the advertised window) unacknowledged, and
 * wait until all are acknowledged or @timeout_ms passes. Returns true
 * when all were.
 */
bool ep_tcp_send(struct ep *ep, uint64_t bytes, size_t seg, unsigned int gso,
		 uint32_t max_inflight, int timeout_ms,
		 struct ep_tcp_report *report, const char **why);

/**
 * ep_tcp_close() - send our FIN and wait up to @timeout_ms for its ACK and
 * the device's FIN (which is then acknowledged).
 */
bool ep_tcp_close(struct ep *ep, int timeout_ms, const char **why);

/**
 * ep_tcp_blast() - in-order data segments of one new flow (random ports
 * and sequence numbers, no handshake) to @dport: @bytes of stream, or for
 * @duration_ms when @bytes is 0. Nothing waits for answers but a short
 * pause at the end for the last RSTs.
 */
void ep_tcp_blast(struct ep *ep, const struct ep_flowaddr *addr,
		  uint16_t dport, uint64_t bytes, uint64_t duration_ms,
		  size_t seg, unsigned int gso, struct ep_tcp_report *report);

/** ep_tcp_input() - a TCP segment from the device (see inner.c). */
void ep_tcp_input(struct ep *ep, int version, const uint8_t *src,
		  const uint8_t *dst, const struct ep_tcp_header *h);

#endif
