/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inner packets: the IPv4/IPv6 packets evilpeer puts inside data messages
 * (ICMP echo, UDP, TCP, with correct checksums), and the classification
 * of what the device sends back.
 */
#ifndef EVILPEER_INNER_H
#define EVILPEER_INNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ep;

/* The IP header sizes evilpeer writes (no options, no extension headers). */
#define IPV4_HEADER_LEN		20
#define IPV6_HEADER_LEN		40
#define TCP_HEADER_LEN		20
#define UDP_HEADER_LEN		8
#define ICMP_HEADER_LEN		8

enum tcp_flag {
	TCP_FIN = 0x01,
	TCP_SYN = 0x02,
	TCP_RST = 0x04,
	TCP_PSH = 0x08,
	TCP_ACK = 0x10,
};

/**
 * struct ep_flowaddr - the inner addresses of a packet
 * @version: 4 or 6
 * @src: source address (4 or 16 bytes used)
 * @dst: destination address
 */
struct ep_flowaddr {
	int version;
	uint8_t src[16];
	uint8_t dst[16];
};

/**
 * struct ep_tcp_segment - the fields of one TCP segment to build
 */
struct ep_tcp_segment {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t window;
	const uint8_t *options;	/* a multiple of 4 bytes */
	size_t options_len;
	const uint8_t *payload;
	size_t payload_len;
};

/**
 * ep_inner_default_addr() - our inner address to the device's, of IP
 * @version. Returns false when that family was not configured.
 */
bool ep_inner_default_addr(const struct ep *ep, int version,
			   struct ep_flowaddr *addr);

/** ep_inner_ip_header_len() - 20 for IPv4, 40 for IPv6. */
size_t ep_inner_ip_header_len(int version);

/**
 * ep_inner_icmp_echo() - an echo request with @payload_len bytes of data
 * into @out; returns the packet's length.
 */
size_t ep_inner_icmp_echo(struct ep *ep, const struct ep_flowaddr *addr,
			  uint8_t *out, uint16_t ident, uint16_t seq,
			  size_t payload_len);

/**
 * ep_csum_add() - @sum plus the RFC 1071 one's complement sum of @len
 * bytes at @p (big-endian 16-bit words, an odd last byte padded), not yet
 * folded or inverted.
 */
uint32_t ep_csum_add(uint32_t sum, const uint8_t *p, size_t len);
/** ep_csum_fold() - @sum folded to 16 bits and inverted: the checksum. */
uint16_t ep_csum_fold(uint32_t sum);
/** ep_inner_udp() - a UDP datagram into @out; returns the packet's length. */
size_t ep_inner_udp(struct ep *ep, const struct ep_flowaddr *addr, uint8_t *out,
		    uint16_t sport, uint16_t dport, const uint8_t *payload,
		    size_t payload_len);

/** ep_inner_tcp() - a TCP segment into @out; returns the packet's length. */
size_t ep_inner_tcp(struct ep *ep, const struct ep_flowaddr *addr, uint8_t *out,
		    const struct ep_tcp_segment *seg);

/**
 * ep_inner_input() - count an inner packet the device sent, and hand TCP
 * segments to the TCP flow.
 */
void ep_inner_input(struct ep *ep, const uint8_t *pkt, size_t len);

#endif
