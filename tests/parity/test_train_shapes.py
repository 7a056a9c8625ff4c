#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""tools/ttdetect/train_shapes.py is deterministic: two short runs, equal weights.

Prints "N passed, N failed"; exits non-zero on a failure.
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from checks import check, finish, require  # noqa: E402

require("torch", "torchvision")

import torch  # noqa: E402

import train_shapes  # noqa: E402


def main():
    torch.set_num_threads(1)
    states = []
    with tempfile.TemporaryDirectory() as d:
        for run in range(2):
            out = os.path.join(d, str(run))
            os.makedirs(out)
            model = train_shapes.train(out, 2, lambda msg: None)
            states.append(model.state_dict())
            check(os.path.exists(os.path.join(out, "shapes_frcnn.pth")), "the model is saved")
    a, b = states
    check(a.keys() == b.keys(), "same tensors")
    differ = [k for k in a if not torch.equal(a[k], b[k])]
    check(not differ, f"equal weights after two steps; differ: {differ[:5]}")
    # and training moved them: the seeded initial model differs from the result
    torch.manual_seed(0)
    fresh = train_shapes.build_model().state_dict()
    check(not torch.equal(fresh["roi_heads.box_predictor.cls_score.weight"],
                          a["roi_heads.box_predictor.cls_score.weight"]), "two steps change the weights")
    return finish()


if __name__ == "__main__":
    sys.exit(main())
