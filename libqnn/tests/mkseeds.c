// SPDX-License-Identifier: MIT
/* mkseeds DIR: writes the test models as the fuzzer's seed corpus. */
#include "models.h"

int main(int argc, char **argv)
{
	char path[4096];

	if (argc != 2) {
		fprintf(stderr, "usage: mkseeds DIR\n");
		return 2;
	}
	for (int i = 0; i < NUM_MODELS; i++) {
		void *buf;
		size_t size;
		FILE *f;

		if (build_model(i, &buf, &size, 1 + (uint64_t)i))
			return 1;
		snprintf(path, sizeof(path), "%s/model%d.qnn", argv[1], i);
		f = fopen(path, "wb");
		if (!f || fwrite(buf, 1, size, f) != size || fclose(f)) {
			perror(path);
			return 1;
		}
		free(buf);
	}
	return 0;
}
