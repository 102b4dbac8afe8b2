// SPDX-License-Identifier: GPL-2.0
/*
 * The device's UDP sockets, the checks every received message passes
 * before anything else looks at it, and the peers' endpoints (socket.h).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/inetdevice.h>
#include <linux/ipv6.h>
#include <linux/lockdep.h>
#include <linux/net.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <linux/udp.h>
#include <net/inet_sock.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/route.h>
#include <net/dst_cache.h>
#include <net/udp_tunnel.h>

#include "compat.h"
#include "device.h"
#include "messages.h"
#include "netlink.h"
#include "peer.h"
#include "receive.h"
#include "socket.h"

/*
 * How often a port chosen by the kernel for IPv4 is given up because the
 * same port is taken for IPv6, before the bind fails.
 */
enum { PORT_PICK_RETRIES = 32 };

/*
 * Check the outer framing of a received message: the UDP header, the
 * message type and the size the protocol fixes for that type
 * (Documentation/protocol.md "Messages"). Nothing here needs a key. On success
 * skb->data points at the message, whose fixed header is in the linear area,
 * and the transport header still locates the UDP header (for the endpoint the
 * data plane learns from it).
 *
 * Return: NOISETUN_A_DROP_UNSPEC (0) for a well-formed message, otherwise
 * the drop reason.
 */
static enum noisetun_drop_attr check_framing(struct sk_buff *skb)
{
	unsigned int udp_len, len, header_len;
	int offset = skb_transport_offset(skb);
	struct udphdr *udp;
	bool exact = true;
	__le32 type;

	/* Where the UDP stack left the headers, for the paranoid. */
	if (unlikely(offset < 0 || offset > U16_MAX ||
		     !pskb_may_pull(skb, offset + sizeof(*udp))))
		return NOISETUN_A_DROP_BAD_HEADER;
	udp = udp_hdr(skb);
	udp_len = ntohs(udp->len);
	if (unlikely(udp_len < sizeof(*udp) || udp_len > skb->len - offset))
		return NOISETUN_A_DROP_BAD_HEADER;
	/* Drop whatever lower layers padded the datagram with. */
	if (unlikely(pskb_trim_rcsum(skb, offset + udp_len)))
		return NOISETUN_A_DROP_NO_MEMORY;
	offset += sizeof(*udp);
	len = udp_len - sizeof(*udp);

	if (unlikely(len < sizeof(struct message_header)))
		return NOISETUN_A_DROP_BAD_TYPE;
	if (unlikely(!pskb_may_pull(skb, offset + sizeof(struct message_header))))
		return NOISETUN_A_DROP_NO_MEMORY;
	type = ((struct message_header *)(skb->data + offset))->type;

	switch (type) {
	case cpu_to_le32(MESSAGE_HANDSHAKE_INITIATION):
		header_len = sizeof(struct message_handshake_initiation);
		break;
	case cpu_to_le32(MESSAGE_HANDSHAKE_RESPONSE):
		header_len = sizeof(struct message_handshake_response);
		break;
	case cpu_to_le32(MESSAGE_HANDSHAKE_COOKIE):
		header_len = sizeof(struct message_handshake_cookie);
		break;
	case cpu_to_le32(MESSAGE_DATA):
		/* A keepalive: the header and an empty sealed payload. */
		header_len = MESSAGE_MINIMUM_LENGTH;
		exact = false;
		break;
	default:
		/* Includes a valid type byte with non-zero reserved bytes. */
		return NOISETUN_A_DROP_BAD_TYPE;
	}
	if (unlikely(exact ? len != header_len : len < header_len))
		return NOISETUN_A_DROP_BAD_SIZE;
	if (unlikely(!pskb_may_pull(skb, offset + header_len)))
		return NOISETUN_A_DROP_NO_MEMORY;
	__skb_pull(skb, offset);
	return NOISETUN_A_DROP_UNSPEC;
}

/*
 * encap_rcv of both sockets: softirq, under rcu_read_lock().
 *
 * A UDP GSO packet (a peer that batches its sends with UDP_SEGMENT, or a
 * GRO-merged datagram forwarded to us) is split by the UDP stack, which
 * then hands us its segments one by one while they are still chained
 * through skb->next: the walk that feeds us keeps its own cursor but never
 * clears the link. Each segment is detached here, before anything can
 * mistake the rest of the chain for its own: GRO would append it to a
 * frag_list, and a list free would free segments the stack still owns.
 * From here on a received packet is always alone; the queues link it
 * through skb->prev (queueing.h) or an sk_buff_head, which rewrite both
 * links.
 */
static int encap_recv(struct sock *sk, struct sk_buff *skb)
{
	enum noisetun_drop_attr reason;
	struct nt_device *ntd;

	skb_mark_not_on_list(skb);
	/* Cleared by udp_tunnel_sock_release() before a socket goes away. */
	ntd = rcu_dereference_sk_user_data(sk);
	if (unlikely(!ntd)) {
		kfree_skb(skb);
		return 0;
	}

	reason = check_framing(skb);
	if (unlikely(reason)) {
		nt_device_count_drop(ntd, reason);
		kfree_skb(skb);
		return 0;
	}

	/*
	 * A well-formed message. Handshake messages go to the device's
	 * handshake queue (bad_mac1, ratelimited and handshake_queue_full are
	 * counted there), data messages to their keypair's peer.
	 */
	if (((struct message_header *)skb->data)->type ==
	    cpu_to_le32(MESSAGE_DATA))
		nt_receive_data(ntd, skb);
	else
		nt_receive_handshake_queue(ntd, skb);
	return 0;
}

static void close_sock(struct sock *sk)
{
	if (!sk)
		return;
	/* Clears sk_user_data and waits for encap_recv() to be done with it. */
	nt_compat_udp_tunnel_sock_release(sk);
}

static void set_sock_opts(struct sock *sk)
{
	/* The data plane sends from softirq and from workers. */
	sk->sk_allocation = GFP_ATOMIC;
	sk->sk_sndbuf = INT_MAX;
}

static int create_sock(struct net *net, struct udp_port_cfg *port_cfg,
		       struct nt_device *ntd, struct sock **sk)
{
	struct udp_tunnel_sock_cfg tunnel_cfg = {
		.sk_user_data = ntd,
		.encap_type = 1,
		.encap_rcv = encap_recv,
	};
	struct socket *sock;
	int ret;

	ret = udp_sock_create(net, port_cfg, &sock);
	if (ret < 0)
		return ret;
	set_sock_opts(sock->sk);
	nt_compat_setup_udp_tunnel_sock(net, sock, &tunnel_cfg);
	*sk = sock->sk;
	return 0;
}

int nt_socket_bind(struct nt_device *ntd, u16 port,
		   struct nt_socket_pair *pair)
{
	struct udp_port_cfg port4 = {
		.family = AF_INET,
		.local_ip.s_addr = htonl(INADDR_ANY),
		.local_udp_port = htons(port),
		.use_udp_checksums = true,
	};
	unsigned int retries = 0;
	struct net *net;
	int ret;

	ASSERT_RTNL();
	lockdep_assert_held(&ntd->device_update_lock);
	pair->sock4 = NULL;
	pair->sock6 = NULL;

	/*
	 * creating_net is valid (the device is deleted before that namespace
	 * goes), but it may already be on its way out: binding there would be
	 * pointless, and the reference keeps it alive while we do.
	 */
	net = ntd->creating_net ? maybe_get_net(ntd->creating_net) : NULL;
	if (unlikely(!net))
		return -ENONET;

retry:
	ret = create_sock(net, &port4, ntd, &pair->sock4);
	if (ret < 0)
		goto out;

#if IS_ENABLED(CONFIG_IPV6)
	if (ipv6_mod_enabled()) {
		struct udp_port_cfg port6 = {
			.family = AF_INET6,
			.local_ip6 = IN6ADDR_ANY_INIT,
			/* The port IPv4 got, chosen by the kernel or not. */
			.local_udp_port = inet_sk(pair->sock4)->inet_sport,
			.use_udp6_tx_checksums = true,
			.use_udp6_rx_checksums = true,
			.ipv6_v6only = true,
		};

		ret = create_sock(net, &port6, ntd, &pair->sock6);
		if (ret < 0) {
			close_sock(pair->sock4);
			pair->sock4 = NULL;
			if (ret == -EADDRINUSE && !port &&
			    retries++ < PORT_PICK_RETRIES)
				goto retry;
			goto out;
		}
	}
#endif
	ret = 0;
out:
	put_net(net);
	return ret;
}

void nt_socket_release(struct nt_socket_pair *pair)
{
	close_sock(pair->sock4);
	close_sock(pair->sock6);
	pair->sock4 = NULL;
	pair->sock6 = NULL;
}

void nt_socket_install(struct nt_device *ntd, struct nt_socket_pair *pair)
{
	struct mutex *lock = &ntd->device_update_lock;
	struct nt_socket_pair old;

	lockdep_assert_held(lock);
	old.sock4 = rcu_dereference_protected(ntd->sock4,
					      lockdep_is_held(lock));
	old.sock6 = rcu_dereference_protected(ntd->sock6,
					      lockdep_is_held(lock));
	rcu_assign_pointer(ntd->sock4, pair->sock4);
	rcu_assign_pointer(ntd->sock6, pair->sock6);
	if (pair->sock4)
		ntd->incoming_port = ntohs(inet_sk(pair->sock4)->inet_sport);
	pair->sock4 = NULL;
	pair->sock6 = NULL;

	if (!old.sock4 && !old.sock6)
		return;
	/* Senders that picked an old socket under RCU are done after. */
	synchronize_net();
	nt_socket_release(&old);
}

int nt_socket_open(struct nt_device *ntd)
{
	struct nt_socket_pair pair;
	int ret;

	ret = nt_socket_bind(ntd, ntd->incoming_port, &pair);
	if (ret < 0)
		return ret;
	nt_socket_install(ntd, &pair);
	return 0;
}

void nt_socket_close(struct nt_device *ntd)
{
	struct nt_socket_pair none = { };

	nt_socket_install(ntd, &none);
}

/* The remote end only: the address, port and scope, not the source. */
static bool endpoint_remote_eq(const struct nt_endpoint *a,
			       const struct nt_endpoint *b)
{
	if (a->addr.sa_family != b->addr.sa_family)
		return false;
	if (a->addr.sa_family == AF_INET)
		return a->addr4.sin_port == b->addr4.sin_port &&
		       a->addr4.sin_addr.s_addr == b->addr4.sin_addr.s_addr;
	if (a->addr.sa_family == AF_INET6)
		return a->addr6.sin6_port == b->addr6.sin6_port &&
		       ipv6_addr_equal(&a->addr6.sin6_addr, &b->addr6.sin6_addr) &&
		       a->addr6.sin6_scope_id == b->addr6.sin6_scope_id;
	return true;
}

/* The remote end and the source we send from. */
static bool endpoint_eq(const struct nt_endpoint *a,
			const struct nt_endpoint *b)
{
	if (!endpoint_remote_eq(a, b))
		return false;
	if (a->addr.sa_family == AF_INET)
		return a->src4.s_addr == b->src4.s_addr &&
		       a->src_ifindex4 == b->src_ifindex4;
	if (a->addr.sa_family == AF_INET6)
		return ipv6_addr_equal(&a->src6, &b->src6);
	return true;
}

bool nt_socket_set_peer_endpoint(struct nt_peer *peer,
				 const struct nt_endpoint *endpoint)
{
	bool same, moved;

	/* Every authenticated packet roams here; nearly all change nothing. */
	read_lock_bh(&peer->endpoint_lock);
	same = endpoint_eq(&peer->endpoint, endpoint);
	read_unlock_bh(&peer->endpoint_lock);
	if (likely(same))
		return false;

	write_lock_bh(&peer->endpoint_lock);
	moved = !endpoint_remote_eq(&peer->endpoint, endpoint);
	peer->endpoint = *endpoint;
	/* The cached routes lead to the old address, or from the old source. */
	dst_cache_reset(&peer->endpoint_cache);
	write_unlock_bh(&peer->endpoint_lock);
	return moved;
}

/*
 * An endpoint change whose event the rate of nt_netlink_event_endpoint()
 * held back, and whose second is over: the next packet announces it.
 */
static bool endpoint_event_held(const struct nt_peer *peer)
{
	return unlikely(READ_ONCE(peer->endpoint_event_held)) &&
	       time_after_eq(jiffies,
			     READ_ONCE(peer->endpoint_event_jiffies) + HZ);
}

void nt_socket_set_peer_endpoint_from_skb(struct nt_peer *peer,
					  const struct sk_buff *skb)
{
	struct nt_endpoint endpoint;

	if (unlikely(!nt_socket_endpoint_from_skb(&endpoint, skb)))
		return;
	/* A moved endpoint, or one whose event the rate held back. */
	if (nt_socket_set_peer_endpoint(peer, &endpoint) ||
	    endpoint_event_held(peer))
		nt_netlink_event_endpoint(peer, &endpoint);
}

void nt_socket_clear_peer_endpoint_src(struct nt_peer *peer)
{
	write_lock_bh(&peer->endpoint_lock);
	/* src6 spans the whole union, src4 and src_ifindex4 included. */
	memset(&peer->endpoint.src6, 0, sizeof(peer->endpoint.src6));
	dst_cache_reset(&peer->endpoint_cache);
	write_unlock_bh(&peer->endpoint_lock);
}

/*
 * Send @skb on the IPv4 socket @sock towards @endpoint, from its sticky
 * source when that still works, through @cache when given. Sets *@src_stale
 * when the sticky source had to be given up (the address went away, or
 * routing now leaves through another interface than the one it was seen
 * on), for the caller to forget it. Consumes @skb only on success. Called
 * under rcu_read_lock_bh().
 */
static int send4(struct sock *sock, struct sk_buff *skb,
		 const struct nt_endpoint *endpoint, u8 ds,
		 struct dst_cache *cache, bool *src_stale)
{
	struct flowi4 fl = {
		.saddr = endpoint->src4.s_addr,
		.daddr = endpoint->addr4.sin_addr.s_addr,
		.fl4_dport = endpoint->addr4.sin_port,
		.fl4_sport = inet_sk(sock)->inet_sport,
		.flowi4_mark = skb->mark,
		.flowi4_proto = IPPROTO_UDP,
	};
	struct rtable *rt = NULL;

	if (cache)
		rt = dst_cache_get_ip4(cache, &fl.saddr);
	if (!rt) {
		if (fl.saddr && unlikely(!inet_confirm_addr(sock_net(sock), NULL, 0,
							    fl.saddr,
							    RT_SCOPE_HOST))) {
			fl.saddr = 0;
			*src_stale = true;
		}
		rt = ip_route_output_flow(sock_net(sock), &fl, sock);
		if (unlikely(fl.saddr && endpoint->src_ifindex4 &&
			     (PTR_ERR_OR_ZERO(rt) == -EINVAL ||
			      (!IS_ERR(rt) &&
			       rt->dst.dev->ifindex != endpoint->src_ifindex4)))) {
			if (!IS_ERR(rt))
				ip_rt_put(rt);
			fl.saddr = 0;
			*src_stale = true;
			rt = ip_route_output_flow(sock_net(sock), &fl, sock);
		}
		if (IS_ERR(rt))
			return PTR_ERR(rt);
		if (cache && !*src_stale)
			dst_cache_set_ip4(cache, &rt->dst, fl.saddr);
	}
	/*
	 * The tunnel transmit helpers count what they send on skb->dev
	 * (iptunnel_xmit_stats()); the device counts inner packets itself
	 * (send_batch()), so they are given none.
	 */
	skb->dev = NULL;
	nt_compat_udp_tunnel_xmit_skb(rt, sock, skb, fl.saddr, fl.daddr, ds,
				      ip4_dst_hoplimit(&rt->dst), 0,
				      fl.fl4_sport, fl.fl4_dport, false, false);
	return 0;
}

/* The same for IPv6. */
static int send6(struct sock *sock, struct sk_buff *skb,
		 const struct nt_endpoint *endpoint, u8 ds,
		 struct dst_cache *cache, bool *src_stale)
{
#if IS_ENABLED(CONFIG_IPV6)
	struct flowi6 fl = {
		.saddr = endpoint->src6,
		.daddr = endpoint->addr6.sin6_addr,
		.fl6_dport = endpoint->addr6.sin6_port,
		.fl6_sport = inet_sk(sock)->inet_sport,
		.flowi6_mark = skb->mark,
		.flowi6_oif = endpoint->addr6.sin6_scope_id,
		.flowi6_proto = IPPROTO_UDP,
	};
	struct dst_entry *dst = NULL;

	if (cache)
		dst = dst_cache_get_ip6(cache, &fl.saddr);
	if (!dst) {
		/* A sticky source the host no longer owns: let routing choose. */
		if (!ipv6_addr_any(&fl.saddr) &&
		    unlikely(!ipv6_chk_addr(sock_net(sock), &fl.saddr, NULL, 0))) {
			fl.saddr = in6addr_any;
			*src_stale = true;
		}
		dst = ip6_dst_lookup_flow(sock_net(sock), sock, &fl, NULL);
		if (IS_ERR(dst))
			return PTR_ERR(dst);
		if (cache && !*src_stale)
			dst_cache_set_ip6(cache, dst, &fl.saddr);
	}
	/* No device to count on, as in send4(). */
	skb->dev = NULL;
	nt_compat_udp_tunnel6_xmit_skb(dst, sock, skb, NULL, &fl.saddr,
				       &fl.daddr, ds, ip6_dst_hoplimit(dst), 0,
				       fl.fl6_sport, fl.fl6_dport, false);
	return 0;
#else
	return -EAFNOSUPPORT;
#endif
}

/*
 * Send @skb to @endpoint on the device's socket of its family, marked with
 * the device's fwmark; see send4(). Consumes @skb.
 */
static int send_to_endpoint(struct nt_device *ntd, struct sk_buff *skb,
			    const struct nt_endpoint *endpoint, u8 ds,
			    struct dst_cache *cache, bool *src_stale)
{
	struct sock *sock;
	int ret;

	skb->mark = READ_ONCE(ntd->fwmark);
	rcu_read_lock_bh();
	switch (endpoint->addr.sa_family) {
	case AF_INET:
		sock = rcu_dereference_bh(ntd->sock4);
		ret = likely(sock) ? send4(sock, skb, endpoint, ds, cache,
					   src_stale) : -ENONET;
		break;
	case AF_INET6:
		sock = rcu_dereference_bh(ntd->sock6);
		ret = likely(sock) ? send6(sock, skb, endpoint, ds, cache,
					   src_stale) : -ENONET;
		break;
	default:
		ret = -EDESTADDRREQ;
	}
	rcu_read_unlock_bh();
	if (unlikely(ret))
		kfree_skb(skb);
	return ret;
}

/* A buffer (a handshake message) in an skb with room for the headers. */
static struct sk_buff *buffer_skb(struct nt_device *ntd, const void *buf,
				  size_t len)
{
	/* Room for the largest outer headers the stack may put in front. */
	const unsigned int headroom = LL_MAX_HEADER + sizeof(struct ipv6hdr) +
				      sizeof(struct udphdr);
	struct sk_buff *skb;

	skb = alloc_skb(headroom + len, GFP_ATOMIC);
	if (unlikely(!skb))
		return NULL;
	skb_reserve(skb, headroom);
	skb_set_inner_network_header(skb, 0);
	skb_put_data(skb, buf, len);
	skb->dev = ntd->dev;
	return skb;
}

static void count_send_error(struct nt_device *ntd, struct nt_peer *peer,
			     int ret)
{
	enum noisetun_drop_attr reason = ret == -ENOMEM ?
					 NOISETUN_A_DROP_NO_MEMORY :
					 NOISETUN_A_DROP_NO_ROUTE;

	if (peer)
		nt_peer_count_drop(peer, reason);
	else
		nt_device_count_drop(ntd, reason);
	DEV_STATS_INC(ntd->dev, tx_errors);
}

int nt_socket_send_skb_to_peer(struct nt_peer *peer, struct sk_buff *skb,
			       u8 ds)
{
	bool src_stale = false;
	int ret;

	/*
	 * Read-locked across the send, so that roaming cannot reset the
	 * route cache under us; the cache itself is per CPU.
	 */
	read_lock_bh(&peer->endpoint_lock);
	ret = send_to_endpoint(peer->device, skb, &peer->endpoint, ds,
			       &peer->endpoint_cache, &src_stale);
	read_unlock_bh(&peer->endpoint_lock);
	if (unlikely(src_stale))
		nt_socket_clear_peer_endpoint_src(peer);
	if (unlikely(ret))
		count_send_error(peer->device, peer, ret);
	return ret;
}

int nt_socket_send_buffer_to_peer(struct nt_peer *peer, const void *buf,
				  size_t len, u8 ds)
{
	struct sk_buff *skb = buffer_skb(peer->device, buf, len);

	if (unlikely(!skb)) {
		count_send_error(peer->device, peer, -ENOMEM);
		return -ENOMEM;
	}
	return nt_socket_send_skb_to_peer(peer, skb, ds);
}

int nt_socket_send_buffer_as_reply_to_skb(struct nt_device *ntd,
					  struct sk_buff *in_skb,
					  const void *buf, size_t len)
{
	struct nt_endpoint endpoint;
	bool src_stale = false;
	struct sk_buff *skb;
	int ret;

	if (unlikely(!nt_socket_endpoint_from_skb(&endpoint, in_skb)))
		return -EINVAL;
	skb = buffer_skb(ntd, buf, len);
	ret = skb ? send_to_endpoint(ntd, skb, &endpoint, 0, NULL, &src_stale) :
		    -ENOMEM;
	if (unlikely(ret))
		count_send_error(ntd, NULL, ret);
	return ret;
}

bool nt_socket_endpoint_from_skb(struct nt_endpoint *endpoint,
				 const struct sk_buff *skb)
{
	memset(endpoint, 0, sizeof(*endpoint));
	if (skb->protocol == htons(ETH_P_IP)) {
		endpoint->addr4.sin_family = AF_INET;
		endpoint->addr4.sin_port = udp_hdr(skb)->source;
		endpoint->addr4.sin_addr.s_addr = ip_hdr(skb)->saddr;
		endpoint->src4.s_addr = ip_hdr(skb)->daddr;
		endpoint->src_ifindex4 = skb->skb_iif;
		return true;
	}
#if IS_ENABLED(CONFIG_IPV6)
	if (skb->protocol == htons(ETH_P_IPV6)) {
		endpoint->addr6.sin6_family = AF_INET6;
		endpoint->addr6.sin6_port = udp_hdr(skb)->source;
		endpoint->addr6.sin6_addr = ipv6_hdr(skb)->saddr;
		endpoint->addr6.sin6_scope_id =
			ipv6_iface_scope_id(&ipv6_hdr(skb)->saddr,
					    skb->skb_iif);
		endpoint->src6 = ipv6_hdr(skb)->daddr;
		return true;
	}
#endif
	return false;
}
