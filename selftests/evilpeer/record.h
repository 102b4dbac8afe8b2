/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Recording the data messages evilpeer sends (the last N, byte for byte)
 * and the file they are saved to, for replays.
 *
 * File format: each message as its length (32 bits, big-endian), then its
 * bytes; nothing else.
 */
#ifndef EVILPEER_RECORD_H
#define EVILPEER_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ep_record;

/**
 * struct ep_messages - messages loaded from a file
 * @count: how many
 * @msg: each one's bytes
 * @len: each one's length
 */
struct ep_messages {
	size_t count;
	uint8_t **msg;
	size_t *len;
};

/** ep_record_new() - a ring of the last @capacity messages; NULL on ENOMEM. */
struct ep_record *ep_record_new(size_t capacity);

/** ep_record_free() - free it (NULL is fine). */
void ep_record_free(struct ep_record *rec);

/** ep_record_add() - keep a copy of @msg, forgetting the oldest when full. */
void ep_record_add(struct ep_record *rec, const uint8_t *msg, size_t len);

/** ep_record_count() - how many messages are kept. */
size_t ep_record_count(const struct ep_record *rec);

/** ep_record_save() - write the kept messages, oldest first, to @path. */
bool ep_record_save(const struct ep_record *rec, const char *path);

/** ep_messages_load() - read a saved file; false when it is not one. */
bool ep_messages_load(const char *path, struct ep_messages *out);

/** ep_messages_free() - free what ep_messages_load() gave. */
void ep_messages_free(struct ep_messages *m);

#endif
