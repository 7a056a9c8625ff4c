#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tools/ttdetect/convert.py: key spellings, metadata, the file layout, bad input.

Prints "N passed, N failed"; exits non-zero on a failure.
"""
import contextlib
import io
import json
import os
import struct
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, finish, require  # noqa: E402

require("torch", "torchvision")

import torch  # noqa: E402
from torchvision.models.detection import FasterRCNN  # noqa: E402
from torchvision.models.detection.backbone_utils import resnet_fpn_backbone  # noqa: E402

import convert  # noqa: E402


class Result:
    def __init__(self, returncode, stderr):
        self.returncode, self.stderr = returncode, stderr


def run(*args):
    """convert.py's command line, in this process."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        rc = convert.main(list(args))
    return Result(rc, err.getvalue())


def read(path):
    with open(path, "rb") as f:
        raw = f.read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    return raw, n, header


def tensor(raw, n, entry):
    a, b = entry["data_offsets"]
    t = torch.frombuffer(bytearray(raw[8 + n + a:8 + n + b]), dtype=torch.float32)
    return t.reshape(entry["shape"])


def old_spelling(state):
    out = {}
    for k, v in state.items():
        k = k.replace("rpn.head.conv.0.0.", "rpn.head.conv.")
        for blocks in ("inner_blocks", "layer_blocks"):
            for i in range(4):
                k = k.replace(f"fpn.{blocks}.{i}.0.", f"fpn.{blocks}.{i}.")
        out[k] = v
    return out


def main():
    torch.manual_seed(3)
    backbone = resnet_fpn_backbone(backbone_name="resnet18", weights=None)
    model = FasterRCNN(backbone, num_classes=5).eval()
    state = model.state_dict()
    with tempfile.TemporaryDirectory() as d:
        p = lambda name: os.path.join(d, name)  # noqa: E731
        torch.save(state, p("new.pth"))
        torch.save(old_spelling(state), p("old.pth"))
        torch.save(model, p("model.pth"))
        torch.save({"model": state, "epoch": 3}, p("wrapped.pth"))

        r = run("--bn-eps", "0", p("new.pth"), p("new.st"))
        check(r.returncode == 0, f"new spelling converts: {r.stderr}")
        raw, n, h = read(p("new.st"))
        meta = h["__metadata__"]
        check(meta["bn_eps"] == "0.0", f"bn_eps recorded: {meta}")
        check(meta["backbone_depth"] == "18" and meta["backbone_block"] == "basic", f"depth: {meta}")
        check(meta["backbone_blocks"] == "2,2,2,2" and meta["returned_layers"] == "1,2,3,4", f"layers: {meta}")
        check(meta["num_classes"] == "5" and meta["fpn_channels"] == "256", f"heads: {meta}")
        check((8 + n) % 8 == 0, "data starts 8-byte aligned")
        names = [k for k in h if k != "__metadata__"]
        want = {k for k in state if not k.endswith("num_batches_tracked")}
        check(set(names) == want, f"tensor names: {set(names) ^ want}")
        ends = sorted(tuple(h[k]["data_offsets"]) for k in names)
        check(ends[0][0] == 0 and all(a[1] == b[0] for a, b in zip(ends, ends[1:])) and
              ends[-1][1] == len(raw) - 8 - n, "tensors tile the data")
        for k in ("rpn.head.conv.0.0.weight", "backbone.fpn.layer_blocks.2.0.bias",
                  "backbone.body.layer3.1.bn2.running_var", "roi_heads.box_predictor.bbox_pred.weight"):
            check(h[k]["dtype"] == "F32" and torch.equal(tensor(raw, n, h[k]), state[k].float()), f"data of {k}")

        r = run("--bn-eps", "0", p("old.pth"), p("old.st"))
        check(r.returncode == 0, f"old spelling converts: {r.stderr}")
        check(open(p("old.st"), "rb").read() == raw, "both spellings give the same file")

        r = run(p("model.pth"), p("model.st"))
        check(r.returncode == 0, f"full model converts: {r.stderr}")
        check(read(p("model.st"))[2]["__metadata__"]["bn_eps"] == "1e-05", "eps read from the model")
        r = run("--bn-eps", "0", "--meta", "image_size=320", p("wrapped.pth"), p("wrapped.st"))
        check(r.returncode == 0, f"wrapped state dict converts: {r.stderr}")
        check(read(p("wrapped.st"))[2]["__metadata__"]["image_size"] == "320", "--meta recorded")

        r = run(p("new.pth"), p("x.st"))
        check(r.returncode == 1 and "--bn-eps" in r.stderr, f"state dict without eps refused: {r.stderr}")
        both = dict(state)
        both["rpn.head.conv.weight"] = state["rpn.head.conv.0.0.weight"]
        torch.save(both, p("both.pth"))
        r = run("--bn-eps", "0", p("both.pth"), p("x.st"))
        check(r.returncode == 1 and "both spellings" in r.stderr, f"both spellings refused: {r.stderr}")
        with open(p("junk.pth"), "wb") as f:
            f.write(b"not a checkpoint")
        r = run("--bn-eps", "0", p("junk.pth"), p("x.st"))
        check(r.returncode == 1 and "cannot load" in r.stderr, f"junk refused: {r.stderr}")
        torch.save({"backbone.body.conv1.weight": torch.zeros(1)}, p("partial.pth"))
        r = run("--bn-eps", "0", p("partial.pth"), p("x.st"))
        check(r.returncode == 1 and "layer1" in r.stderr, f"no ResNet blocks refused: {r.stderr}")
        torch.save({k: v for k, v in state.items() if "fpn" not in k}, p("nofpn.pth"))
        r = run("--bn-eps", "0", p("nofpn.pth"), p("x.st"))
        check(r.returncode == 1 and "FPN" in r.stderr, f"no FPN refused: {r.stderr}")
        check(not os.path.exists(p("x.st")), "nothing written on failure")
    return finish()


if __name__ == "__main__":
    sys.exit(main())
