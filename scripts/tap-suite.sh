#!/bin/bash
# SPDX-License-Identifier: MIT
#
# tap-suite.sh NAME CMD...: runs CMD, shows its output and keeps it as
# $TAP/NAME.tap. Lines "ok N ..." / "not ok N ..." are the suite's results; a
# command that fails without reporting a failed test adds one "not ok" line
# for itself, so a crash or a build error is never counted as a pass.
set -u
name=$1
shift
out=$TAP/$name.tap
mkdir -p "$TAP"
printf '# suite %s: %s\n' "$name" "$*"
"$@" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
if [ "$rc" -ne 0 ] && ! grep -Eq '^[[:space:]]*not ok ' "$out"; then
	echo "not ok 1 - $name: '$*' exited with status $rc" | tee -a "$out"
fi
if [ "$rc" -eq 0 ] && ! grep -Eq '^[[:space:]]*(not )?ok ' "$out"; then
	echo "ok 1 - $name" | tee -a "$out"
fi
exit 0
