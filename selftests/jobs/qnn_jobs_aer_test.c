// SPDX-License-Identifier: GPL-2.0-only
/*
 * PCIe AER errors under load (the qnn-pci model behind a root port only:
 * the test SKIPs elsewhere). QEMU injects AER errors only through its HMP
 * command pcie_aer_inject_error; the test asks the host for one by a line
 * on its output ("=== AER-INJECT <args>"), which the host side of the PCI
 * lane (selftests/pci/aer_inject_host.py, started by scripts/vm-check.sh
 * with the QEMU monitor on a socket) turns into that command. The file
 * /lib/modules/qnn/aer-injector (the device's QEMU id) says the host
 * listens.
 *
 * - a correctable error is counted and changes nothing: the jobs on the
 *   ring complete with results equal to the independent reference;
 * - a non-fatal uncorrectable error goes through error_detected (link
 *   usable), slot_reset and resume; a fatal one through error_detected
 *   (link frozen), the root port's secondary bus reset, slot_reset and
 *   resume. Either way the kernel reports the recovery successful, every
 *   job that was in flight ends (none waits forever), and jobs after it
 *   compute the reference results.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "job_util.h"

#define NJOBS		8
#define INJECTOR	"/lib/modules/qnn/aer-injector"
/* host poll, HMP, the AER interrupt and the recovery, on a loaded TCG VM */
#define RECOVERY_S	60

FIXTURE(aer) {
	int fd;
	char qdev[64];
	char bdf[64];
};

FIXTURE_SETUP(aer)
{
	char path[160];

	self->fd = qnn_open();
	ASSERT_LE(0, self->fd);
	ASSERT_EQ(0, qnn_parent_name(self->fd, self->bdf, sizeof(self->bdf)));
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/aer_dev_fatal",
		 self->bdf);
	if (access(path, R_OK))
		SKIP(return, "%s has no AER (not a PCIe function under native AER)",
		     self->bdf);
	if (read_text(INJECTOR, self->qdev, sizeof(self->qdev)) <= 0)
		SKIP(return, "no AER injector on the host (%s)", INJECTOR);
	self->qdev[strcspn(self->qdev, "\n")] = 0;
}

FIXTURE_TEARDOWN(aer)
{
	sim_knob(self->fd, "delay_us", 0);
	close(self->fd);
}

/* TOTAL_ERR_<kind> of the function's aer_dev_<file>, -1 if unreadable */
static long aer_total(const char *bdf, const char *file, const char *kind)
{
	char path[160], buf[2048], key[32], *p;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/aer_dev_%s",
		 bdf, file);
	if (read_text(path, buf, sizeof(buf)) <= 0)
		return -1;
	snprintf(key, sizeof(key), "TOTAL_ERR_%s ", kind);
	p = strstr(buf, key);
	return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

/* lines of the kernel log matching an ERE */
static long dmesg_count(const char *ere)
{
	char cmd[256], buf[32];
	FILE *f;
	long n = -1;

	snprintf(cmd, sizeof(cmd), "dmesg | grep -cE '%s'", ere);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f))
		n = strtol(buf, NULL, 10);
	pclose(f);
	return n;
}

/* ask the host for "pcie_aer_inject_error <flags> <qdev> <error>" */
static void inject(const char *qdev, const char *flags, const char *error)
{
	printf("=== AER-INJECT %s%s%s %s\n", flags, *flags ? " " : "", qdev,
	       error);
	fflush(stdout);
}

/*
 * Every job of the batch ends; with @strict, COMPLETED with the reference
 * result (else a job may end in error, but one that says COMPLETED has
 * the reference result). Returns how many completed.
 */
static int check_batch(struct __test_metadata *_metadata, int fd,
		       struct cs_mem *m, struct cs_builder *b,
		       struct drm_qnn_submit *s, int strict)
{
	struct job_outcome o[NJOBS];
	int done = 0;

	job_wait_batch(fd, m, b, s, NJOBS, o);
	for (int i = 0; i < NJOBS; i++) {
		EXPECT_EQ(0, o[i].wait_err)
			TH_LOG("job %d of %d never ended", i, NJOBS);
		if (strict)
			EXPECT_EQ(DRM_QNN_JOB_COMPLETED, o[i].status)
				TH_LOG("job %d", i);
		if (o[i].status == DRM_QNN_JOB_COMPLETED) {
			EXPECT_GT(0, o[i].mismatch) TH_LOG("job %d", i);
			done++;
		}
	}
	return done;
}

/*
 * One error injected while a batch of 20 ms jobs runs: the function's
 * counter of @kind moves (no @kind: a fatal error, which Linux logs as
 * from an "Inaccessible" agent and counts at the root port only), the
 * recovery (@recovers) succeeds, the batch ends, the next batch computes
 * the reference results.
 */
static void aer_under_jobs(struct __test_metadata *_metadata,
			   FIXTURE_DATA(aer) *self, const char *flags,
			   const char *error, const char *file,
			   const char *kind, int recovers)
{
	struct cs_mem *m = calloc(NJOBS, sizeof(*m));
	struct cs_builder *b = calloc(NJOBS, sizeof(*b));
	long ok0 = dmesg_count("AER: device recovery successful");
	long bad0 = dmesg_count("AER: device recovery failed|did not restart");
	long n0 = kind ? aer_total(self->bdf, file, kind) : 0, n = n0, ok = ok0;
	struct drm_qnn_submit s[NJOBS];
	int done, i;

	ASSERT_TRUE(m && b);
	ASSERT_LE(0, n0);
	ASSERT_EQ(0, sim_knob(self->fd, "delay_us", 20000));
	ASSERT_EQ(0, job_submit_batch(&self->fd, m, b, s, NJOBS, 11));
	usleep(30000);
	inject(self->qdev, flags, error);
	for (i = 0; i < 10 * RECOVERY_S; i++) {
		n = kind ? aer_total(self->bdf, file, kind) : n0 + 1;
		ok = dmesg_count("AER: device recovery successful");
		if (n > n0 && (!recovers || ok > ok0))
			break;
		usleep(100000);
	}
	EXPECT_LT(n0, n) TH_LOG("no %s error counted in %d s (host injector?)",
				kind, RECOVERY_S);
	if (recovers)
		EXPECT_LT(ok0, ok) TH_LOG("no \"device recovery successful\" in %d s",
					  RECOVERY_S);
	done = check_batch(_metadata, self->fd, m, b, s, !recovers);
	TH_LOG("%s %s: %s count %ld -> %ld, %ld recoveries, %d of %d jobs in flight completed",
	       flags, error, kind ? kind : "-", n0, n, ok - ok0, done, NJOBS);
	EXPECT_EQ(bad0, dmesg_count("AER: device recovery failed|did not restart"));

	/* the device after it: the reference results, no fallback needed */
	ASSERT_EQ(0, sim_knob(self->fd, "delay_us", 0));
	ASSERT_EQ(0, job_submit_batch(&self->fd, m, b, s, NJOBS, 50));
	check_batch(_metadata, self->fd, m, b, s, 1);
	free(m);
	free(b);
}

TEST_F_TIMEOUT(aer, correctable_changes_nothing, 180)
{
	/* HMP takes -c with a number only: PCI_ERR_COR_BAD_TLP */
	aer_under_jobs(_metadata, self, "-c", "0x40", "correctable",
		       "COR", 0);
}

TEST_F_TIMEOUT(aer, nonfatal_recovers, 180)
{
	aer_under_jobs(_metadata, self, "", "UNSUP", "nonfatal",
		       "NONFATAL", 1);
}

TEST_F_TIMEOUT(aer, fatal_recovers, 180)
{
	aer_under_jobs(_metadata, self, "", "DLP", "fatal", NULL, 1);
}

TEST_HARNESS_MAIN
