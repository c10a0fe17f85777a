#!/bin/bash
# SPDX-License-Identifier: MIT
#
# check.sh QNN_TOP...: runs each given qnn-top binary (the static and the
# sanitizer build) on this host, which has no qnn device, and prints TAP.
# Bad input must give a clear message and its documented exit status,
# never a crash or a sanitizer report. (The VM test, selftests/
# qnn_observe_test.c, runs it against the driver.)
set -u
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
# a truncated BTF blob: a real header that promises more than there is
echo "not BTF" >"$tmp/text"
printf '\x9f\xeb\x01\x00\x18\x00\x00\x00\x00\x00\x00\x00\x00\x10\x00\x00\x00\x10\x00\x00\x00\x10\x00\x00' >"$tmp/trunc.btf"

expect() { # expect BIN RC ERE DESC ARGS...: exit status RC, stderr matches ERE
	local bin=$1 rc=$2 re=$3 desc=$4
	shift 4
	timeout 60 "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
	local got=$?
	[ "$got" -eq "$rc" ] && grep -Eq "$re" "$tmp/err" &&
		! grep -Eq 'Sanitizer|runtime error|Segmentation' "$tmp/err"
	ok $? "$(basename "$bin"): $desc (exit $got, want $rc)"
	[ "$got" -eq "$rc" ] || sed 's/^/# /' "$tmp/err"
}

for bin in "$@"; do
	timeout 10 "$bin" --help >"$tmp/out" 2>&1
	[ $? -eq 0 ] && grep -q '^Usage: qnn-top' "$tmp/out"
	ok $? "$(basename "$bin"): --help prints the usage, exit 0"
	expect "$bin" 2 '^qnn-top: bad delay' "bad delay is a usage error" -d -1
	expect "$bin" 2 '^Usage:' "unknown option is a usage error" --frobnicate
	expect "$bin" 3 '^qnn-top: no kernel BTF at /nonexistent: No such file' \
		"missing BTF file: says so" --btf /nonexistent
	expect "$bin" 3 '^qnn-top: .*trunc.btf is not usable BTF' \
		"truncated BTF: says so" --btf "$tmp/trunc.btf"
	expect "$bin" 3 '^qnn-top: .* is not usable BTF' \
		"a text file as BTF: says so" --btf "$tmp/text"
	# no qnn driver here: refused (container, not root) or nothing to watch
	timeout 60 "$bin" --once -d 0.1 >"$tmp/out" 2>"$tmp/err"
	rc=$?
	case $rc in
	4) grep -q 'not allowed to load BPF programs' "$tmp/err" ;;
	5) grep -Eq 'no qnn tracepoints|no qnn device' "$tmp/err" ;;
	3) grep -q 'no kernel BTF' "$tmp/err" ;;
	*) false ;;
	esac
	ok $? "$(basename "$bin"): no qnn driver on this host: clear message, exit $rc (3, 4 or 5)"
	sed 's/^/# /' "$tmp/err"
	! grep -Eq 'Sanitizer|runtime error' "$tmp/err" && [ ! -s "$tmp/out" ]
	ok $? "$(basename "$bin"): nothing on stdout, no sanitizer report"
done
echo "1..$n"
exit $failed
