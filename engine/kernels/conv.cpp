// conv.cpp: forward convolution (P1). Non-zero pad modes materialise the padded input (padSource)
// and run a pad-0 conv; zero padding is implicit in the im2col gather. The im2col buffer is
// blocked over output positions and over its rows (c', jh, jw), so it never exceeds
// kColBufferFloats per thread whatever the kernel size; each (block, row chunk) is one Eigen GEMM
// Y[o, p] += W_g[o, rows] * cols[rows, p]. OpenMP over (batch, group, block); the cancel flag is
// polled between GEMMs (cancel.h).
//
// Index of this file:
//   [SECTION] PAD_IM2COL  pad materialisation, im2col rows
//   [SECTION] DEPTHWISE   depthwise loop
//   [SECTION] PLAN        blocking plan, scratch
//   [SECTION] ENTRY       conv
#include <algorithm>
#include <cstring>
#include <vector>

#include "engine/core/cancel.h"
#include "engine/core/limits.h"
#include "engine/kernels/gemm_block.h"
#include "engine/kernels/kernels.h"
#include "engine/kernels/x86/conv1d_kernel.h"

namespace convscope::engine {
// [SECTION] PAD_IM2COL
namespace {

using namespace gemm;

// Padded copy (N, C, H+pbh+peh, W+pbw+pew) of x under a non-zero pad mode.
Tensor materialisePad(const Tensor& x, int N, int C, const Axis& h, const Axis& w, PadMode mode) {
  const int Hp = h.in + h.pb + h.pe, Wp = w.in + w.pb + w.pe;
  Tensor xp(Shape{N, C, Hp, Wp});
  std::vector<int> srcW(static_cast<size_t>(Wp));
  for (int t = 0; t < Wp; ++t) srcW[t] = padSource(t - w.pb, w.in, mode);
  const int64_t planes = int64_t(N) * C;
  ParallelGuard guard;
#pragma omp parallel for schedule(static) if (planes * Hp * Wp > (1 << 16))
  for (int64_t nc = 0; nc < planes; ++nc) {
    const float* src = x.ptr() + nc * h.in * w.in;
    float* dst = xp.ptr() + nc * Hp * Wp;
    for (int th = 0; th < Hp; ++th) {
      if (guard.stop()) break;
      const float* row = src + int64_t(padSource(th - h.pb, h.in, mode)) * w.in;
      float* out = dst + int64_t(th) * Wp;
      for (int tw = 0; tw < Wp; ++tw) out[tw] = row[srcW[tw]];
    }
  }
  guard.finish();
  return xp;
}

// Per-thread im2col buffer, kept between calls (no allocation or page faults per call).
thread_local std::vector<float> tlCols;

float* scratch(std::vector<float>& buf, size_t n) {
  if (buf.size() < n) buf.resize(n);
  return buf.data();
}

// ceil(a / b) for b > 0 and any sign of a.
inline int ceilDiv(int a, int b) {
  return a >= 0 ? (a + b - 1) / b : -((-a) / b);
}

// Fills cols ((r1 - r0) x nb, row-major) with rows r in [r0, r1) of the im2col matrix,
// r = (c' * kh + jh) * kw + jw: xpad[c', oh*sh + jh*dh, ow*sw + jw*dw] (zero padding implicit)
// for flat output p in [p0, p0+nb).
void im2colRows(const float* xg, const Axis& h, const Axis& w, int64_t p0, int nb, int64_t r0, int64_t r1,
                float* cols) {
  const int Wout = w.out;
  const int64_t plane = int64_t(h.in) * w.in;
  for (int64_t r = r0; r < r1; ++r) {
    const int jw = static_cast<int>(r % w.k);
    const int64_t t = r / w.k;
    const int jh = static_cast<int>(t % h.k);
    const int64_t c = t / h.k;
    const float* xc = xg + c * plane;
    const int offH = jh * h.d - h.pb;
    const int offW = jw * w.d - w.pb;
    // ow with 0 <= ow*sw + offW < w.in
    const int owLo = offW >= 0 ? 0 : ceilDiv(-offW, w.s);
    const int owHi = (w.in - 1 - offW) < 0 ? 0 : (w.in - 1 - offW) / w.s + 1;
    float* dst = cols + (r - r0) * nb;
    int64_t p = p0;
    const int64_t pEnd = p0 + nb;
    while (p < pEnd) {
      const int oh = static_cast<int>(p / Wout);
      const int owa = static_cast<int>(p - int64_t(oh) * Wout);
      const int owb = static_cast<int>(std::min<int64_t>(Wout, owa + (pEnd - p)));
      const int ih = oh * h.s + offH;
      float* d = dst + (p - p0);
      if (ih < 0 || ih >= h.in) {
        std::fill(d, d + (owb - owa), 0.0f);
      } else {
        const int lo = std::clamp(owLo, owa, owb), hi = std::clamp(owHi, lo, owb);
        const float* xr = xc + int64_t(ih) * w.in + (int64_t(lo) * w.s + offW);  // x[ih, lo*sw + offW]
        std::fill(d, d + (lo - owa), 0.0f);
        if (w.s == 1) {
          if (hi > lo) std::memcpy(d + (lo - owa), xr, sizeof(float) * size_t(hi - lo));
        } else {
          for (int ow = lo; ow < hi; ++ow) d[ow - owa] = xr[int64_t(ow - lo) * w.s];
        }
        std::fill(d + (hi - owa), d + (owb - owa), 0.0f);
      }
      p += owb - owa;
    }
  }
}

// [SECTION] DEPTHWISE
// Depthwise (C/g == 1): y[o] = b[o] + sum_{jh,jw} W[o,0,jh,jw] * xpad[G(o), ...], as shifted
// axpy passes over each output row (vectorises along W when sw == 1); zero padding = skipped taps.
void depthwise(const float* x, float* y, const float* wData, const float* bias, int N, int C, int O,
               const Axis& h, const Axis& w) {
  const int og = O / C;
  const int64_t inPlane = int64_t(h.in) * w.in, P = int64_t(h.out) * w.out;
  const int taps = h.k * w.k;
  const int64_t planes = int64_t(N) * O;
  constexpr int kSeg = 1024;  // output columns per pass, keeps the row segment in L1
  ParallelGuard guard;
#pragma omp parallel for schedule(dynamic) if (planes * P * taps > (1 << 16) && planes > 1)
  for (int64_t pl = 0; pl < planes; ++pl) {
    if (guard.stop()) continue;
    const int n = static_cast<int>(pl / O), o = static_cast<int>(pl % O);
    const float* xc = x + (int64_t(n) * C + o / og) * inPlane;
    float* yp = y + pl * P;
    const float* wo = wData + int64_t(o) * taps;
    std::fill(yp, yp + P, bias ? bias[o] : 0.0f);
    for (int oh = 0; oh < h.out; ++oh) {
      float* yr = yp + int64_t(oh) * w.out;
      for (int s0 = 0; s0 < w.out; s0 += kSeg) {
        if (guard.stop()) break;
        const int s1 = std::min(w.out, s0 + kSeg);
        for (int jh = 0; jh < h.k; ++jh) {
          const int ih = oh * h.s + jh * h.d - h.pb;
          if (ih < 0 || ih >= h.in) continue;
          const float* xr = xc + int64_t(ih) * w.in;
          for (int jw = 0; jw < w.k; ++jw) {
            const int offW = jw * w.d - w.pb;
            const int lo = std::max(s0, offW >= 0 ? 0 : ceilDiv(-offW, w.s));
            const int hi = std::min(s1, (w.in - 1 - offW) < 0 ? 0 : (w.in - 1 - offW) / w.s + 1);
            const float wv = wo[jh * w.k + jw];
            if (w.s == 1) {
              const float* xs = xr + offW;
              for (int ow = lo; ow < hi; ++ow) yr[ow] += wv * xs[ow];
            } else {
              for (int ow = lo; ow < hi; ++ow) yr[ow] += wv * xr[int64_t(ow) * w.s + offW];
            }
          }
        }
      }
    }
  }
  guard.finish();
}

// [SECTION] PLAN
// Work split and buffer sizes of conv(); conv() and convScratch() both use it.
struct ConvPlan {
  enum class Path { Empty, Direct1d, Depthwise, Identity, Im2col };
  Path path = Path::Empty;
  bool padCopy = false;  // non-zero pad mode with pads: conv runs on an (N, C, Hp, Wp) padded copy
  Axis h, w;             // the axes conv runs on (after the copy: pads folded into `in`)
  int64_t P = 0;         // output positions per plane
  int64_t K = 0;         // im2col rows: cg * kh * kw
  int64_t nb = 0;        // output positions per block
  int64_t nBlocks = 0;
  int64_t kb = 0;  // im2col rows per GEMM (row chunk); K unless the buffer would exceed the cap
  int64_t ob = 0;  // output channels per GEMM (so one GEMM stays short enough to poll between)
};

constexpr int64_t kMaxGemmMacs = int64_t(1) << 27;  // ~50 ms on one core: the cancel poll interval

ConvPlan planConv(const Layer& layer, int64_t N) {
  ConvPlan p;
  axesHW(layer, p.h, p.w);
  Axis &h = p.h, &w = p.w;
  const int C = layer.inChannels, O = layer.outChannels, G = layer.groups;
  const int cg = C / G, og = O / G;
  if (layer.padMode != PadMode::Zeros && (h.pb || h.pe || w.pb || w.pe)) {
    p.padCopy = true;
    h.in += h.pb + h.pe;
    w.in += w.pb + w.pe;
    h.pb = h.pe = w.pb = w.pe = 0;
  }
  p.P = int64_t(h.out) * w.out;
  p.K = int64_t(cg) * h.k * w.k;
  if (p.P == 0 || N == 0 || O == 0) return p;
  if (detail::directConv1dSupported(layer)) {
    p.path = ConvPlan::Path::Direct1d;
    return p;
  }
  if (cg == 1) {
    p.path = ConvPlan::Path::Depthwise;
    return p;
  }
  // 1x1, stride 1, no pads: the input planes already are the column matrix.
  const bool identity = h.k == 1 && w.k == 1 && h.s == 1 && w.s == 1 && h.pb == 0 && w.pb == 0 &&
                        h.out == h.in && w.out == w.in;
  p.path = identity ? ConvPlan::Path::Identity : ConvPlan::Path::Im2col;
  int64_t nb = identity ? std::min<int64_t>(p.P, 4096) : std::max<int64_t>(64, kColBufferFloats / p.K);
  nb = std::min(nb, p.P);
  int64_t nBlocks = (p.P + nb - 1) / nb;
  // Enough work items for all threads on single-image, single-group layers.
  if (N * G * nBlocks < 8 && p.P >= 128) {
    nb = std::max<int64_t>(32, (p.P + 7) / 8);
    nBlocks = (p.P + nb - 1) / nb;
  }
  p.nb = nb;
  p.nBlocks = nBlocks;
  // identity: the GEMM reads x in place, chunked only to keep one GEMM short; im2col: the buffer
  // (kb x nb) never exceeds kColBufferFloats (nb <= kColBufferFloats here)
  p.kb = identity ? std::min(p.K, std::max<int64_t>(256, kMaxGemmMacs / (int64_t(og) * nb)))
                  : std::min(p.K, std::max<int64_t>(1, kColBufferFloats / nb));
  p.ob = std::min<int64_t>(og, std::max<int64_t>(8, kMaxGemmMacs / (p.kb * nb)));
  return p;
}

}  // namespace

ScratchSize convScratch(const Layer& layer, int64_t N) {
  const ConvPlan p = planConv(layer, N);
  ScratchSize s;
  if (p.padCopy)
    s.shared = mulSaturating(numelSaturating({N, layer.inChannels, p.h.in, p.w.in}), int64_t(sizeof(float)));
  switch (p.path) {
    case ConvPlan::Path::Direct1d: {
      const ScratchSize d = detail::directConv1dScratch(layer, N, p.w.in, p.w.pb);
      s.shared = addSaturating(s.shared, d.shared);
      s.perThread = d.perThread;
      break;
    }
    case ConvPlan::Path::Im2col:
      s.perThread = p.kb * p.nb * int64_t(sizeof(float));
      break;
    default:
      break;
  }
  return s;
}

// [SECTION] ENTRY
// out = floor((in + pb + pe - d(k-1) - 1) / s) + 1 per axis (resolved in layer.ax[].out).
// y[n,o,i] = b[o] + sum_{c'<C/g, j<k} W[o,c',j] xpad[n, G(o)C/g + c', i s + j d]
Tensor conv(const Layer& layer, const Tensor& xIn) {
  const int N = static_cast<int>(xIn.dim(0));
  const ConvPlan plan = planConv(layer, N);
  const Axis &h = plan.h, &w = plan.w;
  const int C = layer.inChannels, O = layer.outChannels, G = layer.groups;
  const int cg = C / G, og = O / G;

  Shape outShape{N, O};
  for (int a = 0; a < layer.dims; ++a) outShape.push_back(layer.ax[a].out);
  Tensor y(outShape);
  if (plan.path == ConvPlan::Path::Empty) return y;
  throwIfCancelled();

  Tensor padded;
  const float* xData = xIn.ptr();
  if (plan.padCopy) {
    Axis h0, w0;
    axesHW(layer, h0, w0);
    padded = materialisePad(xIn, N, C, h0, w0, layer.padMode);
    xData = padded.ptr();
  }
  const int64_t P = plan.P;
  const int64_t inPlane = int64_t(h.in) * w.in;
  const int64_t K = plan.K;

  if (plan.path == ConvPlan::Path::Direct1d) {
    detail::directConv1d(layer, xData, N, w.in, w.pb, y.ptr());
    return y;
  }
  if (plan.path == ConvPlan::Path::Depthwise) {
    depthwise(xData, y.ptr(), layer.weight.ptr(), layer.bias.empty() ? nullptr : layer.bias.ptr(), N, C, O, h,
              w);
    return y;
  }

  const bool identity = plan.path == ConvPlan::Path::Identity;
  const int64_t nb = plan.nb, nBlocks = plan.nBlocks, kb = plan.kb, ob = plan.ob;
  const int64_t items = int64_t(N) * G * nBlocks;
  const double flops = 2.0 * N * O * P * K;
  const float* bias = layer.bias.empty() ? nullptr : layer.bias.ptr();
  const float* wData = layer.weight.ptr();
  float* yData = y.ptr();

  ParallelGuard guard;
#pragma omp parallel if (flops > kParallelMinFlops && items > 1)
  {
    float* cols = nullptr;
    if (!identity) guard.run([&] { cols = scratch(tlCols, size_t(kb) * size_t(nb)); });
#pragma omp for schedule(dynamic)
    for (int64_t it = 0; it < items; ++it) {
      if (guard.stop()) continue;
      const int64_t blk = it % nBlocks;
      const int g = static_cast<int>((it / nBlocks) % G);
      const int n = static_cast<int>(it / (nBlocks * G));
      const int64_t p0 = blk * nb;
      const int cnt = static_cast<int>(std::min<int64_t>(nb, P - p0));
      const float* xg = xData + (int64_t(n) * C + int64_t(g) * cg) * inPlane;
      float* yb = yData + (int64_t(n) * O + int64_t(g) * og) * P + p0;
      for (int o = 0; o < og; ++o) std::fill(yb + o * P, yb + o * P + cnt, bias ? bias[g * og + o] : 0.0f);
      // Y[o, p] += W_g[o, r0:r1] * X[r0:r1, p], row chunk by row chunk, output-channel chunk by chunk
      guard.run([&] {
        for (int64_t r0 = 0; r0 < K; r0 += kb) {
          const int64_t r1 = std::min(K, r0 + kb);
          if (!identity) im2colRows(xg, h, w, p0, cnt, r0, r1, cols);
          const float* xr = identity ? xg + r0 * P + p0 : cols;
          const int64_t xs = identity ? P : cnt;
          for (int64_t o0 = 0; o0 < og; o0 += ob) {
            if (guard.stop()) return;
            const int64_t on = std::min<int64_t>(ob, og - o0);
            ConstRowMap Wm(wData + (int64_t(g) * og + o0) * K + r0, on, r1 - r0, Eigen::OuterStride<>(K));
            ConstRowMap X(xr, r1 - r0, cnt, Eigen::OuterStride<>(xs));
            RowMap Y(yb + o0 * P, on, cnt, Eigen::OuterStride<>(P));
            Y.noalias() += Wm * X;
          }
        }
      });
    }
  }
  guard.finish();
  return y;
}

}  // namespace convscope::engine
