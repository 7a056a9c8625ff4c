#!/bin/sh
# coco_eval on hand-made files: the numbers, the JSON form, bad input.
# Prints "N passed, N failed"; exits non-zero on a failure.
tool=${BUILD:-build}/bin/coco_eval
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
has() { case "$out" in *"$1"*) ok ;; *) bad "output lacks '$1': $out" ;; esac; }

cat > "$dir/gt.json" <<'JSON'
{"images": [{"id": 1}, {"id": 2}],
 "categories": [{"id": 1, "name": "square"}, {"id": 2, "name": "circle"}],
 "annotations": [
  {"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "area": 100, "iscrowd": 0},
  {"id": 2, "image_id": 2, "category_id": 2, "bbox": [5, 5, 20, 20], "area": 400, "iscrowd": 0}]}
JSON
# category 1: a false positive above the hit (AP 0.5); category 2: a hit at IoU 0.72 (AP50 1, AP 0.5)
cat > "$dir/res.json" <<'JSON'
[{"image_id": 1, "category_id": 1, "bbox": [50, 50, 10, 10], "score": 0.9},
 {"image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "score": 0.8},
 {"image_id": 2, "category_id": 2, "bbox": [5, 5, 20, 14.4], "score": 0.7}]
JSON
out=$("$tool" "$dir/gt.json" "$dir/res.json") && ok || bad "exit $?"
has "2 images, 2 annotations, 3 detections"
has "mAP@[.5:.95] 0.5000"
has "mAP@0.5 0.7500"
has "AP75 0.2500"
out=$("$tool" "$dir/gt.json" "$dir/res.json" --json) && ok || bad "exit $?"
printf '%s' "$out" | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
assert d["AP"] == 0.5 and d["AP50"] == 0.75 and d["AR100"] == 0.75, d
' && ok || bad "JSON: $out"

echo '[{"image_id": 9, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 1}]' > "$dir/other.json"
out=$("$tool" "$dir/gt.json" "$dir/other.json" 2>&1)
[ $? -eq 1 ] && ok || bad "results on an unknown image accepted"
has "image 9, not in the ground truth"
out=$("$tool" "$dir/gt.json" "$dir/missing.json" 2>&1)
[ $? -eq 1 ] && ok || bad "missing file accepted"
has "No such file"
out=$("$tool" "$dir/gt.json" 2>&1)
[ $? -eq 2 ] && ok || bad "usage error not 2"
has "usage"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
