# SPDX-License-Identifier: GPL-2.0-only
#
# The PCI lane's smoke tests, sourced by the VM's /init (scripts/vm-check.sh)
# after qnn.ko is loaded, before the selftest programs: they run on the
# qnn-pci reference model (qemu/hw/qnn/) and use /init's check() and $desc.
# The device must come out of each step able to run jobs: the selftests
# that follow run on it.

QNN_ID=1af4:10f0                # the reference model (kmod/qnn_pci.c)
pcidev() { # pcidev VENDOR DEVICE: the first function with that ID
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat $d/vendor)" = "0x$1" ] && [ "$(cat $d/device)" = "0x$2" ] &&
			{ echo $d; return 0; }
	done
	return 1
}
dev=$(pcidev 1af4 10f0)
bdf=${dev##*/}
drv=/sys/bus/pci/drivers/qnn
accel_of() { ls "$1"/accel 2>/dev/null | head -1; }
bound() { [ "$(readlink -f $dev/driver)" = "$(readlink -f $drv)" ]; }
desc="qnn bound the qnn-pci function ($QNN_ID) by its ID table"; check bound
desc="the function has an accel node"; check test -n "$(accel_of $dev)"
desc="kernel log shows the device's cores"; check sh -c 'dmesg | grep -q "qnn.*cores"'
# The IRQ line /proc/interrupts shows for the device (named after it, as
# qnn_device.c requests it) took at least one interrupt: the probe's
# self-test raised one. A function, not "sh -c": check() runs it here.
irq_arrived() { # irq_arrived IRQ
	awk -v n="$1:" -v d="$bdf" '$1 == n && index($0, d) {
		for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i; ok = 1 }
		END { exit !(ok && s > 0) }' /proc/interrupts ||
		{ grep -E "^ *$1:" /proc/interrupts; return 1; }
}
if [ -d $dev/msi_irqs ] && [ -n "$(ls $dev/msi_irqs)" ]; then
	v=$(ls $dev/msi_irqs | head -1)
	desc="interrupt: MSI-X vector $v, probe's self-test IRQ arrived"
	check irq_arrived $v
else
	desc="interrupt: INTx line $(cat $dev/irq), probe's self-test IRQ arrived"
	check irq_arrived $(cat $dev/irq)
fi

# unbind with a file open: the node goes, the open file still closes fine
exec 5</dev/accel/$(accel_of $dev)
desc="unbind with a file open"; check sh -c "echo $bdf >$drv/unbind && ! test -e $dev/driver"
exec 5<&-
desc="rebind"; check sh -c "echo $bdf >$drv/bind && test -n \"\$(ls $dev/accel)\""

# FLR through the PCI core: reset_prepare, the function reset, reset_done
desc="FLR (sysfs reset): reset_prepare/reset_done, device restarts"
check sh -c "echo 1 >$dev/reset && ! dmesg | grep -q 'did not restart'"

# remove and rescan: remove() with the DRM device live, then a new probe
desc="remove the function"; check sh -c "echo 1 >$dev/remove && ! test -e $dev"
desc="rescan finds and binds it again"; check sh -c "echo 1 >/sys/bus/pci/rescan && sleep 1 && test -n \"\$(ls $dev/accel)\""

# a second function with other IDs, as a card with its own would be:
# not bound until its ID is given to new_id (docs/hw-interface.md)
if d2=$(pcidev 1af4 10f1); then
	desc="a function with other IDs is not bound by the table"; check sh -c "! test -e $d2/driver"
	desc="new_id binds it"; check sh -c "echo '1af4 10f1' >$drv/new_id && sleep 1 && test -n \"\$(ls $d2/accel)\""
	desc="remove_id, unbind: the second device goes"; check sh -c "echo '1af4 10f1' >$drv/remove_id && echo ${d2##*/} >$drv/unbind && ! test -e $d2/driver"
fi
