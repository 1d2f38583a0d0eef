#!/usr/bin/python3
"""Generate the ConvScope conformance cases (run with Debian's /usr/bin/python3: torch, onnx, numpy).

    /usr/bin/python3 generate.py --out DIR [--seed 1234] [--count 400]

Writes DIR/<case>/stack.json, x.npy, weight/bias/... .npy files and expected/layer_<i>.npy
(float64 reference, stack layout, batch axis always present) for every case, plus
DIR/manifest.json describing all cases. Cases with "expect": "error" are stacks that must make
`convscope run` exit with status 2 (no expected/ directory).

Sources of cases:
  * named cases: the numbered cases of named_cases() below ("s08_NN_*")
  * error cases ("err_*")
  * ONNX's own Conv/ConvTranspose node test vectors from python3-onnx ("onnx_vec_*")
  * random configurations over all ops x conventions x dims x batch x layout ("r*")
  * kernels far larger than the input, 1-D and 2-D conv / conv_transpose ("lk_*")
References come from refimpl.py (torch float64; torch itself is the oracle for pytorch).
"""
import argparse
import json
import math
import os
import shutil
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import refimpl as R  # noqa: E402
from refimpl import Illegal, Avoid  # noqa: E402

CONVS = ["pytorch", "keras", "onnx", "chainer"]
D64 = torch.float64


# ----------------------------------------------------------------------------------------------
class Case:
    def __init__(self, name, conv, dims, x, layers, files, batch=1, layout="channels_first",
                 expect="ok", tags=(), desc="", expected=None, dims_key=None):
        self.name, self.conv, self.dims, self.x = name, conv, dims, x
        self.layers, self.files = layers, files
        self.batch = batch  # 0: no batch axis in the input, else N
        self.layout, self.expect = layout, expect
        self.tags, self.desc = list(tags), desc
        self.expected = expected  # optional list of arrays overriding the reference (NC... float)
        self.dims_key = dims_key


class Gen:
    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.cases = []
        self.names = set()

    # -- random helpers ------------------------------------------------------------------------
    def ri(self, lo, hi):
        return int(self.rng.integers(lo, hi + 1))

    def ch(self, seq, p=None):
        return seq[int(self.rng.choice(len(seq), p=p))]

    def u(self, shape, lo=-1.0, hi=1.0):
        return self.rng.uniform(lo, hi, size=shape).astype(np.float32)

    def per_axis(self, dims, lo, hi, distinct=0.8, weights=None):
        """int (1-D) or list of per-axis ints (2-D, usually different)."""
        vals = list(range(lo, hi + 1))
        p = None
        if weights is not None:
            p = np.array(weights, dtype=float) / sum(weights)
        a = self.ch(vals, p)
        if dims == 1:
            return [a] if self.rng.random() < 0.1 else a
        b = self.ch(vals, p)
        if len(vals) > 1 and self.rng.random() < distinct:
            for _ in range(10):
                if b != a:
                    break
                b = self.ch(vals, p)
        return [a, b]

    def add(self, case):
        assert case.name not in self.names, case.name
        self.names.add(case.name)
        self.cases.append(case)
        return case

    # -- weights -------------------------------------------------------------------------------
    def weight_files(self, conv, lay, idx, wshape_torch, bias, files, transposed):
        """Random weights given in torch layout, stored in the convention's native layout."""
        Wt = self.u(wshape_torch)
        dims = len(wshape_torch) - 2
        Wn = R.torch_to_keras(torch.from_numpy(Wt), dims).contiguous().numpy() if conv == "keras" else Wt
        wname = "w%d.npy" % idx
        files[wname] = np.ascontiguousarray(Wn)
        lay["weight"] = wname
        O = wshape_torch[1] if transposed else wshape_torch[0]
        if transposed and conv != "keras":
            O = wshape_torch[1] * int(lay.get(R.NAMES[conv]["g"], 1))
        if bias:
            bname = "b%d.npy" % idx
            files[bname] = self.u((O,))
            lay["bias"] = bname
            if conv == "keras":
                lay.setdefault("use_bias", True) if self.rng.random() < 0.3 else None
        else:
            if conv == "pytorch":
                lay["bias"] = False
            elif conv == "keras":
                lay["use_bias"] = False
            elif conv == "chainer":
                lay["nobias"] = True
        return Wt


# ----------------------------------------------------------------------------------------------
# spec-driven construction of named cases. A layer spec is a JSON dict plus optional
# "_w": torch-layout weight shape and "_b": bool (default True).
def build(gen, name, conv, dims, xshape, specs, batch=1, layout="channels_first", expect="ok",
          tags=(), desc="", x=None, dims_key=None, check_ref=True):
    files = {}
    layers = []
    for i, sp in enumerate(specs):
        lay = {k: v for k, v in sp.items() if not k.startswith("_")}
        if "_w" in sp:
            gen.weight_files(conv, lay, i, sp["_w"], sp.get("_b", True), files,
                             lay["op"] == "conv_transpose")
        for key, arr in sp.get("_files", {}).items():
            fname = "%s%d.npy" % (key, i)
            files[fname] = arr
            lay[key] = fname
        layers.append(lay)
    N = max(batch, 1)
    if x is None:
        x = gen.u((N,) + tuple(xshape))
    c = Case(name, conv, dims, x, layers, files, batch, layout, expect, tags, desc,
             dims_key=dims_key)
    if check_ref:
        x64 = torch.from_numpy(x.astype(np.float64))
        if expect == "error":
            try:
                R.ref_stack(conv, layers, files, x64)
            except Illegal:
                pass
            else:
                raise AssertionError("error case %s is accepted by the reference" % name)
        else:
            R.ref_stack(conv, layers, files, x64)  # raises if the named case is illegal
    return gen.add(c)


def named_cases(g):
    P, K, O_, C_ = "pytorch", "keras", "onnx", "chainer"
    T = lambda n: ("s08_%02d" % n,)  # noqa: E731
    # 1. pointwise; k > L with padding
    build(g, "s08_01_pointwise", P, 1, (3, 7), [{"op": "conv", "kernel_size": 1, "_w": (4, 3, 1)}], tags=T(1))
    build(g, "s08_01_k_gt_L_padded", P, 1, (2, 3), [{"op": "conv", "kernel_size": 5, "padding": 1, "_w": (3, 2, 5)}], tags=T(1))
    build(g, "s08_01_k_gt_L_padded_b", P, 1, (2, 3), [{"op": "conv", "kernel_size": 6, "padding": 2, "_w": (2, 2, 6)}], batch=0, tags=T(1))
    # 2. same k=4 (1/2 split)
    build(g, "s08_02_same_k4", P, 1, (2, 9), [{"op": "conv", "kernel_size": 4, "padding": "same", "_w": (3, 2, 4)}], tags=T(2))
    build(g, "s08_02_same_k4_2d", P, 2, (2, 7, 6), [{"op": "conv", "kernel_size": [4, 2], "padding": "same", "_w": (3, 2, 4, 2)}], tags=T(2))
    # 3. same k=3 d=2 ; k=2 d=3
    build(g, "s08_03_same_k3_d2", P, 1, (2, 8), [{"op": "conv", "kernel_size": 3, "dilation": 2, "padding": "same", "_w": (2, 2, 3)}], tags=T(3))
    build(g, "s08_03_same_k2_d3", P, 1, (2, 8), [{"op": "conv", "kernel_size": 2, "dilation": 3, "padding": "same", "_w": (2, 2, 2)}], tags=T(3))
    # 4. same with stride 2 -> error
    build(g, "err_s08_04_same_stride2", P, 1, (2, 8), [{"op": "conv", "kernel_size": 3, "stride": 2, "padding": "same", "_w": (2, 2, 3)}], expect="error", tags=T(4))
    build(g, "err_s08_04_same_stride2_2d", P, 2, (2, 6, 7), [{"op": "conv", "kernel_size": [3, 3], "stride": [1, 2], "padding": "same", "_w": (2, 2, 3, 3)}], expect="error", tags=T(4))
    # 5. reflect p=L-1 ok, p=L error; circular p=L ok, p=L+1 error
    build(g, "s08_05_reflect_p_Lm1", P, 1, (2, 5), [{"op": "conv", "kernel_size": 3, "padding": 4, "padding_mode": "reflect", "_w": (2, 2, 3)}], tags=T(5))
    build(g, "err_s08_05_reflect_p_L", P, 1, (2, 5), [{"op": "conv", "kernel_size": 3, "padding": 5, "padding_mode": "reflect", "_w": (2, 2, 3)}], expect="error", tags=T(5))
    build(g, "s08_05_circular_p_L", P, 1, (2, 5), [{"op": "conv", "kernel_size": 3, "padding": 5, "padding_mode": "circular", "_w": (2, 2, 3)}], tags=T(5))
    build(g, "err_s08_05_circular_p_Lp1", P, 1, (2, 5), [{"op": "conv", "kernel_size": 3, "padding": 6, "padding_mode": "circular", "_w": (2, 2, 3)}], expect="error", tags=T(5))
    build(g, "s08_05_reflect_2d", P, 2, (1, 4, 6), [{"op": "conv", "kernel_size": [3, 2], "padding": [3, 5], "padding_mode": "reflect", "_w": (2, 1, 3, 2)}], tags=T(5))
    # 6. replicate p > L
    build(g, "s08_06_replicate_p_gt_L", P, 1, (2, 3), [{"op": "conv", "kernel_size": 2, "padding": 5, "padding_mode": "replicate", "_w": (2, 2, 2)}], tags=T(6))
    build(g, "s08_06_replicate_2d", P, 2, (1, 2, 3), [{"op": "conv", "kernel_size": [2, 3], "padding": [4, 5], "padding_mode": "replicate", "_w": (1, 1, 2, 3)}], tags=T(6))
    # 7. same + reflect / circular with an even kernel
    build(g, "s08_07_same_reflect_k4", P, 1, (2, 7), [{"op": "conv", "kernel_size": 4, "padding": "same", "padding_mode": "reflect", "_w": (3, 2, 4)}], tags=T(7))
    build(g, "s08_07_same_circular_k4", P, 1, (2, 7), [{"op": "conv", "kernel_size": 4, "padding": "same", "padding_mode": "circular", "_w": (3, 2, 4)}], tags=T(7))
    build(g, "s08_07_same_replicate_k2_d3", P, 1, (1, 6), [{"op": "conv", "kernel_size": 2, "dilation": 3, "padding": "same", "padding_mode": "replicate", "_w": (1, 1, 2)}], tags=T(7))
    build(g, "s08_07_same_reflect_2d", P, 2, (2, 5, 6), [{"op": "conv", "kernel_size": [4, 3], "padding": "same", "padding_mode": "reflect", "_w": (2, 2, 4, 3)}], tags=T(7))
    # 8. depthwise; groups=2 with O != C
    build(g, "s08_08_depthwise", P, 1, (4, 9), [{"op": "conv", "kernel_size": 3, "groups": 4, "_w": (4, 1, 3)}], tags=T(8))
    build(g, "s08_08_groups2_O6", P, 1, (4, 9), [{"op": "conv", "kernel_size": 3, "groups": 2, "_w": (6, 2, 3)}], tags=T(8))
    build(g, "s08_08_depthwise_2d", P, 2, (3, 6, 5), [{"op": "conv", "kernel_size": [3, 2], "groups": 3, "_w": (3, 1, 3, 2)}], tags=T(8))
    build(g, "s08_08_groups2_O6_2d", P, 2, (4, 6, 5), [{"op": "conv", "kernel_size": [2, 3], "groups": 2, "stride": [2, 1], "_w": (6, 2, 2, 3)}], tags=T(8))
    # 9. stride > remaining length
    build(g, "s08_09_L5_k3_s4", P, 1, (2, 5), [{"op": "conv", "kernel_size": 3, "stride": 4, "_w": (2, 2, 3)}], tags=T(9))
    # 10. classic x2 upsampler
    build(g, "s08_10_convT_s2_k3_p1_op1", P, 1, (3, 6), [{"op": "conv_transpose", "kernel_size": 3, "stride": 2, "padding": 1, "output_padding": 1, "_w": (3, 2, 3)}], tags=T(10))
    build(g, "s08_10_convT_2d", P, 2, (2, 4, 3), [{"op": "conv_transpose", "kernel_size": [3, 4], "stride": [2, 3], "padding": [1, 1], "output_padding": [1, 2], "_w": (2, 3, 3, 4)}], tags=T(10))
    # 11. p > d(k-1)
    build(g, "s08_11_convT_k2_s3_p2", P, 1, (2, 5), [{"op": "conv_transpose", "kernel_size": 2, "stride": 3, "padding": 2, "_w": (2, 2, 2)}], tags=T(11))
    # 12. op < d but >= s
    build(g, "s08_12_convT_s1_d3_op2", P, 1, (2, 5), [{"op": "conv_transpose", "kernel_size": 3, "dilation": 3, "output_padding": 2, "_w": (2, 3, 3)}], tags=T(12))
    # 13. op >= max(s, d) -> error
    build(g, "err_s08_13_op_ge_s", P, 1, (2, 5), [{"op": "conv_transpose", "kernel_size": 3, "stride": 2, "output_padding": 2, "_w": (2, 2, 3)}], expect="error", tags=T(13))
    build(g, "err_s08_13_op_ge_s_and_d", P, 1, (2, 5), [{"op": "conv_transpose", "kernel_size": 3, "stride": 2, "dilation": 2, "output_padding": 2, "_w": (2, 2, 3)}], expect="error", tags=T(13))
    build(g, "err_s08_13_op1_s1", P, 1, (2, 5), [{"op": "conv_transpose", "kernel_size": 3, "output_padding": 1, "_w": (2, 2, 3)}], expect="error", tags=T(13))
    # 14. k < s: gaps of pure bias
    build(g, "s08_14_convT_k2_s3_bias", P, 1, (2, 4), [{"op": "conv_transpose", "kernel_size": 2, "stride": 3, "_w": (2, 3, 2)}], tags=T(14))
    # 15. output_size min / max / out of range
    # L=5, k=3, s=3, p=1: Lmin = 12 - 2 + 2 + 1 = 13, max 15
    for osz, ok in ((13, True), (15, True), (14, True), (12, False), (16, False)):
        build(g, ("s08_15_output_size_%d" if ok else "err_s08_15_output_size_%d") % osz, P, 1, (2, 5),
              [{"op": "conv_transpose", "kernel_size": 3, "stride": 3, "padding": 1, "output_size": osz, "_w": (2, 2, 3)}],
              expect="ok" if ok else "error", tags=T(15))
    build(g, "s08_15_output_size_2d", P, 2, (1, 3, 4), [{"op": "conv_transpose", "kernel_size": [3, 2], "stride": [2, 3], "output_size": [8, 12], "_w": (1, 2, 3, 2)}], tags=T(15))
    # 16. groups=2, C=4, O=6
    build(g, "s08_16_convT_g2", P, 1, (4, 5), [{"op": "conv_transpose", "kernel_size": 3, "stride": 2, "groups": 2, "out_channels": 6, "_w": (4, 3, 3)}], tags=T(16))
    build(g, "s08_16_convT_g2_2d", P, 2, (4, 3, 4), [{"op": "conv_transpose", "kernel_size": [3, 2], "stride": [2, 1], "padding": [1, 0], "groups": 2, "_w": (4, 3, 3, 2)}], tags=T(16))
    # 17. dilation 2 with stride 2
    build(g, "s08_17_convT_d2_s2", P, 1, (2, 5), [{"op": "conv_transpose", "kernel_size": 3, "stride": 2, "dilation": 2, "padding": 1, "_w": (2, 2, 3)}], tags=T(17))
    # 18. TF SAME s=2 even/odd L
    for L in (5, 6, 7, 8):
        build(g, "s08_18_keras_same_s2_L%d" % L, K, 1, (2, L), [{"op": "conv", "kernel_size": 3, "strides": 2, "padding": "same", "_w": (3, 2, 3)}], tags=T(18))
    build(g, "s08_18_keras_same_s2_2d", K, 2, (2, 6, 7), [{"op": "conv", "kernel_size": [3, 3], "strides": [2, 2], "padding": "same", "_w": (3, 2, 3, 3)}], layout="channels_last", tags=T(18))
    build(g, "s08_18_keras_same_s2_2d_k", K, 2, (2, 8, 5), [{"op": "conv", "kernel_size": [4, 3], "strides": [2, 3], "padding": "same", "_w": (2, 2, 4, 3)}], layout="channels_last", tags=T(18))
    # 19. causal d=2 s=2
    # TF refuses strides > 1 with dilation_rate > 1 at call time (nn_ops
    # _get_strides_and_dilation_rate: "strides > 1 not supported in conjunction with dilation_rate > 1"),
    # and Keras documents the combination as incompatible (docs/conventions.md §Keras convolution),
    # so d=2 s=2 is an error case.
    build(g, "err_s08_19_keras_causal_d2_s2", K, 1, (2, 9), [{"op": "conv", "kernel_size": 3, "strides": 2, "dilation_rate": 2, "padding": "causal", "_w": (3, 2, 3)}], layout="channels_last", expect="error", check_ref=False, tags=T(19))
    build(g, "s08_19_keras_causal_k3_s2", K, 1, (2, 9), [{"op": "conv", "kernel_size": 3, "strides": 2, "padding": "causal", "_w": (3, 2, 3)}], layout="channels_last", tags=T(19))
    build(g, "s08_19_keras_causal_d2", K, 1, (2, 9), [{"op": "conv", "kernel_size": 3, "dilation_rate": 2, "padding": "causal", "_w": (3, 2, 3)}], layout="channels_last", tags=T(19))
    # 20-22 Keras Conv1DTranspose (the whole L=10 table of docs/conventions.md §Keras transposed
    # convolution examples)
    table = [(3, 1, "same", None), (2, 1, "same", None), (3, 2, "same", None), (4, 2, "same", None),
             (5, 2, "same", None), (1, 2, "same", None), (3, 2, "same", 0), (3, 2, "same", 1),
             (4, 2, "same", 1), (3, 3, "same", 2), (1, 2, "valid", None), (3, 2, "valid", 1)]
    for k, s, pad, op in table:
        lay = {"op": "conv_transpose", "kernel_size": k, "strides": s, "padding": pad, "_w": (2, 3, k)}
        if op is not None:
            lay["output_padding"] = op
        build(g, "s08_20_keras_convT_k%d_s%d_%s_op%s" % (k, s, pad, op), K, 1, (2, 10), [lay],
              layout="channels_last", tags=T(20 if (k, s, op) == (3, 2, None) else 22))
    build(g, "err_s08_21_keras_convT_same_k4_s2_op0", K, 1, (2, 10), [{"op": "conv_transpose", "kernel_size": 4, "strides": 2, "padding": "same", "output_padding": 0, "_w": (2, 3, 4)}], layout="channels_last", expect="error", tags=T(21))
    build(g, "err_keras_convT_op_ge_stride", K, 1, (2, 6), [{"op": "conv_transpose", "kernel_size": 3, "strides": 2, "padding": "same", "output_padding": 2, "_w": (2, 3, 3)}], layout="channels_last", expect="error", tags=T(21))
    build(g, "s08_20_keras_convT_2d", K, 2, (2, 5, 4), [{"op": "conv_transpose", "kernel_size": [3, 4], "strides": [2, 2], "padding": "same", "_w": (2, 3, 3, 4)}], layout="channels_last", tags=T(20))
    build(g, "s08_22_keras_convT_2d_op", K, 2, (2, 5, 4), [{"op": "conv_transpose", "kernel_size": [3, 4], "strides": [2, 3], "padding": "same", "output_padding": [1, 2], "_w": (2, 3, 3, 4)}], layout="channels_last", tags=T(22))
    # 23. channels_first vs channels_last with identical numbers + kernel permutation round trip
    x = g.u((1, 3, 8))
    Wt = g.u((4, 3, 3))
    b = g.u((4,))
    Kw = R.torch_to_keras(torch.from_numpy(Wt), 1).contiguous().numpy()
    assert np.array_equal(R.keras_to_torch(torch.from_numpy(Kw), 1).numpy(), Wt)
    cs = []
    for lname, conv, w in (("keras_cf", K, Kw), ("keras_cl", K, Kw), ("pytorch", P, Wt)):
        lay = {"op": "conv", "kernel_size": 3, "strides" if conv == K else "stride": 2, "weight": "w0.npy", "bias": "b0.npy"}
        cs.append(g.add(Case("s08_23_same_numbers_" + lname, conv, 1, x, [lay], {"w0.npy": w, "b0.npy": b}, 1,
                             "channels_last" if lname == "keras_cl" else "channels_first", tags=T(23))))
    x = g.u((2, 2, 5, 4))
    Wt = g.u((2, 3, 3, 2))  # transposed (C, O, kh, kw)
    Kw = R.torch_to_keras(torch.from_numpy(Wt), 2).contiguous().numpy()
    assert Kw.shape == (3, 2, 3, 2)
    assert np.array_equal(R.keras_to_torch(torch.from_numpy(Kw), 2).numpy(), Wt)
    for lname, conv, w, lay in (
            ("keras_cf", K, Kw, {"op": "conv_transpose", "strides": [2, 1], "padding": "valid"}),
            ("keras_cl", K, Kw, {"op": "conv_transpose", "strides": [2, 1], "padding": "valid"}),
            ("pytorch", P, Wt, {"op": "conv_transpose", "stride": [2, 1]})):
        lay.update({"weight": "w0.npy", "bias": "b0.npy"})
        g.add(Case("s08_23_convT_2d_same_numbers_" + lname, conv, 2, x, [lay], {"w0.npy": w, "b0.npy": b[:3]}, 2,
                   "channels_last" if lname == "keras_cl" else "channels_first", tags=T(23)))
    # 24. chainer cover_all, s=3, (L+2p-k) mod s != 0
    build(g, "s08_24_chainer_cover_all", C_, 1, (2, 8), [{"op": "conv", "ksize": 3, "stride": 3, "cover_all": True, "_w": (2, 2, 3)}], tags=T(24))
    build(g, "s08_24_chainer_cover_all_p1", C_, 1, (2, 9), [{"op": "conv", "ksize": 2, "stride": 3, "pad": 1, "cover_all": True, "_w": (2, 2, 2)}], tags=T(24))
    build(g, "s08_24_chainer_cover_all_2d", C_, 2, (1, 8, 7), [{"op": "conv", "ksize": [3, 2], "stride": [3, 2], "pad": [0, 1], "cover_all": True, "_w": (2, 1, 3, 2)}], tags=T(24))
    # 25. chainer deconv outsize: L=4, k=3, s=3, p=1 -> D = 9 + 3 - 2 = 10, window [8, 12]
    for o, ok in ((8, True), (10, True), (12, True), (9, True), (7, False), (13, False)):
        build(g, ("s08_25_chainer_outsize_%d" if ok else "err_s08_25_chainer_outsize_%d") % o, C_, 1, (2, 4),
              [{"op": "conv_transpose", "ksize": 3, "stride": 3, "pad": 1, "outsize": o, "_w": (2, 2, 3)}],
              expect="ok" if ok else "error", tags=T(25))
    build(g, "s08_25_chainer_outsize_2d", C_, 2, (2, 3, 4), [{"op": "conv_transpose", "ksize": [3, 2], "stride": [2, 3], "pad": [1, 0], "outsize": [6, 13], "_w": (2, 2, 3, 2)}], tags=T(25))
    # 26. chainer unpooling_2d
    xu = np.arange(1, 1 + 2 * 3 * 4, dtype=np.float32).reshape(1, 2, 3, 4)
    build(g, "s08_26_unpool_k2_default", C_, 2, (2, 3, 4), [{"op": "unpool", "ksize": 2}], x=xu, tags=T(26))
    build(g, "s08_26_unpool_k2_cover_all_false", C_, 2, (2, 3, 4), [{"op": "unpool", "ksize": 2, "cover_all": False}], x=xu, tags=T(26))
    build(g, "s08_26_unpool_k3_s2", C_, 2, (2, 3, 4), [{"op": "unpool", "ksize": 3, "stride": 2}], tags=T(26))
    build(g, "s08_26_unpool_k3_s2_cf", C_, 2, (2, 3, 4), [{"op": "unpool", "ksize": [3, 2], "stride": [2, 1], "cover_all": False}], tags=T(26))
    build(g, "s08_26_unpool_1d_1234", C_, 1, (1, 4), [{"op": "unpool", "ksize": 2}], x=np.array([[[1, 2, 3, 4]]], np.float32), batch=0, tags=T(26))
    build(g, "err_s08_26_unpool_outsize_bad", C_, 1, (1, 4), [{"op": "unpool", "ksize": 2, "cover_all": False, "outsize": 10}], expect="error", tags=T(26))
    # 27. ONNX SAME_LOWER vs SAME_UPPER with odd total
    for auto in ("SAME_UPPER", "SAME_LOWER"):
        build(g, "s08_27_onnx_%s_k4_s1" % auto.lower(), O_, 1, (2, 7), [{"op": "conv", "kernel_shape": [4], "auto_pad": auto, "_w": (2, 2, 4)}], tags=T(27))
        build(g, "s08_27_onnx_%s_k3_s2_L6" % auto.lower(), O_, 1, (2, 6), [{"op": "conv", "kernel_shape": [3], "strides": [2], "auto_pad": auto, "_w": (2, 2, 3)}], tags=T(27))
        build(g, "s08_27_onnx_%s_2d" % auto.lower(), O_, 2, (2, 6, 7), [{"op": "conv", "kernel_shape": [3, 4], "strides": [2, 1], "auto_pad": auto, "_w": (2, 2, 3, 4)}], tags=T(27))
    # 28. asymmetric pads
    build(g, "s08_28_onnx_pads_asym", O_, 1, (2, 6), [{"op": "conv", "kernel_shape": [3], "pads": [2, 0], "_w": (2, 2, 3)}], tags=T(28))
    build(g, "s08_28_onnx_pads_asym_2d", O_, 2, (1, 7, 5), [{"op": "conv", "kernel_shape": [3, 3], "strides": [2, 2], "pads": [1, 0, 1, 0], "_w": (1, 1, 3, 3)}], tags=T(28))
    build(g, "s08_28_onnx_pads_asym_2d_b", O_, 2, (2, 5, 6), [{"op": "conv", "kernel_shape": [2, 3], "pads": [0, 2, 1, 0], "_w": (3, 2, 2, 3)}], tags=T(28))
    # 29. ConvTranspose output_shape with total -1, 0, 1, 2 (L=4, k=3, s=2 -> Lf = 9)
    for total in (-1, 0, 1, 2):
        for auto in ("NOTSET", "SAME_UPPER", "SAME_LOWER"):
            lay = {"op": "conv_transpose", "kernel_shape": [3], "strides": [2], "output_shape": [9 - total], "_w": (2, 2, 3)}
            if auto != "NOTSET":
                lay["auto_pad"] = auto
            build(g, "s08_29_onnx_output_shape_total%+d_%s" % (total, auto.lower()), O_, 1, (2, 4), [lay], tags=T(29))
    build(g, "s08_29_onnx_output_shape_2d", O_, 2, (1, 4, 3), [{"op": "conv_transpose", "kernel_shape": [3, 3], "strides": [2, 3], "output_shape": [8, 10], "_w": (1, 2, 3, 3)}], tags=T(29))
    # 30. SAME_UPPER with output_padding=1
    build(g, "s08_30_onnx_same_upper_op1", O_, 1, (2, 5), [{"op": "conv_transpose", "kernel_shape": [3], "strides": [2], "auto_pad": "SAME_UPPER", "output_padding": [1], "_w": (2, 2, 3)}], tags=T(30))
    build(g, "s08_30_onnx_same_lower_op1", O_, 1, (2, 5), [{"op": "conv_transpose", "kernel_shape": [4], "strides": [3], "auto_pad": "SAME_LOWER", "output_padding": [1], "_w": (2, 2, 4)}], tags=T(30))
    # 31. dilations 2, no pads
    build(g, "s08_31_onnx_convT_dilations2", O_, 2, (1, 3, 3), [{"op": "conv_transpose", "dilations": [2, 2], "_w": (1, 1, 2, 2), "_b": False}], tags=T(31))
    build(g, "s08_31_onnx_convT_dilations2_1d", O_, 1, (2, 4), [{"op": "conv_transpose", "dilations": [2], "_w": (2, 2, 3)}], tags=T(31))
    # input-shape inference: a 3-entry shape is 2-D when a layer has a 2-entry kernel list, even if
    # an earlier batch_norm layer has a (C,) "weight" (gamma) file (that is not a 4-D conv weight)
    C3 = 3
    bn = {"op": "batch_norm", "_files": {"weight": g.u((C3,), 0.5, 1.5), "mean": g.u((C3,), -0.5, 0.5)}}
    build(g, "dims_hint_batch_norm_then_2d_pool", P, 2, (C3, 4, 6), [bn, {"op": "max_pool", "kernel_size": [2, 3]}], batch=0, dims_key=False, tags=("dims_inference",))
    build(g, "dims_hint_relu_then_2d_conv_weight", O_, 2, (2, 5, 4), [{"op": "relu"}, {"op": "conv", "_w": (3, 2, 2, 3)}], batch=0, dims_key=False, tags=("dims_inference",))
    build(g, "dims_hint_1d_batched_no_hint", C_, 1, (3, 7), [{"op": "tanh"}], batch=2, dims_key=False, tags=("dims_inference",))
    # max_pool pad limit with dilation: pad <= kernel_size // 2 of the undilated kernel is accepted
    build(g, "maxpool_dilated_pad_half_kernel", P, 1, (2, 10), [{"op": "max_pool", "kernel_size": 3, "stride": 1, "padding": 1, "dilation": 2}], tags=("pool_pad_rule",))
    build(g, "maxpool_dilated_pad_half_kernel_2d", P, 2, (1, 9, 8), [{"op": "max_pool", "kernel_size": [4, 3], "padding": [2, 1], "dilation": [2, 3], "ceil_mode": True}], tags=("pool_pad_rule",))
    # batch_norm default eps per convention (Chainer 2e-5); variances near eps make it visible
    for conv in (P, K, O_, C_):
        bnv = {"op": "batch_norm", "_files": {"var": g.u((3,), 1e-5, 4e-5), "mean": g.u((3,), -0.5, 0.5)}}
        build(g, "batch_norm_default_eps_%s" % conv, conv, 1, (3, 6), [bnv], tags=("batch_norm_eps",))
    property_cases(g)


def property_cases(g):
    """Cases 32 (zero insertion, M^T) and 33 (upsample+conv box filter, checkerboard); the identities
    are in docs/conventions.md §Equivalences."""
    n = 0
    tries = 0
    while n < 12 and tries < 500:  # zero insertion equivalence
        tries += 1
        dims = 1 if n < 8 else 2
        L = [g.ri(1, 6) for _ in range(dims)]
        k = [g.ri(1, 4) for _ in range(dims)]
        s = [g.ri(1, 3) for _ in range(dims)]
        d = [g.ri(1, 2) for _ in range(dims)]
        p = [g.ri(0, d[a] * (k[a] - 1)) for a in range(dims)]
        op = [g.ri(0, max(s[a], d[a]) - 1) for a in range(dims)]
        gr = g.ch([1, 1, 2])
        C, O = gr * g.ri(1, 2), gr * g.ri(1, 2)
        W = torch.from_numpy(g.u((C, O // gr) + tuple(k))).double()
        b = torch.from_numpy(g.u((O,))).double()
        x = g.u((2, C) + tuple(L))
        try:
            ct = (F.conv_transpose1d if dims == 1 else F.conv_transpose2d)(
                torch.from_numpy(x).double(), W, b, s, p, op, gr, d)
        except RuntimeError:
            continue
        Wp = W.view((gr, C // gr, O // gr) + tuple(k)).transpose(1, 2).reshape((O, C // gr) + tuple(k))
        Wp = Wp.flip(list(range(2, 2 + dims)))
        PL = [d[a] * (k[a] - 1) - p[a] for a in range(dims)]
        PR = [d[a] * (k[a] - 1) - p[a] + op[a] for a in range(dims)]
        lays = [{"op": "zero_insert", "stride": s if dims == 2 else s[0]},
                {"op": "conv", "out_channels": O, "kernel_size": k if dims == 2 else k[0],
                 "dilation": d if dims == 2 else d[0], "groups": gr,
                 "padding": [[PL[a], PR[a]] for a in range(dims)],
                 "weight": "w1.npy", "bias": "b1.npy"}]
        files = {"w1.npy": Wp.float().numpy(), "b1.npy": b.float().numpy()}
        c = Case("s08_32_zero_insert_equiv_%02d" % n, "pytorch", dims, x, lays, files, 2, tags=("s08_32",),
                 desc="zero_insert + flipped conv == conv_transpose (s=%s k=%s p=%s op=%s d=%s g=%d)" % (s, k, p, op, d, gr))
        refs = R.ref_stack("pytorch", lays, files, torch.from_numpy(x).double())
        assert refs[-1].shape == ct.shape and (refs[-1] - ct).abs().max() < 1e-5, "6a identity"
        g.add(c)
        n += 1
    n = 0
    while n < 10:  # M^T with op* = remainder
        dims = 1 if n < 7 else 2
        L = [g.ri(2, 8) for _ in range(dims)]
        k = [g.ri(1, 4) for _ in range(dims)]
        s = [g.ri(1, 3) for _ in range(dims)]
        d = [g.ri(1, 2) for _ in range(dims)]
        p = [g.ri(0, 2) for _ in range(dims)]
        gr = g.ch([1, 2])
        C, O = gr * g.ri(1, 2), gr * g.ri(1, 2)
        if any(L[a] + 2 * p[a] < d[a] * (k[a] - 1) + 1 for a in range(dims)):
            continue
        W = g.u((O, C // gr) + tuple(k))
        xin = torch.zeros((1, C) + tuple(L), dtype=D64, requires_grad=True)
        conv = F.conv1d if dims == 1 else F.conv2d
        yshape = conv(xin, torch.from_numpy(W).double(), None, s, p, d, gr).shape
        y = g.u(tuple(yshape))
        out = conv(xin, torch.from_numpy(W).double(), None, s, p, d, gr)
        (grad,) = torch.autograd.grad((out * torch.from_numpy(y).double()).sum(), xin)
        opstar = [(L[a] + 2 * p[a] - d[a] * (k[a] - 1) - 1) % s[a] for a in range(dims)]
        v = (lambda a: a) if dims == 2 else (lambda a: a[0])
        lays = [{"op": "conv_transpose", "kernel_size": v(k), "stride": v(s), "padding": v(p),
                 "output_padding": v(opstar), "dilation": v(d), "groups": gr, "bias": False, "weight": "w0.npy"}]
        files = {"w0.npy": W}
        refs = R.ref_stack("pytorch", lays, files, torch.from_numpy(y).double())
        assert refs[0].shape == grad.shape and (refs[0] - grad).abs().max() < 1e-9, "6b identity"
        g.add(Case("s08_32_mt_gradient_%02d" % n, "pytorch", dims, y, lays, files, 1, tags=("s08_32",),
                   desc="conv_transpose with op* equals d<conv(x),y>/dx", expected=[grad.detach()]))
        n += 1
    n = 0
    while n < 8:  # upsample + conv == conv_transpose with box-filtered flipped kernel
        L, k, s = g.ri(2, 7), g.ri(1, 4), g.ri(2, 3)
        p = g.ri(0, k - 1)
        C, O = g.ri(1, 3), g.ri(1, 3)
        x = g.u((1, C, L))
        w = g.u((O, C, k))
        V = np.zeros((C, O, k + s - 1), np.float64)
        for t in range(k + s - 1):
            for r in range(s):
                j = k - 1 - t + r
                if 0 <= j < k:
                    V[:, :, t] += w[:, :, j].T
        la = [{"op": "upsample", "scale_factor": s}, {"op": "conv", "kernel_size": k, "padding": p, "weight": "w1.npy", "bias": False}]
        fa = {"w1.npy": w}
        ra = R.ref_stack("pytorch", la, fa, torch.from_numpy(x).double())
        lb = [{"op": "conv_transpose", "kernel_size": k + s - 1, "stride": s, "padding": k - 1 - p, "weight": "w0.npy", "bias": False}]
        fb = {"w0.npy": V.astype(np.float32)}
        rb = R.ref_stack("pytorch", lb, fb, torch.from_numpy(x).double())
        assert ra[-1].shape == rb[0].shape and (ra[-1] - rb[0]).abs().max() < 1e-5, "6e identity"
        g.add(Case("s08_33_upsample_conv_%02d" % n, "pytorch", 1, x, la, fa, 0, tags=("s08_33",)))
        g.add(Case("s08_33_boxfiltered_convT_%02d" % n, "pytorch", 1, x, lb, fb, 0, tags=("s08_33",),
                   desc="equals s08_33_upsample_conv_%02d's last layer" % n, expected=[ra[-1]]))
        n += 1
    # checkerboard count on ones input, init ones
    for i, (L, k, s, d) in enumerate(((6, 3, 2, 1), (7, 5, 3, 1), (6, 4, 2, 1), (5, 3, 2, 2))):
        Lf = (L - 1) * s + d * (k - 1) + 1
        cnt = np.array([sum(1 for ii in range(L) if (m - ii * s) % d == 0 and 0 <= (m - ii * s) // d < k
                            and m - ii * s >= 0) for m in range(Lf)], np.float64)
        lays = [{"op": "conv_transpose", "out_channels": 1, "kernel_size": k, "stride": s, "dilation": d,
                 "init": {"kind": "ones"}}]
        x = np.ones((1, 1, L), np.float32)
        refs = R.ref_stack("pytorch", lays, {}, torch.from_numpy(x).double())
        assert np.array_equal(refs[0].numpy().ravel(), cnt), "checkerboard"
        g.add(Case("s08_33_checkerboard_ones_%d" % i, "pytorch", 1, x, lays, {}, 0, tags=("s08_33", "init_ones"),
                   desc="counts %s" % cnt.astype(int).tolist()))
    lays = [{"op": "conv", "filters": 2, "kernel_size": [2, 3], "padding": "same", "init": {"kind": "ones"}}]
    build(g, "init_ones_keras_conv2d", "keras", 2, (3, 4, 5), lays, layout="channels_last", tags=("init_ones",))


def large_kernel_cases(g):
    """Kernels far larger than the input (1-D kernel_size up to 15000 on a few dozen samples, 2-D up
    to 200 on 8x8): conv_transpose in the engine's direct scatter form, conv with im2col rows
    chunked; strides 1-3, dilation 1-2, groups, padding / output_padding, replicate padding."""
    P = "pytorch"
    T = ("large_kernel",)
    ct, cv = "conv_transpose", "conv"
    build(g, "lk_convT1d_k15000_s2", P, 1, (1, 40),
          [{"op": ct, "out_channels": 1, "kernel_size": 15000, "stride": 2, "_w": (1, 1, 15000)}], tags=T)
    build(g, "lk_convT1d_k3000_s3_d2_g2_p100_op2", P, 1, (4, 12),
          [{"op": ct, "out_channels": 4, "kernel_size": 3000, "stride": 3, "dilation": 2, "groups": 2,
            "padding": 100, "output_padding": 2, "_w": (4, 2, 3000)}], tags=T)
    build(g, "lk_convT1d_k2000_s1_p50", P, 1, (2, 20),
          [{"op": ct, "out_channels": 3, "kernel_size": 2000, "padding": 50, "_w": (2, 3, 2000)}], batch=2, tags=T)
    build(g, "lk_convT2d_k200_s2_p10_op1", P, 2, (1, 8, 8),
          [{"op": ct, "out_channels": 2, "kernel_size": 200, "stride": 2, "padding": 10, "output_padding": 1,
            "_w": (1, 2, 200, 200)}], tags=T)
    build(g, "lk_convT2d_k120x90_s3x1_d1x2_g2", P, 2, (2, 6, 5),
          [{"op": ct, "out_channels": 4, "kernel_size": [120, 90], "stride": [3, 1], "dilation": [1, 2],
            "groups": 2, "padding": [5, 7], "output_padding": [2, 1], "_w": (2, 2, 120, 90)}], tags=T)
    build(g, "lk_conv1d_k15000_full", P, 1, (2, 40),
          [{"op": cv, "out_channels": 2, "kernel_size": 15000, "padding": 14999, "_w": (2, 2, 15000)}], tags=T)
    build(g, "lk_conv1d_k3000_s3_d2_g2_replicate", P, 1, (4, 10),
          [{"op": cv, "out_channels": 2, "kernel_size": 3000, "stride": 3, "dilation": 2, "groups": 2,
            "padding": 3000, "padding_mode": "replicate", "_w": (2, 2, 3000)}], tags=T)
    build(g, "lk_conv2d_k60_p59_s2", P, 2, (3, 8, 8),
          [{"op": cv, "out_channels": 2, "kernel_size": 60, "stride": 2, "padding": 59, "_w": (2, 3, 60, 60)}],
          tags=T)
    build(g, "lk_conv2d_k50x40_s3x1_d1x2_g2", P, 2, (2, 6, 6),
          [{"op": cv, "out_channels": 2, "kernel_size": [50, 40], "stride": [3, 1], "dilation": [1, 2], "groups": 2,
            "padding": [49, 60], "_w": (2, 1, 50, 40)}], batch=2, tags=T)


def error_cases(g):
    P, K, O_, C_ = "pytorch", "keras", "onnx", "chainer"
    E = dict(expect="error")
    build(g, "err_conv_input_shorter_than_kernel", P, 1, (2, 3), [{"op": "conv", "kernel_size": 5, "_w": (2, 2, 5)}], **E)
    build(g, "err_conv_groups_not_dividing", P, 1, (3, 6), [{"op": "conv", "kernel_size": 3, "groups": 2, "out_channels": 4, "init": {"kind": "ones"}}], check_ref=False, **E)
    build(g, "err_convT_padding_mode_reflect", P, 1, (2, 6), [{"op": "conv_transpose", "kernel_size": 3, "padding_mode": "reflect", "_w": (2, 2, 3)}], **E)
    build(g, "err_convT_padding_same", P, 1, (2, 6), [{"op": "conv_transpose", "kernel_size": 3, "padding": "same", "_w": (2, 2, 3)}], **E)
    build(g, "err_convT_output_size_below_2d", P, 2, (1, 3, 4), [{"op": "conv_transpose", "kernel_size": [3, 2], "stride": [2, 3], "output_size": [8, 10], "_w": (1, 2, 3, 2)}], **E)
    build(g, "err_convT_empty_output", P, 1, (2, 1), [{"op": "conv_transpose", "kernel_size": 2, "padding": 1, "_w": (2, 2, 2)}], **E)
    build(g, "err_reflect_2d_pad_eq_H", P, 2, (1, 3, 6), [{"op": "conv", "kernel_size": [2, 2], "padding": [3, 1], "padding_mode": "reflect", "_w": (1, 1, 2, 2)}], **E)
    build(g, "err_maxpool_pad_gt_half", P, 1, (2, 8), [{"op": "max_pool", "kernel_size": 2, "padding": 2}], **E)
    # torch checks pad <= kernel_size/2 with the undilated kernel size, also when dilated
    build(g, "err_maxpool_pad_gt_half_dilated", P, 1, (1, 10), [{"op": "max_pool", "kernel_size": 3, "stride": 1, "padding": 2, "dilation": 2}], **E)
    build(g, "err_maxpool_pad_gt_half_dilated_2d", P, 2, (1, 9, 9), [{"op": "max_pool", "kernel_size": [2, 3], "padding": [1, 2], "dilation": [3, 2]}], **E)
    # Keras refuses strides > 1 with dilation_rate > 1 for Conv1DTranspose / Conv2DTranspose too
    build(g, "err_keras_convT_strides_with_dilation", K, 1, (2, 6), [{"op": "conv_transpose", "kernel_size": 3, "strides": 2, "dilation_rate": 2, "_w": (2, 3, 3)}], layout="channels_last", **E)
    build(g, "err_keras_convT_strides_with_dilation_2d", K, 2, (2, 4, 5), [{"op": "conv_transpose", "kernel_size": [3, 2], "strides": [2, 1], "dilation_rate": [1, 2], "padding": "same", "_w": (2, 3, 3, 2)}], layout="channels_last", **E)
    build(g, "err_kernel_size_disagrees_weight", P, 1, (2, 8), [{"op": "conv", "kernel_size": 4, "_w": (2, 2, 3)}], **E)
    build(g, "err_keras_convT_valid_op_ge_s", K, 1, (2, 6), [{"op": "conv_transpose", "kernel_size": 3, "strides": 1, "padding": "valid", "output_padding": 1, "_w": (2, 3, 3)}], layout="channels_last", **E)
    build(g, "err_keras_convT_same_k2_s2_op0_2d", K, 2, (2, 4, 5), [{"op": "conv_transpose", "kernel_size": [3, 4], "strides": [2, 2], "padding": "same", "output_padding": [0, 0], "_w": (2, 3, 3, 4)}], layout="channels_last", **E)
    build(g, "err_keras_conv_same_too_short_valid", K, 1, (2, 3), [{"op": "conv", "kernel_size": 5, "padding": "valid", "_w": (2, 2, 5)}], layout="channels_last", **E)
    build(g, "err_chainer_outsize_2d", C_, 2, (1, 3, 3), [{"op": "conv_transpose", "ksize": [2, 2], "stride": [2, 2], "outsize": [6, 8], "_w": (1, 1, 2, 2)}], **E)
    build(g, "err_chainer_conv_too_short", C_, 1, (1, 2), [{"op": "conv", "ksize": 4, "_w": (1, 1, 4)}], **E)
    build(g, "err_onnx_conv_pads_too_small", O_, 1, (1, 2), [{"op": "conv", "kernel_shape": [4], "pads": [1, 0], "_w": (1, 1, 4)}], **E)
    build(g, "err_onnx_convT_op_ge_s", O_, 1, (1, 4), [{"op": "conv_transpose", "kernel_shape": [3], "strides": [2], "output_padding": [2], "_w": (1, 1, 3)}], **E)


# ----------------------------------------------------------------------------------------------
def onnx_vector_cases(g, skipped):
    try:
        import onnx
        from onnx import helper
        from onnx.backend.test.case import node as onode
        import onnx.backend.test.case.node.conv  # noqa: F401  (registers the Conv vectors)
        import onnx.backend.test.case.node.convtranspose  # noqa: F401
    except Exception as e:  # pragma: no cover
        skipped.append({"name": "onnx_vectors", "reason": "cannot import onnx test cases: %s" % e})
        return
    for tc in onode._NodeTestCases:
        nd = tc.model.graph.node[0]
        if nd.op_type not in ("Conv", "ConvTranspose"):
            continue
        inputs, outputs = tc.data_sets[0]
        X, W = inputs[0], inputs[1]
        dims = X.ndim - 2
        if dims not in (1, 2):
            skipped.append({"name": tc.name, "reason": "%d-D input (only 1-D and 2-D exist in the stack format)" % dims})
            continue
        lay = {"op": "conv" if nd.op_type == "Conv" else "conv_transpose"}
        for a in nd.attribute:
            v = helper.get_attribute_value(a)
            if isinstance(v, bytes):
                v = v.decode()
            if isinstance(v, list):
                v = [int(t) for t in v]
            lay[a.name] = v
        files = {"w0.npy": np.ascontiguousarray(W.astype(np.float32))}
        lay["weight"] = "w0.npy"
        if len(inputs) > 2:
            files["b0.npy"] = inputs[2].astype(np.float32)
            lay["bias"] = "b0.npy"
        x = X.astype(np.float32)
        name = "onnx_vec_" + tc.name[len("test_"):]
        refs = R.ref_stack("onnx", [lay], files, torch.from_numpy(x).double())
        exp = outputs[0].astype(np.float64)
        assert refs[0].shape == exp.shape and np.abs(refs[0].numpy() - exp).max() < 1e-4, name
        g.add(Case(name, "onnx", dims, x, [lay], files, X.shape[0], tags=("onnx_vector",),
                   desc="ONNX backend node test %s (onnx %s)" % (tc.name, onnx.__version__),
                   expected=[torch.from_numpy(exp)]))


# ----------------------------------------------------------------------------------------------
# random configurations
def sample_layer(g, op, conv, dims, C, Ls, idx, files):
    """Return a JSON layer dict for `op` (weights are put into `files`)."""
    n = R.NAMES[conv]
    pa = lambda lo, hi, **kw: g.per_axis(dims, lo, hi, **kw)  # noqa: E731
    lay = {"op": op}

    def ax(v, a):
        return v[a] if isinstance(v, list) else v

    def setv(key, v, default=None, p_omit=0.3):
        if default is not None and v == default and g.rng.random() < p_omit:
            return
        lay[key] = v

    if op in ("conv", "conv_transpose"):
        tr = op == "conv_transpose"
        gr = 1
        if not (conv == "keras" and tr) and g.rng.random() < 0.3:
            divs = [t for t in range(2, C + 1) if C % t == 0]
            if divs:
                gr = g.ch(divs)
        O = g.ch([gr, gr * 2, gr * 3]) if gr > 1 else g.ri(1, 5)
        k = pa(1, 5, weights=[2, 3, 3, 2, 1])
        s = pa(1, 3, weights=[5, 4, 2])
        dmax = 3
        d = pa(1, dmax, weights=[6, 2, 1])
        if conv == "keras":  # Keras: strides > 1 and dilation > 1 are documented as incompatible
            if isinstance(s, list):
                d = [1] * len(s) if any(t > 1 for t in s) else d
            elif s > 1:
                d = 1
        kl = [ax(k, a) for a in range(dims)]
        if tr:
            wshape = (C, O // gr) + tuple(kl)
        else:
            wshape = (O, C // gr) + tuple(kl)
        if conv == "onnx" and dims == 1 and not isinstance(k, list):
            k = [k]
        if g.rng.random() < 0.7:
            lay[n["k"]] = k if not (conv == "onnx" and not isinstance(k, list)) else [k] * dims
        if g.rng.random() < 0.6:
            lay[n["out"]] = O
        sv = s if conv != "onnx" or isinstance(s, list) else [s] * dims
        dv = d if conv != "onnx" or isinstance(d, list) else [d] * dims
        setv(n["s"], sv, default=1 if not isinstance(sv, list) else None)
        setv(n["d"], dv, default=1 if not isinstance(dv, list) else None)
        if gr > 1 or g.rng.random() < 0.1:
            lay[n["g"]] = gr
        sl = [ax(s, a) for a in range(dims)]
        dl = [ax(d, a) for a in range(dims)]
        if conv == "pytorch":
            if not tr:
                r = g.rng.random()
                if r < 0.45:
                    lay["padding"] = pa(0, 3)
                elif r < 0.55:
                    lay["padding"] = "valid"
                elif r < 0.75 and all(t == 1 for t in sl):
                    lay["padding"] = "same"
                elif r < 0.9:
                    lay["padding"] = [[g.ri(0, 3), g.ri(0, 3)] for _ in range(dims)]
                if not (isinstance(lay.get("padding"), list) and lay["padding"] and isinstance(lay["padding"][0], list)):
                    if g.rng.random() < 0.3:
                        lay["padding_mode"] = g.ch(["reflect", "replicate", "circular", "zeros"])
            else:
                r = g.rng.random()
                if r < 0.15:
                    lay["padding"] = [[g.ri(0, 2), g.ri(0, 2)] for _ in range(dims)]
                else:
                    p = pa(0, 3, weights=[4, 3, 2, 1])
                    lay["padding"] = p
                    pl = [ax(p, a) for a in range(dims)]
                    if g.rng.random() < 0.2:
                        Lmin = [(Ls[a] - 1) * sl[a] - 2 * pl[a] + dl[a] * (kl[a] - 1) + 1 for a in range(dims)]
                        osz = [Lmin[a] + g.ri(0, sl[a] - 1) for a in range(dims)]
                        lay["output_size"] = osz if dims == 2 or g.rng.random() < 0.5 else osz[0]
                    elif g.rng.random() < 0.4:
                        op_ = [g.ri(0, max(sl[a], dl[a]) - 1) for a in range(dims)]
                        lay["output_padding"] = op_ if dims == 2 else op_[0]
        elif conv == "keras":
            if not tr:
                lay["padding"] = g.ch(["valid", "same", "causal"] if dims == 1 else ["valid", "same"])
            else:
                lay["padding"] = g.ch(["valid", "same"])
                if g.rng.random() < 0.5:
                    op_ = [g.ri(0, sl[a] - 1) for a in range(dims)]
                    lay["output_padding"] = op_ if dims == 2 else op_[0]
                elif g.rng.random() < 0.3:
                    lay["output_padding"] = None
            if lay["padding"] == "valid" and g.rng.random() < 0.3:
                del lay["padding"]
        elif conv == "onnx":
            r = g.rng.random()
            if not tr:
                if r < 0.5:
                    lay["pads"] = [g.ri(0, 2) for _ in range(2 * dims)]
                elif r < 0.6:
                    lay["auto_pad"] = "VALID"
                elif r < 0.8:
                    lay["auto_pad"] = "SAME_UPPER"
                elif r < 0.95:
                    lay["auto_pad"] = "SAME_LOWER"
            else:
                Lf = [(Ls[a] - 1) * sl[a] + dl[a] * (kl[a] - 1) + 1 for a in range(dims)]
                op_ = [0] * dims
                if g.rng.random() < 0.35:
                    op_ = [g.ri(0, sl[a] - 1) for a in range(dims)]
                    lay["output_padding"] = op_
                if r < 0.4:
                    lay["pads"] = [g.ri(0, 2) for _ in range(2 * dims)]
                elif r < 0.5:
                    lay["auto_pad"] = "VALID"
                elif r < 0.75:
                    lay["auto_pad"] = g.ch(["SAME_UPPER", "SAME_LOWER"])
                elif r < 0.95:
                    # total in [0, 2] (negative totals are covered by the named cases)
                    lay["output_shape"] = [Lf[a] + op_[a] - g.ri(0, 2) for a in range(dims)]
                    if g.rng.random() < 0.5:
                        lay["auto_pad"] = g.ch(["NOTSET", "SAME_UPPER", "SAME_LOWER"])
        elif conv == "chainer":
            lay["pad"] = pa(0, 2, weights=[4, 3, 1])
            if not tr:
                if g.rng.random() < 0.5:
                    lay["cover_all"] = bool(g.rng.random() < 0.6)
            else:
                if g.rng.random() < 0.4:
                    pl = [ax(lay["pad"], a) for a in range(dims)]
                    Dl = [(Ls[a] - 1) * sl[a] + dl[a] * (kl[a] - 1) + 1 - 2 * pl[a] for a in range(dims)]
                    o = [Dl[a] + g.ri(-(sl[a] - 1), sl[a] - 1) for a in range(dims)]
                    lay["outsize"] = o if dims == 2 else o[0]
        g.weight_files(conv, lay, idx, wshape, g.rng.random() < 0.8, files, tr)
        return lay

    if op in ("max_pool", "avg_pool"):
        mx = op == "max_pool"
        k = pa(1, 4, weights=[1, 4, 3, 1])
        kl = [ax(k, a) for a in range(dims)]
        lay[n["pool_k"]] = k if conv != "onnx" or isinstance(k, list) else [k] * dims
        if conv == "pytorch":
            if g.rng.random() < 0.6:
                lay["stride"] = pa(1, 3)
            if g.rng.random() < 0.5:
                lay["padding"] = [g.ri(0, t // 2) for t in kl] if dims == 2 else g.ri(0, kl[0] // 2)
            if mx and g.rng.random() < 0.25:
                lay["dilation"] = pa(1, 2)
            if g.rng.random() < 0.3:
                lay["ceil_mode"] = True
            if not mx and g.rng.random() < 0.4:
                lay["count_include_pad"] = bool(g.rng.random() < 0.5)
        elif conv == "keras":
            if g.rng.random() < 0.6:
                lay["strides"] = pa(1, 3)
            lay["padding"] = g.ch(["valid", "same"])
        elif conv == "onnx":
            if g.rng.random() < 0.8:
                lay["strides"] = [g.ri(1, 3) for _ in range(dims)]
            r = g.rng.random()
            if r < 0.5:
                lay["pads"] = [g.ri(0, max(0, kl[a % dims] - 1)) for a in range(2 * dims)]
            elif r < 0.8:
                lay["auto_pad"] = g.ch(["SAME_UPPER", "SAME_LOWER", "VALID"])
            if mx and g.rng.random() < 0.25:
                lay["dilations"] = [g.ri(1, 2) for _ in range(dims)]
            if g.rng.random() < 0.25:
                lay["ceil_mode"] = 1
            if not mx and g.rng.random() < 0.4:
                lay["count_include_pad"] = g.ri(0, 1)
        else:
            if g.rng.random() < 0.6:
                lay["stride"] = pa(1, 3)
            if g.rng.random() < 0.5:
                lay["pad"] = pa(0, 1)
            if mx and g.rng.random() < 0.6:
                lay["cover_all"] = bool(g.rng.random() < 0.5)
        return lay

    if op in ("upsample_nearest", "upsample_linear"):
        lay["op"] = "upsample"
        key = {"pytorch": "scale_factor", "keras": "size", "onnx": "scales", "chainer": "scale"}[conv]
        if g.rng.random() < 0.1:
            key = "scale"
        sc = pa(1, 3, weights=[1, 4, 2])
        lay[key] = sc if conv != "onnx" or isinstance(sc, list) else [sc] * dims
        if op == "upsample_linear":
            if conv == "keras":
                lay["interpolation"] = "bilinear"
            else:
                lay["mode"] = "linear"
        elif g.rng.random() < 0.3:
            if conv == "keras":
                lay["interpolation"] = "nearest"
            else:
                lay["mode"] = "nearest"
        return lay

    if op == "unpool":
        k = pa(1, 3, weights=[1, 3, 2])
        kl = [ax(k, a) for a in range(dims)]
        lay[n["pool_k"] if conv != "pytorch" else "kernel_size"] = k if conv != "onnx" or isinstance(k, list) else [k] * dims
        s = kl
        if g.rng.random() < 0.6 or conv == "onnx":
            s = [g.ri(1, 3) for _ in range(dims)]
            lay[n["s"]] = s if dims == 2 or conv == "onnx" else s[0]
        p = [0] * dims
        if g.rng.random() < 0.4:
            p = [g.ri(0, max(0, kl[a] - 1)) for a in range(dims)]
            if conv == "onnx":
                lay["pads"] = p + p
            else:
                lay[n["pad"]] = p if dims == 2 else p[0]
        ca = True
        if g.rng.random() < 0.5:
            ca = bool(g.rng.random() < 0.5)
            lay["cover_all"] = ca
        if g.rng.random() < 0.3:
            outs = []
            for a in range(dims):
                Dl = s[a] * (Ls[a] - 1) + kl[a] - 2 * p[a]
                cand = [o for o in range(1, Dl + s[a] + 1)
                        if R.chainer_conv_outsize(o, kl[a], s[a], p[a], ca) == Ls[a]]
                if not cand:
                    return None
                outs.append(g.ch(cand))
            lay[n["size"]] = outs if dims == 2 or conv == "onnx" else outs[0]
        return lay

    if op == "zero_insert":
        s = pa(1, 3, weights=[1, 3, 2])
        lay[n["s"]] = s if conv != "onnx" or isinstance(s, list) else [s] * dims
        return lay

    if op == "batch_norm":
        for key, lo, hi in (("mean", -0.5, 0.5), ("var", 0.2, 2.0), ("weight", -1.5, 1.5), ("bias", -1, 1)):
            if g.rng.random() < 0.85:
                fname = "%s%d.npy" % (key, idx)
                files[fname] = g.u((C,), lo, hi)
                lay[key] = fname
        if g.rng.random() < 0.5:
            lay["eps" if conv in ("pytorch", "chainer") else "epsilon"] = g.ch([1e-5, 1e-3, 0.1])
        return lay

    if op == "leaky_relu":
        if g.rng.random() < 0.6:
            lay[R.LEAKY[conv][0]] = g.ch([0.01, 0.1, 0.2, 0.3, 1.5])
        return lay
    if op == "elu":
        if g.rng.random() < 0.6:
            lay["alpha"] = g.ch([0.5, 1.0, 1.7])
        return lay
    if op in ("gelu_none", "gelu_tanh"):
        lay["op"] = "gelu"
        if op == "gelu_tanh":
            lay["approximate"] = "tanh"
        elif g.rng.random() < 0.5:
            lay["approximate"] = "none"
        return lay
    return lay  # relu, tanh, sigmoid


PRIMARY = (["conv"] * 6 + ["conv_transpose"] * 7 + ["max_pool"] * 2 + ["avg_pool"] * 2
           + ["upsample_nearest", "upsample_linear", "unpool", "unpool", "zero_insert", "batch_norm",
              "relu", "leaky_relu", "elu", "gelu_none", "gelu_tanh", "tanh", "sigmoid"])
FOLLOW = ["relu", "leaky_relu", "elu", "gelu_none", "gelu_tanh", "tanh", "sigmoid", "batch_norm",
          "conv", "conv_transpose", "max_pool", "avg_pool", "upsample_nearest", "zero_insert"]


def random_case(g, i, conv, primary):
    dims = 1 if g.rng.random() < 0.5 else 2
    batch = g.ch([0, 1, 2])
    if conv == "keras":
        layout = "channels_last" if g.rng.random() < 0.65 else "channels_first"
    else:
        layout = "channels_last" if g.rng.random() < 0.2 else "channels_first"
    if conv == "keras" and primary == "unpool":
        primary = "conv_transpose"  # unpool parameter names are not defined for keras
    if conv == "keras" and primary == "upsample_linear" and dims == 1:
        dims = 2  # Keras has bilinear only in UpSampling2D
    C = g.ri(1, 4)
    Ls = [g.ri(1, 14) if dims == 1 else g.ri(1, 8) for _ in range(dims)]
    if g.rng.random() < 0.8:
        Ls = [max(a, 3) for a in Ls]
    N = max(batch, 1)
    x = g.u((N, C) + tuple(Ls))
    x64 = torch.from_numpy(x.astype(np.float64))
    r = g.rng.random()
    if r < 0.1:
        plan = ["conv", "relu", "conv_transpose", "tanh"]
    elif r < 0.5:
        plan = [primary]
    else:
        plan = [primary] + [g.ch(FOLLOW) for _ in range(g.ri(1, 3))]
        if g.rng.random() < 0.3:
            plan = [g.ch(FOLLOW)] + plan
    layers, files = [], {}
    cur = x64
    limit = 40 if dims == 1 else 20
    for op in plan:
        if conv == "keras" and op == "upsample_linear" and dims == 1:
            op = "upsample_nearest"
        for _ in range(60):
            lf = {}
            lay = sample_layer(g, op, conv, dims, cur.shape[1], list(cur.shape[2:]), len(layers), lf)
            if lay is None:
                continue
            try:
                y = R.ref_layer(conv, lay, lf, cur)
            except (Illegal, Avoid):
                continue
            if min(y.shape[2:]) < 1 or max(y.shape[2:]) > limit or y.shape[1] > 12:
                continue
            layers.append(lay)
            files.update(lf)
            cur = y
            break
        else:
            if op == plan[0] == primary:
                return None
    if not layers:
        return None
    name = "r%04d_%s_%s_%dd" % (i, conv, "-".join(l["op"] for l in layers), dims)
    return Case(name, conv, dims, x, layers, files, batch, layout, tags=("random",))


# ----------------------------------------------------------------------------------------------
def to_layout(a, layout):
    return np.moveaxis(a, 1, -1) if layout == "channels_last" else a


def has_2d_hint(layers):
    for lay in layers:
        for key in ("kernel_size", "kernel_shape", "ksize", "pool_size"):
            if isinstance(lay.get(key), list) and len(lay[key]) == 2:
                return True
        if lay["op"] in ("conv", "conv_transpose") and "weight" in lay:
            return True  # the weight file's rank settles it
    return False


def write_case(g, c, root):
    d = os.path.join(root, c.name)
    os.makedirs(d)
    x = c.x
    xs = to_layout(x, c.layout)
    if c.batch == 0:
        xs = xs[0]
    np.save(os.path.join(d, "x.npy"), np.ascontiguousarray(xs.astype(np.float32)))
    for fname, arr in c.files.items():
        np.save(os.path.join(d, fname), np.ascontiguousarray(np.asarray(arr, dtype=np.float32)))
    inp = {"shape": list(xs.shape), "data": "x.npy"}
    if len(xs.shape) == 3:
        if c.dims_key is not None:
            add = c.dims_key
        elif c.dims == 2 and not has_2d_hint(c.layers):
            add = True
        else:
            add = g.rng.random() < 0.5
        if add:
            inp["dims"] = c.dims
    stack = {"convscope": 1, "convention": c.conv, "layout": c.layout, "name": c.name,
             "input": inp, "layers": c.layers}
    if c.desc:
        stack["description"] = c.desc
    if c.conv == "pytorch" and c.layout == "channels_first" and g.rng.random() < 0.3:
        del stack["convention"]
        del stack["layout"]  # defaults
    with open(os.path.join(d, "stack.json"), "w") as f:
        json.dump(stack, f, indent=1)
    meta = {"dir": c.name, "expect": c.expect, "convention": c.conv, "dims": c.dims,
            "layout": c.layout, "batch": c.batch, "ops": [l["op"] for l in c.layers],
            "tags": c.tags, "desc": c.desc}
    if c.expect == "ok":
        x64 = torch.from_numpy(x.astype(np.float64))
        refs = R.ref_stack(c.conv, c.layers, c.files, x64)
        if c.expected is not None:
            for a, b in zip(c.expected[::-1], refs[::-1]):
                b = torch.as_tensor(b)
                assert tuple(a.shape) == tuple(b.shape) and float((torch.as_tensor(a) - b).abs().max()) < 1e-4, c.name
            refs = list(refs[:len(refs) - len(c.expected)]) + [torch.as_tensor(a) for a in c.expected]
        os.makedirs(os.path.join(d, "expected"))
        shapes = []
        for i, r in enumerate(refs):
            r = r.detach().numpy().astype(np.float64)
            shapes.append(list(r.shape[1:]))
            np.save(os.path.join(d, "expected", "layer_%d.npy" % i), np.ascontiguousarray(to_layout(r, c.layout)))
        meta["output_shapes"] = shapes  # channels first, without batch
    return meta


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=20240607)
    ap.add_argument("--count", type=int, default=400, help="number of random configurations")
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    g = Gen(args.seed)
    skipped = []
    named_cases(g)
    error_cases(g)
    onnx_vector_cases(g, skipped)
    i = 0
    attempts = 0
    while i < args.count and attempts < args.count * 5:
        conv = CONVS[attempts % 4]
        primary = PRIMARY[(attempts // 4) % len(PRIMARY)]
        attempts += 1
        c = random_case(g, i, conv, primary)
        if c is None:
            continue
        g.add(c)
        i += 1
    large_kernel_cases(g)  # after the random cases: their draws from the seed stay the same
    if os.path.exists(args.out):
        shutil.rmtree(args.out)
    os.makedirs(args.out)
    metas = [write_case(g, c, args.out) for c in g.cases]
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump({"seed": args.seed, "cases": metas, "skipped": skipped}, f, indent=1)
    nok = sum(m["expect"] == "ok" for m in metas)
    print("generated %d cases (%d expected to succeed, %d expected errors, %d random) in %s"
          % (len(metas), nok, len(metas) - nok, i, args.out))
    for s in skipped:
        print("skipped %s: %s" % (s["name"], s["reason"]))


if __name__ == "__main__":
    main()
