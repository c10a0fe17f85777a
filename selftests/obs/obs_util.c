// SPDX-License-Identifier: GPL-2.0-only
/* Helpers of the observability selftests (obs_util.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "obs_util.h"

static void msleep(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

static void redirect(const char *path, int to)
{
	int fd = open(path ? path : "/dev/null",
		      O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);

	if (fd >= 0) {
		dup2(fd, to);
		close(fd);
	}
}

static pid_t spawn(char *const argv[], const char *out, const char *err,
		   int uid)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	redirect(out, 1);
	redirect(err, 2);
	if (uid >= 0 && (setgid(uid) || setuid(uid)))
		_exit(126);
	execvp(argv[0], argv);
	_exit(127);
}

int obs_run(char *const argv[], const char *out, const char *err, int uid)
{
	pid_t pid = spawn(argv, out, err, uid);
	int st;

	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int file_has(const char *path, const char *s)
{
	char buf[4096];
	size_t n;
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	return strstr(buf, s) != NULL;
}

pid_t obs_top_start(const char *out, const char *err, const char *extra)
{
	char *argv[] = { "qnn-top", "--once", "--json", (char *)extra, NULL };
	pid_t pid;
	int i, st;

	unlink(err);
	pid = spawn(argv, out, err, -1);
	if (pid < 0)
		return -1;
	/* BPF load and verification take a while under TCG */
	for (i = 0; i < 1200; i++) {
		if (file_has(err, "qnn-top: attached"))
			return pid;
		if (waitpid(pid, &st, WNOHANG) == pid)
			return -1;
		msleep(50);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

int obs_top_stop(pid_t pid)
{
	int st;

	if (kill(pid, SIGINT) || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int obs_json_obj(const char *text, const char *head, const char *next,
		 const char *end, const char **b, const char **e)
{
	const char *p = strstr(text, head), *n, *x;

	if (!p)
		return -ENOENT;
	n = strstr(p + 1, next);
	x = strstr(p, end);
	if (!x)
		x = p + strlen(p);
	*b = p;
	*e = n && n < x ? n : x;
	return 0;
}

int obs_json_u64(const char *b, const char *e, const char *key, uint64_t *v)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(b, pat);
	if (!p || p >= e)
		return -ENOENT;
	*v = strtoull(p + strlen(pat), NULL, 10);
	return 0;
}

/* The value of "key:" on a line of fdinfo text, blanks skipped; NULL if absent. */
static const char *fdinfo_value(const char *text, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\n%s:", key);
	p = strstr(text, pat);
	if (!p)
		return NULL;
	p += strlen(pat);
	while (*p == '\t' || *p == ' ')
		p++;
	return p;
}

int obs_fdinfo_u64(const char *text, const char *key, uint64_t *v)
{
	const char *p = fdinfo_value(text, key);

	if (!p)
		return -ENOENT;
	*v = strtoull(p, NULL, 10);
	return 0;
}

int obs_fdinfo_bytes(const char *text, const char *key, uint64_t *v)
{
	const char *p = fdinfo_value(text, key);
	char *end;

	if (!p)
		return -ENOENT;
	*v = strtoull(p, &end, 10);
	if (!strncmp(end, " KiB\n", 5))
		*v <<= 10;
	else if (!strncmp(end, " MiB\n", 5))
		*v <<= 20;
	else if (*end != '\n')
		return -EINVAL;
	return 0;
}

static int write_one(const char *path)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	ret = write(fd, "1", 1) == 1 ? 0 : -errno;
	close(fd);
	return ret;
}

int obs_dumps_clear(void)
{
	glob_t g;
	size_t i;
	int t;

	for (t = 0; t < 200; t++) {
		if (glob("/sys/class/devcoredump/devcd*", 0, NULL, &g)) {
			return 0;	/* none (or no devcoredump at all) */
		}
		for (i = 0; i < g.gl_pathc; i++) {
			char p[300];

			snprintf(p, sizeof(p), "%s/data", g.gl_pathv[i]);
			write_one(p);
		}
		globfree(&g);
		msleep(50);
	}
	return -EBUSY;
}

/* The devcdN directory whose failing_device is @parent, or -ENOENT. */
static int find_dump(const char *parent, char *dir, size_t len)
{
	glob_t g;
	size_t i;
	int ret = -ENOENT;

	if (glob("/sys/class/devcoredump/devcd*", 0, NULL, &g))
		return -ENOENT;
	for (i = 0; i < g.gl_pathc && ret; i++) {
		char link[300], target[300];
		const char *base;
		ssize_t n;

		snprintf(link, sizeof(link), "%s/failing_device", g.gl_pathv[i]);
		n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = 0;
		base = strrchr(target, '/');
		if (!strcmp(base ? base + 1 : target, parent)) {
			snprintf(dir, len, "%s", g.gl_pathv[i]);
			ret = 0;
		}
	}
	globfree(&g);
	return ret;
}

int obs_dump_take(const char *parent, int timeout_ms, uint8_t **buf,
		  size_t *len, const char *save)
{
	char dir[300], path[340];
	size_t cap = 1 << 16, n = 0;
	uint8_t *b;
	FILE *f;
	int t;

	for (t = 0; find_dump(parent, dir, sizeof(dir)); t += 50) {
		if (t >= timeout_ms)
			return -ENOENT;
		msleep(50);
	}
	snprintf(path, sizeof(path), "%s/data", dir);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	b = malloc(cap);
	while (b) {
		size_t r = fread(b + n, 1, cap - n, f);

		n += r;
		if (!r)
			break;
		if (n == cap) {
			uint8_t *p = realloc(b, cap * 2);

			if (!p) {
				free(b);
				b = NULL;
				break;
			}
			b = p;
			cap *= 2;
		}
	}
	fclose(f);
	if (!b)
		return -ENOMEM;
	write_one(path);	/* delete it: the next failure gets its own */
	if (save) {
		f = fopen(save, "w");
		if (f) {
			fwrite(b, 1, n, f);
			fclose(f);
		}
	}
	*buf = b;
	*len = n;
	return 0;
}
