#!/bin/bash
# SPDX-License-Identifier: MIT
#
# tap-summary.sh DIR: counts the results of every suite's TAP file and ends
# with the line "N passed, N failed"; exits non-zero when anything failed.
set -u
dir=$1
pass=0
fail=0
skip=0
for f in "$dir"/*.tap; do
	[ -e "$f" ] || continue
	p=$(grep -Ec '^[[:space:]]*ok( |$)' "$f" || true)
	s=$(grep -Eic '^[[:space:]]*ok( |$).*# *skip' "$f" || true)
	n=$(grep -Ec '^[[:space:]]*not ok( |$)' "$f" || true)
	printf '# %-12s %4d passed, %d failed, %d skipped\n' "$(basename "$f" .tap)" $((p - s)) "$n" "$s"
	grep -E '^[[:space:]]*not ok( |$)' "$f" | sed 's/^/#   /'
	pass=$((pass + p - s))
	skip=$((skip + s))
	fail=$((fail + n))
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
