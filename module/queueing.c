// SPDX-License-Identifier: GPL-2.0
/*
 * The crypto rings, the peers' ordered queues, and the hand-over between
 * them (queueing.h has the picture).
 */

#include <linux/cpumask.h>
#include <linux/netdevice.h>
#include <linux/skbuff.h>

#include "device.h"
#include "messages.h"
#include "noise.h"
#include "peer.h"
#include "queueing.h"

int nt_crypt_queue_init(struct nt_crypt_queue *queue, work_func_t function)
{
	int cpu, ret;

	ret = ptr_ring_init(&queue->ring, MAX_QUEUED_PACKETS,
			    GFP_KERNEL_ACCOUNT);
	if (ret)
		return ret;
	queue->workers = alloc_percpu_gfp(struct nt_crypt_worker,
					  GFP_KERNEL_ACCOUNT);
	if (!queue->workers) {
		ptr_ring_cleanup(&queue->ring, NULL);
		return -ENOMEM;
	}
	for_each_possible_cpu(cpu) {
		struct nt_crypt_worker *worker = per_cpu_ptr(queue->workers, cpu);

		INIT_WORK(&worker->work, function);
		worker->queue = queue;
	}
	queue->last_cpu = -1;
	return 0;
}

void nt_crypt_queue_uninit(struct nt_crypt_queue *queue)
{
	free_percpu(queue->workers);
	/* The peers, and so every queued packet, are gone before this. */
	WARN_ON(!__ptr_ring_empty(&queue->ring));
	ptr_ring_cleanup(&queue->ring, NULL);
}

void nt_peer_queue_init(struct nt_peer_queue *queue)
{
	spin_lock_init(&queue->lock);
	queue->head = NULL;
	queue->tail = NULL;
	queue->len = 0;
}

static bool peer_queue_add(struct nt_peer_queue *queue, struct sk_buff *skb)
{
	spin_lock_bh(&queue->lock);
	if (unlikely(queue->len >= MAX_QUEUED_PACKETS)) {
		spin_unlock_bh(&queue->lock);
		return false;
	}
	skb->prev = NULL;
	if (queue->tail)
		queue->tail->prev = skb;
	else
		queue->head = skb;
	queue->tail = skb;
	++queue->len;
	spin_unlock_bh(&queue->lock);
	return true;
}

struct sk_buff *nt_peer_queue_dequeue_done(struct nt_peer_queue *queue)
{
	struct sk_buff *skb;

	spin_lock_bh(&queue->lock);
	skb = queue->head;
	/*
	 * Acquire pairs with the crypto worker's release: a packet seen done
	 * is seen with its sealed or opened bytes.
	 */
	if (!skb || atomic_read_acquire(&NT_PACKET_CB(skb)->state) ==
		    NT_PACKET_UNCRYPTED) {
		spin_unlock_bh(&queue->lock);
		return NULL;
	}
	queue->head = skb->prev;
	if (!queue->head)
		queue->tail = NULL;
	--queue->len;
	spin_unlock_bh(&queue->lock);
	skb->prev = NULL;
	return skb;
}

/*
 * Free what is left in @queue. A TX entry is a batch we chained ourselves
 * through skb->next, freed whole; an RX entry is one packet, detached from
 * any list on arrival (socket.c), and freed alone, so that a stale link
 * could never lead the free into packets it does not own.
 */
static void peer_queue_purge(struct nt_peer_queue *queue, bool batches)
{
	struct sk_buff *skb, *next;

	spin_lock_bh(&queue->lock);
	skb = queue->head;
	queue->head = NULL;
	queue->tail = NULL;
	queue->len = 0;
	spin_unlock_bh(&queue->lock);

	for (; skb; skb = next) {
		next = skb->prev;
		skb->prev = NULL;
		nt_noise_keypair_put(NT_PACKET_CB(skb)->keypair);
		if (batches)
			kfree_skb_list(skb);
		else
			kfree_skb(skb);
	}
}

void nt_peer_queue_purge_tx(struct nt_peer_queue *queue)
{
	peer_queue_purge(queue, true);
}

void nt_peer_queue_purge_rx(struct nt_peer_queue *queue)
{
	peer_queue_purge(queue, false);
}

/* The next online CPU after the last one used, round robin. */
static int next_cpu(int *last_cpu)
{
	int cpu = cpumask_next(READ_ONCE(*last_cpu), cpu_online_mask);

	if (cpu >= nr_cpu_ids)
		cpu = cpumask_first(cpu_online_mask);
	WRITE_ONCE(*last_cpu, cpu);
	return cpu;
}

/*
 * The CPU a peer's tx work runs on: the same one for as long as it stays
 * online, so that one peer's sends do not hop between CPUs, and different
 * peers spread over them (by their id). Picked again, by walking the
 * online CPUs, only when the one remembered went offline; a race between
 * two pickers only picks the same CPU twice.
 */
static int peer_cpu(struct nt_peer *peer)
{
	int cpu = READ_ONCE(peer->serial_work_cpu);
	unsigned int n, i;

	if (likely(cpu >= 0 && cpu < nr_cpu_ids && cpu_online(cpu)))
		return cpu;
	n = num_online_cpus();
	i = n ? peer->internal_id % n : 0;
	for_each_online_cpu(cpu) {
		if (!i--)
			break;
	}
	if (cpu >= nr_cpu_ids)
		cpu = cpumask_first(cpu_online_mask);
	WRITE_ONCE(peer->serial_work_cpu, cpu);
	return cpu;
}

/*
 * Put @skb in @peer_queue and in @queue's ring, and wake a crypto worker.
 * A packet that finds the ring full stays in the peer's queue marked dead
 * (@full_reason), handed to @done so that the serial stage frees it in
 * order. Return: false if the peer's queue is full (@skb is untouched).
 */
static bool enqueue_for_crypto(struct nt_device *ntd, struct nt_crypt_queue *queue,
			       struct nt_peer_queue *peer_queue, struct nt_peer *peer,
			       struct sk_buff *skb,
			       void (*done)(struct nt_peer *, struct sk_buff *,
					    enum nt_packet_state),
			       enum noisetun_drop_attr full_reason)
{
	int cpu;

	atomic_set(&NT_PACKET_CB(skb)->state, NT_PACKET_UNCRYPTED);
	if (unlikely(!peer_queue_add(peer_queue, skb)))
		return false;
	/* The peer's queue owns the packet from here. */
	if (unlikely(ptr_ring_produce_bh(&queue->ring, skb))) {
		NT_PACKET_CB(skb)->drop_reason = full_reason;
		done(peer, skb, NT_PACKET_DEAD);
		return true;
	}
	cpu = next_cpu(&queue->last_cpu);
	queue_work_on(cpu, ntd->packet_crypt_wq,
		      &per_cpu_ptr(queue->workers, cpu)->work);
	return true;
}

/*
 * Wait for what the crypto workqueue holds: a packet's crypto, then the
 * transmit work that the crypto queued (on packet_crypt_wq too), so two
 * flushes. The caller has made sure that no packet enters the queues.
 */
void nt_queue_flush_crypt(struct nt_device *ntd)
{
	flush_workqueue(ntd->packet_crypt_wq);
	flush_workqueue(ntd->packet_crypt_wq);
}

bool nt_queue_enqueue_tx(struct nt_device *ntd, struct nt_peer *peer,
			 struct sk_buff *first)
{
	return enqueue_for_crypto(ntd, &ntd->encrypt_queue, &peer->tx_queue, peer, first,
				  nt_queue_tx_done, NOISETUN_A_DROP_TX_QUEUE_FULL);
}

bool nt_queue_enqueue_rx(struct nt_device *ntd, struct nt_peer *peer,
			 struct sk_buff *skb)
{
	return enqueue_for_crypto(ntd, &ntd->decrypt_queue, &peer->rx_queue, peer, skb,
				  nt_queue_rx_done, NOISETUN_A_DROP_RX_QUEUE_FULL);
}

void nt_queue_tx_done(struct nt_peer *peer, struct sk_buff *first,
		      enum nt_packet_state state)
{
	/*
	 * Once the state is published the tx work may free the batch, and
	 * with it the last keypair reference; the peer itself stays, because
	 * its removal flushes this workqueue (or, from xmit, waits for the
	 * caller's RCU section) before dropping the list's reference.
	 */
	atomic_set_release(&NT_PACKET_CB(first)->state, state);
	queue_work_on(peer_cpu(peer), peer->device->packet_crypt_wq,
		      &peer->transmit_packet_work);
}

void nt_queue_rx_done(struct nt_peer *peer, struct sk_buff *skb,
		      enum nt_packet_state state)
{
	atomic_set_release(&NT_PACKET_CB(skb)->state, state);
	/*
	 * From the worker this only raises the softirq; it runs at the next
	 * bottom-half enable (the worker's next ring access) or interrupt,
	 * by then often with more packets ready for one poll.
	 */
	napi_schedule(&peer->napi);
}
