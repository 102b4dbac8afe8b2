// SPDX-License-Identifier: GPL-2.0
/*
 * The noisetun net_device: link ops, open/stop, transmit entry, teardown,
 * and the namespace hooks that keep creating_net valid (device.h).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/if_arp.h>
#include <linux/inetdevice.h>
#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <net/addrconf.h>
#include <net/dst_metadata.h>
#include <net/icmp.h>
#include <net/ip.h>
#include <net/ip_tunnels.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/rtnetlink.h>

#include "allowedips.h"
#include "compat.h"
#include "device.h"
#include "indexhash.h"
#include "messages.h"
#include "netlink.h"
#include "peer.h"
#include "peerlookup.h"
#include "queueing.h"
#include "ratelimiter.h"
#include "receive.h"
#include "send.h"
#include "socket.h"
#include "timers.h"

/**
 * struct nt_net - what noisetun keeps per network namespace
 * @device_list: the devices created in this namespace (wherever they live
 *               now), through nt_device.creating_net_list; under RTNL
 */
struct nt_net {
	struct list_head device_list;
};

static unsigned int net_id __read_mostly;

/*
 * Every noisetun device, through nt_device.all_list, and whether the
 * module is unloading (no device is created then); both under RTNL.
 */
static LIST_HEAD(all_devices);
static bool unloading;

static struct nt_net *pernet_of(struct net *net)
{
	return net_generic(net, net_id);
}

void nt_device_bump_generation(struct nt_device *ntd)
{
	lockdep_assert_held(&ntd->device_update_lock);
	/* 0 would tell genl_dump_check_consistent() "no dump yet". */
	if (unlikely(!++ntd->generation))
		ntd->generation = 1;
}

void nt_drop_counters_read(struct nt_drop_counters __percpu *drops,
			   u64 sum[__NOISETUN_A_DROP_MAX])
{
	int cpu, i;

	memset(sum, 0, sizeof(u64) * __NOISETUN_A_DROP_MAX);
	if (!drops)
		return;
	for_each_possible_cpu(cpu) {
		const struct nt_drop_counters *one = per_cpu_ptr(drops, cpu);
		u64 count[__NOISETUN_A_DROP_MAX];
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&one->syncp);
			for (i = 0; i < __NOISETUN_A_DROP_MAX; ++i)
				count[i] = u64_stats_read(&one->count[i]);
		} while (u64_stats_fetch_retry(&one->syncp, start));

		for (i = 0; i < __NOISETUN_A_DROP_MAX; ++i)
			sum[i] += count[i];
	}
}

void nt_device_count(struct nt_device *ntd, enum nt_device_count what)
{
	struct nt_device_stats *mine = get_cpu_ptr(ntd->stats);
	unsigned long flags;

	flags = u64_stats_update_begin_irqsave(&mine->syncp);
	if (what == NT_DEVICE_COUNT_COOKIE_SENT)
		u64_stats_inc(&mine->cookies_sent);
	else
		u64_stats_inc(&mine->handshakes_answered);
	u64_stats_update_end_irqrestore(&mine->syncp, flags);
	put_cpu_ptr(ntd->stats);
}

void nt_device_read_stats(struct nt_device *ntd, u64 *cookies_sent,
			  u64 *handshakes_answered)
{
	int cpu;

	*cookies_sent = 0;
	*handshakes_answered = 0;
	for_each_possible_cpu(cpu) {
		const struct nt_device_stats *one = per_cpu_ptr(ntd->stats, cpu);
		unsigned int start;
		u64 cookies, answered;

		do {
			start = u64_stats_fetch_begin(&one->syncp);
			cookies = u64_stats_read(&one->cookies_sent);
			answered = u64_stats_read(&one->handshakes_answered);
		} while (u64_stats_fetch_retry(&one->syncp, start));
		*cookies_sent += cookies;
		*handshakes_answered += answered;
	}
}

u64 nt_device_under_load_ns(struct nt_device *ntd)
{
	u64 last = atomic64_read(&ntd->last_under_load_ns);
	u64 total = atomic64_read(&ntd->under_load_ns);
	u64 now = ktime_get_coarse_boottime_ns();

	if (last)
		total += min_t(u64, now > last ? now - last : 0, NSEC_PER_SEC);
	return total;
}

/* Wait for the handshake workers to finish what they hold. */
static void cancel_handshake_workers(struct nt_device *ntd)
{
	int cpu;

	for_each_possible_cpu(cpu)
		cancel_work_sync(&per_cpu_ptr(ntd->handshake_workers, cpu)->work);
}

static int open_device(struct net_device *dev)
{
	struct in_device *dev_v4 = __in_dev_get_rtnl(dev);
	struct inet6_dev *dev_v6 = __in6_dev_get(dev);
	struct nt_device *ntd = netdev_priv(dev);
	struct nt_peer *peer;
	int ret;

	/*
	 * Peers reach each other through this device, so forwarding back out
	 * of it is normal; an ICMP redirect would tell a peer to go direct,
	 * which it cannot. The "all" setting is ORed with the device's, so it
	 * has to be cleared as well.
	 */
	if (dev_v4) {
		IN_DEV_CONF_SET(dev_v4, SEND_REDIRECTS, false);
		IPV4_DEVCONF_ALL(dev_net(dev), SEND_REDIRECTS) = false;
	}
	/* No link layer, so no link-local address to derive from one. */
	if (dev_v6)
		dev_v6->cnf.addr_gen_mode = IN6_ADDR_GEN_MODE_NONE;

	mutex_lock(&ntd->device_update_lock);
	/* Before the sockets: from them on, the data path counts. */
	list_for_each_entry(peer, &ntd->peer_list, peer_list) {
		ret = nt_peer_run(peer);
		if (ret)
			goto out;
	}
	ret = nt_socket_open(ntd);
	if (ret)
		goto out;
	nt_device_bump_generation(ntd);
	/*
	 * What was staged while the device was down goes now (starting a
	 * handshake), and a persistent keepalive announces us at once, so
	 * that a peer behind NAT can reach us without waiting for traffic.
	 */
	list_for_each_entry(peer, &ntd->peer_list, peer_list) {
		nt_send_staged_packets(peer);
		if (peer->persistent_keepalive_interval)
			nt_send_keepalive(peer);
	}
out:
	mutex_unlock(&ntd->device_update_lock);
	return ret;
}

/*
 * Let the packets still in the data path finish: their crypto, then the
 * transmit work it queues (both on packet_crypt_wq: two flushes), then
 * each peer's receive poll. Called once nothing can queue a packet any
 * more (no socket, no session, the device stopped). After it nothing
 * touches dev->tstats until the device runs again, which kernels that
 * free them in the core, before device_destruct(), rely on (compat.h).
 */
static void drain_data_path(struct nt_device *ntd)
{
	struct nt_peer *peer;

	lockdep_assert_held(&ntd->device_update_lock);
	nt_queue_flush_crypt(ntd);
	/* Live peers only (the lock is held): their NAPI is enabled. */
	list_for_each_entry(peer, &ntd->peer_list, peer_list)
		napi_synchronize(&peer->napi);
}

static int stop_device(struct net_device *dev)
{
	struct nt_device *ntd = netdev_priv(dev);
	struct nt_peer *peer;

	mutex_lock(&ntd->device_update_lock);
	/*
	 * Sockets first: then no handshake message arrives any more, and
	 * once the worker has finished what it holds, nothing can derive a
	 * session behind the loop below.
	 */
	nt_socket_close(ntd);
	cancel_handshake_workers(ntd);
	skb_queue_purge(&ntd->handshake_queue);
	list_for_each_entry(peer, &ntd->peer_list, peer_list) {
		/*
		 * A session never survives the device going down, nor does
		 * a handshake in progress, nor do the timers (none rearms
		 * once the device is not running). Packets already in the
		 * crypto pipeline finish there, and fail to find a socket.
		 */
		nt_timers_stop(peer);
		nt_noise_keypairs_clear(&peer->keypairs);
		nt_noise_handshake_clear(&peer->handshake);
		nt_peer_purge_staged_packets(peer);
	}
	drain_data_path(ntd);
	mutex_unlock(&ntd->device_update_lock);
	return 0;
}

/* Does skb->protocol agree with the IP version in the packet? */
static bool packet_protocol_ok(struct sk_buff *skb)
{
	__be16 real = ip_tunnel_parse_protocol(skb);

	return real && skb->protocol == real;
}

/*
 * Turn what the stack handed over into a list of packets no larger than
 * the MTU: a GSO packet is segmented here, so that everything after works
 * on lists (the data plane encrypts and sends a peer's list in one go).
 * On failure @skb is untouched and still the caller's.
 */
static bool make_packet_list(struct sk_buff *skb, struct nt_peer *peer,
			     struct sk_buff_head *packets)
{
	/*
	 * Padding may grow a packet up to the MTU of the route it took (a
	 * route can be narrower than the device), never past it.
	 */
	u32 mtu = skb_valid_dst(skb) ? dst_mtu(skb_dst(skb)) :
				       READ_ONCE(peer->device->dev->mtu);
	struct sk_buff *next;

	__skb_queue_head_init(packets);
	if (skb_is_gso(skb)) {
		struct sk_buff *segs = skb_gso_segment(skb, 0);

		if (IS_ERR_OR_NULL(segs))
			return false;
		consume_skb(skb);
		skb = segs;
	} else {
		skb_mark_not_on_list(skb);
	}

	skb_list_walk_safe(skb, skb, next) {
		skb_mark_not_on_list(skb);
		skb = skb_share_check(skb, GFP_ATOMIC);
		if (unlikely(!skb)) {
			nt_peer_count_drop(peer, NOISETUN_A_DROP_NO_MEMORY);
			continue;
		}
		/*
		 * The inner route is of no use past this point, and a packet
		 * that waits in a queue must not pin it (nor, through it, a
		 * namespace that wants to go away).
		 */
		skb_dst_drop(skb);
		NT_PACKET_CB(skb)->mtu = mtu;
		NT_PACKET_CB(skb)->inner_len = skb->len;
		/* The outer header carries the inner ECN bits (RFC 6040). */
		NT_PACKET_CB(skb)->ds = ip_tunnel_ecn_encap(0, ip_hdr(skb), skb);
		__skb_queue_tail(packets, skb);
	}
	return true;
}

static netdev_tx_t device_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct nt_device *ntd = netdev_priv(dev);
	enum noisetun_drop_attr reason;
	struct sk_buff_head packets;
	struct nt_peer *peer = NULL;
	sa_family_t family;

	if (unlikely(!packet_protocol_ok(skb))) {
		reason = NOISETUN_A_DROP_BAD_PACKET;
		goto err;
	}

	peer = nt_allowedips_lookup_dst(&ntd->peer_allowedips, skb);
	if (unlikely(!peer)) {
		reason = NOISETUN_A_DROP_NO_PEER;
		goto err_icmp;
	}
	if (unlikely(READ_ONCE(peer->disabled))) {
		reason = NOISETUN_A_DROP_PEER_DISABLED;
		goto err;
	}

	family = READ_ONCE(peer->endpoint.addr.sa_family);
	if (unlikely(family != AF_INET && family != AF_INET6)) {
		reason = NOISETUN_A_DROP_NO_ENDPOINT;
		goto err_icmp;
	}

	if (unlikely(!make_packet_list(skb, peer, &packets))) {
		reason = NOISETUN_A_DROP_BAD_PACKET;
		goto err;
	}

	/*
	 * Staged first, then sent from the staged queue with the current
	 * session, or kept there while a handshake makes one.
	 */
	nt_peer_stage_packets(peer, &packets, false);
	nt_send_staged_packets(peer);
	nt_peer_put(peer);
	return NETDEV_TX_OK;

err_icmp:
	/* Tell the local sender the destination is unreachable, as a router would. */
	if (skb->protocol == htons(ETH_P_IP))
		icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0);
	else if (skb->protocol == htons(ETH_P_IPV6))
		icmpv6_ndo_send(skb, ICMPV6_DEST_UNREACH, ICMPV6_ADDR_UNREACH, 0);
err:
	if (peer) {
		nt_peer_count_drop(peer, reason);
		nt_peer_put(peer);
	} else {
		nt_device_count_drop(ntd, reason);
	}
	DEV_STATS_INC(dev, tx_errors);
	kfree_skb(skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops netdev_ops = {
	.ndo_open		= open_device,
	.ndo_stop		= stop_device,
	.ndo_start_xmit		= device_xmit,
	.ndo_get_stats64	= dev_get_tstats64,
};

/*
 * The last step of unregistering, once no reference to the net_device is
 * left: no netlink command and no dump is running on it any more.
 */
static void device_destruct(struct net_device *dev)
{
	struct nt_device *ntd = netdev_priv(dev);

	mutex_lock(&ntd->device_update_lock);
	/* Closed by stop_device() already, when unregistering took it down. */
	nt_socket_close(ntd);
	/*
	 * No socket is left to queue handshake messages (stop_device() has
	 * drained them already, unless the device never went up): let the
	 * worker finish what it holds, then drop what it has not started.
	 */
	cancel_handshake_workers(ntd);
	skb_queue_purge(&ntd->handshake_queue);
	/* Stops each peer's initiation work and retry timer. */
	nt_peer_remove_all(ntd);
	mutex_unlock(&ntd->device_update_lock);
	/* No peer is left to queue anything on them. */
	destroy_workqueue(ntd->packet_crypt_wq);
	nt_crypt_queue_uninit(&ntd->encrypt_queue);
	nt_crypt_queue_uninit(&ntd->decrypt_queue);
	destroy_workqueue(ntd->handshake_wq);
	free_percpu(ntd->handshake_workers);
	nt_ratelimiter_uninit();

	/* The peers' last RCU callbacks print this device's name. */
	rcu_barrier();

	nt_index_hashtable_free(ntd->index_hashtable);
	nt_pubkey_hashtable_free(ntd->peer_hashtable);
	free_percpu(ntd->stats);
	free_percpu(ntd->drops);
	nt_compat_free_tstats(dev);
	memzero_explicit(ntd->static_identity.private_key,
			 sizeof(ntd->static_identity.private_key));
	nt_cookie_checker_uninit(&ntd->cookie_checker);
	pr_debug("%s: Interface destroyed\n", dev->name);
	/* free_netdev() follows: needs_free_netdev is set. */
}

static const struct device_type device_type = { .name = KBUILD_MODNAME };

static void device_setup(struct net_device *dev)
{
	struct nt_device *ntd = netdev_priv(dev);
	const netdev_features_t features = NETIF_F_HW_CSUM | NETIF_F_RXCSUM |
					   NETIF_F_SG | NETIF_F_GSO |
					   NETIF_F_GSO_SOFTWARE |
					   NETIF_F_HIGHDMA;

	dev->netdev_ops = &netdev_ops;
	dev->header_ops = &ip_tunnel_header_ops;
	dev->hard_header_len = 0;
	dev->addr_len = 0;
	/* Outer IP and UDP headers and the data message header go in front. */
	dev->needed_headroom = NT_DATA_HEADROOM;
	/* Padding to the next multiple, then the authentication tag. */
	dev->needed_tailroom = MESSAGE_PADDING_MULTIPLE - 1 + NOISE_AUTHTAG_LEN;
	dev->type = ARPHRD_NONE;
	dev->flags = IFF_POINTOPOINT | IFF_NOARP;
	dev->priv_flags |= IFF_NO_QUEUE;
	nt_compat_set_lltx(dev);
	dev->features |= features;
	dev->hw_features |= features;
	dev->hw_enc_features |= features;

	/*
	 * 1420: what is left of a 1500-byte outer path after an IPv6 header,
	 * UDP and the transport message's 32 bytes. The minimum is the
	 * smallest MTU IPv4 works with: below it the device could carry
	 * nothing but keepalives, and the data plane need not special-case an
	 * MTU of 0 when padding. The maximum keeps the outer packet within
	 * what an IP length field can describe.
	 */
	dev->mtu = ETH_DATA_LEN - MESSAGE_OUTER_OVERHEAD;
	dev->min_mtu = IPV4_MIN_MTU;
	dev->max_mtu = IP_MAX_MTU - MESSAGE_OUTER_OVERHEAD;

	SET_NETDEV_DEVTYPE(dev, &device_type);
	/* device_xmit() needs the inner route to send ICMP errors back. */
	netif_keep_dst(dev);
	dev->needs_free_netdev = true;

	memset(ntd, 0, sizeof(*ntd));
	ntd->dev = dev;
}

/*
 * @src_net is the namespace of whoever asked for the device, even when it
 * is created straight into another one ("ip link add nt0 netns X type
 * noisetun"): that is where its sockets will live.
 */
static int device_newlink(struct net *src_net, struct net_device *dev,
			  struct nlattr *tb[], struct nlattr *data[],
			  struct netlink_ext_ack *extack)
{
	struct nt_device *ntd = netdev_priv(dev);
	int ret = -ENOMEM;
	int cpu;

	ASSERT_RTNL();
	if (unloading) {
		NL_SET_ERR_MSG(extack, "the noisetun module is being unloaded");
		return -ENODEV;
	}
	ntd->creating_net = src_net;
	init_rwsem(&ntd->static_identity.lock);
	nt_cookie_checker_init(&ntd->cookie_checker, ntd);
	mutex_init(&ntd->device_update_lock);
	INIT_LIST_HEAD(&ntd->peer_list);
	nt_allowedips_init(&ntd->peer_allowedips);
	ntd->generation = 1;
	skb_queue_head_init(&ntd->handshake_queue);
	ntd->handshake_last_cpu = -1;
	atomic64_set(&ntd->last_under_load_ns, 0);
	atomic64_set(&ntd->under_load_ns, 0);
	spin_lock_init(&ntd->unknown_peer_lock);
	nt_ratelimiter_budget_init(&ntd->cookie_budget);

	ntd->peer_hashtable = nt_pubkey_hashtable_alloc();
	if (!ntd->peer_hashtable)
		return ret;

	ntd->index_hashtable = nt_index_hashtable_alloc();
	if (!ntd->index_hashtable)
		goto err_free_peer_hashtable;

	if (!nt_compat_alloc_tstats(dev))
		goto err_free_index_hashtable;

	ntd->drops = __netdev_alloc_pcpu_stats(struct nt_drop_counters,
					       GFP_KERNEL_ACCOUNT);
	if (!ntd->drops)
		goto err_free_tstats;

	ntd->stats = __netdev_alloc_pcpu_stats(struct nt_device_stats,
					       GFP_KERNEL_ACCOUNT);
	if (!ntd->stats)
		goto err_free_drops;

	ntd->handshake_workers = alloc_percpu_gfp(struct nt_handshake_worker,
						  GFP_KERNEL_ACCOUNT);
	if (!ntd->handshake_workers)
		goto err_free_stats;
	for_each_possible_cpu(cpu) {
		struct nt_handshake_worker *worker =
			per_cpu_ptr(ntd->handshake_workers, cpu);

		INIT_WORK(&worker->work, nt_receive_handshake_worker);
		worker->ntd = ntd;
	}

	/*
	 * Per CPU and CPU intensive: a flood of handshakes is Diffie-Hellman
	 * work for every CPU (receive.c queues the workers round robin);
	 * freezable, so that nothing is sent across a suspend.
	 */
	ntd->handshake_wq = alloc_workqueue("nt-hs-%s",
					    WQ_CPU_INTENSIVE | WQ_FREEZABLE |
					    NT_WQ_PERCPU, 0,
					    dev->name);
	if (!ntd->handshake_wq)
		goto err_free_handshake_workers;

	/*
	 * Per CPU: a crypto worker is queued on each CPU in turn, and a
	 * peer's tx work on the CPU it keeps (queueing.c). CPU intensive, so
	 * that long crypto runs do not hold up other work on that CPU.
	 */
	ntd->packet_crypt_wq = alloc_workqueue("nt-crypt-%s",
					       WQ_CPU_INTENSIVE | WQ_MEM_RECLAIM |
					       NT_WQ_PERCPU,
					       1, dev->name);
	if (!ntd->packet_crypt_wq)
		goto err_destroy_handshake_wq;

	ret = nt_crypt_queue_init(&ntd->encrypt_queue, nt_send_encrypt_worker);
	if (ret < 0)
		goto err_destroy_packet_crypt_wq;

	ret = nt_crypt_queue_init(&ntd->decrypt_queue,
				  nt_receive_decrypt_worker);
	if (ret < 0)
		goto err_uninit_encrypt_queue;

	ret = nt_ratelimiter_init();
	if (ret < 0)
		goto err_uninit_decrypt_queue;

	ret = register_netdevice(dev);
	if (ret < 0)
		goto err_uninit_ratelimiter;

	list_add(&ntd->creating_net_list, &pernet_of(src_net)->device_list);
	list_add(&ntd->all_list, &all_devices);
	/*
	 * Set only now: a failing register_netdevice() would call it, and
	 * the ladder below already undoes what it would.
	 */
	dev->priv_destructor = device_destruct;

	pr_debug("%s: Interface created\n", dev->name);
	return 0;

err_uninit_ratelimiter:
	nt_ratelimiter_uninit();
err_uninit_decrypt_queue:
	nt_crypt_queue_uninit(&ntd->decrypt_queue);
err_uninit_encrypt_queue:
	nt_crypt_queue_uninit(&ntd->encrypt_queue);
err_destroy_packet_crypt_wq:
	destroy_workqueue(ntd->packet_crypt_wq);
err_destroy_handshake_wq:
	destroy_workqueue(ntd->handshake_wq);
err_free_handshake_workers:
	free_percpu(ntd->handshake_workers);
err_free_stats:
	free_percpu(ntd->stats);
err_free_drops:
	free_percpu(ntd->drops);
err_free_tstats:
	nt_compat_free_tstats(dev);
err_free_index_hashtable:
	nt_index_hashtable_free(ntd->index_hashtable);
err_free_peer_hashtable:
	nt_pubkey_hashtable_free(ntd->peer_hashtable);
	return ret;
}

/*
 * Every deletion goes through here: "ip link del", the death of the
 * namespace the device lives in (default_device_exit_batch), the death of
 * its creating namespace (pre_exit below), a failed creation, and module
 * unload (rtnl_link_unregister). So this is where creating_net stops being
 * used: from here on the device only goes down and away.
 */
#ifdef NT_HAVE_RTNL_NEWLINK_PARAMS
static int device_newlink_op(struct net_device *dev,
			     struct rtnl_newlink_params *params,
			     struct netlink_ext_ack *extack)
{
	return device_newlink(params->src_net, dev, params->tb, params->data,
			      extack);
}
#else
#define device_newlink_op device_newlink
#endif

static void device_dellink(struct net_device *dev, struct list_head *head)
{
	struct nt_device *ntd = netdev_priv(dev);

	ASSERT_RTNL();
	list_del_init(&ntd->creating_net_list);
	list_del_init(&ntd->all_list);
	ntd->creating_net = NULL;
	/*
	 * Listeners learn that the device and its peers are gone from one
	 * event, not one per peer; it never waits (module unload sent them
	 * all before the family went, and sends none here).
	 */
	nt_netlink_event_device_removed(ntd);
	unregister_netdevice_queue(dev, head);
}

static struct rtnl_link_ops link_ops __read_mostly = {
	.kind		= KBUILD_MODNAME,
	.priv_size	= sizeof(struct nt_device),
	.setup		= device_setup,
	.newlink	= device_newlink_op,
	.dellink	= device_dellink,
};

bool nt_device_is_noisetun(const struct net_device *dev)
{
	return dev->rtnl_link_ops == &link_ops;
}

static int __net_init pernet_init(struct net *net)
{
	INIT_LIST_HEAD(&pernet_of(net)->device_list);
	return 0;
}

/*
 * A namespace is dying: delete every device created in it, wherever the
 * device lives now. Their sockets live here and this namespace's memory is
 * about to go, and creating_net holds no reference to stop that. pre_exit
 * runs before any of the namespace's own exit work, while its sockets can
 * still be closed normally, and for each dying namespace in a batch.
 *
 * The circular case (Documentation/testing.md 1.1 #24): A creates d1 and moves
 * it to B, B creates d2 and moves it to A, then both die together. A's pre_exit
 * deletes d1 (living in B, still intact), B's deletes d2. Nothing holds a
 * reference on either namespace, so neither waits for the other; whichever
 * runs first finds the other device still there and deletes its own.
 */
static void __net_exit pernet_pre_exit(struct net *net)
{
	struct nt_device *ntd, *next;
	LIST_HEAD(kill);

	rtnl_lock();
	list_for_each_entry_safe(ntd, next, &pernet_of(net)->device_list,
				 creating_net_list) {
		pr_debug("%s: Creating namespace exiting\n", ntd->dev->name);
		device_dellink(ntd->dev, &kill);
	}
	unregister_netdevice_many(&kill);
	rtnl_unlock();
}

static struct pernet_operations pernet_ops = {
	.init		= pernet_init,
	.pre_exit	= pernet_pre_exit,
	.id		= &net_id,
	.size		= sizeof(struct nt_net),
};

int nt_device_init(void)
{
	int ret;

	/* First, so that every namespace has its list before any newlink. */
	ret = register_pernet_device(&pernet_ops);
	if (ret)
		return ret;

	ret = rtnl_link_register(&link_ops);
	if (ret)
		goto err_unregister_pernet;
	return 0;

err_unregister_pernet:
	unregister_pernet_device(&pernet_ops);
	return ret;
}

void nt_device_announce_removal(void)
{
	struct nt_device *ntd;

	rtnl_lock();
	unloading = true;
	list_for_each_entry(ntd, &all_devices, all_list)
		nt_netlink_event_device_removed(ntd);
	rtnl_unlock();
}

void nt_device_uninit(void)
{
	/* Deletes every device, through device_dellink(), and waits for them. */
	rtnl_link_unregister(&link_ops);
	unregister_pernet_device(&pernet_ops);
}
