// Transposed 1-D conv, stride s | 16, in polyphase form (conv1d_internal.h): per phase a stride-1
// conv of the plain input with that phase's taps only; a block's phase rows are interleaved into y.
#include "engine/kernels/x86/conv1d_internal.h"

#ifdef CONVSCOPE_DIRECT_CONV1D
namespace convscope::engine::detail {
namespace conv1d {
namespace {

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

}  // namespace

int64_t phaseRowStride(const Plan& p) {
  return roundUp(p.PB, kPT) / 16 % 2 ? roundUp(p.PB, kPT) : roundUp(p.PB, kPT) + 16;
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

}  // namespace conv1d
}  // namespace convscope::engine::detail
#endif
