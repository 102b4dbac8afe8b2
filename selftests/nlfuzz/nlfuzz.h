/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nlfuzz: a fuzzer of the noisetun generic netlink family with a model of
 * the family as its oracle. See nlfuzz.c for the overview.
 */
#ifndef NLFUZZ_H
#define NLFUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <linux/netlink.h>
#include <net/if.h>

#include "noisetun.h"
#include "nlcommon.h"

#define KEY_LEN NOISETUN_KEY_LEN
#define MAX_MSG 16384		/* the largest request we build */
#define GENL_HDR 4		/* struct genlmsghdr */
#define MSG_HDR (NLMSG_HDRLEN + GENL_HDR)

/* ---- randomness (rng.c would be one function: here) --------------------- */

struct rng {
	uint64_t s;
};

static inline uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0. */
static inline uint32_t rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(rng_next(r) % n);
}

/* True with probability num/den. */
static inline bool rng_chance(struct rng *r, uint32_t num, uint32_t den)
{
	return rng_below(r, den) < num;
}

static inline void rng_bytes(struct rng *r, void *out, size_t n)
{
	uint8_t *p = out;

	while (n) {
		uint64_t v = rng_next(r);
		size_t k = n < 8 ? n : 8;

		for (size_t i = 0; i < k; i++)
			p[i] = (uint8_t)(v >> (8 * i));
		p += k;
		n -= k;
	}
}

/* ---- unaligned little helpers -------------------------------------------- */

static inline uint16_t get16(const void *p)
{
	uint16_t v;

	__builtin_memcpy(&v, p, 2);
	return v;
}

static inline uint32_t get32(const void *p)
{
	uint32_t v;

	__builtin_memcpy(&v, p, 4);
	return v;
}

static inline void put16(void *p, uint16_t v)
{
	__builtin_memcpy(p, &v, 2);
}

static inline void put32(void *p, uint32_t v)
{
	__builtin_memcpy(p, &v, 4);
}

#define ALIGN4(x) (((x) + 3U) & ~3U)

/* ---- the model of one device's configuration (model.c) ------------------- */

struct m_aip {
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t cidr;
	uint8_t addr[16];	/* host bits cleared */
};

struct m_peer {
	uint8_t pub[KEY_LEN];
	uint8_t psk[KEY_LEN];
	uint8_t ep[28];		/* the sockaddr as the kernel keeps it */
	uint8_t ep_len;		/* 0: no endpoint, 16 or 28 */
	uint16_t keepalive;
	struct m_aip *aips;
	unsigned int n_aips, cap_aips;
};

struct m_dev {
	bool has_key;
	uint8_t priv[KEY_LEN];	/* clamped, as the kernel keeps it */
	uint8_t pub[KEY_LEN];
	uint16_t port;
	bool port_unknown;	/* an up device picked a port: read it back */
	uint32_t fwmark;
	struct m_peer *peers;
	unsigned int n_peers, cap_peers;
};

void m_dev_init(struct m_dev *d);
void m_dev_free(struct m_dev *d);
void m_dev_copy(struct m_dev *dst, const struct m_dev *src);
int m_peer_find(const struct m_dev *d, const uint8_t *pub);
struct m_peer *m_peer_add(struct m_dev *d, const uint8_t *pub);
void m_peer_remove(struct m_dev *d, int i);
void m_peer_clear_aips(struct m_peer *p);
void m_aip_insert(struct m_dev *d, int peer, int family, const uint8_t *addr,
		  int cidr);
void m_aip_remove(struct m_dev *d, int peer, int family, const uint8_t *addr,
		  int cidr);
void m_mask(int family, uint8_t *addr, int cidr);
void m_dev_canon(struct m_dev *d);
/* 0 when equal; else 1 and a description of the first difference. */
int m_dev_compare(const struct m_dev *want, const struct m_dev *got,
		  bool ignore_port, char *why, size_t len);
void m_dev_print_conf(FILE *out, const struct m_dev *d);
void m_public_key(uint8_t pub[KEY_LEN], const uint8_t priv[KEY_LEN]);
void m_clamp(uint8_t key[KEY_LEN]);

/* Reading a GET dump back, with its well-formedness checks. */
struct dump_reader {
	struct m_dev dev;
	unsigned int messages;
	bool intr;
	bool have_last;
	uint8_t last_key[KEY_LEN];
	char error[256];	/* the first malformation seen, or "" */
};

void dump_reader_init(struct dump_reader *r);
void dump_reader_free(struct dump_reader *r);
void dump_reader_msg(struct dump_reader *r, const struct nlmsghdr *nlh);
/* After the last message: the checks that need the whole dump. */
void dump_reader_end(struct dump_reader *r);

/* ---- what the fuzzer knows of the namespace (predict.c) ------------------ */

enum dev_kind {
	D_OWN,		/* this worker's device: modelled, checked */
	D_OWNED,	/* another worker's: never SET */
	D_READ,		/* a noisetun device to dump only (the live tunnel) */
	D_FREE,		/* anything goes, nothing predicted (churned) */
	D_FOREIGN,	/* not a noisetun device */
};

struct env_dev {
	int ifindex;
	char name[IFNAMSIZ];
	enum dev_kind kind;
};

#define MAX_DEVS 64

struct env {
	uint16_t family;	/* the noisetun family id */
	uint16_t missing;	/* a family id nobody has */
	struct env_dev devs[MAX_DEVS];
	int n_devs;
	int own;		/* index of D_OWN in devs, or -1 */
	bool own_up;		/* the own device is up: ports are bound */
};

enum outcome_kind {
	O_NONE,		/* no reply at all */
	O_ACK,		/* one NLMSG_ERROR carrying err (0: an ack) */
	O_DUMP,		/* a dump: data messages, then NLMSG_DONE */
	O_ANY,		/* not predicted (a device we do not model) */
};

struct outcome {
	enum outcome_kind kind;
	int err;		/* for O_ACK: the errno, 0 for success */
	int alt_err;		/* another acceptable errno, or 0 */
	bool dump_own;		/* O_DUMP of the own device */
	bool set_own;		/* a SET of the own device */
	bool unsafe;		/* could change a device we must not touch */
	bool reached_dump;	/* got as far as starting a dump */
	char what[96];		/* which rule decided, for reports */
};

/*
 * The messages of one send(), as netlink_rcv_skb() walks them: offsets of
 * the messages that are processed; a message whose length does not fit
 * ends the walk (it and what follows get nothing). A message whose length
 * is shorter than what was built leaves the rest to be read as further
 * messages, hence room for many.
 */
#define MAX_BATCH 4		/* messages built into one send() */
#define MAX_WALK (MAX_BATCH * MAX_MSG / NLMSG_HDRLEN)
struct batch_walk {
	size_t off[MAX_WALK];
	int n;
	bool truncated;		/* the walk stopped before the end */
};

void walk_batch(const uint8_t *buf, size_t len, struct batch_walk *w);

/*
 * Predict the outcome of the message at @msg (its nlmsg_len fits), sent by
 * a privileged process, for @model the own device's configuration just
 * before it. With @apply, a SET of the own device that succeeds is applied
 * to @model. @busy: a dump may be running on the socket (a dump start may
 * then be refused with EBUSY).
 */
void predict(const struct env *env, const uint8_t *msg, struct m_dev *model,
	     bool apply, bool busy, struct outcome *o);

/* ---- building requests (gen.c) ------------------------------------------- */

struct keypool {
	uint8_t priv[8][KEY_LEN];
	uint8_t pub[8][KEY_LEN];
};

struct corpus {
	uint8_t *msg[256];
	uint16_t len[256];
	unsigned int n, next;
	unsigned int seeds;	/* the first entries are seeds: kept */
};

struct gen {
	struct rng *rng;
	const struct env *env;
	const struct m_dev *model;
	const struct keypool *keys;
	struct corpus *corpus;
	uint32_t seq;
	int chaos;		/* per mille of attributes damaged */
	bool clean;		/* no odd values either (seeds) */
};

/* A buffer a request is built in. */
struct mbuf {
	uint8_t d[MAX_MSG];
	size_t len;
	size_t nest[16];
	int depth;
};

void keypool_init(struct keypool *k, struct rng *r);
void corpus_add(struct corpus *c, const uint8_t *msg, size_t len, bool seed);
int corpus_load(struct corpus *c, const char *path);

/* One message (a SET or GET of the own device, or another), from scratch. */
size_t gen_request(struct gen *g, struct mbuf *m);
/* One message from the corpus, retargeted at the own device and mutated. */
size_t gen_mutant(struct gen *g, struct mbuf *m);
/* A valid SET of the own device, shaped as tunctl makes them. */
size_t gen_seed(struct gen *g, struct mbuf *m);
/* A clean GET dump of @dev. */
size_t gen_get(struct gen *g, struct mbuf *m, const struct env_dev *dev,
	       bool by_index);
/* A random configuration in setconf's format. */
void gen_conf(FILE *out, struct rng *r, bool port);

/* ---- misc ---------------------------------------------------------------- */

void hex_print(FILE *out, const uint8_t *p, size_t n);
size_t hex_parse(uint8_t *out, size_t max, const char *s);

#endif /* NLFUZZ_H */
