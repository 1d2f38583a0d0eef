// conv_transpose.cpp: transposed convolution (P2), no GEMM+col2im and no work on inserted zeros,
// in one of two forms chosen by planConvTranspose:
// * polyphase gather-GEMM: output m sits at q = start + m of the full buffer; with q = s*Q + r, the
//   taps j with (j*d) mod s == r reach it from input i = Q - a_j, a_j = (j*d - r)/s. Per phase
//   (rh, rw) that is a gather-GEMM over the original input:
//     R[o', Q] = W_r[o', (c', tap)] * cols[(c', tap), Q],  cols = x[c', Q - a_tap] (0 outside),
//   blocked over Q and over the rows (c', tap) so the per-thread buffers stay below a fixed cap.
//   Positions with q outside [0, Lf) (or in a phase without taps) get only the bias.
// * direct scatter, when the gather would mostly multiply zeros (a kernel much larger than the
//   input: every Q of a phase times all its taps, most of them outside the input): y = bias, then
//   for every input position and kernel row an axpy of the kernel row, times x, into the output
//   row it reaches. Exactly N*C*(O/g)*Π(in*k) multiply-adds (fewer where the window clips), no
//   scratch; tiles of (n, o, output rows, output columns) in parallel, so no two threads write
//   the same element, and each element sums its terms in the same order whatever the tiling.
// Both poll the cancel flag between blocks (cancel.h).
//
// Index of this file:
//   [SECTION] PHASES   per-axis phases, gather of one phase block
//   [SECTION] PLAN     form and blocking (planConvTranspose), scratch
//   [SECTION] SCATTER  direct scatter tiles
//   [SECTION] GATHER   bias, scatter run, phase repacking, gather-GEMM blocks
//   [SECTION] ENTRY    convTranspose
#include <algorithm>
#include <atomic>
#include <cstring>
#include <vector>

#include "engine/core/cancel.h"
#include "engine/core/limits.h"
#include "engine/kernels/gemm_block.h"
#include "engine/kernels/kernels.h"
#include "engine/kernels/x86/conv1d_kernel.h"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace convscope::engine {
// [SECTION] PHASES
namespace {

using namespace gemm;

// Per-thread gather and result buffers, kept between calls (no allocation per call).
thread_local std::vector<float> tlCols, tlRes;

float* scratch(std::vector<float>& buf, size_t n) {
  if (buf.size() < n) buf.resize(n);
  return buf.data();
}

inline int floorDiv(int a, int b) {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

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

// Rows r in [r0, r1) of the phase's gather matrix, r = (c' * |taps_h| + th) * |taps_w| + tw:
// cols[r - r0, t] = x[c', Qh - aH[th], Qw - aW[tw]] for flat t in [i0, i0+cnt) of the phase grid.
void gatherPhase(const float* xg, const Axis& h, const Axis& w, const Phase& ph, int64_t i0, int cnt,
                 int64_t r0, int64_t r1, float* cols) {
  const AxisPhase& P = *ph.h;
  const AxisPhase& Qw = *ph.w;
  const int nQw = Qw.nQ;
  const int64_t plane = int64_t(h.in) * w.in;
  const int tH = static_cast<int>(P.taps.size()), tW = static_cast<int>(Qw.taps.size());
  for (int64_t r = r0; r < r1; ++r) {
    const int tw = static_cast<int>(r % tW);
    const int th = static_cast<int>((r / tW) % tH);
    const int64_t c = r / (int64_t(tW) * tH);
    const float* xc = xg + c * plane;
    float* dst = cols + (r - r0) * cnt;
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

// [SECTION] PLAN
// ceil(a / b) for b > 0 and any sign of a.
inline int64_t ceilDiv(int64_t a, int64_t b) {
  return a >= 0 ? (a + b - 1) / b : -((-a) / b);
}

// The form convTranspose takes and its work split; convTranspose and convTransposeScratch both use it.
struct ConvTPlan {
  Axis h, w;
  bool scatter = false;
  // gather form
  std::vector<AxisPhase> phH, phW;
  std::vector<Block> blocks;  // filled by the kernel from blockSize (phase p: blocks of nbOf[p])
  std::vector<int64_t> nbOf;  // positions per block of each phase (phase index = ih * |phW| + iw)
  int64_t kb = 0;             // gather rows per GEMM (row chunk)
  int64_t maxCnt = 0;         // largest block
  int64_t weightFloats = 0;   // repacked phase weights, G * og * sum K
  double flops = 0;
  // scatter form: output tiles of rowBand rows x colBand columns
  int rowBand = 1, colBand = 1, nRowBands = 1, nColBands = 1;
};

constexpr double kGatherWasteLimit = 2.0;  // gather when its multiply-adds are at most 2x the true ones

std::atomic<int> g_form{int(detail::ConvTransposeForm::Auto)};

int maxThreads() {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

ConvTPlan planConvTranspose(const Layer& layer, int64_t N) {
  ConvTPlan p;
  axesHW(layer, p.h, p.w);
  const Axis &h = p.h, &w = p.w;
  const int C = layer.inChannels, O = layer.outChannels, G = layer.groups;
  const int cg = C / G, og = O / G;
  p.phH = axisPhases(h);
  p.phW = axisPhases(w);
  // gather: every Q of a phase times all its taps; true: every input times every tap
  double gatherMacs = 0;
  for (const AxisPhase& a : p.phH)
    for (const AxisPhase& b : p.phW)
      gatherMacs += double(N) * O * double(a.nQ) * b.nQ * cg * double(a.taps.size()) * b.taps.size();
  const double trueMacs = double(N) * O * cg * double(h.in) * w.in * double(h.k) * w.k;
  switch (detail::ConvTransposeForm(g_form.load(std::memory_order_relaxed))) {
    case detail::ConvTransposeForm::Gather:
      p.scatter = false;
      break;
    case detail::ConvTransposeForm::Scatter:
      p.scatter = true;
      break;
    default:
      p.scatter = gatherMacs > kGatherWasteLimit * trueMacs;
      break;
  }
  if (p.scatter) {
    p.phH.clear();
    p.phW.clear();
    const int64_t planes = N * O, target = 4 * int64_t(maxThreads());
    p.nColBands = (w.out + 4095) / 4096;
    if (planes * p.nColBands < target)
      p.nRowBands =
          int(std::min<int64_t>(h.out, (target + planes * p.nColBands - 1) / (planes * p.nColBands)));
    if (planes * p.nColBands * p.nRowBands < target)
      p.nColBands = int(std::max<int64_t>(
          p.nColBands, std::min<int64_t>((w.out + 255) / 256,
                                         (target + planes * p.nRowBands - 1) / (planes * p.nRowBands))));
    p.rowBand = (h.out + p.nRowBands - 1) / p.nRowBands;
    p.colBand = (w.out + p.nColBands - 1) / p.nColBands;
    p.nRowBands = (h.out + p.rowBand - 1) / p.rowBand;
    p.nColBands = (w.out + p.colBand - 1) / p.colBand;
    return p;
  }
  // Block size per phase: gather buffer ~kColBufferFloats, result buffer og x nb bounded too, but at
  // least ~8 work items overall.
  const int64_t nbMaxOg = std::max<int64_t>(16, kColBufferFloats / std::max(og, 1));
  int64_t totalQ = 0, naturalBlocks = 0, maxK = 0;
  for (const AxisPhase& a : p.phH)
    for (const AxisPhase& b : p.phW) {
      const int64_t n = int64_t(a.nQ) * b.nQ, K = int64_t(cg) * a.taps.size() * b.taps.size();
      const int64_t nb = std::min({n, std::max<int64_t>(64, kColBufferFloats / K), nbMaxOg});
      totalQ += n;
      naturalBlocks += (n + nb - 1) / nb;
      maxK = std::max(maxK, K);
    }
  const int64_t nbCap = N * G * naturalBlocks < 8 ? std::max<int64_t>(32, (totalQ + 7) / 8) : totalQ;
  for (const AxisPhase& a : p.phH)
    for (const AxisPhase& b : p.phW) {
      const int64_t n = int64_t(a.nQ) * b.nQ, K = int64_t(cg) * a.taps.size() * b.taps.size();
      const int64_t nb = std::min({n, nbCap, std::max<int64_t>(64, kColBufferFloats / K), nbMaxOg});
      p.nbOf.push_back(nb);
      p.maxCnt = std::max(p.maxCnt, nb);
      p.weightFloats += int64_t(G) * og * K;
      p.flops += 2.0 * N * O * n * K;
    }
  p.kb = std::min(maxK, std::max<int64_t>(1, kColBufferFloats / std::max<int64_t>(p.maxCnt, 1)));
  return p;
}

// [SECTION] SCATTER
// Scatter form: y (bias already in it) += the contributions of every (c', input, tap) landing in the
// tile rows [r0, r1) x columns [c0, c1) of plane (n, o). Output oh = ih*sh + jh*dh - start_h,
// ow = iw*sw + jw*dw - start_w. Stops early (tile partly done) when guard.stop().
void scatterTile(const float* x, const float* W, float* yPlane, int n, int o, int C, int og, int cg,
                 const Axis& h, const Axis& w, int r0, int r1, int c0, int c1, const ParallelGuard& guard) {
  const int g = o / og, oi = o % og;
  const int64_t inPlane = int64_t(h.in) * w.in, kPlane = int64_t(h.k) * w.k;
  // iw whose taps can reach [c0, c1): iw*sw + jw*dw - start in [c0, c1) for some jw < kw
  const int iwLo = int(std::max<int64_t>(0, ceilDiv(int64_t(c0) + w.start - int64_t(w.k - 1) * w.d, w.s)));
  const int iwHi = int(std::min<int64_t>(w.in, ceilDiv(int64_t(c1) + w.start, w.s)));
  for (int ci = 0; ci < cg; ++ci) {
    const int c = g * cg + ci;
    const float* xc = x + (int64_t(n) * C + c) * inPlane;
    const float* wco = W + (int64_t(c) * og + oi) * kPlane;
    for (int jh = 0; jh < h.k; ++jh) {
      const int offH = jh * h.d - h.start;  // oh = ih*sh + offH
      const int ihLo = int(std::max<int64_t>(0, ceilDiv(int64_t(r0) - offH, h.s)));
      const int ihHi = int(std::min<int64_t>(h.in, ceilDiv(int64_t(r1) - offH, h.s)));
      const float* __restrict wr = wco + int64_t(jh) * w.k;
      for (int ih = ihLo; ih < ihHi; ++ih) {
        if (guard.stop()) return;
        float* __restrict yr = yPlane + int64_t(ih * h.s + offH) * w.out;
        const float* xr = xc + int64_t(ih) * w.in;
        for (int iw = iwLo; iw < iwHi; ++iw) {
          const float xv = xr[iw];
          const int base = iw * w.s - w.start;  // ow = base + jw*dw
          const int jwLo = int(std::max<int64_t>(0, ceilDiv(int64_t(c0) - base, w.d)));
          const int jwHi = int(std::min<int64_t>(w.k, ceilDiv(int64_t(c1) - base, w.d)));
          if (w.d == 1) {
            float* __restrict yb = yr + base;
            for (int jw = jwLo; jw < jwHi; ++jw) yb[jw] += xv * wr[jw];
          } else {
            for (int jw = jwLo; jw < jwHi; ++jw) yr[base + jw * w.d] += xv * wr[jw];
          }
        }
      }
    }
  }
}

}  // namespace

void detail::setConvTransposeForm(ConvTransposeForm form) {
  g_form.store(int(form));
}

ScratchSize convTransposeScratch(const Layer& layer, int64_t N) {
  ScratchSize s;
  const int64_t Pout = layer.dims == 2 ? int64_t(layer.ax[0].out) * layer.ax[1].out : layer.ax[0].out;
  if (Pout == 0 || N == 0 || layer.outChannels == 0) return s;
  if (detail::directConv1dSupported(layer)) return detail::directConv1dScratch(layer, N, layer.ax[0].in, 0);
  const ConvTPlan p = planConvTranspose(layer, N);
  if (p.scatter) return s;
  const int og = layer.outChannels / layer.groups;
  int64_t blocks = 0;
  size_t i = 0;
  for (const AxisPhase& a : p.phH)
    for (const AxisPhase& b : p.phW) {
      const int64_t n = int64_t(a.nQ) * b.nQ;
      blocks += (n + p.nbOf[i] - 1) / p.nbOf[i];
      ++i;
    }
  s.shared =
      addSaturating(mulSaturating(p.weightFloats, sizeof(float)), mulSaturating(blocks, sizeof(Block)));
  s.perThread = (p.kb * p.maxCnt + int64_t(og) * p.maxCnt) * int64_t(sizeof(float));
  return s;
}

// [SECTION] GATHER
namespace {

// y = bias per output channel (or stays 0).
void fillBias(const Layer& layer, int N, int64_t Pout, float* yData) {
  if (layer.bias.empty()) return;
  const float* bias = layer.bias.ptr();
  const int O = layer.outChannels;
  for (int n = 0; n < N; ++n)
    for (int o = 0; o < O; ++o) {
      float* p = yData + (int64_t(n) * O + o) * Pout;
      std::fill(p, p + Pout, bias[o]);
    }
}

// The direct scatter form: tiles of (n, o, output rows, output columns) in parallel.
void runScatter(const ConvTPlan& plan, const Layer& layer, int N, const float* xData, float* yData,
                int64_t Pout) {
  const Axis &h = plan.h, &w = plan.w;
  const int C = layer.inChannels, O = layer.outChannels;
  const int cg = C / layer.groups, og = O / layer.groups;
  const int64_t tiles = int64_t(plan.nRowBands) * plan.nColBands, items = int64_t(N) * O * tiles;
  const double macs = double(N) * O * cg * double(h.in) * w.in * double(h.k) * w.k;
  const float* wData = layer.weight.ptr();
  ParallelGuard guard;
#pragma omp parallel for schedule(dynamic) if (2.0 * macs > kParallelMinFlops && items > 1)
  for (int64_t it = 0; it < items; ++it) {
    if (guard.stop()) continue;
    const int64_t plane = it / tiles, tile = it % tiles;
    const int n = static_cast<int>(plane / O), o = static_cast<int>(plane % O);
    const int r0 = static_cast<int>(tile / plan.nColBands) * plan.rowBand;
    const int c0 = static_cast<int>(tile % plan.nColBands) * plan.colBand;
    scatterTile(xData, wData, yData + plane * Pout, n, o, C, og, cg, h, w, r0,
                std::min(h.out, r0 + plan.rowBand), c0, std::min(w.out, c0 + plan.colBand), guard);
  }
  guard.finish();
}

// The phases (rh, rw) with taps and their repacked weights
// W_r[G][o', (c', th, tw)] = W[G*cg + c', o', jh, jw].
std::vector<Phase> repackPhases(const ConvTPlan& plan, const Layer& layer) {
  const int G = layer.groups, cg = layer.inChannels / G, og = layer.outChannels / G;
  const Axis &h = plan.h, &w = plan.w;
  std::vector<Phase> phases;
  for (const AxisPhase& a : plan.phH)
    for (const AxisPhase& b : plan.phW) {
      Phase ph{&a, &b, cg * int(a.taps.size() * b.taps.size()), {}};
      ph.weights.resize(size_t(G) * og * ph.K);
      for (int g = 0; g < G; ++g)
        for (int o = 0; o < og; ++o) {
          throwIfCancelled();
          for (int c = 0; c < cg; ++c)
            for (size_t th = 0; th < a.taps.size(); ++th)
              for (size_t tw = 0; tw < b.taps.size(); ++tw) {
                const int64_t src = ((int64_t(g * cg + c) * og + o) * h.k + a.taps[th]) * w.k + b.taps[tw];
                const int64_t col = (int64_t(c) * a.taps.size() + th) * b.taps.size() + tw;
                ph.weights[(int64_t(g) * og + o) * ph.K + col] = layer.weight.data[size_t(src)];
              }
        }
      phases.push_back(std::move(ph));
    }
  return phases;
}

// Scatters the block result R (og x B.cnt, phase positions) into the strided output positions.
void scatterBlockResult(const ConvTPlan& plan, const Phase& ph, const Block& B, int og, int64_t Pout,
                        const float* res, float* yg) {
  const Axis &h = plan.h, &w = plan.w;
  const AxisPhase& pa = *ph.h;
  const AxisPhase& pb = *ph.w;
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

// One block of one phase for group g: R (or Y) += W_r[:, r0:r1] * cols[r0:r1, :], row chunk by
// row chunk. `xg` / `yg` point at the group's input and output planes.
void runGatherBlock(const ConvTPlan& plan, const Phase& ph, const Block& B, int g, int og, int64_t Pout,
                    const float* xg, float* yg, float* cols, float* res, const ParallelGuard& guard) {
  const Axis &h = plan.h, &w = plan.w;
  const AxisPhase& pa = *ph.h;
  const AxisPhase& pb = *ph.w;
  // Contiguous case: unit stride along W and the block stays inside whole output rows.
  const bool contiguous = w.s == 1 && (pa.nQ == 1 || (h.s == 1 && pb.nQ == w.out));
  for (int64_t r0 = 0; r0 < ph.K; r0 += plan.kb) {
    if (guard.stop()) return;
    const int64_t r1 = std::min<int64_t>(ph.K, r0 + plan.kb);
    gatherPhase(xg, h, w, ph, B.i0, B.cnt, r0, r1, cols);
    ConstRowMap Wm(ph.weights.data() + int64_t(g) * og * ph.K + r0, og, r1 - r0, Eigen::OuterStride<>(ph.K));
    ConstRowMap X(cols, r1 - r0, B.cnt, Eigen::OuterStride<>(B.cnt));
    if (contiguous) {
      const int64_t v0 = B.i0 / pb.nQ, u0 = B.i0 % pb.nQ;
      const int64_t off = int64_t(pa.outOf(pa.Q0 + int(v0), h)) * w.out + pb.outOf(pb.Q0 + int(u0), w);
      RowMap Y(yg + off, og, B.cnt, Eigen::OuterStride<>(Pout));
      Y.noalias() += Wm * X;  // y already holds the bias
    } else {
      RowMap R(res, og, B.cnt, Eigen::OuterStride<>(B.cnt));
      if (r0 == 0)
        R.noalias() = Wm * X;
      else
        R.noalias() += Wm * X;
    }
  }
  if (!contiguous) scatterBlockResult(plan, ph, B, og, Pout, res, yg);
}

// The polyphase gather-GEMM form: blocks of (n, g, phase positions) in parallel.
void runGather(ConvTPlan& plan, const Layer& layer, int N, const float* xData, float* yData, int64_t Pout) {
  const std::vector<Phase> phases = repackPhases(plan, layer);
  if (phases.empty()) return;
  const int C = layer.inChannels, O = layer.outChannels, G = layer.groups;
  const int cg = C / G, og = O / G;
  std::vector<Block>& blocks = plan.blocks;
  for (size_t p = 0; p < phases.size(); ++p) {
    const int64_t n = int64_t(phases[p].h->nQ) * phases[p].w->nQ, nb = plan.nbOf[p];
    for (int64_t i0 = 0; i0 < n; i0 += nb) blocks.push_back({int(p), i0, int(std::min(nb, n - i0))});
  }
  const int64_t nBlk = static_cast<int64_t>(blocks.size());
  const int64_t items = int64_t(N) * G * nBlk;
  const int64_t inPlane = int64_t(plan.h.in) * plan.w.in;
  ParallelGuard guard;
#pragma omp parallel if (plan.flops > kParallelMinFlops && items > 1)
  {
    float* cols = nullptr;
    float* res = nullptr;
    guard.run([&] {
      cols = scratch(tlCols, size_t(plan.kb) * size_t(plan.maxCnt));
      res = scratch(tlRes, size_t(og) * size_t(plan.maxCnt));
    });
#pragma omp for schedule(dynamic)
    for (int64_t it = 0; it < items; ++it) {
      if (guard.stop()) continue;
      const Block& B = blocks[size_t(it % nBlk)];
      const int g = static_cast<int>((it / nBlk) % G);
      const int n = static_cast<int>(it / (nBlk * G));
      const float* xg = xData + (int64_t(n) * C + int64_t(g) * cg) * inPlane;
      float* yg = yData + (int64_t(n) * O + int64_t(g) * og) * Pout;
      guard.run(
          [&] { runGatherBlock(plan, phases[size_t(B.phase)], B, g, og, Pout, xg, yg, cols, res, guard); });
    }
  }
  guard.finish();
}

}  // namespace

// [SECTION] ENTRY
// out resolved by the convention; Lf = (in-1)s + d(k-1) + 1 per axis; y[m] = b + full[start+m]
// (0 outside [0, Lf)). Weight (C, O/g, k...), bias (O) or empty.
Tensor convTranspose(const Layer& layer, const Tensor& x) {
  const int N = static_cast<int>(x.dim(0));
  const int O = layer.outChannels;
  Shape outShape{N, O};
  for (int a = 0; a < layer.dims; ++a) outShape.push_back(layer.ax[a].out);
  Tensor y(outShape);
  const int64_t Pout = layer.dims == 2 ? int64_t(layer.ax[0].out) * layer.ax[1].out : layer.ax[0].out;
  if (Pout == 0 || N == 0 || O == 0) return y;
  throwIfCancelled();
  if (detail::directConv1dSupported(layer)) {
    detail::directConvTranspose1d(layer, x.ptr(), N, y.ptr());
    return y;
  }
  ConvTPlan plan = planConvTranspose(layer, N);
  fillBias(layer, N, Pout, y.ptr());
  if (plan.scatter)
    runScatter(plan, layer, N, x.ptr(), y.ptr(), Pout);
  else
    runGather(plan, layer, N, x.ptr(), y.ptr(), Pout);
  return y;
}

}  // namespace convscope::engine
