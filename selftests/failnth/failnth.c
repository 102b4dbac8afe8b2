// SPDX-License-Identifier: GPL-2.0
/*
 * libfailnth.so: an LD_PRELOAD shim for the fault-injection scenario
 * (selftests/netns/86-fail-nth.sh). It makes the kernel fail the n-th
 * allocation of one netlink request, and of nothing else the program does.
 *
 * A task's /proc/thread-self/fail-nth, written N, makes the N-th
 * fault-injection site that task passes from then on fail (failslab and
 * fail_page_alloc allocations, as configured in debugfs), and reads back
 * how many sites are left (0 once the fault fired). A netlink request to
 * the kernel is handled whole inside the sendto()/sendmsg() that carries
 * it (the handler runs, its ack is queued), so the shim arms fail-nth right
 * before that call and disarms it right after: the fault lands in the
 * kernel's handling of that one request, never in the program's own
 * start-up, socket set-up or output.
 *
 * Which request: the NT_FAILNTH_MSG-th (default 1) of the requests that are
 * not dumps, on a NETLINK_GENERIC socket to a family other than the
 * controller (tunctl's SET_DEVICE), or an RTM_NEWLINK on a NETLINK_ROUTE
 * socket (ip link add).
 *
 * Environment:
 *   NT_FAILNTH=N         arm fail-nth with N for that request (unset: no-op)
 *   NT_FAILNTH_MSG=K     the K-th matching request (default 1)
 *   NT_FAILNTH_CUT=K     instead, fail the K-th matching request in user
 *                        space (ENOMEM, nothing sent): what the device looks
 *                        like after the requests before it
 *   NT_FAILNTH_REPORT=F  append one line per armed request to F:
 *                        "n=N injected=0|1 send=0|ERRNO"
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

typedef ssize_t (*sendto_fn)(int, const void *, size_t, int,
			     const struct sockaddr *, socklen_t);
typedef ssize_t (*sendmsg_fn)(int, const struct msghdr *, int);

static unsigned int matched;

static unsigned int env_uint(const char *name)
{
	const char *v = getenv(name);

	return v ? (unsigned int)strtoul(v, NULL, 0) : 0;
}

/* Is @buf (@len bytes) a request whose handling is to fail? */
static int is_target(int fd, const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;
	int domain = 0, proto = -1;
	socklen_t sl = sizeof(domain);

	if (len < sizeof(*nlh))
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &sl) ||
	    domain != AF_NETLINK)
		return 0;
	sl = sizeof(proto);
	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &sl))
		return 0;
	if (!(nlh->nlmsg_flags & NLM_F_REQUEST) ||
	    (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP)
		return 0;
	if (proto == NETLINK_GENERIC)
		return nlh->nlmsg_type >= NLMSG_MIN_TYPE &&
		       nlh->nlmsg_type != GENL_ID_CTRL;
	if (proto == NETLINK_ROUTE)
		return nlh->nlmsg_type == RTM_NEWLINK;
	return 0;
}

struct arm {
	int wfd, rfd;
	unsigned int n;
};

/* Open the files first: opening allocates, and must not count. */
static int arm(struct arm *a)
{
	char num[16];
	int len;

	a->n = env_uint("NT_FAILNTH");
	a->wfd = open("/proc/thread-self/fail-nth", O_WRONLY | O_CLOEXEC);
	a->rfd = open("/proc/thread-self/fail-nth", O_RDONLY | O_CLOEXEC);
	if (a->wfd < 0 || a->rfd < 0) {
		fprintf(stderr, "libfailnth: cannot open /proc/thread-self/fail-nth: %s\n",
			strerror(errno));
		exit(99);
	}
	len = snprintf(num, sizeof(num), "%u", a->n);
	if (write(a->wfd, num, len) != len) {
		fprintf(stderr, "libfailnth: cannot write fail-nth: %s\n",
			strerror(errno));
		exit(99);
	}
	return 0;
}

static void disarm(struct arm *a, ssize_t ret, int err)
{
	char num[16] = "";
	const char *path;
	ssize_t got;
	FILE *f;

	got = read(a->rfd, num, sizeof(num) - 1);
	if (write(a->wfd, "0", 1) != 1 || got <= 0) {
		fprintf(stderr, "libfailnth: cannot read or reset fail-nth\n");
		exit(99);
	}
	close(a->rfd);
	close(a->wfd);
	path = getenv("NT_FAILNTH_REPORT");
	if (!path)
		return;
	f = fopen(path, "a");
	if (!f)
		return;
	fprintf(f, "n=%u injected=%d send=%s\n", a->n, atoi(num) == 0,
		ret < 0 ? strerrorname_np(err) : "0");
	fclose(f);
}

/* 1: arm around this request; -1: fail it here; 0: leave it alone. */
static int decide(int fd, const void *buf, size_t len)
{
	unsigned int k;

	if (!getenv("NT_FAILNTH") && !getenv("NT_FAILNTH_CUT"))
		return 0;
	if (!is_target(fd, buf, len))
		return 0;
	++matched;
	k = env_uint("NT_FAILNTH_CUT");
	if (k)
		return matched == k ? -1 : 0;
	k = env_uint("NT_FAILNTH_MSG");
	return matched == (k ? k : 1) ? 1 : 0;
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags,
	       const struct sockaddr *addr, socklen_t alen)
{
	static sendto_fn real;
	struct arm a;
	ssize_t ret;
	int how, err;

	if (!real)
		real = (sendto_fn)dlsym(RTLD_NEXT, "sendto");
	how = decide(fd, buf, len);
	if (how < 0) {
		errno = ENOMEM;
		return -1;
	}
	if (!how)
		return real(fd, buf, len, flags, addr, alen);
	arm(&a);
	ret = real(fd, buf, len, flags, addr, alen);
	err = errno;
	disarm(&a, ret, err);
	errno = err;
	return ret;
}

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	return sendto(fd, buf, len, flags, NULL, 0);
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	static sendmsg_fn real;
	const void *buf = NULL;
	size_t len = 0;
	struct arm a;
	ssize_t ret;
	int how, err;

	if (!real)
		real = (sendmsg_fn)dlsym(RTLD_NEXT, "sendmsg");
	if (msg->msg_iovlen) {
		buf = msg->msg_iov[0].iov_base;
		len = msg->msg_iov[0].iov_len;
	}
	how = buf ? decide(fd, buf, len) : 0;
	if (how < 0) {
		errno = ENOMEM;
		return -1;
	}
	if (!how)
		return real(fd, msg, flags);
	arm(&a);
	ret = real(fd, msg, flags);
	err = errno;
	disarm(&a, ret, err);
	errno = err;
	return ret;
}
