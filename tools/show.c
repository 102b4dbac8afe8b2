// SPDX-License-Identifier: GPL-2.0
/*
 * tunctl show [{IFACE | all | interfaces} [FIELD | stats]] [--json]
 * tunctl show IFACE peer KEY [--json]
 *
 * Each form asks the kernel for what it prints and no more: the keys only
 * where they are printed (or, for the human form, where "(hidden)" says
 * that one is set), the statistics alone for the fields made of them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "dump.h"
#include "error.h"
#include "human.h"
#include "ipc.h"
#include "json.h"
#include "model.h"
#include "show.h"
#include "subcommands.h"
#include "uapi.h"
#include "value.h"

static int usage_error(void)
{
	nt_subcommand_print_usage(stderr, "show");
	return 1;
}

static int show_interfaces(bool json)
{
	char **names;
	size_t i;

	if (nt_ipc_list_devices(&names))
		return 1;
	if (json) {
		nt_json_print_names(stdout, names);
	} else {
		for (i = 0; names[i]; i++)
			printf("%s%c", names[i], names[i + 1] ? ' ' : '\n');
	}
	nt_ipc_free_list(names);
	return 0;
}

/* What the kernel must send for @field (NULL: the human or JSON form). */
static uint32_t field_query_flags(const char *field)
{
	static const struct nt_value_named table[] = {
		{ "public-key", NOISETUN_QUERY_F_NO_ALLOWEDIPS },
		{ "listen-port", NOISETUN_QUERY_F_NO_ALLOWEDIPS },
		{ "fwmark", NOISETUN_QUERY_F_NO_ALLOWEDIPS },
		{ "peers", NOISETUN_QUERY_F_STATS_ONLY },
		{ "endpoints", NOISETUN_QUERY_F_NO_ALLOWEDIPS },
		{ "allowed-ips", 0 },
		{ "latest-handshakes", NOISETUN_QUERY_F_STATS_ONLY },
		{ "persistent-keepalive", NOISETUN_QUERY_F_NO_ALLOWEDIPS },
		{ "transfer", NOISETUN_QUERY_F_STATS_ONLY },
	};
	int i = field ? NT_VALUE_FIND_NAME(table, field, false) : -1;

	/* private-key, preshared-keys, dump, and the whole forms. */
	return i >= 0 ? table[i].value : NOISETUN_QUERY_F_KEYS;
}

static int get_for_field(const char *name, const char *field,
			 struct tunctl_device **devp)
{
	struct nt_uapi_query query = { .flags = field_query_flags(field),
				       .dump = true };

	return nt_ipc_query_device(name, &query, devp);
}

/* show IFACE peer KEY: the device with that peer only, by a per-peer GET. */
static int show_peer(const char *name, const char *key, bool json)
{
	struct nt_uapi_query query = { .flags = NOISETUN_QUERY_F_KEYS,
				       .has_peer = true };
	struct tunctl_device *dev;

	if (!nt_value_parse_key("peer", key, query.peer, false))
		return usage_error();
	if (nt_ipc_query_device(name, &query, &dev))
		return 1;
	if (json)
		nt_json_print(stdout, &dev, 1);
	else
		nt_human_print(stdout, dev, nt_human_wants_colour(stdout));
	nt_model_device_free(dev);
	return 0;
}

static int show_all(const char *field, bool json)
{
	struct tunctl_device **devs = NULL;
	size_t count = 0, i;
	char **names;
	int status = 0;

	if (nt_ipc_list_devices(&names))
		return 1;
	for (i = 0; names[i]; i++)
		;
	devs = calloc(i + 1, sizeof(*devs));
	if (!devs) {
		nt_error("out of memory");
		nt_ipc_free_list(names);
		return 1;
	}
	for (i = 0; names[i]; i++) {
		struct tunctl_device *dev;
		int ret = get_for_field(names[i], field, &dev);

		if (ret) {
			/* A device deleted since the listing is not an error. */
			if (ret != -ENODEV)
				status = 1;
			continue;
		}
		if (json) {
			devs[count++] = dev;
			continue;
		}
		if (field && !strcmp(field, "stats")) {
			if (count++)
				putchar('\n');
			nt_human_print_stats(stdout, dev,
					     nt_human_wants_colour(stdout));
		} else if (field) {
			nt_dump_print_field(stdout, dev, field, true);
		} else {
			if (count++)
				putchar('\n');
			nt_human_print(stdout, dev,
				       nt_human_wants_colour(stdout));
		}
		nt_model_device_free(dev);
	}
	if (json)
		nt_json_print(stdout, devs, count);
	for (i = 0; json && i < count; i++)
		nt_model_device_free(devs[i]);
	free(devs);
	nt_ipc_free_list(names);
	return status;
}

int nt_show_main(int argc, const char *argv[])
{
	const char *words[3] = { NULL, NULL, NULL };
	struct tunctl_device *dev;
	bool json = false;
	int i, n = 0;

	if (nt_subcommand_wants_help(argc, argv)) {
		nt_subcommand_print_usage(stdout, "show");
		return 0;
	}
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
			continue;
		}
		if (n == 3 || (n == 2 && strcmp(words[1], "peer"))) {
			nt_error("too many arguments, starting at '%s'", argv[i]);
			return usage_error();
		}
		words[n++] = argv[i];
	}
	if (words[1] && !strcmp(words[1], "peer")) {
		if (!words[2]) {
			nt_error("'peer' expects a base64 public key, got nothing");
			return usage_error();
		}
		if (!strcmp(words[0], "all") || !strcmp(words[0], "interfaces")) {
			nt_error("'peer' needs an interface name, not '%s'",
				 words[0]);
			return usage_error();
		}
		return show_peer(words[0], words[2], json);
	}
	if (words[1] && strcmp(words[1], "stats") &&
	    !nt_dump_is_field(words[1])) {
		nt_error("unknown field '%s'; expected one of %s, stats",
			 words[1], nt_dump_field_list);
		return usage_error();
	}
	if (words[1] && json) {
		nt_error("'--json' prints whole devices; it cannot be combined with '%s'",
			 words[1]);
		return usage_error();
	}
	if (!words[0] || !strcmp(words[0], "all"))
		return show_all(words[1], json);
	if (!strcmp(words[0], "interfaces")) {
		if (words[1]) {
			nt_error("'interfaces' takes no field, got '%s'", words[1]);
			return usage_error();
		}
		return show_interfaces(json);
	}
	if (get_for_field(words[0], words[1], &dev))
		return 1;
	if (json)
		nt_json_print(stdout, &dev, 1);
	else if (words[1] && !strcmp(words[1], "stats"))
		nt_human_print_stats(stdout, dev,
				     nt_human_wants_colour(stdout));
	else if (words[1])
		nt_dump_print_field(stdout, dev, words[1], false);
	else
		nt_human_print(stdout, dev, nt_human_wants_colour(stdout));
	nt_model_device_free(dev);
	return 0;
}
