// SPDX-License-Identifier: GPL-2.0
/*
 * tunctl: configure noisetun devices. The command line follows wg(8), so
 * that a script written for wg works after s/wg/tunctl/.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "error.h"
#include "subcommands.h"

#ifndef TUNCTL_VERSION
#define TUNCTL_VERSION "0.1"
#endif

static const struct nt_subcommand subcommands[] = {
	{ "show", nt_show_main,
	  "[{ <interface> | all | interfaces } [public-key | private-key | listen-port | fwmark | peers | preshared-keys | endpoints | allowed-ips | latest-handshakes | persistent-keepalive | transfer | dump]] [--json]",
	  "Shows the current configuration and device information" },
	{ "showconf", nt_showconf_main, "<interface>",
	  "Shows the current configuration of a given noisetun interface, for use with `setconf'" },
	{ "set", nt_set_main,
	  "<interface> [listen-port <port>] [fwmark <mark>] [private-key <file path>] [peer <base64 public key> [remove] [preshared-key <file path>] [endpoint <ip>:<port>] [persistent-keepalive <interval seconds>] [allowed-ips [+|-]<ip1>/<cidr1>[,[+|-]<ip2>/<cidr2>]...] ]...",
	  "Change the current configuration, add peers, remove peers, or change peers" },
	{ "setconf", nt_setconf_main, "<interface> <configuration filename>",
	  "Applies a configuration file to a noisetun interface" },
	{ "addconf", nt_setconf_main, "<interface> <configuration filename>",
	  "Appends a configuration file to a noisetun interface" },
	{ "syncconf", nt_setconf_main, "<interface> <configuration filename>",
	  "Synchronizes a configuration file to a noisetun interface" },
	{ "genkey", nt_genkey_main, "",
	  "Generates a new private key and writes it to stdout" },
	{ "genpsk", nt_genkey_main, "",
	  "Generates a new preshared key and writes it to stdout" },
	{ "pubkey", nt_pubkey_main, "",
	  "Reads a private key from stdin and writes a public key to stdout" },
};

#define SUBCOMMAND_COUNT (sizeof(subcommands) / sizeof(subcommands[0]))

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "Usage: tunctl <cmd> [<args>]\n\n");
	fprintf(out, "Available subcommands:\n");
	for (i = 0; i < SUBCOMMAND_COUNT; i++)
		fprintf(out, "  %s: %s\n", subcommands[i].name,
			subcommands[i].description);
	fprintf(out, "You may pass `--help' to any of these subcommands to view usage.\n");
}

void nt_subcommand_usage(FILE *out, const char *name)
{
	size_t i;

	for (i = 0; i < SUBCOMMAND_COUNT; i++) {
		if (!strcmp(subcommands[i].name, name))
			fprintf(out, "Usage: tunctl %s%s%s\n", name,
				*subcommands[i].args ? " " : "",
				subcommands[i].args);
	}
}

bool nt_subcommand_wants_help(int argc, const char *argv[])
{
	return argc == 2 && (!strcmp(argv[1], "-h") ||
			     !strcmp(argv[1], "--help") ||
			     !strcmp(argv[1], "help"));
}

int main(int argc, const char *argv[])
{
	static const char *show_all[] = { "show", NULL };
	size_t i;

	if (sodium_init() < 0) {
		nt_error("libsodium failed to initialise");
		return 1;
	}
	if (argc == 2 && (!strcmp(argv[1], "-v") ||
			  !strcmp(argv[1], "--version") ||
			  !strcmp(argv[1], "version"))) {
		printf("tunctl v%s\n", TUNCTL_VERSION);
		return 0;
	}
	if (argc == 2 && (!strcmp(argv[1], "-h") ||
			  !strcmp(argv[1], "--help") ||
			  !strcmp(argv[1], "help"))) {
		usage(stdout);
		return 0;
	}
	if (argc == 1) {
		nt_error_subcommand = "show";
		return nt_show_main(1, show_all);
	}
	for (i = 0; i < SUBCOMMAND_COUNT; i++) {
		if (!strcmp(argv[1], subcommands[i].name)) {
			nt_error_subcommand = subcommands[i].name;
			return subcommands[i].run(argc - 1, argv + 1);
		}
	}
	nt_error("unknown subcommand '%s'", argv[1]);
	usage(stderr);
	return 1;
}
