// SPDX-License-Identifier: MIT
/*
 * qnn-info: list the qnn accelerators of this machine and what they can do,
 * or say plainly that there is none and what libqnn's CPU fallback uses.
 * See docs/tools.md.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qnn_info.h"

/* Exit codes, docs/tools.md. */
enum {
	EXIT_DEVICES = 0,	/* at least one qnn device listed */
	EXIT_NO_DEVICE = 1,	/* none: only the CPU fallback is available */
	EXIT_USAGE = 2,
	EXIT_ERROR = 3,		/* out of memory and the like */
};

static void usage(FILE *f)
{
	fputs("Usage: qnn-info [--json] [--help]\n"
	      "\n"
	      "Lists the qnn accelerators (/dev/accel/accel* driven by the qnn\n"
	      "driver): identity, versions and capabilities; then what libqnn's\n"
	      "CPU fallback uses on this machine.\n"
	      "\n"
	      "  -j, --json   one JSON object: {\"devices\": [...], \"cpu\": {...}}\n"
	      "  -h, --help   this text\n"
	      "\n"
	      "Exit status: 0 devices listed, 1 no qnn device, 2 usage error,\n"
	      "3 other error.\n", f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct qnn_cpu_info cpu = { .sz = sizeof(cpu) };
	struct qnn_info_scan scan;
	int json = 0, c, ret, cpu_err;

	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'h':
			usage(stdout);
			return EXIT_DEVICES;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "qnn-info: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}

	ret = qnn_info_scan(&scan);
	if (ret) {
		fprintf(stderr, "qnn-info: scanning /dev/accel: %s\n", strerror(-ret));
		return EXIT_ERROR;
	}
	/* What libqnn itself detects and would select on this CPU. */
	cpu_err = qnn_cpu_info(&cpu);
	if (json)
		qnn_info_print_json(stdout, &scan, &cpu, cpu_err);
	else
		qnn_info_print_text(stdout, &scan, &cpu, cpu_err);
	ret = scan.ndevs ? EXIT_DEVICES : EXIT_NO_DEVICE;
	qnn_info_scan_free(&scan);
	if (fflush(stdout) == EOF) {
		perror("qnn-info: stdout");
		return EXIT_ERROR;
	}
	return ret;
}
