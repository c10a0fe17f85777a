#!/bin/sh
# SPDX-License-Identifier: MIT
# run-tap.sh PROG ARGS...: runs one TAP test program; if it exits non-zero
# without having printed a "not ok" line (a crash, a sanitizer abort), adds
# one, so no failure goes uncounted.
out=$(mktemp)
"$@" > "$out" 2>&1
rc=$?
cat "$out"
if [ $rc -ne 0 ] && ! grep -q '^not ok' "$out"; then
	echo "not ok 1 - $(basename "$1") $2: exited with status $rc"
fi
rm -f "$out"
exit $rc
