// resample.cpp: upsample (nearest / linear as torch align_corners=False), Chainer-style unpool
// (ones-kernel depthwise transposed conv) and zero insertion. 1-D runs as 2-D with H = 1.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "kernels.h"

namespace convscope::engine {
namespace {

Shape outShapeOf(const Layer& l, int64_t N, int64_t C) {
  Shape s{N, C};
  for (int a = 0; a < l.dims; ++a) s.push_back(l.ax[a].out);
  return s;
}

// torch upsample_linear1d index/weights, align_corners=False, scale 1/s:
// src = max(0, (j + 0.5)/s - 0.5); i0 = floor(src); i1 = i0 + (i0 < in-1); l1 = src - i0; l0 = 1 - l1.
struct LinearTap {
  int i0, i1;
  float l0, l1;
};

std::vector<LinearTap> linearTaps(const Axis& a) {
  std::vector<LinearTap> t(static_cast<size_t>(a.out));
  const float scale = static_cast<float>(1.0 / a.s);
  for (int j = 0; j < a.out; ++j) {
    float src = scale * (static_cast<float>(j) + 0.5f) - 0.5f;
    if (src < 0.0f) src = 0.0f;
    int i0 = std::min(static_cast<int>(src), a.in - 1);
    const int i1 = i0 + (i0 < a.in - 1 ? 1 : 0);
    const float l1 = src - static_cast<float>(i0);
    t[size_t(j)] = {i0, i1, 1.0f - l1, l1};
  }
  return t;
}

}  // namespace

// out = in * s per axis. nearest: y[j] = x[j / s]; linear: torch align_corners=False (bilinear
// in 2-D, W interpolated inside, H outside, as torch's separable CPU loop).
Tensor upsample(const Layer& layer, const Tensor& x) {
  Axis h, w;
  axesHW(layer, h, w);
  const int64_t N = x.dim(0), C = x.dim(1);
  Tensor y(outShapeOf(layer, N, C));
  const int64_t planes = N * C, inPlane = int64_t(h.in) * w.in, outPlane = int64_t(h.out) * w.out;
  const float* xd = x.ptr();
  float* yd = y.ptr();
  if (layer.upsampleMode == UpsampleMode::Nearest) {
    std::vector<int> srcW(size_t(w.out)), srcH(size_t(h.out));
    for (int j = 0; j < w.out; ++j) srcW[size_t(j)] = std::min(j / w.s, w.in - 1);
    for (int j = 0; j < h.out; ++j) srcH[size_t(j)] = std::min(j / h.s, h.in - 1);
#pragma omp parallel for schedule(static) if (planes * outPlane > (1 << 18))
    for (int64_t pl = 0; pl < planes; ++pl) {
      const float* xp = xd + pl * inPlane;
      float* yp = yd + pl * outPlane;
      for (int oh = 0; oh < h.out; ++oh) {
        const float* row = xp + int64_t(srcH[size_t(oh)]) * w.in;
        float* out = yp + int64_t(oh) * w.out;
        for (int ow = 0; ow < w.out; ++ow) out[ow] = row[srcW[size_t(ow)]];
      }
    }
    return y;
  }
  const std::vector<LinearTap> th = linearTaps(h), tw = linearTaps(w);
  const bool twoD = layer.dims == 2;
#pragma omp parallel for schedule(static) if (planes * outPlane > (1 << 17))
  for (int64_t pl = 0; pl < planes; ++pl) {
    const float* xp = xd + pl * inPlane;
    float* yp = yd + pl * outPlane;
    for (int oh = 0; oh < h.out; ++oh) {
      const LinearTap& a = th[size_t(oh)];
      const float* r0 = xp + int64_t(a.i0) * w.in;
      const float* r1 = xp + int64_t(a.i1) * w.in;
      float* out = yp + int64_t(oh) * w.out;
      for (int ow = 0; ow < w.out; ++ow) {
        const LinearTap& b = tw[size_t(ow)];
        const float t0 = r0[b.i0] * b.l0 + r0[b.i1] * b.l1;
        if (twoD) {
          const float t1 = r1[b.i0] * b.l0 + r1[b.i1] * b.l1;
          out[ow] = t0 * a.l0 + t1 * a.l1;
        } else {
          out[ow] = t0;
        }
      }
    }
  }
  return y;
}

// out resolved (Chainer: window [start, start+out) of Lf = (in-1)s + k); y = convTranspose with
// groups = C = O, an all-ones (C, 1, k...) kernel and no bias.
Tensor unpool(const Layer& layer, const Tensor& x) {
  Layer t = layer;
  t.op = Op::ConvTranspose;
  const int C = layer.inChannels;
  t.outChannels = C;
  t.groups = C;
  Shape ws{C, 1};
  for (int a = 0; a < layer.dims; ++a) ws.push_back(layer.ax[a].k);
  t.weight = Tensor(ws, 1.0f);
  t.bias = Tensor();
  return convTranspose(t, x);
}

// out = (in-1)s + 1 per axis; y[i s] = x[i], zeros between.
Tensor zeroInsert(const Layer& layer, const Tensor& x) {
  Axis h, w;
  axesHW(layer, h, w);
  const int64_t N = x.dim(0), C = x.dim(1);
  Tensor y(outShapeOf(layer, N, C));
  const int64_t planes = N * C, inPlane = int64_t(h.in) * w.in, outPlane = int64_t(h.out) * w.out;
  const float* xd = x.ptr();
  float* yd = y.ptr();
  for (int64_t pl = 0; pl < planes; ++pl) {
    const float* xp = xd + pl * inPlane;
    float* yp = yd + pl * outPlane;
    for (int ih = 0; ih < h.in; ++ih) {
      const int oh = ih * h.s;
      if (oh >= h.out) break;
      const float* row = xp + int64_t(ih) * w.in;
      float* out = yp + int64_t(oh) * w.out;
      for (int iw = 0; iw < w.in && int64_t(iw) * w.s < w.out; ++iw) out[int64_t(iw) * w.s] = row[iw];
    }
  }
  return y;
}

}  // namespace convscope::engine
