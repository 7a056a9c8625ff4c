#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""ttdetect on the model device next to torchvision on the CPU, in one run.

    bench_ttdetect.py TTDETECT WEIGHTS IMAGE [--size 320] [--seconds 20]

Both get the same weights (the safetensors file ttdetect reads, loaded
into torchvision's FasterRCNN of the same shape), the same image at the
same size, batch 1, and as many threads as the machine has (the model
device runs a worker thread per processor). Prints ttdetect's own JSON
line, then one with both frame rates, their ratio and the frames per
second the modelled device would give.
"""
import argparse
import json
import os
import struct
import subprocess
import sys
import time

import numpy as np
import torch
from torchvision.io import read_image

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tools", "ttdetect"))
import train_shapes  # noqa: E402


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, t in header.items():
        if t["dtype"] != "F32":
            raise SystemExit(f"{path}: {name} is {t['dtype']}, not F32")
        a, b = t["data_offsets"]
        tensors[name] = torch.from_numpy(np.frombuffer(data[a:b], dtype=np.float32).copy()
                                         .reshape(t["shape"]))
    return tensors, meta


def torchvision_fps(weights, image, size, seconds):
    tensors, meta = read_safetensors(weights)
    if meta.get("backbone_depth") != "18" or meta.get("returned_layers") != "1,2,3":
        raise SystemExit(f"{weights}: not the shapes detector's architecture")
    model = train_shapes.build_model()
    missing, unexpected = model.load_state_dict(tensors, strict=False)
    missing = [k for k in missing if not k.endswith("num_batches_tracked")]
    if missing or unexpected:
        raise SystemExit(f"{weights}: missing {missing[:3]}, unexpected {unexpected[:3]}")
    model.transform.min_size = (size,)
    model.transform.max_size = size
    model.eval()
    x = read_image(image)[:3].float() / 255
    with torch.no_grad():
        model([x])  # warm-up
        runs, start = [], time.monotonic()
        while True:
            t = time.monotonic()
            model([x])
            runs.append(time.monotonic() - t)
            if time.monotonic() - start >= seconds:
                break
    runs.sort()
    return 1.0 / runs[len(runs) // 2], len(runs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ttdetect")
    ap.add_argument("weights")
    ap.add_argument("image")
    ap.add_argument("--size", type=int, default=320)
    ap.add_argument("--seconds", type=float, default=20)
    args = ap.parse_args()
    threads = os.cpu_count()
    torch.set_num_threads(threads)

    out = subprocess.run([args.ttdetect, "-w", args.weights, "--size", str(args.size),
                          "--bench", str(args.seconds), args.image],
                         check=True, capture_output=True, text=True).stdout
    line = next(l for l in out.splitlines() if l.startswith('{"bench": "ttdetect"'))
    print(line)
    tt = json.loads(line)
    fps, runs = torchvision_fps(args.weights, args.image, args.size, args.seconds)
    print(json.dumps({
        "bench": "ttdetect_vs_torchvision", "weights": os.path.basename(args.weights),
        "size": args.size, "threads": threads, "precision": tt["precision"],
        "ttdetect_fps": tt["median_fps"], "torchvision_fps": round(fps, 3), "unit": "frames/s",
        "ttdetect_over_torchvision": round(tt["median_fps"] / fps, 4),
        "torchvision_runs": runs, "ttdetect_runs": tt["runs"],
        "modelled_device_fps": tt["modelled_device_fps"],
        "modelled_fps_with_host_steps": tt["modelled_fps_with_host_steps"],
        "modelled_device_over_torchvision": round(tt["modelled_device_fps"] / fps, 2),
    }))


if __name__ == "__main__":
    main()
