// SPDX-License-Identifier: GPL-2.0
/*
 * evilpeer: a scriptable userspace WireGuard peer for the tests. It
 * handshakes with a device as the initiator and then sends exactly the
 * data messages a scenario asks for: pings, UDP datagrams, raw inner bytes
 * (IP or not, any length), keepalives, an in-order inner TCP flow, singly
 * or in UDP_SEGMENT (GSO) batches; it opens and counts what the device
 * sends back, and it can record sent messages and replay them later.
 *
 * Usage:
 *   evilpeer --key FILE --peer-key KEY|FILE --endpoint ADDR:PORT
 *	      [--psk FILE] [--bind ADDR:PORT] [--mtu N] [--record N]
 *	      [--addr4 ADDR --dev-addr4 ADDR] [--addr6 ADDR --dev-addr6 ADDR]
 *	      [COMMAND...]
 *
 *   --key       our private key (a file with one base64 key)
 *   --peer-key  the device's public key (base64, or a file holding it)
 *   --psk       the preshared key file, if the device has one for us
 *   --endpoint  the device's address: 192.0.2.1:51820 or [2001:db8::1]:51820
 *   --bind      our address and port (same family; default any, port 0)
 *   --addr4/6   our inner addresses; --dev-addr4/6 the device's, the
 *		 destination of pings and TCP/UDP flows
 *   --mtu       the tunnel MTU padding is capped at (default 1420)
 *   --record    keep the last N data messages sent, for `save` (default 0)
 *
 * With COMMAND arguments, each argument is one command line, run in
 * order (exit 0 when all said "ok", 1 otherwise). Without, commands are
 * read from stdin, one per line, so a scenario can run evilpeer as a
 * coprocess and act between commands. Every command answers with exactly
 * one line on stdout, flushed: "ok NAME key=value..." or "err NAME why".
 * Options are key=value words in any order; an unknown one is an error.
 *
 *   handshake [tries=3] [timeout=5000] [confirm=1]
 *	Send an initiation, take the response. A cookie reply is kept and
 *	the initiation retried at once with mac2; no answer in timeout ms
 *	is a new try. confirm=1 then sends a keepalive, so the device may
 *	use the new session at once. Answers local_index= remote_index=
 *	(hex) ms= tries= cookie=0|1.
 *   ping [v=4|6] [count=1] [size=56] [gso=1] [wait=2000] [src=A] [dst=A]
 *	ICMP echo requests to the device's inner address; waits up to wait
 *	ms for count replies. Answers sent= replies= sends=.
 *   udp [v=4|6] [count=1] [size=64] [port=9] [sport=4444] [gso=1] [src=A] [dst=A]
 *	UDP datagrams whose first 8 bytes are a sequence number (big-endian,
 *	counting on over the whole run). Answers sent= first_seq= sends=.
 *   raw [len=0] [fill=0] [hex=HEX] [count=1] [gso=1]
 *	Inner packets of raw bytes: len bytes of value fill, or the bytes of
 *	hex. Need not be IP at all. Answers sent= msglen= sends=.
 *   keepalive [count=1] [gso=1]
 *	Empty data messages.
 *   tcp-connect [v=4|6] port=N [mss=SEG] [timeout=5000] [src=A] [dst=A]
 *	SYN to the device's port, take its SYN-ACK, ACK it.
 *   tcp-send bytes=N [seg=S] [gso=50] [inflight=262144] [timeout=30000]
 *	The next N bytes of the stream ('a' to 'z' repeated), one segment
 *	of seg bytes per data message, gso messages per sendmsg, within the
 *	advertised window and at most inflight bytes unacknowledged, going
 *	back to the first unacknowledged byte after 250 ms without
 *	progress. Answers bytes= acked= segments= sends=
 *	retransmits= ms=; err when not all are acknowledged in time.
 *   tcp-close [timeout=5000]
 *	FIN; waits for its ACK and the device's FIN, and ACKs that.
 *   tcp-blast [v=4|6] port=N (bytes=N | ms=N) [seg=S] [gso=50] [src=A] [dst=A]
 *	In-order data segments (ACK set, no handshake, random ports and
 *	sequence numbers) to a port with no listener, for bytes or for ms;
 *	the device answers with RSTs. Answers bytes= segments= sends= rst= ms=.
 *   recv [ms=500]
 *	Take what arrives for ms, then answer as stats.
 *   stats
 *	Every counter (see struct ep_stats): rx_* by message type, rx_unknown_index,
 *	rx_auth_fail, rx_replay, what the opened messages carried (icmp_*,
 *	tcp_*, udp, inner_other) and tx_* (tx_data and tx_data_bytes count
 *	data messages and their bytes as the device counts them).
 *   reset-stats
 *   record n=N          keep the last N data messages sent from now on
 *   save file=PATH      write them (record.h has the format)
 *   replay file=PATH [count=N] [ms=N] [rate=PPS] [gso=1]
 *	Send the saved messages again as they are, in order and round: each
 *	once, or count messages, or for ms; at most rate a second. Answers
 *	sent= sends= errors= ms=.
 *   initiations [count=1] [rate=PPS] [reuse=0]
 *	Fresh initiations with a valid mac1 (and mac2 with a cookie), whose
 *	answers are only counted (for flood tests); reuse=1 makes one
 *	ephemeral key serve them all (the device's work per initiation is
 *	the same, ours much less). Answers sent= ms=.
 *   fuzz class=CLASS [seed=N] [count=N] [ms=N] [hsrate=200] [sync=200]
 *	  [from=0] [to=MTU+64] [step=1] [dense=0]
 *	Mutations of valid messages (fuzz.c): CLASS is init, response,
 *	cookie, data, inner, gso, frag or mix (see fuzz.h). Each
 *	datagram gets the outcome the device must give it, and the answer
 *	adds them up: sent= (datagrams or fragments), reach= (datagrams at
 *	the device's socket), kernel= (dropped by the IP layer before it),
 *	rx= rx_bytes= (the peer's counters), delivered= delivered_bytes=
 *	(the device's netdev rx counters), responses=, drop.REASON=N for
 *	each drop counter, errors= (failed sends: the sums are then void),
 *	syncs= sync_timeouts= (round trips every sync= data messages),
 *	seed= (give it back to make the same choices); mix runs every class
 *	at random for ms= (default 10000), handshaking again now and then,
 *	and adds c.CLASS= (datagrams per class) and handshakes=. hsrate=
 *	caps the handshake messages that pass mac1 a second, so the device
 *	is never under load. from= to= step= are inner's sizes; with
 *	step= over 1, dense= sizes at each end go one by one (and the steps
 *	between start at a random phase). response
 *	needs a recent initiation from the device (it waits up to 7 s),
 *	frag a raw socket and --bind with an address.
 *   sleep ms=N
 *   quit
 *
 * v= defaults to 4 when --addr4 was given, else 6; src= and dst= replace
 * the inner addresses (of that family). seg= defaults to the payload that
 * makes a 1040-byte inner packet (1000 bytes over IPv4, 980 over IPv6):
 * 60 such messages fit in one UDP_SEGMENT send. A gso= batch is cut where
 * UDP_SEGMENT needs it (a message longer than the first, or after a
 * shorter one) and at 64 segments or 64 KiB.
 *
 * Example, as a coprocess of a bash scenario:
 *   coproc EP { evilpeer --key k2 --peer-key p1 --endpoint 192.168.1.1:4001 \
 *		--bind 192.168.1.2:4002 --addr4 10.0.0.2 --dev-addr4 10.0.0.1; }
 *   echo handshake >&"${EP[1]}"; read -r reply <&"${EP[0]}"
 *
 * Exit status: 0 when every command said ok, 1 when one did not, 2 on a
 * usage or setup error.
 */
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "crypto.h"
#include "drop_names.h"
#include "evilpeer.h"
#include "fuzz.h"
#include "inner.h"
#include "record.h"
#include "transport.h"

#define MAX_ARGS	16
#define REPLY_MAX	2048
#define DEFAULT_GSO_TCP	50
/*
 * Bytes a TCP send keeps unacknowledged at most: about 250 messages, well
 * under the 1024 a device's receive ring holds, so a growing receive
 * window never makes the sender itself overflow the device.
 */
#define DEFAULT_INFLIGHT (256 * 1024)
/* The inner packet size the default TCP segment makes (see the usage). */
#define DEFAULT_TCP_PACKET 1040

uint64_t ep_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

uint64_t ep_now_ms(void)
{
	return ep_now_us() / 1000;
}

/* --- one command's words and its answer ------------------------------ */

struct args {
	const char *name;
	int n;
	char *key[MAX_ARGS];
	char *val[MAX_ARGS];
	bool used[MAX_ARGS];
};

struct reply {
	char text[REPLY_MAX];
	size_t len;
	bool failed;
};

static void reply_add(struct reply *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void reply_add(struct reply *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->len >= sizeof(r->text) - 1)
		return;
	r->text[r->len++] = ' ';
	va_start(ap, fmt);
	n = vsnprintf(r->text + r->len, sizeof(r->text) - r->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		r->len += (size_t)n < sizeof(r->text) - r->len ?
			  (size_t)n : sizeof(r->text) - r->len - 1;
}

/* The first failure says why; later ones (if any) are not added. */
static bool reply_fail(struct reply *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static bool reply_fail(struct reply *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->failed)
		return false;
	r->failed = true;
	r->len = 0;
	va_start(ap, fmt);
	n = vsnprintf(r->text, sizeof(r->text), fmt, ap);
	va_end(ap);
	r->len = n > 0 ? ((size_t)n < sizeof(r->text) ? (size_t)n :
			  sizeof(r->text) - 1) : 0;
	return false;
}

/* Split @line into the command name and key=value words. */
static bool args_split(char *line, struct args *a, struct reply *r)
{
	char *save = NULL, *word, *eq;

	memset(a, 0, sizeof(*a));
	a->name = strtok_r(line, " \t\r\n", &save);
	if (!a->name)
		return false;
	while ((word = strtok_r(NULL, " \t\r\n", &save))) {
		if (a->n == MAX_ARGS)
			return reply_fail(r, "too many options");
		eq = strchr(word, '=');
		if (!eq)
			return reply_fail(r, "'%s' is not key=value", word);
		*eq = '\0';
		a->key[a->n] = word;
		a->val[a->n] = eq + 1;
		a->n++;
	}
	return true;
}

static const char *arg_str(struct args *a, const char *key)
{
	int i;

	for (i = a->n - 1; i >= 0; i--)
		if (!strcmp(a->key[i], key)) {
			a->used[i] = true;
			return a->val[i];
		}
	return NULL;
}

static bool arg_u64(struct args *a, const char *key, uint64_t def, uint64_t min,
		    uint64_t max, uint64_t *out, struct reply *r)
{
	const char *s = arg_str(a, key);
	unsigned long long v;
	char *end;

	*out = def;
	if (!s)
		return true;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || !*s || *end || *s == '-' || v < min || v > max)
		return reply_fail(r, "%s=%s: expected %llu to %llu", key, s,
				  (unsigned long long)min,
				  (unsigned long long)max);
	*out = v;
	return true;
}

/* Every option was used: an unknown one is a typo, not silence. */
static bool args_all_used(struct args *a, struct reply *r)
{
	int i;

	for (i = 0; i < a->n; i++)
		if (!a->used[i])
			return reply_fail(r, "unknown option '%s'", a->key[i]);
	return !r->failed;
}

/* v=, src= and dst=: the inner addresses of a flow. */
static bool arg_flow(struct ep *ep, struct args *a, struct ep_flowaddr *addr,
		     struct reply *r)
{
	uint64_t v;
	const char *src, *dst;
	int af;

	if (!arg_u64(a, "v", ep->has_inner4 ? 4 : 6, 4, 6, &v, r))
		return false;
	if (v == 5)
		return reply_fail(r, "v=5: expected 4 or 6");
	src = arg_str(a, "src");
	dst = arg_str(a, "dst");
	if (!ep_inner_default_addr(ep, (int)v, addr) && (!src || !dst))
		return reply_fail(r, "no IPv%d inner addresses (--addr%d, --dev-addr%d, or src= dst=)",
				  (int)v, (int)v, (int)v);
	addr->version = (int)v;
	af = v == 4 ? AF_INET : AF_INET6;
	if (src && inet_pton(af, src, addr->src) != 1)
		return reply_fail(r, "src=%s: not an IPv%d address", src, (int)v);
	if (dst && inet_pton(af, dst, addr->dst) != 1)
		return reply_fail(r, "dst=%s: not an IPv%d address", dst, (int)v);
	return true;
}

static bool need_session(struct ep *ep, struct reply *r)
{
	return ep->cur.valid || reply_fail(r, "no session (handshake first)");
}

/* --- commands -------------------------------------------------------- */

struct handshake_wait {
	uint64_t cookie_birth_ms;
};

static bool handshake_answered(struct ep *ep, const void *arg)
{
	const struct handshake_wait *w = arg;

	return !ep->hs.pending || ep->id.cookie_birth_ms != w->cookie_birth_ms;
}

static void cmd_handshake(struct ep *ep, struct args *a, struct reply *r)
{
	uint64_t tries, timeout, confirm, try, start;
	struct message_initiation msg;
	struct handshake_wait w;
	bool cookie = false;

	if (!arg_u64(a, "tries", 3, 1, 1000, &tries, r) ||
	    !arg_u64(a, "timeout", REKEY_TIMEOUT_MS, 1, 3600000, &timeout, r) ||
	    !arg_u64(a, "confirm", 1, 0, 1, &confirm, r) ||
	    !args_all_used(a, r))
		return;
	start = ep_now_ms();
	for (try = 1; try <= tries; try++) {
		if (!ep_noise_create_initiation(&ep->id, &ep->hs, &msg,
						ep_now_ms(), NULL)) {
			reply_fail(r, "a DH result was zero (low-order key?)");
			return;
		}
		w.cookie_birth_ms = ep->id.cookie_birth_ms;
		if (ep_send_message(ep, &msg, sizeof(msg)))
			ep->st.tx_initiation++;
		if (!ep_receive_until(ep, (int)timeout, handshake_answered, &w))
			continue;
		if (!ep->hs.pending)
			break;
		/* A cookie reply: the next try carries mac2. */
		cookie = true;
	}
	if (ep->hs.pending) {
		ep->hs.pending = false;
		reply_fail(r, "no response after %llu tries",
			   (unsigned long long)tries);
		return;
	}
	if (confirm)
		ep_send_inner(ep, NULL, 0);
	reply_add(r, "local_index=%08x", ep->cur.local_index);
	reply_add(r, "remote_index=%08x", ep->cur.remote_index);
	reply_add(r, "ms=%llu", (unsigned long long)(ep->handshake_done_ms - start));
	reply_add(r, "tries=%llu", (unsigned long long)try);
	reply_add(r, "cookie=%d", cookie);
}

/* Inner packets built by a command, sealed and sent in batches. */
static uint8_t packet[MAX_INNER_LEN + 128];
static struct ep_batch batch;

static bool ping_replies(struct ep *ep, const void *arg)
{
	return ep->st.icmp_echo_reply >= *(const uint64_t *)arg;
}

static void cmd_ping(struct ep *ep, struct args *a, struct reply *r)
{
	uint64_t count, size, gso, wait, i, want, sends = ep->st.tx_sends;
	uint64_t replies = ep->st.icmp_echo_reply;
	struct ep_flowaddr addr;
	size_t len;

	if (!arg_flow(ep, a, &addr, r) ||
	    !arg_u64(a, "count", 1, 0, 100000000, &count, r) ||
	    !arg_u64(a, "size", 56, 0, MAX_INNER_LEN - 48, &size, r) ||
	    !arg_u64(a, "gso", 1, 1, MAX_GSO_SEGMENTS, &gso, r) ||
	    !arg_u64(a, "wait", 2000, 0, 3600000, &wait, r) ||
	    !args_all_used(a, r) || !need_session(ep, r))
		return;
	ep_batch_init(&batch, (unsigned int)gso);
	for (i = 0; i < count; i++) {
		len = ep_inner_icmp_echo(ep, &addr, packet, ep->ping_ident,
					 ep->ping_seq++, size);
		ep_batch_add_inner(ep, &batch, packet, len);
	}
	ep_batch_flush(ep, &batch);
	want = replies + count;
	if (wait)
		ep_receive_until(ep, (int)wait, ping_replies, &want);
	reply_add(r, "sent=%llu", (unsigned long long)count);
	reply_add(r, "replies=%llu",
		  (unsigned long long)(ep->st.icmp_echo_reply - replies));
	reply_add(r, "sends=%llu", (unsigned long long)(ep->st.tx_sends - sends));
}

static void cmd_udp(struct ep *ep, struct args *a, struct reply *r)
{
	uint64_t count, size, port, sport, gso, i, first = ep->udp_seq;
	uint64_t sends = ep->st.tx_sends;
	static uint8_t payload[MAX_INNER_LEN];
	struct ep_flowaddr addr;
	size_t len;

	if (!arg_flow(ep, a, &addr, r) ||
	    !arg_u64(a, "count", 1, 0, 100000000, &count, r) ||
	    !arg_u64(a, "size", 64, 8, MAX_INNER_LEN - 48, &size, r) ||
	    !arg_u64(a, "port", 9, 1, 65535, &port, r) ||
	    !arg_u64(a, "sport", 4444, 1, 65535, &sport, r) ||
	    !arg_u64(a, "gso", 1, 1, MAX_GSO_SEGMENTS, &gso, r) ||
	    !args_all_used(a, r) || !need_session(ep, r))
		return;
	ep_batch_init(&batch, (unsigned int)gso);
	memset(payload, 0, size);
	for (i = 0; i < count; i++) {
		uint64_t be = htobe64(ep->udp_seq++);

		memcpy(payload, &be, 8);
		len = ep_inner_udp(ep, &addr, packet, (uint16_t)sport,
				   (uint16_t)port, payload, size);
		ep_batch_add_inner(ep, &batch, packet, len);
	}
	ep_batch_flush(ep, &batch);
	reply_add(r, "sent=%llu", (unsigned long long)count);
	reply_add(r, "first_seq=%llu", (unsigned long long)first);
	reply_add(r, "sends=%llu", (unsigned long long)(ep->st.tx_sends - sends));
}

static bool parse_hex(const char *hex, uint8_t *out, size_t max, size_t *len)
{
	size_t n = strlen(hex), i;
	unsigned int byte;

	if (n % 2 || n / 2 > max)
		return false;
	for (i = 0; i < n / 2; i++) {
		if (sscanf(hex + 2 * i, "%2x", &byte) != 1)
			return false;
		out[i] = (uint8_t)byte;
	}
	*len = n / 2;
	return true;
}

static void cmd_raw(struct ep *ep, struct args *a, struct reply *r)
{
	uint64_t len, fill, count, gso, i, sends = ep->st.tx_sends;
	const char *hex;
	size_t n;

	hex = arg_str(a, "hex");
	if (!arg_u64(a, "len", 0, 0, MAX_INNER_LEN, &len, r) ||
	    !arg_u64(a, "fill", 0, 0, 255, &fill, r) ||
	    !arg_u64(a, "count", 1, 0, 100000000, &count, r) ||
	    !arg_u64(a, "gso", 1, 1, MAX_GSO_SEGMENTS, &gso, r) ||
	    !args_all_used(a, r) || !need_session(ep, r))
		return;
	if (hex) {
		if (!parse_hex(hex, packet, MAX_INNER_LEN, &n)) {
			reply_fail(r, "hex=: expected an even number of hex digits");
			return;
		}
	} else {
		n = (size_t)len;
		memset(packet, (int)fill, n);
	}
	ep_batch_init(&batch, (unsigned int)gso);
	for (i = 0; i < count; i++)
		ep_batch_add_inner(ep, &batch, packet, n);
	ep_batch_flush(ep, &batch);
	reply_add(r, "sent=%llu", (unsigned long long)count);
	reply_add(r, "msglen=%zu", ep_data_message_len(ep, n));
	reply_add(r, "sends=%llu", (unsigned long long)(ep->st.tx_sends - sends));
}

static void cmd_keepalive(struct ep *ep, struct args *a, struct reply *r)
{
	uint64_t count, gso, i, sends = ep->st.tx_sends;

	if (!arg_u64(a, "count", 1, 0, 100000000, &count, r) ||
	    !arg_u64(a, "gso", 1, 1, MAX_GSO_SEGMENTS, &gso, r) ||
	    !args_all_used(a, r) || !need_session(ep, r))
		return;
	ep_batch_init(&batch, (unsigned int)gso);
	for (i = 0; i < count; i++)
		ep_batch_add_inner(ep, &batch, NULL, 0);
	ep_batch_flush(ep, &batch);
	reply_add(r, "sent=%llu", (unsigned long long)count);
	reply_add(r, "sends=%llu", (unsigned long long)(ep->st.tx_sends - sends));
}

static uint64_t default_seg(int version)
{
	return DEFAULT_TCP_PACKET - ep_inner_ip_header_len(version) -
	       TCP_HEADER_LEN;
}

static void cmd_tcp_connect(struct ep *ep, struct args *a, struct reply *r)
{
	uint64_t port, mss, timeout, start = ep_now_ms();
	struct ep_flowaddr addr;
	const char *why = "";

	if (!arg_flow(ep, a, &addr, r) ||
	    !arg_u64(a, "port", 0, 1, 65535, &port, r) ||
	    !arg_u64(a, "mss", default_seg(addr.version), 1, 65535, &mss, r) ||
	    !arg_u64(a, "timeout", 5000, 1, 3600000, &timeout, r) ||
	    !args_all_used(a, r) || !need_session(ep, r))
		return;
	if (!port) {
		reply_fail(r, "port= is required");
		return;
	}
	if (!ep_tcp_connect(ep, &addr, (uint16_t)port, (uint16_t)mss,
			    (int)timeout, &why)) {
		reply_fail(r, "%s", why);
		return;
	}
	reply_add(r, "sport=%u", ep->tcp.sport);
	reply_add(r, "dport=%u", ep->tcp.dport);
	reply_add(r, "wscale=%u", ep->tcp.snd_wscale);
	reply_add(r, "ms=%llu", (unsigned long long)(ep_now_ms() - start));
}

static void tcp_report(struct reply *r, const struct ep_tcp_report *rep)
{
	reply_add(r, "bytes=%llu", (unsigned long long)rep->bytes);
	reply_add(r, "acked=%llu", (unsigned long long)rep->acked);
	reply_add(r, "segments=%llu", (unsigned long long)rep->segments);
	reply_add(r, "sends=%llu", (unsigned long long)rep->sends);
	reply_add(r, "retransmits=%llu", (unsigned long long)rep->retransmits);
	reply_add(r, "rst=%llu", (unsigned long long)rep->rsts);
	reply_add(r, "ms=%llu", (unsigned long long)rep->ms);
}

static void cmd_tcp_send(struct ep *ep, struct args *a, struct reply *r)
{
	uint64_t bytes, seg, gso, inflight, timeout;
	struct ep_tcp_report rep;
	const char *why = "";

	if (!arg_u64(a, "bytes", 0, 0, (1ULL << 31) - 1, &bytes, r) ||
	    !arg_u64(a, "seg", default_seg(ep->tcp.addr.version ?
					   ep->tcp.addr.version : 4),
		     1, MAX_INNER_LEN - 80, &seg, r) ||
	    !arg_u64(a, "gso", DEFAULT_GSO_TCP, 1, MAX_GSO_SEGMENTS, &gso, r) ||
	    !arg_u64(a, "inflight", DEFAULT_INFLIGHT, 1, 1U << 30, &inflight, r) ||
	    !arg_u64(a, "timeout", 30000, 1, 3600000, &timeout, r) ||
	    !args_all_used(a, r) || !need_session(ep, r))
		return;
	if (!ep_tcp_send(ep, bytes, (size_t)seg, (unsigned int)gso,
			 (uint32_t)inflight, (int)timeout, &rep, &why)) {
		reply_fail(r, "%s: acked %llu of %llu bytes", why,
			   (unsigned long long)rep.acked,
			   (unsigned long long)rep.bytes);
		return;
	}
	tcp_report(r, &rep);
}

static void cmd_tcp_close(struct ep *ep, struct args *a, struct reply *r)
{
	uint64_t timeout;
	const char *why = "";

	if (!arg_u64(a, "timeout", 5000, 1, 3600000, &timeout, r) ||
	    !args_all_used(a, r) || !need_session(ep, r))
		return;
	if (!ep_tcp_close(ep, (int)timeout, &why))
		reply_fail(r, "%s", why);
}

static void cmd_tcp_blast(struct ep *ep, struct args *a, struct reply *r)
{
	uint64_t port, bytes, ms, seg, gso;
	struct ep_flowaddr addr;
	struct ep_tcp_report rep;

	if (!arg_flow(ep, a, &addr, r) ||
	    !arg_u64(a, "port", 0, 1, 65535, &port, r) ||
	    !arg_u64(a, "bytes", 0, 0, 1ULL << 40, &bytes, r) ||
	    !arg_u64(a, "ms", 0, 0, 3600000, &ms, r) ||
	    !arg_u64(a, "seg", default_seg(addr.version), 1, MAX_INNER_LEN - 80,
		     &seg, r) ||
	    !arg_u64(a, "gso", DEFAULT_GSO_TCP, 1, MAX_GSO_SEGMENTS, &gso, r) ||
	    !args_all_used(a, r) || !need_session(ep, r))
		return;
	if (!port || (!bytes == !ms)) {
		reply_fail(r, "needs port= and one of bytes= or ms=");
		return;
	}
	ep_tcp_blast(ep, &addr, (uint16_t)port, bytes, ms, (size_t)seg,
		     (unsigned int)gso, &rep);
	reply_add(r, "bytes=%llu", (unsigned long long)rep.bytes);
	reply_add(r, "segments=%llu", (unsigned long long)rep.segments);
	reply_add(r, "sends=%llu", (unsigned long long)rep.sends);
	reply_add(r, "rst=%llu", (unsigned long long)rep.rsts);
	reply_add(r, "ms=%llu", (unsigned long long)rep.ms);
}

static void stats_reply(struct ep *ep, struct reply *r)
{
	const struct ep_stats *s = &ep->st;
#define STAT(name) reply_add(r, #name "=%llu", (unsigned long long)s->name)
	STAT(rx_initiation);
	STAT(rx_response);
	STAT(rx_cookie);
	STAT(rx_data);
	STAT(rx_keepalive);
	STAT(rx_bad_message);
	STAT(rx_unknown_index);
	STAT(rx_auth_fail);
	STAT(rx_replay);
	STAT(rx_response_invalid);
	STAT(rx_cookie_invalid);
	STAT(icmp_echo_reply);
	STAT(icmp_unreachable);
	STAT(icmp_other);
	STAT(tcp_synack);
	STAT(tcp_rst);
	STAT(tcp_ack);
	STAT(tcp_fin);
	STAT(udp);
	STAT(inner_other);
	STAT(tx_initiation);
	STAT(tx_data);
	STAT(tx_data_bytes);
	STAT(tx_sends);
	STAT(tx_errors);
#undef STAT
}

static void cmd_recv(struct ep *ep, struct args *a, struct reply *r)
{
	uint64_t ms, deadline, now;

	if (!arg_u64(a, "ms", 500, 0, 3600000, &ms, r) || !args_all_used(a, r))
		return;
	deadline = ep_now_ms() + ms;
	ep_receive(ep, 0);
	while ((now = ep_now_ms()) < deadline)
		ep_receive(ep, (int)(deadline - now));
	stats_reply(ep, r);
}

static void cmd_stats(struct ep *ep, struct args *a, struct reply *r)
{
	if (!args_all_used(a, r))
		return;
	ep_receive(ep, 0);
	stats_reply(ep, r);
}

static void cmd_reset_stats(struct ep *ep, struct args *a, struct reply *r)
{
	if (!args_all_used(a, r))
		return;
	ep_receive(ep, 0);
	memset(&ep->st, 0, sizeof(ep->st));
}

static void cmd_record(struct ep *ep, struct args *a, struct reply *r)
{
	uint64_t n;

	if (!arg_u64(a, "n", 0, 0, 10000000, &n, r) || !args_all_used(a, r))
		return;
	ep_record_free(ep->rec);
	ep->rec = n ? ep_record_new((size_t)n) : NULL;
	if (n && !ep->rec)
		reply_fail(r, "out of memory");
	reply_add(r, "n=%llu", (unsigned long long)n);
}

static void cmd_save(struct ep *ep, struct args *a, struct reply *r)
{
	const char *path = arg_str(a, "file");

	if (!args_all_used(a, r))
		return;
	if (!path) {
		reply_fail(r, "file= is required");
		return;
	}
	if (!ep->rec) {
		reply_fail(r, "nothing recorded (record n=N first)");
		return;
	}
	if (!ep_record_save(ep->rec, path)) {
		reply_fail(r, "%s: %s", path, strerror(errno));
		return;
	}
	reply_add(r, "messages=%zu", ep_record_count(ep->rec));
}

/* Sleep until @us on the monotonic clock, taking answers meanwhile. */
static void pace_until(struct ep *ep, uint64_t us)
{
	uint64_t now;

	while ((now = ep_now_us()) < us) {
		if (us - now > 2000) {
			ep_receive(ep, (int)((us - now) / 1000 - 1));
		} else {
			struct timespec ts = { 0, (long)(us - now) * 1000 };

			nanosleep(&ts, NULL);
		}
	}
}

static void cmd_replay(struct ep *ep, struct args *a, struct reply *r)
{
	uint64_t count, ms, rate, gso, i, start;
	uint64_t sends = ep->st.tx_sends, errors = ep->st.tx_errors;
	const char *path = arg_str(a, "file");
	struct ep_messages m;

	if (!arg_u64(a, "count", 0, 0, 1ULL << 40, &count, r) ||
	    !arg_u64(a, "ms", 0, 0, 3600000, &ms, r) ||
	    !arg_u64(a, "rate", 0, 0, 100000000, &rate, r) ||
	    !arg_u64(a, "gso", 1, 1, MAX_GSO_SEGMENTS, &gso, r) ||
	    !args_all_used(a, r))
		return;
	if (!path) {
		reply_fail(r, "file= is required");
		return;
	}
	if (!ep_messages_load(path, &m)) {
		reply_fail(r, "%s: not a saved message file", path);
		return;
	}
	if (!m.count) {
		reply_fail(r, "%s: no messages", path);
		return;
	}
	if (!count && !ms)
		count = m.count;
	start = ep_now_us();
	ep_batch_init(&batch, (unsigned int)gso);
	for (i = 0; !count || i < count; i++) {
		if (ms && ep_now_us() - start >= ms * 1000)
			break;
		if (rate)
			pace_until(ep, start + i * 1000000 / rate);
		ep_batch_add_message(ep, &batch, m.msg[i % m.count],
				     m.len[i % m.count]);
		if (rate)
			ep_batch_flush(ep, &batch);
	}
	ep_batch_flush(ep, &batch);
	ep_messages_free(&m);
	reply_add(r, "sent=%llu", (unsigned long long)i);
	reply_add(r, "sends=%llu", (unsigned long long)(ep->st.tx_sends - sends));
	reply_add(r, "errors=%llu", (unsigned long long)(ep->st.tx_errors - errors));
	reply_add(r, "ms=%llu", (unsigned long long)((ep_now_us() - start) / 1000));
}

static void cmd_initiations(struct ep *ep, struct args *a, struct reply *r)
{
	uint64_t count, rate, reuse, i, start = ep_now_us();
	struct ep_ephemeral ephemeral = { .valid = false };
	struct message_initiation msg;
	uint8_t last_mac1[MAC_LEN];

	if (!arg_u64(a, "count", 1, 0, 1ULL << 40, &count, r) ||
	    !arg_u64(a, "rate", 0, 0, 100000000, &rate, r) ||
	    !arg_u64(a, "reuse", 0, 0, 1, &reuse, r) ||
	    !args_all_used(a, r))
		return;
	/* Our own handshake's cookie AD stays that of its initiation. */
	memcpy(last_mac1, ep->id.last_mac1, MAC_LEN);
	for (i = 0; i < count; i++) {
		if (rate)
			pace_until(ep, start + i * 1000000 / rate);
		if (!ep_noise_create_initiation(&ep->id, NULL, &msg, ep_now_ms(),
						reuse ? &ephemeral : NULL))
			break;
		if (ep_send_message(ep, &msg, sizeof(msg)))
			ep->st.tx_initiation++;
		if (i % 64 == 63)
			ep_receive(ep, 0);
	}
	memcpy(ep->id.last_mac1, last_mac1, MAC_LEN);
	ep_wipe(&ephemeral, sizeof(ephemeral));
	reply_add(r, "sent=%llu", (unsigned long long)i);
	reply_add(r, "ms=%llu", (unsigned long long)((ep_now_us() - start) / 1000));
}

static void cmd_sleep(struct ep *ep, struct args *a, struct reply *r)
{
	uint64_t ms;

	if (!arg_u64(a, "ms", 0, 0, 3600000, &ms, r) || !args_all_used(a, r))
		return;
	pace_until(ep, ep_now_us() + ms * 1000);
}

static void cmd_fuzz(struct ep *ep, struct args *a, struct reply *r)
{
	const char *name = arg_str(a, "class");
	struct ep_fuzz_result res;
	struct ep_fuzz_opts o;
	const char *why = "";
	uint64_t seed;
	int i;

	memset(&o, 0, sizeof(o));
	ep_random(&seed, sizeof(seed));
	if (!arg_u64(a, "seed", seed, 0, UINT64_MAX, &o.seed, r) ||
	    !arg_u64(a, "count", 0, 0, 100000000, &o.count, r) ||
	    !arg_u64(a, "ms", 10000, 1, 3600000, &o.ms, r) ||
	    !arg_u64(a, "hsrate", 200, 0, 1000000, &o.hsrate, r) ||
	    !arg_u64(a, "sync", 200, 0, 1000000, &o.sync, r) ||
	    !arg_u64(a, "from", 0, 0, MAX_INNER_LEN, &o.from, r) ||
	    !arg_u64(a, "to", ep->mtu + 64, 0, MAX_INNER_LEN, &o.to, r) ||
	    !arg_u64(a, "step", 1, 1, MAX_INNER_LEN, &o.step, r) ||
	    !arg_u64(a, "dense", 0, 0, MAX_INNER_LEN, &o.dense, r) ||
	    !args_all_used(a, r))
		return;
	if (!name || !ep_fuzz_class_parse(name, &o.cls)) {
		reply_fail(r, "class=init|response|cookie|data|inner|gso|frag|mix is required");
		return;
	}
	if (!ep_fuzz(ep, &o, &res, &why)) {
		reply_fail(r, "%s (seed=%llu)", why, (unsigned long long)o.seed);
		return;
	}
	reply_add(r, "class=%s", name);
	reply_add(r, "seed=%llu", (unsigned long long)o.seed);
#define RES(field) reply_add(r, #field "=%llu", (unsigned long long)res.field)
	RES(sent);
	RES(reach);
	RES(kernel);
	RES(rx);
	RES(rx_bytes);
	RES(delivered);
	RES(delivered_bytes);
	RES(responses);
	RES(errors);
	RES(syncs);
	RES(sync_timeouts);
#undef RES
	for (i = 0; i < FZR__COUNT; i++)
		if (res.drop[i])
			reply_add(r, "drop.%s=%llu",
				  nt_drop_names[ep_fuzz_reason_attrs[i]],
				  (unsigned long long)res.drop[i]);
	if (o.cls == FZ_MIX) {
		reply_add(r, "handshakes=%llu", (unsigned long long)res.handshakes);
		for (i = 0; i < FZ_MIX; i++)
			reply_add(r, "c.%s=%llu", ep_fuzz_class_names[i],
				  (unsigned long long)res.per_class[i]);
	}
}

static const struct command {
	const char *name;
	void (*run)(struct ep *ep, struct args *a, struct reply *r);
} commands[] = {
	{ "handshake", cmd_handshake },
	{ "ping", cmd_ping },
	{ "udp", cmd_udp },
	{ "raw", cmd_raw },
	{ "keepalive", cmd_keepalive },
	{ "tcp-connect", cmd_tcp_connect },
	{ "tcp-send", cmd_tcp_send },
	{ "tcp-close", cmd_tcp_close },
	{ "tcp-blast", cmd_tcp_blast },
	{ "recv", cmd_recv },
	{ "stats", cmd_stats },
	{ "reset-stats", cmd_reset_stats },
	{ "record", cmd_record },
	{ "save", cmd_save },
	{ "replay", cmd_replay },
	{ "initiations", cmd_initiations },
	{ "fuzz", cmd_fuzz },
	{ "sleep", cmd_sleep },
};

/*
 * Run one command line and print its one answer. Returns 1 for "quit",
 * 0 when it said ok, -1 when it said err; blank lines and # comments
 * print nothing (and return 0).
 */
static int run_line(struct ep *ep, const char *text)
{
	char line[4096];
	struct reply r = { .len = 0 };
	struct args a;
	size_t i;

	snprintf(line, sizeof(line), "%s", text);
	if (line[strspn(line, " \t")] == '#')
		return 0;
	if (!args_split(line, &a, &r)) {
		if (!a.name)
			return 0;
		printf("err %s %s\n", a.name, r.text);
		fflush(stdout);
		return -1;
	}
	if (!strcmp(a.name, "quit"))
		return 1;
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(a.name, commands[i].name))
			break;
	if (i == sizeof(commands) / sizeof(commands[0]))
		reply_fail(&r, "unknown command");
	else
		commands[i].run(ep, &a, &r);
	r.text[r.len] = '\0';
	printf("%s %s%s%s\n", r.failed ? "err" : "ok", a.name,
	       r.failed ? " " : "", r.text);
	fflush(stdout);
	return r.failed ? -1 : 0;
}

/* --- setup ----------------------------------------------------------- */

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
		"usage: evilpeer --key FILE --peer-key KEY|FILE --endpoint ADDR:PORT\n"
		"                [--psk FILE] [--bind ADDR:PORT] [--mtu N] [--record N]\n"
		"                [--addr4 ADDR --dev-addr4 ADDR] [--addr6 ADDR --dev-addr6 ADDR]\n"
		"                [COMMAND...]   (see the top of evilpeer.c)\n");
	exit(2);
}

static void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "evilpeer: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void parse_inner(const char *text, int af, void *out, const char *opt)
{
	if (inet_pton(af, text, out) != 1)
		die("%s: '%s' is not an IPv%d address", opt, text,
		    af == AF_INET ? 4 : 6);
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "peer-key", required_argument, NULL, 'p' },
		{ "psk", required_argument, NULL, 's' },
		{ "endpoint", required_argument, NULL, 'e' },
		{ "bind", required_argument, NULL, 'b' },
		{ "mtu", required_argument, NULL, 'm' },
		{ "record", required_argument, NULL, 'r' },
		{ "addr4", required_argument, NULL, '4' },
		{ "dev-addr4", required_argument, NULL, 'D' },
		{ "addr6", required_argument, NULL, '6' },
		{ "dev-addr6", required_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *key = NULL, *peer_key = NULL, *psk_file = NULL;
	const char *endpoint = NULL, *bind_spec = NULL, *why = "";
	uint8_t private_key[KEY_LEN], peer_public[KEY_LEN], psk[KEY_LEN] = { 0 };
	bool a4 = false, d4 = false, a6 = false, d6 = false;
	unsigned long record = 0;
	static struct ep ep;
	int c, status = 0, rc;
	char *line = NULL;
	size_t cap = 0;

	ep.mtu = DEFAULT_MTU;
	ep.fd = -1;
	while ((c = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
		switch (c) {
		case 'k': key = optarg; break;
		case 'p': peer_key = optarg; break;
		case 's': psk_file = optarg; break;
		case 'e': endpoint = optarg; break;
		case 'b': bind_spec = optarg; break;
		case 'm':
			ep.mtu = (unsigned int)strtoul(optarg, NULL, 10);
			if (ep.mtu < 68 || ep.mtu > 65535)
				die("--mtu: expected 68 to 65535");
			break;
		case 'r': record = strtoul(optarg, NULL, 10); break;
		case '4': parse_inner(optarg, AF_INET, &ep.inner4, "--addr4"); a4 = true; break;
		case 'D': parse_inner(optarg, AF_INET, &ep.dev_inner4, "--dev-addr4"); d4 = true; break;
		case '6': parse_inner(optarg, AF_INET6, &ep.inner6, "--addr6"); a6 = true; break;
		case 'E': parse_inner(optarg, AF_INET6, &ep.dev_inner6, "--dev-addr6"); d6 = true; break;
		default: usage();
		}
	}
	if (!key || !peer_key || !endpoint)
		usage();
	if (a4 != d4 || a6 != d6)
		die("--addrN and --dev-addrN go together");
	ep.has_inner4 = a4;
	ep.has_inner6 = a6;

	ep_crypto_init();
	if (!ep_key_read(private_key, key))
		die("--key: %s holds no base64 key", key);
	if (!ep_key_read(peer_public, peer_key))
		die("--peer-key: '%s' is neither a base64 key nor a file holding one",
		    peer_key);
	if (psk_file && !ep_key_read(psk, psk_file))
		die("--psk: %s holds no base64 key", psk_file);
	if (!ep_noise_identity_init(&ep.id, private_key, peer_public, psk))
		die("our static key and the device's give a zero DH");
	ep_wipe(private_key, sizeof(private_key));
	ep_wipe(psk, sizeof(psk));
	if (!ep_transport_open(&ep, bind_spec, endpoint, &why))
		die("socket: %s", why);
	if (record && !(ep.rec = ep_record_new(record)))
		die("--record: out of memory");
	ep_random(&ep.ping_ident, sizeof(ep.ping_ident));
	ep_random(&ep.ip_id, sizeof(ep.ip_id));

	if (optind < argc) {
		for (; optind < argc; optind++) {
			rc = run_line(&ep, argv[optind]);
			if (rc == 1)
				break;
			if (rc < 0)
				status = 1;
		}
	} else {
		while (getline(&line, &cap, stdin) >= 0) {
			rc = run_line(&ep, line);
			if (rc == 1)
				break;
			if (rc < 0)
				status = 1;
		}
		free(line);
	}
	ep_record_free(ep.rec);
	ep_wipe(&ep.id, sizeof(ep.id));
	ep_wipe(&ep.cur, sizeof(ep.cur));
	ep_wipe(&ep.prev, sizeof(ep.prev));
	close(ep.fd);
	return status;
}
