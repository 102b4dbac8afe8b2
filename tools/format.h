/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The text of an endpoint and of an allowed-IP address, as every printer
 * (human, dump, JSON, showconf) writes them: wg's spelling, byte for byte.
 */
#ifndef TUNCTL_FORMAT_H
#define TUNCTL_FORMAT_H

#include <stddef.h>
#include <stdint.h>

union tunctl_endpoint;
struct tunctl_allowedip;

/**
 * nt_format_endpoint() - "1.2.3.4:51820" or "[fd00::1]:51820"
 * @buf: receives the text
 * @len: size of @buf
 * @endpoint: the address
 *
 * Return: @buf.
 */
char *nt_format_endpoint(char *buf, size_t len,
			 const union tunctl_endpoint *endpoint);

/**
 * nt_format_allowedip() - "10.0.0.0" or "fd00::" without the prefix length
 * @buf: receives the text, at least INET6_ADDRSTRLEN bytes
 * @len: size of @buf
 * @aip: the range
 *
 * Return: @buf.
 */
char *nt_format_allowedip(char *buf, size_t len,
			  const struct tunctl_allowedip *aip);

/**
 * nt_format_u32() - a number in decimal, as printf's "%u"
 * @buf: receives the digits and a NUL, at least 11 bytes
 * @value: the number
 *
 * Return: the end of the digits in @buf (its NUL).
 */
char *nt_format_u32(char *buf, uint32_t value);

#endif /* TUNCTL_FORMAT_H */
