#!/usr/bin/python3
"""`convscope compare` end to end, against PyTorch (Debian's python3-torch).

Usage: test_compare.py --convscope PATH [--work DIR] [unittest options]

The four worked examples of docs/compare.md, with weights written here as .npy files so that
torch computes the same designs independently:
- nearest x2 upsample + conv(k=3, padding 1) equals ConvTranspose1d(k=4, stride 2, padding 1) with
  the kernel [w2, w1+w2, w0+w1, w0]: compare finds that layer (its kernel equals the one torch
  builds from w), the pair differs by float rounding only, and both outputs equal torch's;
- zero insertion (s) + conv equals a transposed conv with the flipped kernel;
- Conv2DTranspose with a (k, 1) kernel on a singleton axis equals the 1-D transposed conv;
- two stride-1 convs equal one conv with the convolved kernel.
Then the text output, the flat-input figures of a checkerboard, and bad input (exit 2).
"""
import argparse
import json
import os
import subprocess
import sys
import unittest

import numpy as np
import torch
import torch.nn.functional as F

CONVSCOPE = None
WORK = None


def cli(*args):
    return subprocess.run([CONVSCOPE] + [str(a) for a in args], capture_output=True, text=True, timeout=300)


def fmt(p):
    return "exit %d\n--- stdout\n%s\n--- stderr\n%s" % (p.returncode, p.stdout[-3000:], p.stderr[-3000:])


def save(name, array):
    path = os.path.join(WORK, name)
    np.save(path, np.ascontiguousarray(array, dtype=np.float32))
    return name


def stack(name, shape, layers, data=None):
    doc = {"convscope": 1, "convention": "pytorch", "input": {"shape": shape}, "layers": layers}
    doc["input"].update({"data": data} if data else {"generator": {"kind": "noise", "seed": 4}})
    path = os.path.join(WORK, name)
    with open(path, "w") as f:
        json.dump(doc, f)
    return path


def run_json(*stacks, extra=()):
    p = cli("compare", *stacks, "--json", *extra)
    if p.returncode != 0:
        raise AssertionError(fmt(p))
    return json.loads(p.stdout)


def t(a):
    return torch.tensor(np.asarray(a, dtype=np.float64))


class Compare(unittest.TestCase):
    def setUp(self):
        self.rng = np.random.default_rng(7)
        self.x = self.rng.uniform(-1, 1, (1, 2, 16)).astype(np.float32)
        save("x.npy", self.x[0])

    def test_upsample_conv_is_the_transposed_conv_torch_builds(self):
        w = self.rng.uniform(-1, 1, (3, 2, 3)).astype(np.float32)  # (O, C, k)
        a = stack("up_conv.json", [2, 16], [
            {"op": "upsample", "scale_factor": 2, "mode": "nearest"},
            {"op": "conv", "out_channels": 3, "kernel_size": 3, "padding": 1, "weight": save("w.npy", w),
             "bias": False}], data="x.npy")
        # The transposed conv's kernel (C, O, 4): [w2, w1 + w2, w0 + w1, w0] per (o, c).
        wt = np.stack([w[:, :, 2], w[:, :, 1] + w[:, :, 2], w[:, :, 0] + w[:, :, 1], w[:, :, 0]], axis=-1)
        wt = np.transpose(wt, (1, 0, 2))
        b = stack("deconv.json", [2, 16], [
            {"op": "conv_transpose", "out_channels": 3, "kernel_size": 4, "stride": 2, "padding": 1,
             "weight": save("wt.npy", wt), "bias": False}], data="x.npy")
        r = run_json(a, b)
        # torch: both designs, in float64.
        ya = F.conv1d(F.interpolate(t(self.x), scale_factor=2, mode="nearest"), t(w), padding=1)
        yb = F.conv_transpose1d(t(self.x), t(wt), stride=2, padding=1)
        self.assertLess(float((ya - yb).abs().max()), 1e-6)
        single = r["stacks"][0]["single_layer"]
        self.assertTrue(single["found"], single)
        self.assertEqual(single["op"], "conv_transpose")
        self.assertEqual(single["kernel_size"], [4])
        self.assertEqual(single["stride"], [2])
        self.assertEqual(single["crop"], [[1, 1]])
        got = np.array(single["weight"]).reshape(single["weight_shape"])
        np.testing.assert_allclose(got, wt, atol=1e-6)
        self.assertIn("ConvTranspose1d(2, 3, kernel_size=4, stride=2, padding=1, bias=False)", single["described"])
        self.assertTrue(r["pairs"][0]["comparable"])
        self.assertLess(r["pairs"][0]["max_abs_difference"], 1e-5)
        # The engine's outputs are torch's.
        out = os.path.join(WORK, "out_a")
        p = cli("run", a, "--out", out)
        self.assertEqual(p.returncode, 0, fmt(p))
        np.testing.assert_allclose(np.load(os.path.join(out, "layer_1.npy")), ya.numpy(), atol=1e-5)

    def test_zero_insertion_conv_is_a_transposed_conv_with_the_flipped_kernel(self):
        w = self.rng.uniform(-1, 1, (2, 2, 4)).astype(np.float32)  # (O, C, k)
        a = stack("zi_conv.json", [2, 16], [
            {"op": "zero_insert", "stride": 3},
            {"op": "conv", "out_channels": 2, "kernel_size": 4, "padding": 3, "weight": save("wz.npy", w),
             "bias": False}], data="x.npy")
        r = run_json(a, a)
        single = r["stacks"][0]["single_layer"]
        self.assertTrue(single["found"], single)
        got = np.array(single["weight"]).reshape(single["weight_shape"])  # (C, O, k)
        flipped = np.transpose(w[:, :, ::-1], (1, 0, 2))
        np.testing.assert_allclose(got, flipped, atol=1e-6)
        z = torch.zeros(1, 2, 16 * 3 - 2, dtype=torch.float64)
        z[:, :, ::3] = t(self.x)
        ya = F.conv1d(z, t(w), padding=3)
        yb = F.conv_transpose1d(t(self.x), t(flipped), stride=3, padding=single["crop"][0][0])
        self.assertEqual(ya.shape, yb.shape)
        self.assertLess(float((ya - yb).abs().max()), 1e-6)

    def test_a_column_kernel_on_a_singleton_axis_is_the_one_d_transposed_conv(self):
        w = self.rng.uniform(-1, 1, (2, 3, 5)).astype(np.float32)  # (C, O, k)
        a = stack("one.json", [2, 16], [{"op": "conv_transpose", "out_channels": 3, "kernel_size": 5, "stride": 2,
                                         "weight": save("w1.npy", w), "bias": False}], data="x.npy")
        b = stack("two.json", [2, 16, 1], [{"op": "conv_transpose", "out_channels": 3, "kernel_size": [5, 1],
                                            "stride": [2, 1], "weight": save("w2.npy", w[..., None]),
                                            "bias": False}], data="x2.npy")
        save("x2.npy", self.x[0][..., None])
        r = run_json(a, b)
        self.assertTrue(r["pairs"][0]["comparable"], r["pairs"][0])
        self.assertEqual(r["pairs"][0]["max_abs_difference"], 0.0)
        y1 = F.conv_transpose1d(t(self.x), t(w), stride=2)
        y2 = F.conv_transpose2d(t(self.x[..., None]), t(w[..., None]), stride=(2, 1))
        self.assertLess(float((y1 - y2[..., 0]).abs().max()), 1e-12)
        self.assertEqual(r["stacks"][1]["output_shape"], [3, 35, 1])

    def test_two_convs_are_one_conv_with_the_convolved_kernel(self):
        w1 = self.rng.uniform(-1, 1, (3, 2, 3)).astype(np.float32)
        w2 = self.rng.uniform(-1, 1, (2, 3, 2)).astype(np.float32)
        a = stack("two_convs.json", [2, 16], [
            {"op": "conv", "out_channels": 3, "kernel_size": 3, "weight": save("c1.npy", w1), "bias": False},
            {"op": "conv", "out_channels": 2, "kernel_size": 2, "weight": save("c2.npy", w2), "bias": False}],
            data="x.npy")
        r = run_json(a, a)
        single = r["stacks"][0]["single_layer"]
        self.assertTrue(single["found"], single)
        got = np.array(single["weight"]).reshape(single["weight_shape"])
        # torch: the kernel of the composition is the response to unit impulses.
        y = F.conv1d(F.conv1d(t(self.x), t(w1)), t(w2))
        y1 = F.conv1d(t(self.x), t(got))
        self.assertLess(float((y - y1).abs().max()), 1e-5)
        self.assertEqual(list(got.shape), [2, 2, 4])

    def test_text_output_and_the_checkerboard(self):
        ones = {"kind": "ones"}
        a = stack("deconv3.json", [1, 12], [{"op": "conv_transpose", "out_channels": 1, "kernel_size": 3, "stride": 2,
                                             "padding": 1, "output_padding": 1, "bias": False, "init": ones}])
        b = stack("upconv.json", [1, 12], [{"op": "upsample", "scale_factor": 2},
                                           {"op": "conv", "out_channels": 1, "kernel_size": 3, "padding": 1,
                                            "bias": False, "init": ones}])
        p = cli("compare", a, b)
        self.assertEqual(p.returncode, 0, fmt(p))
        for want in ("parameters", "multiply-adds", "flat input: ripple", "single layer",
                     "deconv3.json vs upconv.json: max |difference|", "upconv.json: one layer: ConvTranspose1d"):
            self.assertIn(want, p.stdout)
        r = run_json(a, b)
        self.assertEqual(r["stacks"][0]["flat_response"]["ripple"], 1.0)
        self.assertEqual(r["stacks"][0]["flat_response"]["period"], [2])
        self.assertEqual(r["stacks"][1]["flat_response"]["ripple"], 0.0)
        self.assertEqual(r["stacks"][1]["flat_response"]["period"], [1])
        self.assertEqual(r["stacks"][0]["parameters"], 3)

    def test_lessons_compare_by_name(self):
        p = cli("compare", "--lesson", "conv_x_deconv_y", "--lesson", "deconv_y_conv_x", "--json")
        self.assertEqual(p.returncode, 0, fmt(p))
        r = json.loads(p.stdout)
        self.assertEqual([s["output_shape"] for s in r["stacks"]], [[1, 50, 200], [1, 50, 200]])
        self.assertLess(r["pairs"][0]["max_abs_difference"], 1e-5)  # the axes never mix
        self.assertEqual(r["stacks"][1]["multiply_adds"], 2 * r["stacks"][0]["multiply_adds"])

    def test_a_lesson_alone_is_compared_with_the_lessons_it_names(self):
        r = run_json("--lesson", "upsample_vs_deconv")
        names = [s["file"] for s in r["stacks"]]
        self.assertEqual(len(names), 3, names)
        out = os.path.join(WORK, "out_lesson")
        p = cli("run", "--lesson", "upsample_vs_deconv", "--out", out)
        self.assertEqual(p.returncode, 0, fmt(p))
        up = np.load(os.path.join(out, "layer_0.npy"))
        x, y = up[:, :, ::2], np.load(os.path.join(out, "layer_1.npy"))  # nearest x2: every other sample
        single = r["stacks"][0]["single_layer"]
        self.assertEqual((single["op"], single["kernel_size"], single["stride"]), ("conv_transpose", [4], [2]))
        k = np.array(single["weight"]).reshape(single["weight_shape"])
        # torch runs the found layer on the lesson's input and gets the lesson's output.
        yk = F.conv_transpose1d(t(x), t(k), stride=2, padding=1)
        np.testing.assert_allclose(yk.numpy(), y, atol=1e-5)
        # [w2, w1 + w2, w0 + w1, w0]: both phases sum to w0 + w1 + w2, so a flat input stays flat.
        self.assertAlmostEqual(float(k[0, 0, 1] + k[0, 0, 3]), float(k[0, 0, 0] + k[0, 0, 2]), places=6)
        self.assertLess(r["stacks"][0]["flat_response"]["ripple"], 1e-6)
        # The free k = 4, s = 2 kernel: even counts, uneven phase sums -> a period-2 ripple, as torch says.
        k4 = r["stacks"][2]["single_layer"]
        v = np.array(k4["weight"]).reshape(k4["weight_shape"])
        flat = F.conv_transpose1d(torch.ones(1, 1, 16, dtype=torch.float64), t(v), stride=2, padding=1)[0, 0, 2:-2]
        ripple = float(flat.max() - flat.min())
        self.assertGreater(ripple, 1e-3)
        self.assertAlmostEqual(r["stacks"][2]["flat_response"]["ripple"], ripple, places=5)
        self.assertEqual(r["stacks"][2]["flat_response"]["period"], [2])

    def test_render_and_animate_draw_the_stacks_side_by_side(self):
        png = os.path.join(WORK, "side.png")
        p = cli("render", "--lesson", "upsample_vs_deconv", "--compare", "deconv_k3s2", "--compare", "deconv_k4s2",
                "--view", "overlap", "-o", png)
        self.assertEqual(p.returncode, 0, fmt(p))
        self.assertIn("1680x600, 3 stacks side by side", p.stdout)
        with open(png, "rb") as f:
            head = f.read(24)
        self.assertEqual(head[:8], b"\x89PNG\r\n\x1a\n")
        self.assertEqual(int.from_bytes(head[16:20], "big"), 1680)
        gif = os.path.join(WORK, "side.gif")
        p = cli("animate", "--lesson", "upsample_vs_deconv", "--compare", "deconv_k3s2", "--view", "slide", "--to", "3",
                "-o", gif)
        self.assertEqual(p.returncode, 0, fmt(p))
        self.assertIn("3 frames 1120x600, 2 stacks side by side", p.stdout)
        p = cli("render", "--lesson", "upsample_vs_deconv", "--compare", "no_such_lesson", "-o", png)
        self.assertEqual(p.returncode, 2, fmt(p))
        self.assertIn("--compare no_such_lesson", p.stderr)
        other = stack("other_input.json", [1, 20], [{"op": "relu"}])
        p = cli("render", "--lesson", "upsample_vs_deconv", "--compare", other, "-o", png)
        self.assertEqual(p.returncode, 2, fmt(p))
        self.assertIn("[1, 20]", p.stderr)
        self.assertIn("[1, 16]", p.stderr)

    def test_bad_input_exits_2_naming_the_file(self):
        a = stack("ten.json", [1, 10], [{"op": "relu"}])
        b = stack("twelve.json", [1, 12], [{"op": "relu"}])
        p = cli("compare", a, b)
        self.assertEqual(p.returncode, 2, fmt(p))
        self.assertIn("twelve.json", p.stderr)
        self.assertIn("[1, 12]", p.stderr)
        p = cli("compare", a)
        self.assertEqual(p.returncode, 2, fmt(p))
        self.assertIn("at least two", p.stderr)
        p = cli("compare", a, os.path.join(WORK, "missing.json"))
        self.assertEqual(p.returncode, 2, fmt(p))
        self.assertIn("missing.json", p.stderr)


def main():
    global CONVSCOPE, WORK
    ap = argparse.ArgumentParser()
    ap.add_argument("--convscope", required=True)
    ap.add_argument("--work", default="/tmp/convscope-compare")
    a, rest = ap.parse_known_args()
    CONVSCOPE = os.path.abspath(a.convscope)
    WORK = os.path.abspath(a.work)
    os.makedirs(WORK, exist_ok=True)
    unittest.main(argv=[sys.argv[0]] + rest)


if __name__ == "__main__":
    main()
