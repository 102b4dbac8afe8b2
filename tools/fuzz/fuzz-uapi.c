// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness of the netlink reply parser (nt_uapi_parse_device() in
 * uapi.c), fed as nt_ipc_get_device() feeds it: the input is a buffer of
 * netlink messages (a GET_DEVICE dump), walked as ipc.c's transact()
 * walks what the socket returned: messages that fit, until NLMSG_DONE or
 * an error, control messages skipped, each merged into one model (a peer
 * continued from the previous message is appended to).
 *
 * A model that parses (even partly, up to a refused message) must print
 * with every printer and survive the split into SET_DEVICE requests
 * (fuzz.h), as `tunctl showconf` and `syncconf` use it.
 *
 * Every message is also read as `tunctl monitor` reads what the events
 * group delivers (nt_uapi_parse_event(), then both printers), and as the
 * family lookup reads a CTRL_CMD_GETFAMILY reply for the group's id.
 */
#include "fuzz.h"
#include "monitor.h"

static void fuzz_setup_harness(void)
{
}

static void fuzz_event(const struct nlmsghdr *nlh)
{
	struct nt_uapi_event ev;
	uint32_t id;

	if (!nt_uapi_parse_event(nlh, &ev)) {
		if (ev.ifname[IFNAMSIZ - 1])
			fuzz_fail("event interface name not terminated");
		nt_monitor_print_human(fuzz_null, &ev);
		nt_monitor_print_json(fuzz_null, &ev);
	}
	nt_uapi_parse_mcast_group(nlh, "events", &id);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tunctl_device *dev = nt_model_device_new();
	const struct nlmsghdr *nlh;
	void *buf;
	int len;

	if (size > INT_MAX)
		return 0;
	/* A private copy, aligned as a receive buffer is. */
	buf = malloc(size ? size : 1);
	if (!dev || !buf)
		abort();
	memcpy(buf, data, size);
	nlh = buf;
	for (len = (int)size; mnl_nlmsg_ok(nlh, len) &&
	     nlh->nlmsg_len <= (unsigned int)len;
	     nlh = mnl_nlmsg_next(nlh, &len)) {
		if (nlh->nlmsg_type == NLMSG_ERROR || nlh->nlmsg_type == NLMSG_DONE)
			break;
		if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
			continue;
		fuzz_event(nlh);
		if (nt_uapi_parse_device(nlh, dev))
			break;
	}
	fuzz_print_all(dev);
	fuzz_set_roundtrips(dev);
	nt_model_device_free(dev);
	free(buf);
	return 0;
}
