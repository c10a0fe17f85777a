#!/bin/bash
# SPDX-License-Identifier: MIT
#
# build-qemu.sh: builds qemu-system-x86_64 with the qnn-pci reference model
# (qemu/hw/qnn/, docs/hw-interface.md "Models") and prints the binary's path.
#
# The model is added to an unpacked QEMU release at build time; no QEMU fork
# is kept in this repository. The source is Debian's upstream tarball of the
# bookworm-backports package (fetched with `apt-get source --download-only`,
# scripts/install-deps.sh qemu sets up the deb-src entry and the build
# tools), checked against a pinned SHA-256.
#
# Cached under build/qemu/: the binary is rebuilt only when the model's
# sources, this script or the QEMU version change; a change of the model
# alone recompiles only the model (the QEMU tree and its objects are kept).
#
#   scripts/build-qemu.sh            build if needed, print the binary's path
#   QNN_QEMU_FORCE=1 ...             rebuild even if the key matches
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
dir=$build/qemu
# Debian's source version and its upstream tarball (the .dsc of the backport
# was not fetchable, the orig tarball is); the tarball lacks the EDK2 blobs,
# which the x86 build does not need (SeaBIOS boots the VM).
pkgver=${QNN_QEMU_PKG:-1:10.0.2+ds-2+deb13u1~bpo12+1}
upver=10.0.2
tarball=qemu_10.0.2+ds.orig.tar.xz
sha256=0901da33844a331bf8b3602b9c1fbd178e60b737c8e3ade678255bd090c9b9f1

log() { printf 'build-qemu: %s\n' "$*" >&2; }

key=$( (echo "$pkgver $sha256"; cat "$0";
	cd "$top/qemu" && find . -type f | LC_ALL=C sort | xargs cat) |
	sha256sum | cut -c1-16)
bin=$dir/bin/qemu-system-x86_64
if [ -x "$bin" ] && [ "$(cat "$dir/bin/key" 2>/dev/null)" = "$key" ] &&
	[ -z "${QNN_QEMU_FORCE:-}" ]; then
	echo "$bin"
	exit 0
fi

"$top/scripts/install-deps.sh" qemu >&2
mkdir -p "$dir/dl"
if ! echo "$sha256  $dir/dl/$tarball" | sha256sum -c --status 2>/dev/null; then
	log "fetching the QEMU $upver source ($pkgver)"
	rm -f "$dir/dl/$tarball"
	# apt downloads as the _apt user when it can write the folder
	chmod 0777 "$dir/dl"
	# the .dsc may be missing (404) while the tarball is served: keep going
	(cd "$dir/dl" && apt-get source --download-only -qq "qemu=$pkgver" >/dev/null 2>&1) || :
	echo "$sha256  $dir/dl/$tarball" | sha256sum -c --status ||
		{ log "could not fetch $tarball (sha256 $sha256)"; exit 1; }
fi

src=$dir/qemu-$upver
obj=$dir/obj
if [ ! -f "$src/.qnn-unpacked" ] || [ "$(cat "$src/.qnn-unpacked")" != "$sha256" ]; then
	log "unpacking $tarball"
	rm -rf "$src" "$obj"
	tar -xf "$dir/dl/$tarball" -C "$dir"
	# The +ds tarball has no EDK2 blobs to unpack (and x86 boots SeaBIOS).
	sed -i 's/^\(\s*unpack_edk2_blobs = \)bzip2.found()/\1false/' "$src/meson.build"
	echo "subdir('qnn')" >>"$src/hw/meson.build"
	echo "source qnn/Kconfig" >>"$src/hw/Kconfig"
	echo "$sha256" >"$src/.qnn-unpacked"
fi
# the model, refreshed in place: only changed files get a new mtime, so
# ninja recompiles those (and meson reconfigures only for meson.build)
mkdir -p "$src/hw/qnn"
for f in "$src"/hw/qnn/*; do
	[ -e "$top/qemu/hw/qnn/${f##*/}" ] || rm -f "$f"
done
for f in "$top"/qemu/hw/qnn/*; do
	cmp -s "$f" "$src/hw/qnn/${f##*/}" || cp "$f" "$src/hw/qnn/"
done

t0=$(date +%s)
if [ ! -f "$obj/build.ninja" ]; then
	log "configuring"
	mkdir -p "$obj"
	# Debian's python3, which has the meson package (a pyenv one may not)
	(cd "$obj" && "$src/configure" --target-list=x86_64-softmmu \
		--without-default-features --disable-docs --disable-install-blobs \
		--disable-werror --python=/usr/bin/python3 >"$dir/configure.log" 2>&1) ||
		{ tail -30 "$dir/configure.log" >&2; rm -rf "$obj"; exit 1; }
fi
log "building qemu-system-x86_64 (log: $dir/build.log)"
ninja -C "$obj" qemu-system-x86_64 >"$dir/build.log" 2>&1 ||
	{ grep -B2 -A12 -m3 'error' "$dir/build.log" >&2 || tail -30 "$dir/build.log" >&2; exit 1; }
mkdir -p "$dir/bin"
cp "$obj/qemu-system-x86_64" "$bin.tmp" && mv "$bin.tmp" "$bin"
echo "$key" >"$dir/bin/key"
log "built in $(($(date +%s) - t0)) s"
echo "$bin"
