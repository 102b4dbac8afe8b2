// SPDX-License-Identifier: GPL-2.0
/*
 * The outer side of evilpeer (transport.h).
 */
#include "transport.h"

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <netinet/udp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "inner.h"
#include "record.h"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

/* Datagrams taken per recvmmsg(), and the largest one we take whole. */
#define RX_BATCH	16
#define RX_MAX		65536
/* Socket buffers big enough for whole bursts both ways. */
#define SOCKET_BUFFER	(8 << 20)

bool ep_parse_sockaddr(const char *spec, struct sockaddr_storage *ss,
		       socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *port_text;
	unsigned long port;
	char *end;

	memset(ss, 0, sizeof(*ss));
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');

		if (!close || close[1] != ':' ||
		    (size_t)(close - spec - 1) >= sizeof(host))
			return false;
		memcpy(host, spec + 1, close - spec - 1);
		host[close - spec - 1] = '\0';
		port_text = close + 2;
	} else {
		colon = strrchr(spec, ':');
		if (!colon || (size_t)(colon - spec) >= sizeof(host))
			return false;
		memcpy(host, spec, colon - spec);
		host[colon - spec] = '\0';
		port_text = colon + 1;
	}
	errno = 0;
	port = strtoul(port_text, &end, 10);
	if (errno || !*port_text || *end || port > 65535)
		return false;
	if (spec[0] == '[') {
		struct sockaddr_in6 *sin6 = (void *)ss;

		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return false;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*sin6);
	} else {
		struct sockaddr_in *sin = (void *)ss;

		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return false;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = sizeof(*sin);
	}
	return true;
}

bool ep_transport_open(struct ep *ep, const char *bind_spec,
		       const char *endpoint_spec, const char **why)
{
	struct sockaddr_storage local = { 0 };
	socklen_t local_len;
	int size = SOCKET_BUFFER;

	if (!ep_parse_sockaddr(endpoint_spec, &ep->endpoint, &ep->endpoint_len)) {
		*why = "bad endpoint (ADDR:PORT or [ADDR]:PORT)";
		return false;
	}
	if (bind_spec) {
		if (!ep_parse_sockaddr(bind_spec, &local, &local_len)) {
			*why = "bad bind address (ADDR:PORT or [ADDR]:PORT)";
			return false;
		}
		if (local.ss_family != ep->endpoint.ss_family) {
			*why = "bind address and endpoint differ in family";
			return false;
		}
	} else {
		local.ss_family = ep->endpoint.ss_family;
		local_len = local.ss_family == AF_INET6 ?
			    sizeof(struct sockaddr_in6) :
			    sizeof(struct sockaddr_in);
	}
	ep->fd = socket(ep->endpoint.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (ep->fd < 0) {
		*why = strerror(errno);
		return false;
	}
	/* As root the limits do not apply (FORCE); otherwise take what we get. */
	if (setsockopt(ep->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(ep->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (setsockopt(ep->fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)))
		setsockopt(ep->fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	if (bind(ep->fd, (struct sockaddr *)&local, local_len)) {
		*why = strerror(errno);
		close(ep->fd);
		ep->fd = -1;
		return false;
	}
	return true;
}

size_t ep_data_message_len(const struct ep *ep, size_t inner_len)
{
	size_t padded = (inner_len + PADDING_MULTIPLE - 1) /
			PADDING_MULTIPLE * PADDING_MULTIPLE;

	/* Padding never takes a packet past the MTU; longer ones get none. */
	if (padded > ep->mtu)
		padded = inner_len > ep->mtu ? inner_len : ep->mtu;
	return MESSAGE_DATA_LEN(padded);
}

size_t ep_seal(struct ep *ep, uint8_t *out, const uint8_t *inner, size_t len)
{
	struct message_data *msg = (void *)out;
	size_t msg_len = ep_data_message_len(ep, len);
	size_t padded = msg_len - MESSAGE_DATA_LEN(0);
	uint64_t counter;

	if (!ep->cur.valid)
		return 0;
	counter = ep->cur.send_counter++;
	msg->header.type = MESSAGE_DATA;
	memset(msg->header.reserved, 0, sizeof(msg->header.reserved));
	msg->receiver_index = htole32(ep->cur.remote_index);
	msg->counter = htole64(counter);
	if (len)
		memmove(msg->encrypted_data, inner, len);
	memset(msg->encrypted_data + len, 0, padded - len);
	ep_aead_seal(msg->encrypted_data, msg->encrypted_data, padded, NULL, 0,
		     counter, ep->cur.send_key);
	if (ep->rec)
		ep_record_add(ep->rec, out, msg_len);
	return msg_len;
}

bool ep_send_message(struct ep *ep, const void *msg, size_t len)
{
	ssize_t n = sendto(ep->fd, msg, len, 0, (struct sockaddr *)&ep->endpoint,
			   ep->endpoint_len);

	ep->st.tx_sends++;
	if (n != (ssize_t)len) {
		ep->st.tx_errors++;
		return false;
	}
	return true;
}

bool ep_send_inner(struct ep *ep, const uint8_t *inner, size_t len)
{
	static uint8_t msg[MAX_UDP_PAYLOAD];
	size_t msg_len = ep_seal(ep, msg, inner, len);

	if (!msg_len || !ep_send_message(ep, msg, msg_len))
		return false;
	ep->st.tx_data++;
	ep->st.tx_data_bytes += msg_len;
	return true;
}

void ep_batch_init(struct ep_batch *b, unsigned int max)
{
	b->max = max ? max : 1;
	if (b->max > MAX_GSO_SEGMENTS)
		b->max = MAX_GSO_SEGMENTS;
	b->count = 0;
	b->seg = 0;
	b->len = 0;
	b->data_count = 0;
	b->data_bytes = 0;
}

void ep_batch_flush(struct ep *ep, struct ep_batch *b)
{
	char control[CMSG_SPACE(sizeof(uint16_t))] = { 0 };
	struct iovec iov = { .iov_base = b->buf, .iov_len = b->len };
	struct msghdr mh = {
		.msg_name = &ep->endpoint,
		.msg_namelen = ep->endpoint_len,
		.msg_iov = &iov,
		.msg_iovlen = 1,
	};
	ssize_t n;

	if (!b->count)
		return;
	if (b->count > 1) {
		struct cmsghdr *cm;

		mh.msg_control = control;
		mh.msg_controllen = sizeof(control);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_UDP;
		cm->cmsg_type = UDP_SEGMENT;
		cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
		*(uint16_t *)(void *)CMSG_DATA(cm) = (uint16_t)b->seg;
	}
	n = sendmsg(ep->fd, &mh, 0);
	ep->st.tx_sends++;
	if (n == (ssize_t)b->len) {
		ep->st.tx_data += b->data_count;
		ep->st.tx_data_bytes += b->data_bytes;
	} else {
		ep->st.tx_errors++;
	}
	b->count = 0;
	b->len = 0;
	b->seg = 0;
	b->data_count = 0;
	b->data_bytes = 0;
	/* Take the device's answers as we go: ACKs steer the TCP flow. */
	ep_receive(ep, 0);
}

/* Make room for a message of @len bytes, by the rules of UDP_SEGMENT. */
static void batch_make_room(struct ep *ep, struct ep_batch *b, size_t len)
{
	if (b->count && (b->count >= b->max || len > b->seg ||
			 b->len + len > sizeof(b->buf)))
		ep_batch_flush(ep, b);
}

/* After adding: a full batch, or one whose last message is short, goes. */
static void batch_added(struct ep *ep, struct ep_batch *b, size_t len)
{
	if (!b->count)
		b->seg = len;
	b->count++;
	b->len += len;
	if (b->count >= b->max || len < b->seg)
		ep_batch_flush(ep, b);
}

bool ep_batch_add_inner(struct ep *ep, struct ep_batch *b, const uint8_t *inner,
			size_t len)
{
	size_t msg_len;

	if (!ep->cur.valid)
		return false;
	batch_make_room(ep, b, ep_data_message_len(ep, len));
	msg_len = ep_seal(ep, b->buf + b->len, inner, len);
	b->data_count++;
	b->data_bytes += msg_len;
	batch_added(ep, b, msg_len);
	return true;
}

void ep_batch_add_message(struct ep *ep, struct ep_batch *b, const uint8_t *msg,
			  size_t len)
{
	batch_make_room(ep, b, len);
	memcpy(b->buf + b->len, msg, len);
	batch_added(ep, b, len);
}

/* A response to our initiation makes the new session current. */
static void take_response(struct ep *ep, const uint8_t *buf, size_t len)
{
	struct ep_session session;

	ep->st.rx_response++;
	if (len != sizeof(struct message_response) ||
	    !ep_noise_consume_response(&ep->id, &ep->hs, (const void *)buf,
				       &session)) {
		ep->st.rx_response_invalid++;
		return;
	}
	ep->prev = ep->cur;
	ep->cur = session;
	ep->handshake_done_ms = ep_now_ms();
	ep_wipe(&session, sizeof(session));
}

static void take_cookie(struct ep *ep, const uint8_t *buf, size_t len)
{
	const struct message_cookie_reply *msg = (const void *)buf;

	ep->st.rx_cookie++;
	if (len != sizeof(*msg) || !ep->hs.pending ||
	    le32toh(msg->receiver_index) != ep->hs.sender_index ||
	    !ep_noise_consume_cookie(&ep->id, msg, ep_now_ms()))
		ep->st.rx_cookie_invalid++;
}

/* Open a data message in place and count what it carried. */
static void take_data(struct ep *ep, uint8_t *buf, size_t len)
{
	struct message_data *msg = (void *)buf;
	struct ep_session *s;
	uint32_t index;
	uint64_t counter;
	size_t plain;

	if (len < MESSAGE_DATA_LEN(0)) {
		ep->st.rx_bad_message++;
		return;
	}
	index = le32toh(msg->receiver_index);
	if (ep->cur.valid && index == ep->cur.local_index) {
		s = &ep->cur;
	} else if (ep->prev.valid && index == ep->prev.local_index) {
		s = &ep->prev;
	} else {
		ep->st.rx_unknown_index++;
		return;
	}
	counter = le64toh(msg->counter);
	plain = len - MESSAGE_DATA_LEN(0);
	if (!ep_aead_open(msg->encrypted_data, msg->encrypted_data,
			  plain + TAG_LEN, NULL, 0, counter, s->receive_key)) {
		ep->st.rx_auth_fail++;
		return;
	}
	if (ep_replay_check(&s->replay, counter) != REPLAY_ACCEPT) {
		ep->st.rx_replay++;
		return;
	}
	ep->st.rx_data++;
	if (!plain) {
		ep->st.rx_keepalive++;
		return;
	}
	ep_inner_input(ep, msg->encrypted_data, plain);
}

static void take(struct ep *ep, uint8_t *buf, size_t len)
{
	const struct message_header *h = (const void *)buf;

	if (len < sizeof(*h) || h->reserved[0] || h->reserved[1] ||
	    h->reserved[2]) {
		ep->st.rx_bad_message++;
		return;
	}
	switch (h->type) {
	case MESSAGE_INITIATION:
		/* evilpeer never responds; the device's retries are counted. */
		ep->st.rx_initiation++;
		if (len == sizeof(struct message_initiation)) {
			const struct message_initiation *m = (const void *)buf;

			memcpy(ep->dev_mac1, m->macs.mac1, MAC_LEN);
			ep->has_dev_mac1 = true;
			ep->dev_init_index = le32toh(m->sender_index);
			ep->dev_init_ms = ep_now_ms();
		}
		break;
	case MESSAGE_RESPONSE:
		if (len == sizeof(struct message_response)) {
			memcpy(ep->dev_mac1,
			       ((const struct message_response *)buf)->macs.mac1,
			       MAC_LEN);
			ep->has_dev_mac1 = true;
		}
		take_response(ep, buf, len);
		break;
	case MESSAGE_COOKIE_REPLY:
		take_cookie(ep, buf, len);
		break;
	case MESSAGE_DATA:
		take_data(ep, buf, len);
		break;
	default:
		ep->st.rx_bad_message++;
		break;
	}
}

int ep_receive(struct ep *ep, int timeout_ms)
{
	static uint8_t bufs[RX_BATCH][RX_MAX];
	struct mmsghdr msgs[RX_BATCH];
	struct iovec iovs[RX_BATCH];
	struct pollfd pfd = { .fd = ep->fd, .events = POLLIN };
	int total = 0, errors = 0, n, i;

	if (timeout_ms > 0 && poll(&pfd, 1, timeout_ms) <= 0)
		return 0;
	for (;;) {
		memset(msgs, 0, sizeof(msgs));
		for (i = 0; i < RX_BATCH; i++) {
			iovs[i].iov_base = bufs[i];
			iovs[i].iov_len = RX_MAX;
			msgs[i].msg_hdr.msg_iov = &iovs[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(ep->fd, msgs, RX_BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0) {
			/* An error pending on the socket: take it, go on. */
			if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
			    ++errors < 8)
				continue;
			break;
		}
		for (i = 0; i < n; i++)
			take(ep, bufs[i], msgs[i].msg_len);
		total += n;
	}
	return total;
}

bool ep_receive_until(struct ep *ep, int timeout_ms,
		      bool (*done)(struct ep *ep, const void *arg),
		      const void *arg)
{
	uint64_t deadline = ep_now_ms() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0);
	uint64_t now;

	for (;;) {
		ep_receive(ep, 0);
		if (done(ep, arg))
			return true;
		now = ep_now_ms();
		if (now >= deadline)
			return false;
		ep_receive(ep, (int)(deadline - now < 50 ? deadline - now : 50));
	}
}
