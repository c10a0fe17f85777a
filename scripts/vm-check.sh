#!/bin/bash
# SPDX-License-Identifier: MIT
#
# vm-check.sh: boot the Debian 6.12 kernel in QEMU (TCG) with qnn.ko,
# qnn_sim.ko and every selftest in an initramfs, run the tests, and print one
# flat TAP stream. Fails on a failed test, a boot timeout, or any kernel splat
# (oops, WARN, BUG, KASAN, ...) in the kernel log.
#
# Kept under build/vm/: initrd.gz, console.log (serial console), kernel.log
# (full dmesg at the end of the run), raw.log (per-program output) and
# selftests.tap (what this script prints).
#
# Environment: QNN_VM_TIMEOUT (whole run, s, default 1800), QNN_TEST_TIMEOUT
# (per test program, s, default 300), QNN_VM_SMP (default 2), QNN_VM_MEM
# (MiB, default 1024), QNN_VM_EXTRA (a directory of extra test programs to
# run along), QNN_VM_DEBUG_OPTS (extra kernel command line, default
# slub_debug + KFENCE sampling).
set -u -o pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
deps=${DEPS:-$build/deps}
out=$build/vm
vm_timeout=${QNN_VM_TIMEOUT:-1800}
test_timeout=${QNN_TEST_TIMEOUT:-300}

tap=$out/selftests.tap
n=0
failed=0

emit() { echo "$*" | tee -a "$tap"; }
result() { # result ok|not-ok description
	n=$((n + 1))
	if [ "$1" = ok ]; then
		emit "ok $n - $2"
	else
		emit "not ok $n - $2"
		failed=1
	fi
}
die() {
	mkdir -p "$out"
	echo "not ok 1 - vm-check: $*" | tee "$tap"
	exit 1
}

krel=$(cat "$deps/kernel/release" 2>/dev/null) || die "no kernel under $deps/kernel: run scripts/install-deps.sh vm"
kroot=$deps/kernel/root
vmlinuz=$kroot/boot/vmlinuz-$krel
kmods=$kroot/lib/modules/$krel
[ -f "$vmlinuz" ] || die "missing $vmlinuz"
for ko in "$top/kmod/qnn.ko" "$top/kmod/sim/qnn_sim.ko"; do
	[ -f "$ko" ] || die "missing $ko: run make modules"
done
busybox=$(command -v busybox) || die "busybox missing: scripts/install-deps.sh vm"
qemu=$(command -v qemu-system-x86_64) || die "qemu-system-x86_64 missing: scripts/install-deps.sh vm"

rm -rf "$out"
mkdir -p "$out"
: >"$tap"
root=$out/initramfs
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,selftests,lib/modules/qnn,etc}

# --- Debian modules qnn.ko needs, in load order (dependencies first) --------
declare -A modpath=() loaded=()
while IFS= read -r f; do
	b=${f##*/}
	b=${b%%.ko*}
	modpath[${b//-/_}]=$f
done < <(find "$kmods/kernel" -name '*.ko*')

order=()
add_mod() { # add_mod NAME: NAME's dependencies, then NAME
	local name=${1//-/_} f d
	[ -n "${loaded[$name]:-}" ] && return 0
	loaded[$name]=1
	f=${modpath[$name]:-}
	[ -n "$f" ] || die "kernel module $1 not found under $kmods"
	for d in $(modinfo -F depends "$f" | tr ',' ' '); do
		add_mod "$d"
	done
	order+=("$f")
}
# what qnn.ko links against, plus what job execution (gpu-sched) and the
# issue's boot recipe (drm_kms_helper) want present
for m in $(modinfo -F depends "$top/kmod/qnn.ko" | tr ',' ' ') drm_kms_helper gpu-sched; do
	add_mod "$m"
done

loadorder=$root/lib/modules/qnn/load-order
: >"$loadorder"
for f in "${order[@]}"; do
	rel=${f#"$kroot"}
	rel=${rel%.xz}
	mkdir -p "$root$(dirname "$rel")"
	case $f in
	*.xz) xz -dc "$f" >"$root$rel" ;;
	*.zst) zstd -qdc "$f" >"$root${rel%.zst}"; rel=${rel%.zst} ;;
	*) cp "$f" "$root$rel" ;;
	esac
	echo "$rel" >>"$loadorder"
done
cp "$top/kmod/qnn.ko" "$top/kmod/sim/qnn_sim.ko" "$root/lib/modules/qnn/"
printf '%s\n' /lib/modules/qnn/qnn.ko /lib/modules/qnn/qnn_sim.ko >>"$loadorder"

# --- programs and their shared libraries ------------------------------------
cp "$busybox" "$root/bin/busybox"
copy_libs() { # copy_libs BINARY: its shared libraries, at the same paths
	local lib
	for lib in $(LD_LIBRARY_PATH=$build/libqnn${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH} \
		ldd "$1" 2>/dev/null | grep -oE '(/[^ ]+)' ); do
		[ -e "$root$lib" ] && continue
		case $lib in
		"$build"/*) mkdir -p "$root/lib/x86_64-linux-gnu"
			cp -L "$lib" "$root/lib/x86_64-linux-gnu/" ;;
		*) mkdir -p "$root$(dirname "$lib")"
			cp -L "$lib" "$root$lib" ;;
		esac
	done
}
ntests=0
if [ -d "$build/selftests" ]; then
	for t in "$build/selftests"/*; do
		[ -f "$t" ] && [ -x "$t" ] || continue
		cp "$t" "$root/selftests/"
		copy_libs "$t"
		ntests=$((ntests + 1))
	done
fi
# ad-hoc programs for a developer's run, e.g. QNN_VM_EXTRA=/tmp/mytests
for t in ${QNN_VM_EXTRA:+"$QNN_VM_EXTRA"/*}; do
	[ -f "$t" ] && [ -x "$t" ] || continue
	cp "$t" "$root/selftests/"
	copy_libs "$t"
	ntests=$((ntests + 1))
done
if [ -x "$build/tools/qnn-info" ]; then
	cp "$build/tools/qnn-info" "$root/bin/qnn-info"
	copy_libs "$build/tools/qnn-info"
fi

# --- /init -------------------------------------------------------------------
# Program output goes to ttyS1 (a file on the host) framed by markers, so
# kernel messages on the console can never break a TAP line.
cat >"$root/init" <<EOF
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/selftests:/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
mount -t tmpfs tmpfs /tmp
exec 3>/dev/ttyS1
T=$test_timeout

begin() { echo "=== BEGIN \$1" >&3; }
end() { echo "=== END \$1 rc=\$2" >&3; }
check() { # check DESC CMD...: one TAP line of the vm-smoke program
	n=\$((n + 1))
	if "\$@" >/tmp/check.out 2>&1; then echo "ok \$n - \$desc" >&3
	else echo "not ok \$n - \$desc" >&3; sed 's/^/# /' /tmp/check.out >&3; fi
}

begin vm-load
rc=0
while read -r m; do
	insmod "\$m" >&3 2>&1 || { echo "# insmod \$m failed" >&3; rc=1; }
done </lib/modules/qnn/load-order
end vm-load \$rc

begin vm-smoke
n=0
desc="qnn and qnn_sim are loaded"; check grep -q '^qnn_sim ' /proc/modules
desc="/dev/accel/accel0 exists"; check test -c /dev/accel/accel0
desc="debugfs accel/0/bo_count reads 0"; check grep -qx 0 /sys/kernel/debug/accel/0/bo_count
desc="kernel log shows the simulated device"; check sh -c 'dmesg | grep -q "qnn.*cores"'
ctl=/sys/bus/platform/drivers/qnn_sim
desc="qnn_sim new_device adds a device at run time"; check sh -c "echo 5 >\$ctl/new_device && test -e /sys/bus/platform/devices/qnn_sim.5/accel"
desc="qnn_sim new_device refuses a duplicate"; check sh -c "! echo 5 >\$ctl/new_device"
desc="qnn_sim del_device removes it"; check sh -c "echo 5 >\$ctl/del_device && ! test -e /sys/bus/platform/devices/qnn_sim.5"
desc="qnn_sim del_device refuses an unknown id"; check sh -c "! echo 6 >\$ctl/del_device"
echo "1..\$n" >&3
end vm-smoke 0

for t in \$(ls /selftests | sort); do
	[ -x "/selftests/\$t" ] || continue
	begin "\$t"
	echo "[qnn-vm] running \$t" >/dev/kmsg
	cd /tmp
	timeout -s KILL \$T "/selftests/\$t" >&3 2>&1
	rc=\$?
	cd /
	end "\$t" \$rc
done

if [ -x /bin/qnn-info ]; then
	begin qnn-info
	timeout -s KILL 60 qnn-info >&3 2>&1
	end qnn-info \$?
fi

begin vm-unload
n=0
desc="rmmod qnn_sim after all fds closed"; check rmmod qnn_sim
desc="rmmod qnn after all fds closed"; check rmmod qnn
echo "1..\$n" >&3
end vm-unload 0

echo "=== DMESG" >&3
dmesg >&3
echo "=== VM DONE" >&3
sync
poweroff -f
EOF
chmod +x "$root/init"

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out/initrd.gz" ||
	die "cannot build the initramfs"

# --- boot ---------------------------------------------------------------------
# The distribution kernel has no KASAN; these make the allocator catch what it
# can: redzones, poisoning and free-pointer checks on every slab object (a
# use-after-free or overflow then shows as "BUG <cache>: ..."), and KFENCE
# sampling for use-after-free of sampled objects.
debug_opts=${QNN_VM_DEBUG_OPTS-slub_debug=FZPU kfence.sample_interval=10}
echo "# vm-check: kernel $krel, $ntests selftest programs, timeout ${vm_timeout}s"
start=$(date +%s)
timeout -s KILL "$vm_timeout" "$qemu" -m "${QNN_VM_MEM:-1024}" -smp "${QNN_VM_SMP:-2}" \
	-nographic -no-reboot -monitor none \
	-kernel "$vmlinuz" -initrd "$out/initrd.gz" \
	-serial stdio -serial file:"$out/raw.all" \
	-append "console=ttyS0 quiet panic=-1 rdinit=/init $debug_opts" \
	</dev/null >"$out/console.log" 2>&1
qrc=$?
echo "# vm-check: qemu exited with $qrc after $(($(date +%s) - start)) s"

# the guest's tty turns "\n" into "\r\n"
raw=$out/raw.txt
tr -d '\r' <"$out/raw.all" >"$raw" 2>/dev/null || : >"$raw"
sed -n '/^=== DMESG$/,/^=== VM DONE$/p' "$raw" | sed '1d;$d' >"$out/kernel.log"
sed '/^=== DMESG$/,$d' "$raw" >"$out/raw.log"

# --- results: one flat TAP stream -------------------------------------------
# Each program's "ok N - x" lines become "ok M - program: x"; a program that
# exits non-zero (or is killed by the timeout) without a "not ok" of its own
# adds one; everything else is kept as a "#" comment.
prog=""
pfail=0
pres=0
while IFS= read -r line; do
	case $line in
	"=== BEGIN "*)
		prog=${line#=== BEGIN }
		pfail=0
		pres=0
		emit "# --- $prog"
		;;
	"=== END "*)
		rc=${line##*rc=}
		if [ "$rc" != 0 ] && [ "$pfail" = 0 ]; then
			why="exited with status $rc"
			[ "$rc" = 137 ] && why="killed after ${test_timeout}s (timeout)"
			result not-ok "$prog: $why"
		elif [ "$pres" = 0 ] && [ "$rc" = 0 ]; then
			result ok "$prog"
		fi
		prog=""
		;;
	*)
		if [[ $line =~ ^[[:space:]]*(not\ )?ok\ [0-9]+(\ -)?\ ?(.*)$ ]] && [ -n "$prog" ]; then
			pres=1
			if [ -n "${BASH_REMATCH[1]}" ]; then
				pfail=1
				result not-ok "$prog: ${BASH_REMATCH[3]}"
			else
				result ok "$prog: ${BASH_REMATCH[3]}"
			fi
		else
			emit "# $line"
		fi
		;;
	esac
done <"$out/raw.log"
[ -n "$prog" ] && result not-ok "$prog: did not finish (VM crashed or timed out)"

if grep -q '^=== VM DONE$' "$raw"; then
	result ok "vm: booted, ran every program, powered off"
else
	result not-ok "vm: did not finish within ${vm_timeout}s (see $out/console.log)"
fi

splat='Oops|WARNING:|BUG:|BUG [a-z0-9_-]+ \(|KASAN|KFENCE|UBSAN|Call Trace|general protection|refcount_t|list_add corruption|list_del corruption|Redzone|Poison overwritten|Object already free|Kernel panic|kernel BUG|INFO: task .* blocked|stack-protector|segfault at'
if hits=$(cat "$out/console.log" "$out/kernel.log" | grep -aE "$splat"); then
	result not-ok "kernel log: splat found"
	sed 's/^/#   /' <<<"$hits" | head -40 | tee -a "$tap"
else
	result ok "kernel log: no oops/WARN/BUG/KASAN splat"
fi

emit "1..$n"
exit $failed
