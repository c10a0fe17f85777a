/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers of the observability selftests: running the tools (as root or
 * as nobody) with their output in files, qnn-top in the background,
 * devcoredumps of a device, and reading numbers out of the tools' one-line
 * JSON and out of fdinfo.
 */
#ifndef QNN_OBS_UTIL_H
#define QNN_OBS_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Run @argv (PATH lookup) with stdout to @out and stderr to @err (NULL:
 * /dev/null), as @uid when >= 0: its exit status, or -1.
 */
int obs_run(char *const argv[], const char *out, const char *err, int uid);

/* Start "qnn-top --once --json [extra]" and wait until it counts. */
pid_t obs_top_start(const char *out, const char *err, const char *extra);
/* SIGINT it and reap it: its exit status, or -1. */
int obs_top_stop(pid_t pid);

/*
 * The JSON object of @text that starts with @head (e.g. "{\"pid\":12,"),
 * up to where the next object of the same kind (@next) or the array ends
 * (@end): [*b, *e). 0 or -ENOENT.
 */
int obs_json_obj(const char *text, const char *head, const char *next,
		 const char *end, const char **b, const char **e);
/* "key":N inside [b, e): 0 or -ENOENT. */
int obs_json_u64(const char *b, const char *e, const char *key, uint64_t *v);

/* "key:\tN..." of an fdinfo text: 0 or -ENOENT. */
int obs_fdinfo_u64(const char *text, const char *key, uint64_t *v);
/*
 * A DRM memory key ("drm-total-memory:\t76 KiB") in bytes: 0, -ENOENT,
 * or -EINVAL for a unit it does not know.
 */
int obs_fdinfo_bytes(const char *text, const char *key, uint64_t *v);

/* Delete every devcoredump there is; wait until they are gone. */
int obs_dumps_clear(void);
/*
 * Wait (up to @timeout_ms) for a devcoredump of device @parent, read it
 * into @buf (malloc'd, *len bytes), save a copy at @save, delete it.
 */
int obs_dump_take(const char *parent, int timeout_ms, uint8_t **buf,
		  size_t *len, const char *save);

#endif
