// SPDX-License-Identifier: GPL-2.0
/*
 * The tab-separated `show IFACE FIELD` forms and `dump`, in wg's format:
 * "(none)" for a missing key, endpoint or allowed-IP list, "off" for a
 * zero fwmark or keepalive, 0 for "never" and for empty counters.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netdb.h>
#include <string.h>

#include "dump.h"
#include "format.h"
#include "key.h"
#include "model.h"
#include "value.h"

const char nt_dump_field_list[] =
	"public-key, private-key, listen-port, fwmark, peers, preshared-keys, endpoints, allowed-ips, latest-handshakes, persistent-keepalive, transfer, dump";

static const char *const fields[] = {
	"public-key", "private-key", "listen-port", "fwmark", "peers",
	"preshared-keys", "endpoints", "allowed-ips", "latest-handshakes",
	"persistent-keepalive", "transfer", "dump",
};

bool nt_dump_is_field(const char *field)
{
	return NT_VALUE_FIND_NAME(fields, field, false) >= 0;
}

static const char *format_key(char *buf, const uint8_t key[NOISETUN_KEY_LEN],
			      bool present)
{
	if (!present)
		return "(none)";
	nt_key_to_base64(buf, key);
	return buf;
}

static const char *format_psk(char *buf, const struct tunctl_peer *peer)
{
	return format_key(buf, peer->preshared_key,
			  peer->flags & TUNCTL_PEER_HAS_PRESHARED_KEY);
}

static void print_allowedips(FILE *out, const struct tunctl_peer *peer,
			     char sep, char end)
{
	char text[INET6_ADDRSTRLEN];
	size_t i;

	if (!peer->allowedips_len) {
		fprintf(out, "(none)%c", end);
		return;
	}
	for (i = 0; i < peer->allowedips_len; i++)
		fprintf(out, "%s/%u%c",
			nt_format_allowedip(text, sizeof(text),
					    &peer->allowedips[i]),
			peer->allowedips[i].cidr,
			i + 1 < peer->allowedips_len ? sep : end);
}

static void print_endpoint(FILE *out, const struct tunctl_peer *peer, char end)
{
	char text[NI_MAXHOST + NI_MAXSERV + 4];

	if (peer->flags & TUNCTL_PEER_HAS_ENDPOINT)
		fprintf(out, "%s%c",
			nt_format_endpoint(text, sizeof(text), &peer->endpoint),
			end);
	else
		fprintf(out, "(none)%c", end);
}

static void print_fwmark(FILE *out, uint32_t mark)
{
	if (mark)
		fprintf(out, "0x%x\n", mark);
	else
		fputs("off\n", out);
}

static void print_keepalive(FILE *out, uint16_t seconds)
{
	if (seconds)
		fprintf(out, "%u\n", seconds);
	else
		fputs("off\n", out);
}

static void print_dump(FILE *out, const struct tunctl_device *dev,
		       const char *prefix)
{
	char b64[NT_KEY_B64_LEN + 1];
	size_t i;

	fprintf(out, "%s%s\t", prefix,
		format_key(b64, dev->private_key,
			   dev->flags & TUNCTL_DEVICE_HAS_PRIVATE_KEY));
	fprintf(out, "%s\t%u\t",
		format_key(b64, dev->public_key,
			   dev->flags & TUNCTL_DEVICE_HAS_PUBLIC_KEY),
		dev->listen_port);
	print_fwmark(out, dev->fwmark);
	for (i = 0; i < dev->peers_len; i++) {
		const struct tunctl_peer *peer = &dev->peers[i];

		nt_key_to_base64(b64, peer->public_key);
		fprintf(out, "%s%s\t", prefix, b64);
		fprintf(out, "%s\t", format_psk(b64, peer));
		print_endpoint(out, peer, '\t');
		print_allowedips(out, peer, ',', '\t');
		fprintf(out, "%llu\t%" PRIu64 "\t%" PRIu64 "\t",
			(unsigned long long)peer->last_handshake_sec,
			peer->rx_bytes, peer->tx_bytes);
		print_keepalive(out, peer->keepalive_seconds);
	}
}

void nt_dump_print_field(FILE *out, const struct tunctl_device *dev,
			 const char *field, bool with_name)
{
	char prefix[IFNAMSIZ + 1] = "", b64[NT_KEY_B64_LEN + 1];
	size_t i;

	if (with_name)
		snprintf(prefix, sizeof(prefix), "%s\t", dev->name);

	if (!strcmp(field, "dump")) {
		print_dump(out, dev, prefix);
	} else if (!strcmp(field, "public-key")) {
		fprintf(out, "%s%s\n", prefix,
			format_key(b64, dev->public_key,
				   dev->flags & TUNCTL_DEVICE_HAS_PUBLIC_KEY));
	} else if (!strcmp(field, "private-key")) {
		fprintf(out, "%s%s\n", prefix,
			format_key(b64, dev->private_key,
				   dev->flags & TUNCTL_DEVICE_HAS_PRIVATE_KEY));
	} else if (!strcmp(field, "listen-port")) {
		fprintf(out, "%s%u\n", prefix, dev->listen_port);
	} else if (!strcmp(field, "fwmark")) {
		fputs(prefix, out);
		print_fwmark(out, dev->fwmark);
	} else {
		/* The per-peer fields: one line per peer. */
		for (i = 0; i < dev->peers_len; i++) {
			const struct tunctl_peer *peer = &dev->peers[i];

			nt_key_to_base64(b64, peer->public_key);
			fprintf(out, "%s%s", prefix, b64);
			if (!strcmp(field, "peers")) {
				fputc('\n', out);
			} else if (!strcmp(field, "preshared-keys")) {
				fprintf(out, "\t%s\n", format_psk(b64, peer));
			} else if (!strcmp(field, "endpoints")) {
				fputc('\t', out);
				print_endpoint(out, peer, '\n');
			} else if (!strcmp(field, "allowed-ips")) {
				fputc('\t', out);
				print_allowedips(out, peer, ' ', '\n');
			} else if (!strcmp(field, "latest-handshakes")) {
				fprintf(out, "\t%llu\n",
					(unsigned long long)peer->last_handshake_sec);
			} else if (!strcmp(field, "transfer")) {
				fprintf(out, "\t%" PRIu64 "\t%" PRIu64 "\n",
					peer->rx_bytes, peer->tx_bytes);
			} else if (!strcmp(field, "persistent-keepalive")) {
				fputc('\t', out);
				print_keepalive(out, peer->keepalive_seconds);
			}
		}
	}
}
