#!/bin/bash
# SPDX-License-Identifier: MIT
#
# check.sh QNN-RUN MODEL: qnn-run --plan without a device (TAP). The VM lane
# (make vm-libqnn) checks placements on a device through the same API.
set -u
run=$1
model=$2
n=0
fail=0
tap() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }

out=$(QNN_DEVICE=cpu "$run" --plan "$model" 2>&1)
rc=$?
layers=$(grep -cE '^ *[0-9]+ ' <<<"$out")
tap $rc "qnn-run --plan exits 0"
tap $([ "$layers" = 7 ] && echo 0 || echo 1) "qnn-run --plan lists the demo model's 7 layers ($layers)"
tap $(grep -q '1 segments (0 on the device)' <<<"$out" && grep -q 'cpu: no accelerator in this context' <<<"$out" && echo 0 || echo 1) \
	"qnn-run --plan on the CPU: one segment, every layer with its reason"
json=$(QNN_DEVICE=cpu "$run" --plan --json "$model" 2>&1 | grep -c '"reason":"cpu: ')
tap $([ "$json" = 7 ] && echo 0 || echo 1) "qnn-run --plan --json: one object per layer with its reason ($json)"
out=$(QNN_DEVICE=accel:3 "$run" --plan "$model" 2>&1)
rc=$?
tap $([ $rc != 0 ] && grep -q 'accel:3.*/dev/accel' <<<"$out" && echo 0 || echo 1) \
	"QNN_DEVICE=accel:3 without such a device: an error naming what was looked for"
echo "1..$n"
exit $fail
