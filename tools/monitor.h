/* SPDX-License-Identifier: GPL-2.0 */
/*
 * tunctl monitor [IFACE] [--json]: the events of the "events" multicast
 * group, one line each, until interrupted.
 */
#ifndef TUNCTL_MONITOR_H
#define TUNCTL_MONITOR_H

#include <stdio.h>

struct nt_uapi_event;

/**
 * nt_monitor_print_human() - print one event as a line for people
 * @out: the stream
 * @ev: the event
 *
 * "nt0: peer KEY: handshake complete (initiator, round trip 1.234 ms,
 * endpoint 192.0.2.1:51820)", and so on for each kind (tunctl(8)).
 */
void nt_monitor_print_human(FILE *out, const struct nt_uapi_event *ev);

/**
 * nt_monitor_print_json() - print one event as one JSON object and a newline
 * @out: the stream
 * @ev: the event
 *
 * {"event": "handshake-complete", "interface": "nt0", "ifindex": 4,
 *  "peer": KEY, ...}: the schema is in tunctl(8).
 */
void nt_monitor_print_json(FILE *out, const struct nt_uapi_event *ev);

/**
 * nt_monitor_print_lost() - say that events were lost (socket overrun)
 * @out: the stream
 * @json: as a JSON object ({"event": "lost"}) rather than a line
 */
void nt_monitor_print_lost(FILE *out, int json);

/**
 * nt_monitor_main() - tunctl monitor
 * @argc: argument count, the subcommand's name first
 * @argv: the arguments
 *
 * Return: the exit status: 0 when interrupted by SIGINT or SIGTERM.
 */
int nt_monitor_main(int argc, const char *argv[]);

#endif /* TUNCTL_MONITOR_H */
