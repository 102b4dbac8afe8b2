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

char *nt_format_allowedip(char *buf, size_t len,
			  const struct tunctl_allowedip *aip)
{
	if (!inet_ntop(aip->family, &aip->addr, buf, len) && len)
		buf[0] = '\0';
	return buf;
}
