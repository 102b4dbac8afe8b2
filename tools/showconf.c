// SPDX-License-Identifier: GPL-2.0
/*
 * tunctl showconf IFACE: the configuration as a file setconf accepts,
 * in wg's exact layout.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "error.h"
#include "format.h"
#include "ipc.h"
#include "key.h"
#include "model.h"
#include "showconf.h"
#include "subcommands.h"

/*
 * The peers' lines go out piece by piece with fputs_unlocked() rather than
 * fprintf(): a large device's showconf spent most of its own time parsing
 * formats. The bytes are the same.
 */
static void write_allowedips(FILE *out, const struct tunctl_peer *peer)
{
	char text[INET6_ADDRSTRLEN + 16], *end;
	size_t j;

	for (j = 0; j < peer->allowedips_len; j++) {
		fputs_unlocked(j ? ", " : "AllowedIPs = ", out);
		nt_format_allowedip(text, sizeof(text), &peer->allowedips[j]);
		end = text + strlen(text);
		*end++ = '/';
		nt_format_u32(end, peer->allowedips[j].cidr);
		fputs_unlocked(text, out);
	}
	if (peer->allowedips_len)
		fputc_unlocked('\n', out);
}

void nt_showconf_print(FILE *out, const struct tunctl_device *dev)
{
	char b64[NT_KEY_B64_LEN + 1], text[NI_MAXHOST + NI_MAXSERV + 4];
	size_t i;

	fputs("[Interface]\n", out);
	if (dev->listen_port)
		fprintf(out, "ListenPort = %u\n", dev->listen_port);
	if (dev->fwmark)
		fprintf(out, "FwMark = 0x%x\n", dev->fwmark);
	if (dev->flags & TUNCTL_DEVICE_HAS_PRIVATE_KEY) {
		nt_key_to_base64(b64, dev->private_key);
		fprintf(out, "PrivateKey = %s\n", b64);
	}
	/* noisetun's own key, only when on: else wg's file. */
	if (dev->unknown_peer_events)
		fputs("UnknownPeerEvents = on\n", out);
	fputc('\n', out);
	for (i = 0; i < dev->peers_len; i++) {
		const struct tunctl_peer *peer = &dev->peers[i];

		nt_key_to_base64(b64, peer->public_key);
		fputs_unlocked("[Peer]\nPublicKey = ", out);
		fputs_unlocked(b64, out);
		fputc_unlocked('\n', out);
		if (peer->flags & TUNCTL_PEER_HAS_PRESHARED_KEY) {
			nt_key_to_base64(b64, peer->preshared_key);
			fprintf(out, "PresharedKey = %s\n", b64);
		}
		write_allowedips(out, peer);
		if (peer->flags & TUNCTL_PEER_HAS_ENDPOINT)
			fprintf(out, "Endpoint = %s\n",
				nt_format_endpoint(text, sizeof(text),
						   &peer->endpoint));
		if (peer->keepalive_seconds)
			fprintf(out, "PersistentKeepalive = %u\n",
				peer->keepalive_seconds);
		/* noisetun's own keys, only when set: else wg's file. */
		if (peer->description[0])
			fprintf(out, "Description = %s\n", peer->description);
		if (peer->disabled)
			fputs("Disabled = true\n", out);
		if (i + 1 < dev->peers_len)
			fputc_unlocked('\n', out);
	}
	sodium_memzero(b64, sizeof(b64));
}

int nt_showconf_main(int argc, const char *argv[])
{
	struct tunctl_device *dev;
	int ret;

	ret = nt_subcommand_check_args(argc, argv, "showconf", argc == 2,
				       "expects exactly one interface name");
	if (ret >= 0)
		return ret;
	if (nt_ipc_get_device(argv[1], &dev))
		return 1;
	nt_showconf_print(stdout, dev);
	nt_model_device_free(dev);
	return 0;
}
