/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The state of one evilpeer: its socket, its keys and sessions, what it
 * counted, and the inner flows it drives. Shared by every file.
 */
#ifndef EVILPEER_H
#define EVILPEER_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "noise.h"
#include "tcpflow.h"

/*
 * The largest UDP payload one send may carry, and the most segments one
 * UDP_SEGMENT send may have (the kernel's UDP_MAX_SEGMENTS).
 */
#define MAX_UDP_PAYLOAD		65507
#define MAX_GSO_SEGMENTS	64
#define DEFAULT_MTU		1420
/* The longest inner packet a command may ask for: the MTU and then some. */
#define MAX_INNER_LEN		(65535 - 80)

/**
 * struct ep_stats - what evilpeer sent and received, for the `stats` line
 *
 * Received messages are counted by type (rx_*); data messages that did not
 * open by why (unknown index, failed authentication, replayed or too old
 * counter); the inner packets of those that opened by what they are. Sent
 * data messages and their bytes are counted as the device counts them.
 */
struct ep_stats {
	uint64_t rx_initiation, rx_response, rx_cookie, rx_data, rx_keepalive;
	uint64_t rx_bad_message, rx_unknown_index, rx_auth_fail, rx_replay;
	uint64_t rx_response_invalid, rx_cookie_invalid;
	uint64_t icmp_echo_reply, icmp_unreachable, icmp_other;
	uint64_t tcp_synack, tcp_rst, tcp_ack, tcp_fin, udp, inner_other;
	uint64_t tx_initiation, tx_data, tx_data_bytes, tx_sends, tx_errors;
};

struct ep_record;

/**
 * struct ep - one evilpeer
 * @fd: the UDP socket, bound to --bind
 * @endpoint: the device's outer address
 * @endpoint_len: its length
 * @mtu: the tunnel MTU the padding is capped at
 * @has_inner4: @inner4 and @dev_inner4 are set (likewise @has_inner6)
 * @inner4: our inner IPv4 address
 * @dev_inner4: the device's inner IPv4 address
 * @inner6: our inner IPv6 address
 * @dev_inner6: the device's inner IPv6 address
 * @id: static keys and cookie state
 * @hs: the initiation in flight
 * @cur: the session data goes out on
 * @prev: the session before it (still opened on receive)
 * @handshake_done_ms: when @cur was made (monotonic ms)
 * @st: counters
 * @rec: the last data messages sent (record/save/replay)
 * @tcp: the inner TCP connection
 * @ip_id: IPv4 identification of the next inner packet
 * @ping_ident: the ICMP echo identifier of our pings
 * @ping_seq: the next echo sequence number
 * @udp_seq: the next inner UDP datagram's sequence number
 * @dev_mac1: mac1 of the last handshake message the device sent us (the
 *	      AD of a cookie reply to it; the fuzzer's cookie replies)
 * @has_dev_mac1: @dev_mac1 is set
 * @dev_init_index: the sender index of the last initiation the device sent
 * @dev_init_ms: when it came (monotonic ms); 0 when none did
 */
struct ep {
	int fd;
	struct sockaddr_storage endpoint;
	socklen_t endpoint_len;
	unsigned int mtu;
	bool has_inner4, has_inner6;
	struct in_addr inner4, dev_inner4;
	struct in6_addr inner6, dev_inner6;
	struct ep_identity id;
	struct ep_handshake hs;
	struct ep_session cur, prev;
	uint64_t handshake_done_ms;
	struct ep_stats st;
	struct ep_record *rec;
	struct ep_tcp tcp;
	uint16_t ip_id;
	uint16_t ping_ident;
	uint16_t ping_seq;
	uint64_t udp_seq;
	uint8_t dev_mac1[MAC_LEN];
	bool has_dev_mac1;
	uint32_t dev_init_index;
	uint64_t dev_init_ms;
};

/** ep_now_ms() - a monotonic clock in milliseconds. */
uint64_t ep_now_ms(void);

/** ep_now_us() - a monotonic clock in microseconds. */
uint64_t ep_now_us(void);

#endif
