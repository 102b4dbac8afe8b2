// SPDX-License-Identifier: GPL-2.0
/*
 * The `show --json` printer: the whole model as one JSON document.
 *
 *   {"interfaces": [{"name", "ifindex", "public_key", "private_key",
 *     "listen_port", "fwmark", "drops": {REASON: N, ...},
 *     "cookies_sent", "handshakes_answered", "under_load_ns",
 *     "handshake_queue_len", "unknown_peer_events" (true or false),
 *     "peers": [{"public_key", "preshared_key", "endpoint",
 *       "allowed_ips": ["10.0.0.0/24", ...], "latest_handshake",
 *       "rx_bytes", "tx_bytes", "rx_packets", "tx_packets",
 *       "handshake_attempts", "persistent_keepalive", "disabled",
 *       "description", "drops": {...}, "latest_receive",
 *       "last_handshake_rtt_ns", "handshakes_completed",
 *       "handshakes_failed", "cookies_received"}, ...]}, ...]}
 *
 * Keys are base64 as in `dump` (the kernel answers only CAP_NET_ADMIN
 * callers, who may read them); an absent key or endpoint is null;
 * "latest_handshake" and "latest_receive" are unix seconds, 0 for never;
 * "fwmark" and "persistent_keepalive" are 0 when off; "disabled" is a
 * boolean and "description" a string, null when none. Drop reasons use the names of
 * the uapi header's comments.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netdb.h>

#include "format.h"
#include "json.h"
#include "key.h"
#include "model.h"

/*
 * A JSON string: interface names and peer descriptions, which the kernel
 * keeps to UTF-8 without control characters; these are escaped anyway.
 */
void nt_json_print_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void print_key_or_null(FILE *out, const uint8_t key[NOISETUN_KEY_LEN],
			      bool present)
{
	char b64[NT_KEY_B64_LEN + 1];

	if (!present) {
		fputs("null", out);
		return;
	}
	nt_key_to_base64(b64, key);
	nt_json_print_string(out, b64);
}

static void print_drops(FILE *out, const uint64_t *counts, const char *indent)
{
	bool first = true;
	unsigned int i;

	fputc('{', out);
	for (i = 1; i <= NOISETUN_A_DROP_MAX; i++) {
		fprintf(out, "%s\n%s  ", first ? "" : ",", indent);
		nt_json_print_string(out, nt_model_drop_name(i));
		fprintf(out, ": %" PRIu64, counts[i]);
		first = false;
	}
	fprintf(out, "\n%s}", indent);
}

static void print_json_peer(FILE *out, const struct tunctl_peer *p)
{
	char text[NI_MAXHOST + NI_MAXSERV + 4];
	size_t i;

	fputs("        {\n          \"public_key\": ", out);
	print_key_or_null(out, p->public_key, true);
	fputs(",\n          \"preshared_key\": ", out);
	print_key_or_null(out, p->preshared_key,
			  p->flags & TUNCTL_PEER_HAS_PRESHARED_KEY);
	fputs(",\n          \"endpoint\": ", out);
	if (p->flags & TUNCTL_PEER_HAS_ENDPOINT)
		nt_json_print_string(out, nt_format_endpoint(text, sizeof(text),
						     &p->endpoint));
	else
		fputs("null", out);
	fputs(",\n          \"allowed_ips\": [", out);
	for (i = 0; i < p->allowedips_len; i++) {
		fprintf(out, "%s\"%s/%u\"", i ? ", " : "",
			nt_format_allowedip(text, sizeof(text),
					    &p->allowedips[i]),
			p->allowedips[i].cidr);
	}
	fprintf(out, "],\n          \"latest_handshake\": %lld",
		(long long)p->last_handshake_sec);
	fprintf(out, ",\n          \"rx_bytes\": %" PRIu64, p->rx_bytes);
	fprintf(out, ",\n          \"tx_bytes\": %" PRIu64, p->tx_bytes);
	fprintf(out, ",\n          \"rx_packets\": %" PRIu64, p->rx_packets);
	fprintf(out, ",\n          \"tx_packets\": %" PRIu64, p->tx_packets);
	fprintf(out, ",\n          \"handshake_attempts\": %" PRIu64,
		p->handshake_attempts);
	fprintf(out, ",\n          \"persistent_keepalive\": %u",
		p->keepalive_seconds);
	fprintf(out, ",\n          \"disabled\": %s",
		p->disabled ? "true" : "false");
	fputs(",\n          \"description\": ", out);
	if (p->description[0])
		nt_json_print_string(out, p->description);
	else
		fputs("null", out);
	fputs(",\n          \"drops\": ", out);
	print_drops(out, p->drops, "          ");
	fprintf(out, ",\n          \"latest_receive\": %lld",
		(long long)p->last_rx_sec);
	fprintf(out, ",\n          \"last_handshake_rtt_ns\": %" PRIu64,
		p->last_handshake_rtt_ns);
	fprintf(out, ",\n          \"handshakes_completed\": %" PRIu64,
		p->handshakes_completed);
	fprintf(out, ",\n          \"handshakes_failed\": %" PRIu64,
		p->handshakes_failed);
	fprintf(out, ",\n          \"cookies_received\": %" PRIu64,
		p->cookies_received);
	fputs("\n        }", out);
}

static void print_device(FILE *out, const struct tunctl_device *dev)
{
	size_t i;

	fputs("    {\n      \"name\": ", out);
	nt_json_print_string(out, dev->name);
	fprintf(out, ",\n      \"ifindex\": %u", dev->ifindex);
	fputs(",\n      \"public_key\": ", out);
	print_key_or_null(out, dev->public_key,
			  dev->flags & TUNCTL_DEVICE_HAS_PUBLIC_KEY);
	fputs(",\n      \"private_key\": ", out);
	print_key_or_null(out, dev->private_key,
			  dev->flags & TUNCTL_DEVICE_HAS_PRIVATE_KEY);
	fprintf(out, ",\n      \"listen_port\": %u", dev->listen_port);
	fprintf(out, ",\n      \"fwmark\": %u", dev->fwmark);
	fputs(",\n      \"drops\": ", out);
	print_drops(out, dev->drops, "      ");
	fprintf(out, ",\n      \"cookies_sent\": %" PRIu64, dev->cookies_sent);
	fprintf(out, ",\n      \"handshakes_answered\": %" PRIu64,
		dev->handshakes_answered);
	fprintf(out, ",\n      \"under_load_ns\": %" PRIu64,
		dev->under_load_ns);
	fprintf(out, ",\n      \"handshake_queue_len\": %u",
		dev->handshake_queue_len);
	fprintf(out, ",\n      \"unknown_peer_events\": %s",
		dev->unknown_peer_events ? "true" : "false");
	fputs(",\n      \"peers\": [", out);
	for (i = 0; i < dev->peers_len; i++) {
		fputs(i ? ",\n" : "\n", out);
		print_json_peer(out, &dev->peers[i]);
	}
	fputs(dev->peers_len ? "\n      ]\n    }" : "]\n    }", out);
}

void nt_json_print(FILE *out, struct tunctl_device *const *devs, size_t count)
{
	size_t i;

	fputs("{\n  \"interfaces\": [", out);
	for (i = 0; i < count; i++) {
		fputs(i ? ",\n" : "\n", out);
		print_device(out, devs[i]);
	}
	fputs(count ? "\n  ]\n}\n" : "]\n}\n", out);
}

void nt_json_print_names(FILE *out, char *const *names)
{
	size_t i;

	fputs("{\n  \"interfaces\": [", out);
	for (i = 0; names[i]; i++) {
		fputs(i ? ",\n    {\"name\": " : "\n    {\"name\": ", out);
		nt_json_print_string(out, names[i]);
		fputc('}', out);
	}
	fputs(i ? "\n  ]\n}\n" : "]\n}\n", out);
}
