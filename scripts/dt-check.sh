#!/bin/bash
# SPDX-License-Identifier: MIT
#
# dt-check.sh: the device-tree binding of the AXI variant, checked the way
# the kernel's dt_binding_check does it, with Debian's dt-schema and dtc:
#   1. dts/qnn,npu.yaml against the dt-schema meta-schemas (dt-doc-validate)
#   2. its example, compiled, against the binding and dt-schema's core
#      schemas (dt-validate)
#   3. dts/zynq-qnn-example.dts likewise
#   4. every vendor prefix of a compatible in dts/ is in the kernel's
#      vendor-prefixes.yaml (linux-source-6.12) or in
#      dts/vendor-prefixes-pending.yaml (entries to register upstream with
#      the binding; that file is checked to be a valid fragment of it)
# One TAP result each; scratch files under build/dt/.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
deps=${DEPS:-$build/deps}
out=$build/dt
n=0
rc=0

result() { # result STATUS DESC [LOG]
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		[ -n "${3:-}" ] && sed 's/^/# /' <<<"$3"
		rc=1
	fi
}

for t in dt-doc-validate dt-mk-schema dt-validate dt-extract-example dtc; do
	command -v "$t" >/dev/null ||
		{ echo "not ok 1 - $t missing: run scripts/install-deps.sh build"; exit 1; }
done
echo "1..4"
rm -rf "$out"
mkdir -p "$out/schemas/npu"
# dt-schema checks $id against the path below a "schemas" directory
cp "$top/dts/qnn,npu.yaml" "$out/schemas/npu/"
cd "$out" || exit 1

# 1: the binding is a valid schema (any output is a finding)
log=$(dt-doc-validate -u "$out/schemas" schemas/npu/qnn,npu.yaml 2>&1)
result $(( $? != 0 || ${#log} != 0 )) "dt-doc-validate qnn,npu.yaml" "$log"

# 2: its example validates against it
log=$(dt-mk-schema -j -o "$out/processed.json" "$out/schemas" 2>&1 &&
	dt-extract-example schemas/npu/qnn,npu.yaml >example.dts 2>&1 &&
	dtc -@ -q -I dts -O dtb -o example.dtb example.dts 2>&1 &&
	dt-validate -s "$out/processed.json" example.dtb 2>&1)
st=$?
result $(( st != 0 || $(grep -c . <<<"$log") != 0 )) \
	"binding example validates (dtc, dt-validate)" "$log"

# 3: the Zynq example, warnings from dtc included
log=$(dtc -q -I dts -O dtb -o zynq.dtb "$top/dts/zynq-qnn-example.dts" 2>&1 &&
	dt-validate -s "$out/processed.json" zynq.dtb 2>&1)
st=$?
result $(( st != 0 || $(grep -c . <<<"$log") != 0 )) \
	"dts/zynq-qnn-example.dts validates (dtc, dt-validate)" "$log"

# 4: vendor prefixes registered, or pending registration
vp=$deps/linux-src/Documentation/devicetree/bindings/vendor-prefixes.yaml
if [ ! -f "$vp" ] && [ -f /usr/src/linux-source-6.12.tar.xz ]; then
	tar -xJf /usr/src/linux-source-6.12.tar.xz -O --wildcards \
		'*/Documentation/devicetree/bindings/vendor-prefixes.yaml' \
		>"$out/vendor-prefixes.yaml" 2>/dev/null && vp=$out/vendor-prefixes.yaml
fi
pending=$top/dts/vendor-prefixes-pending.yaml
if [ ! -f "$vp" ]; then
	result 1 "vendor prefixes" "no vendor-prefixes.yaml: run scripts/install-deps.sh vm"
else
	log=""
	# the pending entries must be what vendor-prefixes.yaml's own rules accept
	if [ -f "$pending" ]; then
		bad=$(grep -vE '^(#.*|  "\^[a-z][a-z0-9-]*,\.\*":|    description: .+)?$' "$pending")
		[ -n "$bad" ] && log+="malformed lines in $pending:"$'\n'"$bad"$'\n'
	fi
	for c in $(grep -ohE 'compatible *[:=] *("[^"]*"( *, *"[^"]*")*|const: *[^ ]+)' \
		"$top"/dts/*.dts "$top"/dts/*.yaml | grep -oE '[a-z0-9-]+,[^" ]+'); do
		v=${c%%,*}
		grep -qF "\"^$v,.*\":" "$vp" && continue
		[ -f "$pending" ] && grep -qF "\"^$v,.*\":" "$pending" && continue
		log+="compatible \"$c\": vendor prefix \"$v\" is not registered"$'\n'
	done
	result $(( ${#log} != 0 )) "vendor prefixes registered or pending" "$log"
fi
exit $rc
