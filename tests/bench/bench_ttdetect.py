#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""ttdetect on the model device next to torchvision on the CPU, in one run.

    bench_ttdetect.py TTDETECT SHAPES_WEIGHTS IMAGE [--size 320] [--seconds 8]
                      [--networks shapes,r50] [--threads 1,all] [--workdir DIR]

Two networks, each at 1 thread and at all the machine's threads:
  shapes  the committed shapes detector (SHAPES_WEIGHTS) on IMAGE;
  r50     torchvision's fasterrcnn_resnet50_fpn, seeded random init made as
          the parity test makes it (tests/parity/make_reference.py), on the
          parity test's image of shapes.
Both sides get the same weights (the safetensors file ttdetect reads; the
same model in torchvision), the same image at the same size, batch 1 and
the same number of threads (the model device's worker threads:
`-d sim:threads=N`; torchvision's intra-op threads).

For each pair it prints ttdetect's own JSON line, then one with both frame
rates and their ratio. While each side runs it reads /proc/stat and its
own CPU time: the CPU time other processes took, the time stolen by a
hypervisor and the spread of the runs are in the line. When others took
more than a tenth of a core, or time was stolen, the line says
"busy": true with that evidence, and the ratio is given as
"ratio_while_busy" instead of "ttdetect_over_torchvision".
"""
import argparse
import json
import os
import resource
import struct
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
from torchvision.io import read_image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "ttdetect"))
sys.path.insert(0, os.path.join(HERE, "..", "parity"))
import convert  # noqa: E402
import make_reference  # noqa: E402
import shapes  # noqa: E402
import train_shapes  # noqa: E402

# Other processes using more than this many cores on average, or any
# stolen time above it, make a measurement busy.
BUSY_CORES = 0.10
# Runs whose 10th and 90th percentiles differ by more than this share of
# the median are called unsteady (reported; busy only with the CPU figures).
UNSTEADY = 0.25


def cpu_ticks():
    """(busy, steal) jiffies of the whole machine from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal guest guest_nice
    busy = v[0] + v[1] + v[2] + v[5] + v[6]
    return busy, v[7] if len(v) > 7 else 0


def own_cpu_s():
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


class Watch:
    """What else ran on the machine while a measurement did."""

    def __enter__(self):
        self.t0, self.own0, (self.busy0, self.steal0) = time.monotonic(), own_cpu_s(), cpu_ticks()
        self.load = []
        return self

    def sample(self):
        with open("/proc/loadavg") as f:
            self.load.append(int(f.read().split()[3].split("/")[0]))

    def __exit__(self, *exc):
        hz = os.sysconf("SC_CLK_TCK")
        busy, steal = cpu_ticks()
        wall = time.monotonic() - self.t0
        own = own_cpu_s() - self.own0
        self.wall_s = wall
        self.others_cores = max(0.0, ((busy - self.busy0) / hz - own) / wall)
        self.steal_cores = (steal - self.steal0) / hz / wall
        return False

    def evidence(self):
        e = {"others_cores": round(self.others_cores, 3), "steal_cores": round(self.steal_cores, 3)}
        if self.load:
            e["max_runnable"] = max(self.load)
        return e

    def busy(self):
        return self.others_cores > BUSY_CORES or self.steal_cores > BUSY_CORES


def spread(runs):
    """(p90 - p10) / median of run times."""
    r = sorted(runs)
    n = len(r)
    return (r[min(n - 1, (9 * n) // 10)] - r[n // 10]) / r[n // 2]


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


def shapes_model(weights, size):
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
    return model.eval()


def r50_model(workdir, size):
    """The parity test's seeded R50-FPN, its weights file and image (a PPM)."""
    model = make_reference.build("r50")
    model.transform.min_size = (size,)
    model.transform.max_size = size
    rpn = model.rpn
    extra = {"image_size": size,
             "anchor_sizes": ",".join(str(s[0]) for s in rpn.anchor_generator.sizes),
             "rpn_pre_nms_top_n": rpn.pre_nms_top_n(), "rpn_post_nms_top_n": rpn.post_nms_top_n(),
             "roi_featmaps": len(model.roi_heads.box_roi_pool.featmap_names)}
    weights = os.path.join(workdir, "r50_fpn_random.safetensors")
    convert.write_weights(model.state_dict(), 1e-5, weights, extra=extra)
    img = shapes.generate(7, 0, size)[0]
    image = os.path.join(workdir, "r50_image.ppm")
    with open(image, "wb") as f:
        f.write(b"P6\n%d %d\n255\n" % (img.shape[1], img.shape[0]))
        f.write(np.ascontiguousarray(img, dtype=np.uint8).tobytes())
    return model, weights, image


def run_ttdetect(ttdetect, weights, image, size, threads, seconds):
    cmd = [ttdetect, "-d", f"sim:threads={threads}", "-w", weights, "--size", str(size),
           "--bench", str(seconds), image]
    with Watch() as w:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        while p.poll() is None:
            w.sample()
            time.sleep(0.25)
        out, err = p.communicate()
    if p.returncode:
        raise SystemExit(f"{' '.join(cmd)}: exit {p.returncode}\n{err}")
    line = next(l for l in out.splitlines() if l.startswith('{"bench": "ttdetect"'))
    return line, w


def run_torchvision(model, x, threads, seconds):
    torch.set_num_threads(threads)
    with torch.no_grad():
        model([x])  # warm-up
        with Watch() as w:
            runs, start = [], time.monotonic()
            while True:
                t = time.monotonic()
                model([x])
                runs.append(time.monotonic() - t)
                w.sample()
                if time.monotonic() - start >= seconds and len(runs) >= 3:
                    break
    return runs, w


def compare(name, weights, size, threads, tt_line, tt_watch, runs, tv_watch):
    tt = json.loads(tt_line)
    fps = 1.0 / sorted(runs)[len(runs) // 2]
    ratio = round(tt["median_fps"] / fps, 4)
    line = {
        "bench": "ttdetect_vs_torchvision", "network": name, "weights": os.path.basename(weights),
        "size": size, "threads": threads, "precision": tt["precision"],
        "ttdetect_fps": tt["median_fps"], "torchvision_fps": round(fps, 3), "unit": "frames/s",
    }
    why = []
    for side, w in (("ttdetect", tt_watch), ("torchvision", tv_watch)):
        if w.others_cores > BUSY_CORES:
            why.append(f"other processes used {w.others_cores:.2f} cores during {side}'s run")
        if w.steal_cores > BUSY_CORES:
            why.append(f"{w.steal_cores:.2f} cores stolen during {side}'s run")
    unsteady = spread(runs) > UNSTEADY
    if why:
        line["busy"] = True
        line["busy_why"] = "; ".join(why)
        line["ratio_while_busy"] = ratio
    else:
        line["busy"] = False
        line["ttdetect_over_torchvision"] = ratio
    line.update({
        "evidence": {"ttdetect": tt_watch.evidence(),
                     "torchvision": dict(tv_watch.evidence(), runs=len(runs),
                                         spread=round(spread(runs), 3), unsteady=unsteady)},
        "torchvision_runs": len(runs), "ttdetect_runs": tt["runs"],
        "modelled_device_fps": tt["modelled_device_fps"],
        "modelled_fps_with_host_steps": tt["modelled_fps_with_host_steps"],
        "modelled_device_over_torchvision": round(tt["modelled_device_fps"] / fps, 2),
        "wall_s": round(tt_watch.wall_s + tv_watch.wall_s, 1),
    })
    return json.dumps(line)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ttdetect")
    ap.add_argument("weights", help="the shapes detector")
    ap.add_argument("image", help="the shapes detector's image")
    ap.add_argument("--size", type=int, default=320)
    ap.add_argument("--seconds", type=float, default=8)
    ap.add_argument("--networks", default="shapes,r50")
    ap.add_argument("--threads", default="1,all")
    ap.add_argument("--workdir", help="where the R50 weights and image go (default: a temporary folder)")
    args = ap.parse_args()
    ncpu = os.cpu_count()
    counts = [ncpu if t == "all" else int(t) for t in args.threads.split(",")]
    counts = list(dict.fromkeys(counts))
    torch.set_num_interop_threads(1)

    with tempfile.TemporaryDirectory() as tmp:
        workdir = args.workdir or tmp
        os.makedirs(workdir, exist_ok=True)
        for name in args.networks.split(","):
            if name == "shapes":
                model, weights, image = shapes_model(args.weights, args.size), args.weights, args.image
            elif name == "r50":
                model, weights, image = r50_model(workdir, args.size)
            else:
                raise SystemExit(f"--networks: {name} is not shapes or r50")
            if image.endswith(".ppm"):
                x = torch.from_numpy(shapes.generate(7, 0, args.size)[0]).permute(2, 0, 1)
            else:
                x = read_image(image)[:3]
            x = x.float() / 255
            for threads in counts:
                line, tt_w = run_ttdetect(args.ttdetect, weights, image, args.size, threads,
                                          args.seconds)
                print(line, flush=True)
                runs, tv_w = run_torchvision(model, x, threads, args.seconds)
                print(compare(name, weights, args.size, threads, line, tt_w, runs, tv_w), flush=True)


if __name__ == "__main__":
    main()
