// SPDX-License-Identifier: GPL-2.0
/* The out-of-line parts of kshim.h. */

#include "kshim.h"

u64 shim_now_ns;
unsigned long shim_ram_pages = (1UL << 30) >> PAGE_SHIFT;
bool shim_fail_kmalloc;

pthread_rwlock_t shim_rcu_lock = PTHREAD_RWLOCK_INITIALIZER;
__thread int shim_rcu_depth;
void (*shim_after_rcu_read_unlock)(void);

static pthread_mutex_t rcu_queue_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rcu_head *rcu_queue;

void shim_call_rcu_free(struct rcu_head *head, void *object)
{
	head->object = object;
	pthread_mutex_lock(&rcu_queue_lock);
	head->next = rcu_queue;
	rcu_queue = head;
	pthread_mutex_unlock(&rcu_queue_lock);
}

void shim_rcu_quiesce(void)
{
	struct rcu_head *head, *next;

	if (shim_rcu_depth) {
		fprintf(stderr, "synchronize_rcu() inside a read-side section\n");
		abort();
	}
	pthread_mutex_lock(&rcu_queue_lock);
	head = rcu_queue;
	rcu_queue = NULL;
	pthread_mutex_unlock(&rcu_queue_lock);

	/* The grace period: every reader that might see them has left. */
	pthread_rwlock_wrlock(&shim_rcu_lock);
	pthread_rwlock_unlock(&shim_rcu_lock);

	for (; head; head = next) {
		next = head->next;
		free(head->object);
	}
}

/* splitmix64, seeded by the test: keys differ per run but reproducibly. */
u64 shim_random_state = 0x1234;

void get_random_bytes(void *buf, size_t len)
{
	u8 *out = buf;
	u64 z;

	while (len) {
		size_t n = len < 8 ? len : 8;

		z = __atomic_add_fetch(&shim_random_state,
				       0x9e3779b97f4a7c15ULL, __ATOMIC_RELAXED);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		z ^= z >> 31;
		memcpy(out, &z, n);
		out += n;
		len -= n;
	}
}

#define ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND(v0, v1, v2, v3) do {					\
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32); \
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;			\
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;			\
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32); \
	} while (0)

/* SipHash-2-4 of the 24 bytes a, b, c (little-endian words). */
u64 siphash_3u64(u64 a, u64 b, u64 c, const siphash_key_t *key)
{
	u64 v0 = key->key[0] ^ 0x736f6d6570736575ULL;
	u64 v1 = key->key[1] ^ 0x646f72616e646f6dULL;
	u64 v2 = key->key[0] ^ 0x6c7967656e657261ULL;
	u64 v3 = key->key[1] ^ 0x7465646279746573ULL;
	const u64 words[4] = { a, b, c, 24ULL << 56 };
	int i;

	for (i = 0; i < 4; ++i) {
		v3 ^= words[i];
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= words[i];
	}
	v2 ^= 0xff;
	for (i = 0; i < 4; ++i)
		SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

struct sk_buff *alloc_skb(unsigned int size, gfp_t gfp)
{
	struct sk_buff *skb = calloc(1, sizeof(*skb));

	if (!skb)
		return NULL;
	skb->head = calloc(1, size ? size : 1);
	if (!skb->head) {
		free(skb);
		return NULL;
	}
	skb->data = skb->head;
	skb->size = size;
	return skb;
}

void kfree_skb(struct sk_buff *skb)
{
	if (!skb)
		return;
	free(skb->head);
	free(skb);
}
