// SPDX-License-Identifier: MIT
/*
 * qnn_cpu_info(): what the CPU offers, from the one probe (kern/cpu_probe.c,
 * shared with kernel selection), and which kernel set libqnn picks.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static const char *const feature_names[QNN_CPU_FEATURE_COUNT] = {
	"popcnt", "avx2", "bmi2", "fma", "avx512f", "avx512bw", "avx512vl",
	"avx512vpopcntdq", "avx512bitalg", "avx512vnni", "neon", "dotprod",
	"sse3", "ssse3", "sse4_1", "sse4_2", "avx", "xsave", "f16c",
};

const char *qnn_cpu_feature_name(unsigned long long bit)
{
	for (int i = 0; i < QNN_CPU_FEATURE_COUNT; i++)
		if (bit == 1ull << i)
			return feature_names[i];
	return NULL;
}

int qnn_cpu_info(struct qnn_cpu_info *info)
{
	struct qnn_cpu_info ci;
	const struct qnn_kern *k = qnn_kern_select(NULL);
	size_t len = 0;
	long n;

	if (!info || info->sz < offsetof(struct qnn_cpu_info, feature_bits))
		return -EINVAL;
	memset(&ci, 0, sizeof(ci));
	ci.sz = info->sz;
	snprintf(ci.isa, sizeof(ci.isa), "%s", k ? k->name : "scalar");
	ci.feature_bits = qnn_cpu_features();
	for (int i = 0; i < QNN_CPU_FEATURE_COUNT; i++) {
		if (!(ci.feature_bits & (1ull << i)))
			continue;
		len += (size_t)snprintf(ci.features + len, sizeof(ci.features) - len, "%s%s",
					len ? " " : "", feature_names[i]);
	}
	n = sysconf(_SC_NPROCESSORS_ONLN);
	ci.logical_cpus = n > 0 ? (unsigned int)n : 1;
	memcpy(info, &ci, info->sz < sizeof(ci) ? info->sz : sizeof(ci));
	return 0;
}
