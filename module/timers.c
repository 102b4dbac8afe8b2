// SPDX-License-Identifier: GPL-2.0
/*
 * A peer's timers: what each protocol event means for them (timers.h).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/netdevice.h>
#include <linux/random.h>
#include <linux/timekeeping.h>
#include <linux/timer.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "device.h"
#include "messages.h"
#include "netlink.h"
#include "noise.h"
#include "peer.h"
#include "send.h"
#include "socket.h"
#include "timers.h"

/*
 * Up to a third of a second added to handshake timers, so that peers that
 * lost packets together do not retry in lockstep.
 */
static unsigned long handshake_jitter(void)
{
	return get_random_u32_below(REKEY_TIMEOUT_JITTER_MAX_JIFFIES);
}

/*
 * Arm @timer unless the peer is dead or its device down. Under
 * rcu_read_lock_bh(), so that peer removal (is_dead, then a grace period,
 * then nt_timers_stop()) never finds a timer armed behind its back.
 */
static void mod_peer_timer(struct nt_peer *peer, struct timer_list *timer,
			   unsigned long expires)
{
	rcu_read_lock_bh();
	if (likely(netif_running(peer->device->dev) &&
		   !READ_ONCE(peer->is_dead)))
		mod_timer(timer, expires);
	rcu_read_unlock_bh();
}

static void expired_retransmit_handshake(struct timer_list *timer)
{
	struct nt_peer *peer = timer_container_of(peer, timer, retransmit_handshake);
	unsigned int retries = READ_ONCE(peer->handshake_retries);

	/*
	 * MAX_TIMER_HANDSHAKES + 1 retries, as the reference counts them:
	 * with the first initiation, 20 over REKEY_ATTEMPT_TIME (plus
	 * jitter) before giving up.
	 */
	if (retries > MAX_TIMER_HANDSHAKES) {
		pr_debug("%s: Handshake for peer %llu did not complete after %u attempts, giving up\n",
			 peer->device->dev->name, peer->internal_id,
			 retries + 1);
		timer_delete(&peer->send_keepalive);
		nt_peer_count_event(peer, NT_PEER_COUNT_HANDSHAKE_FAILED);
		nt_netlink_event_given_up(peer, retries + 1);
		/*
		 * REKEY_ATTEMPT_TIME is over: the packets that waited for
		 * this handshake are not kept, and whatever a half-finished
		 * exchange left is wiped later.
		 */
		nt_peer_purge_staged_packets(peer);
		if (!timer_pending(&peer->zero_key_material))
			mod_peer_timer(peer, &peer->zero_key_material,
				       jiffies + REJECT_AFTER_TIME * 3 * HZ);
		return;
	}
	WRITE_ONCE(peer->handshake_retries, retries + 1);
	pr_debug("%s: Handshake for peer %llu did not complete after %u seconds, retrying (try %u)\n",
		 peer->device->dev->name, peer->internal_id, (unsigned int)REKEY_TIMEOUT,
		 retries + 2);
	/* A source address that went away may be why: let routing choose. */
	nt_socket_clear_peer_endpoint_src(peer);
	nt_send_handshake_retry(peer);
}

static void expired_send_keepalive(struct timer_list *timer)
{
	struct nt_peer *peer = timer_container_of(peer, timer, send_keepalive);

	nt_send_keepalive(peer);
	if (READ_ONCE(peer->timer_need_another_keepalive)) {
		WRITE_ONCE(peer->timer_need_another_keepalive, false);
		mod_peer_timer(peer, &peer->send_keepalive,
			       jiffies + KEEPALIVE_TIMEOUT * HZ);
	}
}

static void expired_new_handshake(struct timer_list *timer)
{
	struct nt_peer *peer = timer_container_of(peer, timer, new_handshake);

	pr_debug("%s: Retrying handshake with peer %llu because we stopped hearing back after %u seconds\n",
		 peer->device->dev->name, peer->internal_id,
		 (unsigned int)(KEEPALIVE_TIMEOUT + REKEY_TIMEOUT));
	nt_socket_clear_peer_endpoint_src(peer);
	nt_send_handshake_want(peer);
}

static void expired_zero_key_material(struct timer_list *timer)
{
	struct nt_peer *peer = timer_container_of(peer, timer, zero_key_material);

	/* Clearing takes the handshake's rwsem: not from a timer. */
	rcu_read_lock_bh();
	if (likely(!READ_ONCE(peer->is_dead)))
		queue_work(peer->device->handshake_wq, &peer->clear_peer_work);
	rcu_read_unlock_bh();
}

static void zero_key_material(struct work_struct *work)
{
	struct nt_peer *peer = container_of(work, struct nt_peer,
					    clear_peer_work);

	pr_debug("%s: Zeroing out all keys for peer %llu, since we haven't received a new one in %u seconds\n",
		 peer->device->dev->name, peer->internal_id,
		 (unsigned int)(REJECT_AFTER_TIME * 3));
	nt_noise_handshake_clear(&peer->handshake);
	nt_noise_keypairs_clear(&peer->keypairs);
	nt_netlink_event_keys_zeroed(peer);
}

static void expired_persistent_keepalive(struct timer_list *timer)
{
	struct nt_peer *peer = timer_container_of(peer, timer, persistent_keepalive);

	if (likely(READ_ONCE(peer->persistent_keepalive_interval)))
		nt_send_keepalive(peer);
}

void nt_timers_data_sent(struct nt_peer *peer)
{
	if (!timer_pending(&peer->new_handshake))
		mod_peer_timer(peer, &peer->new_handshake,
			       jiffies + (KEEPALIVE_TIMEOUT + REKEY_TIMEOUT) * HZ +
			       handshake_jitter());
}

void nt_timers_data_received(struct nt_peer *peer)
{
	if (!timer_pending(&peer->send_keepalive))
		mod_peer_timer(peer, &peer->send_keepalive,
			       jiffies + KEEPALIVE_TIMEOUT * HZ);
	else
		WRITE_ONCE(peer->timer_need_another_keepalive, true);
}

void nt_timers_any_authenticated_packet_sent(struct nt_peer *peer)
{
	/* Whatever we sent told the peer we are alive. */
	timer_delete(&peer->send_keepalive);
}

void nt_timers_any_authenticated_packet_received(struct nt_peer *peer)
{
	/* The peer answers: no need for a new handshake. */
	timer_delete(&peer->new_handshake);
}

void nt_timers_any_authenticated_packet_traversal(struct nt_peer *peer)
{
	unsigned int interval = READ_ONCE(peer->persistent_keepalive_interval);

	if (interval)
		mod_peer_timer(peer, &peer->persistent_keepalive,
			       jiffies + interval * HZ);
}

void nt_timers_handshake_initiated(struct nt_peer *peer)
{
	mod_peer_timer(peer, &peer->retransmit_handshake,
		       jiffies + REKEY_TIMEOUT * HZ + handshake_jitter());
}

void nt_timers_handshake_complete(struct nt_peer *peer)
{
	timer_delete(&peer->retransmit_handshake);
	WRITE_ONCE(peer->handshake_retries, 0);
	WRITE_ONCE(peer->sent_lastminute_handshake, false);
	atomic64_set(&peer->walltime_last_handshake_ns, ktime_get_real_ns());
}

void nt_timers_session_derived(struct nt_peer *peer)
{
	mod_peer_timer(peer, &peer->zero_key_material,
		       jiffies + REJECT_AFTER_TIME * 3 * HZ);
}

void nt_timers_persistent_keepalive_changed(struct nt_peer *peer,
					    unsigned int old_interval)
{
	lockdep_assert_held(&peer->device->device_update_lock);
	if (!old_interval && READ_ONCE(peer->persistent_keepalive_interval) &&
	    netif_running(peer->device->dev))
		nt_send_keepalive(peer);
}

void nt_timers_init(struct nt_peer *peer)
{
	timer_setup(&peer->retransmit_handshake,
		    expired_retransmit_handshake, 0);
	timer_setup(&peer->send_keepalive, expired_send_keepalive, 0);
	timer_setup(&peer->new_handshake, expired_new_handshake, 0);
	timer_setup(&peer->zero_key_material, expired_zero_key_material, 0);
	timer_setup(&peer->persistent_keepalive,
		    expired_persistent_keepalive, 0);
	INIT_WORK(&peer->clear_peer_work, zero_key_material);
}

static void del_timers_sync(struct nt_peer *peer)
{
	timer_delete_sync(&peer->retransmit_handshake);
	timer_delete_sync(&peer->send_keepalive);
	timer_delete_sync(&peer->new_handshake);
	timer_delete_sync(&peer->zero_key_material);
	timer_delete_sync(&peer->persistent_keepalive);
}

void nt_timers_stop(struct nt_peer *peer)
{
	/*
	 * Timers queue work and work arms timers, both only while the peer
	 * lives and the device runs, which the caller has ended. A work item
	 * that checked just before may still arm a timer while we wait for
	 * it: so timers, then work, then timers again.
	 */
	del_timers_sync(peer);
	cancel_work_sync(&peer->clear_peer_work);
	nt_send_peer_stop(peer);
	del_timers_sync(peer);
	WRITE_ONCE(peer->handshake_retries, 0);
	WRITE_ONCE(peer->timer_need_another_keepalive, false);
	WRITE_ONCE(peer->sent_lastminute_handshake, false);
}
