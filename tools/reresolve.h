/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tunctl reresolve IFACE [CONFIG_FILE]: points each peer whose handshake
 * is stale back at what its Endpoint name resolves to now, as
 * wireguard-tools' reresolve-dns.sh does for wg. The file defaults to
 * /etc/noisetun/IFACE.conf; it may be a wg(8) or a wg-quick style file.
 */
#ifndef TUNCTL_RERESOLVE_H
#define TUNCTL_RERESOLVE_H

/*
 * A handshake older than this (seconds of wall clock), or none at all,
 * is stale: REKEY_AFTER_TIME plus REKEY_TIMEOUT plus slack, the figure
 * reresolve-dns.sh uses.
 */
#define NT_RERESOLVE_STALE_SECONDS 135

/**
 * nt_reresolve_main() - the reresolve subcommand
 * @argc: argument count, the subcommand's name included
 * @argv: the arguments, argv[0] being "reresolve"
 *
 * Only the endpoints of stale peers that are both in the file (with an
 * Endpoint) and on the device change; nothing else does. A name that does
 * not resolve is reported with its line, and the other peers are still
 * updated.
 *
 * Return: 0; 1 when a name did not resolve or the device could not be
 * read or changed.
 */
int nt_reresolve_main(int argc, const char *argv[]);

#endif /* TUNCTL_RERESOLVE_H */
