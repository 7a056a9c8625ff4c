#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Train a small Faster-RCNN on generated shapes (see shapes.py).

    train_shapes.py [--iters N] [--out DIR]            train, then convert and evaluate
    train_shapes.py --eval-only [--out DIR]            evaluate DIR/shapes_frcnn.pth again
    --ttdetect PATH    also score ttdetect (our C detector) with DIR/shapes_frcnn.safetensors

The network is torchvision's FasterRCNN with a ResNet-18 body cut after
layer3 (returned layers 1,2,3), a 128-wide FPN with the max-pool level, anchors
16..128 (one size per level, ratios 0.5/1/2), MultiScaleRoIAlign 7x7 over the
three FPN levels, a 256-wide TwoMLPHead and 4 classes (background + square,
circle, triangle). Inputs are 128x128 (min_size = max_size = 128).

Everything is seeded: the training images are images 0.. of shapes set 1, the
held-out images are set 2, and torch runs on one thread with a fixed seed, so
the same command gives the same weights. Progress and a checkpoint every 100
iterations go to DIR (the run resumes from the checkpoint). At the end the
weights are written as DIR/shapes_frcnn.pth and, through convert.py, as
DIR/shapes_frcnn.safetensors; the held-out set's detections are written as
COCO results JSON and scored by our own evaluator (build/bin/coco_eval) when it
is built.
"""
import argparse
import json
import os
import subprocess
import sys
import time

import torch
from torchvision.models import resnet18
from torchvision.models.detection import FasterRCNN
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.backbone_utils import BackboneWithFPN
from torchvision.models.detection.faster_rcnn import FastRCNNPredictor, TwoMLPHead
from torchvision.ops import MultiScaleRoIAlign
from torchvision.ops.feature_pyramid_network import LastLevelMaxPool

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import convert  # noqa: E402
import shapes  # noqa: E402

SIZE = 128
FPN_CHANNELS = 128
REPRESENTATION = 256
ANCHOR_SIZES = ((16,), (32,), (64,), (128,))
TRAIN_SEED = 1
HELDOUT_SEED = 2
HELDOUT_COUNT = 200
BATCH = 4


def build_model():
    body = resnet18(weights=None)
    backbone = BackboneWithFPN(body, {"layer1": "0", "layer2": "1", "layer3": "2"},
                               [64, 128, 256], FPN_CHANNELS, extra_blocks=LastLevelMaxPool())
    anchors = AnchorGenerator(ANCHOR_SIZES, ((0.5, 1.0, 2.0),) * len(ANCHOR_SIZES))
    roi_pool = MultiScaleRoIAlign(["0", "1", "2"], output_size=7, sampling_ratio=2)
    head = TwoMLPHead(FPN_CHANNELS * 7 * 7, REPRESENTATION)
    predictor = FastRCNNPredictor(REPRESENTATION, len(shapes.CLASSES) + 1)
    return FasterRCNN(backbone, min_size=SIZE, max_size=SIZE, rpn_anchor_generator=anchors,
                      box_roi_pool=roi_pool, box_head=head, box_predictor=predictor,
                      rpn_pre_nms_top_n_train=600, rpn_post_nms_top_n_train=300,
                      rpn_pre_nms_top_n_test=300, rpn_post_nms_top_n_test=100,
                      box_batch_size_per_image=128)


def sample(seed, index):
    img, boxes, labels = shapes.generate(seed, index, SIZE)
    x = torch.from_numpy(img).permute(2, 0, 1).float() / 255.0
    target = {"boxes": torch.tensor(boxes, dtype=torch.float32).reshape(-1, 4),
              "labels": torch.tensor(labels, dtype=torch.int64)}
    return x, target


def lr_at(it, iters, base):
    warm = 200
    if it < warm:
        return base * (0.1 + 0.9 * it / warm)
    return base * (0.1 if it >= iters * 3 // 4 else 1.0)


def train(out, iters, log):
    torch.manual_seed(0)
    model = build_model()
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad],
                          lr=0.02, momentum=0.9, weight_decay=1e-4)
    ckpt = os.path.join(out, "checkpoint.pth")
    start = 0
    if os.path.exists(ckpt):
        state = torch.load(ckpt)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        torch.set_rng_state(state["rng"])
        start = state["iter"]
        log(f"resumed at iteration {start}")
    model.train()
    t0 = time.time()
    for it in range(start, iters):
        for g in opt.param_groups:
            g["lr"] = lr_at(it, iters, 0.02)
        batch = [sample(TRAIN_SEED, it * BATCH + k) for k in range(BATCH)]
        losses = model([b[0] for b in batch], [b[1] for b in batch])
        loss = sum(losses.values())
        opt.zero_grad()
        loss.backward()
        opt.step()
        if (it + 1) % 20 == 0:
            parts = " ".join(f"{k[5:]}={v.item():.3f}" for k, v in losses.items())
            log(f"iter {it + 1}/{iters} loss {loss.item():.3f} ({parts}) {time.time() - t0:.0f}s")
        if (it + 1) % 100 == 0 or it + 1 == iters:
            torch.save({"model": model.state_dict(), "opt": opt.state_dict(),
                        "rng": torch.get_rng_state(), "iter": it + 1}, ckpt + ".tmp")
            os.replace(ckpt + ".tmp", ckpt)
    model.eval()
    pth = os.path.join(out, "shapes_frcnn.pth")
    torch.save(model, pth)
    return model


def export(out, model):
    pth = os.path.join(out, "shapes_frcnn.pth")
    dst = os.path.join(out, "shapes_frcnn.safetensors")
    meta = {"image_size": SIZE, "anchor_sizes": ",".join(str(s[0]) for s in ANCHOR_SIZES),
            "class_names": ",".join(shapes.CLASSES), "rpn_pre_nms_top_n": 300,
            "rpn_post_nms_top_n": 100, "roi_featmaps": 3}
    convert.convert(pth, dst, extra=meta)
    return dst


def score(evaluator, gt_path, res_path, log):
    if evaluator and os.access(evaluator, os.X_OK):
        r = subprocess.run([evaluator, gt_path, res_path], capture_output=True, text=True)
        log(r.stdout.strip() or r.stderr.strip())
    else:
        log(f"no evaluator at {evaluator}; results in {res_path}, ground truth in {gt_path}")


def evaluate_ttdetect(out, ttdetect, evaluator, log):
    """The same held-out set through ttdetect and the converted weights."""
    heldout = os.path.join(out, "heldout")
    images = sorted(os.path.join(heldout, f) for f in os.listdir(heldout) if f.endswith(".png"))
    res_path = os.path.join(out, "heldout_ttdetect.json")
    weights = os.path.join(out, "shapes_frcnn.safetensors")
    r = subprocess.run([ttdetect, "-w", weights, "--json", res_path, *images],
                       capture_output=True, text=True)
    if r.returncode:
        log(f"ttdetect failed: {r.stderr.strip()}")
        return
    log(f"ttdetect on {len(images)} held-out images:")
    score(evaluator, os.path.join(heldout, "annotations.json"), res_path, log)


def evaluate(out, model, evaluator, log):
    """Held-out detections as COCO results JSON, scored by our evaluator."""
    heldout = os.path.join(out, "heldout")
    gt = shapes.write_set(heldout, HELDOUT_SEED, 0, HELDOUT_COUNT, SIZE)
    results = []
    model.eval()
    with torch.no_grad():
        for im in gt["images"]:
            x, _ = sample(HELDOUT_SEED, im["id"])
            det = model([x])[0]
            for b, s, l in zip(det["boxes"].tolist(), det["scores"].tolist(), det["labels"].tolist()):
                results.append({"image_id": im["id"], "category_id": l,
                                "bbox": [b[0], b[1], b[2] - b[0], b[3] - b[1]], "score": s})
    res_path = os.path.join(out, "heldout_results.json")
    with open(res_path, "w") as f:
        json.dump(results, f)
    log(f"torchvision on {len(gt['images'])} held-out images:")
    score(evaluator, os.path.join(heldout, "annotations.json"), res_path, log)


def main(argv):
    p = argparse.ArgumentParser(description="Train a small Faster-RCNN on generated shapes.")
    p.add_argument("--iters", type=int, default=2000)
    p.add_argument("--out", default="build/shapes")
    p.add_argument("--eval-only", action="store_true")
    p.add_argument("--evaluator", default="build/bin/coco_eval")
    p.add_argument("--ttdetect", help="score this ttdetect binary too")
    a = p.parse_args(argv)
    torch.set_num_threads(1)
    os.makedirs(a.out, exist_ok=True)
    logf = open(os.path.join(a.out, "train.log"), "a")

    def log(msg):
        print(msg, flush=True)
        logf.write(msg + "\n")
        logf.flush()

    if a.eval_only:
        model = torch.load(os.path.join(a.out, "shapes_frcnn.pth"))
    else:
        model = train(a.out, a.iters, log)
        dst = export(a.out, model)
        log(f"weights: {dst} ({os.path.getsize(dst) / 1e6:.1f} MB)")
    evaluate(a.out, model, a.evaluator, log)
    if a.ttdetect:
        evaluate_ttdetect(a.out, a.ttdetect, a.evaluator, log)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
