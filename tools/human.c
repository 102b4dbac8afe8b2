// SPDX-License-Identifier: GPL-2.0
/*
 * The human `show` printer, in wg's words, layout and ANSI colours.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "format.h"
#include "human.h"
#include "key.h"
#include "model.h"

#define RESET "\x1b[0m"
#define BOLD "\x1b[1m"
#define RED "\x1b[31m"
#define GREEN "\x1b[32m"
#define YELLOW "\x1b[33m"
#define CYAN "\x1b[36m"

struct human {
	FILE *out;
	bool colour;
};

/* An escape sequence, or nothing without colour. */
static const char *esc(const struct human *h, const char *code)
{
	return h->colour ? code : "";
}

bool nt_human_wants_colour(FILE *out)
{
	const char *mode = getenv("WG_COLOR_MODE");

	if (mode && !strcmp(mode, "always"))
		return true;
	if (mode && !strcmp(mode, "never"))
		return false;
	return isatty(fileno(out));
}

/* "1 year, 2 days, 1 hour, 5 minutes, 1 second"; nothing for 0. */
static void print_duration(const struct human *h, unsigned long long left)
{
	static const struct {
		const char *unit;
		unsigned long long seconds;
	} units[] = {
		{ "year", 365ULL * 24 * 60 * 60 },
		{ "day", 24 * 60 * 60 },
		{ "hour", 60 * 60 },
		{ "minute", 60 },
		{ "second", 1 },
	};
	bool first = true;
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		unsigned long long n = left / units[i].seconds;

		left %= units[i].seconds;
		if (!n)
			continue;
		fprintf(h->out, "%s%llu %s%s%s%s", first ? "" : ", ", n,
			esc(h, CYAN), units[i].unit, n == 1 ? "" : "s",
			esc(h, RESET));
		first = false;
	}
}

/* How long ago the wall-clock second @then was; @never when it is 0. */
static void print_ago(const struct human *h, int64_t then, const char *never)
{
	int64_t now = time(NULL);

	if (!then) {
		fputs(never, h->out);
	} else if (now == then) {
		fputs("Now", h->out);
	} else if (now < then) {
		fprintf(h->out, "(%sSystem clock wound backward; connection problems may ensue.%s)",
			esc(h, RED), esc(h, RESET));
	} else {
		/* Unsigned: a wild reply must not overflow the subtraction. */
		print_duration(h, (unsigned long long)now -
				  (unsigned long long)then);
		fputs(" ago", h->out);
	}
}

static void print_bytes(const struct human *h, uint64_t b)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = b;
	unsigned int u = 0;

	if (b < 1024) {
		fprintf(h->out, "%u %sB%s", (unsigned int)b, esc(h, CYAN),
			esc(h, RESET));
		return;
	}
	v /= 1024;
	while (u < 3 && b >= 1024ULL << (10 * (u + 1))) {
		v /= 1024;
		u++;
	}
	fprintf(h->out, "%.2f %s%s%s", v, esc(h, CYAN), units[u], esc(h, RESET));
}

static const char *format_secret(char *buf, const uint8_t key[NOISETUN_KEY_LEN])
{
	const char *mode = getenv("WG_HIDE_KEYS");

	if (mode && !strcmp(mode, "never")) {
		nt_key_to_base64(buf, key);
		return buf;
	}
	return "(hidden)";
}

static int newer_first(const void *a, const void *b, void *devp)
{
	const struct tunctl_device *dev = devp;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	const struct tunctl_peer *p = &dev->peers[i], *q = &dev->peers[j];
	bool p_never = !p->last_handshake_sec && !p->last_handshake_nsec;
	bool q_never = !q->last_handshake_sec && !q->last_handshake_nsec;

	if (p_never != q_never)
		return p_never ? 1 : -1;
	if (p->last_handshake_sec != q->last_handshake_sec)
		return p->last_handshake_sec > q->last_handshake_sec ? -1 : 1;
	if (p->last_handshake_nsec != q->last_handshake_nsec)
		return p->last_handshake_nsec > q->last_handshake_nsec ? -1 : 1;
	return i < j ? -1 : i > j;	/* keep the kernel's order */
}

/* "  NAME: ", NAME in bold: the start of a field's line. */
static void print_label(const struct human *h, const char *name)
{
	fprintf(h->out, "  %s%s%s: ", esc(h, BOLD), name, esc(h, RESET));
}

/* A field's whole line: its label, then @fmt's text. */
static void __attribute__((format(printf, 3, 4)))
print_field(const struct human *h, const char *name, const char *fmt, ...)
{
	va_list ap;

	print_label(h, name);
	va_start(ap, fmt);
	vfprintf(h->out, fmt, ap);
	va_end(ap);
}

/* The first line of a device's section. */
static void print_interface(const struct human *h, const char *name)
{
	fprintf(h->out, "%s%s%sinterface%s: %s%s%s\n", esc(h, RESET),
		esc(h, GREEN), esc(h, BOLD), esc(h, RESET), esc(h, GREEN),
		name, esc(h, RESET));
}

/* The first line of a peer's section. */
static void print_peer_key(const struct human *h, const uint8_t *key)
{
	char b64[NT_KEY_B64_LEN + 1];

	nt_key_to_base64(b64, key);
	fprintf(h->out, "%s%speer%s: %s%s%s\n", esc(h, YELLOW), esc(h, BOLD),
		esc(h, RESET), esc(h, YELLOW), b64, esc(h, RESET));
}

/* "transfer: X received, Y sent", without its newline. */
static void print_transfer(const struct human *h,
			   const struct tunctl_peer *peer)
{
	print_label(h, "transfer");
	print_bytes(h, peer->rx_bytes);
	fputs(" received, ", h->out);
	print_bytes(h, peer->tx_bytes);
	fputs(" sent", h->out);
}

static void print_human_peer(const struct human *h,
			     const struct tunctl_peer *peer)
{
	char b64[NT_KEY_B64_LEN + 1], text[INET6_ADDRSTRLEN + 64];
	size_t i;

	print_peer_key(h, peer->public_key);
	/* noisetun's own lines, only when set: else wg's output. */
	if (peer->description[0])
		print_field(h, "description", "%s\n", peer->description);
	if (peer->disabled)
		print_field(h, "disabled", "%syes%s\n", esc(h, RED),
			    esc(h, RESET));
	if (peer->flags & TUNCTL_PEER_HAS_PRESHARED_KEY)
		print_field(h, "preshared key", "%s\n",
			    format_secret(b64, peer->preshared_key));
	if (peer->flags & TUNCTL_PEER_HAS_ENDPOINT)
		print_field(h, "endpoint", "%s\n",
			    nt_format_endpoint(text, sizeof(text),
					       &peer->endpoint));
	print_label(h, "allowed ips");
	for (i = 0; i < peer->allowedips_len; i++)
		fprintf(h->out, "%s%s/%s%u%s",
			nt_format_allowedip(text, sizeof(text),
					    &peer->allowedips[i]),
			esc(h, CYAN), esc(h, RESET), peer->allowedips[i].cidr,
			i + 1 < peer->allowedips_len ? ", " : "\n");
	if (!peer->allowedips_len)
		fputs("(none)\n", h->out);
	if (peer->last_handshake_sec) {
		print_label(h, "latest handshake");
		print_ago(h, peer->last_handshake_sec, "never");
		fputc('\n', h->out);
	}
	if (peer->rx_bytes || peer->tx_bytes) {
		print_transfer(h, peer);
		fputc('\n', h->out);
	}
	if (peer->keepalive_seconds) {
		print_field(h, "persistent keepalive", "every ");
		print_duration(h, peer->keepalive_seconds);
		fputc('\n', h->out);
	}
}

void nt_human_print(FILE *out, const struct tunctl_device *dev, bool colour)
{
	const struct human h = { .out = out, .colour = colour };
	char b64[NT_KEY_B64_LEN + 1];
	size_t *order, i;

	print_interface(&h, dev->name);
	if (dev->flags & TUNCTL_DEVICE_HAS_PUBLIC_KEY) {
		nt_key_to_base64(b64, dev->public_key);
		print_field(&h, "public key", "%s\n", b64);
	}
	if (dev->flags & TUNCTL_DEVICE_HAS_PRIVATE_KEY)
		print_field(&h, "private key", "%s\n",
			    format_secret(b64, dev->private_key));
	if (dev->listen_port)
		print_field(&h, "listening port", "%u\n", dev->listen_port);
	if (dev->fwmark)
		print_field(&h, "fwmark", "0x%x\n", dev->fwmark);
	/* Only when on: wg's layout otherwise. */
	if (dev->unknown_peer_events)
		print_field(&h, "unknown peer events", "on\n");
	if (!dev->peers_len)
		return;
	fputc('\n', out);

	order = malloc(dev->peers_len * sizeof(*order));
	for (i = 0; i < dev->peers_len; i++) {
		if (order)
			order[i] = i;
	}
	if (order)
		qsort_r(order, dev->peers_len, sizeof(*order), newer_first,
			(void *)dev);
	for (i = 0; i < dev->peers_len; i++) {
		print_human_peer(&h, &dev->peers[order ? order[i] : i]);
		if (i + 1 < dev->peers_len)
			fputc('\n', out);
	}
	free(order);
}

/* ---- `show IFACE stats` ---- */

/*
 * "1.234 ms", "12.5 s": a duration in the unit that reads best; @zero
 * when it is 0 (none measured).
 */
static void print_ns(const struct human *h, uint64_t ns, const char *zero)
{
	if (!ns)
		fputs(zero, h->out);
	else if (ns < 1000000)
		fprintf(h->out, "%.1f %sus%s", ns / 1e3, esc(h, CYAN),
			esc(h, RESET));
	else if (ns < 1000000000)
		fprintf(h->out, "%.3f %sms%s", ns / 1e6, esc(h, CYAN),
			esc(h, RESET));
	else
		fprintf(h->out, "%.1f %ss%s", ns / 1e9, esc(h, CYAN),
			esc(h, RESET));
}

/* "bad_mac1 2, replay 1", the non-zero drop counters; "none". */
static void print_drop_list(const struct human *h, const uint64_t *drops)
{
	bool any = false;
	unsigned int i;

	for (i = 1; i <= NOISETUN_A_DROP_MAX; i++) {
		if (!drops[i])
			continue;
		fprintf(h->out, "%s%s %llu", any ? ", " : "",
			nt_model_drop_name(i), (unsigned long long)drops[i]);
		any = true;
	}
	fputs(any ? "\n" : "none\n", h->out);
}

static void print_peer_stats(const struct human *h,
			     const struct tunctl_peer *peer)
{
	print_peer_key(h, peer->public_key);
	print_label(h, "last received");
	print_ago(h, peer->last_rx_sec, "never");
	fputc('\n', h->out);
	print_field(h, "handshakes",
		    "%llu completed, %llu failed, %llu initiations sent\n",
		    (unsigned long long)peer->handshakes_completed,
		    (unsigned long long)peer->handshakes_failed,
		    (unsigned long long)peer->handshake_attempts);
	print_label(h, "last handshake round trip");
	print_ns(h, peer->last_handshake_rtt_ns, "none yet");
	fputc('\n', h->out);
	print_field(h, "cookie replies received", "%llu\n",
		    (unsigned long long)peer->cookies_received);
	print_field(h, "packets", "%llu received, %llu sent\n",
		    (unsigned long long)peer->rx_packets,
		    (unsigned long long)peer->tx_packets);
	print_transfer(h, peer);
	fputc('\n', h->out);
	print_label(h, "drops");
	print_drop_list(h, peer->drops);
}

void nt_human_print_stats(FILE *out, const struct tunctl_device *dev,
			  bool colour)
{
	const struct human h = { .out = out, .colour = colour };
	size_t i;

	print_interface(&h, dev->name);
	print_field(&h, "handshakes answered", "%llu\n",
		    (unsigned long long)dev->handshakes_answered);
	print_field(&h, "cookie replies sent", "%llu\n",
		    (unsigned long long)dev->cookies_sent);
	print_label(&h, "under load");
	print_ns(&h, dev->under_load_ns, "never");
	fputc('\n', out);
	print_field(&h, "handshake queue", "%u waiting\n",
		    dev->handshake_queue_len);
	print_label(&h, "drops");
	print_drop_list(&h, dev->drops);
	for (i = 0; i < dev->peers_len; i++) {
		fputc('\n', out);
		print_peer_stats(&h, &dev->peers[i]);
	}
}
