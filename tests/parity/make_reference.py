#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Reference tensors of torchvision's Faster-RCNN for the parity tests.

    make_reference.py OUTDIR

Two seeded, randomly initialised models, each run stage by stage on an image
of shapes (tools/ttdetect/shapes.py):
  OUTDIR/        fasterrcnn_resnet50_fpn (weights=None, weights_backbone=None,
                 BN eps 1e-5, min_size = max_size = 320) on a 320x320 image;
  OUTDIR/shapes/ the small network of tools/ttdetect/train_shapes.py (ResNet-18
                 body to layer3, 128-wide FPN, 4 anchor levels 16..128, RoI
                 pooling over 3 levels, 4 classes) on a 128x128 image.
Each directory gets

  OUTDIR/weights.safetensors    the model, through tools/ttdetect/convert.py
  OUTDIR/reference.safetensors  every intermediate, all F32:
    input [3,320,320] (RGB in [0,1]), transformed [3,H,W], image_size [2],
    stem [64,160,160] (relu(bn1(conv1(x))), before the max pool),
    c2..c5 (backbone body), p2..p6 (FPN '0'..'3', 'pool'),
    rpn_objectness.L [A,H,W] / rpn_deltas.L [4A,H,W] per level L = 0..4 (head output),
    rpn_objectness [N] / rpn_deltas [N,4] (flattened over levels as torchvision),
    rpn_level_counts [5], anchors [N,4], rpn_decoded [N,4],
    proposals [P,4], proposal_scores [P], box_features [P,256,7,7],
    fc6 [P,1024], fc7 [P,1024], class_logits [P,91], box_regression [P,364],
    detection_boxes [D,4], detection_scores [D], detection_labels [D],
    resize_input [3,180,240], resize_output [3,256,320], resize_image_size [2]
    (a second, smaller image through the transform alone: bilinear resize and padding).
The metadata of reference.safetensors gives the configuration the C side
needs: anchor_sizes, rpn_pre_nms_top_n, rpn_post_nms_top_n, roi_levels.

The random model would detect nothing above the 0.05 score threshold (its
predictor is initialised with std 0.01), and its BN layers would be the identity;
so the BN affine parameters and statistics are drawn at random (seeded) and the
class-score layer is drawn with a larger std. Nothing else is changed.
"""
import os
import sys

import torch
import torch.nn.functional as F
import torchvision
from torchvision.models.detection import fasterrcnn_resnet50_fpn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tools", "ttdetect"))
import convert  # noqa: E402
import shapes  # noqa: E402

SEED = 20260


def build(variant):
    torch.manual_seed(SEED)
    if variant == "r50":
        model = fasterrcnn_resnet50_fpn(weights=None, weights_backbone=None, min_size=320, max_size=320)
    else:
        import train_shapes
        model = train_shapes.build_model()
    g = torch.Generator().manual_seed(SEED + 1)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                n = m.num_features
                m.weight.copy_(0.6 + 0.6 * torch.rand(n, generator=g))
                m.bias.copy_(0.2 * torch.randn(n, generator=g))
                m.running_mean.copy_(0.2 * torch.randn(n, generator=g))
                m.running_var.copy_(0.5 + torch.rand(n, generator=g))
        cls = model.roi_heads.box_predictor.cls_score
        cls.weight.copy_(0.02 * torch.randn(cls.weight.shape, generator=g))
    model.eval()
    eps = {m.eps for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)}
    assert eps == {1e-5}, eps
    return model


def chw(img):
    return torch.from_numpy(img).permute(2, 0, 1).float() / 255.0


@torch.no_grad()
def run(model, size):
    ref = {}
    x = chw(shapes.generate(7, 0, size)[0])
    ref["input"] = x
    images, _ = model.transform([x])
    ref["transformed"] = images.tensors[0]
    ref["image_size"] = torch.tensor(images.image_sizes[0], dtype=torch.float32)
    b = model.backbone.body
    ref["stem"] = b.relu(b.bn1(b.conv1(images.tensors)))[0]
    body = model.backbone.body(images.tensors)
    for i, (k, v) in enumerate(body.items()):
        ref[f"c{i + 2}"] = v[0]
    features = model.backbone.fpn(body)
    for i, (k, v) in enumerate(features.items()):
        ref[f"p{i + 2}"] = v[0]
    feats = list(features.values())

    # RPN, stage by stage as RegionProposalNetwork.forward.
    rpn = model.rpn
    objectness, deltas = rpn.head(feats)
    for i, (o, d) in enumerate(zip(objectness, deltas)):
        ref[f"rpn_objectness.{i}"] = o[0]
        ref[f"rpn_deltas.{i}"] = d[0]
    anchors = rpn.anchor_generator(images, feats)
    counts = [o[0].numel() for o in objectness]
    from torchvision.models.detection.rpn import concat_box_prediction_layers
    obj_flat, deltas_flat = concat_box_prediction_layers(objectness, deltas)
    decoded = rpn.box_coder.decode(deltas_flat.detach(), anchors).view(1, -1, 4)
    boxes, scores = rpn.filter_proposals(decoded, obj_flat, images.image_sizes, counts)
    ref["rpn_objectness"] = obj_flat.reshape(-1)
    ref["rpn_deltas"] = deltas_flat
    ref["rpn_level_counts"] = torch.tensor(counts, dtype=torch.float32)
    ref["anchors"] = anchors[0]
    ref["rpn_decoded"] = decoded[0]
    ref["proposals"] = boxes[0]
    ref["proposal_scores"] = scores[0]

    # RoI heads, stage by stage as RoIHeads.forward in eval mode.
    heads = model.roi_heads
    box_features = heads.box_roi_pool(features, boxes, images.image_sizes)
    ref["box_features"] = box_features
    flat = box_features.flatten(start_dim=1)
    fc6 = F.relu(heads.box_head.fc6(flat))
    fc7 = F.relu(heads.box_head.fc7(fc6))
    class_logits, box_regression = heads.box_predictor(fc7)
    ref["fc6"], ref["fc7"] = fc6, fc7
    ref["class_logits"], ref["box_regression"] = class_logits, box_regression
    dboxes, dscores, dlabels = heads.postprocess_detections(class_logits, box_regression, boxes,
                                                            images.image_sizes)
    result = [{"boxes": dboxes[0], "scores": dscores[0], "labels": dlabels[0]}]
    result = model.transform.postprocess(result, images.image_sizes, [tuple(x.shape[-2:])])
    ref["detection_boxes"] = result[0]["boxes"]
    ref["detection_scores"] = result[0]["scores"]
    ref["detection_labels"] = result[0]["labels"].float()

    # The whole model in one call must give the same detections.
    whole = model([x])[0]
    assert torch.equal(whole["boxes"], ref["detection_boxes"]), "stage-by-stage run differs from the model"
    assert torch.equal(whole["labels"].float(), ref["detection_labels"])

    # The transform on a smaller image: bilinear upscaling and padding to 32.
    small = chw(shapes.generate(7, 1, size * 3 // 4)[0])[:, :size * 9 // 16, :]
    t, _ = model.transform([small])
    ref["resize_input"] = small
    ref["resize_output"] = t.tensors[0]
    ref["resize_image_size"] = torch.tensor(t.image_sizes[0], dtype=torch.float32)
    return ref


def main(argv):
    if len(argv) != 1:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    torch.set_num_threads(1)
    for variant, out in (("shapes", os.path.join(argv[0], "shapes")), ("r50", argv[0])):
        os.makedirs(out, exist_ok=True)
        model = build(variant)
        size = model.transform.min_size[-1]
        ref = run(model, size)
        rpn, pool = model.rpn, model.roi_heads.box_roi_pool
        meta = {"image_size": size, "seed": SEED, "torchvision": torchvision.__version__,
                "detections": ref["detection_boxes"].shape[0], "proposals": ref["proposals"].shape[0],
                "anchor_sizes": ",".join(str(s[0]) for s in rpn.anchor_generator.sizes),
                "rpn_pre_nms_top_n": rpn.pre_nms_top_n(), "rpn_post_nms_top_n": rpn.post_nms_top_n(),
                "roi_levels": len(pool.featmap_names)}
        extra = {k: meta[k] for k in ("image_size", "anchor_sizes", "rpn_pre_nms_top_n",
                                      "rpn_post_nms_top_n")}
        extra["roi_featmaps"] = meta["roi_levels"]
        convert.write_weights(model.state_dict(), 1e-5, os.path.join(out, "weights.safetensors"),
                              extra=extra)
        tmp = os.path.join(out, "reference.safetensors.tmp")
        convert.write_safetensors(tmp, ref, {k: str(v) for k, v in meta.items()})
        os.replace(tmp, os.path.join(out, "reference.safetensors"))
        print(f"{out}: {variant}, {meta['proposals']} proposals, {meta['detections']} detections "
              f"(labels {sorted(set(int(v) for v in ref['detection_labels'].tolist()))[:8]})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
