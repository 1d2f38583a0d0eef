#!/usr/bin/env python3
"""End-to-end tests of `convscope import` (docs/onnx-import.md): ONNX models exported with
torch.onnx.export or built with onnx.helper are imported, run with `convscope run` and compared with
torch (1e-4 relative); refused models exit 2 with a message naming the nodes and write nothing;
WAV/NPY/CSV input files round-trip through `convscope run`.

usage: test_import.py --convscope PATH --work DIR
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import wave

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F
from onnx import TensorProto, helper, numpy_helper

ap = argparse.ArgumentParser()
ap.add_argument("--convscope", required=True)
ap.add_argument("--work", required=True)
args = ap.parse_args()
CS = args.convscope
WORK = args.work
shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
torch.manual_seed(0)
RNG = np.random.RandomState(0)

failures = []
checks = 0


def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print("FAIL:", what, flush=True)


def cs(*a):
    p = subprocess.run([CS, *a], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def close(a, b, rel=1e-4):
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    if a.shape != b.shape:
        return False, "shape %s vs %s" % (a.shape, b.shape)
    err = np.abs(a - b).max() if a.size else 0.0
    scale = max(1.0, np.abs(b).max() if b.size else 0.0)
    return err <= rel * scale, "max abs err %.3g (scale %.3g)" % (err, scale)


def import_model(onnx_path, name, extra=()):
    d = os.path.join(WORK, name)
    os.makedirs(d, exist_ok=True)
    stack = os.path.join(d, name + ".json")
    rc, out, err = cs("import", onnx_path, "-o", stack, "--json", *extra)
    check(rc == 0, "%s: import exit %d: %s" % (name, rc, err.strip()))
    if rc != 0:
        return None, None
    info = json.loads(out)
    return stack, info


def run_stack(stack, x, name, data_file=None):
    """Sets the stack's input data (x.npy unless data_file) and runs it; returns the layer outputs."""
    d = os.path.dirname(stack)
    doc = json.load(open(stack))
    if data_file is None:
        data_file = name + "_x.npy"
        np.save(os.path.join(d, data_file), x.astype(np.float32))
    doc["input"].pop("generator", None)
    doc["input"]["data"] = data_file
    with open(stack, "w") as f:
        json.dump(doc, f, indent=1)
    out = os.path.join(d, "out_" + name)
    rc, _, err = cs("run", stack, "--out", out)
    check(rc == 0, "%s: run exit %d: %s" % (name, rc, err.strip()))
    if rc != 0:
        return None
    outs = []
    i = 0
    while os.path.exists(os.path.join(out, "layer_%d.npy" % i)):
        outs.append(np.load(os.path.join(out, "layer_%d.npy" % i)))
        i += 1
    return outs


def export(model, x, path, opset):
    model.eval()
    with torch.no_grad():
        torch.onnx.export(model, torch.from_numpy(x), path, opset_version=opset, input_names=["x"],
                          output_names=["y"])


def torch_case(name, model, x, opsets, expect_ops=None):
    """Exports `model` (an nn.Sequential) at each opset, imports, runs and compares: every layer when
    the stack's layers map 1:1 onto the Sequential's modules, else the final output."""
    model.eval()
    with torch.no_grad():
        t = torch.from_numpy(x)
        per = []
        for m in model:
            t = m(t)
            per.append(t.numpy().copy())
    for opset in opsets:
        tag = "%s_op%d" % (name, opset)
        path = os.path.join(WORK, tag + ".onnx")
        export(model, x, path, opset)
        stack, info = import_model(path, tag)
        if not stack:
            continue
        ops = [l["op"] for l in info["layers"]]
        if expect_ops is not None:
            check(ops == expect_ops, "%s: layers %s, expected %s" % (tag, ops, expect_ops))
        outs = run_stack(stack, x, tag)
        if outs is None:
            continue
        ok, msg = close(outs[-1], per[-1])
        check(ok, "%s: final output differs from torch: %s" % (tag, msg))
        if len(outs) == len(per):
            for i, (a, b) in enumerate(zip(outs, per)):
                ok, msg = close(a, b)
                check(ok, "%s: layer %d (%s) differs from torch: %s" % (tag, i, ops[i], msg))
        print("ok %-28s %d layers %s (%s)" % (tag, len(ops), ops, "per layer" if len(outs) == len(per) else "final"),
              flush=True)


def rand(*shape):
    return RNG.uniform(-1, 1, shape).astype(np.float32)


# ---------------------------------------------------------------- torch exports
torch_case("conv1d_chain",
           nn.Sequential(nn.Conv1d(2, 4, 3, stride=2, padding=1), nn.ReLU(),
                         nn.ConvTranspose1d(4, 3, 4, stride=2, padding=1, output_padding=1), nn.Tanh()),
           rand(1, 2, 32), [9, 11, 13, 17], ["conv", "relu", "conv_transpose", "tanh"])

torch_case("conv2d_axes",
           nn.Sequential(nn.Conv2d(3, 4, (3, 5), stride=(2, 1), padding=(1, 2), dilation=(1, 2)), nn.LeakyReLU(0.1),
                         nn.ConvTranspose2d(4, 2, (4, 3), stride=(2, 3), padding=(1, 0), output_padding=(1, 2),
                                            groups=2), nn.ELU(0.7),
                         nn.MaxPool2d((2, 3), stride=(2, 1), padding=(1, 1)), nn.Sigmoid(),
                         nn.AvgPool2d((3, 2), stride=(1, 2), padding=(1, 0)), nn.Tanh()),
           rand(2, 3, 12, 10), [11, 13, 17])

# Pad → Conv folds into the conv's pads (torch computes F.pad's pads with a constant subgraph from opset
# 11 on, which is not folded: opset 9 only); AvgPool with count_include_pad=True is Pad → AveragePool.
torch_case("pad_then_conv_pool",
           nn.Sequential(nn.ConstantPad1d((2, 1), 0.0), nn.Conv1d(2, 3, 4), nn.AvgPool1d(3, stride=2, padding=1),
                         nn.ReLU(), nn.AvgPool1d(2, stride=1, padding=1, count_include_pad=False)),
           rand(1, 2, 17), [9], ["conv", "avg_pool", "relu", "avg_pool"])
torch_case("avgpool_include_pad",
           nn.Sequential(nn.Conv1d(2, 3, 4), nn.AvgPool1d(3, stride=2, padding=1), nn.ReLU(),
                         nn.AvgPool1d(2, stride=1, padding=1, count_include_pad=False)),
           rand(1, 2, 17), [11, 13, 17], ["conv", "avg_pool", "relu", "avg_pool"])

bn = nn.BatchNorm1d(4)
with torch.no_grad():
    bn.running_mean.copy_(torch.randn(4))
    bn.running_var.copy_(torch.rand(4) + 0.5)
    bn.weight.copy_(torch.randn(4))
    bn.bias.copy_(torch.randn(4))
torch_case("batchnorm", nn.Sequential(nn.Conv1d(2, 4, 5, padding=2), nn.ReLU(), bn, nn.Conv1d(4, 2, 3)),
           rand(1, 2, 40), [9, 13, 17], ["conv", "relu", "batch_norm", "conv"])

bn2 = nn.BatchNorm2d(3)
with torch.no_grad():
    bn2.running_mean.copy_(torch.randn(3))
    bn2.running_var.copy_(torch.rand(3) + 0.5)
torch_case("batchnorm2d_first", nn.Sequential(bn2, nn.Conv2d(3, 2, 3), nn.ReLU()), rand(1, 3, 9, 8), [11, 17],
           ["batch_norm", "conv", "relu"])

torch_case("gelu", nn.Sequential(nn.Conv1d(3, 6, 3, padding=1), nn.GELU(), nn.Conv1d(6, 2, 3), nn.GELU()),
           rand(1, 3, 30), [9, 13, 17], ["conv", "gelu", "conv", "gelu"])

torch_case("upsample1d", nn.Sequential(nn.Conv1d(2, 3, 3), nn.Upsample(scale_factor=2, mode="nearest"), nn.ReLU(),
                                       nn.Conv1d(3, 2, 3)),
           rand(1, 2, 20), [9, 11, 13, 17], ["conv", "upsample", "relu", "conv"])

torch_case("upsample2d", nn.Sequential(nn.Conv2d(2, 3, 3), nn.Upsample(scale_factor=(2, 3), mode="nearest"),
                                       nn.Conv2d(3, 1, 3)),
           rand(1, 2, 8, 7), [9, 13], ["conv", "upsample", "conv"])


class ConstArith(nn.Module):
    """conv (no bias) → ·per-channel scale → +1 → relu → conv_transpose → ·0.5 → -0.25: folded."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv1d(2, 3, 3, bias=False)
        self.c2 = nn.ConvTranspose1d(3, 4, 3, stride=2, groups=1)
        self.scale = torch.tensor([[0.5], [2.0], [-1.5]])

    def forward(self, x):
        return self.c2(F.relu(self.c1(x) * self.scale + 1.0)) * 0.5 - 0.25


x = rand(1, 2, 16)
m = ConstArith().eval()
for opset in (11, 13):
    tag = "const_arith_op%d" % opset
    path = os.path.join(WORK, tag + ".onnx")
    export(m, x, path, opset)
    stack, info = import_model(path, tag)
    if stack:
        ops = [l["op"] for l in info["layers"]]
        check(ops == ["conv", "relu", "conv_transpose"], "%s: layers %s" % (tag, ops))
        outs = run_stack(stack, x, tag)
        with torch.no_grad():
            want = m(torch.from_numpy(x)).numpy()
        if outs:
            ok, msg = close(outs[-1], want)
            check(ok, "%s: final output differs: %s" % (tag, msg))
            print("ok %-28s %s (constants folded)" % (tag, ops), flush=True)


# dynamic axes: symbolic dims become 1 (with a note) unless --shape gives them
dyn = nn.Sequential(nn.Conv1d(2, 4, 3, stride=2, padding=1), nn.ReLU(), nn.ConvTranspose1d(4, 3, 4, stride=2))
dyn.eval()
path = os.path.join(WORK, "dynamic.onnx")
with torch.no_grad():
    torch.onnx.export(dyn, torch.zeros(1, 2, 16), path, opset_version=13, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "batch", 2: "time"}, "y": {0: "batch", 2: "time_out"}})
rc, out, err = cs("import", path, "-o", os.path.join(WORK, "dynamic_default", "s.json"), "--json")
check(rc == 0 and json.loads(out)["input_shape"] == [1, 2, 1] and "symbolic" in err,
      "dynamic axes: exit %d, %s %s" % (rc, out[:200], err))
stack, info = import_model(path, "dynamic_shape", ["--shape", "3,2,48"])
if stack:
    check(info["input_shape"] == [3, 2, 48], "--shape: input_shape %s" % info["input_shape"])
    x = rand(3, 2, 48)
    outs = run_stack(stack, x, "dynamic_shape")
    with torch.no_grad():
        want = dyn(torch.from_numpy(x)).numpy()
    if outs:
        ok, msg = close(outs[-1], want)
        check(ok, "dynamic axes with --shape: " + msg)
        print("ok dynamic axes (--shape 3,2,48)", flush=True)
rc, _, err = cs("import", path, "-o", os.path.join(WORK, "x.json"), "--shape", "1,2")
check(rc == 2 and "rank" in err, "--shape with the wrong rank: exit %d %s" % (rc, err))
rc, _, err = cs("import", path)
check(rc == 2 and "-o" in err, "import without -o: exit %d %s" % (rc, err))

# ---------------------------------------------------------------- onnx.helper graphs
def save_model(graph, opset, path):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 7
    onnx.save(model, path)


def keras_style(opset, channels_last):
    """Conv1DTranspose the Keras way: Unsqueeze → ConvTranspose (k,1) → Squeeze (optionally NLC)."""
    C, O, L, k = 3, 2, 10, 4
    W = rand(C, O, k, 1)
    B = rand(O)
    nodes, inits = [], [numpy_helper.from_array(W, "W"), numpy_helper.from_array(B, "B")]
    cur = "x"
    if channels_last:
        nodes.append(helper.make_node("Transpose", [cur], ["xt"], perm=[0, 2, 1], name="to_ncl"))
        cur = "xt"
    if opset >= 13:
        inits.append(numpy_helper.from_array(np.array([3], np.int64), "ax"))
        nodes.append(helper.make_node("Unsqueeze", [cur, "ax"], ["u"], name="expand_dims"))
    else:
        nodes.append(helper.make_node("Unsqueeze", [cur], ["u"], axes=[3], name="expand_dims"))
    nodes.append(helper.make_node("ConvTranspose", ["u", "W", "B"], ["c"], strides=[2, 1], pads=[1, 0, 1, 0],
                                  kernel_shape=[k, 1], name="conv2d_transpose"))
    last = "y" if not channels_last else "s"
    if opset >= 13:
        nodes.append(helper.make_node("Squeeze", ["c", "ax"], [last], name="squeeze"))
    else:
        nodes.append(helper.make_node("Squeeze", ["c"], [last], axes=[3], name="squeeze"))
    if channels_last:
        nodes.append(helper.make_node("Transpose", [last], ["y"], perm=[0, 2, 1], name="to_nlc"))
    Lout = (L - 1) * 2 + k - 2
    in_shape = [1, L, C] if channels_last else [1, C, L]
    out_shape = [1, Lout, O] if channels_last else [1, O, Lout]
    g = helper.make_graph(nodes, "keras_conv1d_transpose",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, in_shape)],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, out_shape)], inits)
    tag = "keras_t1d_op%d%s" % (opset, "_nlc" if channels_last else "")
    path = os.path.join(WORK, tag + ".onnx")
    save_model(g, opset, path)
    stack, info = import_model(path, tag)
    if not stack:
        return
    ops = [l["op"] for l in info["layers"]]
    check(ops == ["conv_transpose"], "%s: expected ONE conv_transpose layer, got %s" % (tag, ops))
    check(info["layout"] == ("channels_last" if channels_last else "channels_first"), "%s: layout %s" % (tag, info["layout"]))
    doc = json.load(open(stack))
    wfile = os.path.join(os.path.dirname(stack), doc["layers"][0]["weight"])
    check(np.load(wfile).shape == (C, O, k), "%s: weight file shape %s" % (tag, np.load(wfile).shape))
    x = rand(*in_shape)
    outs = run_stack(stack, x, tag)
    xt = torch.from_numpy(x.transpose(0, 2, 1).copy() if channels_last else x)
    want = F.conv_transpose1d(xt, torch.from_numpy(W[..., 0]), torch.from_numpy(B), stride=2, padding=1).numpy()
    if channels_last:
        want = want.transpose(0, 2, 1)
    if outs:
        ok, msg = close(outs[-1], want)
        check(ok, "%s: output differs from torch conv_transpose1d: %s" % (tag, msg))
        print("ok %-28s one 1-D conv_transpose, %s" % (tag, info["layout"]), flush=True)


for opset in (11, 13, 17):
    keras_style(opset, False)
keras_style(13, True)


def upsample_attr():
    """Opset 8 Upsample with the scales attribute, 2-D nearest."""
    g = helper.make_graph([helper.make_node("Upsample", ["x"], ["y"], scales=[1.0, 1.0, 2.0, 3.0], mode="nearest",
                                            name="up")], "up",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 2, 4, 5])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    path = os.path.join(WORK, "upsample_op8.onnx")
    save_model(g, 8, path)
    stack, info = import_model(path, "upsample_op8")
    if not stack:
        return
    check(info["input_shape"] == [1, 2, 4, 5], "upsample_op8: symbolic batch → 1, got %s" % info["input_shape"])
    x = rand(1, 2, 4, 5)
    outs = run_stack(stack, x, "upsample_op8")
    if outs:
        ok, msg = close(outs[-1], x.repeat(2, axis=2).repeat(3, axis=3))
        check(ok, "upsample_op8: " + msg)
        print("ok upsample_op8 (scales attribute, symbolic batch)", flush=True)


upsample_attr()


# ---------------------------------------------------------------- refused models
def refused(name, path, must_contain):
    d = os.path.join(WORK, "refused_" + name)
    os.makedirs(d, exist_ok=True)
    stack = os.path.join(d, "out.json")
    rc, out, err = cs("import", path, "-o", stack)
    check(rc == 2, "%s: exit %d (want 2): %s" % (name, rc, err.strip()))
    for word in must_contain:
        check(word.lower() in err.lower(), "%s: message lacks %r: %s" % (name, word, err.strip()))
    check(os.listdir(d) == [], "%s: files were written: %s" % (name, os.listdir(d)))
    check(err.count("\n") <= 2, "%s: expected one message, got: %s" % (name, err))
    print("ok refused %-20s %s" % (name, err.strip()[:150]), flush=True)


good = os.path.join(WORK, "conv1d_chain_op13.onnx")
blob = open(good, "rb").read()
trunc = os.path.join(WORK, "truncated.onnx")
open(trunc, "wb").write(blob[: len(blob) // 2])
refused("truncated", trunc, ["truncated.onnx", "truncated or corrupt"])
trunc2 = os.path.join(WORK, "truncated_tail.onnx")
open(trunc2, "wb").write(blob[:-7])
refused("truncated_tail", trunc2, ["truncated_tail.onnx"])
corrupt = os.path.join(WORK, "corrupt.onnx")
open(corrupt, "wb").write(bytes(RNG.randint(0, 256, 3000).astype(np.uint8)))
refused("corrupt", corrupt, ["corrupt.onnx"])
text = os.path.join(WORK, "text.onnx")
open(text, "w").write("this is not a model\n" * 10)
refused("text", text, ["text.onnx"])
refused("missing", os.path.join(WORK, "no_such.onnx"), ["no_such.onnx", "not found"])


class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv1d(2, 2, 3, padding=1)
        self.c2 = nn.Conv1d(2, 2, 3, padding=1)

    def forward(self, x):
        return self.c2(torch.relu(self.c1(x))) + x


branch = os.path.join(WORK, "branch.onnx")
export(Residual(), rand(1, 2, 16), branch, 13)
bnames = [n.name for n in onnx.load(branch).graph.node]
refused("branch", branch, ["branch.onnx", "not a chain", "Add"] + [n for n in bnames if "Add" in n])

# an LSTM node (and a Conv before it) built with onnx.helper
H = 4
g = helper.make_graph(
    [helper.make_node("Conv", ["x", "W"], ["c"], name="conv_in"),
     helper.make_node("Squeeze", ["c"], ["s"], axes=[0], name="sq"),
     helper.make_node("Transpose", ["s"], ["t"], perm=[1, 0], name="tr"),
     helper.make_node("Unsqueeze", ["t"], ["u"], axes=[1], name="unsq"),
     helper.make_node("LSTM", ["u", "Wl", "Rl"], ["y"], hidden_size=H, name="my_lstm"),
     helper.make_node("Gather", ["y", "idx"], ["z"], name="pick_last")],
    "lstm",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 10])],
    [helper.make_tensor_value_info("z", TensorProto.FLOAT, None)],
    [numpy_helper.from_array(rand(3, 2, 3), "W"), numpy_helper.from_array(rand(1, 4 * H, 3), "Wl"),
     numpy_helper.from_array(rand(1, 4 * H, H), "Rl"), numpy_helper.from_array(np.array(0, np.int64), "idx")])
lstm = os.path.join(WORK, "lstm.onnx")
save_model(g, 11, lstm)
refused("lstm", lstm, ["lstm.onnx", "my_lstm", "LSTM", "pick_last", "Gather", "2 unsupported nodes"])

# an initializer that declares 2^40 elements but holds a few bytes
t = TensorProto()
t.name = "W"
t.data_type = TensorProto.FLOAT
t.dims.extend([1 << 20, 1 << 20, 1])
t.raw_data = b"\0" * 16
g = helper.make_graph([helper.make_node("Conv", ["x", "W"], ["y"], name="huge_conv")], "huge",
                      [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1 << 20, 8])],
                      [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [t])
huge = os.path.join(WORK, "huge.onnx")
save_model(g, 13, huge)
refused("absurd_dims", huge, ["huge.onnx", "2^31"])

# a constant Add that cannot be folded (after a ReLU) → refused, naming the node
g = helper.make_graph([helper.make_node("Relu", ["x"], ["r"], name="act"),
                       helper.make_node("Add", ["r", "k"], ["y"], name="shift_after_relu")], "addrelu",
                      [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 8])],
                      [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
                      [numpy_helper.from_array(np.array([1.0], np.float32), "k")])
addrelu = os.path.join(WORK, "add_after_relu.onnx")
save_model(g, 13, addrelu)
refused("unfoldable_add", addrelu, ["shift_after_relu", "Add"])


# ---------------------------------------------------------------- input files: WAV / NPY / CSV
def signal_stack(name, data_file, shape):
    d = os.path.join(WORK, "inputs")
    os.makedirs(d, exist_ok=True)
    W = rand(3, 2, 5)
    np.save(os.path.join(d, name + "_w.npy"), W)
    doc = {"convscope": 1, "convention": "pytorch", "input": {"shape": shape, "data": data_file},
           "layers": [{"op": "conv", "weight": name + "_w.npy", "bias": False, "padding": 2}]}
    stack = os.path.join(d, name + ".json")
    json.dump(doc, open(stack, "w"))
    out = os.path.join(d, "out_" + name)
    rc, _, err = cs("run", stack, "--out", out)
    check(rc == 0, "%s: run exit %d: %s" % (name, rc, err.strip()))
    return (np.load(os.path.join(out, "layer_0.npy")) if rc == 0 else None), W


def ref_conv(x, W):
    return F.conv1d(torch.from_numpy(x.astype(np.float32))[None], torch.from_numpy(W), padding=2).numpy()


d = os.path.join(WORK, "inputs")
os.makedirs(d, exist_ok=True)
L = 300
pcm = (RNG.uniform(-1, 1, (L, 2)) * 32000).astype("<i2")
with wave.open(os.path.join(d, "stereo.wav"), "wb") as w:
    w.setnchannels(2)
    w.setsampwidth(2)
    w.setframerate(16000)
    w.writeframes(pcm.tobytes())
xw = pcm.T.astype(np.float64) / 32768.0
for shape in ([2, L], [1, 2, L]):
    out, W = signal_stack("wav%d" % len(shape), "stereo.wav", shape)
    if out is not None:
        ok, msg = close(out, ref_conv(xw, W))
        check(ok, "wav round trip (shape %s): %s" % (shape, msg))
print("ok wav input (2 channels → C=2)", flush=True)

xn = rand(2, L)
np.save(os.path.join(d, "x.npy"), xn)
out, W = signal_stack("npy", "x.npy", [2, L])
if out is not None:
    ok, msg = close(out, ref_conv(xn, W))
    check(ok, "npy round trip: " + msg)
print("ok npy input", flush=True)

xc = rand(2, L)
with open(os.path.join(d, "x.csv"), "w") as f:
    f.write("left,right\n")
    for i in range(L):
        f.write("%.9g,%.9g\n" % (xc[0, i], xc[1, i]))
out, W = signal_stack("csv", "x.csv", [2, L])
if out is not None:
    ok, msg = close(out, ref_conv(xc, W))
    check(ok, "csv round trip: " + msg)
print("ok csv input (rows = time, columns = channels, header)", flush=True)

with open(os.path.join(d, "bad.csv"), "w") as f:
    f.write("1,2\n3,x\n")
doc = {"convscope": 1, "input": {"data": "bad.csv"}, "layers": []}
json.dump(doc, open(os.path.join(d, "bad_csv.json"), "w"))
rc, _, err = cs("check", os.path.join(d, "bad_csv.json"))
check(rc == 2 and "line 2" in err and "bad.csv" in err, "bad csv: exit %d: %s" % (rc, err.strip()))

# the scenario: an exported 1-D PyTorch model fed with a WAV file
stack = os.path.join(WORK, "conv1d_chain_op13", "conv1d_chain_op13.json")
if os.path.exists(stack):
    pcm2 = (RNG.uniform(-1, 1, (32, 2)) * 30000).astype("<i2")
    wp = os.path.join(os.path.dirname(stack), "clip.wav")
    with wave.open(wp, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(pcm2.tobytes())
    outs = run_stack(stack, None, "wav_model", data_file="clip.wav")
    # compare against onnx weights through torch functional ops
    mod = onnx.load(os.path.join(WORK, "conv1d_chain_op13.onnx"))
    ini = {i.name: numpy_helper.to_array(i) for i in mod.graph.initializer}
    convs = [n for n in mod.graph.node if n.op_type in ("Conv", "ConvTranspose")]
    xt = torch.from_numpy((pcm2.T / 32768.0).astype(np.float32))[None]
    w1, b1 = (torch.from_numpy(ini[n]) for n in convs[0].input[1:])
    w2, b2 = (torch.from_numpy(ini[n]) for n in convs[1].input[1:])
    want = torch.tanh(F.conv_transpose1d(torch.relu(F.conv1d(xt, w1, b1, stride=2, padding=1)), w2, b2, stride=2,
                                         padding=1, output_padding=1)).numpy()
    if outs:
        ok, msg = close(outs[-1], want)
        check(ok, "imported model fed a WAV: " + msg)
        print("ok imported model run on a WAV file", flush=True)

print("\n%d checks, %d failures" % (checks, len(failures)))
for f in failures:
    print("  " + f)
sys.exit(1 if failures else 0)
