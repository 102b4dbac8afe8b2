// SPDX-License-Identifier: GPL-2.0
/*
 * Addresses as text, shared by the printers.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "format.h"
#include "model.h"

char *nt_format_endpoint(char *buf, size_t len, const union tunctl_endpoint *ep)
{
	char host[NI_MAXHOST], service[NI_MAXSERV];
	socklen_t alen = ep->sa.sa_family == AF_INET6 ?
			 sizeof(struct sockaddr_in6) :
			 sizeof(struct sockaddr_in);
	int ret;

	/* getnameinfo() as wg, so that IPv6 scopes print the same. */
	ret = getnameinfo(&ep->sa, alen, host, sizeof(host), service,
			  sizeof(service),
			  NI_DGRAM | NI_NUMERICSERV | NI_NUMERICHOST);
	if (ret)
		snprintf(buf, len, "%s", gai_strerror(ret));
	else if (ep->sa.sa_family == AF_INET6 && strchr(host, ':'))
		snprintf(buf, len, "[%s]:%s", host, service);
	else
		snprintf(buf, len, "%s:%s", host, service);
	return buf;
}

char *nt_format_u32(char *buf, uint32_t value)
{
	char digits[10];
	size_t n = 0;

	do {
		digits[n++] = (char)('0' + value % 10);
		value /= 10;
	} while (value);
	while (n)
		*buf++ = digits[--n];
	*buf = '\0';
	return buf;
}

char *nt_format_allowedip(char *buf, size_t len,
			  const struct tunctl_allowedip *aip)
{
	const uint8_t *b = (const uint8_t *)&aip->addr.ip4;
	char *end = buf;
	int i;

	/*
	 * IPv4 by hand, as inet_ntop() spells it ("%u.%u.%u.%u"): through
	 * sprintf() it was most of the time showconf spent on its own for
	 * a device of many ranges.
	 */
	if (aip->family == AF_INET && len >= INET_ADDRSTRLEN) {
		for (i = 0; i < 4; i++) {
			if (i)
				*end++ = '.';
			end = nt_format_u32(end, b[i]);
		}
		return buf;
	}
	if (!inet_ntop(aip->family, &aip->addr, buf, len) && len)
		buf[0] = '\0';
	return buf;
}
