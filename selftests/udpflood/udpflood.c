// SPDX-License-Identifier: GPL-2.0
/*
 * udpflood: capture one UDP datagram, then send that datagram again and
 * again, as fast as one CPU can (or paced), from many source addresses and
 * ports, and count what comes back. The flood scenarios use it to replay a real
 * handshake initiation at a noisetun device (35-handshake-flood.sh): the
 * bytes carry a valid mac1, so every copy costs the device more than a
 * keyed hash, and no crypto is needed here.
 *
 * Usage:
 *   udpflood capture PORT FILE [TIMEOUT]
 *	Wait up to TIMEOUT seconds (default 30) for one datagram to UDP
 *	PORT on any local IPv6 or IPv4 address; write its payload to FILE.
 *	Prints "captured LEN bytes from ADDR port PORT".
 *   udpflood send [-n COUNT] [-r RATE] [-s SPOOF[:PORT]] [-w WINDOW] ADDR PORT FILE SECONDS
 *		   [NSOURCES]
 *	Send FILE's bytes to ADDR (IPv4 or IPv6) port PORT for SECONDS, from
 *	NSOURCES sockets (default 16, at most 4096), each bound to a kernel
 *	chosen port on one of this namespace's addresses of ADDR's family
 *	and scope (global, loopback or link-local), round robin. As fast as
 *	the CPU allows, unless:
 *	  -n COUNT   stop after COUNT datagrams (or SECONDS, if sooner), and
 *		     exit at once, without waiting for late answers;
 *	  -r RATE    at most RATE datagrams per second in all;
 *	  -s ADDR[:PORT]  spoof the sources: socket i sends from ADDR + i
 *		     (IPv4: the address as a number; IPv6: its last 32 bits)
 *		     and PORT (default: one the kernel picks), addresses this
 *		     namespace need not own (IP_TRANSPARENT, so root). An
 *		     IPv6 ADDR is written in brackets when a PORT follows:
 *		     [fd00::2]:4002. The answers go to the real owners of
 *		     those addresses, so nothing comes back to count;
 *	  -w WINDOW  at most WINDOW datagrams unanswered: a new one goes out
 *		     when an answer comes back, so the target is kept exactly
 *		     as busy as it can answer. Answers are taken to match the
 *		     oldest datagrams (a FIFO queue answers in order); one
 *		     unanswered for WINDOW_EXPIRY seconds is counted expired
 *		     and frees its place (a target may drop without answering).
 *	After SECONDS, replies are still read until none came for a second
 *	(at most ten): a queue being worked off answers late.
 *	Every answer from ADDR:PORT is counted by WireGuard message type: a
 *	64-byte type 3 is a cookie reply, a 92-byte type 2 a handshake
 *	response. Prints, flushed as they happen:
 *	  "first_cookie_reply_ms=N" when the first cookie reply arrives,
 *	and at the end (also on SIGTERM or SIGINT) one line of figures:
 *	  "sent=N seconds=S rate=R sources=N addresses=N cookie_replies=N
 *	   responses=N other_replies=N send_errors=N refused=N expired=N"
 *	where send_errors counts sends the kernel refused for lack of room
 *	(EAGAIN, ENOBUFS), refused the ICMP errors reported (no listener at
 *	ADDR:PORT) and expired the datagrams -w gave up waiting for.
 *
 * Exit status: 0 on success, 1 when nothing was captured or nothing could
 * be sent, 2 on a usage or local error.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../subcmd.h"

#define MAX_DATAGRAM	65535
#define MAX_SOURCES	4096
#define DEFAULT_SOURCES	16
/*
 * Copies per sendmmsg(): large enough that the system call's own cost is
 * small next to the stack's per-datagram work, small enough that the
 * clock and the replies are looked at often.
 */
#define BURST		64
/* Replies read per recvmmsg(); anything longer than a handshake is "other". */
#define REPLY_BATCH	32
#define REPLY_SNAP	256
/*
 * How long -w waits for an answer: well over what a full 4096-message
 * handshake queue takes to be worked off in the test VM (about 2 s), so a
 * datagram still queued is not given up early.
 */
#define WINDOW_EXPIRY	3.0
#define MAX_WINDOW	1000000

/* WireGuard message types and sizes (Documentation/protocol.md "Messages"). */
#define MSG_RESPONSE		2
#define MSG_COOKIE_REPLY	3
#define MSG_RESPONSE_LEN	92
#define MSG_COOKIE_REPLY_LEN	64

static const char *prog = "udpflood";
static volatile sig_atomic_t stop;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: %s capture PORT FILE [TIMEOUT]\n"
		"       %s send [-n COUNT] [-r RATE] [-s SPOOF[:PORT]] [-w WINDOW] ADDR PORT FILE SECONDS [NSOURCES]\n",
		prog, prog);
	exit(2);
}

static unsigned long parse_ulong(const char *s, const char *what,
				 unsigned long min, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		die("bad %s '%s' (%lu to %lu)", what, s, min, max);
	return v;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void format_addr(const struct sockaddr *sa, char *host, size_t len,
			unsigned int *port)
{
	socklen_t salen = sa->sa_family == AF_INET6 ?
			  sizeof(struct sockaddr_in6) :
			  sizeof(struct sockaddr_in);
	char serv[NI_MAXSERV];

	if (getnameinfo(sa, salen, host, len, serv, sizeof(serv),
			NI_NUMERICHOST | NI_NUMERICSERV)) {
		snprintf(host, len, "?");
		*port = 0;
		return;
	}
	*port = (unsigned int)strtoul(serv, NULL, 10);
}

/* --- capture ----------------------------------------------------------- */

static int cmd_capture(int argc, char **argv)
{
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof(from);
	char host[NI_MAXHOST];
	unsigned long port, timeout = 30;
	unsigned int from_port;
	static unsigned char buf[MAX_DATAGRAM];
	struct pollfd pfd;
	const char *file;
	ssize_t len, off;
	int fd, out, off_v6only = 0;

	if (argc < 2 || argc > 3)
		usage();
	port = parse_ulong(argv[0], "port", 1, 65535);
	file = argv[1];
	if (argc == 3)
		timeout = parse_ulong(argv[2], "timeout", 1, 86400);

	/* One dual-stack socket hears both families; IPv4 alone without IPv6. */
	fd = socket(AF_INET6, SOCK_DGRAM, 0);
	if (fd >= 0) {
		struct sockaddr_in6 sin6 = {
			.sin6_family = AF_INET6,
			.sin6_addr = IN6ADDR_ANY_INIT,
			.sin6_port = htons(port),
		};

		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off_v6only,
			       sizeof(off_v6only)))
			die("IPV6_V6ONLY: %s", strerror(errno));
		if (bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)))
			die("bind [::]:%lu: %s", port, strerror(errno));
	} else if (errno == EAFNOSUPPORT) {
		struct sockaddr_in sin = {
			.sin_family = AF_INET,
			.sin_addr.s_addr = htonl(INADDR_ANY),
			.sin_port = htons(port),
		};

		fd = socket(AF_INET, SOCK_DGRAM, 0);
		if (fd < 0)
			die("socket: %s", strerror(errno));
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)))
			die("bind 0.0.0.0:%lu: %s", port, strerror(errno));
	} else {
		die("socket: %s", strerror(errno));
	}

	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		int n = poll(&pfd, 1, (int)timeout * 1000);

		if (n > 0)
			break;
		if (n == 0) {
			fprintf(stderr, "%s: nothing arrived on port %lu in %lu s\n",
				prog, port, timeout);
			return 1;
		}
		if (errno != EINTR)
			die("poll: %s", strerror(errno));
	}
	len = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
		       &fromlen);
	if (len < 0)
		die("recvfrom: %s", strerror(errno));
	close(fd);

	out = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0)
		die("%s: %s", file, strerror(errno));
	for (off = 0; off < len;) {
		ssize_t w = write(out, buf + off, len - off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			die("%s: %s", file, strerror(errno));
		}
		off += w;
	}
	if (close(out))
		die("%s: %s", file, strerror(errno));

	format_addr((struct sockaddr *)&from, host, sizeof(host), &from_port);
	printf("captured %zd bytes from %s port %u\n", len, host, from_port);
	return 0;
}

/* --- send -------------------------------------------------------------- */

/* -w: the datagrams sent by one sendmmsg() still waiting for answers. */
struct batch {
	double sent_at;
	unsigned int left;
};

struct flood {
	/* -w: a ring of batches, oldest first; window + 1 slots. */
	struct batch *ring;
	unsigned long window, head, len;
	unsigned long long outstanding, expired;
	int family;
	struct sockaddr_storage target;
	socklen_t target_len;
	struct sockaddr_storage *addrs;	/* local sources, ADDR's family */
	unsigned int naddrs;
	bool spoof;			/* -s: addrs[0] is the first source */
	int *fds;
	unsigned int nfds;
	int epfd;
	double start;
	unsigned long long sent, send_errors, refused;
	unsigned long long cookie_replies, responses, other_replies;
	bool reported_first_cookie;
};

/* Where an address can reach: 0 anywhere, 1 this host, 2 its link. */
static int addr_scope(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		uint32_t a = ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr);

		if ((a >> 24) == 127)
			return 1;
		return (a >> 16) == 0xa9fe ? 2 : 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		if (IN6_IS_ADDR_LOOPBACK(a))
			return 1;
		return IN6_IS_ADDR_LINKLOCAL(a) ? 2 : 0;
	}
	return 0;
}

/*
 * The namespace's addresses of the target's family and scope, to spread the
 * sources over (a loopback or link-local source reaches nothing else, and a
 * loopback target wants a loopback source). None found: the kernel picks,
 * one wildcard entry.
 */
static void collect_addrs(struct flood *f)
{
	int scope = addr_scope((struct sockaddr *)&f->target);
	struct ifaddrs *ifa, *i;
	unsigned int n = 0;

	if (getifaddrs(&ifa))
		die("getifaddrs: %s", strerror(errno));
	for (i = ifa; i; i = i->ifa_next)
		++n;
	f->addrs = calloc(n + 1, sizeof(*f->addrs));
	if (!f->addrs)
		die("out of memory");
	for (i = ifa; i; i = i->ifa_next) {
		struct sockaddr_storage *a;

		if (!i->ifa_addr || i->ifa_addr->sa_family != f->family ||
		    !(i->ifa_flags & IFF_UP))
			continue;
		if (addr_scope(i->ifa_addr) != scope)
			continue;
		a = &f->addrs[f->naddrs++];
		memset(a, 0, sizeof(*a));
		memcpy(a, i->ifa_addr, f->family == AF_INET6 ?
				       sizeof(struct sockaddr_in6) :
				       sizeof(struct sockaddr_in));
		/* Any port: the kernel picks one per socket. */
		if (f->family == AF_INET6)
			((struct sockaddr_in6 *)a)->sin6_port = 0;
		else
			((struct sockaddr_in *)a)->sin_port = 0;
	}
	freeifaddrs(ifa);
	if (!f->naddrs) {
		f->addrs[0].ss_family = f->family;
		f->naddrs = 1;
	}
}

/*
 * -s: socket @i sends from the spoofed address in @src plus @i, which this
 * namespace need not own: a transparent socket may bind any address.
 */
static void spoof_source(int fd, struct sockaddr_storage *src, unsigned int i)
{
	int one = 1;

	if (src->ss_family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)src;
		uint32_t low = ntohl(sin6->sin6_addr.s6_addr32[3]);

		sin6->sin6_addr.s6_addr32[3] = htonl(low + i);
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_TRANSPARENT, &one,
			       sizeof(one)))
			die("IPV6_TRANSPARENT: %s", strerror(errno));
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)src;

		sin->sin_addr.s_addr = htonl(ntohl(sin->sin_addr.s_addr) + i);
		if (setsockopt(fd, IPPROTO_IP, IP_TRANSPARENT, &one,
			       sizeof(one)))
			die("IP_TRANSPARENT: %s", strerror(errno));
	}
	/* Several sockets may share one spoofed address and port. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		die("SO_REUSEADDR: %s", strerror(errno));
}

/* -s ADDR[:PORT], [ADDR6]:PORT or ADDR6: the first spoofed source. */
static void parse_spoof(struct flood *f, const char *arg)
{
	struct addrinfo hints = {
		.ai_socktype = SOCK_DGRAM,
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
	};
	char host[NI_MAXHOST], *colon;
	const char *port = "0";
	struct addrinfo *res;
	int err;

	if (strlen(arg) >= sizeof(host))
		die("bad spoofed source '%s'", arg);
	strcpy(host, arg);
	if (host[0] == '[') {
		char *end = strchr(host, ']');

		if (!end || (end[1] && end[1] != ':'))
			die("bad spoofed source '%s'", arg);
		if (end[1] == ':')
			port = end + 2;
		*end = '\0';
		memmove(host, host + 1, strlen(host));
	} else if ((colon = strchr(host, ':')) && !strchr(colon + 1, ':')) {
		*colon = '\0';
		port = colon + 1;
	}
	parse_ulong(port, "spoofed port", 0, 65535);
	err = getaddrinfo(host, port, &hints, &res);
	if (err)
		die("spoofed source %s: %s", arg, gai_strerror(err));
	if (res->ai_family != f->family)
		die("spoofed source %s is not of the target's family", arg);
	f->addrs = calloc(1, sizeof(*f->addrs));
	if (!f->addrs)
		die("out of memory");
	memcpy(f->addrs, res->ai_addr, res->ai_addrlen);
	f->naddrs = 1;
	f->spoof = true;
	freeaddrinfo(res);
}

static void open_sources(struct flood *f, unsigned int nsources)
{
	socklen_t salen = f->family == AF_INET6 ? sizeof(struct sockaddr_in6) :
						 sizeof(struct sockaddr_in);
	struct rlimit rl;
	unsigned int i;

	/* Room for the sockets, the epoll instance and the standard three. */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < nsources + 16) {
		rl.rlim_cur = nsources + 16;
		if (rl.rlim_max < rl.rlim_cur)
			rl.rlim_max = rl.rlim_cur;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			die("%u sources need %u open files: %s", nsources,
			    nsources + 16, strerror(errno));
	}
	f->fds = calloc(nsources, sizeof(*f->fds));
	if (!f->fds)
		die("out of memory");
	f->epfd = epoll_create1(0);
	if (f->epfd < 0)
		die("epoll_create1: %s", strerror(errno));

	for (i = 0; i < nsources; ++i) {
		struct epoll_event ev = { .events = EPOLLIN };
		int fd, rcvbuf = 1 << 20;
		char host[NI_MAXHOST];
		unsigned int port;

		struct sockaddr_storage src = f->addrs[i % f->naddrs];

		fd = socket(f->family, SOCK_DGRAM | SOCK_NONBLOCK, 0);
		if (fd < 0)
			die("socket: %s", strerror(errno));
		/* Best effort: a bigger queue loses fewer replies to count. */
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
		if (f->spoof)
			spoof_source(fd, &src, i);
		if (bind(fd, (struct sockaddr *)&src, salen)) {
			format_addr((struct sockaddr *)&src, host, sizeof(host),
				    &port);
			die("bind %s: %s", host, strerror(errno));
		}
		/* Connected: send() needs no address, and only ADDR:PORT answers. */
		if (connect(fd, (struct sockaddr *)&f->target, f->target_len))
			die("connect: %s", strerror(errno));
		ev.data.u32 = i;
		if (epoll_ctl(f->epfd, EPOLL_CTL_ADD, fd, &ev))
			die("epoll_ctl: %s", strerror(errno));
		f->fds[i] = fd;
		f->nfds = i + 1;
	}
}

/*
 * -w bookkeeping. Every batch in the ring has at least one datagram left,
 * so at most window batches are ever in it.
 */
static void window_sent(struct flood *f, unsigned int n, double now)
{
	struct batch *b;

	if (!f->window || !n)
		return;
	b = &f->ring[(f->head + f->len) % (f->window + 1)];
	b->sent_at = now;
	b->left = n;
	++f->len;
	f->outstanding += n;
}

static void window_answered(struct flood *f)
{
	struct batch *b;

	if (!f->window || !f->len)
		return;
	b = &f->ring[f->head];
	--f->outstanding;
	if (!--b->left) {
		f->head = (f->head + 1) % (f->window + 1);
		--f->len;
	}
}

static void window_expire(struct flood *f, double now)
{
	while (f->len && now - f->ring[f->head].sent_at >= WINDOW_EXPIRY) {
		struct batch *b = &f->ring[f->head];

		f->outstanding -= b->left;
		f->expired += b->left;
		f->head = (f->head + 1) % (f->window + 1);
		--f->len;
	}
}

static void count_reply(struct flood *f, const unsigned char *buf, size_t len)
{
	uint32_t type;

	window_answered(f);
	if (len < 4) {
		++f->other_replies;
		return;
	}
	type = buf[0] | buf[1] << 8 | buf[2] << 16 | (uint32_t)buf[3] << 24;
	if (type == MSG_COOKIE_REPLY && len == MSG_COOKIE_REPLY_LEN) {
		++f->cookie_replies;
		if (!f->reported_first_cookie) {
			f->reported_first_cookie = true;
			printf("first_cookie_reply_ms=%.0f\n",
			       (now_seconds() - f->start) * 1000);
			fflush(stdout);
		}
	} else if (type == MSG_RESPONSE && len == MSG_RESPONSE_LEN) {
		++f->responses;
	} else {
		++f->other_replies;
	}
}

/* Read every reply waiting on one socket; returns how many there were. */
static unsigned int drain_socket(struct flood *f, int fd)
{
	unsigned int total = 0;
	static unsigned char bufs[REPLY_BATCH][REPLY_SNAP];
	struct mmsghdr msgs[REPLY_BATCH];
	struct iovec iov[REPLY_BATCH];
	int i, n;

	for (;;) {
		memset(msgs, 0, sizeof(msgs));
		for (i = 0; i < REPLY_BATCH; ++i) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = sizeof(bufs[i]);
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(fd, msgs, REPLY_BATCH, MSG_DONTWAIT, NULL);
		if (n < 0) {
			if (errno == ECONNREFUSED) {
				++f->refused;
				continue;
			}
			if (errno == EAGAIN || errno == EINTR)
				return total;
			die("recvmmsg: %s", strerror(errno));
		}
		total += n;
		for (i = 0; i < n; ++i) {
			/* Truncated: longer than any handshake answer. */
			if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC)
				++f->other_replies;
			else
				count_reply(f, bufs[i], msgs[i].msg_len);
		}
		if (n < REPLY_BATCH)
			return total;
	}
}

/*
 * Read the replies waiting on every socket, after waiting up to
 * @timeout_ms for one; returns how many were read.
 */
static unsigned int drain_replies(struct flood *f, int timeout_ms)
{
	struct epoll_event evs[64];
	unsigned int total = 0;
	int i, n;

	n = epoll_wait(f->epfd, evs, 64, timeout_ms);
	if (n < 0) {
		if (errno == EINTR)
			return 0;
		die("epoll_wait: %s", strerror(errno));
	}
	for (i = 0; i < n; ++i)
		total += drain_socket(f, f->fds[evs[i].data.u32]);
	return total;
}

static int cmd_send(int argc, char **argv)
{
	static unsigned char payload[MAX_DATAGRAM];
	struct mmsghdr msgs[BURST];
	struct addrinfo hints = {
		.ai_socktype = SOCK_DGRAM,
		.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
	};
	struct addrinfo *res;
	struct flood f = { .epfd = -1 };
	struct sigaction sa = { .sa_handler = on_signal };
	unsigned long seconds, nsources = DEFAULT_SOURCES, rate = 0, count = 0;
	const char *spoof = NULL;
	double deadline, elapsed, quiet_since, tail_end;
	unsigned int i, next = 0;
	struct iovec iov;
	ssize_t len;
	int fd, err, opt;

	/* argv[0] is "send": getopt() takes it for the program's name. */
	while ((opt = getopt(argc, argv, "+n:r:s:w:")) != -1) {
		switch (opt) {
		case 'n':
			count = parse_ulong(optarg, "count", 1, 1000000000);
			break;
		case 'r':
			rate = parse_ulong(optarg, "rate", 1, 100000000);
			break;
		case 's':
			spoof = optarg;
			break;
		case 'w':
			f.window = parse_ulong(optarg, "window", 1, MAX_WINDOW);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 4 || argc > 5)
		usage();
	parse_ulong(argv[1], "port", 1, 65535);
	seconds = parse_ulong(argv[3], "duration", 1, 86400);
	if (argc == 5)
		nsources = parse_ulong(argv[4], "number of sources", 1,
				       MAX_SOURCES);
	if (f.window) {
		f.ring = calloc(f.window + 1, sizeof(*f.ring));
		if (!f.ring)
			die("out of memory");
	}

	err = getaddrinfo(argv[0], argv[1], &hints, &res);
	if (err)
		die("address %s: %s", argv[0], gai_strerror(err));
	f.family = res->ai_family;
	memcpy(&f.target, res->ai_addr, res->ai_addrlen);
	f.target_len = res->ai_addrlen;
	freeaddrinfo(res);

	fd = open(argv[2], O_RDONLY);
	if (fd < 0)
		die("%s: %s", argv[2], strerror(errno));
	len = read(fd, payload, sizeof(payload));
	if (len < 0)
		die("%s: %s", argv[2], strerror(errno));
	close(fd);
	if (len == 0)
		die("%s is empty", argv[2]);

	if (spoof)
		parse_spoof(&f, spoof);
	else
		collect_addrs(&f);
	open_sources(&f, nsources);

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	/* Every entry sends the same bytes on a connected socket. */
	iov.iov_base = payload;
	iov.iov_len = len;
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BURST; ++i) {
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}

	f.start = now_seconds();
	deadline = f.start + seconds;
	while (!stop && now_seconds() < deadline &&
	       (!count || f.sent < count)) {
		/* Round robin across rounds too, so a paced flood uses all. */
		for (i = 0; i < f.nfds && !stop; ++i, next = (next + 1) % f.nfds) {
			unsigned int burst = BURST;
			int n;

			if (f.window) {
				window_expire(&f, now_seconds());
				if (f.outstanding >= f.window)
					break;
				if (f.window - f.outstanding < burst)
					burst = f.window - f.outstanding;
			}
			if (count && count - f.sent < burst)
				burst = count - f.sent;
			if (!burst)
				break;
			if (rate) {
				/* A token bucket: what the rate allows so far. */
				double allowed = rate * (now_seconds() - f.start) -
						 (double)f.sent;

				if (allowed < 1)
					break;
				if (allowed < burst)
					burst = (unsigned int)allowed;
			}
			n = sendmmsg(f.fds[next], msgs, burst, MSG_DONTWAIT);
			if (n >= 0) {
				f.sent += n;
				window_sent(&f, n, now_seconds());
				continue;
			}
			if (errno == EAGAIN || errno == ENOBUFS)
				++f.send_errors;
			else if (errno == ECONNREFUSED)
				++f.refused;
			else if (errno != EINTR)
				die("sendmmsg: %s", strerror(errno));
		}
		/* Held back: wait for replies rather than spin. */
		drain_replies(&f, i < f.nfds && !stop ? 1 : 0);
	}
	elapsed = now_seconds() - f.start;

	/* Answers still on their way (a queue being worked off) count too. */
	quiet_since = now_seconds();
	tail_end = quiet_since + (count ? 0 : 10);
	while (!stop && now_seconds() < tail_end &&
	       now_seconds() - quiet_since < 1) {
		if (drain_replies(&f, 100))
			quiet_since = now_seconds();
	}

	printf("sent=%llu seconds=%.1f rate=%.0f sources=%u addresses=%u "
	       "cookie_replies=%llu responses=%llu other_replies=%llu "
	       "send_errors=%llu refused=%llu expired=%llu\n",
	       f.sent, elapsed, elapsed > 0 ? f.sent / elapsed : 0.0, f.nfds,
	       f.naddrs, f.cookie_replies, f.responses, f.other_replies,
	       f.send_errors, f.refused, f.expired);
	fflush(stdout);
	return f.sent ? 0 : 1;
}

/* send's options are read by getopt(), which skips argv[0]: "send". */
static int cmd_send_words(int argc, char **argv)
{
	return cmd_send(argc + 1, argv - 1);
}

int main(int argc, char **argv)
{
	static const struct subcmd cmds[] = {
		{ "capture", cmd_capture },
		{ "send", cmd_send_words },
		{ NULL, NULL }
	};

	return subcmd_run(cmds, argc, argv, usage);
}
