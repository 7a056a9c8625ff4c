#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tools/ttdetect/shapes.py: deterministic images, tight boxes, COCO annotations.

Prints "N passed, N failed"; exits non-zero on a failure.
"""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, finish, require  # noqa: E402

require("numpy", "PIL")

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

import shapes  # noqa: E402


def main():
    a = shapes.generate(5, 17)
    b = shapes.generate(5, 17)
    check(np.array_equal(a[0], b[0]) and a[1] == b[1] and a[2] == b[2], "same seed and index, same image")
    c = shapes.generate(5, 18)
    check(not np.array_equal(a[0], c[0]), "another index, another image")
    check(not np.array_equal(a[0], shapes.generate(6, 17)[0]), "another seed, another image")
    counts = {1: 0, 2: 0, 3: 0}
    problems = {"format": [], "count": [], "inside": [], "tight": []}
    for i in range(40):
        img, boxes, labels = shapes.generate(1, i, 128)
        if img.shape != (128, 128, 3) or img.dtype != np.uint8:
            problems["format"].append(i)
        if not 1 <= len(boxes) <= 4 or len(boxes) != len(labels):
            problems["count"].append(i)
        for (x1, y1, x2, y2), label in zip(boxes, labels):
            counts[label] += 1
            if not (0 <= x1 < x2 <= 128 and 0 <= y1 < y2 <= 128 and x2 - x1 >= 6):
                problems["inside"].append(i)
            # The box is tight: each edge row/column differs from the background colour.
            region = img[y1:y2, x1:x2].astype(int)
            corner = img[0 if y1 > 0 else 127, 0 if x1 > 0 else 127].astype(int)
            edges = [region[0], region[-1], region[:, 0], region[:, -1]]
            if not all(np.abs(e - corner).sum(axis=1).max() > 60 for e in edges):
                problems["tight"].append(i)
    for what, images in problems.items():
        check(not images, f"{what}: images {images}")
    check(all(v > 10 for v in counts.values()), f"all three classes appear: {counts}")

    with tempfile.TemporaryDirectory() as d:
        coco = shapes.write_set(d, 3, 10, 4, 96)
        with open(os.path.join(d, "annotations.json")) as f:
            check(json.load(f) == coco, "annotations.json holds the set")
        check([im["id"] for im in coco["images"]] == [10, 11, 12, 13], "image ids follow --first")
        img = np.asarray(Image.open(os.path.join(d, "shape_00012.png")))
        check(np.array_equal(img, shapes.generate(3, 12, 96)[0]), "the PNG is the generated image")
        ann = [x for x in coco["annotations"] if x["image_id"] == 12]
        boxes = shapes.generate(3, 12, 96)[1]
        check([x["bbox"] for x in ann] == [[b[0], b[1], b[2] - b[0], b[3] - b[1]] for b in boxes], "xywh boxes")
        check(all(x["area"] == x["bbox"][2] * x["bbox"][3] and x["iscrowd"] == 0 for x in ann), "areas")
    return finish()


if __name__ == "__main__":
    sys.exit(main())
