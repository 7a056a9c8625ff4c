#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Deterministic images of simple coloured shapes, with boxes and labels.

    shapes.py [--seed S] [--first I] [--count N] [--size PX] OUTDIR

writes OUTDIR/shape_<I>.png for images I .. I+N-1 of the set named by SEED,
and OUTDIR/annotations.json in COCO form (images, annotations with xywh boxes
and areas, categories). Image I of seed S is the same on every run and does not
depend on which other images are generated.
"""
import argparse
import json
import os
import random
import sys

import numpy as np

CLASSES = ["square", "circle", "triangle"]  # labels 1, 2, 3; 0 is background


def _mask(kind, size, rng):
    """A boolean mask of one shape, at most size x size, tightly cropped."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    if kind == "square":
        w = size
        h = max(6, int(round(size * rng.uniform(0.75, 1.0))))
        m = np.zeros((size, size), bool)
        m[:h, :w] = True
    elif kind == "circle":
        r = size / 2.0
        m = (xx - r) ** 2 + (yy - r) ** 2 <= r * r
    else:  # triangle, apex up, base along the bottom
        apex = size * rng.uniform(0.3, 0.7)
        left = xx >= apex * (1.0 - yy / size)
        right = xx <= apex + (size - apex) * (yy / size)
        m = left & right
    ys, xs = np.nonzero(m)
    return m[ys.min():ys.max() + 1, xs.min():xs.max() + 1]


def _iou(a, b):
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union


def _colour(rng, avoid):
    """A saturated colour far from `avoid` (the background)."""
    while True:
        c = np.array([rng.randrange(256) for _ in range(3)], np.float32)
        if c.max() - c.min() > 90 and np.abs(c - avoid).sum() > 200:
            return c


def generate(seed, index, size=128):
    """Image `index` of set `seed`: (uint8 HxWx3, boxes [[x1,y1,x2,y2]], labels)."""
    rng = random.Random(seed * 1000003 + index)
    noise = np.random.default_rng(seed * 1000003 + index)
    bg = np.array([rng.randrange(40, 200) for _ in range(3)], np.float32)
    img = np.empty((size, size, 3), np.float32)
    img[:] = bg
    img += noise.normal(0.0, 6.0, img.shape).astype(np.float32)
    boxes, labels = [], []
    for _ in range(rng.randint(1, 4)):
        for _attempt in range(30):
            label = rng.randint(1, len(CLASSES))
            m = _mask(CLASSES[label - 1], rng.randint(size // 8, size * 3 // 8), rng)
            h, w = m.shape
            x = rng.randrange(0, size - w + 1)
            y = rng.randrange(0, size - h + 1)
            box = [x, y, x + w, y + h]
            if all(_iou(box, b) < 0.05 for b in boxes):
                break
        else:
            continue
        colour = _colour(rng, bg)
        region = img[y:y + h, x:x + w]
        region[m] = colour + noise.normal(0.0, 4.0, (int(m.sum()), 3)).astype(np.float32)
        boxes.append(box)
        labels.append(label)
    return np.clip(img, 0, 255).astype(np.uint8), boxes, labels


def write_set(outdir, seed, first, count, size):
    from PIL import Image

    os.makedirs(outdir, exist_ok=True)
    coco = {"images": [], "annotations": [],
            "categories": [{"id": i + 1, "name": n} for i, n in enumerate(CLASSES)]}
    for index in range(first, first + count):
        img, boxes, labels = generate(seed, index, size)
        name = f"shape_{index:05d}.png"
        Image.fromarray(img).save(os.path.join(outdir, name))
        coco["images"].append({"id": index, "file_name": name, "width": size, "height": size})
        for b, l in zip(boxes, labels):
            w, h = b[2] - b[0], b[3] - b[1]
            coco["annotations"].append({"id": len(coco["annotations"]) + 1, "image_id": index,
                                        "category_id": l, "bbox": [b[0], b[1], w, h],
                                        "area": w * h, "iscrowd": 0})
    with open(os.path.join(outdir, "annotations.json"), "w") as f:
        json.dump(coco, f, indent=1)
    return coco


def main(argv):
    p = argparse.ArgumentParser(description="Images of simple coloured shapes with COCO annotations.")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--first", type=int, default=0)
    p.add_argument("--count", type=int, default=8)
    p.add_argument("--size", type=int, default=128)
    p.add_argument("outdir")
    a = p.parse_args(argv)
    if a.size < 32 or a.count < 0:
        p.error("--size must be at least 32 and --count non-negative")
    coco = write_set(a.outdir, a.seed, a.first, a.count, a.size)
    print(f"{a.outdir}: {len(coco['images'])} images, {len(coco['annotations'])} shapes")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
