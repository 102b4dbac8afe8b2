/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The transport's queues: crypto in parallel on every CPU, each peer's
 * packets still delivered in the order they came (Documentation/architecture.md
 * "Data path").
 *
 *  TX   device_xmit()        any CPU               peer's serial work
 *       ---------            ---------             ------------------
 *       staged_packet_queue
 *         | send_staged()
 *         +--> peer tx_queue (ordered) ........... tx worker takes the head
 *         |                                        batch once it is no
 *         +--> device encrypt ring --> encrypt --> longer UNCRYPTED, sends
 *                                      worker      it (or drops it if DEAD)
 *
 *  RX   encap_rcv
 *       ---------
 *         +--> peer rx_queue (ordered) ........... NAPI poll takes the head
 *         |                                        once it is no longer
 *         +--> device decrypt ring --> decrypt --> UNCRYPTED: replay check,
 *                                      worker      deliver (GRO) or drop
 *
 * Every packet (on TX a batch: a list of packets chained through skb->next,
 * the segments of one GSO packet among them) sits in two places at once:
 * its peer's ordered queue and the device-wide crypto ring. Any CPU's crypto
 * worker takes work from the ring, and marks the packet CRYPTED or DEAD
 * when done; the serial stage of the peer only ever takes packets from the
 * head of the peer's queue, and stops at the first one still UNCRYPTED.
 * So crypto runs in parallel on all CPUs while each peer's packets leave
 * (and arrive) in order, without a reorder buffer. A packet that does not
 * fit into the ring is marked DEAD in the peer's queue, so that the order
 * stays intact and the serial stage frees it.
 *
 * Lifetime: a packet in the queues holds a reference on its keypair (on TX
 * the first packet of a batch holds it for the batch), and the keypair one
 * on its peer, so neither goes away under a crypto worker. The work items
 * embedded in a peer (its tx work, its NAPI context) are only scheduled by
 * code that runs while the peer's device list reference exists: removal
 * marks the peer dead, waits for a grace period (every enqueue checks
 * is_dead inside an RCU-bh section), then flushes the crypto workqueue
 * twice (once for the crypto stage, once for the tx work it schedules) and
 * disables NAPI, and only then drops that reference.
 */

#ifndef _NT_QUEUEING_H
#define _NT_QUEUEING_H

#include <linux/atomic.h>
#include <linux/ipv6.h>
#include <linux/percpu.h>
#include <linux/ptr_ring.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/udp.h>
#include <linux/workqueue.h>

#include "messages.h"

struct nt_device;
struct nt_noise_keypair;
struct nt_peer;

/**
 * enum nt_packet_state - where a queued packet is in its crypto step
 * @NT_PACKET_UNCRYPTED: waiting for (or in) a crypto worker
 * @NT_PACKET_CRYPTED: sealed (TX) or opened and authentic (RX)
 * @NT_PACKET_DEAD: to be dropped by the serial stage; the drop is counted
 *                  with &struct nt_packet_cb's @drop_reason
 */
enum nt_packet_state {
	NT_PACKET_UNCRYPTED,
	NT_PACKET_CRYPTED,
	NT_PACKET_DEAD
};

/**
 * struct nt_packet_cb - what the transport keeps in skb->cb
 * @keypair: the keypair the packet is sealed or opened with; a referenced
 *           pointer (on TX only in a batch's first packet)
 * @nonce: the message counter
 * @state: enum nt_packet_state; set with release semantics by the crypto
 *         worker, read with acquire semantics by the serial stage
 * @mtu: TX: what padding may grow the packet to (the route's MTU when the
 *       packet had a route, else the device's)
 * @inner_len: TX: the inner packet's length, for the device's tx_bytes
 * @ds: TX: the outer DS field (ECN copied from the inner header); RX: the
 *      outer DS field as received, for ECN decapsulation
 * @drop_reason: why a DEAD packet is dropped, NOISETUN_A_DROP_*
 */
struct nt_packet_cb {
	struct nt_noise_keypair *keypair;
	u64 nonce;
	atomic_t state;
	u32 mtu;
	u32 inner_len;
	u8 ds;
	u8 drop_reason;
};

#define NT_PACKET_CB(skb) ((struct nt_packet_cb *)((skb)->cb))

/*
 * The headroom a sealed packet needs in front of its inner packet: the
 * data message header and the larger outer IP header with UDP. The link
 * layer below finds its own room.
 */
#define NT_DATA_HEADROOM ALIGN(sizeof(struct ipv6hdr) + sizeof(struct udphdr) + \
			       sizeof(struct message_data), 4)

/**
 * struct nt_peer_queue - a peer's packets in arrival order
 * @lock: protects @head, @tail and @len; BH-safe, taken by the entry path
 *        (enqueue) and the serial stage (dequeue), never around anything
 *        else (lock order: below the keypair update lock, device.h)
 * @len: packets (batches) queued, at most MAX_QUEUED_PACKETS
 * @head: the oldest packet; packets link through skb->prev, because
 *        skb->next chains the packets of a TX batch
 * @tail: the newest packet
 *
 * @len next to @lock: 24 bytes instead of 32 on 64-bit machines.
 */
struct nt_peer_queue {
	spinlock_t lock; /* see above */
	unsigned int len;
	struct sk_buff *head;
	struct sk_buff *tail;
};

/**
 * struct nt_crypt_queue - a device-wide ring of packets waiting for crypto
 * @ring: the packets (TX: the first of each batch); bounded by
 *        MAX_QUEUED_PACKETS; its own producer and consumer locks
 * @workers: one work item per CPU, each draining @ring
 * @last_cpu: the CPU the last packet's work was queued on; the next goes
 *            to the next online CPU (races only skew the spread)
 */
struct nt_crypt_queue {
	struct ptr_ring ring;
	struct nt_crypt_worker __percpu *workers;
	int last_cpu;
};

/**
 * struct nt_crypt_worker - one CPU's worker of a crypto queue
 * @work: runs the queue's worker function on that CPU
 * @queue: the queue it drains
 */
struct nt_crypt_worker {
	struct work_struct work;
	struct nt_crypt_queue *queue;
};

/**
 * nt_crypt_queue_init() - allocate a ring and its per-CPU workers
 * @queue: the queue, zeroed memory
 * @function: the worker function; it finds @queue in its &struct
 *            nt_crypt_worker
 *
 * Return: 0 or -ENOMEM.
 */
int nt_crypt_queue_init(struct nt_crypt_queue *queue, work_func_t function);

/**
 * nt_crypt_queue_uninit() - free a queue whose workers are flushed
 * @queue: the queue; must be empty (the peers are gone)
 */
void nt_crypt_queue_uninit(struct nt_crypt_queue *queue);

/**
 * nt_peer_queue_init() - set up an empty peer queue
 * @queue: the queue
 */
void nt_peer_queue_init(struct nt_peer_queue *queue);

/**
 * nt_peer_queue_dequeue_done() - take the head if its crypto is done
 * @queue: a peer's queue; called by its serial stage only
 *
 * Return: the head packet (TX: batch), unlinked, or NULL when the queue is
 * empty or the head is still UNCRYPTED.
 */
struct sk_buff *nt_peer_queue_dequeue_done(struct nt_peer_queue *queue);

/**
 * nt_peer_queue_purge_tx() - free every batch left in a peer's tx queue
 * @queue: the queue, with no producer and no consumer left (peer removal)
 *
 * Frees each batch whole (its skb->next chain) and drops the keypair
 * references the batches hold.
 */
void nt_peer_queue_purge_tx(struct nt_peer_queue *queue);

/**
 * nt_peer_queue_purge_rx() - free every packet left in a peer's rx queue
 * @queue: the queue, with no producer and no consumer left (peer removal)
 *
 * Frees each packet alone (received packets are never chained) and drops
 * the keypair references they hold.
 */
void nt_peer_queue_purge_rx(struct nt_peer_queue *queue);

/* Wait for both stages of what packet_crypt_wq holds (queueing.c). */
void nt_queue_flush_crypt(struct nt_device *ntd);

/**
 * nt_queue_enqueue_tx() - hand a sealed-to-be batch to the crypto stage
 * @ntd: the device
 * @peer: the batch's peer; caller holds rcu_read_lock_bh() and has checked
 *        that the peer is not dead in the same section
 * @first: the batch, chained through skb->next; NT_PACKET_CB(@first)
 *         holds the keypair reference and every packet its nonce
 *
 * Return: false if the peer's queue is full (nothing was queued; the
 * caller still owns @first).
 */
bool nt_queue_enqueue_tx(struct nt_device *ntd, struct nt_peer *peer,
			 struct sk_buff *first);

/**
 * nt_queue_enqueue_rx() - hand a received data message to the crypto stage
 * @ntd: the device
 * @peer: its keypair's peer; caller holds rcu_read_lock_bh() or
 *        rcu_read_lock() and has checked that the peer is not dead
 * @skb: the message, skb->data at its header; NT_PACKET_CB(@skb) holds the
 *       keypair reference and the nonce
 *
 * Return: false if the peer's queue is full (the caller still owns @skb).
 */
bool nt_queue_enqueue_rx(struct nt_device *ntd, struct nt_peer *peer,
			 struct sk_buff *skb);

/**
 * nt_queue_tx_done() - a crypto worker finished a batch
 * @peer: the batch's peer
 * @first: the batch
 * @state: NT_PACKET_CRYPTED or NT_PACKET_DEAD
 *
 * Publishes @state and schedules the peer's tx work. Context: the crypto
 * worker.
 */
void nt_queue_tx_done(struct nt_peer *peer, struct sk_buff *first,
		      enum nt_packet_state state);

/**
 * nt_queue_rx_done() - a crypto worker finished a received message
 * @peer: its peer
 * @skb: the message
 * @state: NT_PACKET_CRYPTED or NT_PACKET_DEAD
 *
 * Publishes @state and schedules the peer's NAPI poll. Context: the crypto
 * worker.
 */
void nt_queue_rx_done(struct nt_peer *peer, struct sk_buff *skb,
		      enum nt_packet_state state);

/**
 * nt_queue_worker_queue() - the crypto queue a worker drains
 * @work: a &struct nt_crypt_worker's work
 *
 * Return: the queue.
 */
static inline struct nt_crypt_queue *nt_queue_worker_queue(struct work_struct *work)
{
	return container_of(work, struct nt_crypt_worker, work)->queue;
}

#endif /* _NT_QUEUEING_H */
