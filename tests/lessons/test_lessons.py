#!/usr/bin/python3
"""lessons_pytorch: every bundled lesson computes what PyTorch computes.

Usage: test_lessons.py --convscope PATH --lessons DIR [--work DIR]

For each resources/lessons/*.json:
- the lesson's input is replaced by a random input file (in the lesson's layout), everything else
  is kept, and `convscope run` computes every layer with the engine's own weights (the lesson's
  "init");
- the same weights are rebuilt here independently: "init": {"kind": "random", "seed": n} is the
  engine's documented generator (docs/stack-format.md: splitmix64, uniform in [-b, b) with
  b = 1/sqrt(fan_in), fan_in = weight.shape[1] * prod(kernel), the bias from seed ^ 0xB1A5, the seed
  defaulting to the layer index), written as .npy files in the convention's layout;
- tests/conformance/refimpl.py (real torch modules for PyTorch, the frameworks' rules emulated in
  torch for Keras / ONNX / Chainer) computes every layer in float64 from those files;
- every layer must agree within 1e-4 * max(1, max |ref|), the conformance suite's tolerance.
A lesson whose layer the reference cannot build fails the test: lessons stay checkable.
"""
import argparse
import copy
import json
import os
import subprocess
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "conformance"))
import refimpl  # noqa: E402

RTOL = 1e-4
MASK64 = (1 << 64) - 1


def splitmix_uniform(n, seed, bound):
    """The engine's fillUniform: n float32 values in [-bound, bound)."""
    state = (seed * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019) & MASK64
    out = np.empty(n, dtype=np.float32)
    for i in range(n):
        state = (state + 0x9E3779B97F4A7C15) & MASK64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        z ^= z >> 31
        u = float(z >> 11) * (1.0 / 9007199254740992.0)
        out[i] = np.float32((2.0 * u - 1.0) * float(bound))
    return out


def ints(v, dims):
    return tuple(v) if isinstance(v, list) else (int(v),) * dims


def materialise(conv, layers, C, dims, files):
    """Replaces every conv/conv_transpose "init" by weight (and bias) files; returns the layers."""
    n = refimpl.NAMES[conv]
    out = []
    for i, lay in enumerate(layers):
        lay = copy.deepcopy(lay)
        op = lay["op"]
        if op in ("conv", "conv_transpose") and "init" in lay:
            init = lay.pop("init")
            kind = init.get("kind", "random")
            seed = int(init.get("seed", i))
            k = ints(lay[n["k"]], dims)
            O = int(lay[n["out"]])
            g = int(lay.get(n["g"], 1))
            transposed = op == "conv_transpose"
            shape = (C, O // g) + k if transposed else (O, C // g) + k  # canonical
            kprod = int(np.prod(k))
            bound = np.float32(1.0) / np.sqrt(np.float32(shape[1] * kprod))
            if kind == "random":
                w = splitmix_uniform(int(np.prod(shape)), seed, bound).reshape(shape)
                b = splitmix_uniform(O, seed ^ 0xB1A5, bound)
            elif kind == "ones":
                w = np.ones(shape, dtype=np.float32)
                b = np.zeros(O, dtype=np.float32)
            else:
                raise AssertionError("layer %d: init kind %s has no reference here" % (i, kind))
            if conv == "keras":
                w = refimpl.torch_to_keras(torch.from_numpy(w), dims).numpy()
            files["w%d" % i] = w
            lay["weight"] = "w%d" % i
            if conv == "pytorch":
                has_bias = lay.get("bias", True)
            elif conv == "keras":
                has_bias = lay.get("use_bias", True)
            elif conv == "onnx":
                has_bias = False
            else:
                has_bias = not lay.get("nobias", False)
            if has_bias:
                files["b%d" % i] = b
                lay["bias"] = "b%d" % i
        elif "init" in lay:
            raise AssertionError("layer %d (%s): init on this op has no reference here" % (i, op))
        out.append(lay)
        C = None if op in ("conv", "conv_transpose") else C
        if op in ("conv", "conv_transpose"):
            C = int(lay[n["out"]])
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--convscope", required=True)
    ap.add_argument("--lessons", required=True)
    ap.add_argument("--work", default="/tmp/convscope-lessons")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    rng = np.random.default_rng(11)
    failures, checked = [], 0
    for name in sorted(f[:-5] for f in os.listdir(a.lessons) if f.endswith(".json")):
        with open(os.path.join(a.lessons, name + ".json")) as f:
            lesson = json.load(f)
        conv = lesson.get("convention", "pytorch")
        last = lesson.get("layout", "channels_first") == "channels_last"
        shape = list(lesson["input"]["shape"])
        dims = int(lesson["input"].get("dims", len(shape) - 1))
        x = rng.uniform(-1, 1, shape).astype(np.float32)  # the lesson's layout, no batch axis
        d = os.path.join(a.work, name)
        os.makedirs(d, exist_ok=True)
        np.save(os.path.join(d, "x.npy"), x)
        run = copy.deepcopy(lesson)
        run["input"] = {"data": "x.npy", "dims": dims} if "dims" in lesson["input"] else {"data": "x.npy"}
        run.pop("view", None)
        with open(os.path.join(d, "stack.json"), "w") as f:
            json.dump(run, f)
        out = os.path.join(d, "out")
        p = subprocess.run([a.convscope, "run", os.path.join(d, "stack.json"), "--out", out],
                           capture_output=True, text=True, timeout=600)
        if p.returncode != 0:
            failures.append("%s: run exited %d: %s" % (name, p.returncode, p.stderr.strip()[:300]))
            continue
        xc = np.moveaxis(x, -1, 0) if last else x  # canonical (C, spatial...)
        files = {}
        try:
            layers = materialise(conv, lesson["layers"], xc.shape[0], dims, files)
            refs = refimpl.ref_stack(conv, layers, files, torch.from_numpy(xc[None].astype(np.float64)))
        except (AssertionError, refimpl.Illegal, refimpl.Avoid, KeyError, ValueError) as e:
            failures.append("%s: no torch reference: %s" % (name, e))
            continue
        for i, ref in enumerate(refs):
            got = np.load(os.path.join(out, "layer_%d.npy" % i)).astype(np.float64)
            if last:
                got = np.moveaxis(got, -1, 1)
            r = ref.numpy()
            if got.shape != r.shape:
                failures.append("%s: layer %d shape %s, torch %s" % (name, i, list(got.shape), list(r.shape)))
                break
            scale = max(1.0, float(np.abs(r).max()))
            md = float(np.abs(got - r).max())
            if not md <= RTOL * scale:
                failures.append("%s: layer %d (%s) differs from torch by %.3g (scale %.3g)"
                                % (name, i, lesson["layers"][i]["op"], md, scale))
        checked += 1
        print("%-26s %s, %d layers: every layer matches torch" % (name, conv, len(refs)))
    for f in failures:
        print("FAIL " + f)
    print("%d lessons checked against torch, %d failures" % (checked, len(failures)))
    return 1 if failures or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
