#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Turn a torchvision Faster-RCNN checkpoint into a safetensors file for model/.

    convert.py [--bn-eps EPS] [--depth N] [--meta KEY=VALUE]... IN.pth OUT.safetensors

IN.pth is a state dict, a full pickled model, or a dict holding either under
"model" / "state_dict" (as torchvision's reference training scripts save).
Both key spellings are accepted: the <=0.12 one (fpn.inner_blocks.i.weight,
rpn.head.conv.weight) is renamed to the >=0.13 one (fpn.inner_blocks.i.0.weight,
rpn.head.conv.0.0.weight). Every tensor is written as little-endian F32
(num_batches_tracked is dropped). The header's __metadata__ records the BN eps,
the backbone (depth, block type, blocks per layer, returned layers), the FPN
width and the number of classes, plus any --meta pairs.

BN eps: read from a full model; a state dict does not hold it, so --bn-eps is
then required (0 for torchvision's COCO_V1 weights, 1e-5 for fresh models).
"""
import argparse
import json
import re
import struct
import sys

import torch

RESNET_BLOCKS = {
    ("basic", (2, 2, 2, 2)): 18,
    ("basic", (3, 4, 6, 3)): 34,
    ("bottleneck", (3, 4, 6, 3)): 50,
    ("bottleneck", (3, 4, 23, 3)): 101,
    ("bottleneck", (3, 8, 36, 3)): 152,
}


class ConvertError(Exception):
    pass


def load_checkpoint(path):
    """Returns (state_dict, bn_eps or None)."""
    try:
        obj = torch.load(path, map_location="cpu")
    except Exception as e:  # torch raises many kinds for a bad file
        raise ConvertError(f"{path}: cannot load as a torch checkpoint: {e}")
    if isinstance(obj, dict) and not all(torch.is_tensor(v) for v in obj.values()):
        for key in ("model", "state_dict"):
            if key in obj:
                obj = obj[key]
                break
    eps = None
    if isinstance(obj, torch.nn.Module):
        eps_values = {float(m.eps) for m in obj.modules() if hasattr(m, "eps") and "Norm" in type(m).__name__}
        if len(eps_values) > 1:
            raise ConvertError(f"{path}: norm layers use different eps values {sorted(eps_values)}")
        eps = eps_values.pop() if eps_values else None
        obj = obj.state_dict()
    if not isinstance(obj, dict) or not obj:
        raise ConvertError(f"{path}: holds neither a model nor a state dict")
    for k, v in obj.items():
        if not torch.is_tensor(v):
            raise ConvertError(f"{path}: entry {k!r} is a {type(v).__name__}, not a tensor")
    return obj, eps


def new_spelling(key):
    """The >=0.13 name of a state-dict key."""
    key = re.sub(r"^(backbone\.fpn\.(?:inner|layer)_blocks\.\d+)\.(weight|bias)$", r"\1.0.\2", key)
    key = re.sub(r"^(rpn\.head\.conv)\.(weight|bias)$", r"\1.0.0.\2", key)
    return key


def normalise(state):
    out = {}
    for key, value in state.items():
        if key.endswith("num_batches_tracked"):
            continue
        name = new_spelling(key)
        if name in out:
            raise ConvertError(f"both spellings of {name!r} are present")
        out[name] = value
    return out


def describe(state, depth_override):
    """Metadata read from the tensors themselves."""
    meta = {}
    if "backbone.body.conv1.weight" not in state:
        raise ConvertError("no backbone.body.conv1.weight: not a torchvision ResNet-FPN Faster-RCNN")
    blocks = []
    bottleneck = any(k.startswith("backbone.body.layer1.0.conv3.") for k in state)
    for layer in range(1, 5):
        n = 0
        while f"backbone.body.layer{layer}.{n}.conv1.weight" in state:
            n += 1
        if n == 0:
            break
        blocks.append(n)
    if not blocks:
        raise ConvertError("no backbone.body.layer1 blocks: not a torchvision ResNet")
    kind = "bottleneck" if bottleneck else "basic"
    depth = depth_override
    if depth is None:
        for (k, full), d in RESNET_BLOCKS.items():
            if k == kind and tuple(full[: len(blocks)]) == tuple(blocks):
                depth = d
                break
    if depth is None:
        raise ConvertError(f"cannot tell the ResNet depth from {kind} blocks {blocks}; pass --depth")
    inner = []
    while f"backbone.fpn.inner_blocks.{len(inner)}.0.weight" in state:
        inner.append(state[f"backbone.fpn.inner_blocks.{len(inner)}.0.weight"])
    if not inner:
        raise ConvertError("no backbone.fpn.inner_blocks.0 weights: not an FPN backbone")
    expansion = 4 if bottleneck else 1
    layer_channels = {64 * 2 ** (i - 1) * expansion: i for i in range(1, 5)}
    returned = []
    for w in inner:
        cin = w.shape[1]
        if cin not in layer_channels:
            raise ConvertError(f"FPN inner block input width {cin} matches no ResNet layer")
        returned.append(layer_channels[cin])
    meta["backbone_depth"] = str(depth)
    meta["backbone_block"] = kind
    meta["backbone_blocks"] = ",".join(str(b) for b in blocks)
    meta["returned_layers"] = ",".join(str(r) for r in returned)
    meta["fpn_channels"] = str(inner[0].shape[0])
    if "roi_heads.box_predictor.cls_score.weight" in state:
        meta["num_classes"] = str(state["roi_heads.box_predictor.cls_score.weight"].shape[0])
    return meta


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    offset = 0
    blobs = []
    for name in sorted(tensors):
        t = tensors[name].detach().to(torch.float32).contiguous()
        raw = t.numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
        blobs.append(raw)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)  # data starts 8-byte aligned
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for raw in blobs:
            f.write(raw)


def convert(src, dst, bn_eps=None, depth=None, extra=None):
    """Checkpoint file src to safetensors dst; returns the metadata written."""
    state, eps = load_checkpoint(src)
    if bn_eps is not None:
        eps = bn_eps
    if eps is None:
        raise ConvertError(
            f"{src}: a state dict does not record BN eps; pass --bn-eps "
            "(0 for torchvision's COCO_V1 weights, 1e-5 for freshly built models)")
    return write_weights(state, eps, dst, depth, extra)


def write_weights(state, eps, dst, depth=None, extra=None):
    """A state dict (either key spelling) and its BN eps to safetensors dst."""
    state = normalise(state)
    meta = describe(state, depth)
    meta["bn_eps"] = repr(float(eps))
    meta["format"] = "ttstack-frcnn"
    for k, v in (extra or {}).items():
        meta[k] = str(v)
    write_safetensors(dst, state, meta)
    return meta


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    p.add_argument("--bn-eps", type=float)
    p.add_argument("--depth", type=int)
    p.add_argument("--meta", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("src")
    p.add_argument("dst")
    a = p.parse_args(argv)
    extra = {}
    for kv in a.meta:
        if "=" not in kv:
            p.error(f"--meta {kv!r}: expected KEY=VALUE")
        k, v = kv.split("=", 1)
        extra[k] = v
    try:
        meta = convert(a.src, a.dst, a.bn_eps, a.depth, extra)
    except ConvertError as e:
        print(f"convert.py: {e}", file=sys.stderr)
        return 1
    print(f"{a.dst}: ResNet-{meta['backbone_depth']}-FPN, bn_eps {meta['bn_eps']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
