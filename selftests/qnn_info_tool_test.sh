#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# qnn-info against the real driver (runs in the test VM, busybox sh): it
# must list every qnn device the kernel has, and what it prints must agree
# with sysfs and the qnn_sim parameters the device was loaded with, or, in
# the PCI lane, with the functions qnn is bound to and the qnn-pci model's
# defaults (docs/hw-interface.md, "Models": the lane sets no properties).
n=0
fail=0
out=/tmp/qnn-info.$$
ok() { # ok STATUS DESC
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		fail=1
	fi
}
if [ -d /sys/bus/platform/drivers/qnn_sim ]; then
	what=qnn_sim
	devs=$(ls -d /sys/bus/platform/drivers/qnn_sim/qnn_sim.* 2>/dev/null)
	listed='(qnn_sim\.[0-9]*, platform)'
	cores=$(cat /sys/module/qnn_sim/parameters/cores)
	clk=$(cat /sys/module/qnn_sim/parameters/clock_khz)
	id=0x514e0001
else
	what=qnn-pci
	devs=$(ls -d /sys/bus/pci/drivers/qnn/0000:* 2>/dev/null)
	listed='(0000:[0-9a-f:.]*, pci)'
	cores=4
	clk=250000
	id=0x514e0002
fi

echo "TAP version 13"
command -v qnn-info >/dev/null 2>&1
ok $? "qnn-info is on PATH"

qnn-info >"$out.txt" 2>"$out.err"
ok $? "qnn-info exits 0 (a device is present)"
[ ! -s "$out.err" ]
ok $? "nothing on stderr"

# One "/dev/accel/accelN (parent, bus)" block per qnn device the kernel has.
ndev=$(echo "$devs" | grep -c .)
nlisted=$(grep -c "^/dev/accel/accel[0-9]* $listed\$" "$out.txt")
[ "$ndev" -ge 1 ] && [ "$nlisted" -eq "$ndev" ]
ok $? "lists every $what device ($nlisted listed, $ndev bound)"
grep -q "^$ndev qnn device" "$out.txt"
ok $? "headline counts $ndev device(s)"

grep -q "^  cores           $cores\$" "$out.txt"
ok $? "cores line shows $what cores=$cores"
grep -q "^  device id       $id " "$out.txt"
ok $? "device id is $what's $id"
grep -q "^  clock           $((clk / 1000))\.$(printf %03d $((clk % 1000))) MHz\$" "$out.txt"
ok $? "clock line shows $what clock_khz=$clk"

qnn-info --json >"$out.json" 2>"$out.err"
ok $? "qnn-info --json exits 0"
[ "$(wc -l <"$out.json")" -eq 1 ] && grep -q '^{"devices":\[{"path":"/dev/accel/accel' "$out.json"
ok $? "--json is one line with a non-empty devices array"
grep -q "\"cores\":$cores," "$out.json" && grep -Eq "\"clock_khz\":$clk[,}]" "$out.json"
ok $? "--json cores/clock_khz agree with $what's"
[ "$(grep -o '"driver":{"name":"qnn"' "$out.json" | wc -l)" -eq "$ndev" ]
ok $? "--json has one qnn entry per device"

rm -f "$out.txt" "$out.err" "$out.json"
echo "1..$n"
exit $fail
