// SPDX-License-Identifier: GPL-2.0
/*
 * The inner TCP flow (tcpflow.h). Deliberately small: no SACK, no
 * timestamps, a fixed retransmission timeout, go-back-N. Enough to move
 * an exact number of bytes to a listener, in order, in full-size
 * segments that GRO can merge: every data segment of a run has the same
 * flags (ACK only), ACK number, window and options.
 */
#include "tcpflow.h"

#include <string.h>

#include "crypto.h"
#include "evilpeer.h"
#include "transport.h"

/* Our receive window: the largest field, scaled when the device agrees. */
#define OUR_WINDOW		65535
#define OUR_WSCALE		7
/* Go back to the first unacknowledged byte after this long without ACKs. */
#define RTO_MS			250
#define SYN_RETRY_MS		1000
/* How long a blast waits at its end for the last RSTs. */
#define BLAST_TAIL_MS		300

/* The stream's bytes: 'a' to 'z' over and over, so a listener can check. */
#define PATTERN_PERIOD		26
static uint8_t pattern[MAX_INNER_LEN + PATTERN_PERIOD];

static const uint8_t *stream_bytes(uint64_t offset)
{
	size_t i;

	if (!pattern[0])
		for (i = 0; i < sizeof(pattern); i++)
			pattern[i] = (uint8_t)('a' + i % PATTERN_PERIOD);
	return pattern + offset % PATTERN_PERIOD;
}

static bool seq_lt(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static bool seq_leq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) <= 0;
}

/* One segment of the connection, alone or into @b. */
static bool put_segment(struct ep *ep, struct ep_batch *b, uint8_t flags,
			uint32_t seq, const uint8_t *options, size_t options_len,
			const uint8_t *payload, size_t payload_len)
{
	static uint8_t pkt[MAX_INNER_LEN + 128];
	struct ep_tcp *t = &ep->tcp;
	struct ep_tcp_segment seg = {
		.sport = t->sport,
		.dport = t->dport,
		.seq = seq,
		.ack = (flags & TCP_ACK) ? t->rcv_nxt : 0,
		.flags = flags,
		.window = OUR_WINDOW,
		.options = options,
		.options_len = options_len,
		.payload = payload,
		.payload_len = payload_len,
	};
	size_t len = ep_inner_tcp(ep, &t->addr, pkt, &seg);

	return b ? ep_batch_add_inner(ep, b, pkt, len) : ep_send_inner(ep, pkt, len);
}

static bool connect_done(struct ep *ep, const void *arg)
{
	(void)arg;
	return ep->tcp.established || ep->tcp.rst;
}

bool ep_tcp_connect(struct ep *ep, const struct ep_flowaddr *addr,
		    uint16_t dport, uint16_t mss, int timeout_ms,
		    const char **why)
{
	const uint8_t options[] = {
		2, 4, mss >> 8, mss & 0xff,	/* MSS */
		1,				/* NOP */
		3, 3, OUR_WSCALE,		/* window scale */
	};
	struct ep_tcp *t = &ep->tcp;
	uint64_t deadline = ep_now_ms() + (uint64_t)timeout_ms;
	uint16_t port;

	memset(t, 0, sizeof(*t));
	t->addr = *addr;
	ep_random(&port, sizeof(port));
	t->sport = 32768 + port % 28000;
	t->dport = dport;
	ep_random(&t->iss, sizeof(t->iss));
	t->snd_una = t->iss;
	t->snd_nxt = t->snd_max = t->iss + 1;
	t->active = true;
	while (!t->established) {
		uint64_t now = ep_now_ms();

		if (now >= deadline) {
			*why = "no SYN-ACK";
			t->active = false;
			return false;
		}
		if (!put_segment(ep, NULL, TCP_SYN, t->iss, options,
				 sizeof(options), NULL, 0)) {
			*why = "SYN not sent (no session?)";
			t->active = false;
			return false;
		}
		ep_receive_until(ep, (int)(deadline - now < SYN_RETRY_MS ?
					   deadline - now : SYN_RETRY_MS),
				 connect_done, NULL);
		if (t->rst) {
			*why = "connection refused (RST)";
			t->active = false;
			return false;
		}
	}
	put_segment(ep, NULL, TCP_ACK, t->snd_nxt, NULL, 0, NULL, 0);
	return true;
}

bool ep_tcp_send(struct ep *ep, uint64_t bytes, size_t seg, unsigned int gso,
		 uint32_t max_inflight, int timeout_ms,
		 struct ep_tcp_report *report, const char **why)
{
	static struct ep_batch batch;
	struct ep_tcp *t = &ep->tcp;
	uint64_t start = ep_now_ms(), now = start, last_progress = start;
	uint64_t deadline = start + (uint64_t)timeout_ms;
	uint64_t rsts = ep->st.tcp_rst, sends = ep->st.tx_sends;
	uint32_t first = t->snd_max, end = t->snd_max + (uint32_t)bytes;
	uint32_t una = t->snd_una;
	bool ok = false;

	memset(report, 0, sizeof(*report));
	if (!t->established || t->fin_sent) {
		*why = "no established connection";
		return false;
	}
	if (bytes >= (1ULL << 31)) {
		*why = "at most 2^31 - 1 bytes per send";
		return false;
	}
	report->bytes = bytes;
	for (;;) {
		bool window_full = false;

		if (t->rst) {
			*why = "connection reset";
			break;
		}
		if (t->snd_una == end) {
			ok = true;
			break;
		}
		if (now >= deadline) {
			*why = "timed out waiting for ACKs";
			break;
		}
		ep_batch_init(&batch, gso);
		while (seq_lt(t->snd_nxt, end)) {
			uint32_t len = end - t->snd_nxt, limit, window;

			if (len > seg)
				len = (uint32_t)seg;
			/* With nothing in flight one segment may probe a closed window. */
			window = t->snd_wnd < max_inflight ? t->snd_wnd : max_inflight;
			if (t->snd_nxt == t->snd_una && window < len)
				window = len;
			limit = t->snd_una + window;
			if (seq_lt(limit, t->snd_nxt + len)) {
				window_full = true;
				break;
			}
			if (!put_segment(ep, &batch, TCP_ACK, t->snd_nxt, NULL, 0,
					 stream_bytes(t->snd_nxt - t->iss - 1), len)) {
				*why = "no session";
				goto out;
			}
			report->segments++;
			t->snd_nxt += len;
			if (seq_lt(t->snd_max, t->snd_nxt))
				t->snd_max = t->snd_nxt;
		}
		ep_batch_flush(ep, &batch);
		ep_receive(ep, window_full || t->snd_nxt == end ? 10 : 0);
		now = ep_now_ms();
		if (t->snd_una != una) {
			una = t->snd_una;
			last_progress = now;
		} else if (now - last_progress >= RTO_MS) {
			t->snd_nxt = t->snd_una;
			t->retransmits++;
			report->retransmits++;
			last_progress = now;
		}
	}
out:
	report->acked = seq_lt(t->snd_una, first) ? 0 :
			(uint32_t)(t->snd_una - first);
	report->rsts = ep->st.tcp_rst - rsts;
	report->sends = ep->st.tx_sends - sends;
	report->ms = ep_now_ms() - start;
	return ok;
}

static bool close_done(struct ep *ep, const void *arg)
{
	(void)arg;
	return (ep->tcp.fin_acked && ep->tcp.peer_fin) || ep->tcp.rst;
}

bool ep_tcp_close(struct ep *ep, int timeout_ms, const char **why)
{
	struct ep_tcp *t = &ep->tcp;
	uint64_t deadline = ep_now_ms() + (uint64_t)timeout_ms;
	uint32_t fin_seq;

	if (!t->established) {
		*why = "no established connection";
		return false;
	}
	if (!t->fin_sent) {
		t->fin_sent = true;
		t->snd_nxt = t->snd_max;
		t->snd_max++;
	}
	fin_seq = t->snd_max - 1;
	while (!close_done(ep, NULL)) {
		uint64_t now = ep_now_ms();

		if (now >= deadline) {
			*why = t->fin_acked ? "no FIN from the device" :
					      "our FIN was not acknowledged";
			return false;
		}
		if (!t->fin_acked)
			put_segment(ep, NULL, TCP_FIN | TCP_ACK, fin_seq, NULL, 0,
				    NULL, 0);
		ep_receive_until(ep, (int)(deadline - now < 500 ?
					   deadline - now : 500),
				 close_done, NULL);
	}
	if (t->rst) {
		*why = "connection reset";
		return false;
	}
	put_segment(ep, NULL, TCP_ACK, t->snd_max, NULL, 0, NULL, 0);
	t->active = false;
	return true;
}

void ep_tcp_blast(struct ep *ep, const struct ep_flowaddr *addr,
		  uint16_t dport, uint64_t bytes, uint64_t duration_ms,
		  size_t seg, unsigned int gso, struct ep_tcp_report *report)
{
	static struct ep_batch batch;
	static uint8_t pkt[MAX_INNER_LEN + 128];
	uint64_t start = ep_now_ms(), offset = 0;
	uint64_t rsts = ep->st.tcp_rst, sends = ep->st.tx_sends;
	struct ep_tcp_segment s = {
		.dport = dport,
		.flags = TCP_ACK,
		.window = OUR_WINDOW,
	};
	uint16_t port;

	memset(report, 0, sizeof(*report));
	ep_random(&port, sizeof(port));
	s.sport = 32768 + port % 28000;
	ep_random(&s.seq, sizeof(s.seq));
	ep_random(&s.ack, sizeof(s.ack));
	ep_batch_init(&batch, gso);
	for (;;) {
		size_t len = seg, plen;

		if (bytes) {
			if (offset >= bytes)
				break;
			if (len > bytes - offset)
				len = (size_t)(bytes - offset);
		} else if (ep_now_ms() - start >= duration_ms) {
			break;
		}
		s.payload = stream_bytes(offset);
		s.payload_len = len;
		plen = ep_inner_tcp(ep, addr, pkt, &s);
		if (!ep_batch_add_inner(ep, &batch, pkt, plen))
			break;
		s.seq += (uint32_t)len;
		offset += len;
		report->segments++;
	}
	ep_batch_flush(ep, &batch);
	/* The last RSTs, until none came for a while. */
	while (ep_receive(ep, BLAST_TAIL_MS) > 0)
		;
	report->bytes = offset;
	report->rsts = ep->st.tcp_rst - rsts;
	report->sends = ep->st.tx_sends - sends;
	report->ms = ep_now_ms() - start;
}

void ep_tcp_input(struct ep *ep, int version, const uint8_t *src,
		  const uint8_t *dst, const struct ep_tcp_header *h)
{
	struct ep_tcp *t = &ep->tcp;
	size_t alen = version == 4 ? 4 : 16;
	size_t i;

	if (!t->active || version != t->addr.version ||
	    memcmp(src, t->addr.dst, alen) || memcmp(dst, t->addr.src, alen) ||
	    h->sport != t->dport || h->dport != t->sport)
		return;
	if (h->flags & TCP_RST) {
		t->rst = true;
		return;
	}
	if (!t->established) {
		if ((h->flags & (TCP_SYN | TCP_ACK)) != (TCP_SYN | TCP_ACK) ||
		    h->ack != t->iss + 1)
			return;
		t->rcv_nxt = h->seq + 1;
		t->snd_una = h->ack;
		/* The SYN-ACK's window is never scaled. */
		t->snd_wnd = h->window;
		for (i = 0; i < h->options_len;) {
			uint8_t kind = h->options[i];

			if (kind == 0)
				break;
			if (kind == 1) {
				i++;
				continue;
			}
			if (i + 1 >= h->options_len || h->options[i + 1] < 2)
				break;
			if (kind == 3 && h->options[i + 1] == 3 &&
			    i + 2 < h->options_len)
				t->snd_wscale = h->options[i + 2] > 14 ? 14 :
						h->options[i + 2];
			i += h->options[i + 1];
		}
		t->established = true;
		return;
	}
	if ((h->flags & TCP_ACK) && seq_leq(t->snd_una, h->ack) &&
	    seq_leq(h->ack, t->snd_max)) {
		t->snd_una = h->ack;
		t->snd_wnd = (uint32_t)h->window << t->snd_wscale;
		if (seq_lt(t->snd_nxt, t->snd_una))
			t->snd_nxt = t->snd_una;
		if (t->fin_sent && h->ack == t->snd_max)
			t->fin_acked = true;
	}
	/* Data from the device is only acknowledged, in order, never kept. */
	if (h->seq == t->rcv_nxt) {
		t->rcv_nxt += (uint32_t)h->payload_len;
		if (h->flags & TCP_FIN) {
			t->rcv_nxt++;
			t->peer_fin = true;
		}
	}
}
