// Direct 1-D conv (conv1d_internal.h): stride s staged as s phase rows per channel, every tap a
// unit-stride load; `run` runs the blocks (stage, channel chunks x position tiles x o-tiles).
#include "engine/kernels/x86/conv1d_internal.h"

#ifdef CONVSCOPE_DIRECT_CONV1D
namespace convscope::engine::detail {
namespace conv1d {
namespace {

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

}  // namespace

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

}  // namespace conv1d

using namespace conv1d;

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

}  // namespace convscope::engine::detail
#endif
