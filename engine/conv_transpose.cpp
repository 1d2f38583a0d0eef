// conv_transpose.cpp: transposed convolution (P2) in polyphase form, no GEMM+col2im and no work
// on inserted zeros. Output m sits at q = start + m of the full buffer; with q = s*Q + r, the
// taps j with (j*d) mod s == r reach it from input i = Q - a_j, a_j = (j*d - r)/s. Per phase
// (rh, rw) that is a gather-GEMM over the original input:
//   R[o', Q] = W_r[o', (c', tap)] * cols[(c', tap), Q],  cols = x[c', Q - a_tap] (0 outside).
// Positions with q outside [0, Lf) (or in a phase without taps) get only the bias.
#include <algorithm>
#include <cstring>
#include <vector>

#include "conv1d_kernel.h"
#include "gemm_block.h"
#include "kernels.h"

namespace convscope::engine {
namespace {

using namespace gemm;

// Per-thread gather and result buffers, kept between calls (no allocation per call).
thread_local std::vector<float> tlCols, tlRes;

float* scratch(std::vector<float>& buf, size_t n) {
  if (buf.size() < n) buf.resize(n);
  return buf.data();
}

inline int floorDiv(int a, int b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// One residue class r of one axis: its taps, their input shifts a_j, and the Q range to compute.
struct AxisPhase {
  int r = 0;
  std::vector<int> taps;   // j with (j*d) mod s == r
  std::vector<int> shift;  // a_j = (j*d - r) / s; input i = Q - a_j
  int Q0 = 0, nQ = 0;      // Q in [Q0, Q0+nQ): q = s*Q + r in the window and some tap in range
  int outOf(int Q, const Axis& a) const { return a.s * Q + r - a.start; }  // output index m
};

// Phases of an axis that produce something besides bias (non-empty taps and Q range).
std::vector<AxisPhase> axisPhases(const Axis& a) {
  std::vector<AxisPhase> res;
  const int Lf = a.fullLength();
  const int qlo = std::max(0, a.start), qhi = std::min(Lf, a.start + a.out);  // q in [qlo, qhi)
  if (qhi <= qlo) return res;
  for (int r = 0; r < a.s; ++r) {
    AxisPhase ph;
    ph.r = r;
    for (int j = 0; j < a.k; ++j)
      if ((j * a.d) % a.s == r) {
        ph.taps.push_back(j);
        ph.shift.push_back((j * a.d - r) / a.s);
      }
    if (ph.taps.empty()) continue;
    const int aMin = *std::min_element(ph.shift.begin(), ph.shift.end());
    const int aMax = *std::max_element(ph.shift.begin(), ph.shift.end());
    const int Q0 = std::max(-floorDiv(-(qlo - r), a.s), aMin);  // ceil((qlo-r)/s)
    const int Q1 = std::min(floorDiv(qhi - 1 - r, a.s), a.in - 1 + aMax);
    if (Q1 < Q0) continue;
    ph.Q0 = Q0;
    ph.nQ = Q1 - Q0 + 1;
    res.push_back(std::move(ph));
  }
  return res;
}

// A 2-D phase (pair of axis phases) with its per-group weight matrices W_r (og x cg*|tH|*|tW|).
struct Phase {
  const AxisPhase* h;
  const AxisPhase* w;
  int K;                       // cg * |taps_h| * |taps_w|
  std::vector<float> weights;  // G blocks of og x K, row-major, columns ordered (c', th, tw)
};

// Work item: one block of flattened (Qh, Qw) positions of one phase.
struct Block {
  int phase;
  int64_t i0;
  int cnt;
};

// cols[(c', th, tw), t] = x[c', Qh - aH[th], Qw - aW[tw]] for flat t in [i0, i0+cnt) of the phase grid.
void gatherPhase(const float* xg, int cg, const Axis& h, const Axis& w, const Phase& ph, int64_t i0, int cnt,
                 float* cols) {
  const AxisPhase& P = *ph.h;
  const AxisPhase& Qw = *ph.w;
  const int nQw = Qw.nQ;
  const int64_t plane = int64_t(h.in) * w.in;
  const int tH = static_cast<int>(P.taps.size()), tW = static_cast<int>(Qw.taps.size());
  for (int c = 0; c < cg; ++c) {
    const float* xc = xg + c * plane;
    for (int th = 0; th < tH; ++th) {
      for (int tw = 0; tw < tW; ++tw) {
        float* dst = cols + ((int64_t(c) * tH + th) * tW + tw) * cnt;
        const int aW = Qw.shift[tw];
        // Qw with 0 <= Qw - aW < w.in, as local index u = Qw - Qw.Q0
        const int uLo = aW - Qw.Q0, uHi = w.in + aW - Qw.Q0;
        int64_t t = i0;
        const int64_t tEnd = i0 + cnt;
        while (t < tEnd) {
          const int v = static_cast<int>(t / nQw);
          const int ua = static_cast<int>(t - int64_t(v) * nQw);
          const int ub = static_cast<int>(std::min<int64_t>(nQw, ua + (tEnd - t)));
          const int ih = P.Q0 + v - P.shift[th];
          float* d = dst + (t - i0);
          if (ih < 0 || ih >= h.in) {
            std::fill(d, d + (ub - ua), 0.0f);
          } else {
            const int lo = std::clamp(uLo, ua, ub), hi = std::clamp(uHi, lo, ub);
            const float* xr = xc + int64_t(ih) * w.in + (Qw.Q0 + lo - aW);  // x[ih, Q0 + lo - aW]
            std::fill(d, d + (lo - ua), 0.0f);
            if (hi > lo) std::memcpy(d + (lo - ua), xr, sizeof(float) * size_t(hi - lo));
            std::fill(d + (hi - ua), d + (ub - ua), 0.0f);
          }
          t += ub - ua;
        }
      }
    }
  }
}

}  // namespace

// out resolved by the convention; Lf = (in-1)s + d(k-1) + 1 per axis; y[m] = b + full[start+m]
// (0 outside [0, Lf)). Weight (C, O/g, k...), bias (O) or empty.
Tensor convTranspose(const Layer& layer, const Tensor& x) {
  Axis h, w;
  axesHW(layer, h, w);
  const int N = static_cast<int>(x.dim(0));
  const int C = layer.inChannels, O = layer.outChannels, G = layer.groups;
  const int cg = C / G, og = O / G;
  Shape outShape{N, O};
  for (int a = 0; a < layer.dims; ++a) outShape.push_back(layer.ax[a].out);
  Tensor y(outShape);
  const int64_t Pout = int64_t(h.out) * w.out;
  if (Pout == 0 || N == 0 || O == 0) return y;
  if (detail::directConv1dSupported(layer)) {
    detail::directConvTranspose1d(layer, x.ptr(), N, y.ptr());
    return y;
  }
  const float* bias = layer.bias.empty() ? nullptr : layer.bias.ptr();
  float* yData = y.ptr();
  if (bias) {
    for (int n = 0; n < N; ++n)
      for (int o = 0; o < O; ++o) {
        float* p = yData + (int64_t(n) * O + o) * Pout;
        std::fill(p, p + Pout, bias[o]);
      }
  }

  const std::vector<AxisPhase> phH = axisPhases(h), phW = axisPhases(w);
  std::vector<Phase> phases;
  for (const AxisPhase& a : phH)
    for (const AxisPhase& b : phW) {
      Phase ph{&a, &b, cg * int(a.taps.size() * b.taps.size()), {}};
      ph.weights.resize(size_t(G) * og * ph.K);
      // W_r[G][o', (c', th, tw)] = W[G*cg + c', o', jh, jw]
      for (int g = 0; g < G; ++g)
        for (int o = 0; o < og; ++o)
          for (int c = 0; c < cg; ++c)
            for (size_t th = 0; th < a.taps.size(); ++th)
              for (size_t tw = 0; tw < b.taps.size(); ++tw) {
                const int64_t src = ((int64_t(g * cg + c) * og + o) * h.k + a.taps[th]) * w.k + b.taps[tw];
                const int64_t col = (int64_t(c) * a.taps.size() + th) * b.taps.size() + tw;
                ph.weights[(int64_t(g) * og + o) * ph.K + col] = layer.weight.data[size_t(src)];
              }
      phases.push_back(std::move(ph));
    }
  if (phases.empty()) return y;

  // Block size per phase: gather buffer ~kColBufferFloats, but at least ~8 work items overall.
  int64_t totalQ = 0, naturalBlocks = 0;
  for (const Phase& ph : phases) {
    const int64_t n = int64_t(ph.h->nQ) * ph.w->nQ;
    const int64_t nb = std::min<int64_t>(n, std::max<int64_t>(64, kColBufferFloats / ph.K));
    totalQ += n;
    naturalBlocks += (n + nb - 1) / nb;
  }
  const int64_t nbCap = int64_t(N) * G * naturalBlocks < 8 ? std::max<int64_t>(32, (totalQ + 7) / 8) : totalQ;
  std::vector<Block> blocks;
  int maxK = 0;
  int64_t maxCnt = 0;
  double flops = 0;
  for (size_t p = 0; p < phases.size(); ++p) {
    const int64_t n = int64_t(phases[p].h->nQ) * phases[p].w->nQ;
    const int64_t nb = std::min({n, nbCap, std::max<int64_t>(64, kColBufferFloats / phases[p].K)});
    for (int64_t i0 = 0; i0 < n; i0 += nb) blocks.push_back({int(p), i0, int(std::min(nb, n - i0))});
    maxK = std::max(maxK, phases[p].K);
    maxCnt = std::max(maxCnt, nb);
    flops += 2.0 * N * O * n * phases[p].K;
  }
  const int64_t nBlk = static_cast<int64_t>(blocks.size());
  const int64_t items = int64_t(N) * G * nBlk;
  const int64_t inPlane = int64_t(h.in) * w.in;
  const float* xData = x.ptr();

#pragma omp parallel if (flops > kParallelMinFlops && items > 1)
  {
    float* cols = scratch(tlCols, size_t(maxK) * size_t(maxCnt));
    float* res = scratch(tlRes, size_t(og) * size_t(maxCnt));
#pragma omp for schedule(dynamic)
    for (int64_t it = 0; it < items; ++it) {
      const Block& B = blocks[size_t(it % nBlk)];
      const int g = static_cast<int>((it / nBlk) % G);
      const int n = static_cast<int>(it / (nBlk * G));
      const Phase& ph = phases[size_t(B.phase)];
      const AxisPhase& pa = *ph.h;
      const AxisPhase& pb = *ph.w;
      const float* xg = xData + (int64_t(n) * C + int64_t(g) * cg) * inPlane;
      gatherPhase(xg, cg, h, w, ph, B.i0, B.cnt, cols);
      ConstRowMap Wm(ph.weights.data() + int64_t(g) * og * ph.K, og, ph.K, Eigen::OuterStride<>(ph.K));
      ConstRowMap X(cols, ph.K, B.cnt, Eigen::OuterStride<>(B.cnt));
      float* yg = yData + (int64_t(n) * O + int64_t(g) * og) * Pout;
      // Contiguous case: unit stride along W and the block stays inside whole output rows.
      const bool contiguous = w.s == 1 && (pa.nQ == 1 || (h.s == 1 && pb.nQ == w.out));
      if (contiguous) {
        const int64_t v0 = B.i0 / pb.nQ, u0 = B.i0 % pb.nQ;
        const int64_t off = int64_t(pa.outOf(pa.Q0 + int(v0), h)) * w.out + pb.outOf(pb.Q0 + int(u0), w);
        RowMap Y(yg + off, og, B.cnt, Eigen::OuterStride<>(Pout));
        Y.noalias() += Wm * X;  // y already holds the bias
      } else {
        RowMap R(res, og, B.cnt, Eigen::OuterStride<>(B.cnt));
        R.noalias() = Wm * X;
        for (int o = 0; o < og; ++o) {
          float* yo = yg + int64_t(o) * Pout;
          const float* ro = res + int64_t(o) * B.cnt;
          int64_t t = B.i0;
          const int64_t tEnd = B.i0 + B.cnt;
          while (t < tEnd) {
            const int v = static_cast<int>(t / pb.nQ);
            const int ua = static_cast<int>(t - int64_t(v) * pb.nQ);
            const int ub = static_cast<int>(std::min<int64_t>(pb.nQ, ua + (tEnd - t)));
            float* row = yo + int64_t(pa.outOf(pa.Q0 + v, h)) * w.out + pb.outOf(pb.Q0 + ua, w);
            const float* rr = ro + (t - B.i0);
            for (int u = 0; u < ub - ua; ++u) row[int64_t(u) * w.s] += rr[u];
            t += ub - ua;
          }
        }
      }
    }
  }
  return y;
}

}  // namespace convscope::engine
