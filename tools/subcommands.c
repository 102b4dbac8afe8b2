// SPDX-License-Identifier: GPL-2.0
/*
 * The table of subcommands: it dispatches them and generates the usage.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "genkey.h"
#include "monitor.h"
#include "pubkey.h"
#include "quick.h"
#include "reresolve.h"
#include "set.h"
#include "setconf.h"
#include "show.h"
#include "error.h"
#include "showconf.h"
#include "subcommands.h"

const struct nt_subcommand nt_subcommands[] = {
	{ "show", nt_show_main,
	  "[{ <interface> | all | interfaces } [public-key | private-key | listen-port | fwmark | peers | preshared-keys | endpoints | allowed-ips | latest-handshakes | persistent-keepalive | transfer | dump | stats]] [--json] | <interface> peer <base64 public key> [--json]",
	  "Shows the current configuration and device information" },
	{ "showconf", nt_showconf_main, "<interface>",
	  "Shows the current configuration of a given noisetun interface, for use with `setconf'" },
	{ "set", nt_set_main,
	  "<interface> [listen-port <port>] [fwmark <mark>] [private-key <file path>] [unknown-peer-events on|off] [peer <base64 public key> [remove] [preshared-key <file path>] [endpoint <ip>:<port>] [persistent-keepalive <interval seconds>] [allowed-ips [+|-]<ip1>/<cidr1>[,[+|-]<ip2>/<cidr2>]...] [disable | enable] [description <text>] ]...",
	  "Change the current configuration, add peers, remove peers, or change peers" },
	{ "setconf", nt_setconf_main, "<interface> <configuration filename>",
	  "Applies a configuration file to a noisetun interface" },
	{ "addconf", nt_setconf_main, "<interface> <configuration filename>",
	  "Appends a configuration file to a noisetun interface" },
	{ "syncconf", nt_setconf_main, "<interface> <configuration filename>",
	  "Synchronizes a configuration file to a noisetun interface" },
	{ "up", nt_quick_main, "<configuration file | interface>",
	  "Creates an interface from a wg-quick style file, with its addresses, MTU, routes, DNS and hooks" },
	{ "down", nt_quick_main, "<configuration file | interface>",
	  "Removes an interface that `up' created, and the rules and DNS it added" },
	{ "save", nt_quick_main, "<configuration file | interface>",
	  "Saves the running configuration of an interface into its wg-quick style file" },
	{ "strip", nt_quick_main, "<configuration file | interface>",
	  "Prints a wg-quick style file without its wg-quick keys, for `setconf'" },
	{ "reresolve", nt_reresolve_main, "<interface> [<configuration file>]",
	  "Points peers whose handshake is stale at what their Endpoint names resolve to now" },
	{ "monitor", nt_monitor_main, "[<interface>] [--json]",
	  "Prints events (handshakes, endpoint and peer changes) as they happen, until interrupted" },
	{ "genkey", nt_genkey_main, "",
	  "Generates a new private key and writes it to stdout" },
	{ "genpsk", nt_genkey_main, "",
	  "Generates a new preshared key and writes it to stdout" },
	{ "pubkey", nt_pubkey_main, "",
	  "Reads a private key from stdin and writes a public key to stdout" },
};

const size_t nt_subcommand_count = sizeof(nt_subcommands) / sizeof(nt_subcommands[0]);

void nt_subcommand_print_list(FILE *out)
{
	size_t i;

	fprintf(out, "Usage: tunctl <cmd> [<args>]\n\n");
	fprintf(out, "Available subcommands:\n");
	for (i = 0; i < nt_subcommand_count; i++)
		fprintf(out, "  %s: %s\n", nt_subcommands[i].name,
			nt_subcommands[i].description);
	fprintf(out, "You may pass `--help' to any of these subcommands to view usage.\n");
}

void nt_subcommand_print_usage(FILE *out, const char *name)
{
	size_t i;

	for (i = 0; i < nt_subcommand_count; i++) {
		if (!strcmp(nt_subcommands[i].name, name))
			fprintf(out, "Usage: tunctl %s%s%s\n", name,
				*nt_subcommands[i].args ? " " : "",
				nt_subcommands[i].args);
	}
}

bool nt_subcommand_wants_help(int argc, const char *argv[])
{
	return argc == 2 && (!strcmp(argv[1], "-h") ||
			     !strcmp(argv[1], "--help") ||
			     !strcmp(argv[1], "help"));
}

int nt_subcommand_check_args(int argc, const char *argv[], const char *name,
			     bool args_ok, const char *fmt, ...)
{
	va_list ap;

	if (nt_subcommand_wants_help(argc, argv)) {
		nt_subcommand_print_usage(stdout, name);
		return 0;
	}
	if (args_ok)
		return -1;
	va_start(ap, fmt);
	nt_verror(fmt, ap);
	va_end(ap);
	nt_subcommand_print_usage(stderr, name);
	return 1;
}
