/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The subcommands of a test program (`PROG NAME ARGS...`), as a table.
 * Each program's main() passes its table, ended by an entry without a
 * name, to subcmd_run().
 */
#ifndef NT_SUBCMD_H
#define NT_SUBCMD_H

#include <string.h>

struct subcmd {
	const char *name;
	int (*run)(int argc, char **argv);	/* the words after NAME */
};

/*
 * Run the subcommand argv[1] names and return its exit status; without
 * one, or with a name not in @cmds, call @usage (which exits).
 */
static inline int subcmd_run(const struct subcmd *cmds, int argc, char **argv,
			     void (*usage)(void))
{
	if (argc >= 2) {
		for (; cmds->name; cmds++) {
			if (!strcmp(argv[1], cmds->name))
				return cmds->run(argc - 2, argv + 2);
		}
	}
	usage();
	return 2;
}

#endif /* NT_SUBCMD_H */
