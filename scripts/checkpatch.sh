#!/bin/bash
# SPDX-License-Identifier: MIT
#
# checkpatch.pl --strict (from Debian's linux-source-6.12) on every kernel
# and uAPI source file; one TAP result per file. Then one project rule
# checkpatch cannot know: the driver uses drm_sched through its API only.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cp=${DEPS:-$top/build/deps}/linux-src/scripts/checkpatch.pl
[ -f "$cp" ] || { echo "not ok 1 - checkpatch.pl missing: run scripts/install-deps.sh vm"; exit 1; }
cd "$top"
# Every kernel and uAPI source, tracked or not yet, minus kbuild's output.
mapfile -t files < <(find kmod uapi -name '*.[ch]' ! -name '*.mod.c' | sort)
echo "1..$((${#files[@]} + 1))"
i=0
rc=0
for f in "${files[@]}"; do
	i=$((i + 1))
	if out=$(perl "$cp" --strict --no-tree --terse --show-types \
		--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG -f "$f" 2>&1) && \
		! grep -qE '(ERROR|WARNING|CHECK):' <<<"$out"; then
		echo "ok $i - checkpatch $f"
	else
		echo "not ok $i - checkpatch $f"
		sed 's/^/# /' <<<"$out"
		rc=1
	fi
done
# The scheduler's internals are its own (issue 11: the old timeout handler
# put jobs back on sched.pending_list under job_list_lock by hand); recovery
# goes through drm_sched_stop/resubmit_jobs/start.
i=$((i + 1))
if hits=$(grep -nE 'pending_list|job_list_lock|->ready_list|sched->(run_wq|timeout_wq)\b' \
	kmod/*.[ch] kmod/sim/*.[ch]); then
	echo "not ok $i - kmod reaches into drm_sched internals"
	sed 's/^/# /' <<<"$hits"
	rc=1
else
	echo "ok $i - kmod uses drm_sched through its API only (no pending_list, job_list_lock)"
fi
exit $rc
