#!/bin/bash
# SPDX-License-Identifier: MIT
#
# gen-vmlinux-h.sh KERNEL_IMAGE OUT: vmlinux.h for qnn-top's BPF program,
# from the BTF of the kernel qnn runs on (the test VM's Debian 6.12 image;
# CONFIG_DEBUG_INFO_BTF=y). A bzImage holds the compressed vmlinux after
# its setup code: find the compressor's magic, decompress from there (the
# kernel's scripts/extract-vmlinux does the same), and let bpftool dump
# the ELF's .BTF section as C. Nothing here is committed; the build runs it.
set -euo pipefail
img=${1:?usage: gen-vmlinux-h.sh KERNEL_IMAGE OUT}
out=${2:?usage: gen-vmlinux-h.sh KERNEL_IMAGE OUT}
[ -r "$img" ] || { echo "gen-vmlinux-h: cannot read $img" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

is_elf() { [ "$(head -c 4 "$1" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ]; }

try() { # try MAGIC-ERE DECOMPRESSOR...: first offset whose output is an ELF
	local off
	for off in $(LC_ALL=C grep -obUaP "$1" "$img" | cut -d: -f1 | head -5); do
		tail -c +$((off + 1)) "$img" | "${@:2}" >"$tmp/vmlinux" 2>/dev/null || true
		if [ -s "$tmp/vmlinux" ] && is_elf "$tmp/vmlinux"; then
			return 0
		fi
	done
	return 1
}

if is_elf "$img"; then
	cp "$img" "$tmp/vmlinux"
elif ! { try '\x28\xb5\x2f\xfd' zstd -dcq ||
	try '\xfd\x37\x7a\x58\x5a\x00' xz -dcq ||
	try '\x1f\x8b\x08' gzip -dcq; }; then
	echo "gen-vmlinux-h: no zstd/xz/gzip-compressed vmlinux found in $img" >&2
	exit 1
fi
bpftool btf dump file "$tmp/vmlinux" format c >"$tmp/vmlinux.h" || {
	echo "gen-vmlinux-h: $img has no BTF (CONFIG_DEBUG_INFO_BTF?)" >&2
	exit 1
}
mv "$tmp/vmlinux.h" "$out"
