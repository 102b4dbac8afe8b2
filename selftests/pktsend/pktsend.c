// SPDX-License-Identifier: GPL-2.0
/*
 * pktsend IFNAME ETHERTYPE HEX...: send the bytes HEX (pairs of hex digits;
 * spaces and further arguments are joined) as one packet on IFNAME with the given link-layer
 * protocol (e.g. 0x0800), through an AF_PACKET SOCK_DGRAM socket: the
 * device's transmit function gets exactly these bytes, whatever the IP
 * stack would have thought of them. Exit 0 if the kernel took the packet.
 */

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Append the hex bytes of @arg to @buf; false (with a message) if bad. */
static bool parse_hex(const char *arg, unsigned char *buf, size_t size,
		      size_t *len)
{
	const char *p = arg;

	while (*p) {
		int hi, lo;

		if (isspace((unsigned char)*p)) {
			++p;
			continue;
		}
		hi = hexval(p[0]);
		lo = p[1] ? hexval(p[1]) : -1;
		if (hi < 0 || lo < 0 || *len == size) {
			fprintf(stderr, "pktsend: bad hex at '%s'\n", p);
			return false;
		}
		buf[(*len)++] = hi << 4 | lo;
		p += 2;
	}
	return true;
}

int main(int argc, char **argv)
{
	unsigned char buf[65536];
	struct sockaddr_ll addr = { .sll_family = AF_PACKET };
	size_t len = 0;
	unsigned long proto;
	char *end;
	int fd, arg;

	if (argc < 4) {
		fprintf(stderr, "usage: %s IFNAME ETHERTYPE HEX...\n", argv[0]);
		return 2;
	}
	proto = strtoul(argv[2], &end, 0);
	if (*end || proto > 0xffff) {
		fprintf(stderr, "pktsend: bad ethertype '%s'\n", argv[2]);
		return 2;
	}
	for (arg = 3; arg < argc; ++arg) {
		if (!parse_hex(argv[arg], buf, sizeof(buf), &len))
			return 2;
	}

	addr.sll_ifindex = if_nametoindex(argv[1]);
	if (!addr.sll_ifindex) {
		fprintf(stderr, "pktsend: no device '%s'\n", argv[1]);
		return 1;
	}
	addr.sll_protocol = htons(proto);
	fd = socket(AF_PACKET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("pktsend: socket");
		return 1;
	}
	if (sendto(fd, buf, len, 0, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		fprintf(stderr, "pktsend: sendto: %s\n", strerror(errno));
		return 1;
	}
	close(fd);
	return 0;
}
