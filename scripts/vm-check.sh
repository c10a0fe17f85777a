#!/bin/bash
# SPDX-License-Identifier: MIT
#
# vm-check.sh: boot a 6.12 kernel in QEMU (TCG) with qnn.ko, qnn_sim.ko and
# the selftests in an initramfs, run the tests, and print one flat TAP
# stream. Fails on a failed test, a boot timeout, any kernel splat (oops,
# WARN, BUG, KASAN, lockdep, ...) in the kernel log, a kmemleak report, slab
# objects of the scheduler or the driver left after the suite, or a module
# that does not unload cleanly ("Objects remaining").
#
# Lanes (QNN_VM_LANE, docs/design.md "Test lanes"): the stock Debian kernel
# by default; with QNN_VM_KERNEL_DIR (scripts/build-debug-kernel.sh's
# directory) the debug kernel and the qnn modules built against it.
#
# Kept under build/vm/ (build/vm-<lane>/ for other lanes): initrd.gz,
# console.log (serial console), kernel.log (full dmesg at the end of the
# run), raw.log (per-program output) and selftests.tap (what this prints).
#
# Environment: QNN_VM_TIMEOUT (whole run, s, default 900), QNN_TEST_TIMEOUT
# (per test program, s, default 300), QNN_VM_SMP (default 2), QNN_VM_MEM
# (MiB, default 1024), QNN_VM_MACHINE (QEMU -machine, e.g. pc,max-ram-below-4g=1G:
# the rest of QNN_VM_MEM above 4 GiB), QNN_VM_EXTRA (a directory of extra test programs to
# run along), QNN_VM_DEBUG_OPTS (extra kernel command line, default
# slub_debug + KFENCE sampling on the stock kernel), QNN_VM_APPEND (more
# kernel command line, e.g. swiotlb=force), QNN_VM_TESTS (names of the
# selftest programs to run, default all), QNN_VM_TRINITY (trinity syscalls
# against /dev/accel/accel0, default 0: none), QNN_FUZZ_SECONDS,
# QNN_FUZZ_SEED, QNN_FUZZ_PROCS, QNN_FUZZ_FAILNTH (passed to qnn_fuzz_test), QNN_STORM_SECONDS (to qnn_jobs_storm_test),
# QNN_VM_DATA (a directory copied to /qnn-data), QNN_VM_BINS (programs
# copied to /bin with their libraries), QNN_VM_QNN_PARAMS (qnn.ko parameters,
# e.g. job_timeout_ms=10000: the simulator under TCG is slow), QNN_VM_CPU
# (QEMU -cpu model, default QEMU's).
# The PCI lane (make vm-pci): QNN_VM_QEMU (a QEMU with the qnn-pci model,
# scripts/build-qemu.sh) and QNN_VM_PCI (its machine and -device options);
# qnn_sim is then not loaded and qnn.ko binds the model's PCI function.
# QNN_VM_AER_DEV (PCI lane): the QEMU id of a qnn-pci function behind a
# root port; QEMU's monitor then listens on build/vm-<lane>/monitor.sock
# and selftests/pci/aer_inject_host.py injects the AER errors
# qnn_jobs_aer_test asks for (log: aer.log).
# Known driver bugs under repair are marked TAP TODO from
# scripts/vm-known-bugs.txt.
set -u -o pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
deps=${DEPS:-$build/deps}
lane=${QNN_VM_LANE:-stock}
out=$build/vm
[ "$lane" = stock ] || out=$build/vm-$lane
vm_timeout=${QNN_VM_TIMEOUT:-900}
test_timeout=${QNN_TEST_TIMEOUT:-300}

tap=$out/selftests.tap
n=0
failed=0

emit() { echo "$*" | tee -a "$tap"; }
# A failure whose description matches a known driver bug of this lane
# (scripts/vm-known-bugs.txt: lane, ERE, reason) is kept as a failure but
# marked TAP TODO, so it shows without failing the run until the fix lands.
known_todo() { # known_todo DESCRIPTION: prints the reason, or fails
	local l re why
	[ -f "$top/scripts/vm-known-bugs.txt" ] || return 1
	while IFS=$'\t' read -r l re why; do
		case $l in '#'* | '') continue ;; esac
		[ "$l" = "$lane" ] || [ "$l" = '*' ] || continue
		if grep -qE -- "$re" <<<"$1"; then
			echo "$why"
			return 0
		fi
	done <"$top/scripts/vm-known-bugs.txt"
	return 1
}
result() { # result ok|not-ok description
	local why
	n=$((n + 1))
	if [ "$1" = ok ]; then
		# a known bug that no longer shows: the summary asks to drop it
		if why=$(known_todo "$2"); then
			emit "ok $n - $2 # TODO known bug: $why"
		else
			emit "ok $n - $2"
		fi
	elif why=$(known_todo "$2"); then
		emit "not ok $n - $2 # TODO known bug: $why"
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

if [ -n "${QNN_VM_KERNEL_DIR:-}" ]; then
	# the debug kernel: its modules tree and qnn built against it
	kdir=$QNN_VM_KERNEL_DIR
	krel=$(cat "$kdir/release" 2>/dev/null) || die "no debug kernel in $kdir: run scripts/build-debug-kernel.sh"
	kroot=$kdir/modules
	vmlinuz=$kdir/bzImage
	# qnn built against it in this worktree (build-debug-kernel.sh)
	qdir=$build/debug-qnn/${kdir##*/}
	[ -d "$qdir" ] || qdir=$kdir/qnn
	qnn_ko=$qdir/kmod/qnn.ko
	sim_ko=$qdir/kmod/sim/qnn_sim.ko
else
	krel=$(cat "$deps/kernel/release" 2>/dev/null) || die "no kernel under $deps/kernel: run scripts/install-deps.sh vm"
	kroot=$deps/kernel/root
	vmlinuz=$kroot/boot/vmlinuz-$krel
	qnn_ko=$top/kmod/qnn.ko
	sim_ko=$top/kmod/sim/qnn_sim.ko
fi
kmods=$kroot/lib/modules/$krel
[ -f "$vmlinuz" ] || die "missing $vmlinuz"
for ko in "$qnn_ko" "$sim_ko"; do
	[ -f "$ko" ] || die "missing $ko: run make modules"
done
busybox=$(command -v busybox) || die "busybox missing: scripts/install-deps.sh vm"
qemu=${QNN_VM_QEMU:-$(command -v qemu-system-x86_64)} || die "qemu-system-x86_64 missing: scripts/install-deps.sh vm"
pci=${QNN_VM_PCI:-}
qemu_args=()
if [ -n "$pci" ]; then
	# a QEMU built here has no firmware of its own: Debian's SeaBIOS and
	# option ROMs; no NIC (its ROM is not needed)
	read -r -a qemu_args <<<"-L /usr/share/qemu -L /usr/share/seabios -nic none $pci"
fi

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
# (drm_kms_helper only where the kernel has it as a module)
extra_mods="gpu-sched"
[ -n "${modpath[drm_kms_helper]:-}" ] && extra_mods="drm_kms_helper $extra_mods"
for m in $(modinfo -F depends "$qnn_ko" | tr ',' ' ') $extra_mods; do
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
cp "$qnn_ko" "$sim_ko" "$root/lib/modules/qnn/"
echo /lib/modules/qnn/qnn.ko >>"$loadorder"
[ -n "$pci" ] || echo /lib/modules/qnn/qnn_sim.ko >>"$loadorder"
# the PCI lane's smoke checks and probe/remove/reset tests (run by /init)
[ -z "$pci" ] || cp "$top/selftests/pci/pci-smoke.sh" "$root/lib/modules/qnn/"
# the AER injector listens on the host (qnn_jobs_aer_test reads the id)
aer_dev=""
[ -z "$pci" ] || aer_dev=${QNN_VM_AER_DEV:-}
[ -z "$aer_dev" ] || echo "$aer_dev" >"$root/lib/modules/qnn/aer-injector"

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
		if [ -n "${QNN_VM_TESTS:-}" ]; then
			# names or shell patterns (qnn_jobs_*_test)
			pick=0
			set -f
			for pat in $QNN_VM_TESTS; do
				# shellcheck disable=SC2254
				case ${t##*/} in $pat) pick=1 ;; esac
			done
			set +f
			[ $pick = 1 ] || continue
		fi
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
trinity_n=${QNN_VM_TRINITY:-0}
if [ "$trinity_n" -gt 0 ]; then
	trinity=$(command -v trinity) || die "trinity missing: scripts/install-deps.sh debug"
	cp "$trinity" "$root/bin/trinity"
	copy_libs "$trinity"
fi
# data for extra programs (models, images), at /qnn-data in the guest
if [ -n "${QNN_VM_DATA:-}" ]; then
	mkdir -p "$root/qnn-data"
	cp -rL "$QNN_VM_DATA"/. "$root/qnn-data/"
fi
# tools the extra programs call (e.g. qnn-run), at /bin with their libraries
for b in ${QNN_VM_BINS:-}; do
	cp "$b" "$root/bin/"
	copy_libs "$b"
done
for tool in qnn-info qnn-top; do
	if [ -x "$build/tools/$tool" ]; then
		cp "$build/tools/$tool" "$root/bin/$tool"
		copy_libs "$build/tools/$tool"
	fi
done

# --- /init -------------------------------------------------------------------
# Program output goes to ttyS1 (a file on the host) framed by markers, so
# kernel messages on the console can never break a TAP line.
# Passed into the guest as they are on the host (unset stays unset).
guest_env=""
for v in QNN_FUZZ_SECONDS QNN_FUZZ_SEED QNN_FUZZ_PROCS QNN_FUZZ_FAILNTH QNN_STORM_SECONDS; do
	[ -n "${!v:-}" ] && guest_env+="export $v=${!v}"$'\n'
done
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
$guest_env
KL=/sys/kernel/debug/kmemleak

begin() { echo "=== BEGIN \$1" >&3; t0=\$(date +%s); }
end() { echo "# \$1 took \$((\$(date +%s) - t0)) s" >&3; echo "=== END \$1 rc=\$2" >&3; }
check() { # check DESC CMD...: one TAP line of the vm-smoke program
	n=\$((n + 1))
	if "\$@" >/tmp/check.out 2>&1; then echo "ok \$n - \$desc" >&3
	else echo "not ok \$n - \$desc" >&3; sed 's/^/# /' /tmp/check.out >&3; fi
}
# Objects in use per slab cache ("name count"); per-CPU slabs are flushed
# first so that a count is exact, and RCU-freed objects get a grace period.
slab() {
	sleep 1
	for c in /sys/kernel/slab/*/shrink; do echo 1 >"\$c"; done 2>/dev/null
	awk 'NR > 2 { print \$1, \$2 }' /proc/slabinfo
}

begin vm-load
rc=0
while read -r m; do
	p=""
	case \$m in */qnn.ko) p="${QNN_VM_QNN_PARAMS:-}" ;; esac
	insmod "\$m" \$p >&3 2>&1 || { echo "# insmod \$m failed" >&3; rc=1; }
done </lib/modules/qnn/load-order
end vm-load \$rc

# leak accounting starts here: boot-time kmemleak reports are not ours
[ -e \$KL ] && echo clear >\$KL
slab >/tmp/slab.before
# fault injection (debug kernel): fail-nth must reach GFP_KERNEL slab
# allocations, and an injected failure is not a splat
if [ -d /sys/kernel/debug/failslab ]; then
	echo N >/sys/kernel/debug/failslab/ignore-gfp-wait
	echo 0 >/sys/kernel/debug/failslab/verbose
	echo 0 >/sys/kernel/debug/fail_page_alloc/verbose
fi

begin vm-smoke
n=0
if [ -n "$pci" ]; then
. /lib/modules/qnn/pci-smoke.sh
else
desc="qnn and qnn_sim are loaded"; check grep -q '^qnn_sim ' /proc/modules
desc="/dev/accel/accel0 exists"; check test -c /dev/accel/accel0
desc="debugfs accel/0/bo_count reads 0"; check grep -qx 0 /sys/kernel/debug/accel/0/bo_count
desc="kernel log shows the simulated device"; check sh -c 'dmesg | grep -q "qnn.*cores"'
ctl=/sys/bus/platform/drivers/qnn_sim
desc="qnn_sim new_device adds a device at run time"; check sh -c "echo 5 >\$ctl/new_device && test -e /sys/bus/platform/devices/qnn_sim.5/accel"
desc="qnn_sim new_device refuses a duplicate"; check sh -c "! echo 5 >\$ctl/new_device"
desc="qnn_sim del_device removes it"; check sh -c "echo 5 >\$ctl/del_device && ! test -e /sys/bus/platform/devices/qnn_sim.5"
desc="qnn_sim del_device refuses an unknown id"; check sh -c "! echo 6 >\$ctl/del_device"
fi
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

# trinity: random syscalls on the accel node, its only victim file: ioctls
# and mappings. Not read(): a DRM fd's read blocks for events, and
# trinity's children stall on it. (An ioctl-only set stalls after start-up.)
if [ -x /bin/trinity ]; then
	begin trinity
	echo "[qnn-vm] running trinity" >/dev/kmsg
	cd /tmp
	# bounded by calls and by time: trinity's children can stall on the
	# debug kernel; SIGINT makes it stop and print what it ran
	timeout -s INT -k 60 ${QNN_VM_TRINITY_SECONDS:-300} \
		trinity --dangerous -q -l off -N $trinity_n -C 2 \
		-V /dev/accel/accel0 -a 64 --stats \
		-c ioctl -c mmap -c munmap -c mremap -c madvise \
		--disable-fds=sockets,pipes,perf,epoll,eventfd,pseudo,timerfd,testfile,memfd,drm \
		>/tmp/trinity.out 2>&1
	sed -n '/fd providers/p;/Ran [0-9]/,\$p' /tmp/trinity.out |
		grep -v '^32bit' | head -40 | sed 's/^/# /' >&3
	ran=\$(sed -n 's/.*Ran \([0-9]*\) syscalls.*/\1/p' /tmp/trinity.out | tail -1)
	if [ -n "\$ran" ]; then
		echo "ok 1 - trinity ran \$ran syscalls on /dev/accel/accel0 (bound: $trinity_n calls, ${QNN_VM_TRINITY_SECONDS:-300} s)" >&3
	else
		echo "not ok 1 - trinity did not report the syscalls it ran" >&3
	fi
	cd /
	end trinity 0
fi

# kmemleak: objects young than 5 s are not reported, so scan, wait, scan
if [ -e \$KL ]; then
	begin kmemleak-scan
	echo scan >\$KL; sleep 6; echo scan >\$KL
	cat \$KL >/tmp/kmemleak.txt
	end kmemleak-scan 0
fi

begin vm-unload
n=0
[ -n "$pci" ] || { desc="rmmod qnn_sim after all fds closed"; check rmmod qnn_sim; }
desc="rmmod qnn after all fds closed"; check rmmod qnn
slab >/tmp/slab.after
echo "[qnn-vm] unloading the DRM helpers" >/dev/kmsg
desc="rmmod gpu_sched"; check rmmod gpu_sched
desc="rmmod drm_shmem_helper"; check rmmod drm_shmem_helper
echo "1..\$n" >&3
end vm-unload 0

# PCI lane: qnn bound again for the power-off, whose .shutdown must leave
# the device quiet; the model reports its state when QEMU exits (checked
# on the host below)
if [ -n "$pci" ]; then
	begin vm-shutdown
	echo "[qnn-vm] reloading qnn for the .shutdown check" >/dev/kmsg
	while read -r m; do insmod "\$m" 2>/dev/null; done </lib/modules/qnn/load-order
	n=0
	desc="qnn bound again before the power-off"; check test -c /dev/accel/accel0
	echo "1..\$n" >&3
	end vm-shutdown 0
fi

echo "=== SLAB-BEFORE" >&3
cat /tmp/slab.before >&3
echo "=== SLAB-AFTER" >&3
cat /tmp/slab.after >&3
if [ -e /tmp/kmemleak.txt ]; then
	echo "=== KMEMLEAK" >&3
	cat /tmp/kmemleak.txt >&3
fi
# lockdep turns itself off after its first report or when its tables fill:
# a lane that ends with it off saw nothing after that point
if [ -e /proc/lockdep_stats ]; then
	echo "=== LOCKDEP" >&3
	cat /proc/lockdep_stats >&3
fi
echo "=== DMESG" >&3
dmesg >&3
echo "=== VM DONE" >&3
sync
poweroff -f
sleep 5
reboot -f
EOF
chmod +x "$root/init"

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out/initrd.gz" ||
	die "cannot build the initramfs"

# --- boot ---------------------------------------------------------------------
# The distribution kernel has no KASAN; these make the allocator catch what it
# can: redzones, poisoning and free-pointer checks on every slab object (a
# use-after-free or overflow then shows as "BUG <cache>: ..."), and KFENCE
# sampling for use-after-free of sampled objects.
# The debug kernel has KASAN and kmemleak instead. slab_nomerge: every cache
# keeps its own name in /proc/slabinfo (leak accounting).
if [ -n "${QNN_VM_KERNEL_DIR:-}" ]; then
	debug_opts=${QNN_VM_DEBUG_OPTS-}
else
	debug_opts=${QNN_VM_DEBUG_OPTS-slub_debug=FZPU kfence.sample_interval=10}
fi
# TCG on a shared, loaded host can starve a vCPU for many seconds: RCU
# stall and soft-lockup reports then mean a slow host, not a kernel bug. A
# kernel that really loops is still reported, after 120 s.
# A kernel that oopses, locks up or deadlocks ends the VM at once (panic,
# then -no-reboot): a task killed holding a lock would otherwise leave the
# rest spinning until the lane's timeout, and CI has one budget for all.
fail_fast="oops=panic softlockup_panic=1 hung_task_panic=1"
[ -n "${QNN_VM_KERNEL_DIR:-}" ] && fail_fast="$fail_fast kasan.fault=panic"
debug_opts="slab_nomerge rcupdate.rcu_cpu_stall_timeout=120 watchdog_thresh=60 $fail_fast $debug_opts ${QNN_VM_APPEND:-}"
echo "# vm-check ($lane): kernel $krel, $ntests selftest programs, timeout ${vm_timeout}s, command line: $debug_opts"
start=$(date +%s)
monitor=(-monitor none)
aer_pid=""
if [ -n "$aer_dev" ]; then
	# HMP on a socket, for pcie_aer_inject_error (QMP has no such command)
	monitor=(-monitor "unix:$out/monitor.sock,server=on,wait=off")
	python=/usr/bin/python3
	[ -x $python ] || python=python3
	$python "$top/selftests/pci/aer_inject_host.py" "$out/raw.all" \
		"$out/monitor.sock" "$out/aer.log" "$vm_timeout" &
	aer_pid=$!
fi
timeout -s KILL "$vm_timeout" "$qemu" -m "${QNN_VM_MEM:-1024}" -smp "${QNN_VM_SMP:-2}" \
	${QNN_VM_MACHINE:+-machine "$QNN_VM_MACHINE"} \
	${QNN_VM_CPU:+-cpu "$QNN_VM_CPU"} \
	-nographic -no-reboot "${monitor[@]}" \
	-kernel "$vmlinuz" -initrd "$out/initrd.gz" \
	-serial stdio -serial file:"$out/raw.all" \
	-append "console=ttyS0 quiet panic=-1 rdinit=/init $debug_opts" \
	"${qemu_args[@]}" \
	</dev/null >"$out/console.log" 2>&1
qrc=$?
echo "# vm-check: qemu exited with $qrc after $(($(date +%s) - start)) s"
if [ -n "$aer_pid" ]; then
	kill "$aer_pid" 2>/dev/null
	wait "$aer_pid" 2>/dev/null
	sed 's/^/# aer-injector: /' "$out/aer.log" 2>/dev/null
fi

# the guest's tty turns "\n" into "\r\n"
raw=$out/raw.txt
tr -d '\r' <"$out/raw.all" >"$raw" 2>/dev/null || : >"$raw"
block() { # block NAME: the lines between "=== NAME" and the next "=== " line
	sed -n "/^=== $1\$/,/^=== /p" "$raw" | sed '1d;/^=== /d'
}
block DMESG >"$out/kernel.log"
block SLAB-BEFORE >"$out/slab.before"
block SLAB-AFTER >"$out/slab.after"
block KMEMLEAK >"$out/kmemleak.txt"
block LOCKDEP >"$out/lockdep_stats.txt"
sed '/^=== \(SLAB-BEFORE\|DMESG\)$/,$d' "$raw" >"$out/raw.log"

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
# .shutdown (qnn_pci_shutdown): the qnn-pci model's state when QEMU exited
# after the power-off (exit-report=on): ring off, interrupts masked, no
# job running, bus mastering off
if [[ $pci == *exit-report=on* ]]; then
	st=$(sed -n 's/^qnn-pci qnn0: at exit: //p' "$out/console.log" | head -1)
	case $st in
	"enable=0 busy=0 irq_mask=0 bus_master=0 "*)
		result ok "shutdown: the device was quiet at power-off ($st)" ;;
	"") result not-ok "shutdown: no exit report from the qnn-pci model" ;;
	*) result not-ok "shutdown: the device was not quiesced at power-off ($st)" ;;
	esac
fi

# --- the kernel log: the suite, then the unloading of the DRM helpers --------
# lockdep, DMA-API debug, debugobjects and the fence-signalling annotations
# report through WARNING:/BUG:/INFO: headlines; KASAN through "BUG: KASAN".
# (Not "DMA-API" alone: its boot banner says "DMA-API: preallocated ...".)
splat='Oops|WARNING:|BUG:|BUG [a-z0-9_-]+ \(|KASAN|KFENCE|UBSAN|Call Trace|general protection|refcount_t|list_add corruption|list_del corruption|Redzone|Poison overwritten|Object already free|Kernel panic|kernel BUG|INFO: task .* blocked|INFO: trying to register|INFO: lockdep|DEBUG_LOCKS_WARN_ON|ODEBUG|stack-protector|segfault at'
mark='\[qnn-vm\] unloading the DRM helpers'
sed "/$mark/,\$d" "$out/kernel.log" >"$out/kernel-suite.log"
sed -n "/$mark/,\$p" "$out/kernel.log" >"$out/kernel-unload.log"
splat_check() { # splat_check FILE DESCRIPTION
	local hits
	if hits=$(grep -aE "$splat" "$1"); then
		result not-ok "$2: $(grep -aE "$splat" "$1" | head -1 |
			sed 's/^\[[ 0-9.]*\] //' | cut -c1-100)"
		sed 's/^/#   /' <<<"$hits" | head -40 | tee -a "$tap"
	else
		result ok "$2: no oops/WARN/BUG/KASAN/lockdep splat"
	fi
}
splat_check "$out/kernel-suite.log" "kernel log while the suite ran"
# the report of a cache destroyed with objects in it is the leak test's
# (below); any other splat of the unloading counts here
grep -avE 'Objects remaining|__kmem_cache_shutdown|__slab_err|kmem_cache_destroy|Slab cache still has objects|Call Trace' \
	"$out/kernel-unload.log" >"$out/kernel-unload-other.log"
splat_check "$out/kernel-unload-other.log" "kernel log while gpu_sched and drm_shmem_helper unloaded"
# what reached the console after the log was dumped (poweroff)
tr -d '\r' <"$out/console.log" | grep -avxFf "$out/kernel.log" >"$out/console-only.log"
splat_check "$out/console-only.log" "console after the kernel log was saved"

# --- leak accounting ------------------------------------------------------------
# Slab caches of the scheduler and the driver: objects in use after the suite
# (every file closed, qnn unloaded) must be back to what they were before.
track=${QNN_VM_SLAB_TRACK:-^(drm_sched_fence|qnn)}
for c in $(cat "$out/slab.before" "$out/slab.after" | awk '{ print $1 }' |
	grep -E "$track" | sort -u); do
	b=$(awk -v c="$c" '$1 == c { print $2 }' "$out/slab.before")
	a=$(awk -v c="$c" '$1 == c { print $2 }' "$out/slab.after")
	if [ "${a:-0}" -le "${b:-0}" ]; then
		result ok "leak: slab $c: no objects left after the suite (${b:-0} before, ${a:-0} after)"
	else
		result not-ok "leak: slab $c: $((a - ${b:-0})) objects left after the suite (${b:-0} before, $a after)"
	fi
done
if [ ! -s "$out/slab.before" ] || [ ! -s "$out/slab.after" ]; then
	result not-ok "leak: no slab counts from the guest (/proc/slabinfo)"
else
	# where else memory went (a hint for the tests above, not asserted:
	# generic kmalloc caches move with everything)
	emit "# slab caches that grew most over the suite:"
	LC_ALL=C join <(LC_ALL=C sort "$out/slab.before") <(LC_ALL=C sort "$out/slab.after") |
		awk '$3 > $2 { print $3 - $2, $1, $2 " -> " $3 }' | sort -rn | head -6 |
		sed 's/^/#   +/' | tee -a "$tap"
fi
# "BUG <cache> (...): Objects remaining on __kmem_cache_shutdown()"
remaining=$(sed -nE 's/.*BUG ([a-z0-9_-]+) \(.*Objects remaining.*/\1/p' \
	"$out/kernel-unload.log" | sort -u | xargs)
if grep -q '^=== VM DONE$' "$raw" && [ -z "$remaining" ]; then
	result ok "unload: Objects remaining in: none (gpu_sched, drm_shmem_helper)"
elif [ -n "$remaining" ]; then
	result not-ok "unload: Objects remaining in: $remaining"
else
	result not-ok "unload: the VM did not get to unloading gpu_sched and drm_shmem_helper"
fi
if [ -n "${QNN_VM_KERNEL_DIR:-}" ]; then
	leaks=$(grep -c '^unreferenced object' "$out/kmemleak.txt")
	if grep -q '^=== KMEMLEAK$' "$raw" && [ "$leaks" -eq 0 ]; then
		result ok "kmemleak: no unreferenced object after the suite"
	elif [ "$leaks" -gt 0 ]; then
		# each object's allocation site: the first frame of its backtrace
		# past the allocator's own
		sites=$(awk '/^unreferenced object/ { if (n++) print (bt != "" ? bt : "?"); bt = "" }
			/\+0x[0-9a-f]+\/0x/ { if ($1 !~ /kmalloc|noprof|kmemleak|slab|kvmalloc|__alloc|kmem_cache|alloc_pages/ && bt == "") bt = $1 }
			END { print (bt != "" ? bt : "?") }' "$out/kmemleak.txt" | sed 's/+.*//' |
			sort | uniq -c | sort -rn |
			awk '{ printf("%s%s (%s)", (NR > 1 ? ", " : ""), $2, $1) }')
		result not-ok "kmemleak: $leaks unreferenced objects, allocated in: $sites"
		head -30 "$out/kmemleak.txt" | sed 's/^/#   /' | tee -a "$tap"
	else
		result not-ok "kmemleak: no scan result from the guest"
	fi
	if grep -Eq '^ *debug_locks: +1$' "$out/lockdep_stats.txt"; then
		result ok "lockdep: still checking at the end of the suite (debug_locks 1)"
	else
		result not-ok "lockdep: off by the end of the suite (debug_locks not 1 in /proc/lockdep_stats): it stopped checking after an earlier report or a full table"
	fi
fi

emit "1..$n"
exit $failed
