#!/bin/bash
# SPDX-License-Identifier: MIT
#
# Installs what qnn's build, tests and demo need, from Debian packages only.
# Idempotent and quick when everything is present.
#
#   scripts/install-deps.sh [GROUP...]     (default: build vm cross fuzz)
#
# Groups:
#   build  compilers, libdrm, OpenBLAS, protobuf-c, zlib, libpng, onnx.proto,
#          pahole (the 6.12 headers generate BTF for modules), dtc and
#          dt-schema (the device-tree binding check, scripts/dt-check.sh),
#          clang, llvm, libbpf-dev and bpftool (qnn-top's BPF program, its
#          skeleton and vmlinux.h from the VM kernel's BTF)
#   vm     qemu, busybox, the Debian 6.12 kernel image + headers unpacked into
#          build/deps/kernel, the kselftest harness and checkpatch.pl from
#          linux-source-6.12 unpacked into build/deps/linux-src
#   cross  aarch64 cross compiler and qemu-user for the NEON kernels
#   fuzz   clang with libFuzzer and sanitizer runtimes
#   train  PyTorch, numpy, onnx and Fashion-MNIST (model training, fixtures, demo)
#   bench  optional: node + npm from Debian, then the npm registry's
#          onnxruntime-node (--ignore-scripts: its Linux x64 build ships
#          libonnxruntime.so.1) into build/peer, never committed; the peer
#          that `make bench` compares libqnn with
#   debug  the debug-kernel lane: linux-source-6.12 (the full tarball, which
#          scripts/build-debug-kernel.sh unpacks under build/), the kernel's
#          build tools, and trinity (the syscall fuzzer run in the VM)
#   qemu   what scripts/build-qemu.sh needs to build QEMU with the qnn-pci
#          model: a deb-src entry for bookworm-backports (its QEMU source),
#          meson and python3-pycotap from backports, glib, pixman, libfdt,
#          ninja, python3-venv and python3-distlib (configure's mkvenv), and
#          SeaBIOS (the firmware the VM boots with)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
deps=${QNN_DEPS_DIR:-$top/build/deps}
groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(build vm cross fuzz)

export DEBIAN_FRONTEND=noninteractive
updated=0
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo

log() { printf 'install-deps: %s\n' "$*" >&2; }

apt_update() {
	[ $updated -eq 1 ] && return 0
	log "apt-get update"
	$SUDO apt-get update -qq
	updated=1
}

# has_source TYPE SUITE: an apt source of TYPE (deb, deb-src) for SUITE, in
# one-line (.list) or deb822 (.sources) form. The type matters: a deb-src
# entry alone (ensure_backports_src's) gives no binary packages.
has_source() {
	local f
	grep -qsE "^$1 .*[[:space:]]$2([[:space:]]|\$)" /etc/apt/sources.list \
		/etc/apt/sources.list.d/*.list && return 0
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		# a stanza (paragraph) whose Types and Suites both name them
		awk -v t="$1" -v s="$2" 'BEGIN { RS = "" }
			{ ty = 0; su = 0; n = split($0, l, "\n")
			  for (i = 1; i <= n; i++) {
				if (l[i] ~ /^Enabled:[[:space:]]*no/) { ty = -1; break }
				if (l[i] ~ /^Types:/ && (" " substr(l[i], 7) " ") ~ ("[[:space:]]" t "[[:space:]]")) ty = 1
				if (l[i] ~ /^Suites:/ && (" " substr(l[i], 8) " ") ~ ("[[:space:]]" s "[[:space:]]")) su = 1
			  }
			  if (ty == 1 && su) found = 1 }
			END { exit !found }' "$f" && return 0
	done
	return 1
}

ensure_backports() {
	if ! has_source deb bookworm-backports; then
		log "adding bookworm-backports"
		printf '%s\n' 'Types: deb' 'URIs: http://deb.debian.org/debian' \
			'Suites: bookworm-backports' 'Components: main' \
			'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' |
			$SUDO tee /etc/apt/sources.list.d/bookworm-backports.sources >/dev/null
		updated=0
		apt_update
	fi
}

installed() {
	dpkg-query -W -f='${db:Status-Status}\n' "$1" 2>/dev/null | grep -qx installed
}

pkgs() {
	local missing=()
	local p
	for p in "$@"; do
		installed "$p" || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	apt_update
	log "installing ${missing[*]}"
	$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Newest 6.12 ABI whose unsigned image, headers, common headers and kbuild
# packages can all be fetched: image and headers must share one version so the
# module's vermagic matches the kernel the VM boots.
pick_kernel() {
	local abi
	for abi in $(apt-cache pkgnames linux-image-6.12. 2>/dev/null |
		sed -n 's/^linux-image-\(6\.12\.[0-9]*+deb12\)-amd64-unsigned$/\1/p' |
		sort -t. -k3 -n -r); do
		if apt-cache show "linux-headers-$abi-amd64" "linux-headers-$abi-common" \
			"linux-kbuild-$abi" >/dev/null 2>&1; then
			echo "$abi"
			return 0
		fi
	done
	return 1
}

fetch_debs() { # dir pkg...
	local dir=$1
	shift
	mkdir -p "$dir"
	# apt downloads as the _apt user when it can write the folder
	chmod 0777 "$dir"
	(cd "$dir" && apt-get download -qq "$@" >/dev/null)
}

group_build() {
	pkgs build-essential pkg-config libdrm-dev libopenblas-dev zlib1g-dev \
		libpng-dev protobuf-c-compiler libprotobuf-c-dev python3-onnx \
		cpio xz-utils zstd kmod dwarves device-tree-compiler dt-schema \
		clang llvm libbpf-dev bpftool
}

group_vm() {
	ensure_backports
	pkgs qemu-system-x86 busybox-static cpio xz-utils zstd kmod
	local kdir=$deps/kernel
	if [ ! -f "$kdir/.stamp" ]; then
		apt_update
		local abi
		abi=$(pick_kernel) || { log "no 6.12 kernel found in the apt sources"; exit 1; }
		log "fetching kernel $abi"
		rm -rf "$kdir" "$deps/debs/kernel"
		fetch_debs "$deps/debs/kernel" "linux-image-$abi-amd64-unsigned" \
			"linux-headers-$abi-amd64" "linux-headers-$abi-common" \
			"linux-kbuild-$abi"
		mkdir -p "$kdir/root"
		local d
		for d in "$deps"/debs/kernel/*.deb; do
			dpkg-deb -x "$d" "$kdir/root"
		done
		# The .deb's Makefile includes the common headers by absolute
		# path; point it at the unpacked copy instead.
		echo "include $kdir/root/usr/src/linux-headers-$abi-common/Makefile" \
			>"$kdir/root/usr/src/linux-headers-$abi-amd64/Makefile"
		echo "$abi-amd64" >"$kdir/release"
		touch "$kdir/.stamp"
		rm -rf "$deps/debs/kernel"
	fi
	local src=$deps/linux-src
	if [ ! -f "$src/.stamp" ]; then
		apt_update
		log "fetching linux-source-6.12 (kselftest harness, checkpatch)"
		rm -rf "$src" "$deps/debs/src"
		fetch_debs "$deps/debs/src" linux-source-6.12
		mkdir -p "$src/x"
		dpkg-deb -x "$deps"/debs/src/linux-source-6.12_*.deb "$src/x"
		local tarball
		tarball=$(ls "$src"/x/usr/src/linux-source-6.12.tar.*)
		tar -xf "$tarball" -C "$src" --strip-components=1 --wildcards \
			'*/tools/testing/selftests/kselftest_harness.h' \
			'*/tools/testing/selftests/kselftest.h' \
			'*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
			'*/scripts/const_structs.checkpatch'
		rm -rf "$src/x" "$deps/debs/src"
		touch "$src/.stamp"
	fi
}

group_cross() {
	pkgs gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static
}

group_fuzz() {
	pkgs clang libclang-rt-14-dev
}

group_debug() {
	pkgs linux-source-6.12 flex bison bc libelf-dev libssl-dev trinity
}

ensure_backports_src() {
	if ! has_source deb-src bookworm-backports; then
		log "adding the bookworm-backports source entry"
		printf '%s\n' 'Types: deb-src' 'URIs: http://deb.debian.org/debian' \
			'Suites: bookworm-backports' 'Components: main' \
			'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' |
			$SUDO tee /etc/apt/sources.list.d/bookworm-backports-src.sources >/dev/null
		updated=0
		apt_update
	fi
}

group_qemu() {
	ensure_backports
	ensure_backports_src
	# python3-distlib: QEMU's configure (python/scripts/mkvenv.py) needs it
	# to check meson's version; without it, it falls back to pip's vendored
	# copy, and a fresh system has no python3-pip
	pkgs libglib2.0-dev libpixman-1-dev libfdt-dev ninja-build python3-venv \
		python3-distlib seabios qemu-system-data
	# QEMU 10 wants meson >= 1.5: bookworm has 1.0, backports 1.7
	if ! installed meson || ! dpkg --compare-versions \
		"$(dpkg-query -W -f='${Version}' meson)" ge 1.5; then
		apt_update
		log "installing meson python3-pycotap from bookworm-backports"
		$SUDO apt-get install -y -qq --no-install-recommends \
			-t bookworm-backports meson python3-pycotap >/dev/null
	fi
	installed python3-pycotap || pkgs python3-pycotap
}

group_train() {
	pkgs python3-torch python3-numpy python3-onnx dataset-fashion-mnist
}

group_bench() {
	local peer=${QNN_PEER_DIR:-$top/build/peer} ver=${QNN_ORT_VERSION:-1.30.0}
	# a node that ships its own npm (nodesource) is used as it is
	command -v node >/dev/null && command -v npm >/dev/null || pkgs nodejs npm
	[ -f "$peer/node_modules/onnxruntime-node/package.json" ] &&
		grep -q "\"version\": \"$ver\"" "$peer/node_modules/onnxruntime-node/package.json" &&
		return 0
	log "npm install onnxruntime-node@$ver into $peer"
	mkdir -p "$peer"
	npm install --prefix "$peer" --ignore-scripts --no-audit --no-fund --silent \
		"onnxruntime-node@$ver" >/dev/null
}

for g in "${groups[@]}"; do
	case $g in
	build | vm | cross | fuzz | debug | qemu | train | bench) "group_$g" ;;
	*)
		log "unknown group '$g'"
		exit 2
		;;
	esac
done
