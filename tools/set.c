// SPDX-License-Identifier: GPL-2.0
/*
 * tunctl set IFACE WORDS...: the whole line is parsed and checked
 * before anything is sent.
 */
#include <stdio.h>

#include "error.h"
#include "ipc.h"
#include "model.h"
#include "set.h"
#include "setargs.h"
#include "subcommands.h"

int nt_set_main(int argc, const char *argv[])
{
	struct tunctl_device *dev;
	int ret;

	ret = nt_subcommand_check_args(argc, argv, "set", argc >= 2,
				       "expects an interface name");
	if (ret >= 0)
		return ret;
	if (!nt_ipc_check_name(argv[1]))
		return 1;
	dev = nt_setargs_parse(argc - 2, argv + 2);
	if (!dev)
		return 1;
	snprintf(dev->name, sizeof(dev->name), "%s", argv[1]);
	ret = nt_ipc_set_device(dev);
	nt_model_device_free(dev);
	return ret ? 1 : 0;
}
