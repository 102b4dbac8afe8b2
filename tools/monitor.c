// SPDX-License-Identifier: GPL-2.0
/*
 * tunctl monitor [IFACE] [--json]
 *
 * Joins the family's "events" group (ipc.c), prints each event (parsed by
 * uapi.c) as one line, and stops on SIGINT or SIGTERM. The signals are
 * blocked except while waiting for the socket (ppoll), so one that
 * arrives while an event is printed is not lost and never interrupts a
 * line half-written.
 */
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>

#include "error.h"
#include "format.h"
#include "ipc.h"
#include "json.h"
#include "key.h"
#include "model.h"
#include "monitor.h"
#include "subcommands.h"
#include "uapi.h"

/*
 * Each event's name (JSON's "event") and, for those that carry nothing but
 * the peer or the device, what the human line says of it.
 */
static const struct event_text {
	const char *name;
	const char *says;
} event_texts[] = {
	[NOISETUN_CMD_EVENT_HANDSHAKE_COMPLETE] = { "handshake-complete", NULL },
	[NOISETUN_CMD_EVENT_HANDSHAKE_GIVEN_UP] = { "handshake-given-up", NULL },
	[NOISETUN_CMD_EVENT_ENDPOINT_CHANGED] = { "endpoint-changed", NULL },
	[NOISETUN_CMD_EVENT_PEER_ADDED] = { "peer-added", "added" },
	[NOISETUN_CMD_EVENT_PEER_REMOVED] = { "peer-removed", "removed" },
	[NOISETUN_CMD_EVENT_PEER_CHANGED] = { "peer-changed", NULL },
	[NOISETUN_CMD_EVENT_DEVICE_KEY_CHANGED] = { "device-key-changed", NULL },
	[NOISETUN_CMD_EVENT_KEYS_ZEROED] = { "keys-zeroed",
					     "session expired, keys zeroed" },
	[NOISETUN_CMD_EVENT_UNKNOWN_PEER] = { "unknown-peer", NULL },
	[NOISETUN_CMD_EVENT_DEVICE_REMOVED] = { "device-removed",
						"device removed, with its peers" },
};

/* NULL: not an event of this tool's uAPI. */
static const struct event_text *event_text(uint8_t cmd)
{
	if (cmd < sizeof(event_texts) / sizeof(event_texts[0]) &&
	    event_texts[cmd].name)
		return &event_texts[cmd];
	return NULL;
}

static const char *const role_names[] = {
	[NOISETUN_EVENT_ROLE_INITIATOR] = "initiator",
	[NOISETUN_EVENT_ROLE_RESPONDER] = "responder",
};

static const char *role_name(uint32_t role)
{
	if (role < sizeof(role_names) / sizeof(role_names[0]) &&
	    role_names[role])
		return role_names[role];
	return "unknown";
}

static const struct {
	uint32_t bit;
	const char *name;
} change_names[] = {
	{ NOISETUN_EVENT_CHANGE_PRESHARED_KEY, "preshared-key" },
	{ NOISETUN_EVENT_CHANGE_ENDPOINT, "endpoint" },
	{ NOISETUN_EVENT_CHANGE_ALLOWEDIPS, "allowed-ips" },
	{ NOISETUN_EVENT_CHANGE_PERSISTENT_KEEPALIVE, "persistent-keepalive" },
	{ NOISETUN_EVENT_CHANGE_DISABLED, "disabled" },
	{ NOISETUN_EVENT_CHANGE_DESCRIPTION, "description" },
};

#define CHANGE_NAMES (sizeof(change_names) / sizeof(change_names[0]))

void nt_monitor_print_human(FILE *out, const struct nt_uapi_event *ev)
{
	char key[NT_KEY_B64_LEN + 1], endpoint[INET6_ADDRSTRLEN + 16];
	const struct event_text *text;
	const char *sep = ": ";
	size_t i;

	fprintf(out, "%s", *ev->ifname ? ev->ifname : "?");
	if (ev->has_peer_key) {
		nt_key_to_base64(key, ev->peer_key);
		fprintf(out, ": peer %s", key);
	}
	if (ev->has_endpoint)
		nt_format_endpoint(endpoint, sizeof(endpoint), &ev->endpoint);
	switch (ev->cmd) {
	case NOISETUN_CMD_EVENT_HANDSHAKE_COMPLETE:
		fprintf(out, ": handshake complete (%s", role_name(ev->role));
		if (ev->has_rtt)
			fprintf(out, ", round trip %" PRIu64 ".%03" PRIu64 " ms",
				ev->rtt_ns / 1000000, ev->rtt_ns / 1000 % 1000);
		if (ev->has_endpoint)
			fprintf(out, ", endpoint %s", endpoint);
		fputc(')', out);
		break;
	case NOISETUN_CMD_EVENT_HANDSHAKE_GIVEN_UP:
		fprintf(out, ": handshake given up after %u attempts",
			ev->attempts);
		break;
	case NOISETUN_CMD_EVENT_ENDPOINT_CHANGED:
		fprintf(out, ": endpoint changed to %s",
			ev->has_endpoint ? endpoint : "(none)");
		break;
	case NOISETUN_CMD_EVENT_PEER_CHANGED:
		fprintf(out, ": changed");
		for (i = 0; i < CHANGE_NAMES; i++) {
			if (ev->changes & change_names[i].bit) {
				fprintf(out, "%s%s", sep, change_names[i].name);
				sep = ", ";
			}
		}
		break;
	case NOISETUN_CMD_EVENT_DEVICE_KEY_CHANGED:
		if (ev->has_device_key) {
			nt_key_to_base64(key, ev->device_key);
			fprintf(out, ": public key changed to %s", key);
		} else {
			fprintf(out, ": private key removed");
		}
		break;
	case NOISETUN_CMD_EVENT_UNKNOWN_PEER:
		fprintf(out, ": unknown peer, initiation from %s dropped",
			ev->has_endpoint ? endpoint : "(unknown)");
		break;
	default:
		text = event_text(ev->cmd);
		if (text && text->says)
			fprintf(out, ": %s", text->says);
		else
			fprintf(out, ": unknown event %u", ev->cmd);
		break;
	}
	if (ev->unsent)
		fprintf(out, " [%" PRIu64 " events unsent by the kernel so far]",
			ev->unsent);
	fputc('\n', out);
}

static void json_key(FILE *out, const char *field, const uint8_t *k)
{
	char key[NT_KEY_B64_LEN + 1];

	nt_key_to_base64(key, k);
	fprintf(out, ", \"%s\": \"%s\"", field, key);
}

void nt_monitor_print_json(FILE *out, const struct nt_uapi_event *ev)
{
	char endpoint[INET6_ADDRSTRLEN + 16];
	const struct event_text *text = event_text(ev->cmd);
	bool first = true;
	size_t i;

	if (text)
		fprintf(out, "{\"event\": \"%s\"", text->name);
	else
		fprintf(out, "{\"event\": \"unknown\", \"command\": %u", ev->cmd);
	fprintf(out, ", \"interface\": ");
	nt_json_print_string(out, ev->ifname);
	fprintf(out, ", \"ifindex\": %u", ev->ifindex);
	if (ev->has_peer_key)
		json_key(out, "peer", ev->peer_key);
	if (ev->cmd == NOISETUN_CMD_EVENT_DEVICE_KEY_CHANGED) {
		if (ev->has_device_key)
			json_key(out, "public_key", ev->device_key);
		else
			fprintf(out, ", \"public_key\": null");
	}
	if (ev->role)
		fprintf(out, ", \"role\": \"%s\"", role_name(ev->role));
	if (ev->has_rtt)
		fprintf(out, ", \"rtt_ns\": %" PRIu64, ev->rtt_ns);
	if (ev->has_endpoint) {
		nt_format_endpoint(endpoint, sizeof(endpoint), &ev->endpoint);
		fprintf(out, ", \"endpoint\": \"%s\"", endpoint);
	}
	if (ev->cmd == NOISETUN_CMD_EVENT_HANDSHAKE_GIVEN_UP)
		fprintf(out, ", \"attempts\": %u", ev->attempts);
	if (ev->cmd == NOISETUN_CMD_EVENT_PEER_CHANGED) {
		fprintf(out, ", \"changes\": [");
		for (i = 0; i < CHANGE_NAMES; i++) {
			if (ev->changes & change_names[i].bit) {
				fprintf(out, "%s\"%s\"", first ? "" : ", ",
					change_names[i].name);
				first = false;
			}
		}
		fputc(']', out);
	}
	if (ev->unsent)
		fprintf(out, ", \"unsent\": %" PRIu64, ev->unsent);
	fprintf(out, "}\n");
}

void nt_monitor_print_lost(FILE *out, int json)
{
	if (json)
		fprintf(out, "{\"event\": \"lost\", \"reason\": \"overrun\"}\n");
	else
		fprintf(out, "events were lost: tunctl did not read them fast enough (socket overrun)\n");
}

struct monitor {
	const char *iface;
	bool json;
};

static int on_event(const struct nt_uapi_event *ev, void *data)
{
	struct monitor *m = data;

	if (m->iface && strcmp(m->iface, ev->ifname))
		return 0;
	if (m->json)
		nt_monitor_print_json(stdout, ev);
	else
		nt_monitor_print_human(stdout, ev);
	return fflush(stdout) ? -1 : 0;
}

static int on_lost(void *data)
{
	struct monitor *m = data;

	nt_monitor_print_lost(stdout, m->json);
	return fflush(stdout) ? -1 : 0;
}

static volatile sig_atomic_t stop_signal;

static void monitor_on_signal(int sig)
{
	stop_signal = sig;
}

int nt_monitor_main(int argc, const char *argv[])
{
	struct monitor m = { 0 };
	struct sigaction sa = { .sa_handler = monitor_on_signal };
	sigset_t block, wait_mask;
	int i, ret;

	if (nt_subcommand_wants_help(argc, argv)) {
		nt_subcommand_print_usage(stdout, "monitor");
		return 0;
	}
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			m.json = true;
		} else if (!m.iface && argv[i][0] != '-') {
			if (!nt_ipc_check_name(argv[i]))
				return 1;
			m.iface = argv[i];
		} else {
			nt_error("unexpected argument '%s'", argv[i]);
			nt_subcommand_print_usage(stderr, "monitor");
			return 1;
		}
	}

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &wait_mask);
	sigdelset(&wait_mask, SIGINT);
	sigdelset(&wait_mask, SIGTERM);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	ret = nt_ipc_monitor(on_event, on_lost, &m, &wait_mask, &stop_signal);
	return ret ? 1 : 0;
}
