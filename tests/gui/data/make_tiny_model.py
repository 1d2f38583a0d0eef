#!/usr/bin/env python3
"""Writes tiny_conv1d.onnx (a fixture of tests/gui/test_project.cpp): Conv (1→2, k=3, pad 1) →
Relu → ConvTranspose (2→1, k=4, s=2, pad 1), input [1, 1, 32], opset 13, fixed weights."""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(6)
w1 = rng.uniform(-1, 1, (2, 1, 3)).astype(np.float32)
b1 = rng.uniform(-1, 1, (2,)).astype(np.float32)
w2 = rng.uniform(-1, 1, (2, 1, 4)).astype(np.float32)
nodes = [
    helper.make_node("Conv", ["x", "w1", "b1"], ["h"], name="conv1", kernel_shape=[3], pads=[1, 1]),
    helper.make_node("Relu", ["h"], ["r"], name="relu1"),
    helper.make_node("ConvTranspose", ["r", "w2"], ["y"], name="up1", kernel_shape=[4], strides=[2], pads=[1, 1]),
]
graph = helper.make_graph(
    nodes, "tiny_conv1d",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 32])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, 64])],
    [numpy_helper.from_array(w1, "w1"), numpy_helper.from_array(b1, "b1"), numpy_helper.from_array(w2, "w2")])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="convscope-tests")
onnx.checker.check_model(model)
onnx.save(model, "tiny_conv1d.onnx")
