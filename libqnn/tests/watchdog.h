/* SPDX-License-Identifier: MIT */
/*
 * A progress watchdog for tests that could hang (thread pools, async jobs):
 * the test calls wd_tick() as it makes progress; if no tick arrives for
 * WD_STALL_S seconds (QNN_TEST_STALL_S overrides) the watchdog prints a
 * "not ok" line naming the stage and exits, so a hang is a reported failure
 * rather than a stuck suite. Progress-based, not a total time limit, so slow
 * sanitizer or emulator builds are not failed for being slow.
 */
#ifndef QNN_TEST_WATCHDOG_H
#define QNN_TEST_WATCHDOG_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define WD_STALL_S 30

static atomic_ulong wd_ticks;
static const char *_Atomic wd_stage = "start";

static inline void wd_tick(void)
{
	atomic_fetch_add_explicit(&wd_ticks, 1, memory_order_relaxed);
}

static inline void wd_set_stage(const char *s)
{
	atomic_store(&wd_stage, s);
	wd_tick();
}

static void *wd_main(void *arg)
{
	const char *env = getenv("QNN_TEST_STALL_S");
	int limit = env && atoi(env) > 0 ? atoi(env) : WD_STALL_S;
	unsigned long last = (unsigned long)-1;
	int idle = 0;

	(void)arg;
	for (;;) {
		unsigned long now;

		sleep(1);
		now = atomic_load_explicit(&wd_ticks, memory_order_relaxed);
		idle = now == last ? idle + 1 : 0;
		last = now;
		if (idle >= limit) {
			printf("not ok 999 - watchdog: no progress for %d s in \"%s\" (hang)\n",
			       limit, atomic_load(&wd_stage));
			fflush(stdout);
			_exit(2);
		}
	}
	return NULL;
}

static inline void wd_start(void)
{
	pthread_t t;

	if (!pthread_create(&t, NULL, wd_main, NULL))
		pthread_detach(t);
}

#endif /* QNN_TEST_WATCHDOG_H */
