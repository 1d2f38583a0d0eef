// kernel_test_util: helpers shared by the kernel tests: axis/layer builders that compute `out` with
// the canonical formulas, seeded random tensors, and a NaN-aware closeness check against a reference.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include "engine/core/layer.h"

namespace convscope::test {

using engine::Axis;
using engine::Layer;
using engine::Op;
using engine::Shape;
using engine::Tensor;

// Conv/pool axis; out = floor((in + pb + pe - d(k-1) - 1) / s) + 1.
inline Axis convAxis(int in, int k, int s = 1, int d = 1, int pb = 0, int pe = 0) {
  Axis a;
  a.in = in;
  a.k = k;
  a.s = s;
  a.d = d;
  a.pb = pb;
  a.pe = pe;
  a.out = (in + pb + pe - a.span()) / s + 1;
  return a;
}

// ConvTranspose/unpool axis: window [start, start + out) of Lf = (in-1)s + d(k-1) + 1.
// Default out = Lf - 2*start (PyTorch with padding = start, output_padding 0).
inline Axis convTAxis(int in, int k, int s = 1, int d = 1, int start = 0, int out = -1) {
  Axis a;
  a.in = in;
  a.k = k;
  a.s = s;
  a.d = d;
  a.start = start;
  a.out = out >= 0 ? out : a.fullLength() - 2 * start;
  return a;
}

// Upsample axis: out = in * s. ZeroInsert axis: out = (in-1)s + 1.
inline Axis upAxis(int in, int s) {
  Axis a;
  a.in = in;
  a.s = s;
  a.out = in * s;
  return a;
}
inline Axis zeroInsertAxis(int in, int s) {
  Axis a;
  a.in = in;
  a.s = s;
  a.out = (in - 1) * s + 1;
  return a;
}

inline Tensor randomTensor(Shape shape, std::mt19937& rng, float lo = -1.0f, float hi = 1.0f) {
  Tensor t(std::move(shape));
  std::uniform_real_distribution<float> dist(lo, hi);
  for (float& v : t.data) v = dist(rng);
  return t;
}

inline Tensor fromValues(Shape shape, std::initializer_list<float> v) {
  Tensor t(std::move(shape));
  EXPECT_EQ(t.numel(), static_cast<int64_t>(v.size()));
  std::copy(v.begin(), v.end(), t.data.begin());
  return t;
}

// Input shape (N, C, in...) of a layer.
inline Shape inShape(const Layer& l, int N) {
  Shape s{N, l.inChannels};
  for (int a = 0; a < l.dims; ++a) s.push_back(l.ax[a].in);
  return s;
}

// 1-D conv or conv_transpose layer with the given axis, channels, groups, weight and bias.
inline Layer layer1d(Op op, Axis a, int C, int O, int g, Tensor w, Tensor b = {}) {
  Layer l;
  l.op = op;
  l.dims = 1;
  l.ax[0] = a;
  l.inChannels = C;
  l.outChannels = O;
  l.groups = g;
  l.weight = std::move(w);
  l.bias = std::move(b);
  return l;
}

// Layer with random weight (conv layout (O, C/g, k...) or transposed (C, O/g, k...)) and bias.
inline Layer makeConvLayer(Op op, int dims, Axis a0, Axis a1, int C, int O, int g, bool bias,
                           std::mt19937& rng) {
  Layer l;
  l.op = op;
  l.dims = dims;
  l.ax[0] = a0;
  l.ax[1] = a1;
  l.inChannels = C;
  l.outChannels = O;
  l.groups = g;
  Shape ws = op == Op::Conv ? Shape{O, C / g} : Shape{C, O / g};
  for (int a = 0; a < dims; ++a) ws.push_back(l.ax[a].k);
  l.weight = randomTensor(ws, rng);
  if (bias) l.bias = randomTensor({O}, rng);
  return l;
}

// |got - ref| <= 1e-5 * max(1, max|ref|) elementwise, same shape; NaN must match NaN, inf must match.
inline ::testing::AssertionResult allClose(const Tensor& got, const Tensor& ref, double relTol = 1e-5) {
  if (got.shape != ref.shape)
    return ::testing::AssertionFailure()
           << "shape " << engine::shapeToString(got.shape) << " vs " << engine::shapeToString(ref.shape);
  double maxRef = 1.0;
  for (float v : ref.data)
    if (std::isfinite(v)) maxRef = std::max(maxRef, double(std::fabs(v)));
  const double tol = relTol * maxRef;
  for (size_t i = 0; i < ref.data.size(); ++i) {
    const float a = got.data[i], b = ref.data[i];
    if (std::isnan(b) || std::isnan(a)) {
      if (std::isnan(a) != std::isnan(b))
        return ::testing::AssertionFailure() << "NaN mismatch at " << i << ": " << a << " vs " << b;
      continue;
    }
    if (std::isinf(b) || std::isinf(a)) {
      if (a != b) return ::testing::AssertionFailure() << "inf mismatch at " << i << ": " << a << " vs " << b;
      continue;
    }
    if (std::fabs(double(a) - double(b)) > tol)
      return ::testing::AssertionFailure()
             << "at " << i << ": " << a << " vs " << b << " (tol " << tol << ")";
  }
  return ::testing::AssertionSuccess();
}

}  // namespace convscope::test
