#!/bin/bash
# SPDX-License-Identifier: MIT
#
# check.sh QNN_INFO...: runs each given qnn-info binary (the normal and the
# sanitizer build) on this host and prints TAP. With no qnn device (the
# build host) it must say so plainly and exit 1; with one, list it and
# exit 0. Either way --json must be one valid JSON object whose devices
# array matches, and the CPU fallback must be described.
set -u
PY=/usr/bin/python3
n=0
failed=0

ok() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=1
	fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for bin in "$@"; do
	name=$(basename "$bin")
	"$bin" >"$tmp/text" 2>"$tmp/text.err"
	rc=$?
	"$bin" --json >"$tmp/json" 2>"$tmp/json.err"
	jrc=$?

	if [ "$rc" -eq 1 ]; then
		grep -q '^No qnn device found' "$tmp/text"
		ok $? "$name: no device: says 'No qnn device found', exit 1"
	else
		[ "$rc" -eq 0 ] && grep -q '^/dev/accel/accel[0-9]' "$tmp/text"
		ok $? "$name: device present: listed, exit 0 (got exit $rc)"
	fi
	grep -Eq '^  kernels +(avx512vnni|avx512|avx512bw|avx2|neon|scalar)$' "$tmp/text"
	ok $? "$name: text shows the CPU fallback kernels"
	# The sanitizers report on stderr; anything there is a failure.
	[ ! -s "$tmp/text.err" ] && [ ! -s "$tmp/json.err" ]
	ok $? "$name: nothing on stderr"
	[ "$jrc" -eq "$rc" ]
	ok $? "$name: --json exits like text mode ($jrc vs $rc)"
	"$PY" -m json.tool "$tmp/json" >/dev/null
	ok $? "$name: --json is valid JSON (python3 -m json.tool)"
	"$PY" - "$tmp/json" "$rc" <<'PYEOF'
import json, sys
doc = json.load(open(sys.argv[1]))
rc = int(sys.argv[2])
assert isinstance(doc, dict), "not an object"
assert isinstance(doc["devices"], list), "devices not an array"
assert (len(doc["devices"]) == 0) == (rc == 1), "devices vs exit status"
for d in doc["devices"]:
    assert d["driver"]["name"] == "qnn" and d["path"].startswith("/dev/accel/")
cpu = doc["cpu"]
assert cpu["isa"] in ("avx512vnni", "avx512", "avx512bw", "avx2", "neon", "scalar"), cpu
assert all(isinstance(f, str) for f in cpu["features"])
assert cpu["logical_cpus"] >= 1
PYEOF
	ok $? "$name: --json has devices[] matching the exit status and a cpu object"
	"$bin" --help >"$tmp/help" 2>&1 && grep -q '^Usage: qnn-info' "$tmp/help"
	ok $? "$name: --help prints usage, exit 0"
	"$bin" --bogus >/dev/null 2>&1
	[ $? -eq 2 ]
	ok $? "$name: unknown option exits 2"

	# --clients: no qnn file open here; valid JSON, exit 0
	"$bin" --clients --json >"$tmp/cl" 2>"$tmp/cl.err"
	[ $? -eq 0 ] && [ ! -s "$tmp/cl.err" ] &&
		"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["clients"] == []' "$tmp/cl"
	ok $? "$name: --clients --json: valid, no clients, exit 0"
	# --coredump: a synthetic dump decodes; every truncation, a foreign
	# file and a missing one give a message and their exit status
	"$PY" - "$tmp/dump" <<'PYEOF'
import struct, sys
info = struct.pack("<IIQQi16sIIIIIQIIQQIIII32s", 2, 3, 7, 9, 1234, b"model",
                   5, 4, 5, 1, 32, 0x102000, 0, 48, 0, 1000, 0x514e0001,
                   0x10000, 0x10100, 0, b"qnn_sim.0")
regs = struct.pack("<II24s", 0, 0x514e4e41, b"MAGIC") + \
       struct.pack("<II24s", 0xf0, 0x30, b"DMA_CAPS")
stream = struct.pack("<IHHIIIIQ", 0x434e4e51, 1, 32, 48, 1, 0, 0, 0) + \
         struct.pack("<HHI", 2, 16, 1) + bytes(8)
secs = b""
for t, body in ((1, info), (2, regs), (4, stream)):
    secs += struct.pack("<IIQ", t, 0, len(body)) + body
hdr = b"QNNCORE\0" + struct.pack("<IIQII", 1, 32, 32 + len(secs), 3, 0)
open(sys.argv[1], "wb").write(hdr + secs)
PYEOF
	"$bin" --coredump "$tmp/dump" >"$tmp/cd" 2>"$tmp/cd.err"
	[ $? -eq 0 ] && [ ! -s "$tmp/cd.err" ] &&
		grep -q '^  reason           mmu_fault$' "$tmp/cd" &&
		grep -q '^  job              7 (client 9, pid 1234, model)$' "$tmp/cd" &&
		grep -q '^  fault address    0x102000 (read)$' "$tmp/cd" &&
		grep -q '^  DMA_CAPS           0x0f0 0x00000030$' "$tmp/cd" &&
		grep -q 'CONV2D .*<- cs_offset$' "$tmp/cd"
	ok $? "$name: --coredump decodes a synthetic dump"
	"$bin" --coredump "$tmp/dump" --json >"$tmp/cdj" 2>/dev/null &&
		"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["reason"] == "mmu_fault" and d["job_id"] == 7 and d["stream"]["commands"][0]["failing"]' "$tmp/cdj"
	ok $? "$name: --coredump --json is valid and agrees"
	size=$(stat -c %s "$tmp/dump")
	cutbad=0
	for cut in $(seq 0 3 $((size - 1))); do
		head -c "$cut" "$tmp/dump" >"$tmp/cut"
		"$bin" --coredump "$tmp/cut" >/dev/null 2>"$tmp/cut.err"
		rc=$?
		if [ $rc -ne 4 ] || ! grep -Eq 'truncated|not a qnn coredump' "$tmp/cut.err" ||
			grep -q 'Sanitizer\|runtime error' "$tmp/cut.err"; then
			cutbad=$((cutbad + 1))
		fi
	done
	[ $cutbad -eq 0 ]
	ok $? "$name: --coredump: every truncation of the dump exits 4 with a message ($cutbad bad)"
	"$bin" --coredump "$0" >/dev/null 2>"$tmp/cd.err"
	[ $? -eq 4 ] && grep -q 'not a qnn coredump' "$tmp/cd.err"
	ok $? "$name: --coredump of a script: 'not a qnn coredump', exit 4"
	# a short foreign file is foreign, not a truncated dump
	printf 'hello\n' >"$tmp/short"
	"$bin" --coredump "$tmp/short" >/dev/null 2>"$tmp/cd.err"
	[ $? -eq 4 ] && grep -q 'not a qnn coredump' "$tmp/cd.err"
	ok $? "$name: --coredump of a 6-byte text file: 'not a qnn coredump', exit 4"
	"$bin" --coredump "$tmp/none" >/dev/null 2>"$tmp/cd.err"
	[ $? -eq 3 ] && grep -q 'cannot open' "$tmp/cd.err"
	ok $? "$name: --coredump of a missing file: 'cannot open', exit 3"
done
echo "1..$n"
exit $failed
