// elementwise.cpp: batch_norm (inference) and activations, same shape in and out. Formulas follow
// PyTorch's CPU kernels so NaN/Inf behave the same (no special cases that would swallow NaN).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "engine/core/cancel.h"
#include "engine/kernels/kernels.h"

namespace convscope::engine {
namespace {

constexpr int64_t kParallelMin = 1 << 15;
constexpr int64_t kChunk = 1 << 16;  // elements between cancel polls

// Applies f to every element (f is a lambda, inlined; no per-element indirection), in chunks of
// kChunk with a cancel poll between them.
template <typename F>
void mapAll(const float* x, float* y, int64_t n, F f) {
  const int64_t chunks = (n + kChunk - 1) / kChunk;
  ParallelGuard guard;
#pragma omp parallel for schedule(static) if (n > kParallelMin)
  for (int64_t ch = 0; ch < chunks; ++ch) {
    if (guard.stop()) continue;
    const int64_t e = std::min(n, (ch + 1) * kChunk);
    for (int64_t i = ch * kChunk; i < e; ++i) y[i] = f(x[i]);
  }
  guard.finish();
}

}  // namespace

ScratchSize elementwiseScratch(const Layer& layer, int64_t) {
  // batch_norm: scale and shift per channel
  return {layer.op == Op::BatchNorm ? 2 * int64_t(layer.inChannels) * int64_t(sizeof(float)) : 0, 0};
}

// out = in. batch_norm: y = x*a[c] + b[c], a = gamma/sqrt(var+eps), b = beta - mean*a
// (torch's inference form of (x-mean)/sqrt(var+eps)*gamma+beta); activations per element.
Tensor elementwise(const Layer& layer, const Tensor& x) {
  Tensor y(x.shape);
  const int64_t n = x.numel();
  const float* xd = x.ptr();
  float* yd = y.ptr();
  switch (layer.op) {
    case Op::BatchNorm: {
      const int64_t N = x.dim(0), C = x.dim(1);
      const int64_t inner = C == 0 || N == 0 ? 0 : n / (N * C);
      std::vector<float> a(static_cast<size_t>(C)), b(static_cast<size_t>(C));
      for (int64_t c = 0; c < C; ++c) {
        const float invstd = 1.0f / std::sqrt(layer.var.data[size_t(c)] + layer.eps);
        const float g = layer.gamma.empty() ? 1.0f : layer.gamma.data[size_t(c)];
        const float be = layer.beta.empty() ? 0.0f : layer.beta.data[size_t(c)];
        a[size_t(c)] = g * invstd;
        b[size_t(c)] = be - layer.mean.data[size_t(c)] * a[size_t(c)];
      }
      const int64_t planes = N * C;
      ParallelGuard guard;
#pragma omp parallel for schedule(static) if (n > kParallelMin)
      for (int64_t pl = 0; pl < planes; ++pl) {
        if (guard.stop()) continue;
        const float ac = a[size_t(pl % C)], bc = b[size_t(pl % C)];
        const float* xp = xd + pl * inner;
        float* yp = yd + pl * inner;
        for (int64_t i0 = 0; i0 < inner; i0 += kChunk) {
          if (i0 > 0 && guard.stop()) break;
          const int64_t e = std::min(inner, i0 + kChunk);
          for (int64_t i = i0; i < e; ++i) yp[i] = xp[i] * ac + bc;
        }
      }
      guard.finish();
      break;
    }
    case Op::Relu:  // torch clamp_min(x, 0): NaN stays NaN
      mapAll(xd, yd, n, [](float v) { return v < 0.0f ? 0.0f : v; });
      break;
    case Op::LeakyRelu: {
      const float slope = layer.alpha;
      mapAll(xd, yd, n, [slope](float v) { return v > 0.0f ? v : v * slope; });
      break;
    }
    case Op::Elu: {  // x <= 0 ? alpha*(exp(x)-1) : x
      const float alpha = layer.alpha;
      mapAll(xd, yd, n, [alpha](float v) { return v <= 0.0f ? std::expm1(v) * alpha : v; });
      break;
    }
    case Op::Gelu:
      if (layer.geluTanh) {  // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        constexpr float kBeta = 0.7978845608028654f, kKappa = 0.044715f;
        mapAll(xd, yd, n, [](float v) {
          const float inner = kBeta * (v + kKappa * v * v * v);
          return 0.5f * v * (1.0f + std::tanh(inner));
        });
      } else {  // x * 0.5 * (1 + erf(x / sqrt(2)))
        constexpr float kAlpha = 0.7071067811865476f;
        mapAll(xd, yd, n, [](float v) { return v * 0.5f * (1.0f + std::erf(v * kAlpha)); });
      }
      break;
    case Op::Tanh:
      mapAll(xd, yd, n, [](float v) { return std::tanh(v); });
      break;
    case Op::Sigmoid:  // 1 / (1 + exp(-x))
      mapAll(xd, yd, n, [](float v) { return 1.0f / (1.0f + std::exp(-v)); });
      break;
    default:
      throw std::logic_error("elementwise: not an elementwise op");
  }
  return y;
}

}  // namespace convscope::engine
