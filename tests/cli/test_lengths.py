#!/usr/bin/python3
"""`convscope solve` and `convscope lengths` end to end, against PyTorch (Debian's python3-torch).

Usage: test_lengths.py --convscope PATH [--work DIR] [unittest options]

solve: every PyTorch solution for random (L, L2) gives exactly L2 in torch.nn.functional with the
padding / output_padding it states (conv1d, F.pad + conv1d for asymmetric pads, conv_transpose1d
with output_padding or output_size, plus a crop for asymmetric crops). Keras, ONNX and Chainer
solutions are pasted into a stack: `check --json` must give L2 and report the padding solve
reported, torch must give L2 with that padding (pads + conv1d, or conv_transpose1d's full buffer
cropped), and `run` must equal torch's values. Then the no-solution answer and bad arguments.
lengths: agrees with `check` for every length of a range (and with torch's lengths), its fixes
make the stack give its input length back in `check` and in torch, 10^6 lengths finish, bad
arguments exit 2.
"""
import argparse
import itertools
import json
import os
import random
import subprocess
import sys
import time
import unittest

import numpy as np
import torch
import torch.nn.functional as F

CONVSCOPE = None
WORK = None
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def cli(*args, timeout=300):
    return subprocess.run([CONVSCOPE] + [str(a) for a in args], capture_output=True, text=True, timeout=timeout)


def fmt(p):
    return "exit %d\n--- stdout\n%s\n--- stderr\n%s" % (p.returncode, p.stdout[-3000:], p.stderr[-3000:])


def cli_json(*args):
    p = cli(*args)
    if p.returncode != 0:
        raise AssertionError(fmt(p))
    return json.loads(p.stdout)


def write_stack(name, convention, L, layers, channels=1):
    doc = {"convscope": 1, "convention": convention,
           "input": {"shape": [1, channels, L], "generator": {"kind": "noise", "seed": 5}}, "layers": layers}
    path = os.path.join(WORK, name)
    with open(path, "w") as f:
        json.dump(doc, f)
    return path


def key(layer, *names, default=None):
    for n in names:
        if n in layer:
            return layer[n]
    return default


def torch_length_pytorch(layer, L):
    """Output length of a pytorch-convention solution in torch.nn.functional."""
    x = torch.zeros(1, 1, L, dtype=torch.float64)
    k, s, d = layer["kernel_size"], layer["stride"], layer.get("dilation", 1)
    w = torch.ones(1, 1, k, dtype=torch.float64)
    pad = layer.get("padding", 0)
    if layer["op"] == "conv":
        if isinstance(pad, list):
            return F.conv1d(F.pad(x, tuple(pad[0])), w, stride=s, dilation=d).shape[-1]
        return F.conv1d(x, w, stride=s, padding=pad, dilation=d).shape[-1]
    b, e = (pad[0] if isinstance(pad, list) else (pad, pad))
    p = min(b, e)
    if "output_size" in layer:
        y = torch.nn.ConvTranspose1d(1, 1, k, stride=s, padding=p, dilation=d, bias=False).double()(
            x, output_size=[layer["output_size"] + (b - p) + (e - p)])
    else:
        y = F.conv_transpose1d(x, w, stride=s, padding=p, output_padding=layer.get("output_padding", 0),
                               dilation=d)
    return y[..., b - p: y.shape[-1] - (e - p)].shape[-1]


def torch_apply(op, x, w, s, d, applied):
    """The layer by torch with the padding `check` reports: pads + conv1d, or the transposed conv's
    full buffer cropped [start, Lf - end) (negative = zeros)."""
    a, b = applied
    if op == "conv":
        return F.conv1d(F.pad(x, (a, b)), w, stride=s, dilation=d)
    full = F.conv_transpose1d(x, w, stride=s, dilation=d)
    full = F.pad(full, (max(0, -a), max(0, -b)))
    return full[..., max(0, a): full.shape[-1] - max(0, b)]


class TestSolve(unittest.TestCase):
    def test_pytorch_solutions_give_l2_in_torch(self):
        rng = random.Random(18)
        cases = [(100, 200, "conv_transpose"), (100, 50, "conv"), (44100, 147, "conv"), (147, 44100, "conv_transpose")]
        cases += [(rng.randint(2, 60), rng.randint(1, 120), rng.choice(["conv", "conv_transpose", "any"]))
                  for _ in range(6)]
        for L, L2, op in cases:
            doc = cli_json("solve", "--in", L, "--out", L2, "--op", op, "--max-kernel", 6, "--json")
            self.assertEqual(doc["count"], len(doc["solutions"]))
            for sol in doc["solutions"]:
                with self.subTest(L=L, L2=L2, layer=sol["layer"]):
                    self.assertEqual(torch_length_pytorch(sol["layer"], L), L2)
                    for alt in sol["alternatives"]:
                        self.assertEqual(torch_length_pytorch(alt, L), L2)

    def test_other_conventions_give_l2_in_check_and_in_torch(self):
        rng = random.Random(7)
        for convention in ("keras", "onnx", "chainer"):
            for L, L2, op in [(20, 40, "conv_transpose"), (20, 10, "conv"), (13, 7, "any"), (9, 27, "any")]:
                doc = cli_json("solve", "--in", L, "--out", L2, "--op", op, "--convention", convention,
                               "--max-kernel", 5, "--json")
                self.assertGreater(len(doc["solutions"]), 0, (convention, L, L2))
                picks = doc["solutions"][:4] + rng.sample(doc["solutions"], min(4, len(doc["solutions"])))
                for sol in picks:
                    with self.subTest(convention=convention, L=L, L2=L2, layer=sol["layer"]):
                        self.check_in_stack(convention, L, L2, sol)

    def check_in_stack(self, convention, L, L2, sol):
        layer = dict(sol["layer"])
        k = key(layer, "kernel_size", "kernel_shape", "ksize")
        s = key(layer, "stride", "strides")
        d = key(layer, "dilation", "dilation_rate", "dilations", "dilate", default=1)
        rng = np.random.default_rng(L * 1000 + L2)
        x = rng.standard_normal((1, 1, L)).astype(np.float32)
        w = rng.standard_normal(k).astype(np.float32)
        b = np.float32(rng.standard_normal())
        np.save(os.path.join(WORK, "x.npy"), x)
        # (1, 1, k) in the pytorch layouts, (k, 1, 1) in Keras's: one in- and one out-channel either way.
        np.save(os.path.join(WORK, "w.npy"), w.reshape((k, 1, 1) if convention == "keras" else (1, 1, k)))
        np.save(os.path.join(WORK, "b.npy"), np.array([b], dtype=np.float32))
        layer.update({"weight": "w.npy", "bias": "b.npy"})
        doc = {"convscope": 1, "convention": convention, "input": {"shape": [1, 1, L], "data": "x.npy"},
               "layers": [layer]}
        path = os.path.join(WORK, "solved.json")
        with open(path, "w") as f:
            json.dump(doc, f)
        checked = cli_json("check", path, "--json")["layers"][0]
        self.assertEqual(checked["output_shape"][-1], L2)
        self.assertEqual(checked["padding"][0], sol["applied"])
        out = os.path.join(WORK, "solved_run")
        p = cli("run", path, "--out", out)
        self.assertEqual(p.returncode, 0, fmt(p))
        y = np.load(os.path.join(out, "layer_0.npy"))
        ref = torch_apply(layer["op"], torch.tensor(x, dtype=torch.float64),
                          torch.tensor(w, dtype=torch.float64).reshape(1, 1, k), s, d, sol["applied"])
        self.assertEqual(ref.shape[-1], L2)
        np.testing.assert_allclose(y, ref.numpy() + float(b), rtol=1e-4, atol=1e-4)

    def test_no_solution_is_an_answer(self):
        p = cli("solve", "--in", 10, "--out", 1000, "--op", "conv_transpose", "--stride", 2, "--max-kernel", 4)
        self.assertEqual(p.returncode, 0, fmt(p))
        self.assertIn("no layer within these bounds gives 1000", p.stdout)
        doc = cli_json("solve", "--in", 10, "--out", 1000, "--op", "conv_transpose", "--stride", 2, "--json")
        self.assertEqual(doc["solutions"], [])
        below = doc["nearest"]["below"]
        self.assertTrue(0 < below < 1000)
        # The nearest length below is reachable: solving for it finds layers.
        self.assertGreater(cli_json("solve", "--in", 10, "--out", below, "--op", "conv_transpose", "--stride", 2,
                                    "--json")["count"], 0)

    def test_all_lengths_keeps_only_layers_that_scale_every_length(self):
        doc = cli_json("solve", "--in", 50, "--out", 100, "--op", "conv_transpose", "--all-lengths", "--json")
        self.assertGreater(len(doc["solutions"]), 0)
        for sol in doc["solutions"]:
            self.assertTrue(sol["all_lengths"])
            for L in (1, 2, 3, 17, 64, 99):
                self.assertEqual(torch_length_pytorch(sol["layer"], L), 2 * L, sol["layer"])

    def test_bad_arguments_exit_2(self):
        for args, word in [(["--out", 5], "--in"), (["--in", 5], "--out"), (["--in", 0, "--out", 5], "--in"),
                           (["--in", "x", "--out", 5], "--in"), (["--in", 5, "--out", 5, "--op", "pool"], "--op"),
                           (["--in", 5, "--out", 5, "--convention", "jax"], "--convention"),
                           (["--in", 5, "--out", 5, "--stride", -1], "--stride"),
                           (["--in", 5, "--out", 5, "--max-kernel", 0], "--max-kernel"),
                           (["--in", 5, "--out", 5, "extra"], "positional"), (["--in", 5, "--out", 5, "--frob"], "--frob")]:
            with self.subTest(args=args):
                p = cli("solve", *args)
                self.assertEqual(p.returncode, 2, fmt(p))
                self.assertIn(word, p.stderr, fmt(p))


CODEC = [{"op": "conv", "out_channels": 2, "kernel_size": 4, "stride": 2, "padding": 1}, {"op": "relu"},
         {"op": "conv", "out_channels": 3, "kernel_size": 3, "stride": 2, "padding": 1},
         {"op": "conv_transpose", "out_channels": 2, "kernel_size": 4, "stride": 2, "padding": 1},
         {"op": "conv_transpose", "out_channels": 1, "kernel_size": 3, "stride": 2, "padding": 1}]


def torch_codec_length(L, layers):
    """The stack's output length in torch, or None when torch refuses it."""
    try:
        return torch_codec_length_or_raise(L, layers)
    except RuntimeError:
        return None


def torch_codec_length_or_raise(L, layers):
    x = torch.zeros(1, 1, L)
    c = 1
    for l in layers:
        if l["op"] == "relu":
            continue
        if l["op"] == "conv":
            x = F.conv1d(x, torch.zeros(l["out_channels"], c, l["kernel_size"]), stride=l["stride"],
                         padding=l["padding"])
        else:
            x = F.conv_transpose1d(x, torch.zeros(c, l["out_channels"], l["kernel_size"]), stride=l["stride"],
                                   padding=l["padding"], output_padding=l.get("output_padding", 0))
        c = l["out_channels"]
    return x.shape[-1]


class TestLengths(unittest.TestCase):
    def test_agrees_with_check_and_torch_and_fixes_fix(self):
        path = write_stack("codec.json", "pytorch", 32, CODEC)
        doc = cli_json("lengths", path, "--from", 1, "--to", 60, "--json")
        self.assertTrue(doc["round_trip"])
        self.assertEqual(len(doc["rows"]), 60)
        goods = [r["in"] for r in doc["rows"] if r.get("back")]
        self.assertEqual(goods, [L for L in range(1, 61) if torch_codec_length(L, CODEC) == L])
        period = doc["summary"]["period"]
        self.assertGreater(period, 1)
        self.assertEqual(sorted(set(L % period for L in goods)), doc["summary"]["residues"])
        self.assertTrue(all((L + period in goods) for L in goods if L + period <= 60))
        for row in doc["rows"]:
            L = row["in"]
            with self.subTest(L=L):
                one = write_stack("codec_%d.json" % L, "pytorch", L, CODEC)
                p = cli("check", one, "--json")
                if "refused" in row:
                    self.assertEqual(p.returncode, 2, fmt(p))
                    self.assertIn("layer %d" % row["refused"]["layer"], p.stderr)
                    continue
                self.assertEqual(p.returncode, 0, fmt(p))
                got = [l["output_shape"][-1] for l in json.loads(p.stdout)["layers"]]
                self.assertEqual(row["lengths"], got)
                self.assertEqual(got[-1], torch_codec_length(L, CODEC))
                if row["back"]:
                    continue
                if not row["fixed"]:
                    # Then no output_padding of the transposed layers brings L back in torch either.
                    ups = [i for i, l in enumerate(CODEC) if l["op"] == "conv_transpose"]
                    for ops in itertools.product(*[range(CODEC[i]["stride"]) for i in ups]):
                        trial = [dict(l) for l in CODEC]
                        for i, o in zip(ups, ops):
                            trial[i]["output_padding"] = o
                        self.assertNotEqual(torch_codec_length(L, trial), L, (row, ops))
                    continue
                fixed = [dict(l) for l in CODEC]
                for f in row["fixes"]:
                    fixed[f["layer"]].update(f["change"])
                self.assertEqual(torch_codec_length(L, fixed), L, row)
                one = write_stack("codec_fixed_%d.json" % L, "pytorch", L, fixed)
                self.assertEqual(cli_json("check", one, "--json")["layers"][-1]["output_shape"][-1], L)

    def test_text_summary_and_a_million_lengths(self):
        path = os.path.join(REPO, "examples", "codec_lengths.json")
        p = cli("lengths", path, "--to", 200)
        self.assertEqual(p.returncode, 0, fmt(p))
        self.assertIn("multiples of 4", p.stdout)  # two k4 s2 p1 convs down, two back up
        with open(path) as f:
            layers = json.load(f)["layers"]
        good = sum(torch_codec_length(L, layers) == L for L in range(4, 201))
        self.assertIn("%d of 197 lengths come back unchanged" % good, p.stdout)  # 1..3 are refused
        self.assertLess(len(p.stdout.splitlines()), 20)
        t0 = time.time()
        p = cli("lengths", path, "--to", 1000000, timeout=600)
        took = time.time() - t0
        self.assertEqual(p.returncode, 0, fmt(p))
        print("lengths 1..10^6 took %.1f s" % took, file=sys.stderr)
        self.assertLess(took, 120)

    def test_bad_arguments_exit_2(self):
        path = write_stack("codec.json", "pytorch", 32, CODEC)
        for args, word in [([path, "--from", 0], "--from"), ([path, "--from", 9, "--to", 3], "--to"),
                           ([path, "--to", "many"], "--to"), ([], "STACK"), ([path, "--lesson", "checkerboard"], "not both"),
                           ([path, "--to", 20000000], "10^7")]:
            with self.subTest(args=args):
                p = cli("lengths", *args)
                self.assertEqual(p.returncode, 2, fmt(p))
                self.assertIn(word, p.stderr, fmt(p))

    def test_lesson(self):
        p = cli("lengths", "--lesson", "output_padding", "--to", 40)
        self.assertEqual(p.returncode, 0, fmt(p))


def main():
    global CONVSCOPE, WORK
    ap = argparse.ArgumentParser()
    ap.add_argument("--convscope", required=True)
    ap.add_argument("--work", default=os.path.join(REPO, "build", "work-lengths"))
    args, rest = ap.parse_known_args()
    CONVSCOPE = os.path.abspath(args.convscope)
    WORK = os.path.abspath(args.work)
    os.makedirs(WORK, exist_ok=True)
    unittest.main(argv=[sys.argv[0]] + rest)


if __name__ == "__main__":
    main()
