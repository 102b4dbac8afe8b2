/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The parser of `tunctl set` words.
 */
#ifndef TUNCTL_SETARGS_H
#define TUNCTL_SETARGS_H

struct tunctl_device;

/**
 * nt_setargs_parse() - parse the words after `set IFACE` into a change
 * @argc: number of words
 * @argv: the words
 *
 * Grammar, as wg(8):
 *   [listen-port PORT] [fwmark MARK] [private-key FILE]
 *   [peer PUBKEY [remove] [preshared-key FILE] [endpoint HOST:PORT]
 *    [persistent-keepalive SECONDS|off] [allowed-ips [+|-]IP[/CIDR][,...]]]...
 * Device settings come before the first peer; each setting appears once
 * per device or peer. Errors are reported with nt_error().
 *
 * Return: the change (name left empty), or NULL after an error.
 */
struct tunctl_device *nt_setargs_parse(int argc, const char *const argv[]);

#endif /* TUNCTL_SETARGS_H */
