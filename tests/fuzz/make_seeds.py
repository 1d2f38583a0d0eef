#!/usr/bin/python3
"""Write the seed corpora of the fuzz targets (tests/fuzz) into OUT/<target>/.

  stack   every stack file the tests and docs carry: tests/bad_input/cases/*/stack.json,
          examples/*.json, resources/lessons/*.json, plus a deeply nested document
  npy     every .npy the bad-input cases build (corrupt ones included) and a few valid arrays
  onnx    tiny models exported with torch.onnx.export (skipped if torch is missing)
  shapes  fixed pseudo-random byte strings (the target decodes bytes into parameters)
  project .convscope zips (docs/project-format.md) built with zipfile: valid ones (deflated and
          stored, with and without view state), and near-misses (missing manifest, a listed file
          that is absent, an unsafe name, a newer version, not a zip)

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


def project_seeds(out):
    import base64
    import json
    import zipfile

    stack = {"convscope": 1, "convention": "pytorch",
             "input": {"shape": [2, 16], "data": "data/x.npy"},
             "layers": [{"op": "conv_transpose", "out_channels": 2, "kernel_size": 3, "stride": 2,
                         "weight": "data/w.npy"}, {"op": "relu"}]}
    npys = {}
    for name, shape in (("data/x.npy", (2, 16)), ("data/w.npy", (2, 2, 3))):
        buf = io.BytesIO()
        np.save(buf, np.linspace(-1, 1, int(np.prod(shape)), dtype=np.float32).reshape(shape))
        npys[name] = buf.getvalue()

    def manifest(files, version=1, view=None, **extra):
        m = {"format": "convscope-project", "format_version": version, "saved_by": "make_seeds.py",
             "stack": "stack.json", "files": files, "document": {"title": "seed", "origin": "/tmp/seed.json"}}
        if view is not None:
            m["view"] = view
        m.update(extra)
        return json.dumps(m).encode()

    def project(entries, compression=zipfile.ZIP_DEFLATED):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", compression) as z:
            for name, data in entries:
                z.writestr(name, data)
        return buf.getvalue()

    files = sorted(npys)
    stack_text = json.dumps(stack).encode()
    view = {"layer": 0, "name": "scatter", "step": 3, "dock_state": base64.b64encode(b"\x00\x01dock").decode()}
    seeds = {
        "valid_deflated.convscope": project([("manifest.json", manifest(files, view=view)), ("stack.json", stack_text)]
                                            + sorted(npys.items())),
        "valid_stored.convscope": project([("manifest.json", manifest(files)), ("stack.json", stack_text)]
                                          + sorted(npys.items()), zipfile.ZIP_STORED),
        "no_data.convscope": project([("manifest.json", manifest([])),
                                      ("stack.json", json.dumps({"convscope": 1, "input": {"shape": [1, 4]},
                                                                 "layers": []}).encode())]),
        "missing_manifest.convscope": project([("stack.json", stack_text)]),
        "listed_file_absent.convscope": project([("manifest.json", manifest(files)), ("stack.json", stack_text)]),
        "unsafe_name.convscope": project([("manifest.json", manifest(["data/../evil"])), ("stack.json", stack_text),
                                          ("data/../evil", b"x")]),
        "newer_version.convscope": project([("manifest.json", manifest(files, version=2)), ("stack.json", stack_text)]
                                           + sorted(npys.items())),
        "manifest_not_json.convscope": project([("manifest.json", b"{not json"), ("stack.json", stack_text)]),
        "not_a_zip.convscope": b"PK\x03\x04 but nothing else",
    }
    # Stacks naming files outside the project's data/ members (all must be refused, nothing opened).
    for tag, key, ref in (("abs_weight", "weight", "/etc/passwd"), ("dotdot_weight", "weight", "data/../../etc/passwd"),
                          ("home_weight", "weight", "~/.ssh/id_rsa"), ("unlisted_weight", "weight", "data/other.npy"),
                          ("abs_input", "input", "/proc/self/environ"), ("bn_mean", "mean", "/etc/shadow")):
        st = json.loads(stack_text)
        if key == "input":
            st["input"]["data"] = ref
        elif key == "mean":
            st["layers"].append({"op": "batch_norm", "mean": ref})
        else:
            st["layers"][0]["weight"] = ref
        seeds["path_" + tag + ".convscope"] = project(
            [("manifest.json", manifest(files)), ("stack.json", json.dumps(st).encode())] + sorted(npys.items()))
    # A member stored as a symlink (zip unix mode 0120777): read as bytes, never followed.
    link = zipfile.ZipInfo("data/w.npy")
    link.external_attr = 0o120777 << 16
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("manifest.json", manifest(files))
        z.writestr("stack.json", stack_text)
        z.writestr("data/x.npy", npys["data/x.npy"])
        z.writestr(link, b"/etc/passwd")
    seeds["symlink_member.convscope"] = buf.getvalue()
    # Members that inflate far beyond what they need: a .npy whose header declares 12 floats followed
    # by 16 MiB of zeros, and a 64 MiB member (over the fuzzer's 8 MiB cap) of zeros.
    seeds["npy_longer_than_header.convscope"] = project(
        [("manifest.json", manifest(files)), ("stack.json", stack_text), ("data/x.npy", npys["data/x.npy"]),
         ("data/w.npy", npys["data/w.npy"] + bytes(16 << 20))])
    seeds["inflates_past_cap.convscope"] = project(
        [("manifest.json", manifest(files)), ("stack.json", stack_text), ("data/x.npy", npys["data/x.npy"]),
         ("data/w.npy", bytes(64 << 20))])
    for name, data in seeds.items():
        put(out, "project", name, data)
    return len(seeds)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--no-onnx", action="store_true")
    args = ap.parse_args()
    for t in ("stack", "npy", "onnx", "shapes", "project"):
        shutil.rmtree(os.path.join(args.out, t), ignore_errors=True)
        os.makedirs(os.path.join(args.out, t))
    counts = {"stack": stack_seeds(args.out), "npy": npy_seeds(args.out), "shapes": shape_seeds(args.out),
              "project": project_seeds(args.out), "onnx": 0 if args.no_onnx else onnx_seeds(args.out)}
    print("seeds: " + ", ".join("%s %d" % kv for kv in counts.items()))


if __name__ == "__main__":
    sys.exit(main())
