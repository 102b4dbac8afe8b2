/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the raw netlink clients of the selftests share (nlprobe, nlfuzz):
 * errno names, the wg base64 key format, finding the family's id, and
 * dropping every capability.
 */
#ifndef NLCOMMON_H
#define NLCOMMON_H

#include <stdbool.h>
#include <stdint.h>

#include <libmnl/libmnl.h>

#include "noisetun.h"

#define NLC_KEY_LEN NOISETUN_KEY_LEN
#define NLC_B64_LEN 44

/* "EINVAL" for EINVAL, "0" for 0, the number for an errno not listed. */
const char *nlc_errno_name(int e);
/* The errno a name stands for ("0" is 0); -1 for an unknown name. */
int nlc_errno_value(const char *name);

void nlc_key_to_b64(char out[NLC_B64_LEN + 1], const uint8_t key[NLC_KEY_LEN]);
bool nlc_key_from_b64(uint8_t key[NLC_KEY_LEN], const char *s);

/*
 * The id of generic netlink family @name, asked of the controller on @nl
 * (a bound NETLINK_GENERIC socket) with sequence number @seq; 0 when the
 * family does not exist (the module is not loaded).
 */
uint16_t nlc_family_id(struct mnl_socket *nl, const char *name, uint32_t seq);

/*
 * Drop every capability of the calling thread (even as root), to see what
 * an unprivileged caller is refused; false with errno set on failure.
 */
bool nlc_drop_caps(void);

#endif /* NLCOMMON_H */
