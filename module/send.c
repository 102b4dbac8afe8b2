// SPDX-License-Identifier: GPL-2.0
/*
 * Handshake initiations and responses on their way out, and the retries
 * of an unanswered initiation (send.h).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/netdevice.h>
#include <linux/random.h>
#include <linux/timekeeping.h>
#include <linux/timer.h>
#include <linux/workqueue.h>

#include "cookie.h"
#include "device.h"
#include "messages.h"
#include "noise.h"
#include "peer.h"
#include "send.h"
#include "socket.h"

/* REKEY_TIMEOUT and a random part, so that peers do not retry in step. */
static unsigned long retry_delay(void)
{
	return REKEY_TIMEOUT * HZ +
	       get_random_u32_below(REKEY_TIMEOUT_JITTER_MAX_JIFFIES);
}

/*
 * Create, mac and send one initiation. Runs in the peer's work item only,
 * so never twice at once for a peer; the handshake lock inside
 * create_initiation() orders it against the receive worker anyway.
 */
static void send_initiation(struct nt_peer *peer)
{
	struct message_handshake_initiation packet;

	if (unlikely(READ_ONCE(peer->is_dead)))
		return;
	atomic64_set(&peer->last_sent_handshake_ns, ktime_get_coarse_boottime_ns());
	if (!nt_noise_handshake_create_initiation(&packet, &peer->handshake))
		goto out;
	nt_cookie_add_mac_to_packet(&packet, sizeof(packet),
				    &peer->latest_cookie);
	/* A failed send counts as an attempt too: the retry covers it. */
	nt_peer_count_tx(peer, sizeof(packet), true);
	nt_socket_send_buffer_to_peer(peer, &packet, sizeof(packet));
out:
	/*
	 * Arm the retry even when no initiation could be made (no private
	 * key yet, say): the staged packets wait for one until the attempts
	 * run out. A peer being removed is not rearmed; see
	 * nt_send_peer_stop() for the ordering.
	 */
	if (likely(!READ_ONCE(peer->is_dead)))
		mod_timer(&peer->retransmit_handshake, jiffies + retry_delay());
	memzero_explicit(&packet, sizeof(packet));
}

static void transmit_handshake_work(struct work_struct *work)
{
	struct nt_peer *peer = container_of(work, struct nt_peer,
					    transmit_handshake_work);

	send_initiation(peer);
}

static void queue_initiation(struct nt_peer *peer)
{
	if (likely(!READ_ONCE(peer->is_dead)))
		queue_work(peer->device->handshake_wq,
			   &peer->transmit_handshake_work);
}

static void retransmit_handshake(struct timer_list *timer)
{
	struct nt_peer *peer = from_timer(peer, timer, retransmit_handshake);
	unsigned int retries = READ_ONCE(peer->handshake_retries);

	if (retries >= MAX_TIMER_HANDSHAKES) {
		/*
		 * REKEY_ATTEMPT_TIME is over: give up, and do not keep the
		 * packets that waited for this handshake.
		 */
		pr_debug("%s: Handshake for peer %llu did not complete after %u attempts, giving up\n",
			 peer->device->dev->name, peer->internal_id,
			 retries + 1);
		nt_peer_purge_staged_packets(peer);
		return;
	}
	WRITE_ONCE(peer->handshake_retries, retries + 1);
	queue_initiation(peer);
}

void nt_send_peer_init(struct nt_peer *peer)
{
	INIT_WORK(&peer->transmit_handshake_work, transmit_handshake_work);
	timer_setup(&peer->retransmit_handshake, retransmit_handshake, 0);
}

void nt_send_peer_stop(struct nt_peer *peer)
{
	/*
	 * The timer queues the work and the work arms the timer, each only
	 * while the peer is not dead. A dead peer: stop the timer (its
	 * callback may still have queued the work), then the work (which may
	 * still have armed the timer before it saw is_dead), then the timer
	 * again; nothing is left to restart either. A device going down:
	 * the sockets are gone, so a late retry sends nothing and its
	 * retries run out.
	 */
	del_timer_sync(&peer->retransmit_handshake);
	cancel_work_sync(&peer->transmit_handshake_work);
	del_timer_sync(&peer->retransmit_handshake);
	/* The next packet after the device comes up starts one at once. */
	atomic64_set(&peer->last_sent_handshake_ns, 0);
}

void nt_send_handshake_want(struct nt_peer *peer)
{
	u64 last = atomic64_read(&peer->last_sent_handshake_ns);

	/* An initiation is in flight; its retry timer takes care of it. */
	if (last && ktime_get_coarse_boottime_ns() - last <
		    (u64)REKEY_TIMEOUT * NSEC_PER_SEC)
		return;
	WRITE_ONCE(peer->handshake_retries, 0);
	queue_initiation(peer);
}

void nt_send_handshake_complete(struct nt_peer *peer)
{
	del_timer(&peer->retransmit_handshake);
	WRITE_ONCE(peer->handshake_retries, 0);
}

bool nt_send_handshake_response(struct nt_peer *peer)
{
	struct message_handshake_response packet;
	bool ok = false;

	if (!nt_noise_handshake_create_response(&packet, &peer->handshake))
		goto out;
	nt_cookie_add_mac_to_packet(&packet, sizeof(packet),
				    &peer->latest_cookie);
	/*
	 * Derive the keys before the response leaves: the initiator may
	 * send data on them as soon as it has the response.
	 */
	if (!nt_noise_handshake_begin_session(&peer->handshake,
					      &peer->keypairs))
		goto out;
	nt_peer_count_tx(peer, sizeof(packet), false);
	nt_socket_send_buffer_to_peer(peer, &packet, sizeof(packet));
	ok = true;
out:
	memzero_explicit(&packet, sizeof(packet));
	return ok;
}
