#!/bin/bash
# SPDX-License-Identifier: MIT
#
# build-qemu.sh: builds qemu-system-x86_64 with the qnn-pci reference model
# (qemu/hw/qnn/, docs/hw-interface.md "Models") and prints the binary's path.
#
# The model is added to an unpacked QEMU release at build time; no QEMU fork
# is kept in this repository. The source is Debian's upstream tarball of the
# QEMU source package the archive serves (bookworm-backports;
# scripts/install-deps.sh qemu sets up the deb-src entry and the build
# tools). Whatever 10.0.x release the archive serves is taken: the model is
# written against QEMU 10.0's device API (verified: $verified below). The
# tarball is checked against the SHA-256 of apt's signed Sources index, and
# fetched alone (the backport's .dsc and .debian.tar.xz have answered 404
# while its tarball was served). A series other than 10.0 fails with a
# message saying what to do (QNN_QEMU_TARBALL, or porting the model).
#
# Cached under build/qemu/: the binary is rebuilt only when the model's
# sources or this script change (the key, bin/key); a change of the model
# alone recompiles only the model (the QEMU tree and its objects are kept).
# The archive moving on does not invalidate a cache: an unpacked 10.0.x
# tree is reused without asking apt.
#
#   scripts/build-qemu.sh            build if needed, print the binary's path
#   scripts/build-qemu.sh --key      print the cache key only
#   QNN_QEMU_FORCE=1 ...             rebuild even if the key matches
#   QNN_QEMU_TARBALL=qemu-10.0.x.tar.xz  a local 10.0.x source tarball
#                                    instead of the archive's (used when no
#                                    tree is unpacked: rm -rf build/qemu to
#                                    switch)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
dir=$build/qemu
series=10.0
# the releases this model has been built and run with (make vm-pci)
verified="10.0.2"

log() { printf 'build-qemu: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

key=$( (echo "qemu $series"; cat "$0";
	cd "$top/qemu" && find . -type f | LC_ALL=C sort | xargs cat) |
	sha256sum | cut -c1-16)
[ "${1:-}" = --key ] && { echo "$key"; exit 0; }
bin=$dir/bin/qemu-system-x86_64
if [ -x "$bin" ] && [ "$(cat "$dir/bin/key" 2>/dev/null)" = "$key" ] &&
	[ -z "${QNN_QEMU_FORCE:-}" ]; then
	echo "$bin"
	exit 0
fi

"$top/scripts/install-deps.sh" qemu >&2

# upstream_of TARBALL-NAME: "10.0.2" of qemu_10.0.2+ds.orig.tar.xz or
# qemu-10.0.2.tar.xz
upstream_of() {
	sed -nE 's/^qemu[_-]([0-9]+\.[0-9]+\.[0-9]+)([+~][a-z0-9.]+)?(\.orig)?\.tar\.(xz|bz2|gz)$/\1/p' <<<"$1"
}
in_series() { [[ $1 == "$series".* ]]; }

# pick_source: "VERSION URL TARBALL SHA256" of the newest source package of
# the 10.0 series apt knows, or nothing. `apt-get source --print-uris`
# reads the signed Sources index, so the hash is the archive's.
pick_source() {
	local v line url name sha up
	for v in $(apt-cache showsrc qemu 2>/dev/null | sed -n 's/^Version: //p' |
		sort -u -V -r); do
		line=$(apt-get source --print-uris -qq "qemu=$v" 2>/dev/null |
			grep -E "^'[^']*' qemu_[^ ]*\.orig\.tar\.[a-z0-9]+ " | head -1) || continue
		url=$(cut -d"'" -f2 <<<"$line")
		read -r name sha <<<"$(cut -d"'" -f3 <<<"$line" | awk '{ print $1, $3 }')"
		sha=${sha#SHA256:}
		up=$(upstream_of "$name")
		if [ -n "$up" ] && in_series "$up" && [ ${#sha} = 64 ]; then
			echo "$v $url $name $sha"
			return 0
		fi
	done
	return 1
}

# fetch_source: the tarball of a 10.0.x release into $dir/dl; prints its path
fetch_source() {
	local v url name sha served f
	mkdir -p "$dir/dl"
	if [ -n "${QNN_QEMU_TARBALL:-}" ]; then
		f=$QNN_QEMU_TARBALL
		[ -f "$f" ] || die "QNN_QEMU_TARBALL=$f: no such file"
		echo "$f"
		return 0
	fi
	if ! read -r v url name sha <<<"$(pick_source)" || [ -z "${sha:-}" ]; then
		served=$(apt-cache showsrc qemu 2>/dev/null | sed -n 's/^Version: //p' | xargs)
		die "no QEMU $series.x source package in the apt sources (served: ${served:-none})." \
			"The qnn-pci model (qemu/hw/qnn/) is written against QEMU $series's device" \
			"API and verified with $verified. Either point QNN_QEMU_TARBALL at a" \
			"qemu-$series.x tarball (https://download.qemu.org/qemu-$verified.tar.xz)," \
			"or port the model to the served release and update \$series and \$verified" \
			"in scripts/build-qemu.sh."
	fi
	chmod 0777 "$dir/dl" # apt-helper downloads as _apt where it can
	f=$dir/dl/$name
	if ! echo "$sha  $f" | sha256sum -c --status 2>/dev/null; then
		log "fetching the QEMU $(upstream_of "$name") source ($name of qemu $v)"
		rm -f "$f" "$f.part"
		# apt's own downloader checks the hash; curl if it is missing
		if [ -x /usr/lib/apt/apt-helper ]; then
			/usr/lib/apt/apt-helper -qq download-file "$url" "$f.part" "SHA256:$sha" >&2 || :
		fi
		[ -s "$f.part" ] || curl -fsSL --retry 3 -o "$f.part" "$url" >&2 || :
		echo "$sha  $f.part" | sha256sum -c --status ||
			die "could not fetch $url (sha256 $sha)"
		mv "$f.part" "$f"
	fi
	echo "$f"
}

# the unpacked tree: kept across archive changes (any 10.0.x one will do)
src=""
for d in "$dir"/qemu-"$series".*; do
	[ -f "$d/.qnn-unpacked" ] && in_series "$(cat "$d/VERSION")" && src=$d
done
obj=$dir/obj
if [ -z "$src" ]; then
	tarball=$(fetch_source)
	upver=$(upstream_of "${tarball##*/}")
	[ -n "$upver" ] || die "$tarball: not a QEMU release tarball name"
	in_series "$upver" || die "$tarball is QEMU $upver, the model needs $series.x"
	src=$dir/qemu-$upver
	log "unpacking ${tarball##*/}"
	rm -rf "$dir"/qemu-"$series".* "$obj"
	mkdir -p "$src"
	tar -xf "$tarball" -C "$src" --strip-components=1
	[ "$(cat "$src/VERSION")" = "$upver" ] || die "$tarball does not hold QEMU $upver"
	# Debian's +ds tarball has no EDK2 blobs to unpack (x86 boots SeaBIOS)
	sed -i 's/^\(\s*unpack_edk2_blobs = \)bzip2.found()/\1false/' "$src/meson.build"
	echo "subdir('qnn')" >>"$src/hw/meson.build"
	echo "source qnn/Kconfig" >>"$src/hw/Kconfig"
	echo "${tarball##*/}" >"$src/.qnn-unpacked"
fi
upver=$(cat "$src/VERSION")
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
ninja -C "$obj" qemu-system-x86_64 >"$dir/build.log" 2>&1 || {
	grep -B2 -A12 -m3 'error' "$dir/build.log" >&2 || tail -30 "$dir/build.log" >&2
	die "QEMU $upver with the qnn-pci model did not build (verified: $verified):" \
		"see $dir/build.log; QNN_QEMU_TARBALL picks another $series.x release"
}
# the model is in: a QEMU without the device would fail every PCI test
"$obj/qemu-system-x86_64" -device help 2>/dev/null | grep -q '"qnn-pci"' ||
	die "the QEMU $upver build has no qnn-pci device (hw/qnn not built?)"
case " $verified " in *" $upver "*) ;;
*) log "note: QEMU $upver is not one of the releases verified with the model ($verified)" ;;
esac
mkdir -p "$dir/bin"
cp "$obj/qemu-system-x86_64" "$bin.tmp" && mv "$bin.tmp" "$bin"
echo "$key" >"$dir/bin/key"
log "built in $(($(date +%s) - t0)) s"
echo "$bin"
