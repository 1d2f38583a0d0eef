// Internals of the runtime-dispatched 1-D kernels (conv1d_kernel.h), shared by one file per
// kernel family:
//   conv1d_direct.cpp      conv (stride s: s staged phase rows per channel), the block runner `run`
//   conv1d_transposed.cpp  transposed conv, stride s | 16, polyphase (runPhases)
//   conv1d_depthwise.cpp   depthwise conv, stride 1 (C/g = 1)
//   conv1d_kernel.cpp      the dispatch: which layers the kernels take, their scratch, entry points
// This header: constants, the register micro-kernel `tile`, staging helpers, Plan and blocking,
// the work split (threadsFor, forThisThreadsBlocks) and the Prefetcher.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "engine/core/cancel.h"
#include "engine/core/limits.h"
#include "engine/kernels/x86/conv1d_kernel.h"

#if defined(__AVX512F__) && defined(__AVX512DQ__)
#include <immintrin.h>
#define CONVSCOPE_DIRECT_CONV1D 1
#endif
#ifdef _OPENMP
#include <omp.h>
#endif

#ifdef CONVSCOPE_DIRECT_CONV1D
namespace convscope::engine::detail::conv1d {

constexpr int kOT = 8;                       // output channels per register tile
constexpr int kNV = 3;                       // 16-lane vectors per register tile
constexpr int kPT = kNV * 16;                // positions per register tile
constexpr int64_t kStageBytes = 192 * 1024;  // staged input block (L2-resident)
constexpr int64_t kTileBytes = 64 * 1024;  // input rows one tile reads per channel chunk (dilated2: one chunk
                                           // of 256 beat three of 86 by 1.5%)
constexpr double kFlopsPerThread = 1 << 20;  // a thread is worth it from ~10 us of work on
constexpr int kOGroup = 1;  // o-tiles per group: 1 (one o-tile over all position tiles) measured best
constexpr int64_t kGroupWBytes = 64 * 1024;   // a group's weights per channel chunk (L1)
constexpr int kDwNV = 8, kDwPT = 16 * kDwNV;  // depthwise: vectors and positions per step
constexpr int kDwMaxSpan = 4096;              // longer dilated spans take the generic path (staging per step)

// Lines to prefetch during a tile: p + r*stride + l*16 for r < rows, l < lines (l fastest).
struct PfStream {
  const float* p = nullptr;
  int64_t stride = 0;
  int rows = 0, lines = 0;
};

// One register tile: OT output rows x 48 positions, summed over nT terms.
// xb: staged input at the tile's first position (term t reads xb + offs[t] + lane);
// wp: packed weights [t][OT]; y: output (row o at y + o*ys); masks: valid lanes per vector.
// The first channel chunk starts from the bias, later chunks accumulate into y.
// pf[0]: input lines to prefetch (T0: measured 1-2.5% better than T1 on this AMD host), pf[1]: output
// lines to fetch for writing; spread evenly over the terms (a burst would fill the miss buffers and stall).
template <int OT>
void tile(const float* xb, const int* offs, int nT, const float* wp, float* y, int64_t ys, const float* bias,
          bool accumulate, const __mmask16* masks, const PfStream* pf) {
  __m512 acc[OT][kNV];
  for (int o = 0; o < OT; ++o)
    for (int v = 0; v < kNV; ++v)
      acc[o][v] = accumulate ? _mm512_maskz_loadu_ps(masks[v], y + o * ys + 16 * v)
                             : _mm512_set1_ps(bias ? bias[o] : 0.0f);
  int pfLeft = pf[0].rows * pf[0].lines + pf[1].rows * pf[1].lines;
  const int pfEvery = pfLeft > 0 ? std::max(1, nT / pfLeft) : nT + 1;
  int pfCount = 0, ps = 0, pr = 0, pl = 0;  // stream, row, line of the next prefetch
  for (int t = 0; t < nT; ++t) {
    if (++pfCount >= pfEvery && pfLeft > 0) {
      pfCount = 0;
      --pfLeft;
      while (pr >= pf[ps].rows) {
        ++ps;
        pr = pl = 0;
      }
      const char* a = reinterpret_cast<const char*>(pf[ps].p + pr * pf[ps].stride + 16 * pl);
      if (ps == 0)
        _mm_prefetch(a, _MM_HINT_T0);
      else
        _mm_prefetch(a, _MM_HINT_ET0);
      if (++pl >= pf[ps].lines) {
        pl = 0;
        ++pr;
      }
    }
    const float* xp = xb + offs[t];
    const __m512 x0 = _mm512_loadu_ps(xp), x1 = _mm512_loadu_ps(xp + 16), x2 = _mm512_loadu_ps(xp + 32);
    const float* w = wp + t * OT;
#pragma GCC unroll 8
    for (int o = 0; o < OT; ++o) {
      const __m512 wv = _mm512_set1_ps(w[o]);
      acc[o][0] = _mm512_fmadd_ps(wv, x0, acc[o][0]);
      acc[o][1] = _mm512_fmadd_ps(wv, x1, acc[o][1]);
      acc[o][2] = _mm512_fmadd_ps(wv, x2, acc[o][2]);
    }
  }
  for (int o = 0; o < OT; ++o)
    for (int v = 0; v < kNV; ++v) _mm512_mask_storeu_ps(y + o * ys + 16 * v, masks[v], acc[o][v]);
}

using TileFn = void (*)(const float*, const int*, int, const float*, float*, int64_t, const float*, bool,
                        const __mmask16*, const PfStream*);

inline TileFn tileFn(int ot) {
  switch (ot) {
    case 1:
      return tile<1>;
    case 2:
      return tile<2>;
    case 3:
      return tile<3>;
    case 4:
      return tile<4>;
    case 5:
      return tile<5>;
    case 6:
      return tile<6>;
    case 7:
      return tile<7>;
    default:
      return tile<8>;
  }
}

// row[v] = src[v * s] for v in [0, n) (de-interleave one phase); vectorised for s = 1, 2.
inline void gatherStrided(float* row, const float* src, int64_t n, int s) {
  int64_t v = 0;
  if (s == 1) {
    std::memcpy(row, src, sizeof(float) * size_t(n));
    return;
  }
  if (s == 2) {
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    for (; v + 16 <= n - 1; v += 16)  // reads src[2v .. 2v+31], all < 2n - 1
      _mm512_storeu_ps(row + v, _mm512_permutex2var_ps(_mm512_loadu_ps(src + 2 * v), even,
                                                       _mm512_loadu_ps(src + 2 * v + 16)));
  }
  for (; v < n; ++v) row[v] = src[v * s];
}

// row0[v] = x[i0 + 2v], row1[v] = x[i0 + 2v + 1] for v in [0, n), 0 outside [0, Lin): both phase rows
// of a stride-2 conv in one pass over x.
inline void gatherPhases2(float* row0, float* row1, const float* x, int64_t i0, int64_t n, int64_t Lin) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
  auto at = [&](int64_t i) { return i >= 0 && i < Lin ? x[i] : 0.0f; };
  int64_t v = 0;
  for (; v < n && i0 + 2 * v < 0; ++v) {
    row0[v] = at(i0 + 2 * v);
    row1[v] = at(i0 + 2 * v + 1);
  }
  for (; v + 16 <= n && i0 + 2 * v + 32 <= Lin; v += 16) {
    const __m512 a = _mm512_loadu_ps(x + i0 + 2 * v), b = _mm512_loadu_ps(x + i0 + 2 * v + 16);
    _mm512_storeu_ps(row0 + v, _mm512_permutex2var_ps(a, even, b));
    _mm512_storeu_ps(row1 + v, _mm512_permutex2var_ps(a, odd, b));
  }
  for (; v < n; ++v) {
    row0[v] = at(i0 + 2 * v);
    row1[v] = at(i0 + 2 * v + 1);
  }
}

inline int floorDiv(int a, int b) {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}
inline int64_t roundUp(int64_t a, int64_t m) {
  return (a + m - 1) / m * m;
}

// Everything a call needs besides the data pointers: terms, packed weights, blocking.
struct Plan {
  int N = 0, C = 0, O = 0, G = 0, cg = 0, og = 0, Lin = 0, Lout = 0;
  int s = 1, d = 1, k = 1, pb = 0, start = 0;
  int rowsPerC = 1;   // staged rows per input channel (s for strided conv, else 1)
  int aMax = 0;       // largest term shift in staged units (conv: (k-1)d/s; transposed: (k-1)d/s inputs)
  int termsPerC = 0;  // terms per input channel
  int64_t RS = 0;     // staged row stride (floats)
  int64_t nPos = 0;   // positions in tile coordinates
  int64_t PB = 0;     // positions per block (multiple of kPT)
  int64_t nBlocks = 0;
  int chunkC = 1;  // input channels per chunk
  const float* bias = nullptr;
};

inline thread_local std::vector<int> tlOffs;
inline thread_local std::vector<float> tlPack;
inline thread_local std::vector<float> tlStage;

inline float* scratch(std::vector<float>& buf, size_t n) {
  if (buf.size() < n) buf.resize(n);
  return buf.data();
}

inline void chooseBlocking(Plan& p, int64_t spanPerC) {
  const int64_t rows = int64_t(p.cg) * p.rowsPerC;
  p.PB = std::max<int64_t>(kPT, kStageBytes / (rows * 4) / kPT * kPT);
  p.PB = std::min<int64_t>(p.PB, 32 * kPT);  // several blocks per row: interior ones read x in place
  p.PB = std::min(p.PB, roundUp(p.nPos, kPT));
  p.nBlocks = (p.nPos + p.PB - 1) / p.PB;
  p.RS = roundUp(p.PB + spanPerC + 16, 16);
  if ((p.RS / 16) % 2 == 0) p.RS += 16;  // odd number of cache lines: staged rows spread over all L1 sets
  const int64_t perC = int64_t(p.rowsPerC) * (kPT + spanPerC) * 4;
  const int64_t wPerC = int64_t(p.termsPerC) * kOGroup * kOT * 4;  // a group's weights per channel
  p.chunkC = int(std::clamp<int64_t>(std::min(kTileBytes / perC, kGroupWBytes / wPerC), 1, p.cg));
  // even chunks
  const int nChunks = (p.cg + p.chunkC - 1) / p.chunkC;
  p.chunkC = (p.cg + nChunks - 1) / nChunks;
}

// Threads worth running `flops` of work split into `units` pieces: one per kFlopsPerThread.
inline int threadsFor(double flops, int64_t units) {
#ifdef _OPENMP
  const double t = std::min({flops / kFlopsPerThread, double(units), double(omp_get_max_threads())});
  return std::max(1, int(t));
#else
  (void)flops, (void)units;
  return 1;
#endif
}

// A block of work: image n, group g, positions [b0, b0 + bn) in tile coordinates.
struct Block {
  int n = 0, g = 0;
  int64_t b0 = 0, bn = 0;
};

// Calls f(block, next) on this thread's share of the (n, g) rows x nPos positions: one contiguous
// run of whole kPT-position tiles per thread (equal to one tile: no load imbalance, no work queue,
// neighbouring blocks — and their output cache lines — on the same thread), cut into near-equal
// blocks of at most PB positions that stay inside a row. next: the block after it (bn = 0: none).
template <class F>
void forThisThreadsBlocks(const Plan& p, F&& f) {
  const int64_t tpr = (p.nPos + kPT - 1) / kPT, total = int64_t(p.N) * p.G * tpr, maxTiles = p.PB / kPT;
  int tid = 0, nt = 1;
#ifdef _OPENMP
  tid = omp_get_thread_num();
  nt = omp_get_num_threads();
#endif
  const int64_t hi = total * (tid + 1) / nt;
  auto blockAt = [&](int64_t t, int64_t& take) {
    const int64_t row = t / tpr, ti = t - row * tpr;
    const int64_t left = std::min(hi - row * tpr, tpr) - ti;  // tiles of this row in this thread's run
    const int64_t parts = (left + maxTiles - 1) / maxTiles;
    take = (left + parts - 1) / parts;
    return Block{int(row / p.G), int(row % p.G), ti * kPT, std::min(take * kPT, p.nPos - ti * kPT)};
  };
  int64_t t = total * tid / nt, take = 0, takeNext = 0;
  if (t >= hi) return;
  Block cur = blockAt(t, take);
  while (true) {
    const Block next = t + take < hi ? blockAt(t + take, takeNext) : Block{};
    f(cur, next);
    if (next.bn == 0) break;
    t += take;
    take = takeNext;
    cur = next;
  }
}

// Prefetches the input lines the next block will read (stage or read in place), a few per tile call and
// spread over the call's terms, so the reads stream in behind the FMAs instead of stalling the staging copy
// (a burst of prefetches fills the miss buffers and stalls). Order: line-column by line-column,
// rows fastest, so a call's share is one strided run. Rows: `rows` channel rows from `base` with
// stride `stride`, x indices [lo, hi) of each.
class Prefetcher {
 public:
  // The rows x line-columns rectangle is cut into at most `calls` rectangles, one per tile call: whole
  // columns of colsPer lines when there are fewer columns than calls' worth, else each column split
  // into row runs (so every line is covered; a per-call count cut at column ends covered only ~2/3).
  void start(const float* base, int64_t stride, int rows, int64_t lo, int64_t hi, int64_t calls) {
    m_base = base;
    m_stride = stride;
    m_rows = rows;
    m_lo = lo / 16 * 16;
    m_cols = lo < hi && rows > 0 ? (hi - m_lo + 15) / 16 : 0;
    m_row = 0;
    m_col = 0;
    calls = std::max<int64_t>(calls, 1);
    if (m_cols == 0) return;
    const int64_t target = (int64_t(rows) * m_cols + calls - 1) / calls;  // lines per call
    if (target >= rows) {
      m_rowsPer = rows;
      m_colsPer = (target + rows - 1) / rows;
    } else {
      m_colsPer = 1;
      const int64_t parts = std::max<int64_t>(1, calls / m_cols);
      m_rowsPer = int((rows + parts - 1) / parts);
    }
  }
  // The next call's share: a rectangle of rows x lines.
  PfStream next() {
    if (m_col >= m_cols) return {};
    const PfStream r{m_base + int64_t(m_row) * m_stride + m_lo + 16 * m_col, m_stride,
                     std::min(m_rowsPer, m_rows - m_row), int(std::min(m_colsPer, m_cols - m_col))};
    m_row += r.rows;
    if (m_row >= m_rows) {
      m_row = 0;
      m_col += m_colsPer;
    }
    return r;
  }

 private:
  const float* m_base = nullptr;
  int64_t m_stride = 0, m_lo = 0, m_cols = 0, m_col = 0, m_colsPer = 1;
  int m_rows = 0, m_row = 0, m_rowsPer = 1;
};

// The shape fields every plan has: batch, channels, groups, lengths and the axis' s, d, k.
inline Plan planOf(const Layer& l, int N, int Lin) {
  Plan p;
  p.N = N;
  p.C = l.inChannels;
  p.O = l.outChannels;
  p.G = l.groups;
  p.cg = p.C / p.G;
  p.og = p.O / p.G;
  p.Lin = Lin;
  p.Lout = l.ax[0].out;
  p.s = l.ax[0].s;
  p.d = l.ax[0].d;
  p.k = l.ax[0].k;
  return p;
}

// Plan of directConv1d (conv1d_direct.cpp); also sizes its scratch.
Plan convPlan(const Layer& l, int N, int Lin, int pb);
// directConv1d takes its depthwise loop (no blocking) for this plan.
bool convIsDepthwise(const Plan& p);
// Plan of convTranspose1dPhases (conv1d_transposed.cpp).
Plan convTransposePlan(const Layer& l, int N);
// Row stride of the per-thread phase rows buffer of convTranspose1dPhases.
int64_t phaseRowStride(const Plan& p);
// Transposed conv with stride S in {1, 2, 4, 8, 16} in polyphase form (conv1d_transposed.cpp).
void convTranspose1dPhases(const Layer& l, const float* x, int N, float* y);
// Depthwise conv, stride 1 (conv1d_depthwise.cpp): y (N, O, out) from x (N, C, Lin), pad pb.
void depthwiseConv1d(const Layer& l, const float* x, int N, int64_t Lin, int64_t pb, float* y);

}  // namespace convscope::engine::detail::conv1d
#endif
