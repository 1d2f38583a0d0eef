// conv.cpp: forward convolution (P1). Non-zero pad modes materialise the padded input (padSource)
// and run a pad-0 conv; zero padding is implicit in the im2col gather. The im2col buffer is
// blocked over output positions so it stays about L2-sized; each block is one Eigen GEMM
// Y[o, p] = W_g[o, (c', jh, jw)] * cols[(c', jh, jw), p]. OpenMP over (batch, group, block).
#include <algorithm>
#include <cstring>
#include <vector>

#include "conv1d_kernel.h"
#include "gemm_block.h"
#include "kernels.h"

namespace convscope::engine {
namespace {

using namespace gemm;

// Padded copy (N, C, H+pbh+peh, W+pbw+pew) of x under a non-zero pad mode.
Tensor materialisePad(const Tensor& x, int N, int C, const Axis& h, const Axis& w, PadMode mode) {
  const int Hp = h.in + h.pb + h.pe, Wp = w.in + w.pb + w.pe;
  Tensor xp(Shape{N, C, Hp, Wp});
  std::vector<int> srcW(static_cast<size_t>(Wp));
  for (int t = 0; t < Wp; ++t) srcW[t] = padSource(t - w.pb, w.in, mode);
  const int64_t planes = int64_t(N) * C;
#pragma omp parallel for schedule(static) if (planes * Hp * Wp > (1 << 16))
  for (int64_t nc = 0; nc < planes; ++nc) {
    const float* src = x.ptr() + nc * h.in * w.in;
    float* dst = xp.ptr() + nc * Hp * Wp;
    for (int th = 0; th < Hp; ++th) {
      const float* row = src + int64_t(padSource(th - h.pb, h.in, mode)) * w.in;
      float* out = dst + int64_t(th) * Wp;
      for (int tw = 0; tw < Wp; ++tw) out[tw] = row[srcW[tw]];
    }
  }
  return xp;
}

// Per-thread im2col buffer, kept between calls (no allocation or page faults per call).
thread_local std::vector<float> tlCols;

float* scratch(std::vector<float>& buf, size_t n) {
  if (buf.size() < n) buf.resize(n);
  return buf.data();
}

// ceil(a / b) for b > 0 and any sign of a.
inline int ceilDiv(int a, int b) { return a >= 0 ? (a + b - 1) / b : -((-a) / b); }

// Fills cols (K x nb, row-major, K = cg*kh*kw rows ordered (c', jh, jw)) with
// xpad[c', oh*sh + jh*dh, ow*sw + jw*dw] (zero padding implicit) for flat output p in [p0, p0+nb).
void im2colBlock(const float* xg, int cg, const Axis& h, const Axis& w, int64_t p0, int nb, float* cols) {
  const int Wout = w.out;
  const int64_t plane = int64_t(h.in) * w.in;
  for (int c = 0; c < cg; ++c) {
    const float* xc = xg + c * plane;
    for (int jh = 0; jh < h.k; ++jh) {
      const int offH = jh * h.d - h.pb;
      for (int jw = 0; jw < w.k; ++jw) {
        const int offW = jw * w.d - w.pb;
        // ow with 0 <= ow*sw + offW < w.in
        const int owLo = offW >= 0 ? 0 : ceilDiv(-offW, w.s);
        const int owHi = (w.in - 1 - offW) < 0 ? 0 : (w.in - 1 - offW) / w.s + 1;
        float* dst = cols + ((int64_t(c) * h.k + jh) * w.k + jw) * nb;
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
  }
}

// Depthwise (C/g == 1): y[o] = b[o] + sum_{jh,jw} W[o,0,jh,jw] * xpad[G(o), ...], as shifted
// axpy passes over each output row (vectorises along W when sw == 1); zero padding = skipped taps.
void depthwise(const float* x, float* y, const float* wData, const float* bias, int N, int C, int O,
               const Axis& h, const Axis& w) {
  const int og = O / C;
  const int64_t inPlane = int64_t(h.in) * w.in, P = int64_t(h.out) * w.out;
  const int taps = h.k * w.k;
  const int64_t planes = int64_t(N) * O;
  constexpr int kSeg = 1024;  // output columns per pass, keeps the row segment in L1
#pragma omp parallel for schedule(dynamic) if (planes * P * taps > (1 << 16) && planes > 1)
  for (int64_t pl = 0; pl < planes; ++pl) {
    const int n = static_cast<int>(pl / O), o = static_cast<int>(pl % O);
    const float* xc = x + (int64_t(n) * C + o / og) * inPlane;
    float* yp = y + pl * P;
    const float* wo = wData + int64_t(o) * taps;
    std::fill(yp, yp + P, bias ? bias[o] : 0.0f);
    for (int oh = 0; oh < h.out; ++oh) {
      float* yr = yp + int64_t(oh) * w.out;
      for (int s0 = 0; s0 < w.out; s0 += kSeg) {
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
}

}  // namespace

// out = floor((in + pb + pe - d(k-1) - 1) / s) + 1 per axis (resolved in layer.ax[].out).
// y[n,o,i] = b[o] + sum_{c'<C/g, j<k} W[o,c',j] xpad[n, G(o)C/g + c', i s + j d]
Tensor conv(const Layer& layer, const Tensor& xIn) {
  Axis h, w;
  axesHW(layer, h, w);
  const int N = static_cast<int>(xIn.dim(0));
  const int C = layer.inChannels, O = layer.outChannels, G = layer.groups;
  const int cg = C / G, og = O / G;

  Tensor padded;
  const float* xData = xIn.ptr();
  if (layer.padMode != PadMode::Zeros && (h.pb || h.pe || w.pb || w.pe)) {
    padded = materialisePad(xIn, N, C, h, w, layer.padMode);
    xData = padded.ptr();
    h.in += h.pb + h.pe;
    w.in += w.pb + w.pe;
    h.pb = h.pe = w.pb = w.pe = 0;
  }

  Shape outShape{N, O};
  for (int a = 0; a < layer.dims; ++a) outShape.push_back(layer.ax[a].out);
  Tensor y(outShape);
  const int64_t P = int64_t(h.out) * w.out;
  const int64_t inPlane = int64_t(h.in) * w.in;
  const int K = cg * h.k * w.k;
  if (P == 0 || N == 0 || O == 0) return y;

  if (detail::directConv1dSupported(layer)) {
    detail::directConv1d(layer, xData, N, w.in, w.pb, y.ptr());
    return y;
  }
  if (cg == 1) {
    depthwise(xData, y.ptr(), layer.weight.ptr(), layer.bias.empty() ? nullptr : layer.bias.ptr(), N, C, O, h, w);
    return y;
  }

  // 1x1, stride 1, no pads: the input planes already are the column matrix.
  const bool direct = h.k == 1 && w.k == 1 && h.s == 1 && w.s == 1 && h.pb == 0 && w.pb == 0 &&
                      h.out == h.in && w.out == w.in;
  int64_t nb = direct ? std::min<int64_t>(P, 4096) : std::max<int64_t>(64, kColBufferFloats / K);
  nb = std::min(nb, P);
  int64_t nBlocks = (P + nb - 1) / nb;
  // Enough work items for all threads on single-image, single-group layers.
  if (int64_t(N) * G * nBlocks < 8 && P >= 128) {
    nb = std::max<int64_t>(32, (P + 7) / 8);
    nBlocks = (P + nb - 1) / nb;
  }
  const int64_t items = int64_t(N) * G * nBlocks;
  const double flops = 2.0 * N * O * P * K;
  const float* bias = layer.bias.empty() ? nullptr : layer.bias.ptr();
  const float* wData = layer.weight.ptr();
  float* yData = y.ptr();

#pragma omp parallel if (flops > kParallelMinFlops && items > 1)
  {
    float* cols = direct ? nullptr : scratch(tlCols, size_t(K) * size_t(nb));
#pragma omp for schedule(dynamic)
    for (int64_t it = 0; it < items; ++it) {
      const int64_t blk = it % nBlocks;
      const int g = static_cast<int>((it / nBlocks) % G);
      const int n = static_cast<int>(it / (nBlocks * G));
      const int64_t p0 = blk * nb;
      const int cnt = static_cast<int>(std::min<int64_t>(nb, P - p0));
      const float* xg = xData + (int64_t(n) * C + int64_t(g) * cg) * inPlane;
      float* yb = yData + (int64_t(n) * O + int64_t(g) * og) * P + p0;
      for (int o = 0; o < og; ++o) std::fill(yb + o * P, yb + o * P + cnt, bias ? bias[g * og + o] : 0.0f);
      ConstRowMap W(wData + int64_t(g) * og * K, og, K, Eigen::OuterStride<>(K));
      RowMap Y(yb, og, cnt, Eigen::OuterStride<>(P));
      if (direct) {
        ConstRowMap X(xg + p0, K, cnt, Eigen::OuterStride<>(P));
        Y.noalias() += W * X;
      } else {
        im2colBlock(xg, cg, h, w, p0, cnt, cols);
        ConstRowMap X(cols, K, cnt, Eigen::OuterStride<>(cnt));
        Y.noalias() += W * X;
      }
    }
  }
  return y;
}

}  // namespace convscope::engine
