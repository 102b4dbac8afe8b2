// SPDX-License-Identifier: GPL-2.0
/*
 * tunctl: configure noisetun devices. The command line follows wg(8), so
 * that a script written for wg works after s/wg/tunctl/.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "error.h"
#include "show.h"
#include "subcommands.h"

#ifndef TUNCTL_VERSION
#define TUNCTL_VERSION "0.1"
#endif

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
		nt_subcommand_print_list(stdout);
		return 0;
	}
	if (argc == 1) {
		nt_error_subcommand = "show";
		return nt_show_main(1, show_all);
	}
	for (i = 0; i < nt_subcommand_count; i++) {
		if (!strcmp(argv[1], nt_subcommands[i].name)) {
			nt_error_subcommand = nt_subcommands[i].name;
			return nt_subcommands[i].run(argc - 1, argv + 1);
		}
	}
	nt_error("unknown subcommand '%s'", argv[1]);
	nt_subcommand_print_list(stderr);
	return 1;
}
