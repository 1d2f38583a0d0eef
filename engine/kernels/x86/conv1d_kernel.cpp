// conv1d_kernel.cpp: direct AVX-512 conv / transposed conv for 1-D layers (see conv1d_kernel.h).
//
// Sections: constants · tile (the register micro-kernel) · staging helpers · Plan and blocking ·
// work split (threadsFor, forThisThreadsBlocks) · Prefetcher · run (conv) · runPhases and
// convTranspose1dPhases (transposed, polyphase) · depthwise · public entry points.
#include "engine/kernels/x86/conv1d_kernel.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "engine/core/cancel.h"
#include "engine/core/limits.h"

#if defined(__AVX512F__) && defined(__AVX512DQ__)
#include <immintrin.h>
#define CONVSCOPE_DIRECT_CONV1D 1
#endif
#ifdef _OPENMP
#include <omp.h>
#endif

namespace convscope::engine::detail {

#ifdef CONVSCOPE_DIRECT_CONV1D
namespace {

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

TileFn tileFn(int ot) {
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
void gatherStrided(float* row, const float* src, int64_t n, int s) {
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
void gatherPhases2(float* row0, float* row1, const float* x, int64_t i0, int64_t n, int64_t Lin) {
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

thread_local std::vector<int> tlOffs;
thread_local std::vector<float> tlPack;
thread_local std::vector<float> tlStage;

float* scratch(std::vector<float>& buf, size_t n) {
  if (buf.size() < n) buf.resize(n);
  return buf.data();
}

void chooseBlocking(Plan& p, int64_t spanPerC) {
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
int threadsFor(double flops, int64_t units) {
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

// Runs all blocks: stage, then channel chunks x position tiles x output-channel tiles.
// Source(b0, bn) -> {lo, hi}: the x indices (per channel row) block (b0, bn) stages.
// PackItem(i): packs the weights of (group, o-tile) i, i < G * ceil(og / 8) — in the region, before any tile.
template <class PackItem, class Stage, class Source>
void run(const Plan& p, const float* x, const float* pack, float* y, PackItem packItem, Stage stage,
         Source source) {
  const double flops = 2.0 * p.N * p.O * double(p.nPos) * p.cg * p.termsPerC;
  const int threads = threadsFor(flops, int64_t(p.N) * p.G * ((p.nPos + kPT - 1) / kPT));
  const int nT = p.cg * p.termsPerC;
  ParallelGuard guard;
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
#pragma omp for schedule(static)
    for (int64_t i = 0; i < int64_t(p.G) * ((p.og + kOT - 1) / kOT); ++i) packItem(i);
    float* xs = nullptr;
    guard.run([&] { xs = scratch(tlStage, size_t(p.cg * p.rowsPerC) * size_t(p.RS)); });
    Prefetcher pf;
    if (!guard.stop())
      forThisThreadsBlocks(p, [&](const Block& B, const Block& next) {
        if (guard.stop()) return;
        const int n = B.n, g = B.g;
        const int64_t b0 = B.b0, bn = B.bn;  // block start (tile coordinates), positions in this block
        // staged copy, or the input itself for interior stride-1 blocks (base at position 0 of the block)
        const auto [xblk, offs] = stage(n, g, b0, bn, xs);
        if (next.bn > 0) {
          const auto [lo, hi] = source(next.b0, next.bn);
          pf.start(x + (int64_t(next.n) * p.C + int64_t(next.g) * p.cg) * p.Lin, p.Lin, p.cg,
                   std::max<int64_t>(lo, 0), std::min<int64_t>(hi, p.Lin),
                   ((p.cg + p.chunkC - 1) / p.chunkC) * ((p.og + kOT - 1) / kOT) * ((bn + kPT - 1) / kPT));
        } else {
          pf.start(x, 0, 0, 0, 0, 1);
        }
        float* yg = y + (int64_t(n) * p.O + int64_t(g) * p.og) * p.Lout;
        const float* gbias = p.bias ? p.bias + g * p.og : nullptr;
        const float* gpack = pack + int64_t(g) * p.og * nT;
        for (int c0 = 0; c0 < p.cg; c0 += p.chunkC) {
          if (guard.stop()) return;
          const int c1 = std::min(p.cg, c0 + p.chunkC);
          const int t0 = c0 * p.termsPerC, tn = (c1 - c0) * p.termsPerC;
          // o-tile groups: a group's weights for this chunk stay in L1 across the position tiles,
          // a position tile's staged rows stay in L1 across the group's o-tiles
          for (int g0 = 0; g0 < p.og; g0 += kOGroup * kOT) {
            const int g1 = std::min(p.og, g0 + kOGroup * kOT);
            for (int64_t u = 0; u < bn; u += kPT) {
              // output index of lane 0 and the valid lanes of each vector
              const int64_t m = b0 + u;
              __mmask16 masks[kNV];
              for (int v = 0; v < kNV; ++v) {  // blocks are whole tiles: only the row ends clip
                const int64_t lo = m + 16 * v;
                uint32_t bits = 0xFFFFu;
                if (lo < 0) bits &= 0xFFFFu << std::min<int64_t>(16, -lo);
                if (lo + 16 > p.Lout) bits &= lo >= p.Lout ? 0u : (0xFFFFu >> (lo + 16 - p.Lout));
                masks[v] = __mmask16(bits);
              }
              const float* xb = xblk + u;
              float* yt = yg + m;
              for (int o0 = g0; o0 < g1; o0 += kOT) {
                const int ot = std::min(kOT, p.og - o0);
                // and the output lines of the next position tile, fetched for writing
                const int64_t mn = std::max<int64_t>(m + kPT, 0),
                              mnEnd = std::min<int64_t>(p.Lout, m + 2 * kPT);
                const PfStream pfs[2] = {pf.next(), u + kPT < bn && mnEnd > mn
                                                        ? PfStream{yg + int64_t(o0) * p.Lout + mn, p.Lout, ot,
                                                                   int((mnEnd - mn + 15) / 16) + 1}
                                                        : PfStream{}};
                tileFn(ot)(xb, offs + t0, tn, gpack + (int64_t(o0) * nT + int64_t(t0) * ot),
                           yt + int64_t(o0) * p.Lout, p.Lout, gbias ? gbias + o0 : nullptr, c0 > 0, masks,
                           pfs);
              }
            }
          }
        }
      });
  }
  guard.finish();
}

// Transposed conv, stride S | 16, polyphase: phase r of the output (q = S*Q + r = m + start) is a
// stride-1 conv of x, out_r[Q] = b + sum_{c, j*d = S*a + r} W[c][o][j] x[c][Q - a]. A block (tile
// coordinate u = Q - Qlo - b0) computes, per 8-channel o-tile, every phase row into a per-thread buffer
// with the tile kernel over the plain input rows (no FMA on a missing tap, no s-fold repeated staging)
// and interleaves them into y in registers; S = 1 writes straight into y. Positions no tap reaches
// read staged zeros and get the bias, as before (the former lane-pattern form multiplied zero
// weights into odd-k phases and needed zeroed row copies against 0 * NaN; here no such term exists).
thread_local std::vector<float> tlPhase;

struct PhasePass {
  int T = 0;                    // taps of this phase per input channel
  const int* offs = nullptr;    // [c*T + ti]: staged offset of (c, tap)
  const float* pack = nullptr;  // [g][o-tile][t][ot]
};

// out[w] (w < S) = the S rows V[r] interleaved: lane l of out[w] = V[(16w + l) % S][(16w + l) / S].
template <int S>
inline void interleaveRows(const __m512* V, __m512* out) {
  if constexpr (S == 1) {
    out[0] = V[0];
  } else {
    const __m512i lo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i hi = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    __m512 ev[S / 2], od[S / 2], A[S / 2], B[S / 2];
    for (int i = 0; i < S / 2; ++i) {
      ev[i] = V[2 * i];
      od[i] = V[2 * i + 1];
    }
    interleaveRows<S / 2>(ev, A);
    interleaveRows<S / 2>(od, B);
    for (int i = 0; i < S / 2; ++i) {
      out[2 * i] = _mm512_permutex2var_ps(A[i], lo, B[i]);
      out[2 * i + 1] = _mm512_permutex2var_ps(A[i], hi, B[i]);
    }
  }
}

// Row stride of the per-thread phase buffer (S * kOT rows): a block, odd in cache lines.
int64_t phaseRowStride(const Plan& p) {
  return roundUp(p.PB, kPT) / 16 % 2 ? roundUp(p.PB, kPT) : roundUp(p.PB, kPT) + 16;
}

template <int S, class PackItem, class Stage, class Source>
void runPhases(const Plan& p, const float* x, const PhasePass* ph, int64_t Qlo, float* y, PackItem packItem,
               Stage stage, Source source) {
  const double flops = 2.0 * p.N * p.O * double(p.nPos) * p.cg * p.termsPerC;
  const int threads = threadsFor(flops, int64_t(p.N) * p.G * ((p.nPos + kPT - 1) / kPT));
  const int64_t BS = phaseRowStride(p);
  const __mmask16 all[kNV] = {0xFFFF, 0xFFFF, 0xFFFF};
  ParallelGuard guard;
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
#pragma omp for schedule(static)
    for (int64_t i = 0; i < int64_t(p.G) * ((p.og + kOT - 1) / kOT); ++i) packItem(i);
    float* xs = nullptr;
    float* buf = nullptr;
    guard.run([&] {
      xs = scratch(tlStage, size_t(p.cg) * size_t(p.RS));
      buf = scratch(tlPhase, size_t(S * kOT) * size_t(BS));  // [r][o - o0][u]
    });
    Prefetcher pf;
    if (!guard.stop())
      forThisThreadsBlocks(p, [&](const Block& B, const Block& next) {
        if (guard.stop()) return;
        const int n = B.n, g = B.g;
        const int64_t b0 = B.b0, bn = B.bn;
        const auto [xblk, offsBase] = stage(n, g, b0, bn, xs);
        if (next.bn > 0) {
          const auto [lo, hi] = source(next.b0, next.bn);
          pf.start(
              x + (int64_t(next.n) * p.C + int64_t(next.g) * p.cg) * p.Lin, p.Lin, p.cg,
              std::max<int64_t>(lo, 0), std::min<int64_t>(hi, p.Lin),
              ((p.og + kOT - 1) / kOT) * ((p.cg + p.chunkC - 1) / p.chunkC) * ((bn + kPT - 1) / kPT) * S);
        } else {
          pf.start(x, 0, 0, 0, 0, 1);
        }
        const int64_t offsShift = offsBase - ph[0].offs;  // in-place blocks use a parallel offset table
        const float* gbias = p.bias ? p.bias + g * p.og : nullptr;
        float* yg = y + (int64_t(n) * p.O + int64_t(g) * p.og) * p.Lout;
        const int64_t mBase = S * (Qlo + b0) - p.start;  // output index of (Q = Qlo + b0, r = 0)
        const int64_t mLo = std::max<int64_t>(0, mBase), mHi = std::min<int64_t>(p.Lout, mBase + S * bn);
        for (int o0 = 0; o0 < p.og; o0 += kOT) {
          if (guard.stop()) return;
          const int ot = std::min(kOT, p.og - o0);
          for (int c0 = 0; c0 < p.cg; c0 += p.chunkC) {
            const int c1 = std::min(p.cg, c0 + p.chunkC);
            // the output lines the next tile's interleave writes, fetched for writing during this
            // tile's phase calls (rowsPer rows each)
            const int rowsPer = (ot + S - 1) / S;
            for (int64_t u = 0; u < bn; u += kPT) {
              int64_t m0 = 0, m1 = 0;
              if (S > 1 && c1 == p.cg && u + kPT < bn) {
                m0 = std::clamp<int64_t>(mBase + S * (u + kPT), 0, p.Lout);
                m1 = std::clamp<int64_t>(mBase + S * std::min(bn, u + 2 * kPT), m0, p.Lout);
              }
              for (int r = 0; r < S; ++r) {
                const int T = ph[r].T, nT = p.cg * T, t0 = c0 * T, tn = (c1 - c0) * T;
                const int* offs = ph[r].offs + offsShift;
                const float* wt = ph[r].pack + int64_t(g) * p.og * nT + int64_t(o0) * nT + int64_t(t0) * ot;
                const int rowLo = std::min(ot, r * rowsPer), rowHi = std::min(ot, rowLo + rowsPer);
                const PfStream pfs[2] = {pf.next(),
                                         m1 > m0 ? PfStream{yg + int64_t(o0 + rowLo) * p.Lout + m0, p.Lout,
                                                            rowHi - rowLo, int((m1 - m0 + 15) / 16) + 1}
                                                 : PfStream{}};
                if constexpr (S ==
                              1) {  // no phases to interleave: straight into y, lanes clipped to [0, Lout)
                  const int64_t m = mBase + u;
                  __mmask16 masks[kNV];
                  for (int v = 0; v < kNV; ++v) {
                    const int64_t lo = m + 16 * v;
                    uint32_t bits = 0xFFFFu;
                    if (lo < 0) bits &= 0xFFFFu << std::min<int64_t>(16, -lo);
                    if (lo + 16 > p.Lout) bits &= lo >= p.Lout ? 0u : (0xFFFFu >> (lo + 16 - p.Lout));
                    masks[v] = __mmask16(bits);
                  }
                  tileFn(ot)(xblk + u, offs + t0, tn, wt, yg + int64_t(o0) * p.Lout + m, p.Lout,
                             gbias ? gbias + o0 : nullptr, c0 > 0, masks, pfs);
                } else {
                  tileFn(ot)(xblk + u, offs + t0, tn, wt, buf + int64_t(r) * kOT * BS + u, BS,
                             gbias ? gbias + o0 : nullptr, c0 > 0, all, pfs);
                }
              }
              if constexpr (S > 1) {
                if (c1 < p.cg) continue;
                // y[o][S*Q + r - start] = buf[r][o - o0][Q - Qlo - b0] for this tile's Q, m clipped to
                // [mLo, mHi); done per tile so the stores to y spread over the FMAs
                for (int o = 0; o < ot; ++o) {
                  float* yo = yg + int64_t(o0 + o) * p.Lout;
                  for (int64_t v = u; v < std::min(bn, u + kPT); v += 16) {
                    __m512 V[S], W[S];
                    for (int r = 0; r < S; ++r) V[r] = _mm512_loadu_ps(buf + (int64_t(r) * kOT + o) * BS + v);
                    interleaveRows<S>(V, W);
                    for (int w = 0; w < S; ++w) {
                      const int64_t m = mBase + S * v + 16 * w;
                      uint32_t bits = 0xFFFFu;
                      if (m < mLo) bits &= mLo - m >= 16 ? 0u : 0xFFFFu << (mLo - m);
                      if (m + 16 > mHi) bits &= m >= mHi ? 0u : 0xFFFFu >> (m + 16 - mHi);
                      if (bits) _mm512_mask_storeu_ps(yo + m, __mmask16(bits), W[w]);
                    }
                  }
                }
              }
            }
          }
        }
      });
  }
  guard.finish();
}

// Staged row c of a stride-1 block: row[v] = x[c][i0 + v] for v in [0, RS), 0 outside [0, Lin).
void stageRow(float* row, const float* xc, int64_t i0, int64_t Lin, int64_t RS) {
  const int64_t vLo = std::clamp<int64_t>(-i0, 0, RS), vHi = std::clamp<int64_t>(Lin - i0, vLo, RS);
  std::fill(row, row + vLo, 0.0f);
  std::memcpy(row + vLo, xc + i0 + vLo, sizeof(float) * size_t(vHi - vLo));
  std::fill(row + vHi, row + RS, 0.0f);
}

// The shape fields every plan has: batch, channels, groups, lengths and the axis' s, d, k.
Plan planOf(const Layer& l, int N, int Lin) {
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

// Plan of directConv1d (conv, stride s: s staged phase rows per channel); also sizes its scratch.
Plan convPlan(const Layer& l, int N, int Lin, int pb) {
  Plan p = planOf(l, N, Lin);
  p.pb = pb;
  p.rowsPerC = p.s;
  p.aMax = (p.k - 1) * p.d / p.s;
  p.termsPerC = p.k;
  p.nPos = p.Lout;
  p.bias = l.bias.empty() ? nullptr : l.bias.ptr();
  if (p.nPos > 0 && N > 0 && p.O > 0 && !(p.cg == 1 && p.s == 1 && int64_t(p.k - 1) * p.d <= kDwMaxSpan))
    chooseBlocking(p, p.aMax);
  return p;
}
// directConv1d takes its depthwise loop (no blocking) for this plan.
bool convIsDepthwise(const Plan& p) {
  return p.cg == 1 && p.s == 1 && int64_t(p.k - 1) * p.d <= kDwMaxSpan;
}

// Plan of convTranspose1dPhases: Q in [Qlo, Qlo + nPos), Qlo = floor(start / s).
Plan convTransposePlan(const Layer& l, int N) {
  Plan p = planOf(l, N, l.ax[0].in);
  p.start = l.ax[0].start;
  p.rowsPerC = 1;
  p.aMax = (p.k - 1) * p.d / p.s;
  p.termsPerC = p.k;  // all phases' taps: FLOP estimate and weights per channel
  p.bias = l.bias.empty() ? nullptr : l.bias.ptr();
  const int64_t Qlo = floorDiv(p.start, p.s);
  p.nPos = (int64_t(p.start) + p.Lout - 1 - p.s * Qlo) / p.s + 1;
  chooseBlocking(p, p.aMax);
  return p;
}

// Transposed conv with stride S in {1, 2, 4, 8, 16} in polyphase form (see runPhases).
void convTranspose1dPhases(const Layer& l, const float* x, int N, float* y) {
  Plan p = convTransposePlan(l, N);
  const int S = p.s;
  const int64_t Qlo = floorDiv(p.start, S);

  const int cg = p.cg, og = p.og, k = p.k, d = p.d, aMax = p.aMax, Lin = p.Lin, C = p.C;
  std::vector<std::vector<int>> taps(static_cast<size_t>(S));
  for (int j = 0; j < k; ++j) taps[size_t((j * d) % S)].push_back(j);
  const int nTot = cg * k;
  // offsets: [phase 0 staged] .. [phase S-1 staged][phase 0 in place] .. [phase S-1 in place]
  tlOffs.resize(size_t(2 * nTot));
  float* pack = scratch(tlPack, size_t(p.O) * nTot);
  const float* W = l.weight.ptr();  // (C, og, k)
  // interior blocks read x in place (see directConv1d)
  const bool inPlace = int64_t(cg) * Lin < (int64_t(1) << 30);
  PhasePass ph[16];
  float* packOf[16];
  int* offs = tlOffs.data();
  float* pk = pack;
  for (int r = 0; r < S; ++r) {
    const std::vector<int>& tr = taps[size_t(r)];
    const int T = int(tr.size()), nT = cg * T;
    ph[r] = {T, offs, pk};
    packOf[r] = pk;
    for (int c = 0; c < cg; ++c)
      for (int ti = 0; ti < T; ++ti) {
        const int shift = aMax - (tr[size_t(ti)] * d - r) / S;
        offs[c * T + ti] = int(int64_t(c) * p.RS + shift);
        offs[nTot + c * T + ti] = c * Lin + shift;
      }
    offs += nT;
    pk += int64_t(p.O) * nT;
  }
  // pack_r[g][o-tile][(c, ti)][ot] = W[g*cg + c][o][taps_r[ti]]; item i = (g, o-tile), packed by the
  // threads of runPhases, each o-tile row of W read once for all phases
  const int nOt = (og + kOT - 1) / kOT;
  auto packItem = [&](int64_t i) {
    const int g = int(i / nOt), o0 = int(i % nOt) * kOT, ot = std::min(kOT, og - o0);
    for (int c = 0; c < cg; ++c) {
      const float* wb = W + ((int64_t(g) * cg + c) * og + o0) * k;  // row o: wb + o*k
      for (int r = 0; r < S; ++r) {
        const int T = ph[r].T;
        const int* tr = taps[size_t(r)].data();
        float* dst = packOf[r] + (int64_t(g) * og + o0) * cg * T + int64_t(c) * T * ot;
        for (int ti = 0; ti < T; ++ti)
          for (int o = 0; o < ot; ++o) dst[ti * ot + o] = wb[o * k + tr[ti]];
      }
    }
  };
  const int* offsStaged = tlOffs.data();
  const int* offsDirect = tlOffs.data() + nTot;
  const int64_t RS = p.RS;
  // a block reads staged v in [0, roundUp(bn, kPT) + aMax)
  auto need = [&](int64_t bn) { return std::min(RS, roundUp(bn, kPT) + aMax); };
  auto stage = [&](int n, int g, int64_t b0, int64_t bn, float* xs) -> std::pair<const float*, const int*> {
    const int64_t i0 = Qlo + b0 - aMax;  // x index of staged v = 0
    const float* xg = x + (int64_t(n) * C + int64_t(g) * cg) * Lin;
    if (inPlace && i0 >= 0 && i0 + roundUp(bn, kPT) + aMax <= Lin) return {xg + i0, offsDirect};
    for (int c = 0; c < cg; ++c) stageRow(xs + int64_t(c) * RS, xg + int64_t(c) * Lin, i0, Lin, need(bn));
    return {xs, offsStaged};
  };
  auto source = [&](int64_t b0, int64_t bn) {
    return std::pair<int64_t, int64_t>{Qlo + b0 - aMax, Qlo + b0 - aMax + need(bn)};
  };
  switch (S) {
    case 1:
      runPhases<1>(p, x, ph, Qlo, y, packItem, stage, source);
      break;
    case 2:
      runPhases<2>(p, x, ph, Qlo, y, packItem, stage, source);
      break;
    case 4:
      runPhases<4>(p, x, ph, Qlo, y, packItem, stage, source);
      break;
    case 8:
      runPhases<8>(p, x, ph, Qlo, y, packItem, stage, source);
      break;
    default:
      runPhases<16>(p, x, ph, Qlo, y, packItem, stage, source);
      break;
  }
}

// Depthwise, stride 1 (C/g == 1): y[o][m] = b[o] + sum_j w[o][j] * xpad[m + j*d], xpad[i] = x[i - pb]
// (0 outside [0, Lin)). 128 positions per step (8 accumulators); a step whose reads leave x reads a
// zero-padded copy instead. Same summation order as the tile kernel (bias, then taps in order).

void depthwiseRow(const float* xc, int64_t Lin, int64_t pb, const float* w, int k, int d, float bias,
                  float* yr, int64_t m0, int64_t m1, float* tmp) {
  const int64_t span = int64_t(k - 1) * d;
  for (int64_t m = m0; m < m1; m += kDwPT) {
    const int64_t i0 = m - pb;  // x index of tap 0, lane 0
    const float* xp = xc + i0;
    if (i0 < 0 || i0 + kDwPT + span > Lin) {
      for (int64_t t = 0; t < kDwPT + span; ++t) tmp[t] = (i0 + t >= 0 && i0 + t < Lin) ? xc[i0 + t] : 0.0f;
      xp = tmp;
    }
    __m512 acc[kDwNV];
    for (int v = 0; v < kDwNV; ++v) acc[v] = _mm512_set1_ps(bias);
    for (int j = 0; j < k; ++j) {
      const __m512 wv = _mm512_set1_ps(w[j]);
      const float* xj = xp + int64_t(j) * d;
#pragma GCC unroll 8
      for (int v = 0; v < kDwNV; ++v) acc[v] = _mm512_fmadd_ps(wv, _mm512_loadu_ps(xj + 16 * v), acc[v]);
    }
    if (m + kDwPT <= m1) {
      for (int v = 0; v < kDwNV; ++v) _mm512_storeu_ps(yr + m + 16 * v, acc[v]);
    } else {
      for (int v = 0; v < kDwNV; ++v) {
        const int64_t left = m1 - m - 16 * v;
        if (left <= 0) break;
        const __mmask16 mk = left >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << left) - 1);
        _mm512_mask_storeu_ps(yr + m + 16 * v, mk, acc[v]);
      }
    }
  }
}

// Rows (n, o) split into segments of whole steps; threads only when the work pays for them.
void depthwiseConv1d(const Layer& l, const float* x, int N, int64_t Lin, int64_t pb, float* y) {
  const int O = l.outChannels, C = l.inChannels, og = O / C, k = l.ax[0].k, d = l.ax[0].d;
  const int64_t Lout = l.ax[0].out;
  const int64_t rows = int64_t(N) * O;
  const double flops = 2.0 * double(rows) * double(Lout) * k;
  const int threads = threadsFor(flops, rows * ((Lout + kDwPT - 1) / kDwPT));
  // segments per row: enough items for the threads, whole steps each
  const int64_t steps = (Lout + kDwPT - 1) / kDwPT;
  const int64_t segs = std::min<int64_t>(steps, rows >= 4 * threads ? 1 : (4 * threads + rows - 1) / rows);
  const int64_t segLen = (steps + segs - 1) / segs * kDwPT;
  const int64_t items = rows * segs;
  const float* W = l.weight.ptr();
  const float* bias = l.bias.empty() ? nullptr : l.bias.ptr();
  const int64_t span = int64_t(k - 1) * d;
  ParallelGuard guard;
#pragma omp parallel num_threads(threads) if (threads > 1)
  {
    float* tmp = nullptr;
    guard.run([&] { tmp = scratch(tlStage, size_t(kDwPT + span + 16)); });
#pragma omp for schedule(static)
    for (int64_t it = 0; it < items; ++it) {
      if (guard.stop()) continue;
      const int64_t row = it / segs, sg = it % segs;
      const int o = int(row % O), n = int(row / O);
      const int64_t m0 = sg * segLen, m1 = std::min(Lout, m0 + segLen);
      // 64 steps between cancel polls (the same steps as one call over [m0, m1))
      for (int64_t ma = m0; ma < m1; ma += 64 * kDwPT) {
        if (guard.stop()) break;
        depthwiseRow(x + (int64_t(n) * C + o / og) * Lin, Lin, pb, W + int64_t(o) * k, k, d,
                     bias ? bias[o] : 0.0f, y + row * Lout, ma, std::min(m1, ma + 64 * kDwPT), tmp);
      }
    }
  }
  guard.finish();
}

}  // namespace

bool directConv1dSupported(const Layer& l) {
  if (l.dims != 1 || l.groups < 1 || l.inChannels % l.groups || l.outChannels % l.groups) return false;
  // transposed: the polyphase kernel computes every Q of out/s positions times all k taps; the true
  // work is in * k, so a kernel much longer than the input goes to the scatter path instead
  if (l.op == Op::ConvTranspose)
    return 16 % l.ax[0].s == 0 && int64_t(l.ax[0].out) / l.ax[0].s + 1 <= 4 * int64_t(l.ax[0].in);
  return l.op == Op::Conv;
}

ScratchSize directConv1dScratch(const Layer& l, int64_t N, int Lin, int pb) {
  ScratchSize sz;
  if (!directConv1dSupported(l) || l.ax[0].out <= 0 || N == 0 || l.outChannels == 0) return sz;
  const int64_t cg = l.inChannels / l.groups, k = l.ax[0].k;
  // offsets (2 per term, int) and packed weights (O x cg*k floats), filled before the region
  sz.shared = addSaturating(mulSaturating(2 * cg * k, sizeof(int)),
                            mulSaturating(int64_t(l.outChannels) * cg * k, sizeof(float)));
  if (l.op == Op::Conv) {
    const Plan p = convPlan(l, int(N), Lin, pb);
    if (convIsDepthwise(p)) return {0, (kDwPT + int64_t(p.k - 1) * p.d + 16) * int64_t(sizeof(float))};
    sz.perThread = int64_t(p.cg) * p.rowsPerC * p.RS * int64_t(sizeof(float));
  } else {
    const Plan p = convTransposePlan(l, int(N));
    sz.perThread = (int64_t(p.cg) * p.RS + int64_t(p.s) * kOT * phaseRowStride(p)) * int64_t(sizeof(float));
  }
  return sz;
}

// Conv: tile coordinate = output index p. Staged row (c, r) holds xpad[c][(b0 + v)*s + r].
void directConv1d(const Layer& l, const float* x, int N, int Lin, int pb, float* y) {
  Plan p = convPlan(l, N, Lin, pb);
  if (p.nPos <= 0 || N == 0 || p.O == 0) return;
  if (convIsDepthwise(p)) {
    depthwiseConv1d(l, x, N, Lin, pb, y);
    return;
  }

  const int nT = p.cg * p.k;
  tlOffs.resize(size_t(2 * nT));
  for (int c = 0; c < p.cg; ++c)
    for (int j = 0; j < p.k; ++j)
      tlOffs[size_t(c * p.k + j)] = int((int64_t(c) * p.s + (j * p.d) % p.s) * p.RS + (j * p.d) / p.s);
  // pack[g][o-tile][t][ot]: W[g*og + o][c][j]; item i = (g, o-tile), packed by the threads of run
  float* pack = scratch(tlPack, size_t(p.O) * nT);
  const float* W = l.weight.ptr();
  const int nOt = (p.og + kOT - 1) / kOT;
  auto packItem = [&, W, pack, nT](int64_t i) {
    const int g = int(i / nOt), o0 = int(i % nOt) * kOT, ot = std::min(kOT, p.og - o0);
    float* dst = pack + (int64_t(g) * p.og + o0) * nT;
    for (int t = 0; t < nT; ++t)
      for (int o = 0; o < ot; ++o) dst[t * ot + o] = W[(int64_t(g) * p.og + o0 + o) * nT + t];
  };

  const int s = p.s, C = p.C, cg = p.cg;
  const int64_t RS = p.RS;
  // Stride 1: blocks whose reads stay inside x use it in place (offsets c*Lin + j*d must fit an int).
  // The copy used to be kept for many channels (a power-of-two row stride maps a tile's rows onto few
  // L1 sets), but with the next block prefetched reading in place measured 1-2% faster
  // (batch8, audio_s1, transposed) and never slower (dilated2, Lin 8192).
  const bool inPlace = s == 1 && int64_t(cg) * Lin < (int64_t(1) << 30);
  tlOffs.resize(size_t(2 * nT));
  int* offsStaged = tlOffs.data();
  int* offsDirect = tlOffs.data() + nT;
  if (inPlace)
    for (int c = 0; c < p.cg; ++c)
      for (int j = 0; j < p.k; ++j) offsDirect[c * p.k + j] = c * Lin + j * p.d;
  const int span = (p.k - 1) * p.d;
  // a block reads staged v in [0, roundUp(bn, kPT) + aMax) of each phase row
  auto need = [&](int64_t bn) { return std::min(RS, roundUp(bn, kPT) + p.aMax); };
  auto stage = [&](int n, int g, int64_t b0, int64_t bn, float* xs) -> std::pair<const float*, const int*> {
    const float* xg = x + (int64_t(n) * C + int64_t(g) * cg) * Lin;
    if (inPlace && b0 - pb >= 0 && b0 - pb + roundUp(bn, kPT) + span <= Lin)
      return {xg + b0 - pb, offsDirect};
    const int64_t nv = need(bn);
    for (int c = 0; c < cg; ++c) {
      const float* xc = x + (int64_t(n) * C + int64_t(g) * cg + c) * Lin;
      if (s == 2) {
        gatherPhases2(xs + int64_t(c) * 2 * RS, xs + (int64_t(c) * 2 + 1) * RS, xc, b0 * 2 - pb, nv, Lin);
        continue;
      }
      for (int r = 0; r < s; ++r) {
        float* row = xs + (int64_t(c) * s + r) * RS;
        // row[v] = x[(b0 + v)*s + r - pb], v in [0, nv)
        const int64_t src0 = b0 * s + r - pb;
        const int64_t vLo = std::clamp<int64_t>(src0 >= 0 ? 0 : (-src0 + s - 1) / s, 0, nv);
        const int64_t vHi = std::clamp<int64_t>(Lin - src0 <= 0 ? 0 : (Lin - src0 + s - 1) / s, vLo, nv);
        std::fill(row, row + vLo, 0.0f);
        gatherStrided(row + vLo, xc + src0 + vLo * s, vHi - vLo, s);
        std::fill(row + vHi, row + nv, 0.0f);
      }
    }
    return {xs, offsStaged};
  };
  run(p, x, pack, y, packItem, stage, [&](int64_t b0, int64_t bn) {
    return std::pair<int64_t, int64_t>{b0 * s - pb, (b0 + need(bn)) * s - pb};
  });
}

// Transposed: polyphase (convTranspose1dPhases), stride 1 included (one phase written straight into y).
void directConvTranspose1d(const Layer& l, const float* x, int N, float* y) {
  if (l.ax[0].out <= 0 || N == 0 || l.outChannels == 0) return;
  convTranspose1dPhases(l, x, N, y);
}

#else  // no AVX-512: the Eigen paths in conv.cpp / conv_transpose.cpp handle everything

bool directConv1dSupported(const Layer&) {
  return false;
}
void directConv1d(const Layer&, const float*, int, int, int, float*) {}
void directConvTranspose1d(const Layer&, const float*, int, float*) {}
ScratchSize directConv1dScratch(const Layer&, int64_t, int, int) {
  return {};
}

#endif

}  // namespace convscope::engine::detail
