#!/bin/sh
# ttdetect with the committed shapes detector on the committed test images:
# detections scored by coco_eval against the images' annotations, the
# annotated PNG, the report, and bad input.
# Prints "N passed, N failed"; exits non-zero on a failure.
bin=${BUILD:-build}/bin
data=$(dirname "$0")/../../model/data
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
has() { case "$out" in *"$1"*) ok ;; *) bad "output lacks '$1': $out" ;; esac; }
expect() {
	want=$1
	shift
	out=$("$bin/ttdetect" "$@" 2>&1)
	got=$?
	[ "$got" -eq "$want" ] && ok || bad "ttdetect $* exited $got, not $want: $out"
}

expect 0 "$data"/shapes/shape_0000[0-3].png --json "$dir/res.json"
has "shape_00003.png:"
out=$("$bin/coco_eval" "$data/shapes/annotations.json" "$dir/res.json" --json)
printf '%s' "$out" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["images"] == 4 and d["detections"] >= d["annotations"] == 9, d
assert d["AP50"] >= 0.8, d
' && ok || bad "mAP@0.5 of ttdetect below 0.8: $out"
grep -q '"image_id": 3,' "$dir/res.json" && ok || bad "image ids from the file names"

# Bfp8_b weights at LoFi still find every shape.
expect 0 --precision bfp8 "$data"/shapes/shape_0000[0-3].png --json "$dir/bfp8.json"
out=$("$bin/coco_eval" "$data/shapes/annotations.json" "$dir/bfp8.json" --json)
printf '%s' "$out" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["images"] == 4 and d["AP50"] >= 0.8, d
' && ok || bad "mAP@0.5 of ttdetect --precision bfp8 below 0.8: $out"

expect 0 --report -o "$dir/out.png" "$data/shapes/shape_00001.png"
has "triangle"
has "on the device: 9 of 9 steps"
has "conv7x7/s2+relu"
has "roi_align "
has "rpn proposals (top-k, nms)"
[ "$(head -c 4 "$dir/out.png" | od -An -c | tr -d ' ')" = "211PNG" ] && ok || bad "out.png is no PNG"
cmp -s "$dir/out.png" "$data/shapes/shape_00001.png" && bad "nothing drawn" || ok

expect 0 --bench 0.2 "$data/shapes/shape_00002.png"
has '"median_fps": '
has '"steps_on_device": 6, "steps": 6'
has '"modelled_device_fps": '
has '"modelled_link_ms": 0.0'
has "body+fpn+rpn head (trace)"
has "square"

# The host reference finds the same shapes.
expect 0 -d host --report "$data/shapes/shape_00001.png"
has "triangle"
has "on the device: 0 of 9 steps"

# make install into a DESTDIR: ttdetect, run from there (and from
# elsewhere than the source tree), finds the installed shapes detector.
top=$(cd "$(dirname "$0")/../.." && pwd)
root=$dir/root
make --no-print-directory -s -C "$top" BUILD="$(cd "${BUILD:-build}" && pwd)" DESTDIR="$root" \
	PREFIX=/usr/local install >"$dir/install.log" 2>&1 && ok || bad "make install: $(cat "$dir/install.log")"
cp "$data/shapes/shape_00001.png" "$dir/"
out=$(cd "$dir" && "$root/usr/local/bin/ttdetect" -h 2>&1)
has "default $root/usr/local/share/ttstack/shapes_frcnn.safetensors"
out=$(cd "$dir" && "$root/usr/local/bin/ttdetect" shape_00001.png 2>&1) && ok || bad "installed ttdetect: $out"
has "triangle"
grep -q '^\.TH TTDETECT 1' "$root/usr/local/share/man/man1/ttdetect.1" && ok || bad "no man page installed"

# Bad input: clear errors, exit 1; bad usage, exit 2.
expect 1 "$dir/missing.png"
has "No such file"
head -c 100 "$data/shapes/shape_00000.png" > "$dir/cut.png"
expect 1 "$dir/cut.png"
has "bad PNG"
expect 1 -w "$dir/cut.png" "$data/shapes/shape_00000.png"
has "cut.png"
expect 2 -o "$dir/x.png" "$data/shapes/shape_00000.png" "$data/shapes/shape_00001.png"
expect 2 --size 5 "$data/shapes/shape_00000.png"
expect 2 --bench 0 "$data/shapes/shape_00000.png"
expect 1 -d nosuchdevice "$data/shapes/shape_00000.png"
has "nosuchdevice"
expect 2 --precision fp16 "$data/shapes/shape_00000.png"
expect 2 --frobnicate "$data/shapes/shape_00000.png"
expect 2
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
