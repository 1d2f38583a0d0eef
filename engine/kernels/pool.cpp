// pool.cpp: max and average pooling over (N, C, L) / (N, C, H, W); 1-D runs as 2-D with H = 1.
// Work items are output rows of a plane; the cancel flag is polled between runs of outputs.
// Windows: max i*s - pb + j*d, avg i*s - pb + j (j < k); out-of-range positions are padding.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "engine/core/cancel.h"
#include "engine/kernels/kernels.h"

namespace convscope::engine {
namespace {

// Taps j in [lo, hi) of output i whose position i*s - pb + j*d lies in [0, in) (contiguous in j).
struct TapRange {
  int lo, hi, base;  // base = i*s - pb
};

std::vector<TapRange> tapRanges(const Axis& a, int dil) {
  std::vector<TapRange> r(static_cast<size_t>(a.out));
  for (int i = 0; i < a.out; ++i) {
    const int base = i * a.s - a.pb;
    int lo = 0, hi = a.k;
    while (lo < hi && base + lo * dil < 0) ++lo;
    while (hi > lo && base + (hi - 1) * dil >= a.in) --hi;
    r[size_t(i)] = {lo, hi, base};
  }
  return r;
}

Shape outShapeOf(const Layer& l, int64_t N, int64_t C) {
  Shape s{N, C};
  for (int a = 0; a < l.dims; ++a) s.push_back(l.ax[a].out);
  return s;
}

// y[plane, oh, ow] = windowValue(plane's input, oh, ow) for every (N·C) plane, in parallel over
// (plane, output row) when the windows add up to enough work; polls the cancel flag every ~2^16
// window taps. h, w: the layer's axes as axesHW gives them.
template <class F>
Tensor poolPlanes(const Layer& layer, const Tensor& x, const Axis& h, const Axis& w, F windowValue) {
  const int64_t N = x.dim(0), C = x.dim(1);
  Tensor y(outShapeOf(layer, N, C));
  const int64_t planes = N * C, inPlane = int64_t(h.in) * w.in, outPlane = int64_t(h.out) * w.out;
  const int64_t rows = planes * h.out, taps = int64_t(h.k) * w.k;
  const int pollEvery = int(std::max<int64_t>(1, (int64_t(1) << 16) / std::max<int64_t>(taps, 1)));
  const float* xd = x.ptr();
  float* yd = y.ptr();
  ParallelGuard guard;
#pragma omp parallel for schedule(dynamic, 8) if (planes * outPlane * taps > (1 << 16) && rows > 1)
  for (int64_t r = 0; r < rows; ++r) {
    if (guard.stop()) continue;
    const int64_t pl = r / h.out;
    const int oh = static_cast<int>(r % h.out);
    const float* xp = xd + pl * inPlane;
    float* yr = yd + pl * outPlane + int64_t(oh) * w.out;
    for (int ow0 = 0; ow0 < w.out; ow0 += pollEvery) {
      if (ow0 > 0 && guard.stop()) break;
      const int ow1 = std::min(w.out, ow0 + pollEvery);
      for (int ow = ow0; ow < ow1; ++ow) yr[ow] = windowValue(xp, oh, ow);
    }
  }
  guard.finish();
  return y;
}

}  // namespace

ScratchSize poolScratch(const Layer& layer, int64_t) {
  Axis h, w;
  axesHW(layer, h, w);
  // tap ranges and (avg) divisors per output row and column
  return {(int64_t(h.out) + w.out) * int64_t(sizeof(TapRange) + sizeof(int)), 0};
}

// out resolved by the convention (floor/ceil/cover_all); y = max over in-range window taps,
// padding never wins; NaN anywhere in the window gives NaN (as torch); an all-padding window is -inf.
Tensor maxPool(const Layer& layer, const Tensor& x) {
  Axis h, w;
  axesHW(layer, h, w);
  const std::vector<TapRange> rh = tapRanges(h, h.d), rw = tapRanges(w, w.d);
  return poolPlanes(layer, x, h, w, [&](const float* xp, int oh, int ow) {
    const TapRange &a = rh[size_t(oh)], &b = rw[size_t(ow)];
    float m = -std::numeric_limits<float>::infinity();
    for (int jh = a.lo; jh < a.hi; ++jh) {
      const float* row = xp + int64_t(a.base + jh * h.d) * w.in + b.base;
      for (int jw = b.lo; jw < b.hi; ++jw) {
        const float v = row[jw * w.d];
        if (v > m || std::isnan(v)) m = v;  // torch's update rule: NaN sticks
      }
    }
    return m;
  });
}

// out resolved by the convention; y = sum of in-range window values / divisor, where per axis
// IncludePad: hs = i*s - pb, he = min(hs + k, in + pe), divisor (he - hs); ExcludePad: in-range
// count; FullKernel: k. 2-D divisors are per-axis products.
Tensor avgPool(const Layer& layer, const Tensor& x) {
  Axis h, w;
  axesHW(layer, h, w);
  h.d = w.d = 1;
  const std::vector<TapRange> rh = tapRanges(h, 1), rw = tapRanges(w, 1);
  auto divisors = [&layer](const Axis& a, const std::vector<TapRange>& r) {
    std::vector<int> dv(r.size());
    for (size_t i = 0; i < r.size(); ++i) {
      switch (layer.avgDivisor) {
        case AvgDivisor::IncludePad: {
          const int hs = r[i].base, he = std::min(hs + a.k, a.in + a.pe);
          dv[i] = he - hs;
          break;
        }
        case AvgDivisor::ExcludePad:
          dv[i] = r[i].hi - r[i].lo;
          break;
        case AvgDivisor::FullKernel:
          dv[i] = a.k;
          break;
      }
    }
    return dv;
  };
  const std::vector<int> dh = divisors(h, rh), dw = divisors(w, rw);
  return poolPlanes(layer, x, h, w, [&](const float* xp, int oh, int ow) {
    const TapRange &a = rh[size_t(oh)], &b = rw[size_t(ow)];
    float sum = 0.0f;
    for (int jh = a.lo; jh < a.hi; ++jh) {
      const float* row = xp + int64_t(a.base + jh) * w.in + b.base;
      for (int jw = b.lo; jw < b.hi; ++jw) sum += row[jw];
    }
    // An empty ExcludePad window divides 0 by 0 (NaN), as torch would.
    return sum / static_cast<float>(int64_t(dh[size_t(oh)]) * dw[size_t(ow)]);
  });
}

}  // namespace convscope::engine
