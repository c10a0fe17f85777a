#!/bin/bash
# SPDX-License-Identifier: MIT
#
# check_fixtures.sh CONVERT RUN WORKDIR: converts every fixture with
# qnn-convert, runs it through libqnn with qnn-run and compares with the
# reference (PyTorch or the numpy oracle): exact fixtures bit for bit, float
# ones within 1e-5 relative. Then the conversion-failure cases. TAP output.
set -u
conv=$1
run=$2
work=$3
here=$(cd "$(dirname "$0")" && pwd)
fix=$here/fixtures
mkdir -p "$work"
python=python3
command -v "$python" >/dev/null || python=/usr/bin/python3

n=0
fail=0
tap() {	# tap OK|FAIL description [diagnostic]
	n=$((n + 1))
	if [ "$1" = OK ]; then
		echo "ok $n - ${LABEL:-}$2"
	else
		echo "not ok $n - ${LABEL:-}$2"
		[ -n "${3:-}" ] && printf '#   %s\n' "$3"
		fail=$((fail + 1))
	fi
}

# One line per fixture: name, exact, style, verbose pattern, refusal pattern
# (manifest.json: the original fixtures; wild.json: models as other
# exporters write them, gen_wild_fixtures.py; outsider.json: more of them,
# gen_outsider_fixtures.py).
fixtures=$("$python" - "$fix" <<'PY'
import json, os, sys
d = sys.argv[1]
for m, style in (("manifest.json", "qnn"), ("wild.json", None), ("outsider.json", None)):
    p = os.path.join(d, m)
    if not os.path.exists(p):
        continue
    for e in json.load(open(p)):
        print("\t".join([e["name"], "1" if e["exact"] else "0", e.get("style", style) or "-",
                         e.get("verbose", "") or "-", e.get("refused", "") or "-",
                         e.get("data", e["name"])]))
PY
)
declare -A st_total st_conv st_agree st_refused
: >"$work/ioquant.list"
while IFS=$'\t' read -r name exact style vpat rpat data; do
	[ -n "$name" ] || continue
	[ "$vpat" = - ] && vpat=
	[ "$rpat" = - ] && rpat=
	kind=float
	[ "$exact" = 1 ] && kind=exact
	st_total[$style]=$(( ${st_total[$style]:-0} + 1 ))
	rm -f "$work/$name.qnn" "$work/$name.out"
	if [ -n "$rpat" ]; then	# a construct qnn refuses: by name, with a reason
		if msg=$("$conv" "$fix/$name.onnx" "$work/$name.qnn" 2>&1); then
			tap FAIL "fixture $name ($style): refused" "converted although it must not"
		elif ! echo "$msg" | grep -q -- "$rpat"; then
			tap FAIL "fixture $name ($style): refused" "message does not say '$rpat': $msg"
		elif ls "$work/$name.qnn"* >/dev/null 2>&1; then
			tap FAIL "fixture $name ($style): refused" "left a file behind"
		else
			st_refused[$style]=$(( ${st_refused[$style]:-0} + 1 ))
			tap OK "fixture $name ($style) is refused: ${msg#*.onnx: }"
		fi
		continue
	fi
	if ! msg=$("$conv" -v "$fix/$name.onnx" "$work/$name.qnn" 2>&1); then
		tap FAIL "fixture $name ($style, $kind): convert" "$msg"
		continue
	fi
	st_conv[$style]=$(( ${st_conv[$style]:-0} + 1 ))
	echo "$fix/$name.onnx $work/$name.qnn" >>"$work/ioquant.list"
	vok=1
	while [ -n "$vpat" ]; do	# patterns joined by " && "
		one=${vpat%% && *}
		echo "$msg" | grep -Eq -- "$one" || vok=0
		[ "$one" = "$vpat" ] && break
		vpat=${vpat#* && }
	done
	if [ $vok = 0 ]; then
		tap FAIL "fixture $name ($style): qnn-convert -v shows what the manifest says" "$msg"
		continue
	fi
	if ! msg=$("$run" -q -b 3 -o "$work/$name.out" "$work/$name.qnn" "$fix/$data.in" 2>&1); then
		tap FAIL "fixture $name ($style, $kind): run" "$msg"
		continue
	fi
	if msg=$("$python" "$here/compare_outputs.py" "$work/$name.out" "$fix/$data.ref" "$exact"); then
		st_agree[$style]=$(( ${st_agree[$style]:-0} + 1 ))
		tap OK "fixture $name ($style, $kind) matches its reference"
	else
		tap FAIL "fixture $name ($style, $kind) matches its reference" "$msg"
	fi
done <<<"$fixtures"
for style in $(printf '%s\n' "${!st_total[@]}" | sort); do
	echo "# style $style: ${st_total[$style]} models, ${st_conv[$style]:-0} convert as stored," \
		"${st_agree[$style]:-0} agree with the reference, ${st_refused[$style]:-0} refused by name"
done

# Each converted file's input/output quantization (IOQUANT, read back with
# qnn-run --plan --json) against what the ONNX graph says (check_ioquant.py,
# onnx and numpy: Debian python3-onnx, /usr/bin/python3,
# derives it from the graph alone).
if msg=$(/usr/bin/python3 "$here/check_ioquant.py" "$run" "$work/ioquant.list" 2>&1); then
	tap OK "IOQUANT agrees with the ONNX graphs: ${msg##*$'\n'}"
else
	tap FAIL "IOQUANT agrees with the ONNX graphs" "$(echo "$msg" | tr '\n' ';')"
fi

# Conversions that must fail: non-zero exit, the node and op named, no file.
expect_fail() {	# model pattern description
	local out=$work/$1.qnn msg
	rm -f "$out"
	if msg=$("$conv" "$fix/$1.onnx" "$out" 2>&1); then
		tap FAIL "$3" "converted although it must not"
	elif ! echo "$msg" | grep -q -- "$2"; then
		tap FAIL "$3" "message does not name it: $msg"
	elif ls "$out"* >/dev/null 2>&1; then
		tap FAIL "$3" "left a file behind"
	else
		tap OK "$3"
	fi
}
expect_fail fail_unsupported_op 'node "my_softmax" (Softmax)' \
	"unsupported op is refused naming node and op type, no partial file"
expect_fail fail_float_weights 'node "float_conv" (Conv).*not quantized' \
	"unquantized float weights are refused naming the node"
# crafted_*.onnx (craft_onnx.py): a node writing over an initializer's name is
# refused (it converted before, reading one of the two), and a quantization
# the IOQUANT section cannot hold (an infinite zero point) is left out, not
# fatal
if msg=$("$conv" "$here/fuzz/crafted_overwrite_init.onnx" "$work/crafted.qnn" 2>&1); then
	tap FAIL "a node output that repeats an initializer's name is refused" "converted"
elif echo "$msg" | grep -q 'node "w" (Sign): writes value "w"'; then
	tap OK "a node output that repeats an initializer's name is refused"
else
	tap FAIL "a node output that repeats an initializer's name is refused" "$msg"
fi
if msg=$("$conv" -v "$here/fuzz/crafted_pre_sub_inf.onnx" "$work/crafted.qnn" 2>&1) &&
	echo "$msg" | grep -q 'quant  input  "x": not recorded'; then
	tap OK "an input quantization with an infinite zero point converts, not recorded"
else
	tap FAIL "an input quantization with an infinite zero point converts, not recorded" "$msg"
fi
head -c 100 "$fix/w1a1_cnn.onnx" >"$work/truncated.onnx"
if msg=$("$conv" "$work/truncated.onnx" "$work/truncated.qnn" 2>&1); then
	tap FAIL "truncated ONNX file is refused" "converted"
elif [ -e "$work/truncated.qnn" ]; then
	tap FAIL "truncated ONNX file is refused" "left a file"
else
	tap OK "truncated ONNX file is refused ($msg)"
fi
# qnn-run input formats: the same pixels as IDX (plain and gzip'd), PGM and
# PNG must give the same scores as the raw input.
img=$work/images
mkdir -p "$img"
if "$python" "$here/make_image_inputs.py" "$fix/w1a1_cnn.in" 10 10 8 "$img" 2>"$img/err"; then
	"$run" -q -b 3 -o "$img/raw.out" "$work/w1a1_cnn.qnn" "$fix/w1a1_cnn.in" >/dev/null 2>&1
	head -c 40 "$img/raw.out" >"$img/raw0.out"
	for f in imgs.idx imgs.idx.gz img0.pgm img0.png; do
		want=$img/raw.out
		case $f in img0.*) want=$img/raw0.out ;; esac
		if ! msg=$("$run" -q -o "$img/$f.out" "$work/w1a1_cnn.qnn" "$img/$f" 2>&1); then
			tap FAIL "qnn-run reads $f" "$msg"
		elif cmp -s "$img/$f.out" "$want"; then
			tap OK "qnn-run reads $f to the same scores as the raw input"
		else
			tap FAIL "qnn-run reads $f to the same scores as the raw input"
		fi
	done
	# accuracy against text labels: the count must match the JSON per-image records
	if out=$("$run" --json -l "$img/labels.txt" "$work/w1a1_cnn.qnn" "$img/imgs.idx.gz" 2>&1); then
		hits=$(echo "$out" | grep -c '"top1":\([0-9]*\),"label":\1[,}]' || true)
		if echo "$out" | tail -1 | grep -q "\"correct\":$hits,"; then
			tap OK "qnn-run --json --labels: summary counts the per-image hits ($hits)"
		else
			tap FAIL "qnn-run --json --labels: summary counts the per-image hits" "$(echo "$out" | tail -1)"
		fi
	else
		tap FAIL "qnn-run --json --labels" "$out"
	fi
else
	tap FAIL "image inputs for qnn-run" "$(cat "$img/err")"
fi
# Hostile input: byte-mutated ONNX files must give exit 0 or 1 with a
# message, never a crash (run with the ASan+UBSan build when given).
if [ -n "${MUTATIONS:-}" ]; then
	mut=$work/mutated
	rm -rf "$mut"
	mkdir -p "$mut"
	crashed=""
	# the original CNN and models on the new paths (float inputs, NHWC,
	# shape chains, heads, QONNX 1-bit): MUTATIONS mutants in all
	"$python" - "$mut" "$MUTATIONS" "$fix/w1a1_cnn.onnx" "$fix/qkeras_cnn.onnx" \
		"$fix/torch_view_dynamic.onnx" "$fix/torch_div255.onnx" "$fix/finn_tfc.onnx" \
		"$fix/qonnx_1bit.onnx" "$fix/torch_argmax.onnx" "$fix/brevitas_quantconv_residual.onnx" \
		"$fix/finn_streamlined.onnx" "$fix/tf2onnx_qdq_zp.onnx" "$fix/torch_opset9_dynbatch.onnx" \
		"$fix/qonnx_bipolar_input.onnx" <<'PY'
import os, random, sys
out, n, srcs = sys.argv[1], int(sys.argv[2]), [p for p in sys.argv[3:] if os.path.exists(p)]
rng = random.Random(42)
for i in range(n):
    data = open(srcs[i % len(srcs)], "rb").read()
    b = bytearray(data)
    kind = (i // len(srcs)) % 3
    if kind == 0:       # flip a few bytes
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(len(b))] = rng.randrange(256)
    elif kind == 1:     # truncate
        b = b[:rng.randrange(len(b))]
    else:               # splice a random chunk elsewhere
        a, l = rng.randrange(len(b)), rng.randint(1, 64)
        d = rng.randrange(len(b))
        b[d:d] = b[a:a + l]
    open(f"{out}/m{i}.onnx", "wb").write(bytes(b))
PY
	for f in "$mut"/m*.onnx; do
		"$conv" "$f" "$f.qnn" >/dev/null 2>"$f.err"
		rc=$?
		if [ $rc -gt 1 ] || grep -Eq "Sanitizer|runtime error" "$f.err"; then
			crashed="$crashed $(basename "$f"):$rc"
		fi
	done
	if [ -z "$crashed" ]; then
		tap OK "$MUTATIONS mutated ONNX files: each converted or refused cleanly"
	else
		tap FAIL "$MUTATIONS mutated ONNX files: each converted or refused cleanly" "crashed:$crashed"
	fi
fi
# The structure-aware corpus (models/fuzz/, fuzz_onnx.py: graphs with
# mutated attributes, ops, wiring, initializers, shapes, opsets): each
# converts or is refused with a message; what converts also runs through
# libqnn on junk input (NaN and inf floats included). With the sanitizer
# builds (MUTATIONS set), a sanitizer report counts as a crash.
if [ -n "${MUTATIONS:-}" ] && [ -d "$here/fuzz" ]; then
	fz=$work/fuzz
	rm -rf "$fz"
	mkdir -p "$fz"
	crashed=""
	nconv=0
	nref=0
	for f in "$here"/fuzz/*.onnx; do
		b=$fz/$(basename "$f" .onnx)
		"$conv" "$f" "$b.qnn" >/dev/null 2>"$b.err"
		rc=$?
		if [ $rc -gt 1 ] || grep -Eq "Sanitizer|runtime error" "$b.err"; then
			crashed="$crashed $(basename "$f"):convert:$rc"
			continue
		fi
		if [ $rc = 1 ]; then
			if ! grep -q "qnn-convert: " "$b.err"; then
				crashed="$crashed $(basename "$f"):no-message"
			fi
			nref=$((nref + 1))
			continue
		fi
		nconv=$((nconv + 1))
		head -c 7 "$f" >"$b.in7"
		bytes=$("$run" -q "$b.qnn" "$b.in7" 2>&1 | sed -n 's/.* \([0-9]*\)-byte inputs.*/\1/p')
		[ -n "$bytes" ] || continue
		while [ "$(stat -c %s "$b.in" 2>/dev/null || echo 0)" -lt $((2 * bytes)) ]; do
			cat "$f" >>"$b.in"
		done
		head -c $((2 * bytes)) "$b.in" >"$b.in2"
		"$run" -q -b 2 "$b.qnn" "$b.in2" >/dev/null 2>"$b.runerr"
		rc=$?
		if [ $rc -gt 1 ] || grep -Eq "Sanitizer|runtime error" "$b.runerr"; then
			crashed="$crashed $(basename "$f"):run:$rc"
		fi
	done
	if [ -z "$crashed" ]; then
		tap OK "fuzz corpus: $nconv converted and ran, $nref refused with a message, none crashed"
	else
		tap FAIL "fuzz corpus: each converts or is refused cleanly" "crashed:$crashed"
	fi
fi
echo "1..$n"
echo "# fixtures: $((n - fail)) passed, $fail failed"
[ $fail = 0 ]
