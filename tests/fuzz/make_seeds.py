#!/usr/bin/python3
"""Write the seed corpora of the fuzz targets (tests/fuzz) into OUT/<target>/.

  stack   every stack file the tests and docs carry: tests/bad_input/cases/*/stack.json,
          examples/*.json, resources/lessons/*.json, plus a deeply nested document
  npy     every .npy the bad-input cases build (corrupt ones included) and a few valid arrays
  onnx    tiny models exported with torch.onnx.export (skipped if torch is missing)
  shapes  fixed pseudo-random byte strings (the target decodes bytes into parameters)

Usage: /usr/bin/python3 tests/fuzz/make_seeds.py --out DIR [--no-onnx]
"""
import argparse
import glob
import io
import os
import random
import shutil
import sys

import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "bad_input"))
import make_cases  # noqa: E402


def put(out, target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def stack_seeds(out):
    files = sorted(glob.glob(os.path.join(ROOT, "tests", "bad_input", "cases", "*", "stack.json")))
    files += sorted(glob.glob(os.path.join(ROOT, "examples", "*.json")))
    files += sorted(glob.glob(os.path.join(ROOT, "resources", "lessons", "*.json")))
    for f in files:
        rel = os.path.relpath(f, ROOT).replace(os.sep, "_")
        with open(f, "rb") as fh:
            put(out, "stack", rel, fh.read())
    put(out, "stack", "deep_nesting.json", b'{"convscope": 1, "name": ' + b"[" * 200 + b"]" * 200 + b"}")
    return len(files) + 1


def npy_seeds(out):
    n = 0
    for case, builders in sorted(make_cases.NPY.items()):
        for fname, build in sorted(builders.items()):
            put(out, "npy", "%s_%s" % (case, fname), build())
            n += 1
    for i, (shape, dtype) in enumerate([((3,), np.float32), ((2, 4), np.float64), ((1, 2, 3, 3), np.float32),
                                        ((), np.float32), ((0, 5), np.float32), ((2, 3), np.int32)]):
        buf = io.BytesIO()
        np.save(buf, np.arange(int(np.prod(shape)), dtype=dtype).reshape(shape))
        put(out, "npy", "valid_%d.npy" % i, buf.getvalue())
        n += 1
    return n


def onnx_seeds(out):
    try:
        import torch
        from torch import nn
    except ImportError:
        print("make_seeds.py: torch not found; no ONNX seeds")
        return 0
    models = {
        "conv1d": (nn.Sequential(nn.Conv1d(2, 3, 3, stride=2, padding=1), nn.ReLU()), (1, 2, 16)),
        "deconv1d": (nn.Sequential(nn.ConvTranspose1d(2, 2, 4, stride=2, padding=1, output_padding=1), nn.Tanh()),
                     (1, 2, 8)),
        "conv2d_pool": (nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.BatchNorm2d(2).eval(), nn.MaxPool2d(2),
                                      nn.Upsample(scale_factor=2)), (1, 1, 8, 8)),
        "deconv2d_groups": (nn.Sequential(nn.ConvTranspose2d(4, 4, 3, stride=2, groups=2), nn.AvgPool2d(2),
                                          nn.LeakyReLU(0.1)), (1, 4, 5, 5)),
    }
    torch.manual_seed(0)
    warnings.filterwarnings("ignore")
    n = 0
    for name, (model, shape) in models.items():
        buf = io.BytesIO()
        model.eval()
        torch.onnx.export(model, torch.zeros(*shape), buf, opset_version=13, input_names=["x"], output_names=["y"])
        put(out, "onnx", name + ".onnx", buf.getvalue())
        n += 1
    return n


def shape_seeds(out):
    rng = random.Random(8)
    for i in range(32):
        put(out, "shapes", "random_%02d" % i, bytes(rng.randrange(256) for _ in range(rng.randrange(8, 64))))
    return 32


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--no-onnx", action="store_true")
    args = ap.parse_args()
    for t in ("stack", "npy", "onnx", "shapes"):
        shutil.rmtree(os.path.join(args.out, t), ignore_errors=True)
        os.makedirs(os.path.join(args.out, t))
    counts = {"stack": stack_seeds(args.out), "npy": npy_seeds(args.out), "shapes": shape_seeds(args.out),
              "onnx": 0 if args.no_onnx else onnx_seeds(args.out)}
    print("seeds: " + ", ".join("%s %d" % kv for kv in counts.items()))


if __name__ == "__main__":
    sys.exit(main())
