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
done
echo "1..$n"
exit $failed
