// resample.cpp: upsample (nearest / linear as torch align_corners=False), Chainer-style unpool
// (ones-kernel depthwise transposed conv) and zero insertion. 1-D runs as 2-D with H = 1.
// Work items are output rows of a plane (columns in runs of kRun); the cancel flag is polled
// between them.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "engine/core/cancel.h"
#include "engine/core/limits.h"
#include "engine/kernels/kernels.h"

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

constexpr int kRun = 1 << 16;  // output columns between cancel polls

// f(plane, oh, ow0, ow1) for every output row of every plane, in runs of at most kRun columns,
// in parallel when there are more than `parallelMin` outputs; stops early on cancel.
template <class F>
void forRows(int64_t planes, const Axis& h, const Axis& w, int64_t parallelMin, F f) {
  const int64_t rows = planes * h.out;
  ParallelGuard guard;
#pragma omp parallel for schedule(static) if (rows * w.out > parallelMin && rows > 1)
  for (int64_t r = 0; r < rows; ++r) {
    if (guard.stop()) continue;
    for (int ow0 = 0; ow0 < w.out; ow0 += kRun) {
      if (ow0 > 0 && guard.stop()) break;
      f(r / h.out, static_cast<int>(r % h.out), ow0, std::min(w.out, ow0 + kRun));
    }
  }
  guard.finish();
}

// The transposed conv an unpool layer is: groups = C = O, all-ones (C, 1, k...) kernel (allocated
// only when `withWeight`: the scratch plan needs the shape alone), no bias.
Layer unpoolAsConvTranspose(const Layer& layer, bool withWeight) {
  Layer t;
  t.op = Op::ConvTranspose;
  t.dims = layer.dims;
  t.ax = layer.ax;
  const int C = layer.inChannels;
  t.inChannels = C;
  t.outChannels = C;
  t.groups = C;
  if (withWeight) {
    Shape ws{C, 1};
    for (int a = 0; a < layer.dims; ++a) ws.push_back(layer.ax[a].k);
    t.weight = Tensor(ws, 1.0f);
  }
  return t;
}

}  // namespace

ScratchSize upsampleScratch(const Layer& layer, int64_t) {
  Axis h, w;
  axesHW(layer, h, w);
  const int64_t per =
      layer.upsampleMode == UpsampleMode::Nearest ? int64_t(sizeof(int)) : int64_t(sizeof(LinearTap));
  return {(int64_t(h.out) + w.out) * per, 0};
}

ScratchSize unpoolScratch(const Layer& layer, int64_t N) {
  Layer t = unpoolAsConvTranspose(layer, false);
  const ScratchSize s = convTransposeScratch(t, N);
  int64_t ones = layer.inChannels;
  for (int a = 0; a < layer.dims; ++a) ones = mulSaturating(ones, layer.ax[a].k);
  return {addSaturating(s.shared, mulSaturating(ones, sizeof(float))), s.perThread};
}

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
    forRows(planes, h, w, 1 << 18, [&](int64_t pl, int oh, int ow0, int ow1) {
      const float* row = xd + pl * inPlane + int64_t(srcH[size_t(oh)]) * w.in;
      float* out = yd + pl * outPlane + int64_t(oh) * w.out;
      for (int ow = ow0; ow < ow1; ++ow) out[ow] = row[srcW[size_t(ow)]];
    });
    return y;
  }
  const std::vector<LinearTap> th = linearTaps(h), tw = linearTaps(w);
  const bool twoD = layer.dims == 2;
  forRows(planes, h, w, 1 << 17, [&](int64_t pl, int oh, int ow0, int ow1) {
    const float* xp = xd + pl * inPlane;
    const LinearTap& a = th[size_t(oh)];
    const float* r0 = xp + int64_t(a.i0) * w.in;
    const float* r1 = xp + int64_t(a.i1) * w.in;
    float* out = yd + pl * outPlane + int64_t(oh) * w.out;
    for (int ow = ow0; ow < ow1; ++ow) {
      const LinearTap& b = tw[size_t(ow)];
      const float t0 = r0[b.i0] * b.l0 + r0[b.i1] * b.l1;
      if (twoD) {
        const float t1 = r1[b.i0] * b.l0 + r1[b.i1] * b.l1;
        out[ow] = t0 * a.l0 + t1 * a.l1;
      } else {
        out[ow] = t0;
      }
    }
  });
  return y;
}

// out resolved (Chainer: window [start, start+out) of Lf = (in-1)s + k); y = convTranspose with
// groups = C = O, an all-ones (C, 1, k...) kernel and no bias.
Tensor unpool(const Layer& layer, const Tensor& x) {
  return convTranspose(unpoolAsConvTranspose(layer, true), x);
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
    throwIfCancelled();
    const float* xp = xd + pl * inPlane;
    float* yp = yd + pl * outPlane;
    for (int ih = 0; ih < h.in; ++ih) {
      const int oh = ih * h.s;
      if (oh >= h.out) break;
      if ((ih & 255) == 255) throwIfCancelled();
      const float* row = xp + int64_t(ih) * w.in;
      float* out = yp + int64_t(oh) * w.out;
      for (int iw = 0; iw < w.in && int64_t(iw) * w.s < w.out; ++iw) out[int64_t(iw) * w.s] = row[iw];
    }
  }
  return y;
}

}  // namespace convscope::engine
