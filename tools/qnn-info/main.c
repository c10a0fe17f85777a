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
	fputs("Usage: qnn-info [--json] [--regs]\n"
	      "       qnn-info --clients [--json]\n"
	      "       qnn-info --coredump FILE [--json]\n"
	      "\n"
	      "Lists the qnn accelerators (/dev/accel/accel* driven by the qnn\n"
	      "driver): identity, versions, capabilities and job counters; then\n"
	      "what libqnn's CPU fallback uses on this machine.\n"
	      "\n"
	      "  -j, --json           one JSON object: {\"devices\": [...], \"cpu\": {...}}\n"
	      "  -r, --regs           also every register, by name (debugfs)\n"
	      "  -c, --clients        the processes using qnn devices (DRM fdinfo)\n"
	      "  -C, --coredump FILE  decode a qnn devcoredump\n"
	      "                       (/sys/class/devcoredump/devcdN/data)\n"
	      "  -h, --help           this text\n"
	      "\n"
	      "Exit status: 0 devices listed (--clients, --coredump: done),\n"
	      "1 no qnn device, 2 usage error, 3 other error (a file that cannot\n"
	      "be read), 4 not a complete qnn coredump.\n", f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "regs", no_argument, NULL, 'r' },
		{ "clients", no_argument, NULL, 'c' },
		{ "coredump", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct qnn_cpu_info cpu = { .sz = sizeof(cpu) };
	struct qnn_info_scan scan;
	int json = 0, regs = 0, clients = 0, c, ret, cpu_err, i;
	const char *coredump = NULL;

	while ((c = getopt_long(argc, argv, "jrcC:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'r':
			regs = 1;
			break;
		case 'c':
			clients = 1;
			break;
		case 'C':
			coredump = optarg;
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

	if (clients + !!coredump + regs > 1) {
		fprintf(stderr, "qnn-info: --clients, --coredump and --regs go alone\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	if (coredump) {
		ret = qnn_info_coredump(stdout, coredump, json);
		return fflush(stdout) == EOF ? EXIT_ERROR : ret;
	}
	if (clients) {
		ret = qnn_info_clients(stdout, json);
		if (fflush(stdout) == EOF || ret)
			return EXIT_ERROR;
		return EXIT_DEVICES;
	}

	ret = qnn_info_scan(&scan);
	if (ret) {
		fprintf(stderr, "qnn-info: scanning /dev/accel: %s\n", strerror(-ret));
		return EXIT_ERROR;
	}
	for (i = 0; i < scan.ndevs; i++)
		qnn_info_debugfs(&scan.devs[i], regs);
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
