// SPDX-License-Identifier: GPL-2.0
/*
 * nlfuzz: fuzzes the noisetun generic netlink family, with a model of the
 * family as the oracle, for selftests/netns/85-netlink-fuzz.sh.
 *
 * `nlfuzz run` forks one worker per device given with --own. A worker is
 * the only writer of its device, so it can keep a model of the device's
 * configuration. Each request it sends (random, or a mutant of the seeds:
 * requests shaped as tunctl makes them, those tunctl really sent when a
 * capture file is given, and requests the kernel accepted) is predicted by
 * predict.c and the kernel's answer compared: the errno of a refusal, the
 * absence of any reply where none is due, a dump where one is due. A SET
 * that succeeds is applied to the model, and the device is read back
 * (dumped) after every request that could change it and compared with the
 * model, so a refused request that changed something, or an accepted one
 * that did something else, is caught at once. Besides, workers dump the
 * other devices (the live tunnel's, a large one, a churned one) and abuse
 * dumps: abandoned after one message, a second dump or a SET on the socket
 * of a running one, a process that exits in the middle. At the end each
 * worker writes its model in `tunctl showconf`'s format, for the scenario
 * to compare with what tunctl reads.
 *
 * Everything random comes from --seed: a run is replayed with the same
 * seed (and device configurations, which `nlfuzz conf SEED` makes). A
 * failure report carries the request's bytes, which `nlfuzz send` sends
 * again.
 *
 *   nlfuzz run --seed N --seconds N --own DEV[,DEV...] [--free DEV,...]
 *              [--corpus FILE] [--out DIR] [--max-failures N] [--trace kmsg]
 *   nlfuzz conf SEED [--no-port]      a random configuration (setconf)
 *   nlfuzz canon [--no-port] <FILE    a configuration in canonical order
 *   nlfuzz capture NLMONDEV FILE      record the family's requests (hex)
 *   nlfuzz send [--family-was ID] HEX...   send requests, print answers
 *   nlfuzz policy [--drop-caps]       dump the family's policies
 *
 * Exit status: 0 when nothing failed, 1 on a failure, 2 on a usage or
 * local error.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/genetlink.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nlfuzz.h"
#include "../subcmd.h"

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("nlfuzz: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* ---- counters, shared by the workers --------------------------------------- */

#define N_ERRNO 140

struct stats {
	uint64_t sent;		/* messages sent */
	uint64_t sends;		/* send() calls */
	uint64_t generated, mutants, seeds, batches;
	uint64_t ok;		/* acked with 0, or a dump that completed */
	uint64_t noreply;	/* no reply, as predicted */
	uint64_t refused[N_ERRNO];
	uint64_t applied;	/* SETs of an own device that succeeded */
	uint64_t unpredicted;	/* answers the model could not predict */
	uint64_t skipped;	/* requests not sent: they could hit a device
				 * another worker owns */
	uint64_t dumps, dumps_intr, dumps_abandoned, ebusy, forks;
	uint64_t checks;	/* device read back and compared */
	uint64_t failures;
};

static struct stats *all_stats;	/* [0] totals, [1 + i] worker i */
static int trace_fd = -1;	/* /dev/kmsg with --trace */
static double started;		/* when the run began */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- a netlink socket ---------------------------------------------------------- */

struct nls {
	int fd;
};

static int nls_open(struct nls *s, bool ext_ack, bool cap_ack)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int one = 1, size = 4 << 20;

	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (s->fd < 0)
		return -errno;
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(s->fd);
		return -errno;
	}
	setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size));
	setsockopt(s->fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size));
	if (ext_ack)
		setsockopt(s->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	if (cap_ack)
		setsockopt(s->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	return 0;
}

static void nls_close(struct nls *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

static int nls_send(struct nls *s, const void *buf, size_t len)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };

	if (sendto(s->fd, buf, len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -errno;
	return 0;
}

/* What came back for one message of a send. */
struct reply {
	uint32_t seq;
	bool dump_expected;	/* data may come for it */
	bool acked;		/* an NLMSG_ERROR came */
	int err;
	char extack[160];
	unsigned int data;	/* data messages */
	bool done;		/* NLMSG_DONE came */
	int done_err;
	bool intr;
	struct dump_reader *reader;	/* fed the data, when given */
};

static void read_extack(const struct nlmsghdr *nlh, char *out, size_t len)
{
	const struct nlmsgerr *err = NLMSG_DATA(nlh);
	size_t off = NLMSG_HDRLEN + sizeof(*err);
	const uint8_t *p = (const uint8_t *)nlh;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += ALIGN4(err->msg.nlmsg_len) - NLMSG_HDRLEN;
	while (off + 4 <= nlh->nlmsg_len) {
		uint16_t alen = get16(p + off), type = get16(p + off + 2);

		if (alen < 4 || off + alen > nlh->nlmsg_len)
			break;
		if (type == NLMSGERR_ATTR_MSG)
			snprintf(out, len, "%.*s", (int)(alen - 4), p + off + 4);
		off += ALIGN4(alen);
	}
}

/*
 * Read everything the socket has (requests are handled in send(), so
 * their answers are queued already; a dump goes on as it is read) and
 * hand each message to the reply of its sequence number, in order.
 * Returns the number of messages nobody expected, or -errno.
 */
static int drain(struct nls *s, struct reply *r, int n)
{
	static uint8_t buf[1 << 20];
	int stray = 0;

	for (;;) {
		ssize_t len = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT);
		const struct nlmsghdr *nlh;
		size_t left;

		if (len < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return stray;
			if (errno == EINTR)
				continue;
			return -errno;
		}
		left = (size_t)len;
		for (nlh = (void *)buf; NLMSG_OK(nlh, left); nlh = NLMSG_NEXT(nlh, left)) {
			struct reply *to = NULL;

			for (int i = 0; i < n; i++) {
				struct reply *c = &r[i];

				if (c->seq != nlh->nlmsg_seq || c->acked || c->done)
					continue;
				if (nlh->nlmsg_type != NLMSG_ERROR && !c->dump_expected)
					continue;
				to = c;
				break;
			}
			if (!to) {
				stray++;
				continue;
			}
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				to->intr = true;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nlh);

				to->acked = true;
				to->err = -e->error;
				read_extack(nlh, to->extack, sizeof(to->extack));
			} else if (nlh->nlmsg_type == NLMSG_DONE) {
				to->done = true;
				if (nlh->nlmsg_len >= NLMSG_HDRLEN + 4)
					to->done_err = -(int)get32(NLMSG_DATA(nlh));
			} else {
				to->data++;
				if (to->reader)
					dump_reader_msg(to->reader, nlh);
			}
		}
	}
}

/* ---- the environment ------------------------------------------------------------- */

static struct env env0;
static const char *own_list[MAX_DEVS];
static int n_own;

static bool in_list(const char *list, const char *name)
{
	char copy[1024], *tok, *save;

	if (!list)
		return false;
	snprintf(copy, sizeof(copy), "%s", list);
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
		if (!strcmp(tok, name))
			return true;
	return false;
}

/* Send one request on a fresh socket; its errno, or 0 for an ack/dump. */
static int probe(const uint8_t *msg, size_t len)
{
	struct reply r = { .seq = get32(msg + 8), .dump_expected = true };
	struct nls s;

	if (nls_open(&s, false, true))
		return -1;
	if (nls_send(&s, msg, len) || drain(&s, &r, 1) < 0) {
		nls_close(&s);
		return -1;
	}
	nls_close(&s);
	return r.acked ? r.err : r.done ? r.done_err : -1;
}

static bool dev_is_up(const char *name)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool up = false;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (fd >= 0 && !ioctl(fd, SIOCGIFFLAGS, &ifr))
		up = ifr.ifr_flags & IFF_UP;
	if (fd >= 0)
		close(fd);
	return up;
}

static void env_build(const char *own, const char *free_list)
{
	struct if_nameindex *ifs = if_nameindex(), *i;
	struct mnl_socket *nl = mnl_socket_open(NETLINK_GENERIC);
	uint8_t msg[64];

	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		die("netlink socket: %s", strerror(errno));
	env0.family = nlc_family_id(nl, NOISETUN_GENL_NAME, 1);
	mnl_socket_close(nl);
	if (!env0.family)
		die("family %s not found (module not loaded?)", NOISETUN_GENL_NAME);

	/* A family id nobody has: the kernel answers ENOENT. */
	for (uint16_t id = 0xfff0; id > 0x8000; id -= 0x111) {
		memset(msg, 0, sizeof(msg));
		put32(msg, MSG_HDR);
		put16(msg + 4, id);
		put16(msg + 6, NLM_F_REQUEST | NLM_F_ACK);
		put32(msg + 8, 7);
		if (probe(msg, MSG_HDR) == ENOENT) {
			env0.missing = id;
			break;
		}
	}
	if (!env0.missing)
		die("found no unused family id");

	env0.own = -1;
	for (i = ifs; i && i->if_index; i++) {
		struct env_dev *d;
		size_t n;
		int err;

		if (env0.n_devs == MAX_DEVS)
			break;
		d = &env0.devs[env0.n_devs++];
		d->ifindex = (int)i->if_index;
		snprintf(d->name, sizeof(d->name), "%s", i->if_name);
		if (in_list(own, d->name)) {
			d->kind = D_OWNED;
			own_list[n_own++] = d->name;
			continue;
		}
		if (in_list(free_list, d->name)) {
			d->kind = D_FREE;
			continue;
		}
		/* A noisetun device answers a GET; any other, EOPNOTSUPP. */
		memset(msg, 0, sizeof(msg));
		put16(msg + 4, env0.family);
		put16(msg + 6, NLM_F_REQUEST | NLM_F_DUMP);
		put32(msg + 8, 9);
		msg[NLMSG_HDRLEN] = NOISETUN_CMD_GET_DEVICE;
		msg[NLMSG_HDRLEN + 1] = 1;
		n = strlen(d->name) + 1;
		put16(msg + MSG_HDR, (uint16_t)(4 + n));
		put16(msg + MSG_HDR + 2, NOISETUN_A_DEVICE_IFNAME);
		memcpy(msg + MSG_HDR + 4, d->name, n);
		put32(msg, (uint32_t)(MSG_HDR + 4 + n));
		err = probe(msg, MSG_HDR + 4 + n);
		d->kind = err == 0 ? D_READ : err == EOPNOTSUPP ? D_FOREIGN : D_FREE;
	}
	if_freenameindex(ifs);
	/* A free device named but absent now comes back later. */
	if (free_list) {
		char copy[1024], *tok, *save;

		snprintf(copy, sizeof(copy), "%s", free_list);
		for (tok = strtok_r(copy, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save)) {
			bool known = false;

			for (int j = 0; j < env0.n_devs; j++)
				known |= !strcmp(env0.devs[j].name, tok);
			if (!known && env0.n_devs < MAX_DEVS) {
				struct env_dev *d = &env0.devs[env0.n_devs++];

				d->ifindex = 0;
				snprintf(d->name, sizeof(d->name), "%s", tok);
				d->kind = D_FREE;
			}
		}
	}
}

/* ---- a worker ----------------------------------------------------------------------- */

struct worker {
	int id;
	uint64_t seed;
	struct env env;
	struct rng rng;
	struct m_dev model;
	struct keypool keys;
	struct corpus corpus;
	struct gen gen;
	struct nls main;
	struct stats *st;
	unsigned long action;
	bool resync;		/* the model could not follow: adopt the device */
	int max_reports, reports;
	FILE *log;		/* failures, also on stderr */
	const char *name;
};

static const char *kind_name(enum outcome_kind k)
{
	switch (k) {
	case O_NONE:
		return "no reply";
	case O_ACK:
		return "ack";
	case O_DUMP:
		return "dump";
	default:
		return "anything";
	}
}

static void describe_reply(char *out, size_t len, const struct reply *r)
{
	if (r->acked)
		snprintf(out, len, "%s %s%s%s%s", r->err ? "error" : "ack",
			 r->err ? nlc_errno_name(r->err) : "0",
			 r->extack[0] ? " \"" : "", r->extack,
			 r->extack[0] ? "\"" : "");
	else if (r->data || r->done)
		snprintf(out, len, "dump of %u messages%s, done %s%s", r->data,
			 r->intr ? " (interrupted)" : "",
			 r->done ? nlc_errno_name(r->done_err) : "never",
			 r->reader && r->reader->error[0] ? ", malformed" : "");
	else
		snprintf(out, len, "no reply");
}

static void report(struct worker *w, const char *what, const uint8_t *msg,
		   size_t len, const struct outcome *o, const struct reply *r,
		   const struct m_dev *before)
{
	FILE *outs[2] = { stderr, w->log };
	char seen[256] = "";

	w->st->failures++;
	if (w->reports++ >= w->max_reports)
		return;
	if (r)
		describe_reply(seen, sizeof(seen), r);
	for (int i = 0; i < 2; i++) {
		FILE *f = outs[i];

		if (!f)
			continue;
		fprintf(f, "# nlfuzz: FAIL worker %d (%s) seed %llu action %lu (after %.1fs): %s\n",
			w->id, w->name, (unsigned long long)w->seed, w->action,
			now() - started, what);
		if (o)
			fprintf(f, "#   predicted: %s%s%s%s (%s)\n", kind_name(o->kind),
				o->kind == O_ACK ? " " : "",
				o->kind == O_ACK ? nlc_errno_name(o->err) : "",
				o->alt_err ? " or EADDRINUSE/EBUSY" : "", o->what);
		if (r)
			fprintf(f, "#   observed: %s\n", seen);
		if (msg) {
			fprintf(f, "#   request (family id %u): ", w->env.family);
			hex_print(f, msg, len);
			fputc('\n', f);
		}
		if (before) {
			fprintf(f, "#   configuration before:\n");
			char *text = NULL;
			size_t tlen = 0;
			FILE *m = open_memstream(&text, &tlen);

			if (m) {
				m_dev_print_conf(m, before);
				fclose(m);
				for (char *line = strtok(text, "\n"); line;
				     line = strtok(NULL, "\n"))
					fprintf(f, "#     %s\n", line);
				free(text);
			}
		}
		fflush(f);
	}
}

/* Read the own device back: 0, or -1 after a report. */
static int read_own(struct worker *w, struct dump_reader *rd)
{
	struct mbuf *m = malloc(sizeof(*m));
	struct reply r;
	int tries;

	if (!m)
		die("out of memory");
	for (tries = 0; tries < 5; tries++) {
		dump_reader_init(rd);
		memset(&r, 0, sizeof(r));
		w->gen.seq++;
		r.seq = w->gen.seq;
		r.dump_expected = true;
		r.reader = rd;
		gen_get(&w->gen, m, &w->env.devs[w->env.own], tries & 1);
		if (nls_send(&w->main, m->d, m->len) || drain(&w->main, &r, 1) < 0)
			die("reading %s back: %s", w->name, strerror(errno));
		if (r.acked || !r.done || r.done_err) {
			report(w, "reading the own device back failed", m->d,
			       m->len, NULL, &r, NULL);
			free(m);
			return -1;
		}
		dump_reader_end(rd);
		if (!rd->intr)
			break;
		dump_reader_free(rd);
	}
	free(m);
	if (tries == 5) {
		report(w, "the own device's dump is interrupted again and again",
		       NULL, 0, NULL, NULL, NULL);
		return -1;
	}
	if (rd->error[0]) {
		char what[320];

		snprintf(what, sizeof(what), "malformed dump of the own device: %s",
			 rd->error);
		report(w, what, NULL, 0, NULL, NULL, NULL);
	}
	return 0;
}

/* Compare the device with the model; after a difference, adopt the device. */
static void check_own(struct worker *w)
{
	struct dump_reader rd;
	char why[256], what[320];

	if (read_own(w, &rd))
		return;
	w->st->checks++;
	if (w->resync) {
		w->resync = false;
		m_dev_free(&w->model);
		m_dev_copy(&w->model, &rd.dev);
	} else if (m_dev_compare(&w->model, &rd.dev, w->model.port_unknown, why,
			  sizeof(why))) {
		snprintf(what, sizeof(what),
			 "the device differs from the model: %s", why);
		report(w, what, NULL, 0, NULL, NULL, &w->model);
		m_dev_free(&w->model);
		m_dev_copy(&w->model, &rd.dev);
	} else if (w->model.port_unknown) {
		w->model.port = rd.dev.port;
		w->model.port_unknown = false;
	}
	dump_reader_free(&rd);
}

static bool matches(const struct outcome *o, const struct reply *r)
{
	bool alt = o->alt_err && r->acked && r->err == o->alt_err &&
		   !r->data && !r->done;

	switch (o->kind) {
	case O_ANY:
		return true;
	case O_NONE:
		return !r->acked && !r->data && !r->done;
	case O_ACK:
		return alt || (r->acked && r->err == o->err && !r->data && !r->done);
	case O_DUMP:
		return alt || (!r->acked && r->done && !r->done_err);
	}
	return false;
}

static void count(struct worker *w, const struct reply *r)
{
	if (r->acked && r->err) {
		w->st->refused[r->err > 0 && r->err < N_ERRNO ? r->err : 0]++;
		if (r->err == EBUSY)
			w->st->ebusy++;
	} else if (r->acked || r->done) {
		w->st->ok++;
	} else if (!r->data) {
		w->st->noreply++;
	}
	if (r->done || r->data) {
		w->st->dumps++;
		if (r->intr)
			w->st->dumps_intr++;
	}
}

/*
 * With --trace, every request goes to the kernel log first, at warning
 * level, so that it is on the VM's console (which outlives a crash) before
 * the kernel acts on it. Slow: for replaying a crash.
 */
static void trace(const struct worker *w, const uint8_t *buf, size_t len)
{
	char line[600];
	size_t off = 0, part = 0;

	if (trace_fd < 0)
		return;
	do {
		size_t n = len - off < 240 ? len - off : 240;
		int k = snprintf(line, sizeof(line), "<4>nlfuzz: w%d a%lu p%zu ",
				 w->id, w->action, part++);

		for (size_t i = 0; i < n; i++)
			k += snprintf(line + k, sizeof(line) - k, "%02x", buf[off + i]);
		(void)!write(trace_fd, line, k);
		off += n;
	} while (off < len);
}

/*
 * Send @len bytes (one or more messages) on @s and judge every answer
 * against the model, applying what succeeded. @bg_seq: the sequence
 * number of a dump running on @s already, or 0. Returns true when an own
 * device may have changed.
 */
static bool exchange(struct worker *w, struct nls *s, uint8_t *buf, size_t len,
		     uint32_t bg_seq)
{
	static struct reply r[MAX_WALK + 1];
	static struct outcome o[MAX_WALK];
	static struct dump_reader rd[MAX_WALK];
	static struct batch_walk walk;
	bool busy = bg_seq != 0;
	struct m_dev before, scratch;
	bool touched = false, started = busy;
	int stray, err;

	walk_batch(buf, len, &walk);
	/*
	 * What might reach another family, or a device not ours, stays home.
	 * Messages read out of the rest of a message whose length lied get
	 * sequence numbers of their own, so that answers are told apart.
	 */
	for (int i = 0; i < walk.n; i++) {
		uint8_t *msg = buf + walk.off[i];
		uint16_t type = get16(msg + 4);

		if (type >= NLMSG_MIN_TYPE && type != w->env.family &&
		    type != w->env.missing)
			put16(msg + 4, w->env.family);
		for (int k = 0; k <= i; k++) {
			uint32_t seq = get32(msg + 8);

			if ((k < i && get32(buf + walk.off[k] + 8) == seq) ||
			    (bg_seq && seq == bg_seq)) {
				put32(msg + 8, ++w->gen.seq);
				break;
			}
		}
		predict(&w->env, msg, &w->model, false, true, &o[i]);
		if (o[i].unsafe) {
			w->st->skipped++;
			return false;
		}
	}

	memset(r, 0, (walk.n + 1) * sizeof(*r));
	for (int i = 0; i < walk.n; i++) {
		r[i].seq = get32(buf + walk.off[i] + 8);
		r[i].dump_expected = o[i].kind == O_DUMP || o[i].kind == O_ANY;
		if (o[i].dump_own) {
			dump_reader_init(&rd[i]);
			r[i].reader = &rd[i];
		}
	}
	m_dev_copy(&before, &w->model);
	trace(w, buf, len);
	err = nls_send(s, buf, len);
	w->st->sends++;
	w->st->sent += walk.n;
	if (walk.n > 1)
		w->st->batches++;
	if (err) {
		/* Too large for the socket, say: nothing went out. */
		if (err != -EMSGSIZE && err != -ENOBUFS)
			report(w, "send failed", buf, len, NULL, NULL, NULL);
		goto out;
	}
	/* The answers to a dump running before are taken, not judged. */
	r[walk.n].seq = bg_seq;
	r[walk.n].dump_expected = true;
	stray = drain(s, r, walk.n + (bg_seq != 0));
	if (stray < 0) {
		report(w, "receiving failed (lost answers?)", buf, len, NULL, NULL, NULL);
		goto out;
	}
	if (stray)
		report(w, "answers to no message of the request", buf, len, NULL,
		       NULL, &before);

	/* In order, as the kernel handled them. */
	for (int i = 0; i < walk.n; i++) {
		uint8_t *msg = buf + walk.off[i];
		size_t mlen = get32(msg);

		/* A dump that ran may run still: the next one may get EBUSY. */
		if (i && (r[i - 1].data || r[i - 1].done))
			started = true;
		predict(&w->env, msg, &w->model, false, started, &o[i]);
		count(w, &r[i]);
		if (o[i].kind == O_ANY) {
			w->st->unpredicted++;
			/* Beyond the model (its limits): read the device back. */
			if (o[i].set_own)
				w->resync = true;
		}
		if (!matches(&o[i], &r[i])) {
			report(w, "the answer is not the predicted one", msg,
			       mlen, &o[i], &r[i], &w->model);
			touched |= o[i].set_own;
			continue;
		}
		if (o[i].kind != O_ANY && o[i].set_own &&
		    !(r[i].acked && r[i].err)) {
			m_dev_copy(&scratch, &w->model);
			predict(&w->env, msg, &scratch, true, started, &o[i]);
			m_dev_free(&w->model);
			w->model = scratch;
			w->st->applied++;
			touched = true;
			if (mlen <= MAX_MSG)
				corpus_add(&w->corpus, msg, mlen, false);
		}
		if (o[i].dump_own && r[i].done && !r[i].intr) {
			char why[256], what[320];

			dump_reader_end(&rd[i]);
			if (rd[i].error[0]) {
				snprintf(what, sizeof(what), "malformed dump: %s",
					 rd[i].error);
				report(w, what, msg, mlen, &o[i], &r[i], NULL);
			} else if (m_dev_compare(&w->model, &rd[i].dev,
						 w->model.port_unknown, why,
						 sizeof(why))) {
				snprintf(what, sizeof(what),
					 "a fuzzed GET dumped other than the model: %s", why);
				report(w, what, msg, mlen, &o[i], &r[i], &w->model);
			}
		}
	}
out:
	for (int i = 0; i < walk.n; i++)
		if (r[i].reader)
			dump_reader_free(&rd[i]);
	m_dev_free(&before);
	return touched;
}

/* A request or a few in one send, random or mutated, on the main socket. */
static bool act_request(struct worker *w)
{
	static uint8_t buf[MAX_BATCH * MAX_MSG];
	struct mbuf *m = malloc(sizeof(*m));
	int n = rng_chance(&w->rng, 1, 10) ? 2 + (int)rng_below(&w->rng, 2) : 1;
	size_t len = 0;
	bool touched;

	if (!m)
		die("out of memory");
	for (int i = 0; i < n; i++) {
		uint32_t c = rng_below(&w->rng, 100);

		w->gen.seq++;
		if (c < 55) {
			gen_request(&w->gen, m);
			w->st->generated++;
		} else if (c < 92) {
			gen_mutant(&w->gen, m);
			w->st->mutants++;
		} else {
			gen_seed(&w->gen, m);
			w->st->seeds++;
		}
		/* The next message starts where the kernel will look for it. */
		memcpy(buf + len, m->d, m->len);
		len += m->len;
		if (i + 1 < n) {
			while (len % 4)
				buf[len++] = 0;
		}
	}
	free(m);
	touched = exchange(w, &w->main, buf, len, 0);
	return touched;
}

/* A clean dump of any device: well-formed, or gone. */
static void act_dump_other(struct worker *w)
{
	const struct env_dev *dev = &w->env.devs[rng_below(&w->rng, w->env.n_devs)];
	struct mbuf *m = malloc(sizeof(*m));
	struct dump_reader rd;
	struct reply r;

	if (!m)
		die("out of memory");
	if (dev->kind == D_FOREIGN)
		dev = &w->env.devs[w->env.own];
	dump_reader_init(&rd);
	memset(&r, 0, sizeof(r));
	r.seq = ++w->gen.seq;
	r.dump_expected = true;
	r.reader = &rd;
	gen_get(&w->gen, m, dev, dev->ifindex && rng_chance(&w->rng, 1, 2));
	if (nls_send(&w->main, m->d, m->len) || drain(&w->main, &r, 1) < 0)
		die("dumping %s: %s", dev->name, strerror(errno));
	w->st->sent++;
	count(w, &r);
	if (r.acked && !(dev->kind == D_FREE && r.err == ENODEV)) {
		report(w, "a clean GET was refused", m->d, m->len, NULL, &r, NULL);
	} else if (!r.acked) {
		if (!r.intr)
			dump_reader_end(&rd);
		if (rd.error[0] || !r.done || r.done_err) {
			char what[320];

			snprintf(what, sizeof(what), "bad dump of %s: %s", dev->name,
				 rd.error[0] ? rd.error : "no NLMSG_DONE, or an error in it");
			report(w, what, m->d, m->len, NULL, &r, NULL);
		}
	}
	dump_reader_free(&rd);
	free(m);
}

/* The largest noisetun device we may dump: more messages to cut short. */
static const struct env_dev *big_target(struct worker *w)
{
	const struct env_dev *best = &w->env.devs[w->env.own];

	for (int i = 0; i < w->env.n_devs; i++)
		if (w->env.devs[i].kind == D_READ && rng_chance(&w->rng, 2, 3))
			best = &w->env.devs[i];
	return best;
}

/* Dumps cut short, and requests on the socket of a running dump. */
static bool act_abuse(struct worker *w)
{
	static uint8_t buf[1 << 16];
	struct mbuf *m = malloc(sizeof(*m));
	bool touched = false;
	struct nls s;
	uint32_t how = rng_below(&w->rng, 5), bg_seq = ++w->gen.seq;
	pid_t pid;

	if (!m)
		die("out of memory");
	gen_get(&w->gen, m, big_target(w), false);
	if (how == 4) {
		/* A process that starts a dump and dies. */
		w->st->forks++;
		pid = fork();
		if (pid == 0) {
			if (!nls_open(&s, true, false)) {
				nls_send(&s, m->d, m->len);
				if (rng_chance(&w->rng, 1, 2))
					(void)!recv(s.fd, buf, sizeof(buf), 0);
			}
			_exit(0);
		}
		if (pid > 0)
			waitpid(pid, NULL, 0);
		w->st->dumps_abandoned++;
		free(m);
		return false;
	}
	if (nls_open(&s, rng_chance(&w->rng, 1, 2), rng_chance(&w->rng, 1, 2)))
		die("netlink socket: %s", strerror(errno));
	if (nls_send(&s, m->d, m->len))
		die("send: %s", strerror(errno));
	w->st->sent++;
	if (how >= 1)
		(void)!recv(s.fd, buf, sizeof(buf), MSG_DONTWAIT);
	switch (how) {
	case 0:
	case 1:		/* close it with the dump running */
		w->st->dumps_abandoned++;
		break;
	case 2:		/* a second dump on the same socket */
		w->gen.seq++;
		gen_get(&w->gen, m, &w->env.devs[w->env.own], true);
		memcpy(buf, m->d, m->len);
		exchange(w, &s, buf, m->len, bg_seq);
		w->st->dumps_abandoned++;
		break;
	case 3:		/* a SET meanwhile */
		w->gen.seq++;
		if (rng_chance(&w->rng, 1, 2))
			gen_seed(&w->gen, m);
		else
			gen_request(&w->gen, m);
		memcpy(buf, m->d, m->len);
		touched = exchange(w, &s, buf, m->len, bg_seq);
		w->st->dumps_abandoned++;
		break;
	}
	nls_close(&s);
	free(m);
	return touched;
}

static void write_model(struct worker *w, const char *dir)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.conf", dir, w->name);
	f = fopen(path, "w");
	if (!f)
		die("%s: %s", path, strerror(errno));
	m_dev_print_conf(f, &w->model);
	fclose(f);
}

static int worker_main(int id, uint64_t seed, double seconds,
		       const char *corpus_path, const char *dir, int max_reports)
{
	struct worker *w = calloc(1, sizeof(*w));
	struct dump_reader rd;
	char path[512];
	double end;

	if (!w)
		die("out of memory");
	w->id = id;
	w->seed = seed;
	w->name = own_list[id];
	w->st = &all_stats[1 + id];
	w->max_reports = max_reports;
	w->env = env0;
	for (int i = 0; i < w->env.n_devs; i++) {
		if (!strcmp(w->env.devs[i].name, w->name)) {
			w->env.devs[i].kind = D_OWN;
			w->env.own = i;
		}
	}
	w->env.own_up = dev_is_up(w->name);
	w->rng.s = seed ^ (0x5851f42d4c957f2dULL * (uint64_t)(id + 1));
	snprintf(path, sizeof(path), "%s/failures-%s.txt", dir, w->name);
	w->log = fopen(path, "w");
	if (nls_open(&w->main, true, true))
		die("netlink socket: %s", strerror(errno));

	keypool_init(&w->keys, &w->rng);
	w->gen.rng = &w->rng;
	w->gen.env = &w->env;
	w->gen.model = &w->model;
	w->gen.keys = &w->keys;
	w->gen.corpus = &w->corpus;
	w->gen.seq = (uint32_t)(id + 1) << 24;

	/* The configuration the scenario gave the device is the start. */
	if (read_own(w, &rd))
		_exit(1);
	m_dev_copy(&w->model, &rd.dev);
	dump_reader_free(&rd);

	if (corpus_path && corpus_load(&w->corpus, corpus_path) < 0)
		fprintf(stderr, "nlfuzz: %s: %s\n", corpus_path, strerror(errno));
	for (int i = 0; i < 16; i++) {
		struct mbuf *m = malloc(sizeof(*m));

		if (!m)
			die("out of memory");
		gen_seed(&w->gen, m);
		corpus_add(&w->corpus, m->d, m->len, true);
		free(m);
	}

	end = now() + seconds;
	while (now() < end) {
		uint32_t c = rng_below(&w->rng, 100);
		bool touched = false;

		w->action++;
		if (c < 65)
			touched = act_request(w);
		else if (c < 80)
			act_dump_other(w);
		else if (c < 90)
			touched = act_abuse(w);
		if (touched || w->resync || c >= 90 || w->action % 16 == 0)
			check_own(w);
		if (w->reports > w->max_reports + 100)
			break;	/* broken beyond use: say so and stop */
	}
	check_own(w);
	write_model(w, dir);
	if (w->log)
		fclose(w->log);
	nls_close(&w->main);
	_exit(w->st->failures ? 1 : 0);
}

static void print_stats(const struct stats *t)
{
	printf("nlfuzz: sent=%llu sends=%llu batches=%llu generated=%llu mutants=%llu seeds=%llu skipped=%llu\n",
	       (unsigned long long)t->sent, (unsigned long long)t->sends,
	       (unsigned long long)t->batches, (unsigned long long)t->generated,
	       (unsigned long long)t->mutants, (unsigned long long)t->seeds,
	       (unsigned long long)t->skipped);
	printf("nlfuzz: accepted=%llu applied=%llu noreply=%llu unpredicted=%llu\n",
	       (unsigned long long)t->ok, (unsigned long long)t->applied,
	       (unsigned long long)t->noreply, (unsigned long long)t->unpredicted);
	printf("nlfuzz: refused");
	for (int e = 0; e < N_ERRNO; e++)
		if (t->refused[e])
			printf(" %s=%llu", e ? nlc_errno_name(e) : "other",
			       (unsigned long long)t->refused[e]);
	printf("\n");
	printf("nlfuzz: dumps=%llu interrupted=%llu abandoned=%llu ebusy=%llu forks=%llu checks=%llu\n",
	       (unsigned long long)t->dumps, (unsigned long long)t->dumps_intr,
	       (unsigned long long)t->dumps_abandoned, (unsigned long long)t->ebusy,
	       (unsigned long long)t->forks, (unsigned long long)t->checks);
	printf("nlfuzz: failures=%llu\n", (unsigned long long)t->failures);
}

static int cmd_run(int argc, char **argv)
{
	const char *own = NULL, *free_list = NULL, *corpus = NULL, *dir = ".";
	uint64_t seed = 1;
	double seconds = 10;
	int max_reports = 5, status = 0;
	pid_t pids[MAX_DEVS];

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v)
			die("%s needs a value", a);
		if (!strcmp(a, "--seed"))
			seed = strtoull(v, NULL, 0);
		else if (!strcmp(a, "--seconds"))
			seconds = atof(v);
		else if (!strcmp(a, "--own"))
			own = v;
		else if (!strcmp(a, "--free"))
			free_list = v;
		else if (!strcmp(a, "--corpus"))
			corpus = v;
		else if (!strcmp(a, "--out"))
			dir = v;
		else if (!strcmp(a, "--max-failures"))
			max_reports = atoi(v);
		else if (!strcmp(a, "--trace") && !strcmp(v, "kmsg"))
			trace_fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
		else
			die("unknown option %s", a);
		i++;
	}
	started = now();
	if (!own)
		die("run needs --own DEV[,DEV...]");
	env_build(own, free_list);
	if (!n_own)
		die("none of the --own devices exists");
	all_stats = mmap(NULL, (size_t)(1 + n_own) * sizeof(*all_stats),
			 PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (all_stats == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	memset(all_stats, 0, (size_t)(1 + n_own) * sizeof(*all_stats));

	printf("nlfuzz: seed=%llu seconds=%g workers=%d family=%u devices:",
	       (unsigned long long)seed, seconds, n_own, env0.family);
	for (int i = 0; i < env0.n_devs; i++)
		printf(" %s(%d,%s)", env0.devs[i].name, env0.devs[i].ifindex,
		       (const char *[]){ "own", "own", "read", "free", "foreign" }
		       [env0.devs[i].kind]);
	printf("\n");
	fflush(stdout);

	for (int i = 0; i < n_own; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			die("fork: %s", strerror(errno));
		if (!pids[i])
			worker_main(i, seed, seconds, corpus, dir, max_reports);
	}
	/* A worker that does not come back is stuck in the kernel, likely. */
	for (int i = 0; i < n_own; i++) {
		double deadline = now() + seconds + 60;
		int ws = 0;
		pid_t got = 0;

		while (now() < deadline &&
		       (got = waitpid(pids[i], &ws, WNOHANG)) == 0)
			usleep(100000);
		if (got != pids[i]) {
			fprintf(stderr, "# nlfuzz: FAIL worker %d (%s) did not finish\n",
				i, own_list[i]);
			kill(pids[i], SIGKILL);
			waitpid(pids[i], NULL, 0);
			all_stats[1 + i].failures++;
			status = 1;
		} else if (!WIFEXITED(ws) || WEXITSTATUS(ws) > 1) {
			fprintf(stderr, "# nlfuzz: FAIL worker %d (%s) ended with status %d\n",
				i, own_list[i], ws);
			all_stats[1 + i].failures++;
			status = 1;
		} else if (WEXITSTATUS(ws)) {
			status = 1;
		}
	}
	for (int i = 1; i <= n_own; i++) {
		uint64_t *to = (uint64_t *)&all_stats[0];
		const uint64_t *from = (const uint64_t *)&all_stats[i];

		for (size_t k = 0; k < sizeof(struct stats) / sizeof(uint64_t); k++)
			to[k] += from[k];
	}
	print_stats(&all_stats[0]);
	return status || all_stats[0].failures ? 1 : 0;
}

/* ---- conf, canon ---------------------------------------------------------------------- */

static int cmd_conf(int argc, char **argv)
{
	struct rng r;

	if (argc < 1)
		die("conf SEED [--no-port]");
	r.s = strtoull(argv[0], NULL, 0) * 0x9e3779b97f4a7c15ULL + 1;
	gen_conf(stdout, &r, !(argc > 1 && !strcmp(argv[1], "--no-port")));
	return 0;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static void parse_endpoint(struct m_peer *p, const char *text)
{
	char host[256];
	const char *colon = strrchr(text, ':');
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				  .ai_socktype = SOCK_DGRAM }, *res;
	size_t n;

	if (!colon)
		die("endpoint %s: no port", text);
	n = (size_t)(colon - text);
	if (text[0] == '[' && n >= 2 && text[n - 1] == ']') {
		text++;
		n -= 2;
	}
	snprintf(host, sizeof(host), "%.*s", (int)n, text);
	if (getaddrinfo(host, colon + 1, &hints, &res) || !res)
		die("endpoint %s: not numeric", text);
	memset(p->ep, 0, sizeof(p->ep));
	memcpy(p->ep, res->ai_addr, res->ai_addrlen);
	p->ep_len = (uint8_t)res->ai_addrlen;
	freeaddrinfo(res);
}

/* A configuration, as setconf reads it, printed in one order. */
static int cmd_canon(int argc, char **argv)
{
	bool no_port = argc > 0 && !strcmp(argv[0], "--no-port");
	struct m_peer *peer = NULL;
	struct m_dev d;
	char line[4096];
	int peer_i = -1;

	m_dev_init(&d);
	while (fgets(line, sizeof(line), stdin)) {
		char *key = trim(line), *val;
		uint8_t k[KEY_LEN];

		if (!*key || *key == '#')
			continue;
		if (!strcmp(key, "[Interface]")) {
			peer = NULL;
			continue;
		}
		if (!strcmp(key, "[Peer]")) {
			peer = NULL;
			peer_i = -2;
			continue;
		}
		val = strchr(key, '=');
		if (!val)
			die("canon: %s: no '='", key);
		*val++ = '\0';
		key = trim(key);
		val = trim(val);
		if (!strcasecmp(key, "PublicKey")) {
			if (!nlc_key_from_b64(k, val))
				die("canon: bad key %s", val);
			peer = m_peer_add(&d, k);
			peer_i = (int)d.n_peers - 1;
		} else if (peer_i == -2) {
			die("canon: [Peer] without PublicKey first");
		} else if (!strcasecmp(key, "PrivateKey")) {
			if (!nlc_key_from_b64(d.priv, val))
				die("canon: bad key %s", val);
			m_clamp(d.priv);
			m_public_key(d.pub, d.priv);
			d.has_key = true;
		} else if (!strcasecmp(key, "ListenPort")) {
			d.port = no_port ? 0 : (uint16_t)atoi(val);
		} else if (!strcasecmp(key, "FwMark")) {
			d.fwmark = strcmp(val, "off") ? (uint32_t)strtoul(val, NULL, 0) : 0;
		} else if (!peer) {
			die("canon: %s outside [Peer]", key);
		} else if (!strcasecmp(key, "PresharedKey")) {
			if (!nlc_key_from_b64(peer->psk, val))
				die("canon: bad key %s", val);
		} else if (!strcasecmp(key, "Endpoint")) {
			parse_endpoint(peer, val);
		} else if (!strcasecmp(key, "PersistentKeepalive")) {
			peer->keepalive = strcmp(val, "off") ? (uint16_t)atoi(val) : 0;
		} else if (!strcasecmp(key, "AllowedIPs")) {
			char *save, *tok;

			for (tok = strtok_r(val, ",", &save); tok;
			     tok = strtok_r(NULL, ",", &save)) {
				char *ip = trim(tok), *slash = strchr(ip, '/');
				uint8_t addr[16];
				int family = strchr(ip, ':') ? AF_INET6 : AF_INET;

				if (slash)
					*slash++ = '\0';
				if (inet_pton(family, ip, addr) != 1)
					die("canon: bad address %s", ip);
				m_aip_insert(&d, peer_i, family, addr,
					     slash ? atoi(slash) :
					     family == AF_INET ? 32 : 128);
				peer = &d.peers[peer_i];
			}
		} else if (!strcasecmp(key, "Disabled") ||
			   !strcasecmp(key, "Description")) {
			/*
			 * The peer flags are not in the model (63-queries
			 * checks them): a SET that sets them is predicted
			 * like any other, and the comparison leaves them out.
			 */
		} else {
			die("canon: unknown key %s", key);
		}
	}
	m_dev_canon(&d);
	m_dev_print_conf(stdout, &d);
	m_dev_free(&d);
	return 0;
}

/* ---- capture ---------------------------------------------------------------------------- */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/*
 * Record the requests of our family that cross the netlink tap (an nlmon
 * device in this namespace), one line of hex each, until SIGTERM/SIGINT.
 * A requests is told from an answer by NLM_F_REQUEST.
 */
static int cmd_capture(int argc, char **argv)
{
	static uint8_t buf[1 << 16];
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct mnl_socket *nl;
	uint16_t family;
	unsigned long n = 0;
	FILE *out;
	int fd;

	if (argc != 2)
		die("capture NLMONDEV FILE");
	nl = mnl_socket_open(NETLINK_GENERIC);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		die("netlink socket: %s", strerror(errno));
	family = nlc_family_id(nl, NOISETUN_GENL_NAME, 1);
	mnl_socket_close(nl);
	if (!family)
		die("family %s not found", NOISETUN_GENL_NAME);
	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd < 0)
		die("packet socket: %s", strerror(errno));
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)if_nametoindex(argv[0]);
	if (!sll.sll_ifindex || bind(fd, (struct sockaddr *)&sll, sizeof(sll)))
		die("%s: %s", argv[0], strerror(errno));
	out = fopen(argv[1], "w");
	if (!out)
		die("%s: %s", argv[1], strerror(errno));
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	printf("nlfuzz: capturing family %u on %s\n", family, argv[0]);
	fflush(stdout);
	while (!stop) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t len;
		size_t off = 0;

		if (poll(&p, 1, 100) <= 0)
			continue;
		len = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		while (len > 0 && (size_t)len - off >= NLMSG_HDRLEN) {
			uint32_t mlen = get32(buf + off);

			if (mlen < NLMSG_HDRLEN || mlen > (size_t)len - off)
				break;
			if (get16(buf + off + 4) == family &&
			    (get16(buf + off + 6) & NLM_F_REQUEST)) {
				hex_print(out, buf + off, mlen);
				fputc('\n', out);
				n++;
			}
			off += ALIGN4(mlen);
		}
	}
	fclose(out);
	printf("nlfuzz: captured %lu requests\n", n);
	return 0;
}

/* ---- send ---------------------------------------------------------------------------------- */

static int cmd_send(int argc, char **argv)
{
	static uint8_t buf[MAX_BATCH * MAX_MSG];
	struct mnl_socket *nl;
	uint16_t family, was = 0;
	int i = 0, ret = 0;

	if (argc > 1 && !strcmp(argv[0], "--family-was")) {
		was = (uint16_t)strtoul(argv[1], NULL, 0);
		i = 2;
	}
	nl = mnl_socket_open(NETLINK_GENERIC);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		die("netlink socket: %s", strerror(errno));
	family = nlc_family_id(nl, NOISETUN_GENL_NAME, 1);
	mnl_socket_close(nl);
	for (; i < argc; i++) {
		size_t len = hex_parse(buf, sizeof(buf), argv[i]);
		static struct reply r[MAX_WALK];
		static struct batch_walk walk;
		struct nls s;
		char text[256];

		walk_batch(buf, len, &walk);
		memset(r, 0, walk.n * sizeof(*r));
		for (int k = 0; k < walk.n; k++) {
			uint8_t *msg = buf + walk.off[k];

			if (was && get16(msg + 4) == was)
				put16(msg + 4, family);
			r[k].seq = get32(msg + 8);
			r[k].dump_expected = true;
		}
		if (nls_open(&s, true, true))
			die("netlink socket: %s", strerror(errno));
		if (nls_send(&s, buf, len)) {
			printf("send: %s\n", strerror(errno));
			ret = 1;
		} else if (drain(&s, r, walk.n) < 0) {
			printf("recv: %s\n", strerror(errno));
			ret = 1;
		}
		for (int k = 0; k < walk.n; k++) {
			describe_reply(text, sizeof(text), &r[k]);
			printf("message %d: %s\n", k, text);
		}
		if (walk.truncated)
			printf("(the rest is never read: a length does not fit)\n");
		nls_close(&s);
	}
	return ret;
}

/*
 * Dump the family's policies through the controller (CTRL_CMD_GETPOLICY),
 * which anyone may ask for: with --drop-caps, as a process without any
 * capability. Prints the number of messages and the final errno.
 */
static int cmd_policy(int argc, char **argv)
{
	static uint8_t buf[1 << 16];
	struct reply r = { .seq = 77, .dump_expected = true };
	struct mnl_socket *nl;
	struct nls s;
	size_t n = strlen(NOISETUN_GENL_NAME) + 1;

	if (argc > 0 && !strcmp(argv[0], "--drop-caps") && !nlc_drop_caps())
		die("capset: %s", strerror(errno));
	nl = mnl_socket_open(NETLINK_GENERIC);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		die("netlink socket: %s", strerror(errno));
	mnl_socket_close(nl);
	memset(buf, 0, 64);
	put16(buf + 4, GENL_ID_CTRL);
	put16(buf + 6, NLM_F_REQUEST | NLM_F_DUMP);
	put32(buf + 8, 77);
	buf[NLMSG_HDRLEN] = CTRL_CMD_GETPOLICY;
	buf[NLMSG_HDRLEN + 1] = 1;
	put16(buf + MSG_HDR, (uint16_t)(4 + n));
	put16(buf + MSG_HDR + 2, CTRL_ATTR_FAMILY_NAME);
	memcpy(buf + MSG_HDR + 4, NOISETUN_GENL_NAME, n);
	put32(buf, (uint32_t)(MSG_HDR + 4 + ALIGN4(n)));
	if (nls_open(&s, true, false))
		die("netlink socket: %s", strerror(errno));
	if (nls_send(&s, buf, get32(buf)) || drain(&s, &r, 1) < 0)
		die("policy dump: %s", strerror(errno));
	nls_close(&s);
	printf("policy dump: %u messages, %s %s\n", r.data,
	       r.acked ? "error" : "done", nlc_errno_name(r.acked ? r.err : r.done_err));
	return r.acked || !r.done || r.done_err ? 1 : 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: nlfuzz run --own DEV[,DEV...] [--free DEV,...] [--seed N]\n"
		"                  [--seconds S] [--corpus FILE] [--out DIR] [--max-failures N]\n"
		"                  [--trace kmsg]\n"
		"       nlfuzz conf SEED [--no-port]\n"
		"       nlfuzz canon [--no-port] < CONF\n"
		"       nlfuzz capture NLMONDEV FILE\n"
		"       nlfuzz send [--family-was ID] HEX...\n"
		"       nlfuzz policy [--drop-caps]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct subcmd cmds[] = {
		{ "run", cmd_run },
		{ "conf", cmd_conf },
		{ "canon", cmd_canon },
		{ "capture", cmd_capture },
		{ "send", cmd_send },
		{ "policy", cmd_policy },
		{ NULL, NULL }
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return subcmd_run(cmds, argc, argv, usage);
}
