// SPDX-License-Identifier: GPL-2.0
/*
 * The record ring and its file (record.h).
 */
#include "record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ep_record {
	size_t capacity;
	size_t count;		/* messages kept, at most capacity */
	size_t next;		/* the slot the next message goes to */
	uint8_t **msg;
	size_t *len;
};

struct ep_record *ep_record_new(size_t capacity)
{
	struct ep_record *rec = calloc(1, sizeof(*rec));

	if (!rec)
		return NULL;
	rec->capacity = capacity;
	rec->msg = calloc(capacity, sizeof(*rec->msg));
	rec->len = calloc(capacity, sizeof(*rec->len));
	if (!rec->msg || !rec->len) {
		ep_record_free(rec);
		return NULL;
	}
	return rec;
}

void ep_record_free(struct ep_record *rec)
{
	size_t i;

	if (!rec)
		return;
	for (i = 0; rec->msg && i < rec->capacity; i++)
		free(rec->msg[i]);
	free(rec->msg);
	free(rec->len);
	free(rec);
}

void ep_record_add(struct ep_record *rec, const uint8_t *msg, size_t len)
{
	uint8_t *copy;

	if (!rec->capacity)
		return;
	copy = realloc(rec->msg[rec->next], len ? len : 1);
	if (!copy)
		return;
	memcpy(copy, msg, len);
	rec->msg[rec->next] = copy;
	rec->len[rec->next] = len;
	rec->next = (rec->next + 1) % rec->capacity;
	if (rec->count < rec->capacity)
		rec->count++;
}

size_t ep_record_count(const struct ep_record *rec)
{
	return rec ? rec->count : 0;
}

static bool put_message(FILE *f, const uint8_t *msg, size_t len)
{
	uint8_t be[4] = { len >> 24, len >> 16, len >> 8, len };

	return fwrite(be, 4, 1, f) == 1 && (!len || fwrite(msg, len, 1, f) == 1);
}

bool ep_record_save(const struct ep_record *rec, const char *path)
{
	size_t i, slot;
	FILE *f = fopen(path, "w");
	bool ok = !!f;

	if (!f)
		return false;
	for (i = 0; ok && i < rec->count; i++) {
		slot = (rec->next + rec->capacity - rec->count + i) % rec->capacity;
		ok = put_message(f, rec->msg[slot], rec->len[slot]);
	}
	return fclose(f) == 0 && ok;
}

bool ep_messages_load(const char *path, struct ep_messages *out)
{
	FILE *f = fopen(path, "r");
	size_t cap = 0, len;
	uint8_t be[4], *msg;
	void *grown;

	memset(out, 0, sizeof(*out));
	if (!f)
		return false;
	while (fread(be, 4, 1, f) == 1) {
		len = (size_t)be[0] << 24 | (size_t)be[1] << 16 |
		      (size_t)be[2] << 8 | be[3];
		if (len > 65535)
			goto err;
		msg = malloc(len ? len : 1);
		if (!msg)
			goto err;
		if (len && fread(msg, len, 1, f) != 1) {
			free(msg);
			goto err;
		}
		if (out->count == cap) {
			cap = cap ? cap * 2 : 64;
			grown = realloc(out->msg, cap * sizeof(*out->msg));
			if (!grown) {
				free(msg);
				goto err;
			}
			out->msg = grown;
			grown = realloc(out->len, cap * sizeof(*out->len));
			if (!grown) {
				free(msg);
				goto err;
			}
			out->len = grown;
		}
		out->msg[out->count] = msg;
		out->len[out->count] = len;
		out->count++;
	}
	if (ferror(f) || !feof(f))
		goto err;
	fclose(f);
	return true;
err:
	fclose(f);
	ep_messages_free(out);
	return false;
}

void ep_messages_free(struct ep_messages *m)
{
	size_t i;

	for (i = 0; i < m->count; i++)
		free(m->msg[i]);
	free(m->msg);
	free(m->len);
	memset(m, 0, sizeof(*m));
}
