#!/bin/bash
# SPDX-License-Identifier: MIT
#
# build-debug-kernel.sh [kernel|qnn|all]: the debug kernel of the debug-kernel
# lane (KASAN, kmemleak, lockdep, DMA-API debug, fault injection), built from
# Debian's linux-source-6.12 (scripts/install-deps.sh debug) as tinyconfig +
# scripts/debug-kernel.config, and qnn.ko/qnn_sim.ko built against it.
#
# The kernel is cached under build/debug-kernel/<key>/, key = hash of the
# config fragment and the linux-source version: it rebuilds only when one of
# them changes (older keys are removed). The qnn modules are built in their
# own copy of this tree's sources, build/debug-qnn/<key>/, so their objects
# never mix with the stock-kernel build in kmod/ nor with another tree that
# shares the kernel cache; make rebuilds only what changed.
#
# Prints the key's directory on stdout; it holds bzImage, modules/ (the
# kernel's modules_install tree) and release; the qnn modules are in
# build/debug-qnn/<key>/kmod/ (qnn.ko, sim/qnn_sim.ko) of this worktree, as
# build/debug-kernel may be shared. Logs: kernel.log there, the modules' in
# build/debug-qnn/<key>.log.
#
# Environment: QNN_KERNEL_JOBS (make -j, default 2: the machine is shared).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
what=${1:-all}
frag=$top/scripts/debug-kernel.config
tarball=/usr/src/linux-source-6.12.tar.xz
jobs=${QNN_KERNEL_JOBS:-2}

log() { printf 'build-debug-kernel: %s\n' "$*" >&2; }
die() {
	log "$*"
	exit 1
}

[ -f "$tarball" ] || die "missing $tarball: run scripts/install-deps.sh debug"
ver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null) ||
	die "linux-source-6.12 not installed: run scripts/install-deps.sh debug"
key=$( (echo "$ver"; cat "$frag") | sha256sum | cut -c1-12)
base=$build/debug-kernel
dir=$base/$key
src=$dir/src
obj=$dir/obj

# Runs a long make in the background of the log, so a failure shows its tail.
run_logged() { # LOG CMD...
	local logf=$1
	shift
	if ! "$@" >>"$logf" 2>&1; then
		tail -40 "$logf" >&2
		die "failed: $* (full log: $logf)"
	fi
}

build_kernel() {
	[ -f "$dir/.stamp" ] && return 0
	# an older key's build goes; an interrupted one of this key keeps
	# its unpacked sources (the same version) but configures afresh
	find "$base" -mindepth 1 -maxdepth 1 ! -name "$key" -exec rm -rf {} + 2>/dev/null || :
	local klog=$dir/kernel.log t0=$SECONDS
	if [ ! -f "$src/.unpacked-$ver" ]; then
		rm -rf "$src"
		mkdir -p "$src"
		log "kernel $ver (key $key): unpacking $tarball"
		tar -xf "$tarball" -C "$src" --strip-components=1
		touch "$src/.unpacked-$ver"
	fi
	rm -rf "$obj" "$klog"
	mkdir -p "$obj"
	log "configuring: tinyconfig + ${frag#"$top"/}"
	run_logged "$klog" make -C "$src" O="$obj" tinyconfig
	run_logged "$klog" "$src/scripts/kconfig/merge_config.sh" -m -O "$obj" \
		"$obj/.config" "$frag"
	run_logged "$klog" make -C "$src" O="$obj" olddefconfig
	# every option of the fragment must have survived Kconfig's
	# dependencies: a silently dropped checker would make the lane blind
	local line opt val bad=0
	while IFS= read -r line; do
		[[ $line =~ ^(CONFIG_[A-Z0-9_]+)=(.*)$ ]] || continue
		opt=${BASH_REMATCH[1]}
		val=${BASH_REMATCH[2]}
		if [ "$val" = n ]; then
			grep -qE "^$opt=" "$obj/.config" || continue
		else
			grep -qx "$opt=$val" "$obj/.config" && continue
		fi
		log "config: $opt=$val requested, got: $(grep -E "^(# )?$opt[= ]" "$obj/.config" || echo unset)"
		bad=1
	done <"$frag"
	[ $bad -eq 0 ] || die "the config fragment does not apply (see above)"
	log "building bzImage + modules with -j$jobs (log: $klog)"
	run_logged "$klog" make -C "$src" O="$obj" -j"$jobs" bzImage modules
	rm -rf "$dir/modules"
	run_logged "$klog" make -C "$src" O="$obj" INSTALL_MOD_PATH="$dir/modules" \
		INSTALL_MOD_STRIP=1 DEPMOD=/bin/true modules_install
	cp "$obj/arch/x86/boot/bzImage" "$dir/bzImage"
	cat "$obj/include/config/kernel.release" >"$dir/release"
	touch "$dir/.stamp"
	log "kernel $(cat "$dir/release") built in $((SECONDS - t0)) s"
}

build_qnn() {
	[ -f "$dir/.stamp" ] || die "no debug kernel for key $key: run $0 kernel"
	# this worktree's own copy: build/debug-kernel may be a cache shared
	# by several worktrees, whose sources must not mix (cp -u below)
	local q=$build/debug-qnn/$key
	mkdir -p "$q"
	# only the files Kbuild reads; cp -u keeps make's timestamps meaningful
	(cd "$top" && cp -u --parents Kbuild kmod/Kbuild kmod/*.[ch] \
		kmod/sim/Kbuild kmod/sim/*.[ch] uapi/drm/*.h "$q/")
	: >"$q.log"
	# the source tree's Makefile named with -f: the one kbuild
	# leaves in $obj includes the source tree by the absolute path it was
	# built at, which is gone when the cache was built in another worktree
	run_logged "$q.log" make -C "$obj" -f "$src/Makefile" M="$q" modules
}

case $what in
kernel) build_kernel ;;
qnn) build_qnn ;;
all)
	build_kernel
	build_qnn
	;;
*) die "usage: $0 [kernel|qnn|all]" ;;
esac
echo "$dir"
