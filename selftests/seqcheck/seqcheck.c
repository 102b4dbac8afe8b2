// SPDX-License-Identifier: GPL-2.0
/*
 * seqcheck: a stream of sequence-numbered UDP datagrams, and a receiver
 * that tells whether they arrived in order. Each datagram starts with its
 * sequence number, 8 bytes big-endian, counting from 0 (evilpeer's `udp`
 * command numbers its datagrams the same way, so the receiver takes its
 * streams too).
 *
 * Usage:
 *   seqcheck send ADDR PORT COUNT [SIZE [BATCH [SNDBUF]]]
 *	Send COUNT datagrams of SIZE bytes (default 100, at least 8) to
 *	ADDR (IPv4 or IPv6) PORT, BATCH (default 64) per sendmmsg call, as
 *	fast as the socket takes them; with SNDBUF, the socket's send buffer
 *	is that many bytes (SO_SNDBUFFORCE: root), so that far more than the
 *	default can wait in a device's queues. Prints "sent=N".
 *   seqcheck recv ADDR PORT COUNT IDLE_MS
 *	Bind ADDR PORT, print "ready" (flushed), and take datagrams until
 *	COUNT arrived or none came for IDLE_MS (30 s, if longer, before the
 *	first one). Prints one line:
 *	  received=N in_order=N reordered=N duplicates=N lost=N max_seq=N
 *	where a datagram is reordered when a higher number arrived before
 *	it, a duplicate when its number arrived before, and lost counts the
 *	numbers up to max_seq that never arrived.
 *
 * Exit status: 0 when sent, or received in order without duplicates (and
 * at least one datagram); 1 otherwise; 2 on a usage or setup error.
 */

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../subcmd.h"

#define MAX_SIZE	65507
#define MAX_BATCH	1024

static void usage(void)
{
	fprintf(stderr, "usage: seqcheck send ADDR PORT COUNT [SIZE [BATCH [SNDBUF]]]\n"
			"       seqcheck recv ADDR PORT COUNT IDLE_MS\n");
	exit(2);
}

static unsigned long number(const char *s, unsigned long min, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || !*s || *end || v < min || v > max) {
		fprintf(stderr, "seqcheck: bad number '%s' (%lu..%lu)\n", s, min, max);
		exit(2);
	}
	return v;
}

static socklen_t address(const char *addr, const char *port,
			 struct sockaddr_storage *ss)
{
	struct sockaddr_in *in = (void *)ss;
	struct sockaddr_in6 *in6 = (void *)ss;
	unsigned long p = number(port, 0, 65535);

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(p);
		return sizeof(*in);
	}
	if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(p);
		return sizeof(*in6);
	}
	fprintf(stderr, "seqcheck: bad address '%s'\n", addr);
	exit(2);
}

static int do_send(int argc, char **argv)
{
	static unsigned char buf[MAX_BATCH][64];
	static struct mmsghdr msgs[MAX_BATCH];
	static struct iovec iov[MAX_BATCH][2];
	static unsigned char pad[MAX_SIZE];
	struct sockaddr_storage ss;
	unsigned long count, size = 100, batch = 64, sent = 0, i;
	socklen_t len;
	int fd, sndbuf = 0;

	if (argc < 3 || argc > 6)
		usage();
	len = address(argv[0], argv[1], &ss);
	count = number(argv[2], 1, 1UL << 40);
	if (argc > 3)
		size = number(argv[3], 8, MAX_SIZE);
	if (argc > 4)
		batch = number(argv[4], 1, MAX_BATCH);
	if (argc > 5)
		sndbuf = (int)number(argv[5], 1024, 1UL << 30);
	fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len) < 0) {
		perror("seqcheck: socket");
		return 2;
	}
	if (sndbuf && setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf,
				 sizeof(sndbuf)) < 0) {
		perror("seqcheck: SO_SNDBUFFORCE");
		return 2;
	}
	memset(pad, 'x', sizeof(pad));
	while (sent < count) {
		unsigned long n = count - sent < batch ? count - sent : batch;
		int r;

		for (i = 0; i < n; i++) {
			uint64_t seq = htobe64(sent + i);

			memcpy(buf[i], &seq, 8);
			iov[i][0] = (struct iovec){ buf[i], 8 };
			iov[i][1] = (struct iovec){ pad, size - 8 };
			msgs[i].msg_hdr = (struct msghdr){ .msg_iov = iov[i],
							   .msg_iovlen = 2 };
		}
		r = sendmmsg(fd, msgs, n, 0);
		if (r < 0) {
			/* A full queue: wait for room; anything else is fatal. */
			if (errno == ENOBUFS || errno == EAGAIN) {
				usleep(1000);
				continue;
			}
			perror("seqcheck: sendmmsg");
			printf("sent=%lu\n", sent);
			return 1;
		}
		sent += r;
	}
	printf("sent=%lu\n", sent);
	return 0;
}

static int do_recv(int argc, char **argv)
{
	static unsigned char buf[MAX_SIZE + 1];
	unsigned long received = 0, in_order = 0, reordered = 0, dups = 0;
	unsigned long count, idle, lost = 0, i;
	uint64_t max_seq = 0;
	struct sockaddr_storage ss;
	unsigned char *seen;
	int fd, rcvbuf = 8 << 20;
	bool any = false;
	socklen_t len;

	if (argc != 4)
		usage();
	len = address(argv[0], argv[1], &ss);
	count = number(argv[2], 1, 1UL << 30);
	idle = number(argv[3], 1, 3600000);
	seen = calloc(count / 8 + 1, 1);
	fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	if (!seen || fd < 0) {
		perror("seqcheck: socket");
		return 2;
	}
	/* Room for a burst: a drop here would be loss, not disorder. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		perror("seqcheck: bind");
		return 2;
	}
	printf("ready\n");
	fflush(stdout);
	while (received < count) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t seq;
		ssize_t n;

		/* The sender may start late on a loaded host: the first
		 * datagram gets 30 s, or IDLE_MS if that is longer.
		 */
		if (poll(&p, 1, received || idle > 30000 ? idle : 30000) <= 0)
			break;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 8)
			continue;
		memcpy(&seq, buf, 8);
		seq = be64toh(seq);
		received++;
		if (seq < count && (seen[seq / 8] & (1 << (seq % 8)))) {
			dups++;
			continue;
		}
		if (seq < count)
			seen[seq / 8] |= 1 << (seq % 8);
		if (any && seq < max_seq) {
			reordered++;
		} else {
			in_order++;
			max_seq = seq;
			any = true;
		}
	}
	for (i = 0; any && i <= max_seq && i < count; i++)
		lost += !(seen[i / 8] & (1 << (i % 8)));
	printf("received=%lu in_order=%lu reordered=%lu duplicates=%lu lost=%lu max_seq=%llu\n",
	       received, in_order, reordered, dups, lost,
	       (unsigned long long)max_seq);
	return received && !reordered && !dups ? 0 : 1;
}

int main(int argc, char **argv)
{
	static const struct subcmd cmds[] = {
		{ "send", do_send },
		{ "recv", do_recv },
		{ NULL, NULL }
	};

	setvbuf(stdout, NULL, _IOLBF, 0);
	return subcmd_run(cmds, argc, argv, usage);
}
