// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fault injection for the selftests: qnn_sim's debugfs knobs where the
 * device is a qnn_sim one, the qnn-pci model's test block (BAR4) where it
 * is the model's PCI function (qnn_fault.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "qnn_dev.h"
#include "qnn_fault.h"

/* docs/hw-interface.md, "Test block of the reference model" */
#define TEST_MAGIC	0x544e4e51u	/* "QNNT" */
#define TEST_SIZE	4096

static const struct {
	const char *name;
	unsigned int off;
	int writable;
} test_regs[] = {
	{ "hang_next_job", 0x10, 1 },
	{ "mmu_fault_next_job", 0x14, 1 },
	{ "corrupt_next_status", 0x18, 1 },
	{ "drop_next_irq", 0x1c, 1 },
	{ "delay_us", 0x20, 1 },
	{ "reset_ready_us", 0x24, 1 },
	{ "power_downs", 0x28, 0 },
	{ "powered_down", 0x2c, 0 },
	{ "tlb_hits", 0x30, 0 },
	{ "tlb_misses", 0x34, 0 },
	{ "tlb_flushes", 0x38, 0 },
};

static int sim_path(const char *parent, const char *name, char *path,
		    size_t len)
{
	snprintf(path, len, "/sys/kernel/debug/qnn_sim/%s", parent);
	if (access(path, F_OK))
		return -errno;
	snprintf(path, len, "/sys/kernel/debug/qnn_sim/%s/%s", parent, name);
	return 0;
}

/* The model's test block of fd's device, mapped: 0 or -errno. */
static int test_block(const char *parent, volatile uint32_t **regs)
{
	char path[160];
	void *p;
	int f;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource4",
		 parent);
	f = open(path, O_RDWR | O_SYNC);
	if (f < 0)
		return errno == ENOENT ? -ENODEV : -errno;
	p = mmap(NULL, TEST_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
	close(f);
	if (p == MAP_FAILED)
		return -errno;
	*regs = p;
	if ((*regs)[0] != TEST_MAGIC) {
		munmap(p, TEST_SIZE);
		return -ENODEV;		/* a card's BAR4, not the model's */
	}
	return 0;
}

static int test_reg(const char *name, int write)
{
	for (size_t i = 0; i < sizeof(test_regs) / sizeof(test_regs[0]); i++)
		if (!strcmp(test_regs[i].name, name))
			return write && !test_regs[i].writable ? -EACCES :
								 (int)i;
	return -EOPNOTSUPP;
}

static int test_access(int fd, const char *name, int write, uint32_t *val)
{
	volatile uint32_t *regs = NULL;
	char parent[64];
	int i, ret;

	ret = qnn_parent_name(fd, parent, sizeof(parent));
	if (ret)
		return ret;
	i = test_reg(name, write);
	if (i < 0)
		return i;
	ret = test_block(parent, &regs);
	if (ret)
		return ret;
	if (write)
		regs[test_regs[i].off / 4] = *val;
	else
		*val = regs[test_regs[i].off / 4];
	munmap((void *)regs, TEST_SIZE);
	return 0;
}

int qnn_fault_set(int fd, const char *name, unsigned int val)
{
	char parent[64], path[256];
	uint32_t v = val;
	FILE *f;
	int ret;

	ret = qnn_parent_name(fd, parent, sizeof(parent));
	if (ret)
		return ret;
	if (sim_path(parent, name, path, sizeof(path)))
		return test_access(fd, name, 1, &v);
	f = fopen(path, "w");
	if (!f)
		return -errno;
	ret = fprintf(f, "%u\n", val) < 0 ? -EIO : 0;
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}

int qnn_fault_get(int fd, const char *name, uint64_t *val)
{
	char parent[64], path[256];
	unsigned long long v;
	uint32_t v32;
	FILE *f;
	int ret;

	ret = qnn_parent_name(fd, parent, sizeof(parent));
	if (ret)
		return ret;
	if (sim_path(parent, name, path, sizeof(path))) {
		ret = test_access(fd, name, 0, &v32);
		if (!ret)
			*val = v32;
		return ret;
	}
	f = fopen(path, "r");
	if (!f)
		return -errno;
	ret = fscanf(f, "%llu", &v) == 1 ? 0 : -EIO;
	fclose(f);
	if (!ret)
		*val = v;
	return ret;
}
