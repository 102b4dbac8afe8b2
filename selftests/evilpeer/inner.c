// SPDX-License-Identifier: GPL-2.0
/*
 * Building inner packets and reading the device's (inner.h). Headers are
 * written byte by byte in network order, so nothing depends on struct
 * layouts of the C library.
 */
#include "inner.h"

#include <arpa/inet.h>
#include <string.h>

#include "evilpeer.h"

enum {
	PROTO_ICMP = 1,
	PROTO_TCP = 6,
	PROTO_UDP = 17,
	PROTO_ICMPV6 = 58,
};

bool ep_inner_default_addr(const struct ep *ep, int version,
			   struct ep_flowaddr *addr)
{
	memset(addr, 0, sizeof(*addr));
	addr->version = version;
	if (version == 4 && ep->has_inner4) {
		memcpy(addr->src, &ep->inner4, 4);
		memcpy(addr->dst, &ep->dev_inner4, 4);
		return true;
	}
	if (version == 6 && ep->has_inner6) {
		memcpy(addr->src, &ep->inner6, 16);
		memcpy(addr->dst, &ep->dev_inner6, 16);
		return true;
	}
	return false;
}

size_t ep_inner_ip_header_len(int version)
{
	return version == 4 ? IPV4_HEADER_LEN : IPV6_HEADER_LEN;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) << 16 | get16(p + 2);
}

uint32_t ep_csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	while (len > 1) {
		sum += get16(p);
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

uint16_t ep_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* The pseudo-header sum of TCP, UDP and ICMPv6 checksums. */
static uint32_t pseudo_sum(const struct ep_flowaddr *a, uint8_t proto,
			   size_t l4len)
{
	size_t alen = a->version == 4 ? 4 : 16;
	uint32_t sum = 0;

	sum = ep_csum_add(sum, a->src, alen);
	sum = ep_csum_add(sum, a->dst, alen);
	sum += proto;
	sum += (uint32_t)(l4len >> 16) + (uint32_t)(l4len & 0xffff);
	return sum;
}

/* The IP header in front of @l4len bytes at out + header length. */
static size_t put_ip_header(struct ep *ep, const struct ep_flowaddr *a,
			    uint8_t *out, uint8_t proto, size_t l4len)
{
	if (a->version == 4) {
		size_t total = IPV4_HEADER_LEN + l4len;

		memset(out, 0, IPV4_HEADER_LEN);
		out[0] = 0x45;
		put16(out + 2, (uint16_t)total);
		put16(out + 4, ep->ip_id++);
		out[6] = 0x40;	/* DF */
		out[8] = 64;	/* TTL */
		out[9] = proto;
		memcpy(out + 12, a->src, 4);
		memcpy(out + 16, a->dst, 4);
		put16(out + 10, ep_csum_fold(ep_csum_add(0, out, IPV4_HEADER_LEN)));
		return IPV4_HEADER_LEN;
	}
	memset(out, 0, IPV6_HEADER_LEN);
	out[0] = 0x60;
	put16(out + 4, (uint16_t)l4len);
	out[6] = proto;
	out[7] = 64;		/* hop limit */
	memcpy(out + 8, a->src, 16);
	memcpy(out + 24, a->dst, 16);
	return IPV6_HEADER_LEN;
}

size_t ep_inner_icmp_echo(struct ep *ep, const struct ep_flowaddr *addr,
			  uint8_t *out, uint16_t ident, uint16_t seq,
			  size_t payload_len)
{
	size_t hlen = ep_inner_ip_header_len(addr->version);
	size_t l4len = ICMP_HEADER_LEN + payload_len, i;
	uint8_t *icmp = out + hlen;
	uint32_t sum;

	icmp[0] = addr->version == 4 ? 8 : 128;	/* echo request */
	icmp[1] = 0;
	put16(icmp + 2, 0);
	put16(icmp + 4, ident);
	put16(icmp + 6, seq);
	for (i = 0; i < payload_len; i++)
		icmp[ICMP_HEADER_LEN + i] = (uint8_t)i;
	/* ICMPv6 covers a pseudo-header, ICMPv4 only itself. */
	sum = addr->version == 4 ? 0 : pseudo_sum(addr, PROTO_ICMPV6, l4len);
	put16(icmp + 2, ep_csum_fold(ep_csum_add(sum, icmp, l4len)));
	put_ip_header(ep, addr, out,
		      addr->version == 4 ? PROTO_ICMP : PROTO_ICMPV6, l4len);
	return hlen + l4len;
}

size_t ep_inner_udp(struct ep *ep, const struct ep_flowaddr *addr, uint8_t *out,
		    uint16_t sport, uint16_t dport, const uint8_t *payload,
		    size_t payload_len)
{
	size_t hlen = ep_inner_ip_header_len(addr->version);
	size_t l4len = UDP_HEADER_LEN + payload_len;
	uint8_t *udp = out + hlen;
	uint16_t csum;

	put16(udp, sport);
	put16(udp + 2, dport);
	put16(udp + 4, (uint16_t)l4len);
	put16(udp + 6, 0);
	memmove(udp + UDP_HEADER_LEN, payload, payload_len);
	csum = ep_csum_fold(ep_csum_add(pseudo_sum(addr, PROTO_UDP, l4len), udp, l4len));
	put16(udp + 6, csum ? csum : 0xffff);
	put_ip_header(ep, addr, out, PROTO_UDP, l4len);
	return hlen + l4len;
}

size_t ep_inner_tcp(struct ep *ep, const struct ep_flowaddr *addr, uint8_t *out,
		    const struct ep_tcp_segment *seg)
{
	size_t hlen = ep_inner_ip_header_len(addr->version);
	size_t thlen = TCP_HEADER_LEN + seg->options_len;
	size_t l4len = thlen + seg->payload_len;
	uint8_t *tcp = out + hlen;

	put16(tcp, seg->sport);
	put16(tcp + 2, seg->dport);
	put32(tcp + 4, seg->seq);
	put32(tcp + 8, seg->ack);
	tcp[12] = (uint8_t)((thlen / 4) << 4);
	tcp[13] = seg->flags;
	put16(tcp + 14, seg->window);
	put16(tcp + 16, 0);
	put16(tcp + 18, 0);
	if (seg->options_len)
		memcpy(tcp + TCP_HEADER_LEN, seg->options, seg->options_len);
	if (seg->payload_len)
		memcpy(tcp + thlen, seg->payload, seg->payload_len);
	put16(tcp + 16, ep_csum_fold(ep_csum_add(pseudo_sum(addr, PROTO_TCP, l4len), tcp,
				   l4len)));
	put_ip_header(ep, addr, out, PROTO_TCP, l4len);
	return hlen + l4len;
}

static void tcp_input(struct ep *ep, int version, const uint8_t *src,
		      const uint8_t *dst, const uint8_t *tcp, size_t len)
{
	struct ep_tcp_header h;
	size_t thlen;

	if (len < TCP_HEADER_LEN)
		goto other;
	thlen = (size_t)(tcp[12] >> 4) * 4;
	if (thlen < TCP_HEADER_LEN || thlen > len)
		goto other;
	h.sport = get16(tcp);
	h.dport = get16(tcp + 2);
	h.seq = get32(tcp + 4);
	h.ack = get32(tcp + 8);
	h.flags = tcp[13];
	h.window = get16(tcp + 14);
	h.options = tcp + TCP_HEADER_LEN;
	h.options_len = thlen - TCP_HEADER_LEN;
	h.payload_len = len - thlen;
	if (h.flags & TCP_RST)
		ep->st.tcp_rst++;
	else if ((h.flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK))
		ep->st.tcp_synack++;
	else if (h.flags & TCP_FIN)
		ep->st.tcp_fin++;
	else if (h.flags & TCP_ACK)
		ep->st.tcp_ack++;
	ep_tcp_input(ep, version, src, dst, &h);
	return;
other:
	ep->st.inner_other++;
}

static void icmp_input(struct ep *ep, int version, const uint8_t *icmp,
		       size_t len)
{
	if (len < ICMP_HEADER_LEN) {
		ep->st.inner_other++;
		return;
	}
	if ((version == 4 && icmp[0] == 0) || (version == 6 && icmp[0] == 129))
		ep->st.icmp_echo_reply++;
	else if ((version == 4 && icmp[0] == 3) || (version == 6 && icmp[0] == 1))
		ep->st.icmp_unreachable++;
	else
		ep->st.icmp_other++;
}

/* The transport part of an inner packet of either family. */
static void l4_input(struct ep *ep, int version, uint8_t proto,
		     const uint8_t *src, const uint8_t *dst, const uint8_t *l4,
		     size_t len)
{
	if (proto == (version == 4 ? PROTO_ICMP : PROTO_ICMPV6))
		icmp_input(ep, version, l4, len);
	else if (proto == PROTO_TCP)
		tcp_input(ep, version, src, dst, l4, len);
	else if (proto == PROTO_UDP)
		ep->st.udp++;
	else
		ep->st.inner_other++;
}

void ep_inner_input(struct ep *ep, const uint8_t *pkt, size_t len)
{
	size_t hlen, total;

	if (len >= IPV4_HEADER_LEN && pkt[0] >> 4 == 4) {
		hlen = (size_t)(pkt[0] & 0xf) * 4;
		total = get16(pkt + 2);
		if (hlen < IPV4_HEADER_LEN || total < hlen || total > len)
			goto other;
		l4_input(ep, 4, pkt[9], pkt + 12, pkt + 16, pkt + hlen,
			 total - hlen);
		return;
	}
	if (len >= IPV6_HEADER_LEN && pkt[0] >> 4 == 6) {
		total = IPV6_HEADER_LEN + get16(pkt + 4);
		if (total > len)
			goto other;
		/* The device sends no extension headers to us. */
		l4_input(ep, 6, pkt[6], pkt + 8, pkt + 24, pkt + IPV6_HEADER_LEN,
			 total - IPV6_HEADER_LEN);
		return;
	}
other:
	ep->st.inner_other++;
}
